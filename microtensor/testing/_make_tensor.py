"""``make_tensor``: a random tensor for a test, as ``torch.testing.make_tensor`` draws it.

Floats are uniform in ``[low, high)`` (default ``[-9, 9)``), integers uniform in ``[low, high)``
(default ``[-9, 10)``, clipped to the dtype's range), bools fair coin flips. The draws come from
microtensor's default generator, so ``mt.manual_seed`` makes them repeatable.
"""
from __future__ import annotations

import math
from typing import Optional, Union

import numpy as np

from .. import _dtypes
from .._dtype_info import finfo, iinfo
from .._tensor import Tensor
from ..random import numpy_rng


def _shape(shape: tuple) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for side in shape:
        if isinstance(side, bool) or not isinstance(side, (int, np.integer)) or side < 0:
            raise TypeError(f"make_tensor(): the shape must be non-negative ints, got {shape!r}")
    return tuple(int(side) for side in shape)


def _range(low, high, default_low, default_high, lowest, highest) -> tuple:
    low = default_low if low is None else low
    high = default_high if high is None else high
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    low, high = max(low, lowest), min(high, highest)
    if low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    return low, high


def make_tensor(
    *shape: Union[int, tuple, list],
    dtype,
    device,
    low: Optional[float] = None,
    high: Optional[float] = None,
    requires_grad: bool = False,
    noncontiguous: bool = False,
    exclude_zero: bool = False,
    memory_format=None,
) -> Tensor:
    """A tensor of ``shape`` with random values of ``dtype`` on ``device`` (``"cpu"``).

    ``noncontiguous=True`` returns a strided view (every second element of a wider tensor);
    ``exclude_zero=True`` replaces zeros by the dtype's smallest positive value (1 for integers).
    """
    from ..creation import tensor as make

    if memory_format is not None:
        raise NotImplementedError("make_tensor(): memory_format is not supported: microtensor tensors are row-major")
    sizes = _shape(shape)
    dtype = _dtypes.to_dtype(dtype)
    if dtype is None:
        raise TypeError("make_tensor(): dtype must be a dtype (e.g. mt.float64), not None")
    if requires_grad and dtype.kind != "f":
        raise ValueError(
            f"`requires_grad=True` is not supported for boolean and integral dtypes, but got dtype=microtensor.{dtype.name}"
        )
    drawn_sizes = sizes[:-1] + (sizes[-1] * 2,) if noncontiguous and sizes and sizes[-1] > 1 else sizes
    values = _draw(drawn_sizes, dtype, low, high, numpy_rng())
    if exclude_zero:
        smallest = finfo(dtype).tiny if dtype.kind == "f" else 1
        values = np.where(values == 0, np.asarray(smallest, dtype=dtype), values)
    result = make(values, dtype=dtype, device=device)
    if drawn_sizes != sizes:
        result = result[..., ::2]
    if requires_grad:
        result.requires_grad_(True)
    return result


def _draw(sizes, dtype, low, high, rng) -> np.ndarray:
    if dtype.kind == "b":
        return _uniform(rng, sizes) < 0.5
    if dtype.kind in "iu":
        info = iinfo(dtype)
        low, high = _range(low, high, -9, 10, info.min, info.max)
        low, high = math.ceil(low), math.ceil(high)
        return np.floor(_uniform(rng, sizes) * (high - low) + low).clip(low, high - 1).astype(dtype)
    info = finfo(dtype)
    low, high = _range(low, high, -9, 9, info.min, info.max)
    return (_uniform(rng, sizes) * (high - low) + low).astype(dtype)


def _uniform(rng, sizes) -> np.ndarray:
    return rng.random(sizes)
