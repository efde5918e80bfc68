"""``F.conv3d`` and ``F.conv_transpose3d``: volumetric convolutions, built on the 2-D ones.

A 3-D cross-correlation of ``x (N, C, D, H, W)`` with ``w (O, C/g, kD, kH, kW)`` is a sum over
the ``kD`` depth offsets ``a`` of 2-D convolutions::

    y[n, :, t] = sum_a conv2d(xp[n, :, t sD + a dD], w[:, :, a])      (xp: x zero-padded in depth)

All ``kD`` of them are one ``conv2d``: the depth slices each output depth ``t`` reads are stacked
into channels ordered ``(group, a, c)`` and the output depths folded into the batch, so
``conv2d`` of ``(N oD, kD C, H, W)`` with the weight as ``(O, kD C/g, kH, kW)`` (groups kept)
gives ``(N oD, O, oH, oW)``; H and W keep their own stride, padding and dilation.

A transposed 3-D convolution is the mirror image: ``conv_transpose2d`` of every input depth
slice with the weight as ``(C_in, kD C_out/g, kH, kW)`` gives, per depth offset ``a``, the
contribution of input depth ``t`` to output depth ``t sD - pD + a dD``; those are spread out
``sD`` apart (zeros between), shifted by ``a dD`` and added, then the depth padding is cropped
(``output_padding`` extra depths at the end get only the bias).

Both are compositions of differentiable ops (slices, stacks, reshapes, ``F.pad`` and the 2-D
convolutions), so gradients and higher derivatives come from theirs.
"""
from __future__ import annotations

from typing import Optional, Union

from .._tensor import Tensor
from .._typing import IntOrInts
from ..ops.joining import stack
from ._conv_geometry import _check_tensors, _checked_arguments
from ._conv_ops import conv2d
from ._conv_transpose_ops import _transposed_arguments, conv_transpose2d
from ._pad_op import pad

__all__ = ["conv3d", "conv_transpose3d"]


def conv3d(
    input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrInts = 1,
    padding: Union[IntOrInts, str] = 0, dilation: IntOrInts = 1, groups: int = 1,
) -> Tensor:
    """3-D cross-correlation of ``input (N, C, D, H, W)`` or ``(C, D, H, W)`` with ``weight
    (O, C/groups, kD, kH, kW)``; the options of ``conv2d`` with three values each.

    ``padding``: an int, a triple, 'valid' (none) or 'same' (output as large as the input; stride 1 only).
    The output is ``(N, O, D_out, H_out, W_out)``, ``D_out = (D + 2 pad - dilation (kD - 1) - 1) // stride + 1``.
    """
    _check_tensors(input, weight, bias, "conv3d")
    (stride_d, *stride_hw), (dilation_d, *dilation_hw), pads, groups, kernel = _checked_arguments(
        tuple(input.shape), tuple(weight.shape), None if bias is None else tuple(bias.shape), stride, padding,
        dilation, groups, 3, "conv3d")
    batched = input.ndim == 5
    x = input if batched else input.unsqueeze(0)
    (front, back), pads_h, pads_w = pads
    if front or back:
        x = pad(x, (0, 0, 0, 0, front, back))
    n, channels, depth, height, width = x.shape
    out_channels, kernel_d = weight.shape[0], kernel[0]
    out_depth = (depth - dilation_d * (kernel_d - 1) - 1) // stride_d + 1
    reach = stride_d * (out_depth - 1) + 1
    slices = [x[:, :, a * dilation_d:a * dilation_d + reach:stride_d] for a in range(kernel_d)]
    stacked = stack(slices, dim=2)  # (N, C, kD, oD, H, W)
    stacked = stacked.reshape(n, groups, channels // groups, kernel_d, out_depth, height, width)
    planes = stacked.permute(0, 4, 1, 3, 2, 5, 6).reshape(n * out_depth, kernel_d * channels, height, width)
    weight_2d = weight.permute(0, 2, 1, 3, 4).reshape(out_channels, -1, kernel[1], kernel[2])
    padding_hw = "same" if padding == "same" else (pads_h[0], pads_w[0])
    out = conv2d(planes, weight_2d, bias, tuple(stride_hw), padding_hw, tuple(dilation_hw), groups)
    out = out.reshape((n, out_depth) + tuple(out.shape[1:])).permute(0, 2, 1, 3, 4)
    return out if batched else out.squeeze(0)


def conv_transpose3d(
    input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrInts = 1, padding: IntOrInts = 0,
    output_padding: IntOrInts = 0, groups: int = 1, dilation: IntOrInts = 1,
) -> Tensor:
    """Transposed 3-D convolution of ``input (N, C_in, D, H, W)`` (or unbatched) with ``weight
    (C_in, C_out / groups, kD, kH, kW)``: ``(N, C_out, (D - 1) stride - 2 padding + dilation (kD - 1) +
    output_padding + 1, ...)`` (H, W alike); see the module docstring."""
    out_channels, stride, padding, dilation, output_padding, out_size = _transposed_arguments(
        input, weight, bias, stride, padding, output_padding, groups, dilation, 3, "conv_transpose3d")
    batched = input.ndim == 5
    x = input if batched else input.unsqueeze(0)
    n, in_channels, depth, height, width = x.shape
    kernel_d, kernel_h, kernel_w = weight.shape[2:]
    per_group = out_channels // groups
    planes = x.permute(0, 2, 1, 3, 4).reshape(n * depth, in_channels, height, width)
    weight_2d = weight.permute(0, 2, 1, 3, 4).reshape(in_channels, kernel_d * per_group, kernel_h, kernel_w)
    spread = conv_transpose2d(planes, weight_2d, None, stride[1:], padding[1:], output_padding[1:], groups,
                              dilation[1:])
    out_h, out_w = spread.shape[2:]
    # (N, kD, C_out, oH, oW, D): each depth offset's contributions, input depth last
    spread = spread.reshape(n, depth, groups, kernel_d, per_group, out_h, out_w).permute(0, 3, 2, 4, 5, 6, 1)
    spread = spread.reshape(n, kernel_d, out_channels, out_h, out_w, depth)
    stride_d, padding_d, dilation_d = stride[0], padding[0], dilation[0]
    if stride_d > 1:  # input depth t lands at t * stride: zeros between
        zeros = spread.new_zeros(spread.shape)
        spread = stack([spread] + [zeros] * (stride_d - 1), dim=-1).reshape(spread.shape[:-1] + (-1,))
        spread = spread[..., :(depth - 1) * stride_d + 1]
    total = None
    for a in range(kernel_d):
        shifted = pad(spread[:, a], (a * dilation_d, dilation_d * (kernel_d - 1 - a) + output_padding[0]))
        total = shifted if total is None else total + shifted
    assert total is not None
    out = total[..., padding_d:padding_d + out_size[0]].permute(0, 1, 4, 2, 3)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1, 1)
    return out if batched else out.squeeze(0)
