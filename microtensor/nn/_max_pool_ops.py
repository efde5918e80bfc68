"""Max pooling: ``max_pool1d/2d``, and the scatter and gather that send each window's gradient to its maximum.

Over the windows of ``_pool_windows.py`` (the input padded with -inf): ``y = max_k view_k``.
Gradient: each output's gradient goes to ONE input, as in PyTorch: the first maximum in the
window (row-major order; a NaN wins, the last NaN if several; padding never).
``return_indices`` gives that input's flat index ``h * W + w`` within its plane. When a
gradient will be needed and the windows do not overlap, forward stacks the views into one
contiguous ``(kH*kW, N, C, oh, ow)`` array (no bigger than the input) and keeps it, so that
backward finds each window's winner with contiguous comparisons and only writes strided.

Under ``create_graph=True`` the backward is ``PlaneScatter`` (whose own backward is
``PlaneGather``), so double backward works; adaptive max pooling uses them too.
"""
from __future__ import annotations

from typing import Literal, Optional, Tuple, Union, overload

import numpy as np

from ..autograd.function import Function
from ..autograd.zero_link import ZeroDerivativeLink
from .._tensor import Tensor
from .._typing import IntOrInts
from ._pool_windows import _as_batched_2d, _check_tensor, _pool_plan

__all__ = ["max_pool1d", "max_pool2d"]


def _lowest(dtype):
    return -np.inf if dtype.kind == "f" else np.iinfo(dtype).min


def _max_pool_forward(x, geometry):
    padded = geometry.padded(x, _lowest(x.dtype))
    out = None
    for _, _, _, window, _ in geometry.windows:
        if out is None:
            out = np.array(padded[window])
        else:
            np.maximum(out, padded[window], out=out)
    return out


def _window_values(x, geometry):
    """Every kernel offset's view of the padded input, stacked: ``(kH*kW, N, C, oh, ow)``, contiguous.
    (One strided read per offset; everything after it works on contiguous arrays.)"""
    padded = geometry.padded(x, _lowest(x.dtype))
    values = np.empty((len(geometry.windows),) + x.shape[:2] + geometry.output_size, dtype=x.dtype)
    for k, _, _, window, _ in geometry.windows:
        values[k] = padded[window]
    return values


def _argmax_masks(values, out, geometry):
    """``(kH*kW, N, C, oh, ow)`` booleans: where each kernel offset holds its window's chosen maximum
    (PyTorch's: the first max in row-major order, never padding; the last NaN if any)."""
    hits = values == out
    if geometry.inside is not None:
        hits &= geometry.inside[:, None, None]
    found = hits[0].copy()
    for hit in hits[1:]:
        np.greater(hit, found, out=hit)  # hit and not found before
        found |= hit
    if out.dtype.kind == "f":
        nan_out = np.isnan(out)
        if nan_out.any():
            hits &= ~nan_out
            last_nan = np.full(out.shape, -1)
            for k, value in enumerate(values):
                last_nan[nan_out & np.isnan(value)] = k
            for k, hit in enumerate(hits):
                hit |= last_nan == k
    return hits


def _flat_indices(masks, geometry):
    """The chosen input of each output as ``h * W + w`` in its plane (int64), from ``_argmax_masks``."""
    width = geometry.input_size[1]
    indices = np.zeros(masks[0].shape, dtype=np.int64)
    for (_, p, q, _, _), mask in zip(geometry.windows, masks):
        rows, columns = geometry.input_positions(p, q)
        np.copyto(indices, rows[:, None] * width + columns[None, :], where=mask)
    return indices


def _scatter_masked(grad, masks, x_shape, geometry):
    """dL/dx of max pooling: each output's gradient added onto the input its mask chose."""
    padded = np.zeros(geometry.padded_shape(*x_shape[:2]), dtype=grad.dtype)
    # g * mask is the fast form of where(mask, g, 0); they differ only for an infinite or NaN g (0 * inf)
    finite = grad.dtype.kind != "f" or bool(np.isfinite(grad).all())
    for (_, _, _, window, _), mask in zip(geometry.windows, masks):
        if not finite:
            padded[window] += np.where(mask, grad, 0)
        elif geometry.overlapping:
            padded[window] += grad * mask
        else:  # each input is in at most one window: write, no add
            np.multiply(grad, mask, out=padded[window])
    return geometry.crop(padded)


class MaxPool2d(Function):
    """``y = max over each window``; dL/dx: each g goes to the window's chosen max (see the module docstring)."""

    numpy_level = True
    fresh_gradients = (0,)

    @staticmethod
    def forward(ctx, x, geometry):
        ctx.geometry = geometry
        if not ctx.needs_input_grad[0]:
            return _max_pool_forward(x, geometry)
        # Keep the stacked windows for backward when they are no bigger than x (windows that do not
        # overlap); otherwise x, and backward reads the windows again.
        values = _window_values(x, geometry)
        out = values[0].copy()
        for value in values[1:]:
            np.maximum(out, value, out=out)
        ctx.shape = x.shape
        ctx.save_for_backward(None if geometry.overlapping else values, x, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        values, x, out = ctx.saved_tensors
        geometry = ctx.geometry
        if isinstance(grad, np.ndarray):
            if values is None:
                values = _window_values(x, geometry)
            return _scatter_masked(grad, _argmax_masks(values, out, geometry), ctx.shape, geometry), None
        masks = _argmax_masks(_window_values(x._data, geometry), out._data, geometry)
        scattered = PlaneScatter.apply(grad, _flat_indices(masks, geometry), tuple(x.shape))
        return ZeroDerivativeLink.apply(scattered, x), None  # the argmax does not move with x: derivative 0


def _plane_scatter(grad, indices, shape):
    """Zeros of ``shape`` with ``g[n, c, ...]`` added at flat position ``indices[n, c, ...]`` of plane (n, c)."""
    planes = int(np.prod(shape[:-2]))
    size = shape[-2] * shape[-1]
    where = (np.arange(planes).reshape(-1, 1) * size + indices.reshape(planes, -1)).ravel()
    out = np.bincount(where, weights=grad.reshape(-1), minlength=planes * size)
    return out.astype(grad.dtype, copy=False).reshape(shape)


class PlaneScatter(Function):
    """``z[n, c].flat[idx[n, c, ...]] += g[n, c, ...]`` into zeros of ``shape`` (a max pooling's backward).
    Linear in g; its derivative gathers: dL/dg = gz[n, c].flat[idx]."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, indices, shape):
        ctx.indices = indices
        return _plane_scatter(grad, indices, shape)

    @staticmethod
    def backward(ctx, grad):
        return PlaneGather.apply(grad, ctx.indices), None, None


class PlaneGather(Function):
    """``y[n, c, ...] = x[n, c].flat[idx[n, c, ...]]``; dL/dx scatters back (``PlaneScatter``)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, indices):
        ctx.indices, ctx.shape = indices, x.shape
        planes = x.reshape(x.shape[:-2] + (-1,))
        flat = indices.reshape(indices.shape[:-2] + (-1,))
        return np.take_along_axis(planes, flat, axis=-1).reshape(indices.shape)

    @staticmethod
    def backward(ctx, grad):
        return PlaneScatter.apply(grad, ctx.indices, ctx.shape), None


def _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, op_name):
    _check_tensor(input, op_name)
    geometry = _pool_plan(input.shape, kernel_size, stride, padding, dilation, ceil_mode, op_name)
    one_d = op_name.endswith("1d")
    if input.ndim == 4 and not return_indices:  # the common case, without reshapes
        return MaxPool2d.apply(input, geometry)
    x, restore = _as_batched_2d(input, one_d)
    out = MaxPool2d.apply(x, geometry)
    if not return_indices:
        return restore(out)
    masks = _argmax_masks(_window_values(x._data, geometry), out._data, geometry)
    return restore(out), restore(Tensor._make(_flat_indices(masks, geometry)))


@overload
def max_pool2d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: Literal[False] = False,
) -> Tensor: ...
@overload
def max_pool2d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, *, return_indices: Literal[True],
) -> Tuple[Tensor, Tensor]: ...
@overload
def max_pool2d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]: ...
def max_pool2d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Max over ``kernel_size`` windows of ``(N, C, H, W)`` or ``(C, H, W)``, ``stride`` apart (default:
    ``kernel_size``), with -inf ``padding`` (at most half the kernel) and ``dilation``. ``return_indices``
    also gives each max's flat index ``h * W + w``. The gradient goes to the first max of each window."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool2d")


@overload
def max_pool1d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: Literal[False] = False,
) -> Tensor: ...
@overload
def max_pool1d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, *, return_indices: Literal[True],
) -> Tuple[Tensor, Tensor]: ...
@overload
def max_pool1d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]: ...
def max_pool1d(
    input: Tensor, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None, padding: IntOrInts = 0,
    dilation: IntOrInts = 1, ceil_mode: bool = False, return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """``max_pool2d`` along the last dim of ``(N, C, L)`` or ``(C, L)``."""
    return _max_pool(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, "max_pool1d")
