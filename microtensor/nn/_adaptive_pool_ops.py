"""Adaptive pooling: ``adaptive_avg_pool1d/2d`` and ``adaptive_max_pool1d/2d`` (``output_size`` given).

Output ``o`` of an input of length ``L`` pools ``[floor(o L / O), ceil((o + 1) L / O))`` along
each axis (PyTorch's rule). The windows are done one axis at a time, as a loop over the
(few) positions of the longest window (its "band"). The average's gradient spreads
``g / window size`` back over the windows containing each input (the inverse bands); the
max's gradient goes to the first maximum of each window (the last NaN if any), through
``PlaneScatter`` of max pooling. 1-D pooling is 2-D pooling of a height-1 image. Every
backward under ``create_graph=True`` is again an op, so double backward works.
"""
from __future__ import annotations

from typing import Literal, Optional, Sequence, Tuple, Union, overload

import numpy as np

from ..autograd.function import Function
from ..autograd.zero_link import ZeroDerivativeLink
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ._max_pool_ops import PlaneScatter, _plane_scatter
from ._pool_windows import _as_batched_2d

__all__ = ["adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d"]


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
    if best is None:  # an empty output axis
        empty = x.shape[:axis] + (index.shape[0],) + x.shape[axis + 1:]
        return np.empty(empty, dtype=x.dtype), np.zeros(empty, dtype=np.int64)
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
        ctx.save_for_backward(x)  # for create_graph only (see ZeroDerivativeLink)
        planes = x.reshape(x.shape[:-2] + (-1,))
        return np.take_along_axis(planes, indices.reshape(indices.shape[:-2] + (-1,)), axis=-1).reshape(indices.shape)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _plane_scatter(grad, ctx.indices, ctx.shape), None
        scattered = PlaneScatter.apply(grad, ctx.indices, ctx.shape)
        return ZeroDerivativeLink.apply(scattered, ctx.saved_tensors[0]), None  # the argmax does not move with x


def _output_size(output_size, input, op_name):
    count = {"1d": 1, "2d": 2, "3d": 3}[op_name[-2:]]
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


def _check_adaptive_input(input, dims, op_name):
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


def _adaptive(input, output_size, op_name):
    one_d = op_name.endswith("1d")
    _check_adaptive_input(input, 1 if one_d else 2, op_name)
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
