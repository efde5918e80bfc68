"""``mt.nn.functional`` (``import microtensor.nn.functional as F``): stateless layers and losses.

Activations forward to microtensor's ops; ``linear`` and the losses are fused ops
(see ``_linear_op.py``, ``_pointwise_loss_ops.py`` and ``_class_loss_ops.py`` for their maths).
Every loss takes ``reduction='mean'|'sum'|'none'`` as in PyTorch.

This file is the namespace only; each name is written in the private file of its idea:
the activations, softmaxes and dropout in ``_functional_activations.py``, the losses in
``_functional_losses.py`` (their argument checks in ``_loss_arguments.py``), and each
layer's function (``linear``, ``layer_norm``, ``conv2d``, ``max_pool2d``, ``pad``, ...) next
to its op (``_linear_op.py``, ``_norm_ops.py``, ``_conv_ops.py``, ``_max_pool_ops.py``, ...).
"""
from ..ops.index_slices import one_hot
from . import _conv3d_ops, _grid_sampling_ops, _pool3d_ops  # volumes and spatial transformers
from . import (
    _adaptive_pool_ops, _attention_op, _avg_pool_ops, _composite_activations, _conv_ops, _conv_transpose_ops,
    _embedding_bag, _embedding_losses, _embedding_op, _feature_dropout, _fold, _functional_activations,
    _functional_losses, _group_norm, _instance_rms_norm, _interpolate, _max_pool_ops, _multi_head_attention,
    _norm_ops, _pad_op, _pixel_shuffle, _shrink_ops, _hardswish_op,
)
from ._linear_op import linear
from ._bilinear import bilinear
from ._functional_activations import *  # noqa: F403
from ._functional_activations import DropoutMask, _along_dim, _in_place, _softmax_dim  # noqa: F401
from ._composite_activations import *  # noqa: F403
from ._shrink_ops import *  # noqa: F403
from ._hardswish_op import *  # noqa: F403
from ._functional_losses import *  # noqa: F403
from ._functional_losses import _KL_MEAN_WARNING  # noqa: F401
from ._embedding_losses import *  # noqa: F403
# The losses' argument checks (nn.modules.loss calls F._reduction, mt.compile F._class_target).
from ._loss_arguments import (  # noqa: F401
    _FAST_FLOATS, _REDUCTIONS, TargetTypeError, _as_tensor, _class_layout, _class_target, _class_weight, _constant,
    _float_input, _match_dtype, _plain_class_indices, _plain_pair, _plain_reduction, _probability_target, _promote,
    _reduction, _same_shape, _threshold,
)
# Layers whose ops live in files of their own (each file's __all__ lists its F. names).
from ._norm_ops import *  # noqa: F403
from ._group_norm import *  # noqa: F403
from ._instance_rms_norm import *  # noqa: F403
from ._feature_dropout import *  # noqa: F403
from ._embedding_op import *  # noqa: F403
from ._embedding_bag import *  # noqa: F403
from ._attention_op import *  # noqa: F403
from ._multi_head_attention import *  # noqa: F403
from ._conv_ops import *  # noqa: F403
from ._conv_transpose_ops import *  # noqa: F403
from ._max_pool_ops import *  # noqa: F403
from ._avg_pool_ops import *  # noqa: F403
from ._adaptive_pool_ops import *  # noqa: F403
from ._interpolate import *  # noqa: F403
from ._pad_op import *  # noqa: F403
from ._fold import *  # noqa: F403
from ._pixel_shuffle import *  # noqa: F403
from . import _alpha_dropout, _gumbel_softmax, _in_place_activations, _random_rectifier
from . import _channel_shuffle, _condensed_distances, _margin_losses, _power_pooling, _unpooling_ops
from ._in_place_activations import *  # noqa: F403
from ._random_rectifier import *  # noqa: F403
from ._alpha_dropout import *  # noqa: F403
from ._gumbel_softmax import *  # noqa: F403
from ._unpooling_ops import *  # noqa: F403
from ._power_pooling import *  # noqa: F403
from ._channel_shuffle import *  # noqa: F403
from ._margin_losses import *  # noqa: F403
from ._condensed_distances import *  # noqa: F403
from . import _ctc_loss
from ._ctc_loss import *  # noqa: F403
from ._conv3d_ops import *  # noqa: F403
from ._pool3d_ops import *  # noqa: F403
from ._grid_sampling_ops import *  # noqa: F403

__all__ = ["linear", "bilinear"]
__all__ += _functional_activations.__all__
__all__ += _composite_activations.__all__
__all__ += _shrink_ops.__all__
__all__ += _hardswish_op.__all__
__all__ += _functional_losses.__all__
__all__ += _embedding_losses.__all__
__all__ += _norm_ops.__all__
__all__ += _group_norm.__all__
__all__ += _instance_rms_norm.__all__
__all__ += _feature_dropout.__all__
__all__ += _embedding_op.__all__
__all__ += _embedding_bag.__all__
__all__ += ["one_hot"]
__all__ += _attention_op.__all__
__all__ += _multi_head_attention.__all__
__all__ += _conv_ops.__all__
__all__ += _conv_transpose_ops.__all__
__all__ += _max_pool_ops.__all__
__all__ += _avg_pool_ops.__all__
__all__ += _adaptive_pool_ops.__all__
__all__ += _interpolate.__all__
__all__ += _pad_op.__all__
__all__ += _fold.__all__
__all__ += _pixel_shuffle.__all__
__all__ += _in_place_activations.__all__
__all__ += _random_rectifier.__all__
__all__ += _alpha_dropout.__all__
__all__ += _gumbel_softmax.__all__
__all__ += _unpooling_ops.__all__
__all__ += _power_pooling.__all__
__all__ += _channel_shuffle.__all__
__all__ += _margin_losses.__all__
__all__ += _condensed_distances.__all__
__all__ += _ctc_loss.__all__
__all__ += _conv3d_ops.__all__
__all__ += _pool3d_ops.__all__
__all__ += _grid_sampling_ops.__all__

# Their public home, as when they were written in this file: a saved model names F.relu (or a
# loss) ``microtensor.nn.functional.relu``, and mt.load finds and allows it by that path.
for _name in _functional_activations.__all__ + _functional_losses.__all__ + ["TargetTypeError"]:
    globals()[_name].__module__ = __name__
del _name
