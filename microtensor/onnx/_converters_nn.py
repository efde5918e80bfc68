"""Converters of the layer ops (``microtensor/nn/_*_op.py``): Linear, Conv, pooling, norms, Embedding,
attention, padding and the recurrences of RNN / LSTM / GRU.

The recurrences become ONNX's own ``LSTM`` / ``GRU`` / ``RNN`` nodes. microtensor (as
PyTorch) computes the input projection ``x W_ih^T + b_ih`` with one ``Linear`` before the
fused ``Recurrence`` op; the converter folds that Linear back into the ONNX node and
reorders the gate blocks of the weights with a ``Gather`` on the initializers (PyTorch's
LSTM gates are ``i f g o``, ONNX's ``i o f c``; GRU ``r z n`` vs ``z r h``), so the
initializers keep their PyTorch names and layouts.
"""
import numpy as np

from ..nn import _adaptive_pool_ops, _attention_op, _avg_pool_ops, _conv_ops, _embedding_op, _linear_op, _max_pool_ops
from ..nn import _hardswish_op, _norm_ops, _pad_op, _rnn_ops, _shrink_ops
from ..nn import functional
from ._converters import TABLE, converts


@converts(_linear_op.Linear)
def convert_linear(ev):
    """``Gemm`` for a matrix input; ``MatMul`` with the transposed weight (and ``Add``) for other ranks."""
    g, x, weight = ev.graph, ev.value(0), ev.value(1)
    has_bias = ev.count > 2 and not ev.is_none(2)
    if ev.rank(0) == 2:
        inputs = [x, weight] + ([ev.value(2)] if has_bias else [])
        return g.node("Gemm", inputs, transB=1)
    out = g.node("MatMul", [x, g.node("Transpose", [weight], perm=[1, 0])])
    return g.node("Add", [out, ev.value(2)]) if has_bias else out


# ------------------------------------------------------- fused activations
@converts(_hardswish_op.Hardswish)
def convert_hardswish(ev):
    return ev.graph.node("HardSwish", [ev.value(0)])


@converts(_shrink_ops.Hardshrink)
def convert_hardshrink(ev):
    return ev.graph.node("Shrink", [ev.value(0)], lambd=float(ev.py(1)), bias=0.0)


@converts(_shrink_ops.Softshrink)
def convert_softshrink(ev):
    lambd = float(ev.py(1))
    return ev.graph.node("Shrink", [ev.value(0)], lambd=lambd, bias=lambd)


@converts(_shrink_ops.Threshold)
def convert_threshold(ev):
    """``Where(x <= threshold, value, x)``: nan passes through, as in microtensor and PyTorch."""
    g, x = ev.graph, ev.value(0)
    dropped = g.node("LessOrEqual", [x, g.constant(ev.py(1), ev.dtype)])
    return g.node("Where", [dropped, g.constant(ev.py(2), ev.dtype), x])


@converts(_shrink_ops.Prelu)
def convert_prelu(ev):
    return ev.graph.node("PRelu", [ev.value(0), ev.value(1)])


@converts(_conv_ops.Conv2d)
def convert_conv(ev):
    geometry = ev.py_raw(3)
    (top, bottom), (left, right) = geometry.pads
    inputs = [ev.value(0), ev.value(1)] + ([] if ev.is_none(2) else [ev.value(2)])
    return ev.graph.node("Conv", inputs, kernel_shape=list(geometry.kernel), strides=list(geometry.stride),
                         dilations=list(geometry.dilation), pads=[top, left, bottom, right], group=geometry.groups)


# ---------------------------------------------------------------- pooling
def _pool_attributes(ev, geometry):
    return dict(kernel_shape=list(geometry.kernel), strides=list(geometry.stride), pads=list(geometry.padding) * 2,
                ceil_mode=int(any(extra > 0 for extra in geometry.extra)))


@converts(_max_pool_ops.MaxPool2d)
def convert_max_pool(ev):
    geometry = ev.py_raw(1)
    return ev.graph.node("MaxPool", [ev.value(0)], dilations=list(geometry.dilation),
                         **_pool_attributes(ev, geometry))


@converts(_avg_pool_ops.AvgPool2d)
def convert_avg_pool(ev):
    """``AveragePool`` (counting the padding), times ``kernel area / divisor`` when PyTorch divides otherwise."""
    geometry = ev.py_raw(1)
    if any(extra > 0 for extra in geometry.extra):
        raise ev.error("avg_pool2d with ceil_mode=True windows beyond the padding has no matching ONNX form")
    if ev.dtype.kind != "f":
        raise ev.error("average pooling of an integer tensor (PyTorch rounds toward zero) has no ONNX form")
    g = ev.graph
    out = g.node("AveragePool", [ev.value(0)], count_include_pad=1, **_pool_attributes(ev, geometry))
    divisor = np.asarray(ev.array(2))
    area = geometry.kernel[0] * geometry.kernel[1]
    if np.all(divisor == area):
        return out
    return g.node("Mul", [out, g.constant((area / divisor).astype(ev.dtype))])


@converts(_adaptive_pool_ops.AdaptiveAvgPool2d)
def convert_adaptive_avg_pool(ev):
    geometry = ev.py_raw(1)
    if tuple(geometry.output_size) == (1, 1):
        return ev.graph.node("GlobalAveragePool", [ev.value(0)])
    if any(size % out for size, out in zip(geometry.input_size, geometry.output_size)):
        raise ev.error(f"adaptive average pooling from {tuple(geometry.input_size)} to "
                       f"{tuple(geometry.output_size)} has uneven windows, which ONNX's AveragePool cannot write")
    kernel = [size // out for size, out in zip(geometry.input_size, geometry.output_size)]
    return ev.graph.node("AveragePool", [ev.value(0)], kernel_shape=kernel, strides=kernel)


@converts(_pad_op.ConstantPad)
def convert_constant_pad(ev):
    g, pairs, rank = ev.graph, ev.py(1), ev.rank(0)
    first = rank - len(pairs)
    begins, ends = [0] * rank, [0] * rank
    for offset, (left, right) in enumerate(pairs):
        begins[first + offset], ends[first + offset] = int(left), int(right)
    value = g.constant(ev.py(2), ev.dtype)
    return g.node("Pad", [ev.value(0), g.ints(begins + ends), value], mode="constant")


# ------------------------------------------------------------------ norms
@converts(_norm_ops.LayerNorm)
def convert_layer_norm(ev):
    g, count = ev.graph, int(ev.py(3))
    shape = ev.array(0).shape[-count:]
    scale = g.constant(np.ones(shape, ev.dtype)) if ev.is_none(1) else ev.value(1)
    inputs = [ev.value(0), scale] + ([] if ev.is_none(2) else [ev.value(2)])
    return g.node("LayerNormalization", inputs, axis=-count, epsilon=float(ev.py(4)))


@converts(_norm_ops.BatchNormEval)
def convert_batch_norm_eval(ev):
    g, channels = ev.graph, ev.array(0).shape[1]
    scale = g.constant(np.ones(channels, ev.dtype)) if ev.is_none(1) else ev.value(1)
    shift = g.constant(np.zeros(channels, ev.dtype)) if ev.is_none(2) else ev.value(2)
    return g.node("BatchNormalization", [ev.value(0), scale, shift, ev.value(3), ev.value(4)],
                  epsilon=float(ev.py(5)))


@converts(_norm_ops.BatchNorm)
def convert_batch_norm_training(ev):
    raise ev.error("batch norm with batch statistics (the module is in training mode, or was built with "
                   "track_running_stats=False); call model.eval() before export to write its inference form")


@converts(functional.DropoutMask)
def convert_dropout(ev):
    raise ev.error("dropout is on (the module is in training mode); call model.eval() before export, where "
                   "dropout is the identity")


@converts(_embedding_op.Embedding)
def convert_embedding(ev):
    indices = ev.cast(ev.value(1), ev.array(1).dtype, np.int64)
    return ev.graph.node("Gather", [ev.value(0), indices], axis=0)


# -------------------------------------------------------------- attention
@converts(_attention_op.ScaledDotProductAttention)
def convert_attention(ev):
    """``softmax(q * scale @ k^T + bias, masked to -inf where not allowed) @ v`` (the order eager uses)."""
    if not ev.is_none(5):
        raise ev.error("attention dropout is on (training mode or dropout_p > 0); call model.eval() before export")
    g, dtype = ev.graph, ev.dtype
    q = g.node("Mul", [ev.value(0), g.constant(ev.py(6), dtype)])
    scores = g.node("MatMul", [q, g.transpose_last(ev.value(1), ev.rank(1))])
    if not ev.is_none(3):
        scores = g.node("Add", [scores, ev.value(3)])
    if not ev.is_none(4):
        allowed = ev.cast(ev.value(4), ev.array(4).dtype, np.bool_)
        scores = g.node("Where", [allowed, scores, g.constant(-np.inf, dtype)])
    weights = g.node("Softmax", [scores], axis=-1)
    out = g.node("MatMul", [weights, ev.value(2)])
    return [out, weights] if ev.py(7) else out


# ------------------------------------------------------------ recurrences
_GATE_ORDER = {"LSTM": [0, 3, 1, 2], "GRU": [1, 0, 2], "RNN_TANH": [0], "RNN_RELU": [0]}


@converts(_rnn_ops.Recurrence)
def convert_recurrence(ev):
    """One layer-direction of RNN / LSTM / GRU as ONNX's node of that name (see the module docstring)."""
    g, mode, reverse = ev.graph, ev.py(5), ev.py(6)
    hidden, dtype = ev.array(3).shape[1], ev.dtype
    x, w_ih, b_ih = _input_projection(ev)
    blocks = _GATE_ORDER[mode]
    weight = g.unsqueeze(_reorder(g, w_ih, blocks, hidden), [0])
    recurrent = g.unsqueeze(_reorder(g, ev.value(3), blocks, hidden), [0])
    b_hh = None if ev.is_none(4) else ev.value(4)
    biases = [g.constant(np.zeros(len(blocks) * hidden, dtype)) if b is None else _reorder(g, b, blocks, hidden)
              for b in (b_ih, b_hh)]
    bias = g.unsqueeze(g.node("Concat", biases, axis=0), [0])
    inputs = [x, weight, recurrent, bias, "", _initial_state(ev, 1)]
    attributes = {"hidden_size": hidden, "direction": "reverse" if reverse else "forward"}
    if mode == "LSTM":
        inputs.append(_initial_state(ev, 2))
        y, y_h, y_c = g.node("LSTM", inputs, outputs=3, **attributes)
        return [g.squeeze(y, [1]), g.squeeze(y_h, [0]), g.squeeze(y_c, [0])]
    if mode == "GRU":
        y, y_h = g.node("GRU", inputs, outputs=2, linear_before_reset=1, **attributes)
    else:
        y, y_h = g.node("RNN", inputs, outputs=2, activations=["Tanh" if mode == "RNN_TANH" else "Relu"],
                        **attributes)
    return [g.squeeze(y, [1]), g.squeeze(y_h, [0])]


def _input_projection(ev):
    """``(x, W_ih, b_ih)``: the Linear that made the gates' input, folded in; else the identity as ``W``."""
    main = ev.exporter.main
    number = ev.specs[0][1]
    producer = main.producer(number)
    if producer is not None and main.consumers.get(number) == [ev.index]:
        specs = producer[2]
        if producer[1] is _linear_op.Linear and main.arrays[specs[0][1]].ndim == 3:
            name = ev.exporter.name_of
            bias = name(specs[2][1], ev.index) if len(specs) > 2 and specs[2] != ("py", None) else None
            return name(specs[0][1], ev.index), name(specs[1][1], ev.index), bias
    width = ev.array(0).shape[-1]
    return ev.value(0), ev.graph.constant(np.eye(width, dtype=ev.dtype)), None


def _reorder(g, name, blocks, hidden):
    """Rows of a gate-stacked weight or bias in ONNX's gate order (a Gather on the initializer)."""
    if blocks == sorted(blocks):
        return name
    rows = np.concatenate([np.arange(block * hidden, (block + 1) * hidden) for block in blocks])
    return g.node("Gather", [name, g.constant(rows.astype(np.int64))], axis=0)


def _initial_state(ev, key):
    """``initial_h`` / ``initial_c`` with a direction axis; omitted (ONNX's zeros) when forward made zeros."""
    number = ev.specs[key][1]
    source = ev.exporter.main.sources[number]
    if source[0] == "created" and not np.any(ev.array(key)):
        return ""
    return ev.graph.unsqueeze(ev.value(key), [0])


__all__ = ["TABLE"]
