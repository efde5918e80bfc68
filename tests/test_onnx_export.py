"""mt.onnx.export: every exported model runs in onnxruntime with microtensor's outputs.

Each test exports a tiny model, checks the file with ``onnx.checker.check_model``,
runs it with onnxruntime's CPU provider and compares with microtensor's eager
output (float32, max abs difference <= 1e-5). The small networks are also checked
against numpy formulas written here.
"""
import io
import math

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")

TOLERANCE = 1e-5


def _flat(value):
    if isinstance(value, (tuple, list)):
        return [item for part in value for item in _flat(part)]
    return [value]


def export_and_run(model, args, feeds=None, **options):
    """Export, check, run in onnxruntime on ``feeds`` (default: ``args``); returns (proto, ORT outputs, max diff)."""
    args = args if isinstance(args, tuple) else (args,)
    buffer = io.BytesIO()
    mt.onnx.export(model, args, buffer, **options)
    proto = onnx.load_from_string(buffer.getvalue())
    onnx.checker.check_model(proto, full_check=True)
    session = ort.InferenceSession(buffer.getvalue(), providers=["CPUExecutionProvider"])
    feeds = args if feeds is None else feeds
    with mt.no_grad():
        expected = _flat(model(*feeds))
    tensors = [arg for arg in _flat(feeds) if isinstance(arg, mt.Tensor)]  # tensors in tuples are inputs too
    inputs = {info.name: tensor.numpy() for info, tensor in zip(session.get_inputs(), tensors)}
    got = session.run(None, inputs)
    assert len(got) == len(expected)
    difference = 0.0
    for out, want in zip(got, expected):
        assert out.shape == tuple(want.shape) and out.dtype == want.numpy().dtype
        difference = max(difference, float(np.max(np.abs(out - want.numpy()))))
    assert difference <= TOLERANCE
    return proto, got, difference


def op_types(proto):
    return {node.op_type for node in proto.graph.node}


def _tutorial_network():
    return nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 4, bias=False), nn.Tanh(),
                         nn.Linear(4, 1, bias=False), nn.Sigmoid())


def _digits_cnn():
    """The network of examples/cnn_digits.py, on 8 x 8 images."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 10),
    )


class GPTBlock(nn.Module):
    """A one-block GPT: token and position embeddings, causal self-attention with a tril buffer, a GELU MLP."""

    def __init__(self, vocab=11, context=6, width=8, heads=2):
        super().__init__()
        self.heads = heads
        self.token = nn.Embedding(vocab, width)
        self.position = nn.Embedding(context, width)
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv, self.proj = nn.Linear(width, 3 * width), nn.Linear(width, width)
        self.up, self.act, self.down = nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width)
        self.head = nn.Linear(width, vocab)
        self.register_buffer("mask", mt.tril(mt.ones(context, context)).view(1, 1, context, context))

    def forward(self, idx):
        batch, length = idx.shape
        x = self.token(idx) + self.position(mt.arange(length))
        h = self.norm1(x)
        q, k, v = self.qkv(h).split(h.shape[-1], dim=2)
        size = h.shape[-1] // self.heads
        q, k, v = (t.view(batch, length, self.heads, size).transpose(1, 2) for t in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(size))
        scores = scores.masked_fill(self.mask[:, :, :length, :length] == 0, float("-inf"))
        y = (scores.softmax(dim=-1) @ v).transpose(1, 2).contiguous().view(batch, length, -1)
        x = x + self.proj(y)
        x = x + self.down(self.act(self.up(self.norm2(x))))
        return self.head(x)


# --------------------------------------------------------------- the models
def test_mlp_matches_onnxruntime_and_a_numpy_formula_with_a_dynamic_batch():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.ReLU(), nn.Linear(5, 2), nn.LogSoftmax(dim=1)).eval()
    axes = {"input": {0: "batch"}, "output_0": {0: "batch"}}
    proto, _, _ = export_and_run(model, mt.randn(4, 3), dynamic_axes=axes)
    assert op_types(proto) >= {"Gemm", "Relu", "LogSoftmax"}
    assert proto.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "batch"
    x = mt.randn(7, 3)
    _, (got,), _ = export_and_run(model, mt.randn(4, 3), feeds=(x,), dynamic_axes=axes)
    w1, b1, w2, b2 = (p.detach().numpy() for p in model.parameters())
    z = np.maximum(x.numpy() @ w1.T + b1, 0) @ w2.T + b2
    expected = z - z.max(1, keepdims=True) - np.log(np.exp(z - z.max(1, keepdims=True)).sum(1, keepdims=True))
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_tutorial_network_3_4_4_1_matches_a_numpy_formula():
    mt.manual_seed(1)
    model = _tutorial_network().eval()
    x = mt.tensor([[0.0, 0.0, 1.0], [0.0, 1.0, 1.0], [1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    proto, (got,), _ = export_and_run(model, x)
    assert [node.op_type for node in proto.graph.node] == ["Gemm", "Relu", "Gemm", "Tanh", "Gemm", "Sigmoid",
                                                           "Identity"]
    w1, w2, w3 = (p.detach().numpy() for p in model.parameters())
    hidden = np.tanh(np.maximum(x.numpy() @ w1.T, 0) @ w2.T)
    np.testing.assert_allclose(got, 1 / (1 + np.exp(-(hidden @ w3.T))), atol=1e-6)


def test_digits_cnn_runs_at_two_batch_sizes():
    mt.manual_seed(2)
    model = _digits_cnn().eval()
    axes = {"images": {0: "batch"}}
    proto, _, _ = export_and_run(model, mt.randn(2, 1, 8, 8), input_names=["images"], dynamic_axes=axes)
    assert op_types(proto) >= {"Conv", "Relu", "MaxPool", "Reshape", "Gemm"}
    export_and_run(model, mt.randn(2, 1, 8, 8), feeds=(mt.randn(5, 1, 8, 8),), input_names=["images"],
                   dynamic_axes=axes)


@pytest.mark.parametrize("opset, gelu_ops", [(17, {"Erf"}), (20, {"Gelu"})])
def test_gpt_block_with_causal_mask_at_two_batch_sizes(opset, gelu_ops):
    mt.manual_seed(3)
    model = GPTBlock().eval()
    idx = mt.tensor(np.random.default_rng(0).integers(0, 11, (2, 5)))
    axes = {"idx": {0: "batch"}}
    proto, _, _ = export_and_run(model, idx, dynamic_axes=axes, opset_version=opset)
    assert op_types(proto) >= {"Gather", "LayerNormalization", "MatMul", "Softmax", "Where", "Slice"} | gelu_ops
    assert proto.opset_import[0].version == opset
    other = mt.tensor(np.random.default_rng(1).integers(0, 11, (3, 5)))
    export_and_run(model, idx, feeds=(other,), dynamic_axes=axes, opset_version=opset)


def test_transformer_encoder_layer_and_multihead_attention():
    mt.manual_seed(4)
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0, batch_first=True,
                                       activation="gelu").eval()
    proto, _, _ = export_and_run(layer, mt.randn(2, 5, 8))
    assert op_types(proto) >= {"Softmax", "MatMul", "LayerNormalization"}
    attention = nn.MultiheadAttention(8, 2, batch_first=True).eval()
    q, kv = mt.randn(2, 3, 8), mt.randn(2, 5, 8)
    export_and_run(attention, (q, kv, kv), input_names=["query", "key", "value"])


def test_lstm_becomes_one_onnx_lstm_node_with_a_dynamic_batch():
    mt.manual_seed(5)
    model = nn.LSTM(3, 4, batch_first=True).eval()
    axes = {"input": {0: "batch"}}
    proto, _, _ = export_and_run(model, mt.randn(2, 5, 3), dynamic_axes=axes)
    assert [node.op_type for node in proto.graph.node].count("LSTM") == 1
    assert "MatMul" not in op_types(proto)  # the input projection is folded into the LSTM node
    export_and_run(model, mt.randn(2, 5, 3), feeds=(mt.randn(3, 5, 3),), dynamic_axes=axes)


def test_two_layer_bidirectional_lstm_with_initial_state_and_a_gru():
    mt.manual_seed(6)
    lstm = nn.LSTM(3, 4, num_layers=2, bidirectional=True).eval()
    state = (mt.randn(4, 2, 4), mt.randn(4, 2, 4))
    axes = {"input": {0: "time", 1: "batch"}, "hx_0": {1: "batch"}, "hx_1": {1: "batch"}}
    proto, _, _ = export_and_run(lstm, (mt.randn(5, 2, 3), state), dynamic_axes=axes)
    assert [i.name for i in proto.graph.input] == ["input", "hx_0", "hx_1"]  # the state tuple's tensors are inputs
    assert [o.name for o in proto.graph.output] == ["output_0", "output_1", "output_2"]
    other = (mt.randn(7, 3, 3), (mt.randn(4, 3, 4), mt.randn(4, 3, 4)))  # a longer sequence, a bigger batch
    export_and_run(lstm, (mt.randn(5, 2, 3), state), feeds=other, dynamic_axes=axes)
    gru = nn.GRU(3, 4).eval()
    proto, _, _ = export_and_run(gru, mt.randn(5, 2, 3))
    assert "GRU" in op_types(proto)


def test_batchnorm_pooling_and_padding_in_eval_form():
    mt.manual_seed(7)
    model = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.BatchNorm2d(3), nn.AvgPool2d(2, padding=1),
                          nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.BatchNorm1d(3))
    model(mt.randn(6, 2, 7, 7))  # training steps give the running statistics non-trivial values
    model.eval()
    proto, _, _ = export_and_run(model, mt.randn(2, 2, 7, 7))
    assert op_types(proto) >= {"BatchNormalization", "AveragePool", "GlobalAveragePool"}


# ---------------------------------------------------------- single tensor ops
class _Lambda(nn.Module):
    def __init__(self, function):
        super().__init__()
        self.function = function

    def forward(self, *args):
        return self.function(*args)


F = nn.functional
OP_SNIPPETS = {
    "getitem": lambda x: (x[0, :, None, ::2], x[:, -1], x[..., 1:3], x[:, [0, 2]]),
    "join": lambda x: (mt.cat([x, x * 2], dim=1), mt.stack([x, x], dim=-1), x.repeat(2, 1, 1, 1), x.flip(1)),
    "shape": lambda x: (x.permute(2, 0, 1).reshape(4, -1).t(), x.unsqueeze(1).squeeze(1), x[:, :1].expand(2, 5, 4)),
    "reduce": lambda x: (x.sum(dim=(0, 2), keepdim=True), x.mean(1), x.sum(), x.amax(dim=1), x.amin(-1),
                         x.var(1), x.std(dim=(0, 2), keepdim=True), x.logsumexp(-1)),
    "arithmetic": lambda x: (x.pow(2) + x ** 3 + 2 ** x, -x / 3 - 1, x.clamp(-0.5, 0.5) + x.clamp(min=0),
                             mt.maximum(x, -x) * mt.minimum(x, x.abs())),
    "elementwise": lambda x: (x.abs().sqrt().log().exp(), x.sin() + x.cos(), x.sign(), x.floor() + x.ceil()),
    "activations": lambda x: (F.softplus(x), F.silu(x), F.mish(x), F.leaky_relu(x, 0.2), F.elu(x), F.selu(x),
                              F.hardtanh(x), F.gelu(x, approximate="tanh"), F.hardswish(x * 4), F.hardshrink(x),
                              F.softshrink(x, 0.3), F.threshold(x, 0.1, -2.0),
                              F.prelu(x, mt.tensor([0.1, -0.2, 0.3]))),
    "select": lambda x: (mt.tril(x) + mt.triu(x, 1), x.masked_fill(mt.tril(mt.ones(3, 4)) == 0, 0.5),
                         mt.where(mt.eye(3, 4) == 1, x, -x), F.pad(x, (1, 2)), x.softmax(0), x.to(mt.float64) * 2),
    "integers": lambda x: ((x * 4).long() + 1.5, (x * 4).long() * 2, (x * 4).long() / 2, (x * 4).long().sum(1)),
}


@pytest.mark.parametrize("name", sorted(OP_SNIPPETS))
def test_tensor_ops_match_onnxruntime(name):
    export_and_run(_Lambda(OP_SNIPPETS[name]), mt.randn(2, 3, 4, generator=mt.Generator().manual_seed(10)))


# ------------------------------------------------------------ names and files
def test_initializers_are_the_state_dict_under_pytorch_names():
    mt.manual_seed(8)
    model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.ReLU(), nn.Flatten(), nn.Linear(8, 3)).eval()
    proto, _, _ = export_and_run(model, mt.randn(1, 1, 4, 4))
    initializers = {tensor.name: onnx.numpy_helper.to_array(tensor) for tensor in proto.graph.initializer}
    state = {key: value.detach().numpy() for key, value in model.state_dict().items() if not key.endswith("num_batches_tracked")}
    assert set(initializers) == set(state)
    for key, value in state.items():
        np.testing.assert_array_equal(initializers[key], value)


def test_writes_a_path_atomically_and_default_names(tmp_path):
    model = nn.Sequential(nn.Linear(2, 2), nn.Tanh())
    path = tmp_path / "model.onnx"
    path.write_bytes(b"an older file")
    mt.onnx.export(model, mt.randn(1, 2), str(path))
    proto = onnx.load(str(path))
    assert [i.name for i in proto.graph.input] == ["input"] and [o.name for o in proto.graph.output] == ["output_0"]
    assert proto.opset_import[0].version == mt.onnx.DEFAULT_OPSET == 18
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.onnx"]


def test_import_microtensor_does_not_import_onnx(modules_after):
    imported = modules_after["import microtensor"]  # in a fresh Python
    assert "onnx" not in imported and "onnxruntime" not in imported


# ------------------------------------------------------------------ refusals
class _Cumulative(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 3)

    def forward(self, x):
        return self.fc(x).cumprod(dim=1)


def test_an_op_without_an_onnx_form_is_named_with_its_line():
    with pytest.raises(RuntimeError, match=r"no ONNX form for the op Cumprod \(used at .*test_onnx_export.py:\d+\)"):
        mt.onnx.export(_Cumulative(), mt.randn(2, 3), io.BytesIO())


def test_training_mode_is_refused_and_leaves_the_statistics_and_random_state_alone():
    model = nn.BatchNorm1d(3)
    before = model.running_mean.numpy().copy()
    with pytest.raises(RuntimeError, match=r"BatchNorm .*call model.eval\(\)"):
        mt.onnx.export(model, mt.randn(4, 3) + 5, io.BytesIO())
    np.testing.assert_array_equal(model.running_mean.numpy(), before)
    dropping, x = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5)), mt.randn(4, 2)
    mt.manual_seed(9)
    expected = mt.rand(3).numpy()
    mt.manual_seed(9)
    with pytest.raises(RuntimeError, match=r"op DropoutMask .*dropout is on .*call model.eval\(\)"):
        mt.onnx.export(dropping, x, io.BytesIO())
    np.testing.assert_array_equal(mt.rand(3).numpy(), expected)  # the masks drawn while tracing are undone
    mt.onnx.export(dropping.eval(), x, io.BytesIO())


class _Gate(nn.Module):
    def forward(self, x):
        return x * (x > 0)  # the comparison is traced as an op (NumpyCall), so the mask follows the input


class _MaskOfInput(nn.Module):
    def forward(self, x):
        return x.masked_fill(x < 0, 0.0)


class _Zeros(nn.Module):
    def forward(self, x):
        return x + mt.zeros(x.shape[0], 3)


def test_masks_computed_from_the_input_follow_it():
    x = mt.randn(3, 3)
    other = mt.randn(5, 3)
    for model in (_Gate(), _MaskOfInput()):
        proto, _, _ = export_and_run(model, x, feeds=(other,), dynamic_axes={"x": {0: "batch"}})
        assert {"Greater", "Less"} & set(op_types(proto))


def test_values_sized_by_a_dynamic_axis_are_refused():
    mt.onnx.export(_Zeros(), mt.randn(2, 3), io.BytesIO())  # fixed sizes: the zeros are a constant
    with pytest.raises(RuntimeError, match=r"op Add .*sized by a dynamic axis"):
        mt.onnx.export(_Zeros(), mt.randn(2, 3), io.BytesIO(), dynamic_axes={"x": {0: "batch"}})


def test_bad_options_raise():
    model = nn.Linear(2, 2)
    with pytest.raises(ValueError, match="opset_version must be an int from 17"):
        mt.onnx.export(model, mt.randn(1, 2), io.BytesIO(), opset_version=11)
    with pytest.raises(TypeError, match="binary mode"):
        mt.onnx.export(model, mt.randn(1, 2), io.StringIO())
    with pytest.warns(UserWarning, match=r"dynamic_axes names \['x'\] are not inputs or outputs"):
        mt.onnx.export(model, mt.randn(1, 2), io.BytesIO(), dynamic_axes={"x": [0]})
