"""Indexing with PyTorch's rules: ``t[index]`` (``getitem``) and ``t[index] = v`` (``index_put``).

An index is a tuple of items (a list holding a sequence, tensor, slice, ``None`` or
``...`` counts as such a tuple, as in PyTorch; a list of numbers is one index list):

* basic items: ints (select a position, dropping the dim), slices, ``None`` (a new dim
  of size 1) and ``...`` (as many ``:`` as needed);
* advanced items: integer lists, ranges and int32/int64 tensors (positions), bool and
  uint8 tensors or lists (masks, standing for the positions of their True entries),
  and Python or 0-d bools (a new dim of size 1 indexed by ``[0]`` or by ``[]``).

numpy counts an int as an advanced item, PyTorch does not. Here, as in PyTorch, every
index is applied in two steps: first all basic items together, with each advanced item
replaced by ``:`` (a numpy view of the input, shared memory, op ``GetItem``); then the
advanced items on the dims they now sit on (op ``Index``, a new array). The advanced
items broadcast together; the dims of the broadcast shape replace the indexed dims in
place when the advanced items are adjacent, and go first when a slice, ``None`` or
``...`` separates them. For x of shape (5, 6, 7), ``x[1, :, [0, 3]]`` has shape (6, 2)
(numpy: (2, 6)).

Gradients: ``y = x[basic]`` gives ``dx = zeros_like(x); dx[basic] = g``; ``y = x[adv]``
gives ``dx = zeros_like(x); dx[adv] += g`` with repeated positions accumulating
(``IndexScatter``, linear in ``g``, whose own backward is indexing again).
``y = index_put(x, index, v)`` gives ``dx = g`` with the written positions zeroed and
``dv = g[index]`` summed back to v's shape.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..autograd.function import Function
from .. import _dtypes
from .._tensor import Tensor, _new_tensor
from ..autograd.grad_mode import _state
from ..autograd.inplace import apply_inplace
from ..autograd.views import attach_view
from ._util import to_operand, tensor_argument as _tensor
from .index_plans import basic_index, has_positions, normalize_index
from .._registry import op, tensor_method
from .._typing import TensorLike

# -------------------------------------------------------------------- ops
class IndexScatter(Function):
    """``y = zeros(shape); y[index] += g`` (repeated positions accumulate): the backward of
    ``GetItem`` (``advanced=False``) and ``Index`` (``advanced=True``). It is linear in ``g``
    and its own backward is ``gg[index]``."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, shape, index, advanced):
        ctx.index, ctx.advanced = index, advanced
        return _scatter(grad, shape, index, advanced)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return grad[ctx.index], None, None, None
        return (Index if ctx.advanced else GetItem).apply(grad, ctx.index), None, None, None


def _scatter(grad, shape, index, advanced):
    out = np.zeros(shape, dtype=grad.dtype)
    if advanced and has_positions(index):
        np.add.at(out, index, grad)
    else:
        out[index] = grad
    return out


class GetItem(Function):
    """``y = x[basic]`` (ints, slices, None, ``...``: a numpy view of x);
    dx = zeros like x with ``dx[basic] = g``."""

    numpy_level = True
    view_of = 0  # the output is a numpy view of input 0: they share a version counter

    @staticmethod
    def forward(ctx, x, basic):
        ctx.shape, ctx.basic = x.shape, basic
        return x[basic]

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _scatter(grad, ctx.shape, ctx.basic, False), None
        return IndexScatter.apply(grad, ctx.shape, ctx.basic, False), None


class Index(Function):
    """``y = x[advanced]`` (slices and position / mask arrays: a new array);
    dx = zeros like x with ``dx[advanced] += g`` (repeated positions accumulate)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, advanced):
        ctx.shape, ctx.advanced = x.shape, advanced
        return x[advanced]

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _scatter(grad, ctx.shape, ctx.advanced, True), None
        return IndexScatter.apply(grad, ctx.shape, ctx.advanced, True), None


def _take(x, basic, advanced):
    """``x[basic][advanced]`` for an ndarray, or through ``GetItem`` and ``Index`` for a Tensor."""
    if isinstance(x, np.ndarray):
        view = x[basic]
        return view if advanced is None else view[advanced]
    if advanced is not None and basic == _WHOLE:
        return Index.apply(x, advanced)  # nothing basic to apply first: no view in between
    view = GetItem.apply(x, basic)
    return view if advanced is None else Index.apply(view, advanced)


_WHOLE = (Ellipsis,)


def unrecorded_view(x, basic, data=None):
    """``GetItem.apply(x, basic)`` when nothing is recorded (``x`` needs no gradient and is not a view),
    the usual ``X[start:stop]`` of a batch loop, without the general ``apply``: the same view tensor,
    sharing ``x``'s memory and version counter (tests/ops/test_indexing_fast_path.py checks it).
    ``data``: ``x._data[basic]`` when the caller has it already."""
    if data is None:
        data = x._data[basic]
    out = _new_tensor(data)
    if data.size:  # a basic index always gives a view of x; numpy counts an empty one as sharing nothing
        counter = x._counter
        out._counter = counter if counter is not None else x._version_counter
        attach_view(x, out, GetItem, (basic,))
    return out


_INT64 = np.dtype(np.int64)


def _is_position_list(positions):
    """A non-empty 1-D int64 array: the ``X[batch]`` indexing the short paths take."""
    return positions.dtype is _INT64 and positions.ndim == 1 and positions.size != 0


def _unrecorded_getitem(x, index):
    """``x[index]`` for the two indexings of a batch loop, when nothing is recorded: a slice (a view, as
    ``GetItem`` makes it) or a 1-D int64 tensor of positions (numpy's copy of those rows, as ``Index``
    makes it, numpy checking the bounds); None for anything else, or an error to be worded by the full path."""
    data = x._data
    if index.__class__ is slice and data.ndim:
        return unrecorded_view(x, (index, Ellipsis), data[index])  # the same view as data[index, ...], sooner
    if index.__class__ is Tensor and data.ndim:
        positions = index._data
        if _is_position_list(positions):
            try:
                return _new_tensor(data.take(positions, axis=0))  # data[positions], two to three times faster
            except IndexError:
                return None
        return None
    basic = basic_index(index, data.shape)
    return None if basic is None else unrecorded_view(x, basic)


def _positions_fast(index, shape):
    """``t[positions]`` with a 1-D int64 tensor of valid positions, the usual ``X[batch]``: the
    advanced tuple, or None when the full check of ``normalize_index`` is needed."""
    if index.__class__ is not Tensor or not shape:
        return None
    positions = index._data
    if not _is_position_list(positions):
        return None
    size = shape[0]
    if positions.max() >= size or positions.min() < -size:
        return None  # let normalize_index raise its IndexError
    return (positions,)


@op(dunders=("__getitem__",))
def getitem(input: Tensor, index: Any) -> Tensor:
    """``input[index]`` with PyTorch's rules (see the module docstring): ints, slices, None,
    ``...``, integer lists / ranges / tensors and bool or uint8 masks. Basic indexing returns a
    view. Gradient: scattered back into zeros; repeated positions accumulate."""
    x = input if input.__class__ is Tensor else _tensor(input, "getitem")
    if x._view is None and not (x._requires_grad and _state.enabled) and _state.recorder is None:
        out = _unrecorded_getitem(x, index)
        if out is not None:
            return out
    basic = basic_index(index, x._data.shape)
    if basic is not None:
        return GetItem.apply(x, basic)
    advanced = _positions_fast(index, x._data.shape)
    if advanced is not None:
        return Index.apply(x, advanced)
    basic, advanced = normalize_index(index, x._data.shape)
    return _take(x, basic, advanced)


class IndexPut(Function):
    """``y = x`` with ``y[basic][advanced] = v`` (``accumulate``: ``+= v``, repeated positions adding up);
    dx = g with the written positions zeroed (``accumulate``: dx = g),
    dv = g[basic][advanced] (the engine sums dv back to v's broadcast shape)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, value, basic, advanced, accumulate=False):
        ctx.basic, ctx.advanced, ctx.accumulate = basic, advanced, accumulate
        ctx.value_shape = np.shape(value)
        out = np.array(x, copy=True)
        if accumulate:
            _add(out, basic, advanced, value)
        else:
            _put(out, basic, advanced, value)
        return out

    @staticmethod
    def backward(ctx, grad):
        need_x, need_value = ctx.needs_input_grad[:2]
        grad_x = grad_value = None
        if need_x:
            if ctx.accumulate:
                grad_x = grad
            elif isinstance(grad, np.ndarray):
                grad_x = np.array(grad, copy=True)
                _put(grad_x, ctx.basic, ctx.advanced, 0)
            else:
                grad_x = IndexPut.apply(grad, 0.0, ctx.basic, ctx.advanced, False)
        if need_value:
            grad_value = _take(grad, ctx.basic, ctx.advanced)
            extra = len(ctx.value_shape) - grad_value.ndim
            if extra > 0:  # v may carry extra leading 1-dims
                grad_value = grad_value.reshape((1,) * extra + tuple(grad_value.shape))
        return grad_x, grad_value, None, None, None


def _put(out, basic, advanced, value):
    """``out[basic][advanced] = value`` in place (for repeated positions the last write wins)."""
    view = out[basic]
    view[... if advanced is None else advanced] = value


def _add(out, basic, advanced, value):
    """``out[basic][advanced] += value`` in place, repeated positions adding up."""
    view = out[basic]
    where = ... if advanced is None else advanced
    value = np.asarray(value).astype(out.dtype, copy=False)
    target_ndim = np.ndim(view[where])
    if value.ndim > target_ndim:  # leading 1-dims of the value (index_put checked them)
        value = value.reshape(value.shape[value.ndim - target_ndim:])
    if advanced is not None and has_positions(advanced):
        np.add.at(view, where, value)
    else:
        view[where] += value


@op(method=True)
def index_put(input: Tensor, indices: Any, values: TensorLike, accumulate: bool = False) -> Tensor:
    """A new tensor equal to ``input`` with ``input[indices] = values`` applied (what ``t[indices] = v``
    writes back), with getitem's rules for ``indices`` (PyTorch's tuple of index tensors, or any index
    ``t[...]`` takes). ``values`` (number, array or tensor) is broadcast to the indexed shape (leading
    1-dims of it are ignored) and cast to ``input``'s dtype. ``accumulate=True`` adds ``values`` instead,
    repeated positions adding up (``input[indices] += values`` would keep only one of them).

    Gradients: to ``input`` the output's gradient with the written positions zeroed (all of it with
    ``accumulate``); to ``values`` the gradient at those positions, summed to values' shape.
    """
    x = _tensor(input, "index_put")
    basic, advanced = normalize_index(indices, x._data.shape, "index_put")
    value = to_operand(values, "index_put")
    value = checked_number(value, x._data.dtype, "index_put")
    target_shape = _take(np.broadcast_to(np.False_, x._data.shape), basic, advanced).shape
    value_shape = np.shape(value._data if isinstance(value, Tensor) else value)
    stripped = value_shape
    while len(stripped) > len(target_shape) and stripped[0] == 1:
        stripped = stripped[1:]
    if len(stripped) > len(target_shape) or not _broadcasts(stripped, target_shape):
        raise RuntimeError(
            f"index_put: shape mismatch: value tensor of shape {list(value_shape)} cannot be broadcast to "
            f"indexing result of shape {list(target_shape)}"
        )
    if isinstance(value, Tensor) and value.dtype.kind == "f" and x.dtype.kind != "f" and not _copies(advanced, value):
        raise RuntimeError(
            f"index_put: Index put requires the source and destination dtypes match, got {x.dtype} for the "
            f"destination and {value.dtype} for the source; convert the values with .to({x.dtype})"
        )
    return IndexPut.apply(x, value, basic, advanced, bool(accumulate))


@tensor_method()
def index_put_(self: Tensor, indices: Any, values: TensorLike, accumulate: bool = False) -> Tensor:
    """In-place ``index_put``: writes (``accumulate``: adds) ``values`` at ``indices`` into this tensor."""
    return apply_inplace(self, "index_put_", lambda: index_put(self, indices, values, accumulate))


def checked_number(value, dtype, op_name):
    """``value`` to be written into a tensor of ``dtype``: a Python int or float written into an
    integer tensor is converted by PyTorch's checked rule (a RuntimeError when it does not fit, NaN
    and infinities never do; a float truncated toward 0; -1 into uint8 wraps); anything else as is."""
    if dtype.kind not in "iu" or value.__class__ not in (int, float):
        return value
    if value.__class__ is float:
        if not np.isfinite(value):
            raise RuntimeError(f"{op_name}: value {value} cannot be converted to type {dtype} without overflow")
        value = int(value)
    return _dtypes.checked_integer(value, dtype, op_name)


def _copies(advanced, value):
    """Whether PyTorch writes ``value`` by a copy that casts it (``copy_`` for a basic index,
    ``masked_fill_`` for a 0-d value at bool masks) rather than by ``index_put_``, which refuses
    another dtype: ``t[0] = float_tensor`` truncates into an integer ``t``, ``t[[0]] = ...`` raises."""
    if advanced is None:
        return True
    masks_only = all(not isinstance(item, np.ndarray) or item.dtype == np.bool_ for item in advanced)
    return masks_only and value.ndim == 0


def _broadcasts(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == tuple(target)
    except ValueError:
        return False


