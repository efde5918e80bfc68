"""``Conv3d`` and ``ConvTranspose3d``: the volumetric convolution layers (``F.conv3d``, ``F.conv_transpose3d``),
with the parameters, initialisation and options of their 1-D and 2-D siblings in ``conv.py``."""
from __future__ import annotations

from .. import functional as F
from .conv import _ConvNd, _ConvTransposeNd


class Conv3d(_ConvNd):
    """``Conv3d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
    padding_mode='zeros')``: ``(N, C_in, D, H, W) -> (N, C_out, D_out, H_out, W_out)`` (see ``F.conv3d``).

    ``weight`` is ``(out_channels, in_channels / groups, kD, kH, kW)``, ``bias`` ``(out_channels,)``;
    ``padding`` is an int, a triple, 'valid' or 'same'; ``padding_mode`` 'reflect', 'replicate' or
    'circular' pads with ``F.pad`` first.
    """

    _dims = 3

    def _conv(self, input, padding):
        return F.conv3d(input, self.weight, self.bias, self.stride, padding, self.dilation, self.groups)


class ConvTranspose3d(_ConvTransposeNd):
    """``ConvTranspose3d(in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1,
    bias=True, dilation=1)``: ``(N, C_in, D, H, W) -> (N, C_out, (D - 1) stride - 2 padding + dilation (kD - 1) +
    output_padding + 1, ...)`` (see ``F.conv_transpose3d``); ``weight`` is ``(in_channels, out_channels / groups,
    kD, kH, kW)``."""

    _dims = 3

    def _conv_transpose(self, input, output_padding):
        return F.conv_transpose3d(input, self.weight, self.bias, self.stride, self.padding, output_padding,
                                  self.groups, self.dilation)
