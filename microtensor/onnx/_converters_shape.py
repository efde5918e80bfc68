"""Converters of the ops that move, view, index and join tensors (``ops/movement.py``, ``ops/repetition.py``,
``ops/joining.py``, ``ops/reordering.py``, ``ops/indexing.py``).

Shapes in a trace are concrete numbers (``x.view(x.shape[0], -1)`` records ``(2, 64)``);
with dynamic axes, ``Event.target_shape`` writes the numbers that follow a dynamic
axis as ``0`` ("the input's size here", ONNX ``Reshape``) or ``1`` (``Expand``).
"""
import importlib

import numpy as np

from ._converters import TABLE, converts
from ._graph import INT64_MAX, INT64_MIN

indexing, joining, movement, reordering, repetition = (
    importlib.import_module(f"microtensor.ops.{name}")
    for name in ("indexing", "joining", "movement", "reordering", "repetition"))


@converts(movement.Reshape)
def convert_reshape(ev):
    shape = ev.target_shape(1, 0, keep_code=0)
    return ev.graph.node("Reshape", [ev.value(0), ev.graph.ints(shape)])


@converts(repetition.Expand)
def convert_expand(ev):
    shape = ev.target_shape(1, 0, keep_code=1)
    return ev.graph.node("Expand", [ev.value(0), ev.graph.ints(shape)])


@converts(movement.Permute)
def convert_permute(ev):
    return ev.graph.node("Transpose", [ev.value(0)], perm=[int(d) for d in ev.py(1)])


@converts(movement.Contiguous)
def convert_contiguous(ev):
    return ev.graph.node("Identity", [ev.value(0)])


@converts(repetition.Repeat)
def convert_repeat(ev):
    """``x.repeat(sizes)`` is ``Tile`` (after a reshape that adds the leading dims ``sizes`` has more of)."""
    g, x, sizes = ev.graph, ev.value(0), [int(s) for s in ev.py(1)]
    extra = len(sizes) - ev.rank(0)
    if extra:
        x = g.unsqueeze(x, list(range(extra)))
    return g.node("Tile", [x, g.ints(sizes)])


def _join_dim(ev):
    return int(ev.py("dim"))


@converts(joining.Cat)
def convert_cat(ev):
    inputs = [ev.operand(position, ev.dtype) for position in range(ev.count) if ev.array(position).ndim]
    return ev.graph.node("Concat", inputs, axis=_join_dim(ev))


@converts(joining.Stack)
def convert_stack(ev):
    g, dim = ev.graph, _join_dim(ev)
    if dim < 0:
        dim += ev.rank(0) + 1
    pieces = [g.unsqueeze(ev.operand(position, ev.dtype), [dim]) for position in range(ev.count)]
    return pieces[0] if len(pieces) == 1 else g.node("Concat", pieces, axis=dim)


@converts(reordering.Flip)
def convert_flip(ev):
    g = ev.graph
    dims = [int(d) for d in ev.py(1)]
    count = len(dims)
    return g.node("Slice", [ev.value(0), g.ints([-1] * count), g.ints([INT64_MIN] * count), g.ints(dims),
                            g.ints([-1] * count)])


# ------------------------------------------------------------------ indexing
@converts(indexing.GetItem)
def convert_getitem(ev):
    """``x[ints, slices, None, ...]``: one ``Slice``, then ``Squeeze`` the int dims and ``Unsqueeze`` the Nones."""
    g = ev.graph
    main, other = _items(ev, False), _items(ev, True)
    shape_main, shape_other = ev.array(0).shape, ev.array(0, probe=True).shape
    starts, ends, axes, steps, dropped, added = [], [], [], [], [], []
    dim, out_dim = 0, 0
    for item, item_other in zip(main, other):
        if item is None:
            added.append(out_dim)
            out_dim += 1
            continue
        if isinstance(item, slice):
            if item != slice(None):
                start, stop, step = _slice_bounds(ev, item, item_other, shape_main[dim], shape_other[dim])
                starts.append(start), ends.append(stop), axes.append(dim), steps.append(step)
            out_dim += 1
        else:
            position = int(item)
            if position != int(item_other):
                raise ev.error(f"the index {position} changes with the input ({item_other} for other sizes)")
            starts.append(position), ends.append(INT64_MAX if position == -1 else position + 1)
            axes.append(dim), steps.append(1)
            dropped.append(dim)
        dim += 1
    x = ev.value(0)
    if axes:
        x = g.node("Slice", [x, g.ints(starts), g.ints(ends), g.ints(axes), g.ints(steps)])
    if dropped:
        x = g.squeeze(x, dropped)
    if added:
        x = g.unsqueeze(x, added)
    return x if x != ev.value(0) else g.node("Identity", [x])


def _items(ev, probe):
    """The index as a list with its ``...`` spelled out as whole slices."""
    basic = ev.py_raw(1, probe)
    items = list(basic) if isinstance(basic, tuple) else [basic]
    for item in items:
        if not (item is None or item is Ellipsis or isinstance(item, (slice, int, np.integer))):
            raise ev.error(f"the index item {item!r} is not an int, slice, None or ...")
    rank = ev.array(0, probe).ndim
    if Ellipsis in items:
        at = items.index(Ellipsis)
        used = sum(1 for item in items if item is not None and item is not Ellipsis)
        items[at:at + 1] = [slice(None)] * (rank - used)
    used = sum(1 for item in items if item is not None)
    return items + [slice(None)] * (rank - used)


def _slice_bounds(ev, item, item_other, size, size_other):
    """``(start, stop, step)`` for ONNX ``Slice`` (which clamps like Python; None means "to the end")."""
    step = 1 if item.step is None else int(item.step)
    if step != (1 if item_other.step is None else int(item_other.step)):
        raise ev.error(f"the slice step of {item} changes with the input")
    start = _bound(item.start, item_other.start, size, size_other, 0 if step > 0 else INT64_MAX, ev, item)
    stop = _bound(item.stop, item_other.stop, size, size_other, INT64_MAX if step > 0 else INT64_MIN, ev, item)
    return start, stop, step


def _bound(value, other, size, size_other, default, ev, item):
    if value is None and other is None:
        return default
    if value == other:
        return int(value)
    if value == size and other == size_other:  # x[:n] with n the length of a dynamic axis: to the end
        return INT64_MAX
    raise ev.error(f"the slice {item} changes with the input in a way the graph cannot follow")


@converts(indexing.Index)
def convert_index(ev):
    """``x[..., positions, ...]`` with one integer position array and whole slices elsewhere: ``Gather``."""
    spec = ev.specs[1]
    items = spec[1] if spec[0] in ("tuple", "list") else [spec]
    arrays = [(dim, item) for dim, item in enumerate(items) if item[0] in ("value", "tensor")]
    others_whole = all(item == ("py", slice(None)) for item in items if item[0] == "py")
    if len(arrays) != 1 or not others_whole:
        raise ev.error("only x[positions] along one dim (whole slices elsewhere) has an ONNX form (Gather); "
                       "masks and several position arrays do not")
    dim, item = arrays[0]
    positions = ev.exporter.main.arrays[item[1]]
    if positions.dtype == np.bool_:
        raise ev.error("indexing with a bool mask makes a data-dependent shape, which ONNX export does not write")
    name = ev.exporter.name_of(item[1], ev.index)
    return ev.graph.node("Gather", [ev.value(0), ev.cast(name, positions.dtype, np.int64)], axis=dim)


__all__ = ["TABLE"]
