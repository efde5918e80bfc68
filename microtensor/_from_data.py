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
    of them) with PyTorch's dtype rules: ints become int64, floats the default float dtype, and
    ``dtype`` (if given) is applied once, with PyTorch's range checks."""
    if isinstance(data, np.ndarray):
        if data.dtype == object:
            raise TypeError("can't convert an object array to a tensor; only numbers and bools are supported")
        array = np.array(data, copy=True)
    elif isinstance(data, np.generic):
        array = np.array(data)
    else:
        try:
            array = np.array(data)
        except ValueError as error:
            raise ValueError(f"can't make a tensor from {type(data).__name__}: {error}") from None
        if array.dtype.kind == "f":
            if array.size and _only_ints_some_huge(data, array) and not _is_float_dtype(dtype):
                raise RuntimeError(
                    f"Overflow when unpacking long: {data!r} does not fit in int64 (PyTorch's integer dtype)"
                )
            if dtype is None:  # an explicit dtype is applied once, below (no rounding through float32)
                array = array.astype(_dtypes.get_default_dtype(), copy=False)
        elif array.dtype.kind == "u" or (array.dtype.kind == "O" and _has_huge_int(data)):
            raise RuntimeError(
                f"Overflow when unpacking long: {data!r} does not fit in int64 (PyTorch's integer dtype)"
            )
        elif array.dtype.kind in "iu":
            array = array.astype(np.int64, copy=False)
        elif array.dtype.kind not in "b":
            raise TypeError(
                f"can't make a tensor from {type(data).__name__} holding {array.dtype} values; "
                f"expected numbers, bools, or (nested) sequences of them"
            )
    if dtype is not None:
        dtype = _dtypes.to_dtype(dtype)
        if not isinstance(data, np.ndarray):
            if array.dtype == np.int64:
                array = _checked_integers(array, np.dtype(dtype))
            elif array.dtype.kind == "f":
                _check_floats_fit(array, np.dtype(dtype))
        array = array.astype(dtype, copy=False)
    elif array.dtype.kind not in "biuf":
        raise TypeError(f"microtensor does not support dtype {array.dtype}")
    if not array.dtype.isnative:  # a big-endian array: PyTorch's dtypes are native-endian
        array = array.astype(array.dtype.newbyteorder("="))
    return array


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
    info = np.iinfo(dtype)
    with quiet_float_errors():
        # float(2**63 - 1) rounds up to 2**63, so int64's top is checked with a strict "<".
        fits = (array >= info.min) & ((array < 2.0**63) if dtype.itemsize == 8 else (array <= info.max))
    if not fits.all():
        raise RuntimeError(
            f"tensor: value {array[~fits].flat[0]} cannot be converted to type {dtype} without overflow "
            f"(it takes {info.min} to {info.max})"
        )


def _is_float_dtype(dtype):
    return dtype is not None and np.dtype(_dtypes.to_dtype(dtype)).kind == "f"


def _only_ints_some_huge(data, array):
    """Whether numpy made floats of Python ints only because one is beyond int64 (PyTorch raises)."""
    if not np.max(np.abs(array)) >= 2.0**63:  # nan (a float was given) or small: nothing to check
        return False
    stack, huge = [data], False
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, (float, np.floating)):
            return False
        elif isinstance(item, int) and not -(2**63) <= item < 2**63:
            huge = True
    return huge


def _has_huge_int(data):
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, int) and not -(2**63) <= item < 2**63:
            return True
    return False
