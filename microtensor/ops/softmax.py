"""``logsumexp``, ``softmax`` and ``log_softmax``: exponentials normalised over dims,
computed stably by shifting by the maximum first.

They take ``dim`` and numpy's ``axis=`` alias as the reductions do (``reduction.py``);
integer and bool inputs are turned into the default float dtype.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from ._util import tensor_argument as _tensor
from .reduction import _dims, _resolve
from .._registry import op
from .._tensor import Tensor
from .._typing import Dim, DTypeLike
from .._float_errors import quiet_float_errors


def _stable_shift(x, dims):
    """max over ``dims`` (keepdims), with non-finite maxima replaced by 0 so that
    ``x - shift`` never computes ``inf - inf``."""
    if x.size == 0:
        return np.zeros(tuple(1 if a in dims else s for a, s in enumerate(x.shape)), dtype=x.dtype)
    shift = np.amax(x, axis=dims, keepdims=True)
    return np.where(np.isfinite(shift), shift, 0).astype(x.dtype, copy=False)


class LogSumExp(Function):
    """``y = log sum_{dims} exp(x)``, computed as ``m + log sum exp(x - m)`` with ``m = max x``;
    dy/dx = exp(x - y) = softmax(x)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim):
        shift = _stable_shift(x, dims)
        with quiet_float_errors():  # log 0 = -inf; a nan stays nan
            out = np.log(np.sum(np.exp(x - shift), axis=dims, keepdims=True)) + shift
        ctx.keep_shape = keep_shape
        if not keepdim:
            out = out.reshape(tuple(s for a, s in enumerate(x.shape) if a not in dims))
        ctx.save_for_backward(x, out)  # the returned array itself, so that it is re-connected for create_graph
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        with quiet_float_errors():  # x = out = +-inf: nan, as in PyTorch
            return grad.reshape(ctx.keep_shape) * np.exp(x - out.reshape(ctx.keep_shape)), None, None, None


@op(method=True)
def logsumexp(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, *, axis: Optional[Dim] = None,
    keepdims: Optional[bool] = None,
) -> Tensor:
    """``log(sum(exp(input), dim))``, stable for large magnitudes; gradient ``softmax(input, dim)``."""
    x = _tensor(input, "logsumexp")
    if x.dtype.kind != "f":
        x = x.to(_dtypes.get_default_dtype())
    dim, keepdim = _resolve(dim, keepdim, axis, keepdims, "logsumexp")
    dims, keep_shape = _dims(x.shape, dim, "logsumexp")
    return LogSumExp.apply(x, dims, keep_shape, keepdim)


def _lane_shift(x, dim):
    """max along ``dim`` (keepdims), unguarded as in PyTorch: a lane holding +inf, or only -inf,
    computes inf - inf and becomes nan (call it inside ``quiet_float_errors()``)."""
    if x.shape[dim] == 0:
        return np.zeros(tuple(1 if a == dim else s for a, s in enumerate(x.shape)), dtype=x.dtype)
    return np.amax(x, axis=dim, keepdims=True)


class Softmax(Function):
    """``y = exp(x - max) / sum exp(x - max)`` along ``dim``;  backward ``y * (g - sum(g * y))``.

    A lane holding +inf or only -inf is nan, as in PyTorch (no limit is taken)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        with quiet_float_errors():
            e = np.exp(x - _lane_shift(x, dim))
            out = e / np.sum(e, axis=dim, keepdims=True)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return y * (grad - (grad * y).sum(axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Function):
    """``y = x - logsumexp(x)`` along ``dim``;  backward ``g - exp(y) * sum(g)``.

    A lane holding +inf or only -inf is nan, as in PyTorch."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        with quiet_float_errors():  # an empty lane's log 0 is never used
            shifted = x - _lane_shift(x, dim)
            out = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad - np.exp(y) * grad.sum(axis=ctx.dim, keepdims=True), None


def _softmax_args(name, input, dim, dtype, axis):
    x = _tensor(input, name)
    dim, _ = _resolve(dim, False, axis, None, name)
    if dim is None:
        raise TypeError(f"{name}(): missing the required argument 'dim' (the dimension to normalise over)")
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): dim must be a single int, got {dim!r}")
    if dtype is not None:
        x = x.to(dtype)
    elif x.dtype.kind != "f":
        x = x.to(_dtypes.get_default_dtype())
    if x.ndim == 0:
        _dims(x.shape, dim, name)
        return x.reshape(1), 0, True
    (axis_,), _ = _dims(x.shape, dim, name)
    return x, axis_, False


@op(method=True)
def softmax(
    input: Tensor, dim: Optional[int] = None, dtype: Optional[DTypeLike] = None, *, axis: Optional[int] = None,
) -> Tensor:
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim``, stable for logits of any magnitude.

    Gradient: ``dy/dx = diag(y) - y y^T``, applied as ``y * (g - sum(g * y))``.
    """
    x, dim, scalar = _softmax_args("softmax", input, dim, dtype, axis)
    out = Softmax.apply(x, dim)
    return out.reshape(()) if scalar else out


@op(method=True)
def log_softmax(
    input: Tensor, dim: Optional[int] = None, dtype: Optional[DTypeLike] = None, *, axis: Optional[int] = None,
) -> Tensor:
    """``x - logsumexp(x, dim)``, stable for logits of any magnitude;
    gradient ``g - softmax(x) * sum(g)``."""
    x, dim, scalar = _softmax_args("log_softmax", input, dim, dtype, axis)
    out = LogSoftmax.apply(x, dim)
    return out.reshape(()) if scalar else out
