"""Sorting: ``sort``, ``argsort``, ``msort`` and ``topk``; order statistics: ``kthvalue``, ``median``,
``nanmedian`` and ``mode``; distinct values: ``unique`` and ``unique_consecutive``; positions in a sorted
sequence: ``searchsorted`` and ``bucketize`` (the last four are not differentiable).

The order is always stable (equal elements keep their order; descending too), so
``stable=True`` and ``stable=False`` give the same, valid, answer. NaN counts as larger
than every number, as in PyTorch: last in ascending order, first in descending order
and among the largest in ``topk``.

``sort``, ``topk`` and the order statistics along a ``dim`` return named pairs ``(values, indices)``
like PyTorch's ``torch.return_types``. ``values`` is the input taken at the returned positions, so its
gradient goes to exactly those positions (ties included): d values / d input is a
scatter of ``g`` into zeros at ``indices`` (``gather_scatter.Take``). ``median()`` of every element
shares its gradient evenly among the elements equal to it, as PyTorch does (as ``max()`` does).
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Tuple, Union

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .gather_scatter import Take, positions_along
from .._registry import op
from .._typing import TensorLike

# PyTorch's torch.return_types.sort / topk look-alikes: named pairs (values, indices).
class sort_result(NamedTuple):
    """``sort``'s named pair, shown as PyTorch shows it: ``sort(values=..., indices=...)``."""

    values: Tensor
    indices: Tensor


sort_result.__name__ = sort_result.__qualname__ = "sort"


class topk_result(NamedTuple):
    """``topk``'s named pair, shown as PyTorch shows it: ``topk(values=..., indices=...)``."""

    values: Tensor
    indices: Tensor


topk_result.__name__ = topk_result.__qualname__ = "topk"


class Sort(Take):
    """``values = input`` taken at the sorted positions: see ``Take``."""

    distinct = True


class Topk(Take):
    """``values = input`` taken at the positions of the k largest (or smallest): see ``Take``."""

    distinct = True


def _stable_order(array, dim, descending):
    """int64 positions that sort ``array`` along ``dim`` stably.

    Descending: sort the reversed array ascending (equal elements then come last-first),
    map the positions back and reverse the order, so equal elements come first-first
    again and NaN (last in numpy's ascending order) comes first.
    """
    if not descending:
        return np.argsort(array, axis=dim, kind="stable")
    size = array.shape[dim]
    order = np.argsort(np.flip(array, dim), axis=dim, kind="stable")
    return np.flip(size - 1 - order, dim)


def _sorted_positions(op_name, input, dim, descending):
    x = _tensor(input, op_name)
    dim = normalize_dim(dim, x.ndim, op_name)
    if x.ndim == 0:
        return x, dim, np.zeros((), dtype=np.int64)
    return x, dim, _stable_order(x._data, dim, bool(descending)).astype(np.int64, copy=False)


@op(method=True)
def sort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> sort_result:
    """``(values, indices)``: ``input`` sorted along ``dim`` (ascending unless ``descending``)
    and the int64 positions the values came from. Always stable.

    Gradient: the values' gradient goes back to the positions in ``indices``.
    """
    x, dim, order = _sorted_positions("sort", input, dim, descending)
    values = Sort.apply(x, positions_along(order, dim, x.ndim))
    return sort_result(values, Tensor._make(order))


@op(method=True)
def argsort(input: Tensor, dim: int = -1, descending: bool = False, *, stable: bool = False) -> Tensor:
    """The int64 positions that sort ``input`` along ``dim`` (``sort(...).indices``). Always stable."""
    return Tensor._make(_sorted_positions("argsort", input, dim, descending)[2])


@op(method=True)
def msort(input: Tensor) -> Tensor:
    """``input`` sorted along dim 0 (``sort(input, dim=0).values``)."""
    return sort(input, dim=0).values


@op(method=True)
def topk(input: Tensor, k: int, dim: int = -1, largest: bool = True, sorted: bool = True) -> topk_result:
    """``(values, indices)`` of the ``k`` largest (``largest=False``: smallest) elements along
    ``dim``, in sorted order (also with ``sorted=False``); among equal elements the first
    ones win.

    Gradient: the values' gradient goes back to the positions in ``indices``.
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"topk(): argument 'k' must be int, not {type(k).__name__}")
    x = _tensor(input, "topk")
    axis = normalize_dim(dim, x.ndim, "topk")
    size = x.shape[axis] if x.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError(
            f"topk(): selected index k out of range: k = {k} but dimension {axis} of the input "
            f"(shape {list(x.shape)}) has size {size}"
        )
    x, axis, order = _sorted_positions("topk", x, axis, largest)
    if x.ndim:
        order = np.ascontiguousarray(np.take(order, np.arange(int(k)), axis=axis))
    values = Topk.apply(x, positions_along(order, axis, x.ndim))
    return topk_result(values, Tensor._make(order))


# ------------------------------------------------------------ order statistics
class kthvalue_result(NamedTuple):
    """``kthvalue``'s named pair ``(values, indices)``, shown as PyTorch shows it."""

    values: Tensor
    indices: Tensor


class median_result(NamedTuple):
    """``median``'s named pair ``(values, indices)``, shown as PyTorch shows it."""

    values: Tensor
    indices: Tensor


class nanmedian_result(NamedTuple):
    """``nanmedian``'s named pair ``(values, indices)``, shown as PyTorch shows it."""

    values: Tensor
    indices: Tensor


class mode_result(NamedTuple):
    """``mode``'s named pair ``(values, indices)``, shown as PyTorch shows it."""

    values: Tensor
    indices: Tensor


for _result in (kthvalue_result, median_result, nanmedian_result, mode_result):
    _result.__name__ = _result.__qualname__ = _result.__name__[: -len("_result")]


class Selected(Take):
    """``values = input`` taken at one chosen position per lane along ``dim``: see ``Take``."""

    distinct = True


def _select_along(op_name, result_type, input, dim, keepdim, choose):
    """``result_type(values, indices)`` of the element ``choose(data, axis)`` points at in each lane
    (``choose`` returns int64 positions with size 1 along ``axis``)."""
    x = _tensor(input, op_name)
    axis = normalize_dim(dim, x.ndim, op_name)
    if x.ndim == 0:
        pair = _select_along(op_name, result_type, x.reshape(1), 0, True, choose)
        return result_type(pair.values.reshape(()), Tensor._make(pair.indices._data.reshape(())))
    if x.shape[axis] == 0:
        raise IndexError(
            f"{op_name}(): Expected reduction dim {axis} to have non-zero size. (input shape {list(x.shape)})"
        )
    indices = choose(x._data, axis)
    values = Selected.apply(x, positions_along(indices, axis, x.ndim))
    if not keepdim:
        values, indices = values.squeeze(axis), np.squeeze(indices, axis=axis)
    return result_type(values, Tensor._make(indices))


def _at_sorted_rank(rank):
    """A ``choose`` for ``_select_along``: the position of the element at ``rank(sorted, axis)``
    (int64, size 1 along axis) in the stable ascending order, NaN last."""
    def choose(data, axis):
        order = _stable_order(data, axis, False).astype(np.int64, copy=False)
        return np.take_along_axis(order, rank(np.take_along_axis(data, order, axis), axis), axis)

    return choose


def _valid_count(ordered, axis):
    return np.sum(~np.isnan(ordered), axis=axis, keepdims=True) if ordered.dtype.kind == "f" else np.full(
        ordered.shape[:axis] + (1,) + ordered.shape[axis + 1:], ordered.shape[axis])


def _median_rank(ordered, axis):
    """The lower middle of each lane; the first NaN (a NaN median) when the lane holds one."""
    valid = _valid_count(ordered, axis)
    return np.where(valid < ordered.shape[axis], valid, (ordered.shape[axis] - 1) // 2).astype(np.int64)


def _nanmedian_rank(ordered, axis):
    """The lower middle of each lane's numbers (NaNs sort last and are left out)."""
    return np.maximum((_valid_count(ordered, axis) - 1) // 2, 0).astype(np.int64)


@op(method=True)
def kthvalue(input: Tensor, k: int, dim: int = -1, keepdim: bool = False) -> kthvalue_result:
    """``(values, indices)`` of the ``k``-th smallest element (``k`` from 1) along ``dim`` (NaN counts
    as the largest). Gradient: to the positions in ``indices``."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise TypeError(f"kthvalue(): argument 'k' must be int, not {type(k).__name__}")
    x = _tensor(input, "kthvalue")
    axis = normalize_dim(dim, x.ndim, "kthvalue")
    size = x.shape[axis] if x.ndim else 1
    if size == 0:
        raise IndexError(f"kthvalue(): Expected reduction dim {axis} to have non-zero size. (input shape "
                         f"{list(x.shape)}: there is no k-th value of nothing)")
    if not 1 <= k <= size:
        raise RuntimeError(
            f"kthvalue(): selected number k = {k} out of range for dimension {axis} of size {size} "
            f"(shape {list(x.shape)}); k counts from 1"
        )
    def rank(ordered, axis):
        return np.full(ordered.shape[:axis] + (1,) + ordered.shape[axis + 1:], int(k) - 1, dtype=np.int64)

    return _select_along("kthvalue", kthvalue_result, x, axis, keepdim, _at_sorted_rank(rank))


class MedianAll(Function):
    """``y`` = the median of every element (the lower middle one; NaN when any element is NaN, or,
    ``ignore_nan``, the median of the numbers); dy/dx_i = [x_i == y] / #ties (PyTorch's even share)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, ignore_nan):
        ordered = np.sort(x.reshape(-1))
        rank = (_nanmedian_rank if ignore_nan else _median_rank)(ordered, 0)
        value = ordered[rank[0]] if ordered.size else np.asarray(np.nan, dtype=x.dtype)
        if x.dtype.kind == "f":
            ties = np.isnan(x) if np.isnan(value) else x == value
            ctx.ties, ctx.share = ties, 1.0 / max(int(np.count_nonzero(ties)), 1)
        return np.asarray(value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.ties, grad * ctx.share, 0.0), None  # 0 off the ties even for a nan g


def _median(op_name, result_type, rank, input, dim, keepdim):
    x = _tensor(input, op_name)
    if dim is None:
        if x.numel() == 0 and x.dtype.kind != "f":
            raise RuntimeError(f"{op_name}(): the median of an empty {x.dtype} tensor is undefined")
        return MedianAll.apply(x, op_name == "nanmedian")
    return _select_along(op_name, result_type, x, dim, keepdim, _at_sorted_rank(rank))


@op(method=True)
def median(input: Tensor, dim: Optional[int] = None, keepdim: bool = False) -> Union[Tensor, median_result]:
    """The median: the lower of the two middle elements for an even count, NaN when a NaN is present.
    ``dim=None``: of every element, a 0-d tensor whose gradient is shared among equal elements;
    with ``dim`` the named pair ``(values, indices)``, the gradient going to ``indices``."""
    return _median("median", median_result, _median_rank, input, dim, keepdim)


@op(method=True)
def nanmedian(input: Tensor, dim: Optional[int] = None, keepdim: bool = False) -> Union[Tensor, nanmedian_result]:
    """``median`` ignoring NaNs (NaN only where every element is NaN)."""
    return _median("nanmedian", nanmedian_result, _nanmedian_rank, input, dim, keepdim)


def _mode_positions(data, axis):
    """Per lane, the position of the last occurrence of its most frequent value (the smallest
    such value on a tie in counts; NaNs are all different), with size 1 along ``axis``."""
    lanes = np.moveaxis(data, axis, -1).reshape(-1, data.shape[axis])
    chosen = np.empty(len(lanes), dtype=np.int64)
    for row, lane in enumerate(lanes):
        ordered = np.sort(lane)
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        counts = np.diff(np.append(starts, lane.size))
        value = ordered[starts[np.argmax(counts)]]  # argmax: the first (smallest) of the most frequent
        chosen[row] = np.flatnonzero((lane == value) | (np.isnan(lane) & np.isnan(value)) if lane.dtype.kind == "f"
                                     else lane == value)[-1]
    shape = np.moveaxis(data, axis, -1).shape[:-1] + (1,)
    return np.moveaxis(chosen.reshape(shape), -1, axis)


@op(method=True)
def mode(input: Tensor, dim: int = -1, keepdim: bool = False) -> mode_result:
    """``(values, indices)``: the most frequent value along ``dim`` (the smallest one on a tie) and
    the position of its last occurrence. Gradient: to the positions in ``indices``."""
    return _select_along("mode", mode_result, input, dim, keepdim, _mode_positions)


# ------------------------------------------------------------ distinct values
def _unique_result(values, inverse, counts, return_inverse, return_counts):
    """``values``, or PyTorch's tuple ``(values[, inverse][, counts])``, as int64 index tensors."""
    out = (Tensor._make(values),)
    if return_inverse:
        out += (Tensor._make(inverse.astype(np.int64, copy=False)),)
    if return_counts:
        out += (Tensor._make(counts.astype(np.int64, copy=False)),)
    return out[0] if len(out) == 1 else out


@op(method=True)
def unique(
    input: Tensor, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,
    dim: Optional[int] = None,
) -> Union[Tensor, Tuple[Tensor, ...]]:
    """The distinct elements of ``input`` in ascending order (1-D; with ``dim``, the distinct slices
    along it), each NaN counting as distinct, as in PyTorch (``sorted=False`` gives them sorted too).
    ``return_inverse``: for each element (slice) the position of its value in the result, in input's
    shape (along ``dim``: one per slice); ``return_counts``: how often each value occurs."""
    x = _tensor(input, "unique")
    if dim is None:
        values, inverse, counts = np.unique(x._data.reshape(-1), return_inverse=True, return_counts=True,
                                            equal_nan=False)
        inverse = inverse.reshape(x.shape)
    else:
        axis = normalize_dim(dim, x.ndim, "unique")
        values, inverse, counts = np.unique(x._data, return_inverse=True, return_counts=True, axis=axis,
                                            equal_nan=False)
        inverse = inverse.reshape(-1)
    return _unique_result(values, inverse, counts, return_inverse, return_counts)


@op(method=True)
def unique_consecutive(
    input: Tensor, return_inverse: bool = False, return_counts: bool = False, dim: Optional[int] = None,
) -> Union[Tensor, Tuple[Tensor, ...]]:
    """``input`` with each run of equal consecutive elements (with ``dim``, slices along it) kept
    once, in their order; ``return_inverse`` / ``return_counts`` as for ``unique``."""
    x = _tensor(input, "unique_consecutive")
    axis = 0 if dim is None else normalize_dim(dim, x.ndim, "unique_consecutive")
    data = x._data.reshape(-1) if dim is None or x.ndim == 0 else x._data
    moved = np.moveaxis(data, axis, 0)
    lanes = moved.reshape(len(moved), moved.size // len(moved) if len(moved) else 0)  # one row per slice
    starts = np.ones(len(lanes), dtype=bool)
    starts[1:] = np.any(lanes[1:] != lanes[:-1], axis=1)
    inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), len(lanes)))
    values = np.compress(starts, data, axis=axis)
    return _unique_result(values, inverse.reshape(x.shape) if dim is None else inverse, counts,
                          return_inverse, return_counts)


# ------------------------------------------------------------ positions in a sorted sequence
def _search(op_name, sorted_sequence, values, right, side, out_int32, sorter):
    sequence = _tensor(sorted_sequence, op_name)._data
    values = values._data if isinstance(values, Tensor) else np.asarray(values)
    if side not in (None, "left", "right"):
        raise RuntimeError(f"{op_name}(): side can only be 'left' or 'right', got {side!r}")
    if right and side == "left":
        raise RuntimeError(f"{op_name}(): side and right can't be set to opposites, got side of left while right was True")
    side = "right" if right or side == "right" else "left"
    if sorter is not None:
        sequence = np.take_along_axis(sequence, sorter._data if isinstance(sorter, Tensor) else np.asarray(sorter), -1)
    if sequence.ndim <= 1:
        out = np.searchsorted(sequence.reshape(-1), values, side=side)
    else:
        if values.shape[:-1] != sequence.shape[:-1]:
            raise RuntimeError(
                f"{op_name}(): boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries "
                f"tensor and input value tensor must match, but we got boundaries tensor {list(sequence.shape)} and "
                f"input value tensor {list(values.shape)}"
            )
        out = np.empty(values.shape, dtype=np.int64)
        for row in np.ndindex(*sequence.shape[:-1]):
            out[row] = np.searchsorted(sequence[row], values[row], side=side)
    return Tensor._make(np.asarray(out, dtype=np.int32 if out_int32 else np.int64))


@op()
def searchsorted(
    sorted_sequence: Tensor, input: TensorLike, *, out_int32: bool = False, right: bool = False,
    side: Optional[str] = None, sorter: Optional[Tensor] = None,
) -> Tensor:
    """For each value of ``input``, the position in ``sorted_sequence`` (sorted along its last dim) at
    which inserting it keeps the order: before equal elements (``right=False`` / ``side='left'``) or
    after them. An N-D sequence searches row by row (its leading dims match input's); ``sorter``:
    the positions that sort an unsorted sequence. int64 (``out_int32``: int32)."""
    return _search("searchsorted", sorted_sequence, input, right, side, out_int32, sorter)


@op()
def bucketize(input: TensorLike, boundaries: Tensor, *, out_int32: bool = False, right: bool = False) -> Tensor:
    """The bucket of each value of ``input`` among the sorted 1-D ``boundaries``: the ``i`` with
    ``boundaries[i-1] < x <= boundaries[i]`` (``right=True``: ``boundaries[i-1] <= x < boundaries[i]``)."""
    if _tensor(boundaries, "bucketize").ndim != 1:
        raise RuntimeError(f"bucketize(): boundaries tensor must be 1 dimension, but got dim({boundaries.ndim})")
    return _search("bucketize", boundaries, input, right, None, out_int32, None)
