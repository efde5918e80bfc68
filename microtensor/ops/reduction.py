"""Reductions: ``sum mean var std prod amax amin max min argmax argmin all any``
(``logsumexp softmax log_softmax`` are in ``softmax.py``).

Every reduction takes PyTorch's ``dim`` (``None`` for all dims, an int, or a tuple
of ints, negative allowed) and ``keepdim``; numpy's ``axis=`` / ``keepdims=`` are
accepted as aliases, because backward rules call ``g.sum(axis=..., keepdims=...)``
on arrays and on Tensors alike. An empty tuple of dims reduces nothing (numpy's
meaning, which PyTorch has announced as its future one).

Backward rules are written only with operators, protocol-dispatched numpy
functions and methods that ndarray and Tensor share (see ``function.py``), so
they serve first-order (arrays) and higher-order (``create_graph=True``, Tensors)
differentiation alike. A reduced gradient ``g`` is first reshaped to the
``keepdim`` shape, so that it broadcasts against the input.
"""
from __future__ import annotations

import builtins
import warnings
from typing import NamedTuple, Optional, Union, overload

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dims, tensor_argument as _tensor
from .._registry import TORCH_DTYPE_NAMES as _TORCH_NAMES, op
from .._typing import Dim, DTypeLike

_NUMPY_REDUCTION_NAMES = {"axis": "dim", "keepdims": "keepdim"}


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


# ----------------------------------------------------------------- helpers
def _resolve(dim, keepdim, axis, keepdims, op_name):
    """Merge numpy's ``axis``/``keepdims`` aliases into ``dim``/``keepdim``."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op_name}(): got both dim={dim} and axis={axis}; pass only one")
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    return dim, bool(keepdim)


def _dims(shape, dim, op_name):
    """Non-negative reduced axes as a tuple (valid for numpy) and the keepdim shape."""
    ndim = len(shape)
    if dim is None:
        dims = tuple(range(ndim))
    else:
        dims = normalize_dims(dim, ndim, op_name)
        if ndim == 0:
            dims = ()  # dim 0 / -1 of a 0-d tensor is allowed, as in PyTorch
    keep_shape = tuple(1 if axis in dims else size for axis, size in enumerate(shape))
    return dims, keep_shape


def _expand_grad(grad, keep_shape, shape):
    """A reduced gradient broadcast back to the input ``shape`` (for arrays, in new memory)."""
    if grad.shape != keep_shape:
        grad = grad.reshape(keep_shape)
    if grad.__class__ is not np.ndarray:
        return np.broadcast_to(grad, shape)  # a Tensor (create_graph=True): the recorded expand
    out = np.empty(shape, dtype=grad.dtype)
    out[...] = grad
    return out


def _count(shape, dims):
    count = 1
    for axis in dims:
        count *= shape[axis]
    return count


def _require_nonempty(x, dims, op_name):
    for axis in dims:
        if x.shape[axis] == 0:
            raise RuntimeError(
                f"{op_name}(): Expected reduction dim {axis} to have non-zero size (input shape {x.shape}); "
                f"the {op_name} of an empty set is undefined"
            )
    if x.size == 0 and not dims:
        raise RuntimeError(f"{op_name}(): cannot reduce an empty tensor of shape {x.shape}")


def _require_float(x, op_name, what):
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"{op_name}(): could not infer output dtype. Input dtype must be either a floating point or complex "
            f"dtype. Got: {_TORCH_NAMES.get(x.dtype.name, x.dtype.name)}" if what is None else f"{op_name}(): {what}"
        )


def _accumulating_arguments(input, dim, keepdim, dtype, axis, keepdims, op_name):
    """``(x, dims, keep_shape, keepdim, dtype)`` for sum and prod: integer and bool
    inputs accumulate in int64 unless a ``dtype`` is given, as in PyTorch."""
    x = _tensor(input, op_name)
    dim, keepdim = _resolve(dim, keepdim, axis, keepdims, op_name)
    dims, keep_shape = _dims(x.shape, dim, op_name)
    if dtype is not None:
        dtype = _dtypes.to_dtype(dtype)
    elif x.dtype.kind in "biu":
        dtype = _dtypes.int64
    return x, dims, keep_shape, keepdim, dtype


# --------------------------------------------------------------------- sum
class Sum(Function):
    """``y = sum_{dims} x``;  dy/dx = 1, so the gradient is ``g`` broadcast back to x's shape."""

    numpy_level = True
    fresh_gradients = (0,)  # _expand_grad returns new memory

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim, dtype):
        ctx.shape, ctx.keep_shape = x.shape, keep_shape
        return x.sum(axis=dims, keepdims=keepdim, dtype=dtype)  # the method skips np.sum's dispatch layer

    @staticmethod
    def backward(ctx, grad):
        return _expand_grad(grad, ctx.keep_shape, ctx.shape), None, None, None, None


@op(method=True, numpy=np.sum, numpy_names=_NUMPY_REDUCTION_NAMES, out=True)
def sum(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, dtype: Optional[DTypeLike] = None, *,
    axis: Optional[Dim] = None, keepdims: Optional[bool] = None,
) -> Tensor:
    """Sum over ``dim`` (all dims when None). Integer and bool tensors sum to int64, as in PyTorch.

    Gradient: ``d sum(x) / dx_i = 1``.
    """
    if (
        dim is None and axis is None and dtype is None and not keepdim and not keepdims
        and input.__class__ is Tensor and input._data.dtype.kind == "f"
    ):
        return SumAll.apply(input)  # the common loss.sum(): one argument, the fast path of apply
    return Sum.apply(*_accumulating_arguments(input, dim, keepdim, dtype, axis, keepdims, "sum"))


class SumAll(Function):
    """``y = sum_i x_i`` of a float tensor (``Sum`` over every dim);  dy/dx_i = 1."""

    numpy_level = True
    fresh_gradients = (0,)

    @staticmethod
    def forward(ctx, x):
        ctx.shape = x.shape
        return x.sum()

    @staticmethod
    def backward(ctx, grad):
        return _expand_grad(grad, (), ctx.shape)

    def name(self):
        return "SumBackward"


# -------------------------------------------------------------------- mean
class Mean(Function):
    """``y = sum_{dims} x / n``;  dy/dx = 1/n."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim):
        ctx.shape, ctx.keep_shape = x.shape, keep_shape
        ctx.count = _count(x.shape, dims)
        if ctx.count == 0:  # the mean of nothing is nan, as in PyTorch (without numpy's warning)
            return np.full(np.sum(x, axis=dims, keepdims=keepdim).shape, np.nan, dtype=x.dtype)
        return x.mean(axis=dims, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _expand_grad(grad / builtins.max(ctx.count, 1), ctx.keep_shape, ctx.shape), None, None, None


@op(method=True, numpy=np.mean, numpy_names=_NUMPY_REDUCTION_NAMES, out=True)
def mean(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, dtype: Optional[DTypeLike] = None, *,
    axis: Optional[Dim] = None, keepdims: Optional[bool] = None,
) -> Tensor:
    """Arithmetic mean over ``dim``; floating point input only (``dtype=`` casts first), as in PyTorch.

    Gradient: ``d mean(x) / dx_i = 1 / n`` with ``n`` the number of reduced elements.
    """
    x = _tensor(input, "mean")
    if dtype is not None:
        x = x.to(dtype)
    _require_float(x, "mean", None)
    dim, keepdim = _resolve(dim, keepdim, axis, keepdims, "mean")
    dims, keep_shape = _dims(x.shape, dim, "mean")
    return Mean.apply(x, dims, keep_shape, keepdim)


# -------------------------------------------------------------- var / std
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
    centered = x - x.mean(axis=dims, keepdims=True)
    squares = np.sum(centered * centered, axis=dims, keepdims=keepdim)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(squares / x.dtype.type(builtins.max(denominator, 0)))


class Var(Function):
    """``v = sum (x - mean)^2 / (n - c)``;  dv/dx = 2 (x - mean) / (n - c)
    (the mean's own dependence on x cancels because sum(x - mean) = 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim, correction):
        ctx.dims, ctx.keep_shape = dims, keep_shape
        ctx.denominator = _count(x.shape, dims) - correction
        ctx.save_for_backward(x)
        return _variance(x, dims, keepdim, ctx.denominator)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        centered = x - x.mean(axis=ctx.dims, keepdims=True)
        scale = 2.0 / ctx.denominator if ctx.denominator > 0 else float("nan")
        return grad.reshape(ctx.keep_shape) * (centered * scale), None, None, None, None


class Std(Function):
    """``s = sqrt(var(x))``;  ds/dx = (x - mean) / ((n - c) s), taken as 0 where s == 0
    (constant input: every direction is a kink, 0 is a subgradient)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim, correction):
        ctx.dims, ctx.keep_shape = dims, keep_shape
        ctx.denominator = _count(x.shape, dims) - correction
        with np.errstate(invalid="ignore"):
            out = np.sqrt(_variance(x, dims, keepdim, ctx.denominator))
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        out = out.reshape(ctx.keep_shape)
        centered = x - x.mean(axis=ctx.dims, keepdims=True)
        zero = out == 0
        safe = np.where(zero, 1.0, out)
        denominator = float(ctx.denominator) if ctx.denominator > 0 else float("nan")
        return grad.reshape(ctx.keep_shape) * np.where(zero, 0.0, centered / (safe * denominator)), None, None, None, None


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
    return x, dims, keep_shape, keepdim, correction


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


# -------------------------------------------------------------------- prod
class Prod(Function):
    """``p = prod_{dims} x``;  dp/dx_i = prod_{j != i} x_j.

    Without zeros that is ``p / x_i``. With zeros in a reduced slice: if there is
    exactly one zero, its gradient is the product of the others (the non-zero
    values) and every other element's is 0; with two or more zeros all are 0.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim, dtype):
        ctx.dims, ctx.keep_shape = dims, keep_shape
        out = np.prod(x, axis=dims, keepdims=keepdim, dtype=dtype)
        if x.dtype.kind == "f":
            zeros = x == 0
            ctx.any_zero = bool(zeros.any())
            if ctx.any_zero:
                ctx.zeros = zeros
                ctx.zero_count = np.sum(zeros, axis=dims, keepdims=True)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        grad = grad.reshape(ctx.keep_shape)
        if not ctx.any_zero:
            return grad * (out.reshape(ctx.keep_shape) / x), None, None, None, None
        zeros, count = ctx.zeros, ctx.zero_count
        nonzero_product = np.where(zeros, 1.0, x).prod(axis=ctx.dims, keepdims=True)
        others = np.where(count == 0, nonzero_product / np.where(zeros, 1.0, x),
                          np.where(zeros & (count == 1), nonzero_product, 0.0))
        return grad * others, None, None, None, None


@op(method=True, out=True)
def prod(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, dtype: Optional[DTypeLike] = None, *,
    axis: Optional[Dim] = None, keepdims: Optional[bool] = None,
) -> Tensor:
    """Product over ``dim`` (integers and bools give int64); d prod / dx_i = prod_{j != i} x_j."""
    return Prod.apply(*_accumulating_arguments(input, dim, keepdim, dtype, axis, keepdims, "prod"))


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
            with np.errstate(invalid="ignore", divide="ignore"):  # a NaN slice has no tie: its weights are NaN
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
    _require_nonempty(x, dims, name)
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
        if x._data.size == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0 (shape {x.shape}). "
                f"Specify the reduction dim with the 'dim' argument."
            )
        return full(x)
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
    if x.shape[axis] == 0:
        raise RuntimeError(
            f"{name}(): Expected reduction dim {axis} to have non-zero size (input shape {x.shape}); "
            f"the {name} of an empty set is undefined"
        )
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
    """The largest element (``dim=None``: a 0-d tensor, gradient shared among ties);
    with ``dim`` a named pair ``(values, indices)`` whose gradient flows to the selected
    index only; ``max(a, b)`` with a tensor ``b`` is the elementwise ``maximum``."""
    return _max_min("max", np.argmax, amax, input, dim, keepdim, max_result)


@overload
def min(input: Tensor) -> Tensor: ...
@overload
def min(input: Tensor, dim: int, keepdim: bool = False) -> min_result: ...
@overload
def min(input: Tensor, dim: Tensor) -> Tensor: ...
@op(method=True, out=True)
def min(input: Tensor, dim: Union[int, Tensor, None] = None, keepdim: bool = False) -> Union[Tensor, min_result]:
    """The smallest element; see ``max`` for the forms and gradients."""
    return _max_min("min", np.argmin, amin, input, dim, keepdim, min_result)


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
            raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0 (shape {x.shape})")
        index = np.asarray(function(x._data), dtype=np.int64)
        return Tensor._make(index.reshape((1,) * x.ndim) if keepdim else index)
    (axis_,), _ = _dims(x.shape, dim, name)
    if x.shape[axis_] == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim {axis_} to have non-zero size (input shape {x.shape})")
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


# --------------------------------------------------------------- all / any
def _logical(name, function, input, dim, keepdim, axis, keepdims):
    x = _tensor(input, name)
    dim, keepdim = _resolve(dim, keepdim, axis, keepdims, name)
    dims, _ = _dims(x.shape, dim, name)
    result_dtype = np.uint8 if x.dtype == np.uint8 else np.bool_  # PyTorch keeps uint8
    return Tensor._make(np.asarray(function(x._data, axis=dims, keepdims=keepdim), dtype=result_dtype))


@op(method=True, out=True)
def all(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, *, axis: Optional[Dim] = None,
    keepdims: Optional[bool] = None,
) -> Tensor:
    """True where every element along ``dim`` is non-zero (a bool tensor; uint8 for uint8 input), no gradient."""
    return _logical("all", np.all, input, dim, keepdim, axis, keepdims)


@op(method=True, out=True)
def any(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, *, axis: Optional[Dim] = None,
    keepdims: Optional[bool] = None,
) -> Tensor:
    """True where some element along ``dim`` is non-zero (a bool tensor; uint8 for uint8 input), no gradient."""
    return _logical("any", np.any, input, dim, keepdim, axis, keepdims)

