"""``Flatten`` merges dimensions ``start_dim..end_dim`` into one (the batch dim kept by default);
``Unflatten`` splits one dimension into several, its inverse."""
from __future__ import annotations

from typing import Sequence

from ..module import Module
from ..._tensor import Tensor


class Flatten(Module):
    """``Flatten(start_dim=1, end_dim=-1)``: ``(N, C, H, W) -> (N, C*H*W)`` by default."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """``Unflatten(dim, unflattened_size)``: dimension ``dim`` of size ``prod(unflattened_size)``
    becomes the dimensions ``unflattened_size`` (one entry may be ``-1``, inferred), e.g.
    ``Unflatten(1, (2, 5))``: ``(N, 10) -> (N, 2, 5)``. The result is a view when the input's
    layout allows it, as ``reshape``."""

    def __init__(self, dim: int, unflattened_size: Sequence[int]) -> None:
        super().__init__()
        _require_tuple_of_ints(unflattened_size)
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input: Tensor) -> Tensor:
        return input.unflatten(self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _require_tuple_of_ints(sizes):
    if not isinstance(sizes, (tuple, list)):
        raise TypeError(f"unflattened_size must be a tuple of ints, but found type {type(sizes).__name__}")
    for position, size in enumerate(sizes):
        if not isinstance(size, int) or isinstance(size, bool):
            raise TypeError(
                f"unflattened_size must be tuple of ints, but found element of type {type(size).__name__} "
                f"at pos {position}"
            )
