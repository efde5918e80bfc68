"""Building tensors around a diagonal: ``diag_embed`` (values onto the diagonal of new dims),
``diagflat`` (the flattened input onto a matrix's diagonal) and ``Tensor.fill_diagonal_``.

``diag_embed`` is ``views.py``'s ``DiagonalScatter`` (zeros with a diagonal written), whose
gradient is the diagonal of the output's gradient; ``fill_diagonal_`` is an ``index_put`` at the
diagonal's positions, so no gradient reaches the overwritten values.
"""
from __future__ import annotations

import numpy as np

from ..autograd.inplace import apply_inplace
from .._registry import op, tensor_method
from .._tensor import Tensor
from .._typing import Number
from .indexing import index_put
from .movement import reshape
from .views import DiagonalScatter, _int
from .._dims import normalize_dim
from ._util import tensor_argument as _tensor


@op(method=True)
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """A tensor with one more dim whose diagonals in the ``(dim1, dim2)`` planes hold ``input``'s last
    dim, zeros elsewhere: ``diagonal(diag_embed(x, offset, dim1, dim2), offset, dim1, dim2) == x``. The
    two new dims have size ``n + |offset|`` for a last dim of size ``n``; the other dims keep their order.

    Gradient: the diagonal of the output's gradient."""
    x = _tensor(input, "diag_embed")
    offset = _int(offset, "offset", "diag_embed")
    first = normalize_dim(dim1, x.ndim + 1, "diag_embed")
    second = normalize_dim(dim2, x.ndim + 1, "diag_embed")
    if first == second:
        raise RuntimeError(f"diag_embed: diagonal dimensions cannot be identical {dim1}, {dim2}")
    side = x.shape[-1] + abs(offset)  # x has a dim: a 0-d x has no two distinct dims to normalize above
    shape = list(x.shape[:-1])
    for position in sorted((first, second)):
        shape.insert(position, side)
    return DiagonalScatter.apply(x, tuple(shape), offset, first, second)


@op(method=True)
def diagflat(input: Tensor, offset: int = 0) -> Tensor:
    """The square matrix with the flattened ``input`` on its diagonal ``offset`` (``> 0`` above the
    main one), zeros elsewhere. Gradient: that diagonal of the output's gradient, in input's shape."""
    x = _tensor(input, "diagflat")
    return diag_embed(reshape(x, (-1,)), offset, 0, 1)


def _diagonal_mask(shape, wrap):
    mask = np.zeros(shape, dtype=np.bool_)
    np.fill_diagonal(mask, True, wrap=wrap)
    return mask


@tensor_method()
def fill_diagonal_(self: Tensor, fill_value: Number, wrap: bool = False) -> Tensor:
    """Write ``fill_value`` onto the main diagonal (``t[i, i, ..., i]``) in place. A tensor of more than
    2 dims must have all dims equal. For a tall matrix ``wrap=True`` starts the diagonal again every
    ``columns + 1`` rows, as in PyTorch and numpy. No gradient reaches the overwritten elements."""
    if self.ndim < 2:
        raise RuntimeError(f"fill_diagonal_: dimensions must larger than 1, got a tensor of shape {list(self.shape)}")
    if self.ndim > 2 and len(set(self.shape)) > 1:
        raise RuntimeError(
            f"fill_diagonal_: all dimensions of input must be of equal length, got shape {list(self.shape)}"
        )
    mask = Tensor._make(_diagonal_mask(self.shape, bool(wrap)))
    return apply_inplace(self, "fill_diagonal_", lambda: index_put(self, (mask,), fill_value))
