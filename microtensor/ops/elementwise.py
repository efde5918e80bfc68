"""Elementwise maths: ``exp log sqrt abs sin cos sign square reciprocal clamp maximum minimum``.

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
  half between equal inputs.
"""
import builtins

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from ._util import match_dtype, to_operand, tensor_argument as _as_tensor
from .arithmetic import _binary
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
