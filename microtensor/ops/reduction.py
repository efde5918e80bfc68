"""Reductions that add or multiply: ``sum mean prod``, and their logical forms ``all any``;
the argument handling every reduction shares.

The others have a file each: ``variance.py`` (``var std``), ``extrema.py`` (``amax amin
max min argmax argmin``) and ``softmax.py`` (``logsumexp softmax log_softmax``).

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
from typing import Optional

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dims, tensor_argument as _tensor
from .._registry import TORCH_DTYPE_NAMES as _TORCH_NAMES, op
from .._typing import Dim, DTypeLike
from .._float_errors import quiet_float_errors


_NUMPY_REDUCTION_NAMES = {"axis": "dim", "keepdims": "keepdim"}
# ``x.sum(axis, dtype, out, keepdims)`` without ndarray.sum's Python layer, which costs more than
# summing a small array
_add_reduce = np.add.reduce


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


def _require_nonempty(x, dim, dims, op_name):
    """PyTorch's errors for an extremum over nothing: an empty tensor reduced over every dim
    (``dim=None``) is a RuntimeError asking for a dim, an empty reduced dim an IndexError."""
    if 0 in x.shape and dim is None:
        raise RuntimeError(
            f"{op_name}(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction "
            f"dim with the 'dim' argument (input shape {x.shape}; the {op_name} of an empty set is undefined)."
        )
    for axis in dims:
        if x.shape[axis] == 0:
            raise IndexError(
                f"{op_name}(): Expected reduction dim {axis} to have non-zero size. (input shape {x.shape}; "
                f"the {op_name} of an empty set is undefined: reduce over a dim of non-zero size)"
            )


def _require_float(dtype, op_name, which="Input"):
    """PyTorch's error for a mean of a non-float input (``which="Input"``) or to a non-float ``dtype=``
    (``which="Optional"``)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise RuntimeError(
            f"{op_name}(): could not infer output dtype. {which} dtype must be either a floating point or complex "
            f"dtype. Got: {_TORCH_NAMES.get(dtype.name, dtype.name)}"
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
        with quiet_float_errors():  # inf + -inf: nan, overflow: inf, as in PyTorch
            return _add_reduce(x, dims, dtype, None, keepdim)

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
        with quiet_float_errors():  # inf + -inf: nan, overflow: inf, as in PyTorch
            return _add_reduce(x, None)

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
        with quiet_float_errors():
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
        dtype = _dtypes.to_dtype(dtype)
        _require_float(dtype, "mean", "Optional")
        x = x.to(dtype)
    _require_float(x.dtype, "mean")
    dim, keepdim = _resolve(dim, keepdim, axis, keepdims, "mean")
    dims, keep_shape = _dims(x.shape, dim, "mean")
    return Mean.apply(x, dims, keep_shape, keepdim)


# -------------------------------------------------------------------- prod
class Prod(Function):
    """``p = prod_{dims} x``;  dp/dx_i = prod_{j != i} x_j (the product of the others in i's slice).

    As in PyTorch: without a zero anywhere in x that is ``p / x_i`` (so an inf element gets
    inf / inf = nan); with a zero it is the exclusive product from the left times the one
    from the right, exactly: one zero in a slice gets the product of the others and every
    other element 0 (or nan: 0 * inf, 0 * nan); two zeros make every element's 0. The
    product of every element (``dim=None``) with two or more zeros is plainly all 0, and a 0-d
    x (p = x) passes the gradient through.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims, keep_shape, keepdim, dtype, every_element):
        ctx.dims, ctx.keep_shape, ctx.every_element = dims, keep_shape, every_element
        with quiet_float_errors():  # overflow gives PyTorch's inf
            out = np.prod(x, axis=dims, keepdims=keepdim, dtype=dtype)
        ctx.zero_count = int(np.count_nonzero(x == 0)) if x.dtype.kind == "f" else 0
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, out = ctx.saved_tensors
        if x.ndim == 0:  # p = x: dp/dx = 1 exactly, also at nan and inf (PyTorch's 0-d rule)
            return grad, None, None, None, None, None
        grad = grad.reshape(ctx.keep_shape)
        if ctx.zero_count == 0:
            with quiet_float_errors():  # inf / inf: nan, as in PyTorch
                return grad * (out.reshape(ctx.keep_shape) / x), None, None, None, None, None
        if not isinstance(x, np.ndarray):  # recorded (create_graph): a formula whose own derivative is right at 0
            return grad * _product_of_others(x, ctx.dims), None, None, None, None, None
        if ctx.every_element and ctx.zero_count > 1:
            return np.zeros(x.shape, dtype=np.result_type(grad, x)), None, None, None, None, None
        with quiet_float_errors():
            return grad * _product_of_others_array(x, ctx.dims), None, None, None, None, None


def _product_of_others(x, dims):
    """``prod_{j != i} x_j`` over the reduced ``dims`` for every element i, as the product of an
    exclusive running product from the left and one from the right: no division, and no mask
    (whose derivative would be 0), so differentiating it again is right at zeros too."""
    kept = [d for d in range(x.ndim) if d not in dims]
    order = kept + list(dims)
    moved = x.permute(order)
    rows = moved.reshape(tuple(moved.shape[:len(kept)]) + (-1,))
    ones = np.ones(tuple(rows.shape[:-1]) + (1,), dtype=rows.dtype)  # a constant (rows * 0 + 1 is nan at inf)

    def exclusive_running_product(values):
        return np.concatenate([ones, values[..., :-1].cumprod(-1)], axis=-1)

    others = exclusive_running_product(rows) * exclusive_running_product(rows.flip(-1)).flip(-1)
    return others.reshape(moved.shape).permute(tuple(np.argsort(order)))


def _product_of_others_array(x, dims):
    """``_product_of_others`` of an array, in new memory (call it inside ``quiet_float_errors()``)."""
    kept = [d for d in range(x.ndim) if d not in dims]
    order = kept + list(dims)
    moved = np.transpose(x, order)
    rows = moved.reshape(moved.shape[:len(kept)] + (-1,))
    left = np.ones_like(rows)
    right = np.ones_like(rows)
    np.cumprod(rows[..., :-1], axis=-1, out=left[..., 1:])
    right[..., :-1] = np.cumprod(rows[..., :0:-1], axis=-1)[..., ::-1]
    return np.transpose((left * right).reshape(moved.shape), np.argsort(order))


@op(method=True, out=True)
def prod(
    input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, dtype: Optional[DTypeLike] = None, *,
    axis: Optional[Dim] = None, keepdims: Optional[bool] = None,
) -> Tensor:
    """Product over ``dim`` (integers and bools give int64); d prod / dx_i = prod_{j != i} x_j."""
    every_element = dim is None and axis is None
    return Prod.apply(*_accumulating_arguments(input, dim, keepdim, dtype, axis, keepdims, "prod"), every_element)


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
