"""Pooling layers: ``MaxPool1d/2d``, ``AvgPool1d/2d``, ``AdaptiveAvgPool1d/2d``, ``AdaptiveMaxPool1d/2d``.

They hold their options (PyTorch's attribute names) and call ``F.max_pool2d`` and friends;
they have no parameters.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

from .. import functional as F
from ..module import Module
from ..._tensor import Tensor
from ..._typing import IntOrInts


def _single(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class _MaxPoolNd(Module):
    def __init__(
        self, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
        dilation: IntOrInts = 1, return_indices: bool = False, ceil_mode: bool = False,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"dilation={self.dilation}, ceil_mode={self.ceil_mode}")


class MaxPool2d(_MaxPoolNd):
    """``MaxPool2d(kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False)``:
    the max of each window (``stride`` defaults to ``kernel_size``); see ``F.max_pool2d``."""

    def forward(self, input: Tensor) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool1d(_MaxPoolNd):
    """``MaxPool1d(kernel_size, ...)``: ``MaxPool2d`` along the last dim of ``(N, C, L)``."""

    def forward(self, input: Tensor) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class _AvgPoolWithDivisor(Module):
    """The options of ``AvgPool2d`` and ``AvgPool3d``; ``_average`` is their ``F.avg_pool2d`` or ``F.avg_pool3d``."""

    _average = None

    def __init__(
        self, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
        ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Optional[int] = None,
    ) -> None:
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input: Tensor) -> Tensor:
        return self._average(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                             self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolWithDivisor):
    """``AvgPool2d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True,
    divisor_override=None)``: the mean of each window; see ``F.avg_pool2d``."""

    _average = staticmethod(F.avg_pool2d)


class AvgPool1d(Module):
    """``AvgPool1d(kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True)``:
    ``AvgPool2d`` along the last dim of ``(N, C, L)``."""

    def __init__(
        self, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
        ceil_mode: bool = False, count_include_pad: bool = True,
    ) -> None:
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input: Tensor) -> Tensor:
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class _AdaptivePool(Module):
    def __init__(self, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: bool = False) -> None:
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveAvgPool2d(_AdaptivePool):
    """``AdaptiveAvgPool2d(output_size)``: averages over windows chosen so the output is ``output_size``
    (an int, or a pair where ``None`` keeps the input's size); ``AdaptiveAvgPool2d(1)`` is a global
    average. See ``F.adaptive_avg_pool2d``."""

    def __init__(self, output_size: Union[int, None, Sequence[Optional[int]]]) -> None:
        super().__init__(output_size)

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveAvgPool1d(_AdaptivePool):
    """``AdaptiveAvgPool1d(output_size)``: ``AdaptiveAvgPool2d`` along the last dim of ``(N, C, L)``."""

    def __init__(self, output_size: Union[int, None, Sequence[Optional[int]]]) -> None:
        super().__init__(output_size)

    def forward(self, input: Tensor) -> Tensor:
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptivePool):
    """``AdaptiveMaxPool2d(output_size, return_indices=False)``: the max over the adaptive windows."""

    def forward(self, input: Tensor) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool1d(_AdaptivePool):
    """``AdaptiveMaxPool1d(output_size, return_indices=False)``: ``AdaptiveMaxPool2d`` along the last dim."""

    def forward(self, input: Tensor) -> Union[Tensor, Tuple[Tensor, Tensor]]:
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)
