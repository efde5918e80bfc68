"""Sorting: ``sort``, ``argsort``, ``msort`` and ``topk``.

The order is always stable (equal elements keep their order; descending too), so
``stable=True`` and ``stable=False`` give the same, valid, answer. NaN counts as larger
than every number, as in PyTorch: last in ascending order, first in descending order
and among the largest in ``topk``.

``sort`` and ``topk`` return named pairs ``(values, indices)`` like PyTorch's
``torch.return_types``. ``values`` is the input taken at the returned positions, so its
gradient goes to exactly those positions (ties included): d values / d input is a
scatter of ``g`` into zeros at ``indices`` (``gather_scatter.Take``).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .gather_scatter import Take, positions_along
from .._registry import op

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
