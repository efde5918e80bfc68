"""Norms: ``mt.norm`` (PyTorch's ``torch.norm``), and ``vector_norm``, ``matrix_norm`` and
``linalg_norm``, the functions of PyTorch's ``torch.linalg`` namespace of those names.

Vector norms of order ``p`` over ``dim``: ``(sum |x|^p)^(1/p)``; ``p = inf`` is
``max |x|``, ``-inf`` is ``min |x|``, ``0`` counts the non-zero elements. Matrix norms
over two dims: ``'fro'`` (the vector 2-norm of the entries), ``1`` / ``-1`` (largest /
smallest column sum of ``|A|``), ``inf`` / ``-inf`` (the same for rows), and from the
singular values (``linalg.svdvals``): ``2`` / ``-2`` the largest / smallest, ``'nuc'`` their sum.

Gradients follow PyTorch's subgradients: the 2-norm's is 0 at 0 (not NaN), the
inf-norm's is shared evenly among the elements that attain the maximum.
"""
from __future__ import annotations

import builtins
import math
from typing import Optional, Tuple, Union

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from ._util import normalize_dims, tensor_argument as _tensor
from .extrema import amax, amin
from .movement import unsqueeze
from .orthogonal_factorizations import svdvals
from .views import movedim
from .._registry import TORCH_DTYPE_NAMES, op
from .._tensor import Tensor
from .._typing import Dim, DTypeLike
from .._float_errors import quiet_float_errors

_INF = math.inf


# -------------------------------------------------------------- vector norms
class VectorNorm(Function):
    """``y = (sum_dims |x|^p)^(1/p)`` (``max|x|`` for p = inf, ``min|x|`` for -inf, the count of
    non-zeros for p = 0). With ``n = y`` broadcast back over the reduced dims:

    * p = 2:   dy/dx = x / n, taken as 0 where n = 0;
    * p = 1:   sign(x);
    * p = ±inf: sign(x) [|x| = n] / #ties (the gradient is shared among the extreme elements);
    * p = 0:   0;
    * p < 1:   sign(x) |x|^(p-1) n^(1-p), taken as 0 where x = 0;
    * else:    sign(x) |x|^(p-1) / n^(p-1), taken as 0 where n = 0.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, p, dims, keep_shape, keepdim):
        ctx.p, ctx.dims, ctx.keep_shape = p, dims, keep_shape
        with quiet_float_errors():
            norm = _vector_norm_array(x, p, dims)
        if not keepdim:
            norm = norm.reshape(tuple(s for a, s in enumerate(x.shape) if a not in dims))
        ctx.save_for_backward(x, norm)
        return norm

    @staticmethod
    def backward(ctx, grad):
        x, norm = ctx.saved_tensors
        p, grad, norm = ctx.p, grad.reshape(ctx.keep_shape), norm.reshape(ctx.keep_shape)
        raw_x, raw_norm = getattr(x, "_data", x), getattr(norm, "_data", norm)
        if p == 0:
            return np.zeros(raw_x.shape, dtype=raw_x.dtype), None, None, None, None
        if p == 1:  # |x|'s gradient: sign(x), 0 at nan as abs gives
            return grad * np.where(np.isnan(raw_x), 0.0, np.sign(x)), None, None, None, None
        with quiet_float_errors():
            if p == _INF or p == -_INF:
                extreme = (np.abs(raw_x) == raw_norm) | np.isnan(raw_x)
                share = extreme / np.sum(extreme, axis=ctx.dims, keepdims=True)
                return np.sign(x) * (grad * share.astype(raw_x.dtype)), None, None, None, None
            norm_is_zero = raw_norm == 0
            safe_norm = np.where(norm_is_zero, 1.0, norm)
            if p == 2:
                return x * np.where(norm_is_zero, 0.0, grad / safe_norm), None, None, None, None
            if p < 1:
                x_is_zero = raw_x == 0
                powered = np.where(x_is_zero, 0.0, np.abs(np.where(x_is_zero, 1.0, x)) ** (p - 1))
                return np.sign(x) * powered * (grad * norm ** (1 - p)), None, None, None, None
            scale = np.where(norm_is_zero, 0.0, grad / safe_norm ** (p - 1))
            return np.sign(x) * np.abs(x) ** (p - 1) * scale, None, None, None, None


def _vector_norm_array(x, p, dims):
    if p == 2:
        return np.sqrt(np.sum(x * x, axis=dims, keepdims=True))
    magnitude = np.abs(x)
    if p == 1:
        return np.sum(magnitude, axis=dims, keepdims=True)
    if p == _INF:
        return np.amax(magnitude, axis=dims, keepdims=True)
    if p == -_INF:
        return np.amin(magnitude, axis=dims, keepdims=True)
    if p == 0:
        return np.sum(x != 0, axis=dims, keepdims=True).astype(x.dtype)
    return np.sum(magnitude**p, axis=dims, keepdims=True) ** (1.0 / p)


def vector_norm(
    x: Tensor, ord: float = 2, dim: Optional[Dim] = None, keepdim: bool = False, *, dtype: Optional[DTypeLike] = None,
) -> Tensor:
    """``torch.linalg.vector_norm``: the ``ord``-norm of the elements over ``dim`` (all when None).

    ``x`` must be floating point; ``dtype`` (no narrower than ``x``'s) casts it first.
    """
    name = "linalg.vector_norm"
    x = _tensor(x, name)
    if isinstance(ord, str) or not isinstance(ord, (builtins.int, builtins.float, np.integer, np.floating)):
        raise TypeError(f"{name}(): argument 'ord' must be Number, not {type(ord).__name__}")
    x = _norm_input(x, dtype, name)
    dims = tuple(range(x.ndim)) if dim is None or dim == () else normalize_dims(dim, x.ndim, name)
    if x.ndim == 0:
        dims = ()
    p = float(ord)
    if p < 0 or p == _INF:
        for axis in dims:
            if x.shape[axis] == 0:
                raise RuntimeError(
                    f"{name} cannot compute the {ord} norm on the dimension {axis} because this dimension is empty "
                    f"(input shape {tuple(x.shape)}) and the operation does not have an identity"
                )
        if x._data.size == 0 and not dims:
            raise RuntimeError(f"{name} cannot compute the {ord} norm on an empty tensor because the operation "
                               f"does not have an identity")
    keep_shape = tuple(1 if axis in dims else size for axis, size in enumerate(x.shape))
    return VectorNorm.apply(x, p, dims, keep_shape, bool(keepdim))


def _norm_input(x, dtype, name):
    if x.dtype.kind != "f":
        raise RuntimeError(
            f"{name}: Expected a floating point or complex tensor as input. Got {TORCH_DTYPE_NAMES[x.dtype.name]}"
        )
    if dtype is None:
        return x
    dtype = _dtypes.to_dtype(dtype)
    if dtype.kind != "f" or not np.can_cast(x.dtype, dtype, casting="safe"):
        raise RuntimeError(
            f"{name}: the dtype of the input ({TORCH_DTYPE_NAMES[x.dtype.name]}) should be convertible without "
            f"narrowing to the specified dtype ({TORCH_DTYPE_NAMES.get(dtype.name, dtype.name)})"
        )
    return x.to(dtype)


# -------------------------------------------------------------- matrix norms
def matrix_norm(
    A: Tensor, ord: Union[float, str] = "fro", dim: Tuple[int, int] = (-2, -1), keepdim: bool = False, *,
    dtype: Optional[DTypeLike] = None,
) -> Tensor:
    """``torch.linalg.matrix_norm`` over the two dims ``dim``: ``'fro'``, ``1``, ``-1``, ``inf``,
    ``-inf``; ``2``, ``-2`` (the largest / smallest singular value) and ``'nuc'`` (their sum).

    ``1``: the largest column sum of ``|A|`` (``-1``: the smallest); ``inf``: the largest row
    sum (``-inf``: the smallest). Their gradients are those of the sums and of ``amax``/``amin``.
    """
    name = "linalg.matrix_norm"
    A = _tensor(A, name)
    if A.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor A must have at least 2 dimensions (got shape {tuple(A.shape)}).")
    if not isinstance(dim, (tuple, list)) or len(dim) != 2:
        raise RuntimeError(f"{name}: dim must be a 2-tuple. Got {dim}")
    rows, columns = (normalize_dims(d, A.ndim, name)[0] for d in dim)
    if rows == columns:
        raise RuntimeError(f"{name}: dims must be different. Got ({dim[0]}, {dim[1]})")
    A = _norm_input(A, dtype, name)
    if not isinstance(ord, str) and ord in (2, 1, _INF, -2, -1, -_INF) and 0 in (A.shape[rows], A.shape[columns]):
        return _empty_matrix_norm(A, ord, rows, columns, keepdim, name)
    if ord in ("nuc", 2, -2):  # from the singular values: their sum, the largest, the smallest
        values = svdvals(movedim(A, (rows, columns), (-2, -1)))
        result = values.sum(-1) if ord == "nuc" else (amax if ord == 2 else amin)(values, dim=-1)
        return unsqueeze(unsqueeze(result, min(rows, columns)), max(rows, columns)) if keepdim else result
    if ord == "fro":
        return vector_norm(A, 2, (rows, columns), keepdim)
    if isinstance(ord, str) or ord not in (1, -1, _INF, -_INF):
        raise RuntimeError(f"{name}: Order {ord} not supported.")
    summed, reduced = (rows, columns) if ord in (1, -1) else (columns, rows)
    sums = A.abs().sum(dim=summed, keepdim=True)
    result = (amax if ord > 0 else amin)(sums, dim=reduced, keepdim=True)
    if keepdim:
        return result
    return result.reshape(tuple(s for axis, s in enumerate(A.shape) if axis not in (rows, columns)))


def _empty_matrix_norm(A, ord, rows, columns, keepdim, name):
    """A norm of empty matrices that is a largest value (2, 1, inf) is 0, as in PyTorch (the largest of
    no sums, or of sums of nothing); a smallest one (-2, -1, -inf) of no values has no answer."""
    summed, reduced = (rows, columns) if ord in (1, -1) else (columns, rows)
    if ord < 0 and (ord == -2 or A.shape[reduced] == 0):
        raise IndexError(f"{name}: the {ord} norm of empty matrices (shape {tuple(A.shape)}, dims {(rows, columns)}) "
                         f"is the smallest of no values, which is not defined")
    if ord in (2, -2):
        return vector_norm(A, 2, (rows, columns), keepdim)  # 0: all singular values of an empty matrix are 0
    sums = A.abs().sum(dim=summed, keepdim=True)
    result = (amax if ord > 0 else amin)(sums, dim=reduced, keepdim=True) if sums.shape[reduced] else sums.sum(
        dim=reduced, keepdim=True)
    if keepdim:
        return result
    return result.reshape(tuple(s for axis, s in enumerate(A.shape) if axis not in (rows, columns)))


def linalg_norm(
    A: Tensor, ord: Union[float, str, None] = None, dim: Optional[Dim] = None, keepdim: bool = False, *,
    dtype: Optional[DTypeLike] = None,
) -> Tensor:
    """``torch.linalg.norm``: a vector norm over one dim, a matrix norm over two.

    ``dim=None`` and ``ord=None``: the 2-norm of all elements. ``dim=None`` with ``ord``:
    ``A`` must be 1-D (a vector norm) or 2-D (a matrix norm).
    """
    name = "linalg.norm"
    A = _tensor(A, name)
    if dim is not None:
        dims = (dim,) if isinstance(dim, (builtins.int, np.integer)) else tuple(dim)
        if len(dims) not in (1, 2):
            raise RuntimeError(f"{name}: If dim is specified, it must be of length 1 or 2. Got {list(dims)}")
    elif ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    elif A.ndim in (1, 2):
        dims = tuple(range(A.ndim))
    else:
        raise RuntimeError(f"{name}: If dim is not specified but ord is, the input must be 1D or 2D. Got {A.ndim}D.")
    if len(dims) == 2 or isinstance(ord, str):
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


# ------------------------------------------------------------------- mt.norm
@op(method=True, out=True)
def norm(
    input: Tensor, p: Union[float, str, None] = "fro", dim: Optional[Dim] = None, keepdim: bool = False,
    dtype: Optional[DTypeLike] = None,
) -> Tensor:
    """``torch.norm``: the ``p``-norm of ``input`` over ``dim`` (all elements when None).

    A number ``p`` (``2``, ``1``, ``inf``, ``-inf``, ``0``, any float) is a vector norm of the
    elements over ``dim``; ``'fro'`` is the 2-norm over at most two dims; ``'nuc'`` (over
    two dims) is the sum of the singular values. Gradients: see ``VectorNorm`` (0 at 0 for p = 2).
    """
    x = _tensor(input, "norm")
    if isinstance(p, str):
        if p == "fro" and (dim is None or isinstance(dim, (builtins.int, np.integer)) or len(dim) <= 2):
            return vector_norm(x, 2, dim, keepdim, dtype=dtype)
        return matrix_norm(x, p, tuple(range(x.ndim)) if dim is None else dim, keepdim, dtype=dtype)
    return vector_norm(x, 2 if p is None else p, dim, keepdim, dtype=dtype)
