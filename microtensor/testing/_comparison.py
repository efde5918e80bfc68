"""``assert_close``: PyTorch's closeness check with PyTorch's error messages.

Two values are close where ``|actual - expected| <= atol + rtol * |expected|`` (infinities must be
equal, NaN matches NaN only with ``equal_nan=True``). Before the values, the shape, dtype and
(with ``check_stride=True``) the strides must agree.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Callable, Optional, Union

import numpy as np

from .._size import Size
from .._tensor import Tensor
from .._float_errors import quiet_float_errors

# PyTorch's defaults (rtol, atol) per dtype; integer and bool dtypes compare exactly.
_DEFAULT_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
}
_NUMBERS = (bool, int, float, np.bool_, np.integer, np.floating)


class _Mismatch(Exception):
    """A failed comparison's message (raised as AssertionError once the item path is known)."""


def _tolerances(*dtypes: np.dtype) -> tuple:
    pairs = [_DEFAULT_TOLERANCES.get(np.dtype(dtype), (0.0, 0.0)) for dtype in dtypes]
    return max(rtol for rtol, _ in pairs), max(atol for _, atol in pairs)


def _dtype_name(dtype: np.dtype) -> str:
    return f"microtensor.{np.dtype(dtype).name}"


def _kind(value: Any) -> Optional[str]:
    if isinstance(value, Tensor):
        return "tensor"
    if isinstance(value, np.ndarray):
        return "array"
    if isinstance(value, _NUMBERS):
        return "number"
    return None


def _format(value: Any) -> str:
    return repr(value.item() if isinstance(value, np.generic) else value)


def _compare_numbers(actual, expected, rtol, atol, equal_nan, check_dtype) -> None:
    python_kind = [bool if isinstance(v, (bool, np.bool_)) else int if isinstance(v, (int, np.integer)) else float
                   for v in (actual, expected)]
    if check_dtype and python_kind[0] is not python_kind[1]:
        raise _Mismatch(f"The (d)types do not match: {python_kind[0]} != {python_kind[1]}.")
    if python_kind == [bool, bool]:
        if bool(actual) is not bool(expected):
            raise _Mismatch(f"Booleans mismatch: {bool(actual)} is not {bool(expected)}")
        return
    exact = float not in python_kind
    if rtol is None:
        rtol, atol = (0.0, 0.0) if exact else _tolerances(np.float64)
    a, b = (v.item() if isinstance(v, np.generic) else v for v in (actual, expected))
    if a == b or (equal_nan and _is_nan(a) and _is_nan(b)):
        return
    difference = abs(a - b)
    if not _is_nan(difference) and not math.isinf(difference) and difference <= atol + rtol * abs(b):
        return
    relative = difference / abs(b) if b != 0 else math.inf
    raise _Mismatch(
        f"Scalars are not {'equal' if rtol == 0 and atol == 0 else 'close'}!\n\n"
        f"Expected {_format(b)} but got {_format(a)}.\n"
        f"Absolute difference: {_format(difference)}{_allowed(atol, rtol, atol)}\n"
        f"Relative difference: {_format(relative)}{_allowed(rtol, rtol, atol)}"
    )


def _is_nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)


def _allowed(tolerance, rtol, atol) -> str:
    return "" if rtol == 0 and atol == 0 else f" (up to {tolerance} allowed)"


def _as_array(value, kind: str) -> np.ndarray:
    array = value.detach().numpy() if kind == "tensor" else value
    if array.dtype.kind not in "biuf":
        raise TypeError(
            f"assert_close cannot compare arrays of dtype {array.dtype}: only bool, integer and float values"
        )
    return array


def _strides(array: np.ndarray) -> tuple:
    return tuple(stride // array.itemsize for stride in array.strides)


def _compare_arrays(actual, expected, kind, rtol, atol, equal_nan, check_dtype, check_stride) -> None:
    a, b = _as_array(actual, kind), _as_array(expected, kind)
    if a.shape != b.shape:
        raise _Mismatch(f"The values for attribute 'shape' do not match: {Size(a.shape)!r} != {Size(b.shape)!r}.")
    if check_dtype and a.dtype != b.dtype:
        raise _Mismatch(
            f"The values for attribute 'dtype' do not match: {_dtype_name(a.dtype)} != {_dtype_name(b.dtype)}."
        )
    if check_stride and kind == "tensor" and actual.stride() != expected.stride():
        raise _Mismatch(f"The values for attribute 'stride()' do not match: {actual.stride()} != {expected.stride()}.")
    if rtol is None:
        rtol, atol = _tolerances(a.dtype, b.dtype)
    shown = (a, b)
    common = np.promote_types(a.dtype, b.dtype)
    if common.kind in "biu":
        a, b, common = a.astype(np.int64), b.astype(np.int64), np.dtype(np.int64)
    a, b = a.astype(common, copy=False), b.astype(common, copy=False)
    with quiet_float_errors():
        matches = np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan) if common.kind == "f" else a == b
        if common.kind == "f":
            matches |= a == b  # equal infinities
    if matches.all():
        return
    raise _Mismatch(_array_mismatch_message(a, b, matches, rtol, atol, shown))


def _array_mismatch_message(a, b, matches, rtol, atol, shown) -> str:
    """PyTorch's layout: the count of mismatches, then the greatest absolute and relative
    differences among them (NaN wins, as torch.max lets it) with their indices; then the two
    values where the absolute difference is greatest (a line PyTorch does not print)."""
    equality = rtol == 0 and atol == 0
    if a.ndim == 0:
        return _scalar_message(a.item(), b.item(), rtol, atol, equality)
    with quiet_float_errors():
        absolute = np.where(matches, 0, np.abs(a - b)).ravel()
        relative = np.where(matches, 0, absolute.reshape(a.shape) / np.abs(b.astype(np.float64))).ravel()
    if a.dtype.kind == "f":
        relative = relative.astype(a.dtype)
    worst_absolute, worst_relative = _argmax_nan_first(absolute), _argmax_nan_first(relative)
    total, mismatched = matches.size, int((~matches).sum())
    where_absolute = np.unravel_index(worst_absolute, a.shape)
    where_relative = np.unravel_index(worst_relative, a.shape)
    lines = [
        f"Tensor-likes are not {'equal' if equality else 'close'}!",
        "",
        f"Mismatched elements: {mismatched} / {total} ({mismatched / total:.1%})",
        f"Greatest absolute difference: {_format(absolute[worst_absolute])} at index "
        f"{_index(where_absolute)}{_allowed(atol, rtol, atol)}",
        f"Greatest relative difference: {_format(relative[worst_relative])} at index "
        f"{_index(where_relative)}{_allowed(rtol, rtol, atol)}",
        f"Values at index {_index(where_absolute)}: actual {_format(shown[0][where_absolute])}, "
        f"expected {_format(shown[1][where_absolute])}",
    ]
    return "\n".join(lines)


def _scalar_message(a, b, rtol, atol, equality) -> str:
    with quiet_float_errors():
        difference = abs(a - b)
        relative = difference / abs(b) if b != 0 else math.inf
    return (
        f"Scalars are not {'equal' if equality else 'close'}!\n\n"
        f"Expected {_format(b)} but got {_format(a)}.\n"
        f"Absolute difference: {_format(difference)}{_allowed(atol, rtol, atol)}\n"
        f"Relative difference: {_format(relative)}{_allowed(rtol, rtol, atol)}"
    )


def _argmax_nan_first(values: np.ndarray) -> int:
    nan = np.isnan(values) if values.dtype.kind == "f" else None
    return int(np.argmax(nan)) if nan is not None and nan.any() else int(np.argmax(values))


def _index(position: tuple) -> str:
    return repr(tuple(int(i) for i in position))


def _compare(actual, expected, path, options) -> None:
    kinds = (_kind(actual), _kind(expected))
    if kinds[0] is not None and kinds[0] == kinds[1]:
        try:
            if kinds[0] == "number":
                _compare_numbers(actual, expected, *options[:4])
            else:
                _compare_arrays(actual, expected, kinds[0], *options)
        except _Mismatch as mismatch:
            raise _Mismatch(str(mismatch), path) from None
        return
    if isinstance(actual, Mapping) and isinstance(expected, Mapping):
        _compare_mappings(actual, expected, path, options)
        return
    if _is_sequence(actual) and _is_sequence(expected):
        if len(actual) != len(expected):
            raise _Mismatch(f"The length of the sequences mismatch: {len(actual)} != {len(expected)}", path)
        for position, (a, b) in enumerate(zip(actual, expected)):
            _compare(a, b, path + [position], options)
        return
    hint = ""
    if set(kinds) == {"tensor", "array"}:
        hint = " Convert one of them: mt.as_tensor(array) or tensor.numpy()."
    elif set(kinds) == {"tensor", "number"}:
        hint = " Compare with mt.tensor(number) or tensor.item()."
    raise TypeError(
        f"No comparison pair was able to handle inputs of type {type(actual)} and {type(expected)}.{hint}"
    )


def _compare_mappings(actual, expected, path, options) -> None:
    missing = [key for key in expected if key not in actual]
    additional = [key for key in actual if key not in expected]
    if missing or additional:
        raise _Mismatch(
            "The keys of the mappings do not match:\n"
            f"Missing keys in the actual mapping: {sorted(missing, key=repr)}\n"
            f"Additional keys in the actual mapping: {sorted(additional, key=repr)}",
            path,
        )
    for key in expected:
        _compare(actual[key], expected[key], path + [key], options)


def _is_sequence(value) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def assert_close(
    actual: Any,
    expected: Any,
    *,
    rtol: Optional[float] = None,
    atol: Optional[float] = None,
    equal_nan: bool = False,
    check_device: bool = True,
    check_dtype: bool = True,
    check_layout: bool = True,
    check_stride: bool = False,
    msg: Optional[Union[str, Callable[[str], str]]] = None,
) -> None:
    """Raise AssertionError unless ``actual`` and ``expected`` are close, elementwise:
    ``|actual - expected| <= atol + rtol * |expected|``.

    Both can be tensors, numpy arrays, numbers, or lists/tuples/dicts of them (nested); the two
    sides must be of the same kind. Without ``rtol``/``atol`` the tolerances are PyTorch's for the
    dtype (float16 1e-3/1e-5, float32 1.3e-6/1e-5, float64 1e-7/1e-7, integers and bool exact);
    give both or neither. ``msg`` replaces the message, or (a callable) rewrites it.
    """
    if (rtol is None) != (atol is None):
        missing = "atol" if atol is None else "rtol"
        raise ValueError(f"Both 'rtol' and 'atol' must be either specified or omitted, but got no {missing}.")
    options = (rtol, atol, equal_nan, check_dtype, check_stride)
    try:
        _compare(actual, expected, [], options)
    except _Mismatch as mismatch:
        message, path = mismatch.args[0], (mismatch.args[1] if len(mismatch.args) > 1 else [])
        if path:
            message += "\n\nThe failure occurred for item " + "".join(f"[{key!r}]" for key in path)
        if callable(msg):
            message = msg(message)
        elif msg is not None:
            message = msg
        raise AssertionError(message) from None
