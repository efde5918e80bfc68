"""Average pooling: ``avg_pool1d/2d``.

Over the windows of ``_pool_windows.py`` (the input padded with zeros):
``y = sum_k view_k / divisor`` with PyTorch's divisor (the window size including padding but
not what lies beyond it, or only the real inputs with ``count_include_pad=False``, or
``divisor_override``). Gradient: ``g / divisor`` added back onto each offset's view
(``AvgPoolAdjoint``, whose own backward is ``AvgPool2d`` again, so double backward works).
"""
from __future__ import annotations

import functools
from typing import Optional

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._typing import IntOrInts
from ._pool_windows import _as_batched_2d, _check_tensor, _pool_plan

__all__ = ["avg_pool1d", "avg_pool2d"]


@functools.lru_cache(maxsize=256)
def _avg_divisor(geometry, count_include_pad, divisor_override, dtype):
    """PyTorch's divisor of every output, ``(out_h, out_w)`` (cached with the geometry; never written to)."""
    if divisor_override is not None:
        return np.full(geometry.output_size, divisor_override, dtype=dtype)
    sizes = []
    for out, k, s, p, length in zip(geometry.output_size, geometry.kernel, geometry.stride, geometry.padding,
                                    geometry.input_size):
        start = np.arange(out) * s - p
        end = np.minimum(start + k, length + p)
        if count_include_pad:
            sizes.append(end - start)
        else:
            sizes.append(np.minimum(end, length) - np.maximum(start, 0))
    return (sizes[0][:, None] * sizes[1][None, :]).astype(dtype)


def _avg_pool_sum(x, geometry):
    padded = geometry.padded(x, 0)
    total = None
    for _, _, _, window, _ in geometry.windows:
        if total is None:
            total = np.array(padded[window], dtype=np.int64 if x.dtype.kind in "iub" else x.dtype)
        else:
            total += padded[window]
    return total


def _avg_pool_adjoint(grad, divisor, x_shape, geometry):
    """dL/dx of average pooling: ``g / divisor`` added back onto every offset's view."""
    padded = np.zeros(geometry.padded_shape(*x_shape[:2]), dtype=grad.dtype)
    share = grad / divisor
    for _, _, _, window, _ in geometry.windows:
        padded[window] += share
    return geometry.crop(padded)


class AvgPool2d(Function):
    """``y = (sum over each window) / divisor``; dL/dx = ``g / divisor`` added onto each window (``AvgPoolAdjoint``)."""

    numpy_level = True
    fresh_gradients = (0,)

    @staticmethod
    def forward(ctx, x, geometry, divisor):
        ctx.geometry, ctx.divisor, ctx.shape = geometry, divisor, x.shape
        total = _avg_pool_sum(x, geometry)
        if x.dtype.kind in "iub":  # integer average: truncated towards zero, as in PyTorch
            return (np.sign(total) * (np.abs(total) // divisor.astype(np.int64))).astype(x.dtype)
        total /= divisor
        return total

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _avg_pool_adjoint(grad, ctx.divisor, ctx.shape, ctx.geometry), None, None
        return AvgPoolAdjoint.apply(grad, ctx.geometry, ctx.divisor, ctx.shape), None, None


class AvgPoolAdjoint(Function):
    """The backward of ``AvgPool2d`` (linear in g); its own backward is ``AvgPool2d`` again."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, geometry, divisor, shape):
        ctx.geometry, ctx.divisor = geometry, divisor
        return _avg_pool_adjoint(grad, divisor, shape, geometry)

    @staticmethod
    def backward(ctx, grad):
        return AvgPool2d.apply(grad, ctx.geometry, ctx.divisor), None, None, None


def _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override, op_name):
    one_d = op_name.endswith("1d")
    _check_tensor(input, op_name)
    geometry = _pool_plan(input.shape, kernel_size, stride, padding, 1, ceil_mode, op_name)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError(f"{op_name}(): divisor must be not zero")
    x, restore = _as_batched_2d(input, one_d)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.int64)
    divisor = _avg_divisor(geometry, count_include_pad, divisor_override, dtype)
    return restore(AvgPool2d.apply(x, geometry, divisor))


def avg_pool2d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    ceil_mode: bool = False, count_include_pad: bool = True, divisor_override: Optional[int] = None,
) -> Tensor:
    """Mean over ``kernel_size`` windows of ``(N, C, H, W)`` or ``(C, H, W)``, ``stride`` apart (default:
    ``kernel_size``), with zero ``padding``; the divisor is PyTorch's (see the module docstring)."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override,
                     "avg_pool2d")


def avg_pool1d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    ceil_mode: bool = False, count_include_pad: bool = True,
) -> Tensor:
    """``avg_pool2d`` along the last dim of ``(N, C, L)`` or ``(C, L)``."""
    return _avg_pool(input, kernel_size, stride, padding, ceil_mode, count_include_pad, None, "avg_pool1d")
