"""``mt.nn``: modules, layers, losses, ``mt.nn.functional`` (as ``F``), ``mt.nn.init`` and ``mt.nn.utils``.

::

    import microtensor as mt
    import microtensor.nn.functional as F

    model = mt.nn.Sequential(mt.nn.Linear(2, 16), mt.nn.ReLU(), mt.nn.Linear(16, 2))
    loss = F.cross_entropy(model(x), y)

| file                     | contents |
|--------------------------|----------|
| parameter.py             | Parameter |
| module.py                | Module (registries, attribute assignment and lookup, __call__, repr) |
| _module_tree.py          | Module's tree walk: named_modules parameters children get_submodule apply train/eval requires_grad_ zero_grad |
| _module_hooks.py         | Module's forward hooks and pre-hooks, RemovableHandle |
| _module_state.py         | Module.state_dict load_state_dict |
| _module_conversion.py    | Module.to float double half cpu cuda type |
| modules/linear.py        | Linear Bilinear |
| modules/lazy.py          | LazyLinear LazyConv1d/2d/3d LazyBatchNorm1d/2d/3d (shapes from the first input) |
| uninitialized.py         | UninitializedParameter UninitializedBuffer (the lazy layers' placeholders) |
| modules/conv.py          | Conv1d Conv2d ConvTranspose1d ConvTranspose2d |
| modules/pooling.py       | MaxPool1d/2d AvgPool1d/2d AdaptiveAvgPool1d/2d AdaptiveMaxPool1d/2d |
| modules/conv3d.py        | Conv3d ConvTranspose3d |
| modules/pooling3d.py     | MaxPool3d AvgPool3d AdaptiveAvgPool3d AdaptiveMaxPool3d |
| modules/normalization.py | LayerNorm GroupNorm RMSNorm LocalResponseNorm |
| modules/batchnorm.py     | BatchNorm1d BatchNorm2d BatchNorm3d InstanceNorm1d/2d/3d |
| modules/sparse.py        | Embedding EmbeddingBag |
| modules/rnn.py           | RNN LSTM GRU RNNCell LSTMCell GRUCell |
| modules/rnn_base.py      | RNNBase: the recurrent layers' parameters, padded and packed inputs, loop over layers |
| modules/attention.py     | MultiheadAttention |
| modules/transformer.py   | TransformerEncoderLayer TransformerEncoder TransformerDecoderLayer TransformerDecoder Transformer |
| modules/activation.py    | ReLU Sigmoid Tanh LeakyReLU GELU Softplus Softmax LogSoftmax Identity SiLU ELU SELU Hardtanh ReLU6 Mish, PReLU LogSigmoid Softsign Hardsigmoid Hardswish Softmin Softmax2d GLU Tanhshrink Threshold CELU Softshrink Hardshrink |
| modules/container.py     | Sequential ModuleList ModuleDict ParameterList ParameterDict |
| modules/dropout.py       | Dropout Dropout1d Dropout2d Dropout3d |
| modules/flatten.py       | Flatten Unflatten |
| modules/fold.py          | Unfold Fold |
| modules/pixelshuffle.py  | PixelShuffle PixelUnshuffle |
| modules/upsampling.py    | Upsample UpsamplingNearest2d UpsamplingBilinear2d (F.interpolate) |
| modules/padding.py       | ConstantPad* ZeroPad* ReflectionPad* ReplicationPad* CircularPad* (1d/2d/3d; F.pad) |
| modules/loss.py          | MSELoss L1Loss BCELoss BCEWithLogitsLoss NLLLoss CrossEntropyLoss SmoothL1Loss HuberLoss KLDivLoss, CosineEmbeddingLoss MarginRankingLoss TripletMarginLoss HingeEmbeddingLoss SoftMarginLoss MultiLabelSoftMarginLoss PoissonNLLLoss GaussianNLLLoss |
| modules/distance.py      | PairwiseDistance CosineSimilarity |
| modules/randomized_relu.py | RReLU |
| modules/alpha_dropout.py | AlphaDropout FeatureAlphaDropout |
| modules/unpooling.py     | MaxUnpool1d MaxUnpool2d |
| modules/lp_pooling.py    | LPPool1d LPPool2d |
| modules/channelshuffle.py | ChannelShuffle |
| modules/margin_loss.py   | MultiMarginLoss MultiLabelMarginLoss TripletMarginWithDistanceLoss |
| modules/ctc_loss.py      | CTCLoss |
| functional.py            | the stateless forms of all of the above, pad, one_hot, normalize, cosine_similarity (a namespace of the files below) |
| _functional_activations.py | F.relu ... F.mish, softmax, log_softmax, dropout |
| _composite_activations.py | F.logsigmoid softsign hardsigmoid softmin glu tanhshrink celu (compositions of ops) |
| _hardswish_op.py | F.hardswish (fused op: PyTorch's gradient at +-inf) |
| _shrink_ops.py | F.threshold hardshrink softshrink prelu (fused ops; their gradients differentiate again to zeros) |
| _functional_losses.py    | F.mse_loss ... F.kl_div: their checks, then the fused loss op |
| _loss_arguments.py       | how the losses check and convert their arguments |
| _ctc_loss.py             | F.ctc_loss: its arguments, checks and reduction |
| _ctc_loss_ops.py         | the CTC loss of each sample (alpha-beta recursions in log space) |
| _embedding_losses.py     | F.pairwise_distance and the distance / margin / likelihood losses (compositions of ops) |
| init.py                  | uniform_ normal_ trunc_normal_ constant_ zeros_ ones_ eye_ orthogonal_ xavier_* kaiming_* calculate_gain |
| utils/                   | clip_grad_norm_ clip_grad_value_ parameters_to_vector vector_to_parameters |
| _linear_op.py            | the fused linear op (forward and backward) |
| _bilinear.py             | F.bilinear (one einsum) |
| _loss_reduction.py       | the reductions of the loss ops ('mean', 'sum', 'none') |
| _pointwise_loss_ops.py   | the fused pointwise loss ops (MSE, L1, BCE, smooth L1 / Huber, KL) |
| _class_loss_ops.py       | the fused classification loss ops (cross-entropy, NLL) |
| _norm_ops.py             | fused layer norm and batch norm (closed-form backward) |
| _group_norm.py           | group norm (the layer-norm op on a grouped view) |
| _instance_rms_norm.py    | instance norm (batch norm of one N*C-channel sample), RMS norm, local response norm |
| _feature_dropout.py      | dropout1d/2d/3d: dropout of whole channels |
| _embedding_op.py         | the embedding lookup and its scatter-add backward |
| _embedding_bag.py        | F.embedding_bag: sum / mean / max of bags of embeddings |
| _conv_ops.py             | convolution: im2col, one matmul, col2im (the ops and conv1d/conv2d) |
| _conv_layouts.py         | the two im2col layouts (channels last / first) and their col2im |
| _conv_geometry.py        | a convolution's geometry and checked arguments |
| _conv_transpose_ops.py   | transposed convolution (a convolution's input gradient) |
| _conv3d_ops.py           | conv3d / conv_transpose3d (one 2-D convolution over depth slices stacked into channels) |
| _pool_windows.py         | the windows (geometry, checked arguments) of max and average pooling |
| _max_pool_ops.py         | max pooling, and the scatter/gather of its gradient |
| _avg_pool_ops.py         | average pooling |
| _adaptive_pool_ops.py    | adaptive average and max pooling |
| _pool3d_ops.py           | 3-D max / average / adaptive pooling (separable: the 2-D op, then the 1-D op over depth) |
| _grid_sampling_ops.py    | F.affine_grid and F.grid_sample (spatial transformers) |
| _pad_op.py               | padding |
| _fold.py                 | F.unfold (im2col) and F.fold (col2im) |
| _pixel_shuffle.py        | F.pixel_shuffle / pixel_unshuffle (channels to resolution and back) |
| _interpolate.py          | F.interpolate: nearest, linear/bilinear/trilinear, area resizing |
| _rnn_ops.py              | one fused node per recurrent layer and direction (backward through time) |
| _packed_recurrence.py    | a recurrent layer-direction over a PackedSequence (runs of equal batch size) |
| _projected_lstm.py       | the LSTM with projections (proj_size), built from autograd ops |
| _attention_op.py         | fused scaled dot-product attention |
| _multi_head_attention.py | F.multi_head_attention_forward (nn.MultiheadAttention's computation) |
| _in_place_activations.py | F.relu_ elu_ leaky_relu_ hardtanh_ celu_ selu_ threshold_ (inplace=True forms) |
| _random_rectifier.py     | F.rrelu rrelu_ (random slopes in training, their mean in eval) |
| _alpha_dropout.py        | F.alpha_dropout feature_alpha_dropout (SELU-preserving dropout) |
| _gumbel_softmax.py       | F.gumbel_softmax (soft or straight-through hard samples) |
| _unpooling_ops.py        | F.max_unpool1d/2d (and its op), max_pool1d/2d_with_indices |
| _power_pooling.py        | F.lp_pool1d lp_pool2d |
| _channel_shuffle.py      | F.channel_shuffle native_channel_shuffle, deprecated upsample_bilinear / upsample_nearest |
| _margin_losses.py        | F.multi_margin_loss multilabel_margin_loss triplet_margin_with_distance_loss |
| _condensed_distances.py  | F.pdist |
"""
from . import functional, init, utils
from .module import Module
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Parameter
from . import parameter as _parameter
from .uninitialized import UninitializedBuffer, UninitializedParameter, is_lazy

# nn.parameter.UninitializedParameter ... as in PyTorch (defined apart: parameter.py is imported by them)
_parameter.UninitializedParameter, _parameter.UninitializedBuffer, _parameter.is_lazy = (  # type: ignore[attr-defined]
    UninitializedParameter, UninitializedBuffer, is_lazy)
__all__ = ["Module", "Parameter", "UninitializedBuffer", "UninitializedParameter", "functional", "init", "utils"] + list(_modules_all)
