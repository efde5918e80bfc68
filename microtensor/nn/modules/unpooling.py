"""``MaxUnpool1d`` / ``MaxUnpool2d``: the partial inverse of max pooling (see ``F.max_unpool2d``)."""
from __future__ import annotations

from typing import Optional, Sequence

from ..._tensor import Tensor
from ..._typing import IntOrInts
from .. import functional as F
from ..module import Module


def _tuple(value, count):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * count


class _MaxUnpoolNd(Module):
    _dims = 2

    def __init__(self, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0) -> None:
        super().__init__()
        self.kernel_size = _tuple(kernel_size, self._dims)
        self.stride = _tuple(stride if stride is not None else kernel_size, self._dims)
        self.padding = _tuple(padding, self._dims)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(_MaxUnpoolNd):
    """``MaxUnpool2d(kernel_size, stride=None, padding=0)``: each value back at the position its
    ``MaxPool2d(..., return_indices=True)`` took it from, zeros elsewhere."""

    def forward(self, input: Tensor, indices: Tensor, output_size: Optional[Sequence[int]] = None) -> Tensor:
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)


class MaxUnpool1d(_MaxUnpoolNd):
    """``MaxUnpool1d(kernel_size, stride=None, padding=0)``: ``MaxUnpool2d`` along the last dim."""

    _dims = 1

    def forward(self, input: Tensor, indices: Tensor, output_size: Optional[Sequence[int]] = None) -> Tensor:
        return F.max_unpool1d(input, indices, self.kernel_size, self.stride, self.padding, output_size)
