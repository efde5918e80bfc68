"""Elementwise maths, selection, comparisons and dtype conversion.

Every differentiable op is a ``Function`` with ``numpy_level = True``: ``forward``
works on numpy arrays, ``backward`` returns the gradient of the (broadcast) output
for each input and is written only with operators and numpy functions that
``Tensor`` dispatches back to microtensor ops, so the same rule gives first-order
gradients on arrays and higher-order ones on Tensors (``create_graph=True``).

Conventions follow PyTorch:

* ops that only make sense on real numbers (``exp log sqrt sin cos reciprocal``)
  turn integer and bool inputs into the default float dtype;
* ``log(0) = -inf``, ``log(-1) = nan``, ``sqrt(-1) = nan``, ``1/0 = inf`` and
  ``exp(1000) = inf`` come back silently, without numpy's RuntimeWarning;
* at kinks the subgradient is PyTorch's: ``abs'(0) = 0``, ``sign' = 0``, ``clamp``
  passes the gradient at the boundaries, ``maximum``/``minimum`` split it half and
  half between equal inputs;
* comparisons and logical ops return bool tensors that never join the graph.
"""
import builtins

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import match_dtype, to_operand, torch_result_dtype, tensor_argument as _as_tensor
from .arithmetic import _binary, broadcast_error
from .._registry import op


# --------------------------------------------------------------------- helpers
def _floating(x):
    """``x`` itself if floating point, else ``x`` converted to the default float dtype."""
    if x.dtype.kind == "f":
        return x
    return np.asarray(x, dtype=_dtypes.get_default_dtype())


def _zeros_like_grad(grad):
    """A zero gradient of ``grad``'s shape and dtype (an array; the engine accepts it in every mode)."""
    return np.zeros(grad.shape, dtype=grad.dtype)


def _raw(value, op_name):
    """The numpy value of an operand of a non-differentiable op (Tensor, array, number or list)."""
    if isinstance(value, Tensor):
        return value._data
    value = to_operand(value, op_name)
    return value._data if isinstance(value, Tensor) else value


# ------------------------------------------------------------ unary maths ops
class Exp(Function):
    """``y = e^x``;  dy/dx = e^x = y (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            y = np.exp(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """``y = ln x`` (``ln 0 = -inf``, ``ln x = nan`` for x < 0);  dy/dx = 1/x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log(x)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / x


class Sqrt(Function):
    """``y = sqrt(x)`` (nan for x < 0);  dy/dx = 1 / (2 sqrt(x)) = 1 / (2y) (inf at 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with np.errstate(invalid="ignore"):
            y = np.sqrt(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (y * 2)


class Abs(Function):
    """``y = |x|``;  dy/dx = sign(x) (0 at x = 0, as in PyTorch)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.sign(x)


class Sin(Function):
    """``y = sin x``;  dy/dx = cos x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


class Cos(Function):
    """``y = cos x``;  dy/dx = -sin x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * np.sin(x)


class Sign(Function):
    """``y = sign x`` in {-1, 0, 1};  dy/dx = 0 everywhere (PyTorch's convention at 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            return np.array(x, copy=True)
        return np.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like_grad(grad)


class Square(Function):
    """``y = x^2``;  dy/dx = 2x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            x = x.astype(np.int64)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return np.square(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * 2)


class Reciprocal(Function):
    """``y = 1/x`` (``1/0 = inf``);  dy/dx = -1/x^2 = -y^2 (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with np.errstate(divide="ignore", over="ignore"):
            y = np.reciprocal(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return -grad * (y * y)


@op(method=True, numpy=np.exp)
def exp(input):
    """``e^input`` elementwise.  d/dx e^x = e^x."""
    return Exp.apply(_as_tensor(input, "exp"))


@op(method=True, numpy=np.log)
def log(input):
    """Natural logarithm elementwise (``-inf`` at 0, ``nan`` below 0, no warning).  d/dx ln x = 1/x."""
    return Log.apply(_as_tensor(input, "log"))


@op(method=True, numpy=np.sqrt)
def sqrt(input):
    """Square root elementwise (``nan`` below 0, no warning).  d/dx sqrt(x) = 1/(2 sqrt(x))."""
    return Sqrt.apply(_as_tensor(input, "sqrt"))


@op(method=True, dunders=("__abs__",), numpy=np.absolute, aliases=("absolute",))
def abs(input):
    """``|input|`` elementwise.  d/dx |x| = sign(x), taken as 0 at x = 0 (PyTorch's subgradient)."""
    return Abs.apply(_as_tensor(input, "abs"))


@op(method=True, numpy=np.sin)
def sin(input):
    """Sine elementwise.  d/dx sin x = cos x."""
    return Sin.apply(_as_tensor(input, "sin"))


@op(method=True, numpy=np.cos)
def cos(input):
    """Cosine elementwise.  d/dx cos x = -sin x."""
    return Cos.apply(_as_tensor(input, "cos"))


@op(method=True, numpy=np.sign)
def sign(input):
    """-1, 0 or 1 by the sign of each element (keeps the dtype).  Its gradient is 0 everywhere."""
    return Sign.apply(_as_tensor(input, "sign"))


@op(method=True, numpy=np.square)
def square(input):
    """``input ** 2`` elementwise.  d/dx x^2 = 2x."""
    return Square.apply(_as_tensor(input, "square"))


@op(method=True, numpy=np.reciprocal)
def reciprocal(input):
    """``1 / input`` elementwise (``inf`` at 0, no warning).  d/dx 1/x = -1/x^2."""
    return Reciprocal.apply(_as_tensor(input, "reciprocal"))




# ------------------------------------------------------------------- clamping
class Clamp(Function):
    """``y = min(max(x, lo), hi)`` (``hi`` wins when lo > hi, as in PyTorch).

    dy/dx = 1 where lo <= x <= hi (boundaries included), else 0;
    dy/dlo = 1 where x < lo and lo < hi; dy/dhi = 1 where x > hi or hi < lo.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, lo, hi):
        out = x
        if lo is not None:
            out = np.maximum(out, lo)
        if hi is not None:
            out = np.minimum(out, hi)
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            ctx.save_for_backward(x, lo, hi)
        return match_dtype(out, x, lo, hi)

    @staticmethod
    def backward(ctx, grad):
        x, lo, hi = ctx.saved_tensors
        need_x, need_lo, need_hi = ctx.needs_input_grad
        grad_x = grad_lo = grad_hi = None
        if need_x:
            if lo is None:
                inside = x <= hi
            elif hi is None:
                inside = x >= lo
            else:
                inside = np.logical_and(x >= lo, x <= hi)
            grad_x = np.where(inside, grad, 0)
        if need_lo:
            below = x < lo if hi is None else np.logical_and(x < lo, lo < hi)
            grad_lo = np.where(below, grad, 0)
        if need_hi:
            above = x > hi if lo is None else np.logical_or(x > hi, hi < lo)
            grad_hi = np.where(above, grad, 0)
        return grad_x, grad_lo, grad_hi


def _bound(value, op_name, which):
    if value is None:
        return None
    if isinstance(value, (builtins.bool, np.bool_)):
        raise TypeError(f"{op_name}: {which} must be a number or a tensor, got a bool")
    return to_operand(value, op_name)


@op(method=("clamp", "clip"), numpy=np.clip, numpy_names={"a_min": "min", "a_max": "max"}, aliases=("clip",))
def clamp(input, min=None, max=None):
    """Limit every element to ``[min, max]``: ``minimum(maximum(input, min), max)``.

    ``min`` / ``max`` may be numbers or tensors (broadcast against ``input``); at least
    one must be given. When ``min > max`` every element becomes ``max`` (as in PyTorch).

    Gradient: d/dx = 1 where min <= x <= max (boundaries included, PyTorch's choice),
    else 0; a tensor ``min`` gets the gradient where x < min, a tensor ``max`` where x > max.
    """
    if min is None and max is None:
        raise RuntimeError("clamp: at least one of 'min' or 'max' must not be None")
    x = _as_tensor(input, "clamp")
    lo = _bound(min, "clamp", "min")
    hi = _bound(max, "clamp", "max")
    try:
        return Clamp.apply(x, lo, hi)
    except ValueError:
        shapes = [np.shape(getattr(v, "_data", v)) for v in (x, lo, hi) if v is not None]
        raise RuntimeError(
            f"clamp: input of shape {x.shape} and bounds (min shape "
            f"{None if lo is None else np.shape(getattr(lo, '_data', lo))}, max shape "
            f"{None if hi is None else np.shape(getattr(hi, '_data', hi))}) do not broadcast together "
            f"(shapes {shapes}); give min/max as numbers or tensors that broadcast to the input's shape"
        ) from None




# ----------------------------------------------------------- maximum, minimum
class Maximum(Function):
    """``y = max(a, b)``;  dy/da = 1 where a > b, 1/2 where a == b, 0 where a < b (and
    symmetrically for b), PyTorch's even split at ties."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return match_dtype(np.maximum(a, b), a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        tie = a == b
        half = grad / 2
        need_a, need_b = ctx.needs_input_grad
        grad_a = np.where(tie, half, np.where(a < b, 0, grad)) if need_a else None
        grad_b = np.where(tie, half, np.where(a > b, 0, grad)) if need_b else None
        return grad_a, grad_b


class Minimum(Function):
    """``y = min(a, b)``;  dy/da = 1 where a < b, 1/2 where a == b, 0 where a > b (and
    symmetrically for b), PyTorch's even split at ties."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return match_dtype(np.minimum(a, b), a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        tie = a == b
        half = grad / 2
        need_a, need_b = ctx.needs_input_grad
        grad_a = np.where(tie, half, np.where(a > b, 0, grad)) if need_a else None
        grad_b = np.where(tie, half, np.where(a < b, 0, grad)) if need_b else None
        return grad_a, grad_b


@op(method=True, numpy=np.maximum)
def maximum(input, other):
    """Elementwise maximum with broadcasting (nan if either is nan).

    Gradient: all of it to the larger input; split in half between equal inputs (PyTorch).
    """
    return _binary(Maximum, "maximum", input, other)


@op(method=True, numpy=np.minimum)
def minimum(input, other):
    """Elementwise minimum with broadcasting (nan if either is nan).

    Gradient: all of it to the smaller input; split in half between equal inputs (PyTorch).
    """
    return _binary(Minimum, "minimum", input, other)


# ------------------------------------------------------------------ selection
def _bool_condition(condition, op_name, what="condition"):
    if isinstance(condition, Tensor):
        condition = condition._data
    elif isinstance(condition, (builtins.bool, np.bool_)):
        condition = np.asarray(condition)
    elif isinstance(condition, (list, tuple)):
        condition = np.asarray(condition)
    if not isinstance(condition, np.ndarray):
        raise TypeError(f"{op_name}: {what} must be a bool tensor or array, got {type(condition).__name__}")
    if condition.dtype.kind != "b":
        raise RuntimeError(
            f"{op_name}: expected {what} to be a boolean tensor, but got a tensor with dtype {condition.dtype}; "
            f"compare first (e.g. x > 0) or convert with .bool()"
        )
    return condition


class Where(Function):
    """``y = condition ? a : b`` elementwise;  dy/da = condition, dy/db = not condition.

    ``condition`` is a bool array (a constant: it gets no gradient).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, condition, a, b):
        needs = ctx.needs_input_grad
        if needs[1] or needs[2]:
            ctx.condition = condition
        out = np.where(condition, a, b)
        wanted = torch_result_dtype(a, b)
        return out if out.dtype == wanted else out.astype(wanted)

    @staticmethod
    def backward(ctx, grad):
        condition = ctx.condition
        _, need_a, need_b = ctx.needs_input_grad
        grad_a = np.where(condition, grad, 0) if need_a else None
        grad_b = np.where(condition, 0, grad) if need_b else None
        return None, grad_a, grad_b


@op(numpy=np.where)
def where(condition, input=None, other=None):
    """``input`` where ``condition`` is True, else ``other``, elementwise with broadcasting.

    ``condition`` is a bool tensor or array; ``input``/``other`` are tensors, arrays or
    numbers (promoted together as in PyTorch). The gradient goes to the chosen branch
    only: d/d input = condition, d/d other = not condition.
    ``where(condition)`` alone returns the indices of the True elements, one int64
    tensor per dimension (``nonzero(as_tuple=True)``), as in PyTorch.
    """
    condition = _bool_condition(condition, "where")
    if input is None and other is None:
        return tuple(Tensor._make(index.astype(np.int64, copy=False)) for index in np.nonzero(condition))
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither (to get the indices of True elements)")
    a = input if type(input) is Tensor else to_operand(input, "where")
    b = other if type(other) is Tensor else to_operand(other, "where")
    try:
        return Where.apply(condition, a, b)
    except ValueError:
        raise RuntimeError(
            f"where: condition of shape {condition.shape}, input of shape {np.shape(getattr(a, '_data', a))} and "
            f"other of shape {np.shape(getattr(b, '_data', b))} do not broadcast together"
        ) from None


class MaskedFill(Function):
    """``y = mask ? value : x`` (keeps x's dtype);  dy/dx = not mask, dy/dvalue = sum over mask."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, mask, value):
        needs = ctx.needs_input_grad
        if needs[0] or needs[2]:
            ctx.mask = mask
        out = np.where(mask, value, x)
        if out.shape != x.shape:
            raise RuntimeError(
                f"masked_fill: mask of shape {mask.shape} must broadcast to the input's shape {x.shape} "
                f"(the result would have shape {out.shape})"
            )
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        mask = ctx.mask
        need_x, _, need_value = ctx.needs_input_grad
        grad_x = np.where(mask, 0, grad) if need_x else None
        grad_value = np.where(mask, grad, 0) if need_value else None
        return grad_x, None, grad_value


@op(method=True)
def masked_fill(input, mask, value):
    """A copy of ``input`` with ``value`` where the bool ``mask`` (broadcast to input's shape) is True.

    ``value`` is a number or a 0-d tensor (which then receives the sum of the gradient
    over the masked positions). The result keeps ``input``'s dtype, as in PyTorch.
    """
    x = _as_tensor(input, "masked_fill")
    mask = _bool_condition(mask, "masked_fill", "mask")
    if isinstance(value, (Tensor, np.ndarray)):
        if np.ndim(value) != 0:
            raise RuntimeError(
                f"masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                f"{np.ndim(value)} dimension(s) (shape {np.shape(value)}); use where(mask, value, input) instead"
            )
        value = to_operand(value, "masked_fill")
    elif not isinstance(value, (builtins.bool, builtins.int, builtins.float, np.generic)):
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    try:
        return MaskedFill.apply(x, mask, value)
    except ValueError:
        raise RuntimeError(
            f"masked_fill: mask of shape {mask.shape} does not broadcast to the input's shape {x.shape}"
        ) from None


# ----------------------------------------------------- copies and conversions
class Cast(Function):
    """``y = x`` converted to another dtype;  dy/dx = 1 (the engine casts the gradient back
    to x's dtype). Casts to integer or bool dtypes carry no gradient."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


@op()
def cast(input, dtype):
    """``input`` converted to ``dtype`` (always a copy); differentiable between float dtypes."""
    dtype = _dtypes.to_dtype(dtype)
    if dtype is None:
        raise TypeError("cast: dtype must not be None")
    return Cast.apply(_as_tensor(input, "cast"), dtype)


class Clone(Function):
    """``y = copy of x``;  dy/dx = 1."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True)

    @staticmethod
    def backward(ctx, grad):
        return grad


@op(method=True)
def clone(input):
    """A copy of ``input`` with its own memory that stays in the graph (gradient: identity)."""
    return Clone.apply(_as_tensor(input, "clone"))


class FullLikeValue(Function):
    """``y = value`` everywhere, shaped like x;  dy/dx = 0, dy/dvalue = 1 per element."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, value):
        return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        need_x, need_value = ctx.needs_input_grad
        return (_zeros_like_grad(grad) if need_x else None), (grad if need_value else None)


@op()
def full_like_value(input, value):
    """A tensor of ``input``'s shape and dtype filled with ``value`` (what ``Tensor.fill_`` writes).

    No gradient flows to ``input`` (its old values are gone); a 0-d tensor ``value``
    receives the sum of the gradient.
    """
    x = _as_tensor(input, "fill_")
    if isinstance(value, (Tensor, np.ndarray)):
        if np.ndim(value) != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {np.ndim(value)} dimensions "
                f"(shape {np.shape(value)})"
            )
        value = to_operand(value, "fill_")
    elif not isinstance(value, (builtins.bool, builtins.int, builtins.float, np.generic)):
        raise TypeError(f"fill_: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return FullLikeValue.apply(x, value)


class CopyFrom(Function):
    """``y = source`` broadcast to the target's shape and cast to its dtype;
    dy/dtarget = 0, dy/dsource = 1 (summed over broadcast dims by the engine)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, target, source):
        return np.array(np.broadcast_to(source, target.shape), dtype=target.dtype, copy=True)

    @staticmethod
    def backward(ctx, grad):
        need_target, need_source = ctx.needs_input_grad
        return (_zeros_like_grad(grad) if need_target else None), (grad if need_source else None)


@op()
def copy_from(target, source):
    """``source`` broadcast to ``target``'s shape and cast to its dtype (what ``Tensor.copy_`` writes).

    The gradient flows to ``source`` (summed over broadcast dimensions), none to ``target``.
    """
    x = _as_tensor(target, "copy_")
    source = _as_tensor(source, "copy_")
    try:
        return CopyFrom.apply(x, source)
    except ValueError:
        raise RuntimeError(
            f"copy_: the source of shape {source.shape} must be broadcastable to the target's shape {x.shape}"
        ) from None


# ------------------------------------------- comparisons and logic (no grad)
def _compare(ufunc, op_name, input, other):
    a = _raw(input, op_name)
    b = _raw(other, op_name)
    try:
        result = ufunc(a, b)
    except ValueError:
        error = broadcast_error(op_name, a, b)
        if error is None:
            raise
        raise error from None
    return Tensor._make(np.asarray(result))


@op(method=True, numpy=np.equal)
def eq(input, other):
    """``input == other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.equal, "eq", input, other)


@op(method=True, numpy=np.not_equal)
def ne(input, other):
    """``input != other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.not_equal, "ne", input, other)


@op(method=True, dunders=("__lt__",), numpy=np.less)
def lt(input, other):
    """``input < other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.less, "lt", input, other)


@op(method=True, dunders=("__le__",), numpy=np.less_equal)
def le(input, other):
    """``input <= other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.less_equal, "le", input, other)


@op(method=True, dunders=("__gt__",), numpy=np.greater)
def gt(input, other):
    """``input > other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.greater, "gt", input, other)


@op(method=True, dunders=("__ge__",), numpy=np.greater_equal)
def ge(input, other):
    """``input >= other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.greater_equal, "ge", input, other)


@op(method=True, dunders=("__and__",), numpy=np.logical_and)
def logical_and(input, other):
    """Elementwise AND of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_and, "logical_and", input, other)


@op(method=True, dunders=("__or__",), numpy=np.logical_or)
def logical_or(input, other):
    """Elementwise OR of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_or, "logical_or", input, other)


@op(method=True)
def logical_xor(input, other):
    """Elementwise XOR of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_xor, "logical_xor", input, other)


@op(method=True, dunders=("__invert__",), numpy=np.logical_not)
def logical_not(input):
    """Elementwise NOT of the truth values (non-zero is True); a bool tensor."""
    return Tensor._make(np.asarray(np.logical_not(_raw(input, "logical_not"))))


@op(method=True)
def isnan(input):
    """True where an element is NaN (bool tensor)."""
    return Tensor._make(np.asarray(np.isnan(_raw(input, "isnan"))))


@op(method=True)
def isinf(input):
    """True where an element is +inf or -inf (bool tensor)."""
    return Tensor._make(np.asarray(np.isinf(_raw(input, "isinf"))))


@op(method=True)
def isfinite(input):
    """True where an element is neither NaN nor infinite (bool tensor)."""
    return Tensor._make(np.asarray(np.isfinite(_raw(input, "isfinite"))))


@op(method=True)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True if ``|input - other| <= atol + rtol * |other|`` everywhere (with broadcasting).

    Unlike PyTorch, operands of different dtypes are compared (after promotion)
    rather than refused.
    """
    a = _raw(input, "allclose")
    b = _raw(other, "allclose")
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise broadcast_error("allclose", a, b) from None
    return builtins.bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@op(method=True)
def equal(input, other):
    """True if both have the same shape and the same elements (a Python bool)."""
    a = _raw(input, "equal")
    b = _raw(other, "equal")
    return builtins.bool(np.shape(a) == np.shape(b) and np.array_equal(a, b))


