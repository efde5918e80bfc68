"""Extremes: the largest and smallest elements, ``amax amin max min``, and where they are, ``argmax argmin``.

``amax``/``amin`` share the gradient evenly among ties (a slice holding NaN gets a NaN
gradient); ``max()``/``min()`` of every element share it among the elements equal to the
result, NaN counting as equal to NaN; ``max``/``min`` with a ``dim`` return PyTorch's named
pair ``(values, indices)`` and send the gradient to the selected index only. ``dim`` and
``keepdim`` work as in every reduction (``reduction.py``). Over nothing they raise PyTorch's
errors: an IndexError for an empty reduced dim, a RuntimeError asking for a dim otherwise.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Union, overload

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import tensor_argument as _tensor
from .reduction import _NUMPY_REDUCTION_NAMES, _dims, _require_nonempty, _resolve
from .._registry import op
from .._typing import Dim
from .._float_errors import quiet_float_errors


# PyTorch's torch.return_types.max / min look-alikes: named pairs (values, indices).
class max_result(NamedTuple):
    """``max``'s named pair, shown as PyTorch shows it: ``max(values=..., indices=...)``."""

    values: Tensor
    indices: Tensor


max_result.__name__ = max_result.__qualname__ = "max"


class min_result(NamedTuple):
    """``min``'s named pair, shown as PyTorch shows it: ``min(values=..., indices=...)``."""

    values: Tensor
    indices: Tensor


min_result.__name__ = min_result.__qualname__ = "min"


# ------------------------------------------------------------- amax / amin
class _Extremum(Function):
    """``y = max_{dims} x`` (or min);  the gradient is split evenly among the elements
    equal to the extremum (PyTorch's amax/amin rule): dy/dx_i = [x_i == y] / #ties."""

    numpy_level = True
    reduce = None

    @classmethod
    def forward(cls, ctx, x, dims, keep_shape, keepdim):
        out = cls.reduce(x, axis=dims, keepdims=True)
        if x.dtype.kind == "f":
            mask = x == out
            with quiet_float_errors():  # a NaN slice has no tie: its weights are NaN
                ctx.weights = (mask / np.sum(mask, axis=dims, keepdims=True)).astype(x.dtype, copy=False)
        ctx.keep_shape = keep_shape
        return out if keepdim else out.reshape(tuple(s for a, s in enumerate(x.shape) if a not in dims))

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.keep_shape) * ctx.weights, None, None, None


class Amax(_Extremum):
    reduce = staticmethod(np.amax)


class Amin(_Extremum):
    reduce = staticmethod(np.amin)


def _extremum(cls, name, input, dim, keepdim, axis, keepdims):
    x = _tensor(input, name)
    dim, keepdim = _resolve(dim, keepdim, axis, keepdims, name)
    dims, keep_shape = _dims(x.shape, dim, name)
    _require_nonempty(x, dim, dims, name)
    return cls.apply(x, dims, keep_shape, keepdim)


@op(method=True, numpy=(np.amax, np.max), numpy_names=_NUMPY_REDUCTION_NAMES, out=True)
def amax(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, *, axis: Optional[Dim] = None,
    keepdims: Optional[bool] = None,
) -> Tensor:
    """Maximum over ``dim`` (all dims when None); the gradient is shared evenly among ties."""
    return _extremum(Amax, "amax", input, dim, keepdim, axis, keepdims)


@op(method=True, numpy=(np.amin, np.min), numpy_names=_NUMPY_REDUCTION_NAMES, out=True)
def amin(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, *, axis: Optional[Dim] = None,
    keepdims: Optional[bool] = None,
) -> Tensor:
    """Minimum over ``dim`` (all dims when None); the gradient is shared evenly among ties."""
    return _extremum(Amin, "amin", input, dim, keepdim, axis, keepdims)


# --------------------------------------------------------------- max / min
class _ExtremumOfAll(Function):
    """``y = max_i x_i`` (or min) over every element (``max()``/``min()`` without a dim);
    dy/dx_i = [x_i == y] / #ties, with NaN counting as equal to NaN: when x holds NaN, y is
    NaN and the gradient is shared among the NaNs (PyTorch's rule; ``amax`` gives NaN there).
    The other elements get exactly 0, also when the incoming gradient is nan."""

    numpy_level = True

    @staticmethod
    def _forward(ctx, x, reduce):
        out = np.asarray(reduce(x), dtype=x.dtype)
        if x.dtype.kind == "f":
            ties = np.isnan(x) if np.isnan(out) else x == out
            ctx.ties, ctx.share = ties, 1.0 / np.count_nonzero(ties)
        return out

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.ties, grad * ctx.share, 0.0)  # 0 off the ties even for a nan g, as in PyTorch


class MaxAll(_ExtremumOfAll):
    """``max(input)``: see ``_ExtremumOfAll``."""

    @staticmethod
    def forward(ctx, x):
        return _ExtremumOfAll._forward(ctx, x, np.amax)

    def name(self):
        return "MaxBackward"


class MinAll(_ExtremumOfAll):
    """``min(input)``: see ``_ExtremumOfAll``."""

    @staticmethod
    def forward(ctx, x):
        return _ExtremumOfAll._forward(ctx, x, np.amin)

    def name(self):
        return "MinBackward"


class _SelectAlongDim(Function):
    """``values = x[..., idx, ...]`` along one dim (``max``/``min`` with ``dim``);
    the gradient goes to the selected index only: dx_i = g where i == idx, else 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, indices_keep, dim, keepdim):
        values = np.take_along_axis(x, indices_keep, axis=dim)
        positions = np.arange(x.shape[dim]).reshape((-1,) + (1,) * (x.ndim - dim - 1))
        ctx.mask = positions == indices_keep
        ctx.keep_shape = indices_keep.shape
        return values if keepdim else values.reshape(tuple(s for a, s in enumerate(x.shape) if a != dim))

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.mask, grad.reshape(ctx.keep_shape), 0.0), None, None, None


class Max(_SelectAlongDim):
    """``max(input, dim)``: see ``_SelectAlongDim``."""


class Min(_SelectAlongDim):
    """``min(input, dim)``: see ``_SelectAlongDim``."""


def _max_min(name, arg_function, full, input, dim, keepdim, result_type):
    x = _tensor(input, name)
    if dim is None:
        _require_nonempty(x, None, (), name)
        return full.apply(x)
    if isinstance(dim, Tensor) or isinstance(dim, np.ndarray):
        from . import clamping

        return getattr(clamping, "maximum" if name == "max" else "minimum")(x, dim)
    if x.ndim == 0:  # a 0-d tensor has one "dim" of size 1 (0 or -1), as in PyTorch
        _dims(x.shape, dim, name)
        pair = _max_min(name, arg_function, full, x.reshape(1), 0, True, result_type)
        return result_type(pair.values.reshape(()), Tensor._make(pair.indices._data.reshape(())))
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): dim must be a single int, got {dim!r}")
    (axis,), _ = _dims(x.shape, dim, name)
    _require_nonempty(x, dim, (axis,), name)
    indices_keep = arg_function(x._data, axis=axis, keepdims=True)
    values = (Max if name == "max" else Min).apply(x, indices_keep, axis, bool(keepdim))
    indices = indices_keep if keepdim else np.squeeze(indices_keep, axis=axis)
    return result_type(values, Tensor._make(indices.astype(np.int64, copy=False)))


@overload
def max(input: Tensor) -> Tensor: ...
@overload
def max(input: Tensor, dim: int, keepdim: bool = False) -> max_result: ...
@overload
def max(input: Tensor, dim: Tensor) -> Tensor: ...
@op(method=True, out=True)
def max(input: Tensor, dim: Union[int, Tensor, None] = None, keepdim: bool = False) -> Union[Tensor, max_result]:
    """The largest element (``dim=None``: a 0-d tensor, gradient shared among ties, NaN equal to NaN);
    with ``dim`` a named pair ``(values, indices)`` whose gradient flows to the selected
    index only; ``max(a, b)`` with a tensor ``b`` is the elementwise ``maximum``."""
    return _max_min("max", np.argmax, MaxAll, input, dim, keepdim, max_result)


@overload
def min(input: Tensor) -> Tensor: ...
@overload
def min(input: Tensor, dim: int, keepdim: bool = False) -> min_result: ...
@overload
def min(input: Tensor, dim: Tensor) -> Tensor: ...
@op(method=True, out=True)
def min(input: Tensor, dim: Union[int, Tensor, None] = None, keepdim: bool = False) -> Union[Tensor, min_result]:
    """The smallest element; see ``max`` for the forms and gradients."""
    return _max_min("min", np.argmin, MinAll, input, dim, keepdim, min_result)


# --------------------------------------------------------- argmax / argmin
def _arg(name, function, input, dim, keepdim, axis, keepdims):
    x = _tensor(input, name)
    dim, keepdim = _resolve(dim, keepdim, axis, keepdims, name)
    if isinstance(dim, (tuple, list)):
        raise TypeError(f"{name}(): dim must be a single int, got {dim!r}")
    if dim is None or x.ndim == 0:
        if dim is not None:
            _dims(x.shape, dim, name)
        if x._data.size == 0:
            raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. (input shape "
                             f"{x.shape}: pass a dim of non-zero size)")
        index = np.asarray(function(x._data), dtype=np.int64)
        return Tensor._make(index.reshape((1,) * x.ndim) if keepdim else index)
    (axis_,), _ = _dims(x.shape, dim, name)
    _require_nonempty(x, dim, (axis_,), name)
    return Tensor._make(np.asarray(function(x._data, axis=axis_, keepdims=keepdim), dtype=np.int64))


@op(method=True, out=True)
def argmax(
    input: Tensor, dim: Optional[int] = None, keepdim: bool = False, *, axis: Optional[Dim] = None,
    keepdims: Optional[bool] = None,
) -> Tensor:
    """Index of the largest element (flat index when ``dim=None``), int64, no gradient."""
    return _arg("argmax", np.argmax, input, dim, keepdim, axis, keepdims)


@op(method=True, out=True)
def argmin(
    input: Tensor, dim: Optional[int] = None, keepdim: bool = False, *, axis: Optional[Dim] = None,
    keepdims: Optional[bool] = None,
) -> Tensor:
    """Index of the smallest element (flat index when ``dim=None``), int64, no gradient."""
    return _arg("argmin", np.argmin, input, dim, keepdim, axis, keepdims)
