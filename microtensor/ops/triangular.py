"""Triangular parts of (batches of) matrices: ``tril`` and ``triu`` (and ``tril_``, ``triu_``), and
the positions of those parts of a ``row x col`` matrix: ``tril_indices`` and ``triu_indices``.

``tril(x, k)`` keeps ``x[..., i, j]`` where ``j - i <= k`` and sets the rest to 0;
``triu(x, k)`` keeps ``j - i >= k``. Both are a fixed mask on the last two dims, so the
gradient is the same mask applied to ``g`` (and differentiates again under
``create_graph=True``, as ``np.where`` on Tensors is ``mt.where``).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..autograd.function import Function
from ..autograd.inplace import apply_inplace
from ._util import tensor_argument as _tensor
from .._registry import op, tensor_method
from .. import _dtypes
from ..device import check_device
from .._tensor import Tensor
from .._typing import DeviceLike, DTypeLike


class Tril(Function):
    """``y = where(mask, x, 0)`` with the mask ``j - i <= diagonal`` on the last two dims;
    dx = where(mask, g, 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return np.where(mask, x, np.zeros((), dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.mask, grad, 0), None


class Triu(Tril):
    """``Tril`` with the mask ``j - i >= diagonal``."""


def _triangle(node, op_name, input, diagonal):
    x = _tensor(input, op_name)
    if x.ndim < 2:
        raise RuntimeError(
            f"{op_name}: input tensor must have at least 2 dimensions, got shape {list(x.shape)}"
        )
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{op_name}(): argument 'diagonal' must be int, not {type(diagonal).__name__}")
    rows, cols = x.shape[-2:]
    lower = np.tri(rows, cols, int(diagonal), dtype=bool)
    mask = lower if node is Tril else ~np.tri(rows, cols, int(diagonal) - 1, dtype=bool)
    return node.apply(x, mask)


@op(method=True, numpy=np.tril, numpy_names={"k": "diagonal"})
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: ``x[..., i, j]`` where ``j - i <= diagonal``,
    0 elsewhere (keeps the dtype). Gradient: the same triangle of ``g``."""
    return _triangle(Tril, "tril", input, diagonal)


@op(method=True, numpy=np.triu, numpy_names={"k": "diagonal"})
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: ``x[..., i, j]`` where ``j - i >= diagonal``,
    0 elsewhere (keeps the dtype). Gradient: the same triangle of ``g``."""
    return _triangle(Triu, "triu", input, diagonal)


@tensor_method()
def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    """In-place ``tril``."""
    return apply_inplace(self, "tril_", lambda: tril(self, diagonal))


@tensor_method()
def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    """In-place ``triu``."""
    return apply_inplace(self, "triu_", lambda: triu(self, diagonal))


def _triangle_indices(op_name, lower, row, col, offset, dtype, device):
    for name, value in (("row", row), ("col", col), ("offset", offset)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{op_name}(): argument '{name}' must be int, not {type(value).__name__}")
    for name, value in (("row", row), ("col", col)):
        if value < 0:
            raise RuntimeError(f"{op_name}(): {name} must be non-negative, got {value}")
    check_device(device)
    dtype = _dtypes.int64 if dtype is None else _dtypes.to_dtype(dtype)
    if dtype.kind not in "iu":
        raise RuntimeError(f"{op_name}(): dtype must be an integer type (int64 or int32), got {dtype}")
    mask = np.tri(row, col, offset, dtype=bool) if lower else ~np.tri(row, col, offset - 1, dtype=bool)
    return Tensor._make(np.stack(np.nonzero(mask)).astype(dtype))


@op()
def tril_indices(
    row: int, col: int, offset: int = 0, *, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None,
) -> Tensor:
    """The ``(2, N)`` positions (rows, then columns; row by row) of the lower triangle of a
    ``row x col`` matrix: the elements ``tril(x, offset)`` keeps. int64 unless ``dtype``."""
    return _triangle_indices("tril_indices", True, row, col, offset, dtype, device)


@op()
def triu_indices(
    row: int, col: int, offset: int = 0, *, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None,
) -> Tensor:
    """The ``(2, N)`` positions of the upper triangle of a ``row x col`` matrix (``triu(x, offset)``)."""
    return _triangle_indices("triu_indices", False, row, col, offset, dtype, device)
