"""``Conv1d`` and ``Conv2d``: convolution layers with PyTorch's parameters, initialisation and options;
``ConvTranspose1d`` and ``ConvTranspose2d``: their transposes (learned upsampling)."""
from __future__ import annotations

import math
from typing import Optional, Union

from ... import _dtypes
from ...creation import empty
from .. import functional as F
from .. import init
from .._conv_geometry import same_padding
from ..module import Module
from ..parameter import Parameter
from ..._tensor import Tensor
from ..._typing import DeviceLike, DTypeLike, IntOrInts

PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, count, name, layer):
    if isinstance(value, (tuple, list)):
        if len(value) != count:
            raise ValueError(f"{layer}: {name} must be an int or a tuple of {count} ints, got {value!r}")
        values = tuple(value)
    else:
        values = (value,) * count
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"{layer}: {name} must be an int or a tuple of {count} ints, got {value!r}")
    return values


class _ConvNd(Module):
    """What ``Conv1d`` and ``Conv2d`` share: argument checks, parameters, init, repr, forward."""

    _dims = None  # number of spatial dims
    _transposed = False  # ConvTranspose: weight (in, out / groups, *kernel)

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: IntOrInts, stride: IntOrInts = 1,
        padding: Union[IntOrInts, str] = 0, dilation: IntOrInts = 1, groups: int = 1, bias: bool = True,
        padding_mode: str = "zeros", device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__()
        layer, dims = type(self).__name__, self._dims
        for name, value in (("in_channels", in_channels), ("out_channels", out_channels)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{layer}: {name} must be a non-negative int, got {value!r}")
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
            raise ValueError(f"{layer}: groups must be a positive integer, got {groups!r}")
        if in_channels % groups:
            raise ValueError(f"{layer}: in_channels must be divisible by groups (in_channels={in_channels}, "
                             f"groups={groups})")
        if out_channels % groups:
            raise ValueError(f"{layer}: out_channels must be divisible by groups (out_channels={out_channels}, "
                             f"groups={groups})")
        if padding_mode not in PADDING_MODES:
            raise ValueError(f"{layer}: padding_mode must be one of {{'zeros', 'reflect', 'replicate', 'circular'}}, "
                             f"but got padding_mode={padding_mode!r}")
        kernel_size = _ntuple(kernel_size, dims, "kernel_size", layer)
        stride = _ntuple(stride, dims, "stride", layer)
        dilation = _ntuple(dilation, dims, "dilation", layer)
        if isinstance(padding, str):
            if padding not in ("valid", "same"):
                raise ValueError(f"{layer}: Invalid padding string {padding!r}, should be one of {{'valid', 'same'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError(f"{layer}: padding='same' is not supported for strided convolutions (stride={stride})")
        else:
            padding = _ntuple(padding, dims, "padding", layer)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size, self.stride, self.padding, self.dilation = kernel_size, stride, padding, dilation
        self.transposed = self._transposed
        self.output_padding = (0,) * dims
        self.groups = groups
        self.padding_mode = padding_mode
        self._reversed_padding_repeated_twice = self._padding_for_pad(padding, kernel_size, dilation)
        dtype = _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)
        weight_shape = (in_channels, out_channels // groups) if self._transposed else (out_channels, in_channels // groups)
        self.weight = Parameter(empty(*weight_shape, *kernel_size, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    @staticmethod
    def _padding_for_pad(padding, kernel_size, dilation):
        """The padding as ``F.pad`` wants it (last dim first, left then right), for the non-zero padding modes."""
        if padding == "valid":
            pairs = ((0, 0),) * len(kernel_size)
        elif padding == "same":
            pairs = same_padding(kernel_size, dilation)
        else:
            pairs = tuple((p, p) for p in padding)
        return tuple(amount for pair in reversed(pairs) for amount in pair)

    def reset_parameters(self):
        """PyTorch's default: weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
        and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * prod(kernel_size)."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in = self.weight.shape[1] * math.prod(self.kernel_size)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def _conv(self, input, padding):
        raise NotImplementedError

    def forward(self, input: Tensor) -> Tensor:
        if self.padding_mode != "zeros":
            padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._conv(padded, 0)
        return self._conv(input, self.padding)

    def extra_repr(self):
        text = f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}"
        if isinstance(self.padding, str) or self.padding != (0,) * len(self.padding):
            text += f", padding={self.padding}"
        if self.output_padding != (0,) * len(self.output_padding):
            text += f", output_padding={self.output_padding}"
        if self.dilation != (1,) * len(self.dilation):
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text


class Conv2d(_ConvNd):
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros')``: ``(N, C_in, H, W) -> (N, C_out, H_out, W_out)`` (see ``F.conv2d``).

    ``weight`` is ``(out_channels, in_channels / groups, kH, kW)``, ``bias`` ``(out_channels,)``;
    ``padding`` is an int, a pair, 'valid' or 'same'; ``padding_mode`` 'reflect', 'replicate' or
    'circular' pads with ``F.pad`` first.
    """

    _dims = 2

    def _conv(self, input, padding):
        return F.conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class Conv1d(_ConvNd):
    """``Conv1d(in_channels, out_channels, kernel_size, ...)``: ``(N, C_in, L) -> (N, C_out, L_out)``, with the
    options of ``Conv2d`` (see ``F.conv1d``); ``weight`` is ``(out_channels, in_channels / groups, k)``."""

    _dims = 1

    def _conv(self, input, padding):
        return F.conv1d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class _ConvTransposeNd(_ConvNd):
    """What ``ConvTranspose1d`` and ``ConvTranspose2d`` share: ``output_padding``, integer padding only,
    zero padding mode, and ``forward(input, output_size=None)``."""

    _transposed = True

    def __init__(
        self, in_channels: int, out_channels: int, kernel_size: IntOrInts, stride: IntOrInts = 1,
        padding: IntOrInts = 0, output_padding: IntOrInts = 0, groups: int = 1, bias: bool = True,
        dilation: IntOrInts = 1, padding_mode: str = "zeros", device: Optional[DeviceLike] = None,
        dtype: Optional[DTypeLike] = None,
    ) -> None:
        layer = type(self).__name__
        if padding_mode != "zeros":
            raise ValueError(f'Only "zeros" padding mode is supported for {layer}, got padding_mode={padding_mode!r}')
        if isinstance(padding, str):
            raise ValueError(f"{layer}: padding must be an int or a tuple of ints, got {padding!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode,
                         device, dtype)
        self.output_padding = _ntuple(output_padding, self._dims, "output_padding", layer)

    def _output_padding(self, input, output_size):
        """PyTorch's ``output_size=``: the output padding that makes the output that size."""
        if output_size is None:
            return self.output_padding
        dims = self._dims
        wanted = tuple(output_size)[-dims:]
        spatial = tuple(input.shape[-dims:])
        smallest = tuple((n - 1) * s - 2 * p + d * (k - 1) + 1 for n, s, p, d, k in
                         zip(spatial, self.stride, self.padding, self.dilation, self.kernel_size))
        extra = tuple(w - m for w, m in zip(wanted, smallest))
        if len(wanted) != dims or any(not 0 <= e < s for e, s in zip(extra, self.stride)):
            raise ValueError(
                f"requested an output size of {list(output_size)}, but valid sizes range from {list(smallest)} to "
                f"{[m + s - 1 for m, s in zip(smallest, self.stride)]} (for an input of {list(input.shape[-dims:])})"
            )
        return extra

    def forward(self, input: Tensor, output_size=None) -> Tensor:
        return self._conv_transpose(input, self._output_padding(input, output_size))


class ConvTranspose2d(_ConvTransposeNd):
    """``ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
    bias=True, dilation=1)``: ``(N, C_in, H, W) -> (N, C_out, (H - 1) stride - 2 padding + dilation (kH - 1) +
    output_padding + 1, ...)`` (see ``F.conv_transpose2d``); ``weight`` is ``(in_channels, out_channels / groups,
    kH, kW)``. ``kernel_size=2, stride=2`` doubles the height and width (U-Net, GAN generators)."""

    _dims = 2

    def _conv_transpose(self, input, output_padding):
        return F.conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)


class ConvTranspose1d(_ConvTransposeNd):
    """``ConvTranspose1d(in_channels, out_channels, kernel_size, ...)``: ``(N, C_in, L) -> (N, C_out, L_out)`` with
    the options of ``ConvTranspose2d``; ``weight`` is ``(in_channels, out_channels / groups, k)``."""

    _dims = 1

    def _conv_transpose(self, input, output_padding):
        return F.conv_transpose1d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)
