"""Converters of the tensor ops (``microtensor/ops``): one small function per op class.

A converter gets an ``Event`` (``_export.py``) and returns the ONNX name of each
output. ``TABLE`` maps op class -> converter; ``_converters_shape.py`` (views,
indexing, joins) and ``_converters_nn.py`` (layers) add theirs to it. An op missing
from the table has no ONNX form: the export stops with an error that names it.
"""
import importlib
import math

import numpy as np

# the op modules by their paths (``microtensor.ops`` also exports functions named ``softmax``, ``linalg``, ...)
(activation, arithmetic, clamping, comparison, copying, elementwise, exponentials, extrema, gaussian, linalg,
 rectifiers, reduction, rounding, selection, softmax, triangular, trigonometry, variance) = (
    importlib.import_module(f"microtensor.ops.{name}") for name in (
        "activation", "arithmetic", "clamping", "comparison", "copying", "elementwise", "exponentials", "extrema",
        "gaussian", "linalg", "rectifiers", "reduction", "rounding", "selection", "softmax", "triangular",
        "trigonometry", "variance"))

TABLE = {}


def converts(*classes):
    def register(function):
        for cls in classes:
            TABLE[cls] = function
        return function
    return register


def _unary(onnx_op):
    def convert(ev):
        return ev.graph.node(onnx_op, [ev.operand(0, ev.dtype)])
    convert.__name__ = f"convert_{onnx_op.lower()}"
    return convert


def _binary(onnx_op):
    def convert(ev):
        return ev.graph.node(onnx_op, [ev.operand(0, ev.dtype), ev.operand(1, ev.dtype)])
    convert.__name__ = f"convert_{onnx_op.lower()}"
    return convert


# ------------------------------------------------------------- arithmetic
for _cls, _onnx_op in ((arithmetic.Add, "Add"), (arithmetic.Sub, "Sub"), (arithmetic.Mul, "Mul"),
                       (arithmetic.Div, "Div"), (clamping.Maximum, "Max"), (clamping.Minimum, "Min")):
    TABLE[_cls] = _binary(_onnx_op)

for _cls, _onnx_op in ((arithmetic.Neg, "Neg"), (exponentials.Exp, "Exp"), (exponentials.Log, "Log"),
                       (elementwise.Sqrt, "Sqrt"), (elementwise.Abs, "Abs"), (trigonometry.Sin, "Sin"),
                       (trigonometry.Cos, "Cos"), (elementwise.Sign, "Sign"), (elementwise.Reciprocal, "Reciprocal"),
                       (rounding.Floor, "Floor"), (rounding.Ceil, "Ceil"), (rectifiers.ReLU, "Relu"),
                       (activation.Sigmoid, "Sigmoid"), (activation.Tanh, "Tanh"), (copying.Clone, "Identity")):
    TABLE[_cls] = _unary(_onnx_op)


@converts(arithmetic.Pow)
def convert_pow(ev):
    if not ev.is_value(1):  # a Python exponent keeps the base's dtype
        return ev.graph.node("Pow", [ev.operand(0, ev.dtype), ev.graph.constant(ev.py(1), ev.dtype)])
    return ev.graph.node("Pow", [ev.operand(0, ev.dtype), ev.operand(1, ev.dtype)])


@converts(elementwise.Square)
def convert_square(ev):
    x = ev.operand(0, ev.dtype)
    return ev.graph.node("Mul", [x, x])


@converts(clamping.Clamp)
def convert_clamp(ev):
    bounds = ["" if ev.is_none(key) else ev.operand(key, ev.dtype) for key in (1, 2)]
    return ev.graph.node("Clip", [ev.operand(0, ev.dtype)] + bounds)


@converts(copying.Cast)
def convert_cast(ev):
    return ev.cast(ev.value(0), ev.array(0).dtype, ev.dtype)


@converts(linalg.MatMul)
def convert_matmul(ev):
    return ev.graph.node("MatMul", [ev.operand(0, ev.dtype), ev.operand(1, ev.dtype)])


# ------------------------------------------------------------- activations
@converts(rectifiers.LeakyReLU)
def convert_leaky_relu(ev):
    return ev.graph.node("LeakyRelu", [ev.value(0)], alpha=float(ev.py(1)))


@converts(rectifiers.Elu)
def convert_elu(ev):
    return ev.graph.node("Elu", [ev.value(0)], alpha=float(ev.py(1)))


@converts(rectifiers.Selu)
def convert_selu(ev):
    return ev.graph.node("Selu", [ev.value(0)], alpha=1.6732632423543772, gamma=1.0507009873554805)


@converts(rectifiers.Hardtanh)
def convert_hardtanh(ev):
    low, high = ev.py(1)
    g = ev.graph
    return g.node("Clip", [ev.value(0), g.constant(low, ev.dtype), g.constant(high, ev.dtype)])


@converts(activation.Softplus)
def convert_softplus(ev):
    """``log(1 + exp(beta x)) / beta``; above PyTorch's threshold it is ``x`` (a Where, as PyTorch defines it)."""
    g, x, beta, threshold = ev.graph, ev.operand(0, ev.dtype), float(ev.py(1)), float(ev.py(2))
    scaled = x if beta == 1 else g.node("Mul", [x, g.constant(beta, ev.dtype)])
    soft = g.node("Softplus", [scaled])
    if beta != 1:
        soft = g.node("Div", [soft, g.constant(beta, ev.dtype)])
    linear = g.node("Greater", [scaled, g.constant(threshold, ev.dtype)])
    return g.node("Where", [linear, x, soft])


@converts(activation.Silu)
def convert_silu(ev):
    x = ev.value(0)
    return ev.graph.node("Mul", [x, ev.graph.node("Sigmoid", [x])])


@converts(activation.Mish)
def convert_mish(ev):
    return ev.graph.node("Mish", [ev.value(0)])


def _normal_cdf(ev, x):
    """``0.5 (1 + erf(x / sqrt 2))``."""
    g, dtype = ev.graph, ev.dtype
    erf = g.node("Erf", [g.node("Div", [x, g.constant(math.sqrt(2.0), dtype)])])
    return g.node("Mul", [g.node("Add", [erf, g.constant(1.0, dtype)]), g.constant(0.5, dtype)])


@converts(gaussian.NormalCdf)
def convert_normal_cdf(ev):
    return _normal_cdf(ev, ev.value(0))


@converts(gaussian.Gelu)
def convert_gelu(ev):
    """ONNX ``Gelu`` from opset 20; before it ``x * Phi(x)`` with ``Erf``."""
    x = ev.value(0)
    if ev.graph.opset >= 20:
        return ev.graph.node("Gelu", [x])
    return ev.graph.node("Mul", [x, _normal_cdf(ev, x)])


@converts(gaussian.GeluTanh)
def convert_gelu_tanh(ev):
    """``Gelu(approximate="tanh")`` from opset 20; before it ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))``."""
    g, x, dtype = ev.graph, ev.value(0), ev.dtype
    if g.opset >= 20:
        return g.node("Gelu", [x], approximate="tanh")
    cube = g.node("Mul", [g.node("Mul", [x, x]), x])
    inner = g.node("Add", [x, g.node("Mul", [cube, g.constant(0.044715, dtype)])])
    tanh = g.node("Tanh", [g.node("Mul", [inner, g.constant(math.sqrt(2.0 / math.pi), dtype)])])
    half = g.node("Mul", [x, g.constant(0.5, dtype)])
    return g.node("Mul", [half, g.node("Add", [tanh, g.constant(1.0, dtype)])])


# ---------------------------------------------------------------- softmax
@converts(softmax.Softmax)
def convert_softmax(ev):
    return ev.graph.node("Softmax", [ev.value(0)], axis=int(ev.py(1)))


@converts(softmax.LogSoftmax)
def convert_log_softmax(ev):
    return ev.graph.node("LogSoftmax", [ev.value(0)], axis=int(ev.py(1)))


@converts(softmax.LogSumExp)
def convert_logsumexp(ev):
    return ev.graph.reduce("ReduceLogSumExp", ev.value(0), _axes(ev.py(1)), ev.py(3))


# ------------------------------------------------------------- reductions
def _axes(dims):
    if dims is None:
        return None
    return [dims] if isinstance(dims, (int, np.integer)) else list(dims)


@converts(reduction.Sum)
def convert_sum(ev):
    x = ev.cast(ev.value(0), ev.array(0).dtype, ev.dtype)
    return ev.graph.reduce("ReduceSum", x, _axes(ev.py(1)), ev.py(3))


@converts(reduction.SumAll)
def convert_sum_all(ev):
    return ev.graph.reduce("ReduceSum", ev.value(0), None, False)


@converts(reduction.Mean)
def convert_mean(ev):
    return ev.graph.reduce("ReduceMean", ev.value(0), _axes(ev.py(1)), ev.py(3))


@converts(extrema.Amax)
def convert_amax(ev):
    return ev.graph.reduce("ReduceMax", ev.value(0), _axes(ev.py(1)), ev.py(3))


@converts(extrema.Amin)
def convert_amin(ev):
    return ev.graph.reduce("ReduceMin", ev.value(0), _axes(ev.py(1)), ev.py(3))


# -------------------------------------------------------------- selection
@converts(selection.Where)
def convert_where(ev):
    condition = ev.cast(ev.value(0), ev.array(0).dtype, np.bool_)
    return ev.graph.node("Where", [condition, ev.operand(1, ev.dtype), ev.operand(2, ev.dtype)])


@converts(selection.MaskedFill)
def convert_masked_fill(ev):
    mask = ev.cast(ev.value(1), ev.array(1).dtype, np.bool_)
    return ev.graph.node("Where", [mask, ev.operand(2, ev.dtype), ev.value(0)])


@converts(triangular.Tril, triangular.Triu)
def convert_triangle(ev):
    """``Trilu`` with the diagonal that eager's mask shows."""
    mask = ev.array(1) if ev.is_value(1) else np.asarray(ev.py_raw(1))
    mask = mask[(0,) * (mask.ndim - 2)]
    rows, cols = mask.shape
    upper = ev.cls is triangular.Triu
    triangle = np.triu if upper else np.tril
    for k in range(-rows, cols + 1):
        if np.array_equal(mask, triangle(np.ones((rows, cols), bool), k)):
            return ev.graph.node("Trilu", [ev.value(0), ev.graph.constant(np.int64(k))], upper=int(upper))
    raise ev.error("its mask is not a triangle")


@converts(copying.FullLikeValue)
def convert_full_like(ev):
    """A tensor of ``x``'s shape filled with one value: ``Expand`` of that value to ``Shape(x)``."""
    g = ev.graph
    return g.node("Expand", [g.constant(ev.py(1), ev.dtype), g.node("Shape", [ev.value(0)])])


@converts(variance.Var, variance.Std)
def convert_var(ev):
    """``sum((x - mean)^2) / (N - correction)`` over the reduced dims (and its ``Sqrt`` for ``std``)."""
    g, x, axes, keepdim = ev.graph, ev.value(0), _axes(ev.py(1)), ev.py(3)
    shape, probe_shape = ev.array(0).shape, ev.array(0, probe=True).shape
    dims = range(len(shape)) if axes is None else [axis % len(shape) for axis in axes]
    if any(shape[dim] != probe_shape[dim] for dim in dims):
        raise ev.error("it reduces over a dynamic axis; its count would be fixed into the graph")
    count = int(np.prod([shape[dim] for dim in dims]))
    centered = g.node("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
    total = g.reduce("ReduceSum", g.node("Mul", [centered, centered]), axes, keepdim)
    out = g.node("Div", [total, g.constant(max(count - ev.py(4), 0), ev.dtype)])
    return g.node("Sqrt", [out]) if ev.cls is variance.Std else out


# ------------------------------------------------------------- comparisons
_COMPARISONS = {np.equal: "Equal", np.less: "Less", np.less_equal: "LessOrEqual", np.greater: "Greater",
                np.greater_equal: "GreaterOrEqual", np.logical_and: "And", np.logical_or: "Or",
                np.logical_xor: "Xor"}
_PREDICATES = {np.logical_not: "Not", np.isnan: "IsNaN", np.isinf: "IsInf"}


@converts(comparison.NumpyCall)
def convert_numpy_call(ev):
    """A comparison, logical op or predicate (``x > 0``, ``isnan``): a bool mask in the graph."""
    function = ev.py_raw(0)
    if function in _PREDICATES or function is np.isfinite:
        x = ev.value(1)
        if function is np.logical_not:
            x = ev.cast(x, ev.array(1).dtype, np.bool_)
        if function is np.isfinite:
            either = ev.graph.node("Or", [ev.graph.node("IsNaN", [x]), ev.graph.node("IsInf", [x])])
            return ev.graph.node("Not", [either])
        return ev.graph.node(_PREDICATES[function], [x])
    if function not in _COMPARISONS and function is not np.not_equal:
        raise ev.error(f"no ONNX form for {getattr(function, '__name__', function)!r}")
    logical = function in (np.logical_and, np.logical_or, np.logical_xor)
    kinds = [ev.array(key).dtype if ev.is_value(key) else np.asarray(ev.py_raw(key)).dtype for key in (1, 2)]
    common = np.dtype(np.bool_) if logical else np.result_type(*kinds)
    operands = [ev.operand(key, common) for key in (1, 2)]
    if function is np.not_equal:
        return ev.graph.node("Not", [ev.graph.node("Equal", operands)])
    return ev.graph.node(_COMPARISONS[function], operands)
