"""Matrices built from vectors and blocks: ``vander`` (the Vandermonde matrix of powers of a vector)
and ``block_diag`` (tensors placed along the diagonal of a matrix of zeros).

``vander`` is a ``cumprod`` of repeated columns (as in PyTorch, so ``0 ** 0`` is 1 and the gradient
at 0 is finite); ``block_diag`` is a ``cat`` of each block between zero blocks. Both differentiate
through those ops.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .. import _dtypes
from .._registry import op
from .._tensor import Tensor
from ._util import tensor_argument as _tensor
from .joining import cat


@op()
def vander(x: Tensor, N: Optional[int] = None, increasing: bool = False) -> Tensor:
    """The Vandermonde matrix ``out[i, j] = x[i] ** (N - 1 - j)`` (``x[i] ** j`` when ``increasing``) with
    ``N`` columns (``len(x)`` by default); integer and bool ``x`` give int64."""
    x = _tensor(x, "vander")
    if x.ndim != 1:
        raise RuntimeError(f"vander: x must be a one-dimensional tensor, got shape {tuple(x.shape)}.")
    columns = x.shape[0] if N is None else N
    if columns < 0:
        raise RuntimeError(f"vander: N must be non-negative, got {columns}.")
    if x.dtype.kind in "biu":
        x = x.long()
    ones = x.detach().new_ones((x.shape[0], min(columns, 1)))
    if columns <= 1:
        powers = ones
    else:
        powers = cat([ones, x.unsqueeze(1).expand(x.shape[0], columns - 1).cumprod(1)], 1)
    return powers if increasing else powers.flip(1)


@op()
def block_diag(*tensors: Tensor) -> Tensor:
    """The tensors (0-d, 1-D as one row, or 2-D) along the diagonal of a matrix of zeros, in the promoted
    dtype: blocks ``(r_k, c_k)`` give a ``(sum r_k, sum c_k)`` matrix."""
    blocks = []
    for index, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"block_diag(): expected Tensor as element {index}, but got {type(tensor).__name__}")
        if tensor.ndim > 2:
            raise RuntimeError(f"block_diag: Input tensors must have 2 or fewer dimensions. Input {index} has "
                               f"{tensor.ndim} dimensions")
        blocks.append(tensor.reshape(1, -1) if tensor.ndim < 2 else tensor)
    if not blocks:
        return Tensor._make(np.zeros((1, 0), dtype=_dtypes.get_default_dtype()))
    dtype = _dtypes.promote([b.dtype for b in blocks], [], [])
    width = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for block in blocks:
        block = block.to(dtype)
        right = width - left - block.shape[1]
        rows.append(cat([block.new_zeros((block.shape[0], left)), block,
                         block.new_zeros((block.shape[0], right))], 1))
        left += block.shape[1]
    return cat(rows, 0)
