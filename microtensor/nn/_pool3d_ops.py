"""Volumetric pooling: ``max_pool3d``, ``avg_pool3d``, ``adaptive_avg_pool3d``, ``adaptive_max_pool3d``.

A 3-D pooling window is a box ``depth window x (height x width) window``, and all four poolings
are separable over it: pooling the ``(H, W)`` windows of every depth slice with the 2-D op, then
the depth windows of the result with the 1-D op, gives the 3-D pooling.

* max: the max of a box is the max over its depth window of the slices' maxima. The 2-D op picks
  each slice's first maximum in row-major order, the 1-D op the first slice holding the overall
  maximum, which together is PyTorch's first maximum in ``(d, h, w)`` order (likewise the last
  NaN); ``return_indices`` combines the two ops' indices into ``d * H * W + h * W + w``.
* average: the box's divisor is the product of the three per-axis window lengths (with
  ``count_include_pad``: clipped to the padded input; without: to the input), so averaging the
  slices' averages is the box's average; ``divisor_override`` takes the 2-D sums (divisor 1)
  and scales the depth average by its window length over the override.
* adaptive: each axis's windows depend only on that axis (``[floor(o L / O), ceil((o + 1) L / O))``).

So the gradients, their tie-breaking and double backward (max pooling's derivative-0 link to its
input, ``ZeroDerivativeLink``) are the 2-D and 1-D ops'. Integer average pooling (no gradient)
sums the boxes directly and truncates towards zero, as PyTorch does.
"""
from __future__ import annotations

import itertools
from typing import Literal, Optional, Sequence, Tuple, Union, overload

import numpy as np

from .._tensor import Tensor
from .._typing import IntOrInts
from ._adaptive_pool_ops import (
    _check_adaptive_input, _check_floating, _output_size, adaptive_avg_pool1d, adaptive_avg_pool2d,
    adaptive_max_pool1d, adaptive_max_pool2d,
)
from ._avg_pool_ops import avg_pool1d, avg_pool2d
from ._max_pool_ops import max_pool1d, max_pool2d
from ._pool_windows import _check_tensor, _pooled_length, _window_arguments

__all__ = ["adaptive_avg_pool3d", "adaptive_max_pool3d", "avg_pool3d", "max_pool3d"]

OutputSize3d = Union[int, None, Sequence[Optional[int]]]


def _batched(input):
    """``input`` as ``(N, C, D, H, W)``, and how to undo it."""
    batched = input.ndim == 5
    return (input if batched else input.unsqueeze(0)), (lambda out: out if batched else out.squeeze(0))


def _separable(x, pool_planes, pool_depth, with_indices):
    """``pool_depth`` of ``pool_planes`` of every depth slice of ``x (N, C, D, H, W)``: the 3-D pooling
    ``(N, C, oD, oH, oW)``, with (``with_indices``) the flat index ``d * H * W + h * W + w`` of each pick."""
    n, channels, depth, height, width = x.shape
    planes = pool_planes(x.reshape(n, channels * depth, height, width))
    planes, plane_indices = planes if with_indices else (planes, None)
    out_h, out_w = planes.shape[-2:]
    columns = planes.reshape(n, channels, depth, out_h * out_w).permute(0, 1, 3, 2)
    pooled = pool_depth(columns.reshape(n, channels * out_h * out_w, depth))
    pooled, depth_indices = pooled if with_indices else (pooled, None)
    out_d = pooled.shape[-1]
    out = pooled.reshape(n, channels, out_h, out_w, out_d).permute(0, 1, 4, 2, 3)
    if not with_indices:
        return out
    chosen_depth = depth_indices.numpy().reshape(n, channels, out_h, out_w, out_d).transpose(0, 1, 4, 2, 3)
    in_plane = np.take_along_axis(plane_indices.numpy().reshape(n, channels, depth, out_h, out_w), chosen_depth,
                                  axis=2)
    return out, Tensor._make(chosen_depth * (height * width) + in_plane)


def _empty(x, sizes, with_indices):
    """The pooling of ``x`` to an output with no elements, as a function of ``x`` (so its gradient is zeros)."""
    out = x.reshape(-1)[:0].reshape(tuple(x.shape[:2]) + tuple(sizes))
    return (out, Tensor._make(np.zeros(out.shape, dtype=np.int64))) if with_indices else out


def _checked_windows(input, kernel_size, stride, padding, dilation, ceil_mode, op_name):
    _check_tensor(input, op_name)
    kernel, stride, padding, dilation = _window_arguments(tuple(input.shape), kernel_size, stride, padding, dilation,
                                                          op_name)
    size = tuple(input.shape[-3:])
    out = tuple(_pooled_length(*values, ceil_mode) for values in zip(size, kernel, stride, padding, dilation))
    if any(length <= 0 for length in out):
        channels = input.shape[-4]
        raise RuntimeError(
            f"{op_name}(): Given input size: ({'x'.join(str(v) for v in (channels,) + size)}). Calculated output "
            f"size: ({'x'.join(str(v) for v in (channels,) + out)}). Output size is too small"
        )
    return kernel, stride, padding, dilation


@overload
def max_pool3d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: Literal[False] = False,
) -> Tensor: ...
@overload
def max_pool3d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, *, return_indices: Literal[True],
) -> Tuple[Tensor, Tensor]: ...
@overload
def max_pool3d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]: ...
def max_pool3d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Max over ``kernel_size`` boxes of ``(N, C, D, H, W)`` or ``(C, D, H, W)``, ``stride`` apart (default:
    ``kernel_size``), with -inf ``padding`` (at most half the kernel) and ``dilation``. ``return_indices`` also
    gives each max's flat index ``d * H * W + h * W + w``. The gradient goes to the first max of each box."""
    kernel, stride, padding, dilation = _checked_windows(input, kernel_size, stride, padding, dilation, ceil_mode,
                                                         "max_pool3d")
    x, restore = _batched(input)
    result = _separable(
        x,
        lambda planes: max_pool2d(planes, kernel[1:], stride[1:], padding[1:], dilation[1:], ceil_mode,
                                  return_indices=return_indices),
        lambda columns: max_pool1d(columns, kernel[0], stride[0], padding[0], dilation[0], ceil_mode,
                                   return_indices=return_indices),
        return_indices)
    if return_indices:
        out, indices = result
        return restore(out), restore(indices)
    return restore(result)


def _window_lengths(length, kernel, stride, padding, out, count_include_pad):
    """Per output position along one axis: how many of its window's inputs the average divides by."""
    start = np.arange(out) * stride - padding
    end = np.minimum(start + kernel, length + padding)
    return end - start if count_include_pad else np.minimum(end, length) - np.maximum(start, 0)


def _integer_avg_pool3d(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    """Integer average pooling (not differentiable): each box's sum, divided with truncation towards zero."""
    size = x.shape[-3:]
    out = tuple(_pooled_length(*values, 1, ceil_mode) for values in zip(size, kernel, stride, padding))
    reach = tuple((o - 1) * s + k for o, s, k in zip(out, stride, kernel))
    widths = [(0, 0)] * (x.ndim - 3) + [(p, max(p, r - n - p)) for p, r, n in zip(padding, reach, size)]
    padded = np.pad(x.astype(np.int64), widths)
    total = np.zeros(x.shape[:-3] + out, dtype=np.int64)
    for offset in itertools.product(*map(range, kernel)):
        total += padded[(Ellipsis,) + tuple(slice(a, a + s * (o - 1) + 1, s)
                                            for a, s, o in zip(offset, stride, out))]
    if divisor_override is not None:
        divisor = np.int64(divisor_override)
    else:
        lengths = [_window_lengths(*values, count_include_pad) for values in zip(size, kernel, stride, padding, out)]
        divisor = lengths[0][:, None, None] * lengths[1][None, :, None] * lengths[2][None, None, :]
    return (np.sign(total) * (np.abs(total) // divisor)).astype(x.dtype)


def avg_pool3d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Optional[int] = None,
) -> Tensor:
    """Mean over ``kernel_size`` boxes of ``(N, C, D, H, W)`` or ``(C, D, H, W)``, ``stride`` apart (default:
    ``kernel_size``), with zero ``padding``; the divisor is PyTorch's (see the module docstring)."""
    kernel, stride, padding, _ = _checked_windows(input, kernel_size, stride, padding, 1, ceil_mode, "avg_pool3d")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool3d(): divisor must be not zero")
    if input.dtype.kind != "f":
        return Tensor._make(_integer_avg_pool3d(input.numpy(), kernel, stride, padding, ceil_mode,
                                                count_include_pad, divisor_override))
    x, restore = _batched(input)
    summed = divisor_override is not None  # the slices' sums, then the depth windows' sums
    out = _separable(
        x,
        lambda planes: avg_pool2d(planes, kernel[1:], stride[1:], padding[1:], ceil_mode, count_include_pad,
                                  1 if summed else None),
        lambda columns: avg_pool1d(columns, kernel[0], stride[0], padding[0], ceil_mode,
                                   True if summed else count_include_pad),
        False)
    if summed:
        depth_lengths = _window_lengths(x.shape[2], kernel[0], stride[0], padding[0], out.shape[2], True)
        scale = (depth_lengths / divisor_override).astype(x.dtype).reshape(-1, 1, 1)
        out = out * Tensor._make(scale)
    return restore(out)


def adaptive_avg_pool3d(input: Tensor, output_size: OutputSize3d) -> Tensor:
    """Average over PyTorch's adaptive windows so that ``(N, C, D, H, W)`` becomes ``(N, C, *output_size)``
    (``None`` keeps that dim); window ``i`` covers ``[floor(i D / out), ceil((i + 1) D / out))`` per axis."""
    _check_adaptive_input(input, 3, "adaptive_avg_pool3d")
    sizes = _output_size(output_size, input, "adaptive_avg_pool3d")
    _check_floating(input, "adaptive_avg_pool3d")
    x, restore = _batched(input)
    if 0 in sizes:
        return restore(_empty(x, sizes, False))
    return restore(_separable(x, lambda planes: adaptive_avg_pool2d(planes, sizes[1:]),
                              lambda columns: adaptive_avg_pool1d(columns, sizes[0]), False))


@overload
def adaptive_max_pool3d(
    input: Tensor, output_size: OutputSize3d, return_indices: Literal[False] = False,
) -> Tensor: ...
@overload
def adaptive_max_pool3d(input: Tensor, output_size: OutputSize3d, return_indices: Literal[True]) -> Tuple[Tensor, Tensor]: ...
@overload
def adaptive_max_pool3d(
    input: Tensor, output_size: OutputSize3d, return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]: ...
def adaptive_max_pool3d(
    input: Tensor, output_size: OutputSize3d, return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Max over PyTorch's adaptive windows (as ``adaptive_avg_pool3d``); ``return_indices`` also gives each
    max's flat index ``d * H * W + h * W + w``. The gradient goes to the first max of each window."""
    _check_adaptive_input(input, 3, "adaptive_max_pool3d")
    sizes = _output_size(output_size, input, "adaptive_max_pool3d")
    x, restore = _batched(input)
    if 0 in sizes:
        result = _empty(x, sizes, return_indices)
    else:
        result = _separable(x, lambda planes: adaptive_max_pool2d(planes, sizes[1:], return_indices),
                            lambda columns: adaptive_max_pool1d(columns, sizes[0], return_indices), return_indices)
    if return_indices:
        out, indices = result
        return restore(out), restore(indices)
    return restore(result)
