"""Volumetric pooling layers: ``MaxPool3d``, ``AvgPool3d``, ``AdaptiveAvgPool3d``, ``AdaptiveMaxPool3d``.

Like their 1-D and 2-D siblings in ``pooling.py`` they hold their options (PyTorch's attribute
names) and call ``F.max_pool3d`` and friends; they have no parameters.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

from .. import functional as F
from ..._tensor import Tensor
from .pooling import _AdaptivePool, _AvgPoolWithDivisor, _MaxPoolNd


class MaxPool3d(_MaxPoolNd):
    """``MaxPool3d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)``:
    the max of each box of ``(N, C, D, H, W)`` (``stride`` defaults to ``kernel_size``); see ``F.max_pool3d``."""

    def forward(self, input: Tensor) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(_AvgPoolWithDivisor):
    """``AvgPool3d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None)``: the mean of each box of ``(N, C, D, H, W)``; see ``F.avg_pool3d``."""

    _average = staticmethod(F.avg_pool3d)


class AdaptiveAvgPool3d(_AdaptivePool):
    """``AdaptiveAvgPool3d(output_size)``: averages over windows chosen so the output is ``output_size``
    (an int, or a triple where ``None`` keeps the input's size); see ``F.adaptive_avg_pool3d``."""

    def __init__(self, output_size: Union[int, None, Sequence[Optional[int]]]) -> None:
        super().__init__(output_size)

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool3d(_AdaptivePool):
    """``AdaptiveMaxPool3d(output_size, return_indices=False)``: the max over the adaptive windows."""

    def forward(self, input: Tensor) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)
