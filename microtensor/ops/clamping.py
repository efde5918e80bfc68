"""Bounding values, elementwise: ``clamp`` (``clip``) to a range, ``maximum`` and ``minimum`` of two
tensors, and ``nan_to_num``, which replaces NaN and the infinities by finite values.

The gradients are PyTorch's at the boundaries: ``clamp`` passes it where ``x`` equals a
bound, ``maximum``/``minimum`` split it half and half between equal inputs, and
``nan_to_num`` passes none where it replaced a value.
"""
from __future__ import annotations

import builtins
from typing import Optional

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import match_dtype, promoted, to_operand, tensor_argument as _as_tensor, torch_result_dtype
from ._two_operands import _binary
from .._registry import op
from .._typing import TensorLike
from .._float_errors import quiet_float_errors


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


def _bound(value, op_name, which, x):
    """A bound as an operand; a Python int bound of an integer tensor by PyTorch's checked
    conversion (-1 is 255 for uint8; out of the dtype's range a RuntimeError naming ``op_name``).
    A bool bound is the number 0 or 1, as in PyTorch (``clamp(x, False, True)`` is ``clamp(x, 0, 1)``)."""
    if value is None:
        return None
    if isinstance(value, np.bool_):
        return builtins.bool(value)
    if value.__class__ is int and x._data.dtype.kind in "iu":
        return _dtypes.checked_integer(value, x._data.dtype, op_name)
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
    lo = _bound(min, "clamp", "min", x)
    hi = _bound(max, "clamp", "max", x)
    if x._data.dtype.kind == "b":
        _refuse_bool_result(x, lo, hi)
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


def _refuse_bool_result(x, lo, hi):
    """PyTorch clamps a bool tensor to a bool result only with one tensor bound: a bool number as a
    bound, or two bool tensor bounds, is a NotImplementedError (other bounds promote the result)."""
    bounds = [bound for bound in (lo, hi) if bound is not None]
    if np.dtype(torch_result_dtype(x._data, *[getattr(bound, "_data", bound) for bound in bounds])).kind != "b":
        return
    if any(not isinstance(bound, Tensor) for bound in bounds):
        kernel = "clamp_scalar_cpu" if len(bounds) == 2 else ("clamp_min_scalar_cpu" if hi is None else "clamp_max_scalar_cpu")
    elif len(bounds) == 2:
        kernel = "clamp_cpu"
    else:
        return
    raise NotImplementedError(
        f'clamp: "{kernel}" not implemented for \'Bool\' (a bool tensor clamped to bool bounds); '
        f"convert the tensor with .int() first, or give the bounds as numbers"
    )


@op(method=True, out=True)
def clamp_min(input: Tensor, min: TensorLike) -> Tensor:
    """``clamp(input, min=min)``: every element at least ``min``."""
    return clamp(input, min=min)


@op(method=True, out=True)
def clamp_max(input: Tensor, max: TensorLike) -> Tensor:
    """``clamp(input, max=max)``: every element at most ``max``."""
    return clamp(input, max=max)


# ----------------------------------------------------------- maximum, minimum
class Maximum(Function):
    """``y = max(a, b)``;  dy/da = 1 where a > b, 1/2 where a == b, 0 where a < b (and
    symmetrically for b), PyTorch's even split at ties."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        out, a, b = promoted(np.maximum, a, b)
        ctx.save_for_backward(a, b)
        return out

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
        out, a, b = promoted(np.minimum, a, b)
        ctx.save_for_backward(a, b)
        return out

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
        with quiet_float_errors():  # a replacement too large for the dtype becomes inf, as in PyTorch
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
