"""Max unpooling (``F.max_unpool1d/2d``), the partial inverse of max pooling, and
``F.max_pool1d/2d_with_indices``.

``y[n, c].flat[idx[n, c, i]] = x[n, c, i]`` into zeros of the output plane size: each value goes
back to the position its max pooling took it from (``idx`` as ``return_indices=True`` gives it,
``h * W + w`` within the plane); every other output is 0. dL/dx gathers, as in PyTorch:
``gx[n, c, i] = gy[n, c].flat[idx[n, c, i]]`` (so an index used twice, as overlapping windows give,
sends the same gradient to both inputs). Its own derivative scatters: double backward works.
1-D unpooling is 2-D unpooling of a width-1 image.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple

import numpy as np

from .._tensor import Tensor
from .._typing import IntOrInts
from ..autograd.function import Function
from ._max_pool_ops import PlaneGather, max_pool1d, max_pool2d
from ._pool_windows import _check_tensor, _pair_argument

__all__ = ["max_unpool1d", "max_unpool2d", "max_pool1d_with_indices", "max_pool2d_with_indices"]


class MaxUnpool2d(Function):
    """``y[..].flat[idx[.., i]] = x[.., i]`` into zeros of ``(.., oH, oW)``; dL/dx = gy[..].flat[idx]."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, indices, output_size):
        ctx.indices = indices
        planes = int(np.prod(x.shape[:-2], dtype=np.int64))
        out = np.zeros((planes, output_size[0] * output_size[1]), dtype=x.dtype)
        rows = np.arange(planes).reshape(-1, 1)
        out[rows, indices.reshape(planes, -1)] = x.reshape(planes, -1)
        return out.reshape(x.shape[:-2] + tuple(output_size))

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            planes = grad.reshape(grad.shape[:-2] + (-1,))
            flat = ctx.indices.reshape(ctx.indices.shape[:-2] + (-1,))
            return np.take_along_axis(planes, flat, axis=-1).reshape(ctx.indices.shape), None, None
        return PlaneGather.apply(grad, ctx.indices), None, None


def _output_size(input_size, kernel, stride, padding, output_size, op_name):
    """PyTorch's ``_unpool_output_size``: ``(in - 1) * stride + kernel - 2 * padding`` unless given
    (then within one stride of that)."""
    default = [(n - 1) * s + k - 2 * p for n, k, s, p in zip(input_size, kernel, stride, padding)]
    if output_size is None:
        size = default
    else:
        size = [int(v) for v in output_size]
        if len(size) == len(kernel) + 2:
            size = size[2:]
        if len(size) != len(kernel):
            raise ValueError(
                f"output_size should be a sequence containing {len(kernel)} or {len(kernel) + 2} elements, but it "
                f"has a length of '{len(size)}'")
        for d, (wanted, base, s) in enumerate(zip(size, default, stride)):
            if not base - s < wanted < base + s:
                raise ValueError(
                    f'invalid output_size "{tuple(output_size)}" (dim {d} must be between {base - s} and {base + s})')
    if any(v < 0 for v in size):
        raise ValueError(f"{op_name}: output_size must contain non-negative spatial dimensions, but got {size}")
    return tuple(size)


def _max_unpool(input, indices, kernel_size, stride, padding, output_size, op_name):
    _check_tensor(input, op_name)
    if not isinstance(indices, Tensor):
        raise TypeError(f"{op_name}(): indices must be a Tensor (from max pooling's return_indices=True), "
                        f"not {type(indices).__name__}")
    one_d = op_name.endswith("1d")
    dims = 1 if one_d else 2
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Input to {op_name} should be a {dims + 1}d or {dims + 2}d Tensor, but got a tensor with "
            f"{input.ndim} dimensions (shape {tuple(input.shape)}).")
    if indices.dtype != np.int64:
        raise RuntimeError(f"{op_name}: elements in indices should be type int64 but got: {indices.dtype}")
    if tuple(indices.shape) != tuple(input.shape):
        raise RuntimeError(
            f"Expected shape of indices to be same as that of the input tensor ({list(input.shape)}) but got "
            f"indices tensor with shape: {list(indices.shape)}")
    kernel = _pair_argument(kernel_size, "kernel_size", op_name)
    stride = kernel if stride is None else _pair_argument(stride, "stride", op_name)
    padding = _pair_argument(padding, "padding", op_name)
    size = _output_size(input.shape[-dims:], kernel, stride, padding, output_size, op_name)
    plane = size + (1,) if one_d else size
    index_data = indices._data
    if index_data.size:
        bad = (index_data < 0) | (index_data >= plane[0] * plane[1])
        if bad.any():
            raise RuntimeError(
                f"{op_name}: Found an invalid max index: {int(index_data[bad].flat[0])} (output volumes are of size "
                f"{plane[0]}x{plane[1]})")
    if one_d:
        return MaxUnpool2d.apply(input.unsqueeze(-1), indices._data[..., None], plane).squeeze(-1)
    return MaxUnpool2d.apply(input, index_data, plane)


def max_unpool2d(
    input: Tensor, indices: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None,
    padding: IntOrInts = 0, output_size: Optional[Sequence[int]] = None,
) -> Tensor:
    """Put each value of ``input`` (N, C, h, w) or (C, h, w) back at its plane position ``indices``
    (``max_pool2d(..., return_indices=True)``'s) in zeros of ``output_size`` (default: the size the
    pooling with ``kernel_size``, ``stride`` and ``padding`` came from)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, "max_unpool2d")


def max_unpool1d(
    input: Tensor, indices: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None,
    padding: IntOrInts = 0, output_size: Optional[Sequence[int]] = None,
) -> Tensor:
    """``max_unpool2d`` along the last dim of (N, C, L) or (C, L)."""
    return _max_unpool(input, indices, kernel_size, stride, padding, output_size, "max_unpool1d")


def max_pool2d_with_indices(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: bool = False,
) -> Tuple[Tensor, Tensor]:
    """``max_pool2d`` and its indices, whatever ``return_indices`` says (as PyTorch)."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)


def max_pool1d_with_indices(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: bool = False,
) -> Tuple[Tensor, Tensor]:
    """``max_pool1d`` and its indices, whatever ``return_indices`` says (as PyTorch)."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices=True)
