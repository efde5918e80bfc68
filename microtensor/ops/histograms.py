"""Counting values into bins: ``histc`` (equal bins over ``[min, max]``), ``histogram`` (equal bins or
given edges, with weights and densities; returns ``(hist, bin_edges)``) and ``bincount`` (how often
each non-negative integer occurs, or the sum of its weights).

Counts are step functions of the values, so none of these has a gradient (as in PyTorch): the
results never require grad. Bins are half-open, ``[e_i, e_i+1)``, except the last, which holds its
right edge too; values outside the range (and nan) are not counted.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Tuple, Union

import numpy as np

from .._registry import TORCH_DTYPE_NAMES, op
from .._tensor import Tensor
from ._util import tensor_argument as _tensor
from .._float_errors import quiet_float_errors


class histogram_result(NamedTuple):
    """``histogram``'s named pair, as PyTorch's ``torch.return_types.histogram``."""

    hist: Tensor
    bin_edges: Tensor


histogram_result.__name__ = histogram_result.__qualname__ = "histogram"


def _dtype_name(dtype):
    return TORCH_DTYPE_NAMES[np.dtype(dtype).name]


def _floating_values(name, input):
    x = _tensor(input, name)
    if x.dtype.kind != "f":
        raise NotImplementedError(f"{name}: not implemented for '{_dtype_name(x.dtype)}' input; convert it with "
                                  f".float() or .double()")
    return x.detach().numpy().reshape(-1)


def _check_bin_count(name, bins):
    if isinstance(bins, bool) or not isinstance(bins, int):
        raise TypeError(f"{name}(): argument 'bins' must be int, not {type(bins).__name__}")
    if bins <= 0:
        raise RuntimeError(f"{name}(): bins must be > 0, but got {bins}")


def _data_range(name, values, low, high):
    """``[low, high]``, or the data's smallest and largest value when ``low == high``; it must be finite."""
    if low == high and values.size:
        low, high = float(np.min(values)), float(np.max(values))
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"{name}: range of [{low}, {high}] is not finite")
    return low, high


@op(method=True, out=True)
def histc(input: Tensor, bins: int = 100, min: float = 0, max: float = 0) -> Tensor:
    """Counts of the elements in ``bins`` equal bins over ``[min, max]``; ``min == max`` (the default)
    takes the data's smallest and largest element. Elements outside the range are not counted."""
    values = _floating_values("histc", input)
    _check_bin_count("histc", bins)
    if min > max:
        raise RuntimeError(f"histc: max must be larger than min (got min={min}, max={max})")
    low, high = _data_range("histc", values, float(min), float(max))
    if low == high:
        low, high = low - 1, high + 1
    dtype = values.dtype
    inside = values[(values >= low) & (values <= high)]
    positions = ((inside - dtype.type(low)) / (dtype.type(high) - dtype.type(low)) * dtype.type(bins))
    positions = np.minimum(positions.astype(np.int64), bins - 1)
    return Tensor._make(np.bincount(positions, minlength=bins).astype(dtype))


def _bin_edges(values, bins, range):
    dtype = values.dtype
    if isinstance(bins, Tensor):
        if range is not None:
            raise TypeError("histogram(): range is only accepted with an int number of bins, not with bin edges")
        if bins.ndim != 1:
            raise RuntimeError(f"histogram: bins tensor should have one dimension, but got {bins.ndim} dimensions")
        if bins.dtype != dtype:
            raise RuntimeError(f"histogram: input tensor and bins tensors should have the same dtype, but got input "
                               f"with dtype {_dtype_name(dtype)} and bins with dtype {_dtype_name(bins.dtype)}")
        edges = bins.detach().numpy()
        if edges.shape[0] < 2:
            raise RuntimeError(f"histogram(): bins must be > 0, but got {edges.shape[0] - 1} (give at least two edges)")
        if np.any(np.diff(edges) < 0):
            raise RuntimeError(f"histogram: bin edges must increase monotonically, got {edges.tolist()}")
        return edges.copy()
    _check_bin_count("histogram", bins)
    if range is None:
        low, high = (float(np.min(values)), float(np.max(values))) if values.size else (0.0, 1.0)
    else:
        low, high = (float(bound) for bound in range)
        if low > high:
            raise RuntimeError(f"histogram: min should not exceed max, but got min {low} max {high}")
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"histogram: range [{low}, {high}] is not finite")
    if low == high:
        low, high = low - 0.5, high + 0.5
    return np.linspace(low, high, bins + 1).astype(dtype)


@op(method=True)
def histogram(input: Tensor, bins: Union[int, Tensor] = 100, *, range: Optional[Tuple[float, float]] = None,
              weight: Optional[Tensor] = None, density: bool = False) -> histogram_result:
    """``(hist, bin_edges)``: counts (or sums of ``weight``) of the elements in ``bins`` equal bins over
    ``range`` (the data's range by default) or between the given increasing edges; ``density=True``
    divides by the total and the bin widths so that the histogram integrates to 1."""
    values = _floating_values("histogram", input)
    edges = _bin_edges(values, bins, range)
    weights = None
    if weight is not None:
        weight = _tensor(weight, "histogram")
        if tuple(weight.shape) != tuple(_tensor(input, "histogram").shape):
            raise RuntimeError(f"histogram: weight should have the same shape as the input, but got input with "
                               f"shape {tuple(input.shape)} and weight with shape {tuple(weight.shape)}")
        if weight.dtype != values.dtype:
            raise RuntimeError(f"histogram: input tensor and weight tensor should have the same dtype, but got "
                               f"input({_dtype_name(values.dtype)}), and weight({_dtype_name(weight.dtype)})")
        weights = weight.detach().numpy().reshape(-1)
    inside = (values >= edges[0]) & (values <= edges[-1])
    positions = np.minimum(np.searchsorted(edges, values[inside], side="right") - 1, len(edges) - 2)
    counts = np.bincount(positions, weights=None if weights is None else weights[inside], minlength=len(edges) - 1)
    counts = counts.astype(values.dtype)
    if density:
        with quiet_float_errors():
            counts = (counts / (counts.sum() * np.diff(edges))).astype(values.dtype)
    return histogram_result(Tensor._make(counts), Tensor._make(edges))


@op(method=True)
def bincount(input: Tensor, weights: Optional[Tensor] = None, minlength: int = 0) -> Tensor:
    """``out[n]`` = how many elements of the 1-D non-negative integer ``input`` equal ``n`` (int64), or the
    sum of their ``weights`` (float32 or float64 weights keep their dtype, others give float64); the
    length is ``max(input) + 1``, at least ``minlength``."""
    x = _tensor(input, "bincount")
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount: not implemented for '{_dtype_name(x.dtype)}' input; it counts integers")
    values = x.detach().numpy()
    if x.ndim != 1 or (values.size and values.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength}")
    if weights is None:
        return Tensor._make(np.bincount(values, minlength=minlength).astype(np.int64))
    weights = _tensor(weights, "bincount")
    if weights.ndim != 1 or weights.shape[0] != values.shape[0]:
        raise RuntimeError(f"bincount: weights should be 1-d and have the same length as input (got weights of "
                           f"shape {tuple(weights.shape)} for input of shape {tuple(values.shape)})")
    dtype = weights.dtype if weights.dtype in (np.float32, np.float64) else np.dtype(np.float64)
    counts = np.bincount(values, weights=weights.detach().numpy().astype(np.float64), minlength=minlength)
    return Tensor._make(counts.astype(dtype))
