"""Where values are and which ones: ``isin`` (is each element among some test values) and
``unravel_index`` (flat positions to coordinates). Neither is differentiable: both give
bool or integer tensors."""
from __future__ import annotations

from typing import Sequence, Tuple, Union

import numpy as np

from .._registry import op
from .._tensor import Tensor
from .._typing import Number
from ..type_promotion import result_type
from ._util import not_a_tensor_error


def _isin_operand(value, argument):
    if isinstance(value, Tensor):
        if value.dtype.kind == "b":
            raise RuntimeError(
                "Unsupported input type encountered for isin(): Bool; compare bool tensors with == or logical ops"
            )
        return value._data
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
        return np.asarray(value)
    raise TypeError(f"isin(): argument '{argument}' must be a Tensor or a number, not {type(value).__name__}")


@op()
def isin(
    elements: Union[Tensor, Number], test_elements: Union[Tensor, Number], *, assume_unique: bool = False,
    invert: bool = False,
) -> Tensor:
    """A bool tensor of ``elements``' shape: True where the element equals one of ``test_elements``
    (compared in their promoted dtype; NaN equals nothing), or, with ``invert=True``, where it equals
    none. One of the two may be a number. ``assume_unique`` is accepted for PyTorch code; the answer is
    exact either way (numpy's shortcut for it would be wrong on repeated values)."""
    if not isinstance(elements, Tensor) and not isinstance(test_elements, Tensor):
        raise TypeError(
            f"isin(): at least one of elements and test_elements must be a Tensor, got "
            f"{type(elements).__name__} and {type(test_elements).__name__}"
        )
    values = _isin_operand(elements, "elements")
    tests = _isin_operand(test_elements, "test_elements")
    common = result_type(elements, test_elements)
    found = np.isin(values.astype(common, copy=False), tests.astype(common, copy=False), invert=bool(invert))
    return Tensor._make(np.asarray(found, dtype=np.bool_))


def _shape_argument(shape):
    dims = (shape,) if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        raise TypeError(f"unravel_index(): 'shape' must be an int or a sequence of ints, got {type(shape).__name__}") from None
    if not all(isinstance(size, (int, np.integer)) and not isinstance(size, bool) for size in dims):
        raise TypeError(f"unravel_index(): 'shape' must be an int or a sequence of ints, got {shape!r}")
    dims = tuple(int(size) for size in dims)
    if any(size < 0 for size in dims):
        raise ValueError(f"unravel_index(): 'shape' cannot have negative values, but got {dims}")
    return dims


@op()
def unravel_index(indices: Tensor, shape: Union[int, Sequence[int]]) -> Tuple[Tensor, ...]:
    """The coordinates, one int64 tensor of ``indices``' shape per dim of ``shape``, of each flat
    position in ``indices`` in a row-major tensor of that shape (``unravel_index(tensor(4), (2, 3))``
    is ``(tensor(1), tensor(1))``). A negative position counts from the end; one outside
    ``[-numel, numel)`` is a RuntimeError (PyTorch leaves it undefined)."""
    if not isinstance(indices, Tensor):
        raise not_a_tensor_error("unravel_index", "indices", indices)
    if indices.dtype.kind not in "iu":
        raise TypeError(f"unravel_index(): expected 'indices' to be integer dtype, but got {indices.dtype}")
    dims = _shape_argument(shape)
    numel = int(np.prod(dims, dtype=np.int64))
    flat = indices._data.astype(np.int64)
    if flat.size and (flat.min() < -numel or flat.max() >= numel):
        bad = int(flat.min() if flat.min() < -numel else flat.max())
        raise RuntimeError(
            f"unravel_index(): index {bad} is out of range for shape {dims} of {numel} elements "
            f"(expected -{numel} <= index < {numel})"
        )
    if not dims:
        return ()
    coordinates = np.unravel_index(np.where(flat < 0, flat + numel, flat), dims)
    return tuple(Tensor._make(np.asarray(coordinate, dtype=np.int64)) for coordinate in coordinates)
