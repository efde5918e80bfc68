"""``F.interpolate`` (and ``F.upsample``): resize the spatial dims of an (N, C, *) input, PyTorch's rules.

Each spatial dim is resized on its own (the modes are separable). For an output position ``j`` of a
dim of input size ``n`` and output size ``m``, with ``r = 1 / scale_factor`` when a scale factor is
given (and ``recompute_scale_factor`` is not set), else ``r = n / m``:

* ``'nearest'``: the input at ``min(floor(j r), n - 1)``;  ``'nearest-exact'``: at ``min(floor((j + 1/2) r), n - 1)``;
* ``'linear'`` / ``'bilinear'`` / ``'trilinear'``: at ``s = max((j + 1/2) r - 1/2, 0)``
  (``align_corners=True``: ``s = j (n - 1) / (m - 1)``), blending its two neighbours
  ``x[i] (1 - t) + x[i + 1] t`` with ``i = floor(s)``, ``t = s - i`` (the last one repeated at the edge);
* ``'area'``: adaptive average pooling to the output size.

The gathers are ``index_select``, so the gradient (scatter-adds into the input) comes from autograd.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Union

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ._adaptive_pool_ops import adaptive_avg_pool1d, adaptive_avg_pool2d

__all__ = ["interpolate", "upsample"]

_LINEAR_MODES = {"linear": 1, "bilinear": 2, "trilinear": 3}
_MODES = ("nearest", "nearest-exact", "linear", "bilinear", "trilinear", "area")


def _output_sizes(input, size, scale_factor, recompute_scale_factor, dims):
    """The output size of each spatial dim and the source step r per dim (see the module docstring)."""
    if (size is None) == (scale_factor is None):
        raise ValueError("only one of size or scale_factor should be defined" if size is not None
                         else "either size or scale_factor should be defined")
    spatial = tuple(input.shape[2:])
    if size is not None:
        sizes = tuple(size) if isinstance(size, (tuple, list)) else (size,) * dims
        if len(sizes) != dims:
            raise ValueError(f"Input and output must have the same number of spatial dimensions, but got input with "
                             f"spatial dimensions of {list(spatial)} and output size of {list(sizes)}. Please provide "
                             f"input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) "
                             f"format.")
        sizes = tuple(int(s) for s in sizes)
        return sizes, tuple(n / m if m else 0.0 for n, m in zip(spatial, sizes))
    factors = tuple(scale_factor) if isinstance(scale_factor, (tuple, list)) else (scale_factor,) * dims
    if len(factors) != dims:
        raise ValueError(f"Input and scale_factor must have the same number of spatial dimensions, but got input "
                         f"with spatial dimensions of {list(spatial)} and scale_factor of shape {list(factors)}.")
    sizes = tuple(math.floor(n * float(f)) for n, f in zip(spatial, factors))
    if recompute_scale_factor:
        return sizes, tuple(n / m if m else 0.0 for n, m in zip(spatial, sizes))
    return sizes, tuple(1.0 / float(f) for f in factors)


def _nearest_index(n, m, step, exact):
    j = np.arange(m, dtype=np.float64)
    source = np.floor((j + 0.5) * step if exact else j * step).astype(np.int64)
    return np.minimum(source, n - 1)


def _linear_along(x, dim, n, m, step, align_corners):
    """Linear interpolation of ``x`` along ``dim`` from ``n`` to ``m`` points."""
    j = np.arange(m, dtype=np.float64)
    if align_corners:
        source = j * ((n - 1) / (m - 1)) if m > 1 else np.zeros(m)
    else:
        source = np.maximum((j + 0.5) * step - 0.5, 0.0)
    low = np.minimum(np.floor(source).astype(np.int64), n - 1)
    high = np.minimum(low + 1, n - 1)
    shape = [1] * x.ndim
    shape[dim] = m
    t = Tensor._make((source - low).astype(x.dtype).reshape(shape))
    below = _ops.index_select(x, dim, Tensor._make(low))
    above = _ops.index_select(x, dim, Tensor._make(high))
    return below + (above - below) * t


def interpolate(
    input: Tensor, size: Optional[Union[int, Sequence[int]]] = None,
    scale_factor: Optional[Union[float, Sequence[float]]] = None, mode: str = "nearest",
    align_corners: Optional[bool] = None, recompute_scale_factor: Optional[bool] = None, antialias: bool = False,
) -> Tensor:
    """Resize ``input`` (N, C, d1[, d2[, d3]]) to ``size`` or by ``scale_factor`` with ``mode`` 'nearest'
    (default), 'nearest-exact', 'linear' (3-D input), 'bilinear' (4-D), 'trilinear' (5-D) or 'area'."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("interpolate", "input", input)
    if mode not in _MODES or input.ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for the modes: "
            f"{' | '.join(_MODES)} (got {mode})"
        )
    if antialias:
        raise NotImplementedError("interpolate(): antialias=True is not supported by microtensor")
    dims = input.ndim - 2
    if mode in _LINEAR_MODES:
        if _LINEAR_MODES[mode] != dims:
            raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs {_LINEAR_MODES[mode] + 2}D "
                                      f"input")
    elif align_corners is not None:
        raise ValueError("align_corners option can only be set with the interpolating modes: linear | bilinear | "
                         "bicubic | trilinear")
    sizes, steps = _output_sizes(input, size, scale_factor, recompute_scale_factor, dims)
    if any(s <= 0 for s in sizes):
        raise ValueError(f"interpolate(): the output size {list(sizes)} of input {list(input.shape)} must be positive")
    if mode == "area":
        if dims == 3:
            raise NotImplementedError("interpolate(): mode='area' supports 3-D and 4-D inputs in microtensor")
        return adaptive_avg_pool1d(input, sizes) if dims == 1 else adaptive_avg_pool2d(input, sizes)
    out = input
    for offset, (m, step) in enumerate(zip(sizes, steps)):
        dim, n = 2 + offset, input.shape[2 + offset]
        if mode in _LINEAR_MODES:
            out = _linear_along(out, dim, n, m, step, bool(align_corners))
        else:
            out = _ops.index_select(out, dim, Tensor._make(_nearest_index(n, m, step, mode == "nearest-exact")))
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated in PyTorch for ``interpolate``, which it calls."""
    return interpolate(input, size, scale_factor, mode, align_corners)
