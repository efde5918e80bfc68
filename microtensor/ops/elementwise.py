"""Elementwise maths: ``exp log log10 log2 log1p expm1 sqrt abs sin cos sign square reciprocal``,
rounding (``floor ceil trunc round frac``), ``nan_to_num``, ``isclose``, ``clamp maximum minimum``.

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
from __future__ import annotations

import builtins
import math
from typing import Optional

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import match_dtype, to_operand, tensor_argument as _as_tensor
from .arithmetic import _binary, broadcast_error
from .._registry import TORCH_DTYPE_NAMES, op
from .._typing import TensorLike


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
    """``y = |x|``;  dy/dx = sign(x) (0 at x = 0 and at x = nan, as in PyTorch)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.where(x != x, 0, np.sign(x))  # sign(nan) = 0 here, as in PyTorch


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


@op(method=True, numpy=np.exp, out=True)
def exp(input: Tensor) -> Tensor:
    """``e^input`` elementwise.  d/dx e^x = e^x."""
    return Exp.apply(_as_tensor(input, "exp"))


@op(method=True, numpy=np.log, out=True)
def log(input: Tensor) -> Tensor:
    """Natural logarithm elementwise (``-inf`` at 0, ``nan`` below 0, no warning).  d/dx ln x = 1/x."""
    return Log.apply(_as_tensor(input, "log"))


@op(method=True, numpy=np.sqrt, out=True)
def sqrt(input: Tensor) -> Tensor:
    """Square root elementwise (``nan`` below 0, no warning).  d/dx sqrt(x) = 1/(2 sqrt(x))."""
    return Sqrt.apply(_as_tensor(input, "sqrt"))


@op(method=True, dunders=("__abs__",), numpy=np.absolute, aliases=("absolute",), out=True)
def abs(input: Tensor) -> Tensor:
    """``|input|`` elementwise.  d/dx |x| = sign(x), taken as 0 at x = 0 (PyTorch's subgradient)."""
    return Abs.apply(_as_tensor(input, "abs"))


@op(method=True, numpy=np.sin, out=True)
def sin(input: Tensor) -> Tensor:
    """Sine elementwise.  d/dx sin x = cos x."""
    return Sin.apply(_as_tensor(input, "sin"))


@op(method=True, numpy=np.cos, out=True)
def cos(input: Tensor) -> Tensor:
    """Cosine elementwise.  d/dx cos x = -sin x."""
    return Cos.apply(_as_tensor(input, "cos"))


@op(method=True, numpy=np.sign, out=True)
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (keeps the dtype).  Its gradient is 0 everywhere."""
    return Sign.apply(_as_tensor(input, "sign"))


@op(method=True, numpy=np.square, out=True)
def square(input: Tensor) -> Tensor:
    """``input ** 2`` elementwise.  d/dx x^2 = 2x."""
    return Square.apply(_as_tensor(input, "square"))


@op(method=True, numpy=np.reciprocal, out=True)
def reciprocal(input: Tensor) -> Tensor:
    """``1 / input`` elementwise (``inf`` at 0, no warning).  d/dx 1/x = -1/x^2."""
    return Reciprocal.apply(_as_tensor(input, "reciprocal"))


# ------------------------------------------------------ logarithms, expm1
class Log10(Function):
    """``y = log10 x`` (``-inf`` at 0, ``nan`` below 0);  dy/dx = 1 / (x ln 10)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log10(x)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (x * _LN10)


class Log2(Function):
    """``y = log2 x`` (``-inf`` at 0, ``nan`` below 0);  dy/dx = 1 / (x ln 2)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log2(x)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (x * _LN2)


class Log1p(Function):
    """``y = ln(1 + x)``, accurate for small x (``-inf`` at -1, ``nan`` below);  dy/dx = 1 / (1 + x)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log1p(x)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad / (x + 1)


class Expm1(Function):
    """``y = e^x - 1``, accurate for small x;  dy/dx = e^x = y + 1 (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with np.errstate(over="ignore"):
            y = np.expm1(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1)


_LN10 = math.log(10.0)
_LN2 = math.log(2.0)


@op(method=True, numpy=np.log10, out=True)
def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm elementwise (ints become the default float).  d/dx log10 x = 1 / (x ln 10)."""
    return Log10.apply(_as_tensor(input, "log10"))


@op(method=True, numpy=np.log2, out=True)
def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm elementwise (ints become the default float).  d/dx log2 x = 1 / (x ln 2)."""
    return Log2.apply(_as_tensor(input, "log2"))


@op(method=True, numpy=np.log1p, out=True)
def log1p(input: Tensor) -> Tensor:
    """``ln(1 + input)`` elementwise, accurate near 0.  d/dx ln(1 + x) = 1 / (1 + x)."""
    return Log1p.apply(_as_tensor(input, "log1p"))


@op(method=True, numpy=np.expm1, out=True)
def expm1(input: Tensor) -> Tensor:
    """``e^input - 1`` elementwise, accurate near 0.  d/dx (e^x - 1) = e^x."""
    return Expm1.apply(_as_tensor(input, "expm1"))


# ------------------------------------------------------------------ rounding
class _RoundingRule:
    """``y = floor/ceil/trunc(x)``: piecewise constant, so dy/dx = 0 everywhere (PyTorch's
    choice at the jumps too). Integer inputs come back unchanged, in their own dtype.
    (A mixin, not a Function: only its concrete ops below are ops.)"""

    numpy_level = True
    rounding = None

    @classmethod
    def forward(cls, ctx, x):
        if x.dtype.kind != "f":
            return np.array(x, copy=True)
        return cls.rounding(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like_grad(grad)


class Floor(_RoundingRule, Function):
    rounding = staticmethod(np.floor)


class Ceil(_RoundingRule, Function):
    rounding = staticmethod(np.ceil)


class Trunc(_RoundingRule, Function):
    rounding = staticmethod(np.trunc)


class Round(Function):
    """``y = x`` rounded half to even at ``decimals`` digits (negative: left of the point),
    as PyTorch computes it: ``rint(x * 10^d) / 10^d`` for d > 0, ``rint(x / 10^-d) * 10^-d``
    for d < 0, in x's dtype;  dy/dx = 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, decimals):
        if x.dtype.kind != "f":
            return np.array(x, copy=True)
        if decimals == 0:
            return np.rint(x)
        with np.errstate(over="ignore", invalid="ignore"):
            if decimals > 0:
                scale = x.dtype.type(10.0**decimals)
                return np.rint(x * scale) / scale
            scale = x.dtype.type(10.0**-decimals)
            return np.rint(x / scale) * scale

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like_grad(grad), None


class Frac(Function):
    """``y = x - trunc(x)`` (keeps the sign of x);  dy/dx = 1."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _rounding_input(input, op_name, allow_integers=True):
    x = _as_tensor(input, op_name)
    kind = x.dtype.kind
    if kind == "b" or (kind != "f" and not allow_integers):
        raise NotImplementedError(
            f"{op_name}(): not implemented for '{TORCH_DTYPE_NAMES[x.dtype.name]}' tensors (as in PyTorch); "
            f"convert with .float() first"
        )
    return x


@op(method=True, numpy=np.floor, out=True)
def floor(input: Tensor) -> Tensor:
    """The largest integer <= each element (integer tensors unchanged).  Gradient: 0."""
    return Floor.apply(_rounding_input(input, "floor"))


@op(method=True, numpy=np.ceil, out=True)
def ceil(input: Tensor) -> Tensor:
    """The smallest integer >= each element (integer tensors unchanged).  Gradient: 0."""
    return Ceil.apply(_rounding_input(input, "ceil"))


@op(method=("trunc", "fix"), numpy=(np.trunc, np.fix), aliases=("fix",), out=True)
def trunc(input: Tensor) -> Tensor:
    """Each element rounded towards zero (integer tensors unchanged).  Gradient: 0."""
    return Trunc.apply(_rounding_input(input, "trunc"))


@op(method=True, numpy=np.rint, out=True)
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, at ``decimals`` digits after the point (before it when negative).

    Integer tensors come back unchanged (``decimals`` must then be 0, as in PyTorch).  Gradient: 0.
    """
    x = _rounding_input(input, "round")
    if not isinstance(decimals, (builtins.int, np.integer)) or isinstance(decimals, builtins.bool):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if decimals != 0 and x.dtype.kind != "f":
        raise NotImplementedError(
            f"round(): decimals={decimals} is not implemented for '{TORCH_DTYPE_NAMES[x.dtype.name]}' tensors "
            f"(as in PyTorch); convert with .float() first"
        )
    return Round.apply(x, builtins.int(decimals))


@op(method=True, out=True)
def frac(input: Tensor) -> Tensor:
    """The fractional part ``input - trunc(input)`` (sign of the input); floats only.  Gradient: 1."""
    return Frac.apply(_rounding_input(input, "frac", allow_integers=False))


# -------------------------------------------------------------- nan_to_num
class NanToNum(Function):
    """``y = x`` with NaN, +inf and -inf replaced by given numbers;
    dy/dx = 1 where x is finite, 0 where it was replaced."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        if x.dtype.kind != "f":
            return np.array(x, copy=True)  # integers and bools hold no NaN or inf
        if ctx.needs_input_grad[0]:
            ctx.finite = np.isfinite(x)
        finfo = np.finfo(x.dtype)
        with np.errstate(over="ignore"):  # a replacement too large for the dtype becomes inf, as in PyTorch
            replacements = [np.asarray(value, dtype=x.dtype) for value in (
                nan, finfo.max if posinf is None else posinf, finfo.min if neginf is None else neginf)]
        y = np.where(np.isnan(x), replacements[0], x)
        y = np.where(y == np.inf, replacements[1], y)
        return np.where(y == -np.inf, replacements[2], y)

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.finite, grad, 0), None, None, None


def _replacement(value, op_name, which):
    if value is None or isinstance(value, (builtins.int, builtins.float, np.integer, np.floating)):
        return value
    raise TypeError(f"{op_name}(): argument '{which}' must be a number or None, not {type(value).__name__}")


@op(method=True, out=True)
def nan_to_num(
    input: Tensor, nan: float = 0.0, posinf: Optional[float] = None, neginf: Optional[float] = None,
) -> Tensor:
    """``input`` with NaN -> ``nan``, +inf -> ``posinf`` and -inf -> ``neginf`` (by default the
    largest / smallest finite value of the dtype). Integer and bool tensors come back unchanged.

    Gradient: passed through where the input was finite, 0 where a value was replaced.
    """
    x = _as_tensor(input, "nan_to_num")
    nan = _replacement(nan, "nan_to_num", "nan")
    if nan is None:
        nan = 0.0
    return NanToNum.apply(x, nan, _replacement(posinf, "nan_to_num", "posinf"),
                          _replacement(neginf, "nan_to_num", "neginf"))


# ------------------------------------------------------------------ isclose
@op(method=True)
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """True where ``input`` and ``other`` are equal or ``|input - other| <= atol + rtol * |other|``
    (a bool tensor, broadcast, no gradient); NaNs are close to each other only with ``equal_nan``.

    As in PyTorch both must be tensors of the same dtype, and ``rtol``/``atol`` must be >= 0.
    """
    a, b = _close_operands(input, other, rtol, atol)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error("isclose", a, b) from None
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close |= np.isnan(a) & np.isnan(b)
    if rtol == 0 and atol == 0:
        return Tensor._make(np.asarray(close))
    if a.dtype.kind == "b":
        a, b = (v.astype(_dtypes.get_default_dtype()) for v in (a, b))
    with np.errstate(invalid="ignore", over="ignore"):
        allowed = atol + np.abs(rtol * b)
        actual = np.abs(a - b)
        close |= np.isfinite(actual) & (actual <= allowed)
    return Tensor._make(np.asarray(close))


def _close_operands(input, other, rtol, atol):
    for position, (which, value) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"isclose(): argument '{which}' (position {position}) must be Tensor, not {type(value).__name__}"
            )
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"isclose(): {TORCH_DTYPE_NAMES[a.dtype.name]} did not match {TORCH_DTYPE_NAMES[b.dtype.name]}; "
            f"convert one operand first, e.g. other.to(input.dtype)"
        )
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"isclose(): {name} must be greater than or equal to zero, but got {value}")
    return a, b


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


@op(method=("clamp", "clip"), numpy=np.clip, numpy_names={"a_min": "min", "a_max": "max"}, aliases=("clip",), out=True)
def clamp(input: Tensor, min: Optional[TensorLike] = None, max: Optional[TensorLike] = None) -> Tensor:
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


@op(method=True, numpy=np.maximum, out=True)
def maximum(input: Tensor, other: TensorLike) -> Tensor:
    """Elementwise maximum with broadcasting (nan if either is nan).

    Gradient: all of it to the larger input; split in half between equal inputs (PyTorch).
    """
    return _binary(Maximum, "maximum", input, other)


@op(method=True, numpy=np.minimum, out=True)
def minimum(input: Tensor, other: TensorLike) -> Tensor:
    """Elementwise minimum with broadcasting (nan if either is nan).

    Gradient: all of it to the smaller input; split in half between equal inputs (PyTorch).
    """
    return _binary(Minimum, "minimum", input, other)
