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
from .creation import _finish, _float_dtype
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
    inclusive (``logspace(0, 2, 3)`` is 1, 10, 100), in the default float dtype unless ``dtype`` is given
    (an integer dtype rounds each value toward zero)."""
    start, end = _number(start, "start", "logspace"), _number(end, "end", "logspace")
    base = _number(base, "base", "logspace")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"logspace(): argument 'steps' must be int, not {type(steps).__name__} ({steps!r})")
    if steps < 0:
        raise RuntimeError(f"logspace: number of steps must be non-negative, got {steps}")
    with quiet_float_errors():
        values = np.power(float(base), np.linspace(start, end, int(steps)))
    return _finish(values.astype(_float_dtype(dtype)), requires_grad, device)


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
