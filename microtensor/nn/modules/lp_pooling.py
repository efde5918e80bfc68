"""``LPPool1d`` / ``LPPool2d``: power-average pooling ``(sum of x^p over each window)^(1/p)``."""
from __future__ import annotations

from typing import Optional

from ..._tensor import Tensor
from ..._typing import IntOrInts
from .. import functional as F
from ..module import Module


class _LPPoolNd(Module):
    def __init__(
        self, norm_type: float, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"ceil_mode={self.ceil_mode}")


class LPPool2d(_LPPoolNd):
    """``LPPool2d(norm_type, kernel_size, stride=None, ceil_mode=False)``; see ``F.lp_pool2d``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool2d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)


class LPPool1d(_LPPoolNd):
    """``LPPool1d(norm_type, kernel_size, stride=None, ceil_mode=False)``; see ``F.lp_pool1d``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.lp_pool1d(input, self.norm_type, self.kernel_size, self.stride, self.ceil_mode)
