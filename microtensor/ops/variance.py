"""Spread: ``var`` and ``std`` over ``dim``, with PyTorch's ``correction`` (Bessel's, 1, by default)
and its older ``unbiased`` flag. ``dim`` and ``keepdim`` work as in every reduction (``reduction.py``).
"""
from __future__ import annotations

import builtins
import warnings
from typing import Optional

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import tensor_argument as _tensor
from .reduction import _count, _dims, _resolve
from .._registry import op
from .._typing import Dim
from .._float_errors import quiet_float_errors


def _correction(name, unbiased, correction):
    if correction is None:
        return 1 if unbiased is None or unbiased else 0
    if unbiased is not None:
        raise TypeError(
            f"{name}(): pass either unbiased or correction, not both (unbiased={unbiased}, correction={correction})"
        )
    return correction


def _variance(x, dims, keepdim, denominator):
    """``sum (x - mean)^2 / max(0, denominator)``: PyTorch's nan (0/0) or inf when no degrees of
    freedom are left, without numpy's warnings."""
    if x.size == 0:
        return np.full(np.sum(x, axis=dims, keepdims=keepdim).shape, np.nan, dtype=x.dtype)
    with quiet_float_errors():  # an inf gives nan, as in PyTorch
        centered = x - x.mean(axis=dims, keepdims=True)
        squares = np.sum(centered * centered, axis=dims, keepdims=keepdim)
        return np.asarray(squares / x.dtype.type(builtins.max(denominator, 0)))


def _centered(x, dims):
    """``x - mean(x)`` over ``dims`` for a backward rule (arrays or Tensors); an inf gives nan (call it
    inside ``quiet_float_errors()``, as both backward rules do)."""
    return x - x.mean(axis=dims, keepdims=True)


class Var(Function):
    """``v = sum (x - mean)^2 / (n - c)``;  dv/dx = 2 (x - mean) / (n - c)
    (the mean's own dependence on x cancels because sum(x - mean) = 0).

    With no degrees of freedom left (n - c <= 0) v is inf (nan for a constant input) and the
    gradient is PyTorch's: along dims the same formula (inf times (x - mean) at n = c, finite for
    c > n); over every element (``dim=None`` or a 0-d x) +inf, nan where x == mean."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim, correction, whole):
        ctx.dims, ctx.keep_shape, ctx.whole = dims, keep_shape, whole
        ctx.denominator = _count(x.shape, dims) - correction
        ctx.save_for_backward(x)
        return _variance(x, dims, keepdim, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if 0 in x.shape:  # nothing was reduced: no element to send a gradient to
            return x * 0, None, None, None, None, None
        scale = 2.0 / ctx.denominator if ctx.denominator != 0 else float("inf")  # PyTorch's 2 / (n - c), any sign
        with quiet_float_errors():
            if ctx.whole and ctx.denominator <= 0:
                at_mean = x == x.mean(axis=ctx.dims, keepdims=True)
                return grad * np.where(at_mean, np.nan, np.inf), None, None, None, None, None
            return grad.reshape(ctx.keep_shape) * (_centered(x, ctx.dims) * scale), None, None, None, None, None


class Std(Function):
    """``s = sqrt(var(x))``;  ds/dx = (x - mean) / ((n - c) s), taken as 0 where s == 0
    (constant input: every direction is a kink, 0 is a subgradient)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim, correction, whole):
        ctx.dims, ctx.keep_shape, ctx.whole = dims, keep_shape, whole
        ctx.denominator = _count(x.shape, dims) - correction
        with quiet_float_errors():
            out = np.sqrt(_variance(x, dims, keepdim, ctx.denominator))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if 0 in x.shape:  # nothing was reduced: no element to send a gradient to
            return x * 0, None, None, None, None, None
        if ctx.whole and ctx.denominator <= 0:  # PyTorch: var's inf / nan times g / (2 std) = 0: nan
            return grad * np.full(x.shape, np.nan, dtype=x.dtype), None, None, None, None, None
        out = out.reshape(ctx.keep_shape)
        zero = out == 0
        safe = np.where(zero, 1.0, out)
        denominator = float(ctx.denominator)  # as in PyTorch: n - c <= 0 makes std inf and this 0, or nan at 0
        with quiet_float_errors():
            slope = np.where(zero, 0.0, _centered(x, ctx.dims) / (safe * denominator))
            return grad.reshape(ctx.keep_shape) * slope, None, None, None, None, None


def _var_args(name, input, dim, keepdim, unbiased, correction, axis, keepdims):
    x = _tensor(input, name)
    if isinstance(dim, bool):  # PyTorch's var(input, unbiased) overload
        dim, unbiased = None, dim
    correction = _correction(name, unbiased, correction)
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"{name}(): std and var only support floating point dtypes, got {x.dtype}; convert with .double() or .float()"
        )
    dim, keepdim = _resolve(dim, keepdim, axis, keepdims, name)
    dims, keep_shape = _dims(x.shape, dim, name)
    if _count(x.shape, dims) - correction <= 0:
        warnings.warn(f"{name}(): degrees of freedom is <= 0 (correction={correction} with "
                      f"{_count(x.shape, dims)} values per reduction): the result is inf or nan", UserWarning,
                      stacklevel=3)
    return x, dims, keep_shape, keepdim, correction, dim is None or x.ndim == 0


@op(method=True, out=True)
def var(
    input: Tensor, dim: Optional[Dim] = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
    correction: Optional[float] = None, axis: Optional[Dim] = None, keepdims: Optional[bool] = None,
) -> Tensor:
    """Variance over ``dim`` with ``correction`` (default 1: unbiased, Bessel's correction).

    PyTorch's two forms: ``var(input, dim, unbiased, keepdim)`` (``unbiased=False`` is
    ``correction=0``) and ``var(input, dim, *, correction, keepdim)``; ``var(input, False)``
    is the biased variance of all elements.

    ``var = sum (x - mean)^2 / (n - correction)``;  d var / dx_i = 2 (x_i - mean) / (n - correction).
    """
    return Var.apply(*_var_args("var", input, dim, keepdim, unbiased, correction, axis, keepdims))


@op(method=True, out=True)
def std(
    input: Tensor, dim: Optional[Dim] = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
    correction: Optional[float] = None, axis: Optional[Dim] = None, keepdims: Optional[bool] = None,
) -> Tensor:
    """Standard deviation ``sqrt(var(...))``, in the same forms as ``var``.

    d std / dx_i = (x_i - mean) / ((n - correction) std).
    """
    return Std.apply(*_var_args("std", input, dim, keepdim, unbiased, correction, axis, keepdims))
