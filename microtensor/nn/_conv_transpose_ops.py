"""``F.conv_transpose1d`` and ``F.conv_transpose2d``: the transposed ("fractionally strided") convolution.

A transposed convolution is the gradient of a convolution with respect to its input. With stride
``s``, padding ``p``, dilation ``d``, output padding ``op``, ``g`` groups, an input ``x (N, C_in, H, W)``
and a weight ``w (C_in, C_out / g, kH, kW)``::

    y = conv_input_grad(x, w)  for the convolution  (N, C_out, H_out, W_out) -> (N, C_in, H, W)
    H_out = (H - 1) s - 2 p + d (kH - 1) + op + 1                       (W_out alike)

that is, every input pixel scatters ``x[n, c, i, j] * w[c, :, :, :]`` into the output at
``(i s - p + a d, j s - p + b d)``, the contributions adding up; ``op`` extra rows/columns at the
bottom/right are reached by no input pixel (only the bias). It is computed by ``ConvInputGrad``
(``_conv_ops.py``: dcols = x W, then col2im), whose derivatives are a convolution and a weight
gradient, so backward and double backward come with it.
"""
from __future__ import annotations

from typing import Optional

from .._tensor import Tensor
from .._typing import IntOrInts
from ._conv_geometry import ConvGeometry, _check_kernel_fits, _check_tensors, _tuple
from ._conv_ops import ConvInputGrad

__all__ = ["conv_transpose1d", "conv_transpose2d"]


def _check_transposed(input, weight, bias, groups, dims, op_name):
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {op_name}, but got "
                           f"input of size: {list(input.shape)}")
    if weight.ndim != dims + 2:
        raise RuntimeError(f"{op_name}(): expected a {dims + 2}-dimensional weight (in_channels, out_channels / "
                           f"groups, *kernel), but got weight of size {list(weight.shape)}")
    if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0:
        raise RuntimeError(f"{op_name}(): non-positive groups is not supported, got groups={groups!r}")
    channels = input.shape[1 if input.ndim == dims + 2 else 0]
    if channels != weight.shape[0] or weight.shape[0] % groups:
        raise RuntimeError(
            f"{op_name}(): Given transposed=1, weight of size {list(weight.shape)}, expected input "
            f"{list(input.shape)} to have {weight.shape[0]} channels (dim 0 of the weight, divisible by "
            f"groups={groups}), but got {channels} channels instead"
        )
    out_channels = weight.shape[1] * groups
    if bias is not None and tuple(bias.shape) != (out_channels,):
        raise RuntimeError(f"{op_name}(): expected bias of shape [{out_channels}] (out_channels), got "
                           f"{list(bias.shape)}")
    return out_channels


def _transposed_arguments(input, weight, bias, stride, padding, output_padding, groups, dilation, dims, op_name):
    """``(out_channels, stride, padding, dilation, output_padding, out_size)`` of a ``dims``-D transposed
    convolution, checked as in PyTorch (per dim tuples; ``out_size`` the output's spatial size)."""
    _check_tensors(input, weight, bias, op_name)
    out_channels = _check_transposed(input, weight, bias, groups, dims, op_name)
    if isinstance(padding, str):
        raise RuntimeError(f"{op_name}(): padding must be an int or a tuple of ints, got {padding!r} (a transposed "
                           f"convolution has no 'same' or 'valid')")
    stride, padding, dilation, output_padding = (
        _tuple(value, dims, name, op_name) for value, name in
        ((stride, "stride"), (padding, "padding"), (dilation, "dilation"), (output_padding, "output_padding")))
    if any(s <= 0 for s in stride) or any(d <= 0 for d in dilation) or any(p < 0 for p in padding):
        raise RuntimeError(f"{op_name}(): stride and dilation must be positive and padding non-negative, got "
                           f"stride={stride}, dilation={dilation}, padding={padding}")
    if any(not 0 <= o < s for o, s in zip(output_padding, stride)):
        raise RuntimeError(f"{op_name}(): output padding must be non-negative and smaller than the stride, got "
                           f"output_padding={output_padding}, stride={stride}")
    kernel = tuple(weight.shape[2:])
    spatial = tuple(input.shape[-dims:])
    out_size = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1
                     for n, s, p, d, k, o in zip(spatial, stride, padding, dilation, kernel, output_padding))
    if any(size <= 0 for size in out_size):
        raise RuntimeError(f"{op_name}(): the output size {out_size} of input {list(input.shape)} is too small "
                           f"(stride={stride}, padding={padding}, kernel={kernel}); reduce the padding")
    _check_kernel_fits(out_size, kernel, [(p, p) for p in padding], dilation, op_name)
    return out_channels, stride, padding, dilation, output_padding, out_size


def _transposed_convolution(input, weight, bias, stride, padding, output_padding, groups, dilation, dims, op_name):
    out_channels, stride, padding, dilation, output_padding, out_size = _transposed_arguments(
        input, weight, bias, stride, padding, output_padding, groups, dilation, dims, op_name)
    batched = input.ndim == dims + 2
    x = input if batched else input.unsqueeze(0)
    kernel = tuple(weight.shape[2:])
    if dims == 1:  # a height-1 image
        x, weight = x.unsqueeze(2), weight.unsqueeze(2)
        stride, dilation, padding, kernel, out_size = ((1,) + stride, (1,) + dilation, (0,) + padding, (1,) + kernel,
                                                       (1,) + out_size)
    geometry = ConvGeometry(stride, dilation, tuple((p, p) for p in padding), groups, kernel, out_channels, out_size)
    out = ConvInputGrad.apply(x, weight, (x.shape[0], out_channels) + out_size, geometry)
    if bias is not None:
        out = out + bias.reshape(1, -1, 1, 1)
    if dims == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def conv_transpose2d(
    input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrInts = 1, padding: IntOrInts = 0,
    output_padding: IntOrInts = 0, groups: int = 1, dilation: IntOrInts = 1,
) -> Tensor:
    """Transposed 2-D convolution of ``input (N, C_in, H, W)`` (or unbatched) with ``weight
    (C_in, C_out / groups, kH, kW)``: ``(N, C_out, (H - 1) stride - 2 padding + dilation (kH - 1) +
    output_padding + 1, ...)``. Upsamples by ``stride``; see the module docstring."""
    return _transposed_convolution(input, weight, bias, stride, padding, output_padding, groups, dilation, 2,
                                   "conv_transpose2d")


def conv_transpose1d(
    input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrInts = 1, padding: IntOrInts = 0,
    output_padding: IntOrInts = 0, groups: int = 1, dilation: IntOrInts = 1,
) -> Tensor:
    """Transposed 1-D convolution of ``input (N, C_in, L)`` (or unbatched) with ``weight (C_in, C_out / groups, k)``."""
    return _transposed_convolution(input, weight, bias, stride, padding, output_padding, groups, dilation, 1,
                                   "conv_transpose1d")
