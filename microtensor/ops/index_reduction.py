"""``index_reduce`` (and ``index_reduce_``): reduce the slices of ``source`` into the slices of
``input`` that ``index`` names along a dim, by ``prod``, ``mean``, ``amax`` or ``amin``, as in PyTorch.

It is ``scatter_reduce`` with the index vector spread over source's shape, so values, repeated
indices, ``include_self=False`` and the gradients (an even share among tied extremes, the
product of the others for ``prod``) are the same as there.
"""
from __future__ import annotations

import numpy as np

from ..autograd.inplace import apply_inplace
from .._registry import op, tensor_method
from .._tensor import Tensor
from .movement import reshape
from .scatter_reductions import scatter_reduce
from .._dims import normalize_dim
from ._util import not_a_tensor_error, tensor_argument as _tensor

_INDEX_REDUCTIONS = ("prod", "mean", "amax", "amin")


def _checked_index(index, size, op_name):
    if not isinstance(index, Tensor):
        raise not_a_tensor_error(op_name, "index", index)
    if index.dtype not in (np.int32, np.int64):
        raise RuntimeError(f"{op_name}(): Expected dtype int32/int64 for index but got: {index.dtype}")
    if index.ndim > 1:
        raise IndexError(
            f"{op_name}(): Index is supposed to be a vector, but got dim: {index.ndim} with size: {list(index.shape)}"
        )
    positions = index._data.reshape(-1).astype(np.int64)
    if positions.size and (positions.min() < 0 or positions.max() >= size):
        bad = int(positions.min() if positions.min() < 0 else positions.max())
        raise IndexError(f"{op_name}(): index out of range in self: index {bad} for a dim of size {size}")
    return positions


@op(method=True)
def index_reduce(
    input: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True,
) -> Tensor:
    """``input`` with each slice ``source.select(dim, i)`` reduced into ``input.select(dim, index[i])``
    by ``reduce`` (``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``), repeated indices all counting;
    ``include_self=False`` leaves input's own values out of the slices written to. An integer
    ``"mean"`` rounds down. ``source`` has input's dtype and shape but ``len(index)`` along ``dim``."""
    op_name = "index_reduce"
    if reduce not in _INDEX_REDUCTIONS:
        raise RuntimeError(f"{op_name}(): Expected reduce to be one of prod, mean, amax or amin but got {reduce}.")
    x = _tensor(input, op_name)
    if not isinstance(source, Tensor):
        raise not_a_tensor_error(op_name, "source", source)
    if x.ndim == 0 and source.ndim == 0:  # one slice of one element: as 1-d tensors
        return reshape(index_reduce(reshape(x, (1,)), dim, index, reshape(source, (1,)), reduce, include_self=include_self), ())
    dim = normalize_dim(dim, x.ndim, op_name)
    if source.dtype != x.dtype:
        raise RuntimeError(
            f"{op_name}(): self ({x.dtype}) and source ({source.dtype}) must have the same scalar type; "
            f"convert one with .to(dtype)"
        )
    if source.ndim != x.ndim or any(a != b for d, (a, b) in enumerate(zip(x.shape, source.shape)) if d != dim):
        raise RuntimeError(
            f"{op_name}(): source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(x.shape)} source.shape = {list(source.shape)}"
        )
    positions = _checked_index(index, x.shape[dim], op_name)
    if positions.size != source.shape[dim]:
        raise RuntimeError(
            f"{op_name}(): Number of indices ({positions.size}) should be equal to source.size(dim): "
            f"({source.shape[dim]}), for dim: {dim}"
        )
    along = [1] * x.ndim
    along[dim] = positions.size
    spread = np.broadcast_to(positions.reshape(along), source.shape).copy()
    return scatter_reduce(x, dim, Tensor._make(spread), source, reduce, include_self=include_self)


@tensor_method()
def index_reduce_(
    self: Tensor, dim: int, index: Tensor, source: Tensor, reduce: str, *, include_self: bool = True,
) -> Tensor:
    """In-place ``index_reduce``: reduces ``source`` into this tensor."""
    return apply_inplace(
        self, "index_reduce_", lambda: index_reduce(self, dim, index, source, reduce, include_self=include_self)
    )
