"""From Python data to a numpy array, with PyTorch's dtype rules (``mt.tensor``'s first step).

``mt.tensor([1, 2])`` is int64 and ``mt.tensor([1.0, 2])`` the default float dtype, whatever numpy
would pick; a Python int beyond int64 raises PyTorch's overflow error instead of becoming a float;
an explicit ``dtype`` is applied once and range-checked (``tensor([300], dtype=mt.uint8)`` raises).
"""
import numpy as np

from . import _dtypes
from ._float_errors import quiet_float_errors


def array_from_data(data, dtype=None):
    """A new numpy array of ``data`` (an ndarray, a numpy scalar, a number, a bool or nested sequences
    of them) with PyTorch's dtype rules: ints become int64, floats the default float dtype, numpy
    scalars, arrays and tensors inside a list keep their dtype, all promoted together as PyTorch does
    (``[np.float64(1), 2.0]`` is float64, ``[np.int32(1), 2]`` int64); ``dtype`` (if given) is applied
    once, with PyTorch's range checks."""
    if isinstance(data, np.ndarray):
        if data.dtype == object:
            raise TypeError("can't convert an object array to a tensor; only numbers and bools are supported")
        array = np.array(data, copy=True)
    elif isinstance(data, np.generic):
        array = np.array(data)
    else:
        inferred, holds_tensors = _inferred_dtype(data)
        if holds_tensors:
            data = _tensors_as_numbers(data)
        if inferred is None:  # something numpy may still read (objects with __array__ ...): numpy decides
            try:
                array = np.array(data)
            except ValueError as error:
                raise ValueError(f"can't make a tensor from {type(data).__name__}: {error}") from None
            if array.dtype.kind not in "biuf":
                raise TypeError(
                    f"can't make a tensor from {type(data).__name__} holding {array.dtype} values; "
                    f"expected numbers, bools, or (nested) sequences of them"
                )
            inferred = _dtypes.int64 if array.dtype.kind in "iu" else (
                _dtypes.get_default_dtype() if array.dtype == np.float64 else array.dtype)
        wanted = None if dtype is None else np.dtype(_dtypes.to_dtype(dtype))
        if wanted is not None and wanted.kind == "f":
            inferred = wanted  # straight into a float dtype: one rounding, no int64 overflow to refuse
        elif wanted is not None and inferred.kind == "f":
            inferred = np.dtype(np.float64)  # floats for an integer dtype: range-checked below, then cut
        array = _array_of(data, inferred, wanted)
    if dtype is not None:
        dtype = _dtypes.to_dtype(dtype)
        if not isinstance(data, np.ndarray):
            if array.dtype.kind in "iu":
                array = _checked_integers(array, np.dtype(dtype))
            elif array.dtype.kind == "f":
                _check_floats_fit(array, np.dtype(dtype))
        with quiet_float_errors():  # 1e40 -> float32 is inf, as in PyTorch
            array = array.astype(dtype, copy=False)
    elif array.dtype.kind not in "biuf":
        raise TypeError(f"microtensor does not support dtype {array.dtype}")
    if not array.dtype.isnative:  # a big-endian array: PyTorch's dtypes are native-endian
        array = array.astype(array.dtype.newbyteorder("="))
    return array


class IntOverflowError(RuntimeError, ValueError):
    """A Python int beyond int64 in tensor data: PyTorch raised RuntimeError for it before 2.x and
    ValueError now, so this is both (``except RuntimeError`` and ``except ValueError`` both catch it)."""


def _array_of(data, dtype, wanted=None):
    """``np.array(data, dtype)``, with PyTorch's error for a Python int beyond int64 (unless ``wanted``
    is uint64, which takes ints up to 2**64 - 1). A tensor inside a list is one number (PyTorch takes
    ``[mt.tensor([1.]), mt.tensor([2.])]`` as ``[1., 2.]``)."""
    try:
        with quiet_float_errors():  # a float64 scalar beyond float32: inf, as PyTorch
            return np.array(data, dtype=dtype)
    except OverflowError:
        if wanted == np.uint64:
            values = np.array(data, dtype=object)
            if values.size:
                for value in (values.min(), values.max()):
                    _dtypes.checked_integer(int(value), wanted, "tensor")
            return np.array(values % 2**64, dtype=object).astype(np.uint64)  # a 0-d result is a Python int
        raise IntOverflowError(
            f"Overflow when unpacking long: {data!r} does not fit in int64 (PyTorch's integer dtype)"
        ) from None
    except ValueError as error:
        raise ValueError(f"can't make a tensor from {type(data).__name__}: {error}") from None


def _is_tensor(item):
    return type(item).__name__ == "Tensor" and hasattr(item, "_data")  # no import of _tensor (it imports us)


def _tensors_as_numbers(data):
    """``data`` with each one-element tensor inside a list replaced by its value as a 0-d array (the
    structure is copied only when a tensor is found)."""
    if not isinstance(data, (list, tuple)):
        return data
    items = [_tensors_as_numbers(item) for item in data] if any(isinstance(item, (list, tuple)) for item in data) else data
    if any(_is_tensor(item) for item in items):
        items = [item._data.reshape(()) if _is_tensor(item) else item for item in items]
    return data if items is data else items


def _inferred_dtype(data):
    """PyTorch's dtype for Python data: each element's own (bool, int64, the default float, a numpy
    scalar's, array's or tensor's dtype), promoted together (the highest kind wins, numpy's rules within
    a kind); an empty sequence is the default float. None for what is none of these. Also whether a
    tensor is among the elements."""
    if not isinstance(data, (list, tuple)):
        return (_type_dtype(type(data)) if isinstance(data, (bool, int, float)) else None), False
    kinds, stack, others = set(), [data], []
    while stack:  # one type check per kind of element in each list, not one per element
        items = stack.pop()
        found = set(map(type, items))
        for sequence_kind in (list, tuple):
            if sequence_kind in found:
                found.discard(sequence_kind)
                stack.extend(item for item in items if type(item) is sequence_kind)
        for kind in found - kinds:
            if _type_dtype(kind) is None:
                others.extend(item for item in items if type(item) is kind)
        kinds |= found
    dtypes = {_type_dtype(kind) for kind in kinds} - {None}
    holds_tensors = False
    for item in others:
        if _is_tensor(item) and item._data.size != 1:
            raise ValueError(
                f"only one element tensors can be converted to Python scalars: a list holds a tensor of shape "
                f"{item.shape}; use mt.stack(list) to join tensors, or mt.tensor(t.tolist())"
            )
        holds_tensors = holds_tensors or _is_tensor(item)
        item_dtype = _item_dtype(item)
        if item_dtype is None:
            return None, holds_tensors
        if isinstance(item_dtype, list):  # a list or tuple subclass
            nested, nested_tensors = _inferred_dtype(item_dtype)
            holds_tensors = holds_tensors or nested_tensors
            if nested is None:
                return None, holds_tensors
            item_dtype = nested if item_dtype else None
        if item_dtype is not None:
            dtypes.add(item_dtype)
    if not dtypes:
        return _dtypes.get_default_dtype(), holds_tensors
    return _dtypes._result_type_within(list(dtypes)), holds_tensors


def _type_dtype(kind):
    """The dtype every value of the Python type ``kind`` becomes (None when it depends on the value)."""
    if kind is float:
        return _dtypes.get_default_dtype()
    if kind is int:
        return _dtypes.int64
    if kind is bool:
        return _dtypes.bool
    if issubclass(kind, np.generic) and np.dtype(kind).kind in "biuf":
        return np.dtype(kind)
    return None


def _item_dtype(item):
    """The dtype of one element that is not a plain number: an array or tensor (its own), a subclass
    of bool/int/float (an IntEnum ...), a sequence subclass (its elements, returned as a list)."""
    dtype = getattr(item, "dtype", None)
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf" and hasattr(item, "__array__"):
        return dtype
    if isinstance(item, bool):
        return _dtypes.bool
    if isinstance(item, int):
        return _dtypes.int64
    if isinstance(item, float):
        return _dtypes.get_default_dtype()
    if isinstance(item, (list, tuple)):
        return list(item)
    return None


def _checked_integers(array, dtype):
    """Python ints for a narrower integer dtype, checked as PyTorch does (``tensor([300], dtype=uint8)`` raises)."""
    if dtype.kind not in "iu" or dtype.itemsize == 8 or not array.size:
        return array
    for value in (int(array.min()), int(array.max())):
        _dtypes.checked_integer(value, dtype, "tensor")
    return array


def _check_floats_fit(array, dtype):
    """Python floats for an integer dtype must lie in its range, as PyTorch checks (``tensor([300.],
    dtype=uint8)`` and ``tensor([nan], dtype=int8)`` raise; ``tensor([2.7], dtype=int64)`` is 2)."""
    if dtype.kind not in "iu" or not array.size:
        return
    fits = _floats_fit_integers(array, dtype)
    if not fits.all():
        info = np.iinfo(dtype)
        raise RuntimeError(
            f"tensor: value {array[~fits].flat[0]} cannot be converted to type {dtype} without overflow "
            f"(it takes {info.min} to {info.max})"
        )


def _floats_fit_integers(values, dtype):
    """Where float ``values`` lie in the integer ``dtype``'s range (False for nan and inf)."""
    info = np.iinfo(dtype)
    with quiet_float_errors():
        # float(2**63 - 1) rounds up to 2**63, so int64's top is checked with a strict "<".
        return (values >= info.min) & ((values < 2.0**63) if dtype.itemsize == 8 else (values <= info.max))


def checked_scalar(value, dtype, op_name):
    """A Python or numpy number converted to ``dtype`` by PyTorch's checked rule for fill values
    (``full``, ``full_like``, ``new_full``, ``fill_``): an int must lie in an integer dtype's range (a
    negative one wraps in an unsigned dtype: -1 -> 255 for uint8) and a float must be finite and
    within it (then it is cut toward zero: 2.7 -> 2); a finite number beyond a float dtype's largest
    value raises rather than becoming inf (inf and nan themselves are kept). Any number fills a bool
    tensor (non-zero is True). Otherwise a RuntimeError names the op, the value and the range."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b" or isinstance(value, (bool, np.bool_)):
        return value
    if dtype.kind in "iu":
        if isinstance(value, (int, np.integer)):
            return _dtypes.checked_integer(int(value), dtype, op_name)
        value = float(value)
        if not _floats_fit_integers(value, dtype):
            info = np.iinfo(dtype)
            raise _overflow(op_name, value, dtype, info.min, info.max)
        return value
    largest = float(np.finfo(dtype).max)
    try:
        number = float(value)
    except OverflowError:  # a Python int beyond float64
        raise _overflow(op_name, value, dtype, -largest, largest) from None
    if abs(number) > largest and number - number == 0:  # finite and too big (inf - inf is nan)
        raise _overflow(op_name, value, dtype, -largest, largest)
    return number


def _overflow(op_name, value, dtype, low, high):
    return RuntimeError(
        f"{op_name}: value {value} cannot be converted to type {dtype} without overflow (it takes {low} to {high})"
    )
