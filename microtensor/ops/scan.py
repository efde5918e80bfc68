"""Scans along one dim: ``cumsum cumprod logcumsumexp cummax cummin``, and ``diff``, the
differences of neighbours that undo a ``cumsum``.

Each takes PyTorch's required ``dim`` (negative allowed; a 0-d tensor has the one dim
0 / -1) and returns a tensor of the input's shape. ``cumsum``/``cumprod`` turn integer
and bool inputs into int64 unless ``dtype=`` is given (the input is cast first, as in
PyTorch); ``logcumsumexp`` takes floating point only; ``cummax``/``cummin`` return the
named pair ``(values, indices)``.

First-order backward rules work on arrays in O(n). Under ``create_graph=True`` they are
built from recorded ops (``Cumsum`` and ``Logcumsumexp`` run in the other direction,
``Cumprod`` over a table of partial products), so second derivatives are right too.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Optional

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .._registry import TORCH_DTYPE_NAMES, op
from .._typing import DTypeLike
from .joining import cat
from .views import narrow
from .._float_errors import quiet_float_errors

class cummax_result(NamedTuple):
    """``cummax``'s named pair, shown as PyTorch shows it: ``cummax(values=..., indices=...)``."""

    values: Tensor
    indices: Tensor


cummax_result.__name__ = cummax_result.__qualname__ = "cummax"


class cummin_result(NamedTuple):
    """``cummin``'s named pair, shown as PyTorch shows it: ``cummin(values=..., indices=...)``."""

    values: Tensor
    indices: Tensor


cummin_result.__name__ = cummin_result.__qualname__ = "cummin"


# ------------------------------------------------------------------- helpers
def _reversed_scan(scan, x, axis):
    """``scan`` run from the end of ``axis`` to its start."""
    return np.flip(scan(np.flip(x, axis), axis=axis), axis)


def _scan_axis(x, dim, op_name):
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op_name}(): argument 'dim' must be int, not {type(dim).__name__}")
    return normalize_dim(dim, x.ndim, op_name)


def _on_one_element(scan, x, *args):
    """A 0-d tensor scanned as the 1-element vector it is (its dim is 0 or -1)."""
    result = scan(x.reshape(1), 0, *args)
    if isinstance(result, tuple):
        return type(result)(*(part.reshape(()) for part in result))
    return result.reshape(())


def _accumulating(input, dtype, op_name):
    """The input of cumsum/cumprod: cast to ``dtype`` first; ints and bools become int64."""
    x = _tensor(input, op_name)
    if dtype is not None:
        return x.to(_dtypes.to_dtype(dtype))
    if x.dtype.kind in "biu":
        return x.to(_dtypes.int64)
    return x


# -------------------------------------------------------------------- cumsum
class Cumsum(Function):
    """``y_i = sum_{j<=i} x_j`` along ``axis`` (``reverse``: ``y_i = sum_{j>=i} x_j``).

    dx_j = sum_{i>=j} g_i: the gradient is the scan of g in the other direction
    (the two scans are each other's adjoint).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis, ctx.reverse = axis, reverse
        return _cumsum_array(x, axis, reverse)

    @staticmethod
    def backward(ctx, grad):
        return _cumsum(grad, ctx.axis, not ctx.reverse), None, None


def _cumsum_array(x, axis, reverse):
    with quiet_float_errors():  # inf + -inf: nan, overflow: inf, as in PyTorch
        if reverse:
            return _reversed_scan(np.cumsum, x, axis)
        return np.cumsum(x, axis=axis, dtype=x.dtype)  # numpy would widen int32


def _cumsum(values, axis, reverse):
    """The (reversed) cumsum of an array, or of a Tensor as a recorded op (create_graph=True)."""
    if values.__class__ is np.ndarray:
        return _cumsum_array(values, axis, reverse)
    return Cumsum.apply(values, axis, reverse)


@op(method=True, numpy=np.cumsum, numpy_names={"axis": "dim"}, out=True)
def cumsum(input: Tensor, dim: int, *, dtype: Optional[DTypeLike] = None) -> Tensor:
    """Cumulative sum along ``dim``: ``y_i = x_0 + ... + x_i`` (ints and bools give int64).

    Gradient: ``dx_j = sum_{i >= j} g_i``, the cumsum of the gradient from the end.
    """
    x = _accumulating(input, dtype, "cumsum")
    axis = _scan_axis(x, dim, "cumsum")
    if x.ndim == 0:
        return _on_one_element(lambda t, a: Cumsum.apply(t, a, False), x)
    return Cumsum.apply(x, axis, False)


# ------------------------------------------------------------------- cumprod
class Cumprod(Function):
    """``y_i = prod_{j<=i} x_j`` along ``axis``;  dx_j = sum_{i>=j} g_i prod_{k<=i, k!=j} x_k.

    Without zeros that is ``rcumsum(g y)_j / x_j`` (``rcumsum``: the cumsum from the end).
    With zeros, let z be a slice's first zero:
    * j < z: still ``rcumsum(g y)_j / x_j`` (x_j != 0, and the terms with i >= z are 0 on both sides);
    * j = z: ``rcumsum(g c)_z`` with ``c = cumprod(x with x_z replaced by 1)``, which is
      ``prod_{k<=i, k!=z} x_k`` for i >= z (later zeros stay, as they must);
    * j > z: every product contains x_z = 0, so the gradient is 0.
    A tensor of one element passes the gradient through (y = x, as in PyTorch).
    Under create_graph=True and with a zero present, the sum is built from recorded ops
    over the table ``T[k, i] = prod_{j<=i, j!=k} x_j`` (O(n^2), as PyTorch does), because
    the masked O(n) form has the wrong derivative in x_z.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        with quiet_float_errors():  # 0 * inf: nan, overflow: inf, as in PyTorch
            y = np.cumprod(x, axis=axis, dtype=x.dtype)  # numpy would widen int32
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axis = ctx.axis
        if math.prod(x.shape) <= 1:  # y = x: dy/dx = 1 exactly, also at nan and inf (PyTorch's rule)
            return grad, None
        if grad.__class__ is np.ndarray:
            with quiet_float_errors():
                return _cumprod_grad_array(x, y, grad, axis), None
        if not (x._data == 0).any():
            return _cumsum(grad * y, axis, True) / x, None
        return _cumprod_grad_graph(x, grad, axis), None


def _cumprod_grad_array(x, y, grad, axis):
    zeros = x == 0
    if not zeros.any():
        return _cumsum_array(grad * y, axis, True) / x
    zeros_so_far = np.cumsum(zeros, axis=axis)
    before = zeros_so_far == 0
    first_zero = zeros & (zeros_so_far == 1)
    before_first = _cumsum_array(grad * y, axis, True) / np.where(before, x, 1)
    without_first = np.cumprod(np.where(first_zero, 1, x), axis=axis)
    at_first = _cumsum_array(grad * without_first, axis, True)
    return np.where(before, before_first, np.where(first_zero, at_first, 0))


def _cumprod_grad_graph(x, grad, axis):
    """``dx_k = sum_{i>=k} g_i T[k, i]`` from recorded ops; k sits at ``axis``, i at ``axis + 1``."""
    n = x.shape[axis]
    tail = (1,) * (x.ndim - axis - 1)
    diagonal = np.eye(n, dtype=bool).reshape((n, n) + tail)
    later = np.triu(np.ones((n, n), dtype=x.dtype)).reshape((n, n) + tail)  # i >= k
    table = Cumprod.apply(np.where(diagonal, 1.0, x.unsqueeze(axis)), axis + 1)
    return (table * later * grad.unsqueeze(axis)).sum(axis + 1)


@op(method=True, numpy=np.cumprod, numpy_names={"axis": "dim"}, out=True)
def cumprod(input: Tensor, dim: int, *, dtype: Optional[DTypeLike] = None) -> Tensor:
    """Cumulative product along ``dim``: ``y_i = x_0 * ... * x_i`` (ints and bools give int64).

    Gradient: ``dx_j = sum_{i >= j} g_i prod_{k <= i, k != j} x_k``, right with zeros in the input.
    """
    x = _accumulating(input, dtype, "cumprod")
    axis = _scan_axis(x, dim, "cumprod")
    if x.ndim == 0:
        return _on_one_element(Cumprod.apply, x)
    return Cumprod.apply(x, axis)


# -------------------------------------------------------------- logcumsumexp
class Logcumsumexp(Function):
    """``y_i = log sum_{j<=i} e^{x_j}`` (``reverse``: over j >= i), by ``np.logaddexp.accumulate``
    (no overflow, no underflow of small terms).

    dx_j = sum_{i>=j} g_i e^{x_j - y_i}. As in PyTorch it is evaluated in log space with the
    scan in the other direction, separately for the positive and the negative part of g:
    ``dx = exp(x + rlcse(log g+ - y)) - exp(x + rlcse(log g- - y))``.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, axis, reverse):
        ctx.axis, ctx.reverse = axis, reverse
        y = _logcumsumexp_array(x, axis, reverse)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axis, backwards = ctx.axis, not ctx.reverse
        positive, negative = grad > 0, grad < 0
        log_magnitude = np.log(np.abs(np.where(positive | negative, grad, 1)))
        lowest = float(np.finfo(x.dtype).min)  # log 0, kept finite so that lowest - y stays finite
        with quiet_float_errors():
            parts = [
                np.exp(_logcumsumexp(np.where(sign, log_magnitude, lowest) - y, axis, backwards) + x)
                for sign in (positive, negative)
            ]
        return parts[0] - parts[1], None, None


def _logcumsumexp_array(x, axis, reverse):
    with quiet_float_errors():  # inf - inf inside logaddexp: PyTorch's inf / nan come back
        if reverse:
            return _reversed_scan(np.logaddexp.accumulate, x, axis)
        return np.logaddexp.accumulate(x, axis=axis)


def _logcumsumexp(values, axis, reverse):
    if values.__class__ is np.ndarray:
        return _logcumsumexp_array(values, axis, reverse)
    return Logcumsumexp.apply(values, axis, reverse)


@op(method=True, out=True)
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """``y_i = log(e^{x_0} + ... + e^{x_i})`` along ``dim``, computed without overflow; floats only.

    Gradient: ``dx_j = sum_{i >= j} g_i e^{x_j - y_i}``.
    """
    x = _tensor(input, "logcumsumexp")
    if x.dtype.kind != "f":
        raise NotImplementedError(
            f"logcumsumexp(): not implemented for '{TORCH_DTYPE_NAMES[x.dtype.name]}' tensors (as in PyTorch); "
            f"convert with .float() first"
        )
    axis = _scan_axis(x, dim, "logcumsumexp")
    if x.ndim == 0:  # log(e^x) = x exactly, gradient g also at nan and inf (PyTorch's 0-d rule): the 1-element cumsum
        return _on_one_element(lambda t, a: Cumsum.apply(t, a, False), x)
    return Logcumsumexp.apply(x, axis, False)


# ------------------------------------------------------------ cummax, cummin
class CumExtremum(Function):
    """``values_i = x[indices_i]`` along ``axis`` (the running max or min);
    dx_j = sum of g_i over the i with indices_i = j (a scatter-add of g at the indices)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, indices, axis):
        ctx.indices, ctx.axis = indices, axis
        return np.take_along_axis(x, indices, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        indices, axis = ctx.indices, ctx.axis
        if grad.__class__ is np.ndarray:
            return _scatter_add_along(grad, indices, axis), None, None
        n = grad.shape[axis]
        tail = (1,) * (grad.ndim - axis - 1)
        targets = np.arange(n).reshape((n, 1) + tail)  # j at axis, i at axis + 1
        chosen = np.expand_dims(indices, axis) == targets
        return np.where(chosen, grad.unsqueeze(axis), 0.0).sum(axis + 1), None, None  # 0 elsewhere even for nan g


def _scatter_add_along(grad, indices, axis):
    n = grad.shape[axis]
    rows_g = np.moveaxis(grad, axis, -1).reshape(-1, n)
    rows_i = np.moveaxis(indices, axis, -1).reshape(-1, n)
    flat = rows_i + np.arange(rows_i.shape[0])[:, None] * n
    sums = np.bincount(flat.ravel(), weights=rows_g.ravel(), minlength=rows_g.size)
    moved_shape = np.moveaxis(grad, axis, -1).shape
    return np.moveaxis(sums.reshape(moved_shape), -1, axis).astype(grad.dtype, copy=False)


def _running_indices(x, values, axis):
    """PyTorch's indices: the last position so far that holds the running extremum (the last
    NaN once a NaN was seen). The last j <= i with x_j == values_j is that position, because
    values_j = x_j <= values_i and a later change of the extremum would be a later such j."""
    holds = x == values
    if x.dtype.kind == "f":
        holds |= np.isnan(x)
    positions = np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - axis - 1))
    return np.maximum.accumulate(np.where(holds, positions, 0), axis=axis).astype(np.int64, copy=False)


def _cumulative_extremum(accumulate, result_type, op_name, input, dim):
    x = _tensor(input, op_name)
    axis = _scan_axis(x, dim, op_name)
    if x.ndim == 0:
        return _on_one_element(lambda t, a: _cumulative_extremum(accumulate, result_type, op_name, t, a), x)
    data = x._data
    indices = _running_indices(data, accumulate(data, axis=axis), axis)
    values = CumExtremum.apply(x, indices, axis)
    return result_type(values, Tensor._make(indices))


@op(method=True, out=True)
def cummax(input: Tensor, dim: int) -> cummax_result:
    """The running maximum along ``dim`` and where it was found: a named pair ``(values, indices)``
    (ties and NaNs take the latest index, as in PyTorch). The gradient of ``values`` goes to the
    element each value was taken from."""
    return _cumulative_extremum(np.maximum.accumulate, cummax_result, "cummax", input, dim)


@op(method=True, out=True)
def cummin(input: Tensor, dim: int) -> cummin_result:
    """The running minimum along ``dim`` and its indices; see ``cummax``."""
    return _cumulative_extremum(np.minimum.accumulate, cummin_result, "cummin", input, dim)


@op(method=True)
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Optional[Tensor] = None,
         append: Optional[Tensor] = None) -> Tensor:
    """The ``n``-th differences along ``dim``: ``out[i] = input[i + 1] - input[i]``, applied ``n`` times.

    ``prepend`` / ``append`` are joined to ``input`` along ``dim`` first. Bool tensors give
    ``input[i + 1] != input[i]``, as in PyTorch. The gradient is that of the subtractions.
    """
    x = _tensor(input, "diff")
    if x.ndim == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if not isinstance(n, int) or n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    dim = normalize_dim(dim, x.ndim, "diff")
    if prepend is not None or append is not None:
        parts = [_tensor(prepend, "diff")] if prepend is not None else []
        parts += [x] + ([_tensor(append, "diff")] if append is not None else [])
        x = cat(parts, dim)
    for _ in range(n):
        length = x.shape[dim]
        if length == 0:
            break
        later, earlier = narrow(x, dim, 1, length - 1), narrow(x, dim, 0, length - 1)
        with quiet_float_errors():  # inf - inf: nan, as in PyTorch
            x = later != earlier if x.dtype.kind == "b" else later - earlier
    return x

