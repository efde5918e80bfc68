"""Evenly spaced values: ``mt.arange``, ``mt.linspace``, ``mt.logspace`` and the deprecated ``mt.range``,
whose end is included. Each follows PyTorch's kernel, integer dtypes included."""
from __future__ import annotations

import math
import warnings
from typing import Optional

import numpy as np

from . import _dtypes
from ._tensor import Tensor
from ._typing import DeviceLike, DTypeLike, Number
from ._from_data import checked_scalar
from .creation import _finish, _float_dtype
from ._float_errors import quiet_float_errors


def arange(
    start: Optional[Number] = None, end: Optional[Number] = None, step: Number = 1, dtype: Optional[DTypeLike] = None,
    requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    """Values from ``start`` up to (not including) ``end`` in steps of ``step``.

    ``arange(end)``, ``arange(start, end, step)`` and ``arange(end=n)`` as in PyTorch;
    int64 when all of start, end, step are ints, else the default float dtype.

    A float dtype has ``ceil((end - start) / step)`` values ``start + i * step`` (computed in float64,
    float32 for float16). An integer dtype follows PyTorch's kernel, not numpy's: the values are
    ``int(start) + i * int(step)`` (each bound cut toward zero, then wrapped into the dtype); for int64
    their number is ``(int(end) - int(start) + int(step) - sign) // int(step)`` (so ``step=0.3`` is a
    zero step), for the narrower integer dtypes ``ceil((end - start) / step)`` of the numbers as given.
    """
    if start is None and end is None:
        raise TypeError("arange() missing the end argument, e.g. mt.arange(5) or mt.arange(0, 5)")
    if start is None:
        start = 0
    elif end is None:
        start, end = 0, start
    start, end, step = (value.item() if isinstance(value, Tensor) and value.ndim == 0 else value for value in (start, end, step))
    for name, value in (("start", start), ("end", end), ("step", step)):
        if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool):
            raise TypeError(f"arange(): argument '{name}' must be a number, not {type(value).__name__} ({value!r})")
    if not all(np.isfinite(value) for value in (start, end, step)):
        raise RuntimeError(f"arange: unsupported range: {start} -> {end} with step {step}; all three must be finite")
    if dtype is None:
        all_ints = all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in (start, end, step))
        dtype = _dtypes.int64 if all_ints else _dtypes.get_default_dtype()
    dtype = _dtypes.to_dtype(dtype)
    _spaced_kind(dtype, "arange")
    if dtype.kind in "iu":  # PyTorch computes in int64: each bound must fit it (1e20 raises)
        for value in (start, end, step):
            checked_scalar(value, _dtypes.int64, "arange")
    if dtype == _dtypes.int64:  # PyTorch cuts the bounds to int64 first: the checks see the cut values
        start, end, step = int(start), int(end), int(step)
    if step == 0:
        raise RuntimeError(f"arange: step must be nonzero (start={start}, end={end}, step={step} in dtype {dtype})")
    if (end - start) / step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign (start={start}, end={end}, step={step})")
    if dtype.kind == "f":
        count = int(np.ceil((end - start) / step))
        compute = np.float32 if dtype == np.float16 else np.float64
        with quiet_float_errors():  # beyond float16's range is inf, as in PyTorch
            array = (compute(start) + compute(step) * np.arange(count, dtype=compute)).astype(dtype)
    else:
        if dtype == _dtypes.int64:
            sign = 1 if step > 0 else -1
            count = abs(end - start + step - sign) // abs(step)  # C's division: toward zero
        else:
            count = int(np.ceil((end - start) / step))
        array = (int(start) + int(step) * np.arange(count, dtype=np.int64)).astype(dtype)  # wraps, as PyTorch
    return _finish(array, requires_grad, device)


def _spaced_kind(dtype, op_name):
    """PyTorch has no arange/linspace/logspace kernel for bool."""
    if dtype.kind == "b":
        raise NotImplementedError(
            f'{op_name}: "{op_name}_cpu" not implemented for \'Bool\'; make the values in an integer dtype and '
            f"compare them, or use mt.ones/mt.zeros(dtype=mt.bool)"
        )


def _spaced_bounds(start, end, dtype, op_name):
    """``start`` and ``end`` converted to ``dtype`` as PyTorch's linspace/logspace kernels take them
    (range-checked; cut toward zero for an integer dtype), as numpy scalars of the dtype to compute
    in: the dtype itself for a float one, float64 for an integer one."""
    if dtype.kind == "f":
        return tuple(dtype.type(checked_scalar(value, dtype, op_name)) for value in (start, end))
    return tuple(np.float64(np.asarray(checked_scalar(value, dtype, op_name)).astype(dtype)) for value in (start, end))


def _linspace_points(start, end, steps, dtype, op_name):
    """The ``steps`` points from ``start`` to ``end`` as PyTorch's linspace kernel computes them, in
    the dtype for a float one (float64 for an integer one, to be cut by ``_as_spaced_dtype``):
    ``step = (end - start) / (steps - 1)``, the first half ``start + step * i`` and the second half
    ``end - step * (steps - 1 - i)``, so both ends are exact; one step is ``start``."""
    start, end = _spaced_bounds(start, end, dtype, op_name)
    if steps <= 1:
        return np.full(steps, start, dtype=type(start))
    with quiet_float_errors():  # float16 steps beyond its range, as PyTorch's kernel
        return _halves(start, end, steps)


def _as_spaced_dtype(points, dtype):
    """Points computed by ``_linspace_points`` in the result dtype: an integer one cuts them toward zero
    and wraps them (through int64), as PyTorch's kernel converts them."""
    if dtype.kind == "f":
        return points.astype(dtype, copy=False)
    with quiet_float_errors():
        return np.trunc(points).astype(np.int64).astype(dtype)


def _steps(steps, op_name):
    if isinstance(steps, Tensor) and steps.ndim == 0 and steps.dtype.kind in "iu":
        steps = steps.item()
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)):
        raise TypeError(f"{op_name}(): argument 'steps' must be int, not {type(steps).__name__} ({steps!r})")
    if steps < 0:
        raise RuntimeError(f"{op_name}: number of steps must be non-negative, got {steps}")
    return int(steps)


def linspace(
    start: Number, end: Number, steps: int, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive, in the default float dtype
    unless ``dtype`` is given, computed as PyTorch's kernel does (``_linspace_points``): an integer
    dtype cuts ``start`` and ``end`` toward zero first, then each value."""
    steps = _steps(steps, "linspace")
    start, end = (value.item() if isinstance(value, Tensor) and value.ndim == 0 else value for value in (start, end))
    dtype = _float_dtype(dtype)
    if steps <= 1 and dtype.kind == "b":  # no kernel runs: PyTorch fills with start
        return _finish(np.full(steps, checked_scalar(start, dtype, "linspace"), dtype), requires_grad, device)
    _spaced_kind(dtype, "linspace")
    points = _linspace_points(start, end, steps, dtype, "linspace")
    return _finish(_as_spaced_dtype(points, dtype), requires_grad, device)


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
    """``steps`` (at least 2) points from ``first`` to ``last`` in their numpy scalar type: the first half
    counted up from ``first``, the second down from ``last`` (both ends exact), as PyTorch's linspace
    and logspace kernels count them."""
    kind = type(first)
    step = (last - first) / kind(steps - 1)
    index = np.arange(steps)
    halfway = steps // 2
    return np.concatenate([first + step * index[:halfway].astype(kind),
                           last - step * (steps - 1 - index[halfway:]).astype(kind)])


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
