"""Evenly spaced values beyond ``arange`` and ``linspace`` (``creation.py``): ``mt.logspace`` and the
deprecated ``mt.range``, whose end is included."""
from __future__ import annotations

import math
import warnings
from typing import Optional

import numpy as np

from . import _dtypes
from ._tensor import Tensor
from ._typing import DeviceLike, DTypeLike, Number
from .creation import _as_spaced_dtype, _finish, _float_dtype, _spaced_bounds, _spaced_kind, _steps
from ._float_errors import quiet_float_errors


def _number(value, name, op_name):
    if isinstance(value, Tensor) and value.ndim == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{op_name}(): argument '{name}' must be a number, not {type(value).__name__} ({value!r})")
    return value


def logspace(
    start: Number, end: Number, steps: int, base: float = 10.0, *, dtype: Optional[DTypeLike] = None,
    device: Optional[DeviceLike] = None, requires_grad: bool = False,
) -> Tensor:
    """``steps`` values ``base ** e`` with the exponents ``e`` evenly spaced from ``start`` to ``end``
    inclusive (``logspace(0, 2, 3)`` is 1, 10, 100), in the default float dtype unless ``dtype`` is given.
    Computed as PyTorch's kernel: ``start`` and ``end`` are converted to the dtype first (an integer one
    cuts them toward zero), the exponents and powers are float64, then each value is converted (cut
    toward zero for an integer dtype)."""
    start, end = _number(start, "start", "logspace"), _number(end, "end", "logspace")
    base = _number(base, "base", "logspace")
    steps = _steps(steps, "logspace")
    dtype = _float_dtype(dtype)
    if steps > 1:  # one step or none runs no kernel (PyTorch fills with base ** start), so bool is fine then
        _spaced_kind(dtype, "logspace")
    with quiet_float_errors():
        if steps == 1:  # PyTorch: base ** start in float64, whatever the dtype
            values = np.array([float(base) ** float(start)])
        else:
            # PyTorch's kernel: the base and exponents in float64, from start and end converted to the dtype
            first, last = _spaced_bounds(start, end, dtype, "logspace")
            exponents = _halves(np.float64(first), np.float64(last), steps)
            values = np.power(np.float64(base), exponents)
        return _finish(_as_spaced_dtype(values, dtype), requires_grad, device)


def _halves(first, last, steps):
    """``steps`` float64 points from ``first`` to ``last``: the first half counted up from ``first``, the
    second down from ``last`` (both ends exact), as PyTorch's kernels count them."""
    step = (last - first) / (steps - 1)
    index = np.arange(steps)
    halfway = steps // 2
    return np.concatenate([first + step * index[:halfway], last - step * (steps - 1 - index[halfway:])])


_RANGE_DEPRECATION = (
    "microtensor.range is deprecated and will be removed in a future release because its behavior is "
    "inconsistent with Python's range builtin. Instead, use microtensor.arange, which produces values in "
    "[start, end)."
)


def range(  # noqa: A001  (PyTorch's name)
    start: Number, end: Number, step: Number = 1, *, dtype: Optional[DTypeLike] = None,
    device: Optional[DeviceLike] = None, requires_grad: bool = False,
) -> Tensor:
    """Deprecated (a UserWarning says so, as in PyTorch): the values ``start, start + step, ...`` up to
    and *including* ``end``, ``floor((end - start) / step) + 1`` of them, in the default float dtype
    even for ints unless ``dtype`` is given. Use ``mt.arange``, which leaves ``end`` out."""
    warnings.warn(_RANGE_DEPRECATION, UserWarning, stacklevel=2)
    start, end, step = (_number(value, name, "range") for name, value in (("start", start), ("end", end), ("step", step)))
    if not all(math.isfinite(value) for value in (start, end, step)):
        raise RuntimeError(f"range: unsupported range: {start} -> {end} with step {step}; all three must be finite")
    wanted: np.dtype = _float_dtype(dtype)
    if wanted.kind != "f":
        start, end, step = int(start), int(end), int(step)  # PyTorch takes the bounds in the integer dtype
    if step == 0:
        raise RuntimeError(f"range: step must be nonzero (start={start}, end={end}, step={step} in dtype {wanted})")
    if (end - start) / step < 0:
        raise RuntimeError(
            f"range: upper bound and lower bound inconsistent with step sign (start={start}, end={end}, step={step})"
        )
    count = int(math.floor((end - start) / step)) + 1
    values = np.asarray(start) + np.asarray(step) * np.arange(count, dtype=np.float64 if wanted.kind == "f" else np.int64)
    if wanted.kind in "iu":
        _dtypes.checked_integer(int(values[-1]), wanted, "range")
    return _finish(values.astype(wanted), requires_grad, device)
