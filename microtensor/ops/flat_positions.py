"""``put`` (and ``Tensor.put_``): write ``source`` at positions of the flattened ``input``, the
writing counterpart of ``take``. It is an ``index_put`` into ``input.reshape(-1)``, so its gradient
is that one's: to ``input`` the output's gradient with the written positions zeroed (all of it with
``accumulate=True``), to ``source`` the gradient at those positions."""
from __future__ import annotations

import numpy as np

from ..autograd.inplace import apply_inplace
from .._registry import op, tensor_method
from .._tensor import Tensor
from .indexing import index_put
from .movement import reshape
from ._util import not_a_tensor_error, tensor_argument as _tensor


def _flat_positions(index, numel, op_name):
    if not isinstance(index, Tensor):
        raise not_a_tensor_error(op_name, "index", index)
    if index.dtype != np.int64:
        raise RuntimeError(f"{op_name}(): Expected a long tensor for index, but got {index.dtype}; use index.long()")
    positions = index._data.reshape(-1)
    if positions.size and (positions.min() < -numel or positions.max() >= numel):
        bad = int(positions.min() if positions.min() < -numel else positions.max())
        raise IndexError(f"{op_name}(): out of range: tried to access index {bad} on a tensor of {numel} elements.")
    return np.where(positions < 0, positions + numel, positions)


@op(method=True)
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """A copy of ``input`` with ``source``'s elements written at the flat (row-major) positions in
    ``index`` (int64, any shape, negative counting from the end); ``source`` has input's dtype and as
    many elements as ``index``. ``accumulate=True`` adds them instead, repeated positions adding up."""
    op_name = "put"
    x = _tensor(input, op_name)
    if not isinstance(source, Tensor):
        raise not_a_tensor_error(op_name, "source", source)
    positions = _flat_positions(index, x.numel(), op_name)
    if source.dtype != x.dtype:
        raise RuntimeError(
            f"{op_name}(): self and source expected to have the same dtype, but got self.dtype = {x.dtype} and "
            f"source.dtype = {source.dtype}"
        )
    if source.numel() != positions.size:
        raise IndexError(
            f"{op_name}(): Expected source and index to have the same number of elements, but got "
            f"source.numel() = {source.numel()}, index.numel() = {positions.size}"
        )
    flat = index_put(reshape(x, (-1,)), (Tensor._make(positions),), reshape(source, (-1,)), bool(accumulate))
    return reshape(flat, x.shape)


@tensor_method()
def put_(self: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """In-place ``put``: writes (``accumulate``: adds) ``source`` at the flat positions ``index`` of this tensor."""
    return apply_inplace(self, "put_", lambda: put(self, index, source, accumulate))
