"""Pooling: ``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool1d/2d``, ``adaptive_max_pool1d/2d``.

Fixed windows (max and average pooling). Output position ``(i, j)`` pools the window
``xp[i*s_h + p*d_h, j*s_w + q*d_w]`` for kernel offsets ``(p, q)``, where ``xp`` is the
input padded by ``padding`` (-inf for max, 0 for average; on the right/bottom also by
whatever ``ceil_mode``'s last window needs). Every offset's values form one strided
view of ``xp``, so both directions are a loop over the ``kH * kW`` offsets, never over
pixels:

* max: ``y = max_k view_k``. Gradient: each output's gradient goes to ONE input, as
  in PyTorch: the first maximum in the window (row-major order; a NaN wins, the last
  NaN if several; padding never). ``return_indices`` gives that input's flat index
  ``h * W + w`` within its plane. When a gradient will be needed and the windows do not
  overlap, forward stacks the views into one contiguous ``(kH*kW, N, C, oh, ow)`` array
  (no bigger than the input) and keeps it, so that backward finds each window's winner
  with contiguous comparisons and only writes strided.
* average: ``y = sum_k view_k / divisor`` with PyTorch's divisor (the window size
  including padding but not what lies beyond it, or only the real inputs with
  ``count_include_pad=False``, or ``divisor_override``). Gradient: ``g / divisor``
  added back onto each offset's view.

Adaptive windows (``output_size`` given): output ``o`` of an input of length ``L`` pools
``[floor(o L / O), ceil((o + 1) L / O))`` along each axis (PyTorch's rule). They are
done one axis at a time, as a loop over the (few) positions of the longest window.

1-D pooling is 2-D pooling of a height-1 image; unbatched ``(C, H, W)`` gets a batch of one.
Every backward under ``create_graph=True`` is again an op here, so double backward works.
"""
from __future__ import annotations

import functools
from typing import Literal, Optional, Sequence, Tuple, Union, overload

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from .._typing import IntOrInts

__all__ = [
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d",
]


class PoolGeometry:
    """Kernel, stride, padding, dilation and output size of a 2-D pooling over an ``H x W`` input,
    and its windows: per kernel offset ``k = p * kW + q`` the strided view of the padded input
    and the mask of the outputs whose input there is real (None when all are).

    Made once per input size and options (``_pool_plan`` caches it), so nothing here is recomputed per call.
    """

    __slots__ = ("kernel", "stride", "padding", "dilation", "input_size", "output_size", "extra", "windows",
                 "overlapping", "inside")

    def __init__(self, kernel, stride, padding, dilation, input_size, ceil_mode):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.input_size = input_size
        self.output_size = tuple(
            _pooled_length(*values, ceil_mode) for values in zip(input_size, kernel, stride, padding, dilation))
        # what the last window reaches beyond the padded input (ceil_mode only)
        self.extra = tuple(
            max(0, (out - 1) * s + d * (k - 1) + 1 - (length + 2 * p))
            for out, s, d, k, length, p in zip(self.output_size, stride, dilation, kernel, input_size, padding))
        # two windows share an input, so their gradients must add
        self.overlapping = any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        self.windows = [
            (p * kernel[1] + q, p, q, self._view_index(p, q), self._inside(p, q))
            for p in range(kernel[0]) for q in range(kernel[1])
        ]
        # all offsets' masks stacked (kH*kW, oh, ow), or None when every window lies inside the input
        self.inside = None if self.windows[0][4] is None else np.stack([window[4] for window in self.windows])

    def _view_index(self, p, q):
        rows, columns = (
            slice(o * d, o * d + s * (out - 1) + 1, s)
            for o, d, s, out in zip((p, q), self.dilation, self.stride, self.output_size))
        return (Ellipsis, rows, columns)

    def input_positions(self, p, q):
        """For offset ``(p, q)``: the input row of each output row and the input column of each output column."""
        rows = np.arange(self.output_size[0]) * self.stride[0] - self.padding[0] + p * self.dilation[0]
        columns = np.arange(self.output_size[1]) * self.stride[1] - self.padding[1] + q * self.dilation[1]
        return rows, columns

    def _inside(self, p, q):
        if not any(self.padding) and not any(self.extra):
            return None
        rows, columns = self.input_positions(p, q)
        height, width = self.input_size
        return ((rows >= 0) & (rows < height))[:, None] & ((columns >= 0) & (columns < width))[None, :]

    def padded_shape(self, n, c):
        (pad_h, pad_w), (extra_h, extra_w), (h, w) = self.padding, self.extra, self.input_size
        return (n, c, h + 2 * pad_h + extra_h, w + 2 * pad_w + extra_w)

    def padded(self, x, fill):
        """``x (N, C, H, W)`` padded for the windows, or ``x`` itself when no window leaves it."""
        shape = self.padded_shape(*x.shape[:2])
        if shape == x.shape:
            return x
        (pad_h, pad_w), (h, w) = self.padding, self.input_size
        out = np.full(shape, fill, dtype=x.dtype)
        out[:, :, pad_h:pad_h + h, pad_w:pad_w + w] = x
        return out

    def crop(self, padded):
        """The input's part of a padded array (a contiguous copy), or the array itself when there is no padding."""
        (pad_h, pad_w), (h, w) = self.padding, self.input_size
        if padded.shape[2:] == (h, w):
            return padded
        return np.ascontiguousarray(padded[:, :, pad_h:pad_h + h, pad_w:pad_w + w])


def _pooled_length(length, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output length (with ceil_mode, the last window must start inside the input or left pad)."""
    span = length + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= length + padding:
        out -= 1
    return out


# ------------------------------------------------------------------ max pooling
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
        return PlaneScatter.apply(grad, _flat_indices(masks, geometry), tuple(x.shape)), None


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


# -------------------------------------------------------------- average pooling
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


# -------------------------------------------------------------- adaptive pooling
def _adaptive_windows(length, size):
    """``(starts, ends)`` of the ``size`` adaptive windows over ``length`` inputs (PyTorch's rule)."""
    o = np.arange(size)
    return (o * length) // size, ((o + 1) * length + size - 1) // size


def _bands(starts, ends, length):
    """``(index, valid)``, each ``(rows, width)``: row r covers ``starts[r] .. ends[r] - 1``; ``valid`` marks
    the real entries (rows shorter than the widest repeat their last index, marked invalid)."""
    counts = ends - starts
    width = int(counts.max()) if counts.size else 0
    steps = np.arange(width)
    index = np.minimum(starts[:, None] + steps, np.maximum(ends - 1, 0)[:, None])
    return np.clip(index, 0, max(length - 1, 0)), steps < counts[:, None]


def _inverse_bands(starts, ends, length):
    """For each input position, the band of windows that contain it (windows are ordered, so it is contiguous)."""
    positions = np.arange(length)
    first = np.searchsorted(ends, positions, side="right")  # first window whose end is beyond the position
    last = np.searchsorted(starts, positions, side="right")  # one past the last window starting at or before it
    return _bands(first, last, len(starts))


def _band_sum(x, axis, index, valid):
    """``y[..., r, ...] = sum over the valid band entries b of x[..., index[r, b], ...]`` along ``axis``."""
    out = None
    for b in range(index.shape[1]):
        taken = np.take(x, index[:, b], axis=axis)
        mask = valid[:, b].reshape((-1,) + (1,) * (x.ndim - 1 - axis))
        if out is None:
            out = np.where(mask, taken, 0).astype(x.dtype, copy=False)
        else:
            out += np.where(mask, taken, 0)
    if out is None:  # an empty output axis
        shape = list(x.shape)
        shape[axis] = index.shape[0]
        out = np.zeros(shape, dtype=x.dtype)
    return out


class AdaptiveGeometry:
    """The adaptive windows of a 2-D input: per axis the bands (windows) and inverse bands, and the sizes."""

    __slots__ = ("input_size", "output_size", "forward_bands", "inverse_bands", "counts")

    def __init__(self, input_size, output_size):
        self.input_size, self.output_size = input_size, output_size
        windows = [_adaptive_windows(length, size) for length, size in zip(input_size, output_size)]
        self.forward_bands = [_bands(s, e, length) for (s, e), length in zip(windows, input_size)]
        self.inverse_bands = [_inverse_bands(s, e, length) for (s, e), length in zip(windows, input_size)]
        self.counts = [e - s for s, e in windows]

    def divisor(self, dtype):
        return (self.counts[0][:, None] * self.counts[1][None, :]).astype(dtype)


def _adaptive_avg(x, geometry):
    rows = _band_sum(x, x.ndim - 2, *geometry.forward_bands[0])
    total = _band_sum(rows, x.ndim - 1, *geometry.forward_bands[1])
    total /= geometry.divisor(x.dtype)
    return total


def _adaptive_avg_adjoint(grad, geometry):
    share = grad / geometry.divisor(grad.dtype)
    rows = _band_sum(share, grad.ndim - 2, *geometry.inverse_bands[0])
    return _band_sum(rows, grad.ndim - 1, *geometry.inverse_bands[1])


class AdaptiveAvgPool2d(Function):
    """``y[i, j] = mean of x over window (i, j)``; dL/dx[h, w] = sum over the windows containing (h, w)
    of g / window size (``AdaptiveAvgPoolAdjoint``)."""

    numpy_level = True
    fresh_gradients = (0,)

    @staticmethod
    def forward(ctx, x, geometry):
        ctx.geometry = geometry
        return _adaptive_avg(x, geometry)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _adaptive_avg_adjoint(grad, ctx.geometry), None
        return AdaptiveAvgPoolAdjoint.apply(grad, ctx.geometry), None


class AdaptiveAvgPoolAdjoint(Function):
    """The backward of ``AdaptiveAvgPool2d`` (linear in g); its own backward is ``AdaptiveAvgPool2d``."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, geometry):
        ctx.geometry = geometry
        return _adaptive_avg_adjoint(grad, geometry)

    @staticmethod
    def backward(ctx, grad):
        return AdaptiveAvgPool2d.apply(grad, ctx.geometry), None


def _band_argmax(x, axis, index, valid):
    """Along ``axis``: each band's max and the position (into ``axis``) of PyTorch's chosen one: the first
    max, or the last NaN."""
    best = position = None
    shape = (-1,) + (1,) * (x.ndim - 1 - axis)
    for b in range(index.shape[1]):
        taken = np.take(x, index[:, b], axis=axis)
        where = np.broadcast_to(index[:, b].reshape(shape), taken.shape)
        if best is None:
            best, position = taken, np.array(where)
            continue
        better = (taken > best) | np.isnan(taken)
        better &= valid[:, b].reshape(shape)
        best = np.where(better, taken, best)
        position = np.where(better, where, position)
    return best, position


def _adaptive_max_indices(x, geometry):
    """``(y, flat indices)``: along W first (the chosen column of every row), then along H, which picks the
    first max in row-major order (and the last NaN)."""
    row_best, row_column = _band_argmax(x, x.ndim - 1, *geometry.forward_bands[1])
    best, row = _band_argmax(row_best, x.ndim - 2, *geometry.forward_bands[0])
    column = np.take_along_axis(row_column, row, axis=x.ndim - 2)
    return best, row * geometry.input_size[1] + column


class AdaptiveMaxPool2d(Function):
    """``y = max of x over each adaptive window``; dL/dx: g to the chosen max (``PlaneScatter``)."""

    numpy_level = True
    fresh_gradients = (0,)

    @staticmethod
    def forward(ctx, x, indices):
        ctx.indices, ctx.shape = indices, x.shape
        planes = x.reshape(x.shape[:-2] + (-1,))
        return np.take_along_axis(planes, indices.reshape(indices.shape[:-2] + (-1,)), axis=-1).reshape(indices.shape)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _plane_scatter(grad, ctx.indices, ctx.shape), None
        return PlaneScatter.apply(grad, ctx.indices, ctx.shape), None


# --------------------------------------------------------- argument checking
def _pair_argument(value, name, op_name, allow_none=False):
    count = 2 if op_name.endswith("2d") else 1
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * count
        valid = len(value) == count and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                            for v in value)
    else:
        valid = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        value = (value,) * count
    if not valid:
        omitted = "be omitted, " if allow_none else ""
        raise RuntimeError(
            f"{op_name}: {name} must either {omitted}be a single int, or a tuple of {count} int"
            f"{'s' if count > 1 else ''}, got {value!r}"
        )
    return tuple(int(v) for v in value)


def _check_tensor(input, op_name):
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(op_name, "input", input)


def _check_shape(shape, op_name, dims):
    if len(shape) not in (dims + 1, dims + 2) or any(size == 0 for size in shape[-(dims + 1):]):
        raise RuntimeError(
            f"{op_name}(): Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with optional 0 dim batch size "
            f"for input, and non-zero sizes in the other dims, but got: {list(shape)}"
        )


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _pool_plan(shape, kernel_size, stride, padding, dilation, ceil_mode, op_name):
    """The checked geometry of a fixed-window pooling of an input of ``shape``, cached: a training loop
    pools the same shapes again and again, and the windows are worked out once."""
    args = (tuple(shape), _hashable(kernel_size), _hashable(stride), _hashable(padding), _hashable(dilation),
            bool(ceil_mode), op_name)
    try:
        return _cached_pool_plan(*args)
    except TypeError as error:  # an unhashable argument: check it without the cache (and raise its error)
        if "unhashable" not in str(error):
            raise
        return _window_geometry(*args)


def _window_geometry(shape, kernel_size, stride, padding, dilation, ceil_mode, op_name):
    """The 2-D geometry of a fixed-window pooling (1-D ops pass a height-1 image), checked as in PyTorch."""
    one_d = op_name.endswith("1d")
    _check_shape(shape, op_name, 1 if one_d else 2)
    kernel = _pair_argument(kernel_size, "kernel_size", op_name)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else \
        _pair_argument(stride, "stride", op_name, allow_none=True)
    padding = _pair_argument(padding, "padding", op_name)
    dilation = _pair_argument(dilation, "dilation", op_name)
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{op_name}(): kernel_size should be greater than zero, but got kernel_size={kernel}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op_name}(): stride should be greater than zero, but got stride={stride}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op_name}(): dilation should be greater than zero, but got dilation={dilation}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op_name}(): pad must be non-negative, but got padding={padding}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > k // 2:
            raise RuntimeError(
                f"{op_name}(): pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    if one_d:
        kernel, stride, padding, dilation = ((1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation)
    size = tuple(shape[-2:]) if not one_d else (1, shape[-1])
    geometry = PoolGeometry(kernel, stride, padding, dilation, size, ceil_mode)
    if any(out <= 0 for out in geometry.output_size):
        planes = shape[-3] if len(shape) >= 3 and not one_d else shape[-2]
        shown = size if not one_d else size[1:]
        outs = geometry.output_size if not one_d else geometry.output_size[1:]
        raise RuntimeError(
            f"{op_name}(): Given input size: ({'x'.join(str(v) for v in (planes,) + shown)}). Calculated output "
            f"size: ({'x'.join(str(v) for v in (planes,) + outs)}). Output size is too small"
        )
    return geometry


_cached_pool_plan = functools.lru_cache(maxsize=256)(_window_geometry)


def _as_batched_2d(input, one_d):
    """``input`` as (N, C, H, W) (a height-1 image for 1-D ops), and how to undo it."""
    batched = input.ndim == (3 if one_d else 4)
    x = input if batched else input.unsqueeze(0)
    if one_d:
        x = x.unsqueeze(2)

    def restore(out):
        if one_d:
            out = out.squeeze(2)
        return out if batched else out.squeeze(0)

    return x, restore


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


def _output_size(output_size, input, op_name):
    count = 2 if op_name.endswith("2d") else 1
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != count:
            raise RuntimeError(f"{op_name}(): output_size must be {count}, got {tuple(output_size)}")
        sizes = tuple(output_size)
    else:
        sizes = (output_size,) * count
    spatial = input.shape[-count:]
    sizes = tuple(length if size is None else size for size, length in zip(sizes, spatial))
    for size in sizes:
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"{op_name}(): output_size must be ints (or None), got {output_size!r}")
    if any(size < 0 for size in sizes):
        raise RuntimeError(
            f"{op_name}(): elements of output_size must be greater than or equal to 0 but received {sizes}")
    return tuple(int(s) for s in sizes)


def _adaptive(input, output_size, op_name):
    one_d = op_name.endswith("1d")
    dims = 1 if one_d else 2
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(op_name, "input", input)
    if input.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{op_name}(): Expected {dims + 1}D or {dims + 2}D tensor, but got {list(input.shape)}")
    for dim in range(input.ndim - dims - 1, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(
                f"{op_name}(): Expected input to have non-zero size for non-batch dimensions, but input has sizes "
                f"{list(input.shape)} with dimension {dim} being empty"
            )
    sizes = _output_size(output_size, input, op_name)
    x, restore = _as_batched_2d(input, one_d)
    if one_d:
        sizes = (1,) + sizes
    return AdaptiveGeometry(tuple(x.shape[-2:]), sizes), x, restore


def adaptive_avg_pool2d(input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]]) -> Tensor:
    """Average over PyTorch's adaptive windows so that ``(N, C, H, W)`` becomes ``(N, C, *output_size)``
    (``None`` keeps that dim); window ``i`` covers ``[floor(i H / out), ceil((i + 1) H / out))``."""
    geometry, x, restore = _adaptive(input, output_size, "adaptive_avg_pool2d")
    _check_floating(x, "adaptive_avg_pool2d")
    return restore(AdaptiveAvgPool2d.apply(x, geometry))


def adaptive_avg_pool1d(input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]]) -> Tensor:
    """``adaptive_avg_pool2d`` along the last dim of ``(N, C, L)`` or ``(C, L)``."""
    geometry, x, restore = _adaptive(input, output_size, "adaptive_avg_pool1d")
    _check_floating(x, "adaptive_avg_pool1d")
    return restore(AdaptiveAvgPool2d.apply(x, geometry))


def _check_floating(x, op_name):
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{op_name}(): not implemented for dtype {x.dtype}; convert with .float()")


def _adaptive_max(input, output_size, return_indices, op_name):
    geometry, x, restore = _adaptive(input, output_size, op_name)
    _, indices = _adaptive_max_indices(x._data, geometry)
    out = restore(AdaptiveMaxPool2d.apply(x, indices))
    return (out, restore(Tensor._make(indices))) if return_indices else out


@overload
def adaptive_max_pool2d(
    input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: Literal[False] = False,
) -> Tensor: ...
@overload
def adaptive_max_pool2d(
    input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: Literal[True],
) -> Tuple[Tensor, Tensor]: ...
@overload
def adaptive_max_pool2d(
    input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]: ...
def adaptive_max_pool2d(
    input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """Max over PyTorch's adaptive windows (as ``adaptive_avg_pool2d``); ``return_indices`` also gives each
    max's flat index ``h * W + w``. The gradient goes to the first max of each window."""
    return _adaptive_max(input, output_size, return_indices, "adaptive_max_pool2d")


@overload
def adaptive_max_pool1d(
    input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: Literal[False] = False,
) -> Tensor: ...
@overload
def adaptive_max_pool1d(
    input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: Literal[True],
) -> Tuple[Tensor, Tensor]: ...
@overload
def adaptive_max_pool1d(
    input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]: ...
def adaptive_max_pool1d(
    input: Tensor, output_size: Union[int, None, Sequence[Optional[int]]], return_indices: bool = False,
) -> Union[Tensor, Tuple[Tensor, Tensor]]:
    """``adaptive_max_pool2d`` along the last dim of ``(N, C, L)`` or ``(C, L)``."""
    return _adaptive_max(input, output_size, return_indices, "adaptive_max_pool1d")
