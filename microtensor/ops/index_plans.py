"""Reading an index with PyTorch's rules: the plan that ``getitem`` and ``index_put`` follow.

``normalize_index(index, shape)`` checks every item of an index against the shape it
indexes and splits it into two parts (see ``indexing.py`` for the rules they serve):

* ``basic``: ints, slices, ``None`` and ``...``, with ``:`` standing in for each advanced
  item, applied first as one numpy view;
* ``advanced``: per dim of that view, an int64 array of positions or a bool mask (or None),
  applied second and broadcast together.

Every check names the op, the dim and the size, as PyTorch's errors do. ``basic_index`` is
the fast path for the common index of ints and slices only.
"""
import numpy as np

from .._tensor import Tensor

_VALID_ITEMS = "only integers, slices (`:`), ellipsis (`...`), None and long or bool tensors are valid indices"


def _items(index):
    """The items of an index, with PyTorch's rule for a list: it is a tuple of items when
    it is shorter than 32 and holds a tensor, array, sequence, slice, None or ``...``."""
    if index.__class__ is tuple:
        return index
    if isinstance(index, list) and len(index) < 32:
        for entry in index:
            if entry is None or entry is Ellipsis or isinstance(entry, (Tensor, np.ndarray, list, tuple, range, slice)):
                return tuple(index)
    return (index,)


def _sequence_array(sequence, op_name):
    """A (nested) list, tuple or range of numbers, bools or 0-d tensors as an ndarray."""
    if isinstance(sequence, range):
        return np.arange(sequence.start, sequence.stop, sequence.step, dtype=np.int64)

    def plain(entry):
        if isinstance(entry, Tensor):
            return entry._data
        if isinstance(entry, (list, tuple, range)):
            return [plain(inner) for inner in entry]
        return entry

    try:
        array = np.array(plain(sequence))
    except ValueError as error:
        raise IndexError(f"{op_name}: can't index with the ragged list {sequence!r}: {error}") from None
    return array.astype(np.int64) if array.size == 0 else array


def _convert(item, op_name):
    """One index item as an int, slice, None, Ellipsis, or a bool / int32 / int64 ndarray."""
    if item is None or item is Ellipsis or item.__class__ is slice:
        return item
    if isinstance(item, (bool, np.bool_)):
        return np.array(bool(item))
    if isinstance(item, (int, np.integer)):
        return int(item)
    if isinstance(item, Tensor):
        item = item._data
    elif isinstance(item, (list, tuple, range)):
        item = _sequence_array(item, op_name)
    elif not isinstance(item, np.ndarray):
        raise IndexError(f"{op_name}: {_VALID_ITEMS} (got {type(item).__name__}: {item!r})")
    if item.dtype == np.uint8:
        item = item.astype(np.bool_)  # byte tensors are masks in PyTorch (deprecated there, still masks)
    elif item.dtype.kind == "i" and item.dtype.itemsize in (4, 8):
        if item.ndim == 0:
            return int(item)  # a 0-d integer tensor selects, like an int
    elif item.dtype != np.bool_:
        raise IndexError(
            f"{op_name}: tensors used as indices must be long, int or bool tensors (uint8 tensors act as masks), "
            f"got dtype {item.dtype}"
        )
    return item


def _check_position(position, dim, size, op_name):
    if not -size <= position < size:
        raise IndexError(f"{op_name}: index {position} is out of bounds for dimension {dim} with size {size}")


def _check_mask(mask, shape, dim, op_name):
    for offset, (size_mask, size) in enumerate(zip(mask.shape, shape[dim:dim + mask.ndim])):
        if size_mask != size:
            raise IndexError(
                f"{op_name}: The shape of the mask {list(mask.shape)} at index {offset} does not match "
                f"the shape of the indexed tensor {list(shape)} at index {dim + offset}"
            )


def _consumed(items):
    """How many dims of the input the items other than None and ``...`` index."""
    return sum(item.ndim if isinstance(item, np.ndarray) and item.dtype == np.bool_ else 1
               for item in items if item is not None and item is not Ellipsis)


def normalize_index(index, shape, op_name="index"):
    """Check an index against ``shape`` and split it into PyTorch's two steps.

    Returns ``(basic, advanced)``: ``basic`` is a tuple of ints, slices and None ending in
    ``...`` (so that even a full integer index gives a 0-d numpy view), with ``:`` where
    each advanced item was; ``advanced`` is None, or the tuple of ``:`` and arrays that
    indexes the result of ``basic``, each array on the dim its ``:`` (or new dim) left.
    """
    items = [_convert(item, op_name) for item in _items(index)]
    if sum(1 for item in items if item is Ellipsis) > 1:
        raise IndexError(f"{op_name}: an index can only have a single ellipsis ('...')")
    consumed = _consumed(items)
    if consumed > len(shape):
        if not shape:
            raise IndexError(
                f"{op_name}: invalid index of a 0-dim tensor. Use `tensor.item()` in Python to convert a 0-dim "
                f"tensor to a number"
            )
        raise IndexError(
            f"{op_name}: too many indices for tensor of dimension {len(shape)} (got {consumed} indices for shape "
            f"{tuple(shape)})"
        )
    basic, placed = [], []  # placed: (dim of the basic result, array)
    dim = out_dim = 0
    for item in items:
        if item is None:
            basic.append(None)
            out_dim += 1
        elif item is Ellipsis:
            skipped = len(shape) - consumed
            basic.extend([slice(None)] * skipped)
            dim += skipped
            out_dim += skipped
        elif item.__class__ is int:
            _check_position(item, dim, shape[dim], op_name)
            basic.append(item)
            dim += 1
        elif item.__class__ is slice:
            basic.append(item)
            dim += 1
            out_dim += 1
        elif item.dtype == np.bool_ and item.ndim == 0:
            basic.append(None)
            placed.append((out_dim, np.zeros(1 if item else 0, dtype=np.int64)))
            out_dim += 1
        elif item.dtype == np.bool_:
            _check_mask(item, shape, dim, op_name)
            basic.extend([slice(None)] * item.ndim)
            placed.append((out_dim, item))
            dim += item.ndim
            out_dim += item.ndim
        else:
            if item.size:
                low, high = int(item.min()), int(item.max())
                _check_position(high if high >= shape[dim] else low, dim, shape[dim], op_name)
            basic.append(slice(None))
            placed.append((out_dim, item))
            dim += 1
            out_dim += 1
    basic.append(Ellipsis)
    if not placed:
        return tuple(basic), None
    _check_broadcast([array for _, array in placed], op_name)
    advanced, next_dim = [], 0
    for position, array in placed:
        advanced.extend([slice(None)] * (position - next_dim))
        advanced.append(array)
        next_dim = position + (array.ndim if array.dtype == np.bool_ else 1)
    return tuple(basic), tuple(advanced)


def _check_broadcast(arrays, op_name):
    """The advanced items must broadcast together (a mask stands for its True count)."""
    shapes = [(int(np.count_nonzero(a)),) if a.dtype == np.bool_ else a.shape for a in arrays]
    try:
        np.broadcast_shapes(*shapes)
    except ValueError:
        raise IndexError(
            f"{op_name}: shape mismatch: indexing tensors could not be broadcast together with shapes "
            f"{', '.join(str(list(s)) for s in shapes)}"
        ) from None


def basic_index(index, shape):
    """The fast path of indexing: ints in range and slices, one per leading dim.

    Returns the ``basic`` tuple of ``normalize_index`` (ending in ``...``), or None when the
    full check is needed (anything else, or an int out of range, which it reports).
    """
    items = index if index.__class__ is tuple else (index,)
    if len(items) > len(shape):
        return None
    for dim, item in enumerate(items):
        kind = item.__class__
        if kind is slice:
            continue
        if kind is int and -shape[dim] <= item < shape[dim]:
            continue
        return None
    return items + (Ellipsis,)


def has_positions(advanced):
    """Whether integer positions (which may repeat) are among the advanced items."""
    return any(isinstance(item, np.ndarray) and item.dtype != np.bool_ for item in advanced)
