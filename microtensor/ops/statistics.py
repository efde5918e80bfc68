"""Sample statistics: ``cov`` (the covariance matrix of the variables in the rows, with
``correction`` and frequency / reliability weights), ``corrcoef`` (Pearson's correlation
coefficients) and ``quantile`` / ``nanquantile`` (five interpolation rules).

All are compositions of differentiable ops. ``cov``: with ``w = fweights * aweights``,
``mean = sum_j w_j x_ij / sum w``, ``C = (x - mean) diag(w) (x - mean)^T / (sum w - correction *
(sum w aweights) / sum w)`` (``sum w - correction`` without aweights), as in PyTorch. A quantile is
the ``sort`` of the values read at rank ``q * (n - 1)``, interpolated between the two nearest
ranks, so the gradient goes to those one or two sorted elements.
"""
from __future__ import annotations

import warnings
from typing import Optional, Union

import numpy as np

from .._registry import TORCH_DTYPE_NAMES, op
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .clamping import clamp
from .linalg import matmul
from .selection import where
from .sorting import sort
from .._float_errors import quiet_float_errors

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _dtype_name(tensor):
    return TORCH_DTYPE_NAMES[tensor.dtype.name]


def _check_weights(name, weights, kinds, kind_name, observations):
    if weights.ndim > 1:
        raise RuntimeError(f"cov(): expected {name} to have one or fewer dimensions but got {name} with "
                           f"{weights.ndim} dimensions")
    if weights.dtype.kind not in kinds:
        raise RuntimeError(f"cov(): expected {name} to have {kind_name} dtype but got {name} with "
                           f"{_dtype_name(weights)} dtype")
    if weights.numel() != observations:
        raise RuntimeError(f"cov(): expected {name} to have the same numel as there are observations in the input "
                           f"but got {weights.numel()} != {observations}")
    if weights.numel() and bool(np.any(weights.detach().numpy() < 0)):
        raise RuntimeError(f"cov(): {name} cannot be negative")


@op(method=True)
def cov(input: Tensor, *, correction: int = 1, fweights: Optional[Tensor] = None,
        aweights: Optional[Tensor] = None) -> Tensor:
    """The covariance matrix of the variables in the rows of ``input`` (observations in the columns);
    a 1-D input is one variable and gives its variance. ``correction=1`` is Bessel's correction,
    ``fweights`` (integers) count each observation, ``aweights`` (floats) weigh it."""
    x = _tensor(input, "cov")
    if x.ndim > 2:
        raise RuntimeError(f"cov(): expected input to have two or fewer dimensions but got an input with {x.ndim} "
                           f"dimensions")
    if isinstance(correction, bool) or not isinstance(correction, int):
        raise TypeError(f"cov(): argument 'correction' must be int, not {type(correction).__name__}")
    observations = x.numel() if x.ndim < 2 else x.shape[1]
    rows = x.reshape(1, -1) if x.ndim < 2 else x
    weights = None
    if fweights is not None:
        fweights = _tensor(fweights, "cov")
        _check_weights("fweights", fweights, "iu", "integral", observations)
        weights = fweights
    if aweights is not None:
        aweights = _tensor(aweights, "cov")
        _check_weights("aweights", aweights, "f", "floating point", observations)
        weights = aweights if weights is None else weights * aweights
    if weights is None:
        total = Tensor(observations)
        mean = rows.sum(1) / total
    else:
        total = weights.sum()
        mean = (rows * weights).sum(1) / total
    if weights is not None and aweights is not None and correction != 0:
        norm_factor = total - correction * (weights * aweights).sum() / total
    else:
        norm_factor = total - correction
    if float(norm_factor.detach().numpy()) <= 0:
        warnings.warn("cov(): degrees of freedom is <= 0. Correction should be strictly less than the number of "
                      "observations.", UserWarning, stacklevel=2)
        norm_factor = norm_factor * 0
    with quiet_float_errors():  # inf - inf, 0 / 0: nan, as in PyTorch
        centered = rows - mean.unsqueeze(1)
        products = matmul(centered, (centered if weights is None else centered * weights).T)
        return (products / norm_factor).squeeze()


@op(method=True)
def corrcoef(input: Tensor) -> Tensor:
    """Pearson's correlation coefficients ``C_ij / sqrt(C_ii C_jj)`` of the rows' variables (``C = cov``),
    clipped to [-1, 1]; a constant variable gives nan."""
    x = _tensor(input, "corrcoef")
    if x.ndim > 2:
        raise RuntimeError(f"corrcoef(): expected input to have two or fewer dimensions but got an input with "
                           f"{x.ndim} dimensions")
    c = cov(x)
    if c.ndim == 0:
        return c / c
    spread = c.diagonal().sqrt()
    return clamp(c / spread.reshape(-1, 1) / spread.reshape(1, -1), -1, 1)


def _quantile_levels(name, q, x):
    """``q`` as a 1-D float64 array, and whether it was a scalar."""
    if isinstance(q, Tensor):
        if q.ndim > 1:
            raise RuntimeError(f"{name}() q must be a scalar or 1D tensor")
        if q.dtype != x.dtype:
            raise RuntimeError(f"{name}() q tensor must be same dtype as the input tensor")
        levels = q.detach().numpy().astype(np.float64).reshape(-1)
        if not np.all((levels >= 0) & (levels <= 1)):
            raise RuntimeError(f"{name}() q values must be in the range [0, 1]")
        return levels, q.ndim == 0
    if isinstance(q, bool) or not isinstance(q, (int, float)):
        raise TypeError(f"{name}(): argument 'q' must be a float or a Tensor, not {type(q).__name__}")
    if not 0 <= q <= 1:
        raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
    return np.array([float(q)]), True


def _ranks(sorted_values, levels, ignore_nan, dtype):
    """Fractional ranks ``q * (count - 1)`` of shape ``(Q, *batch)``: count is the number of values, or of
    non-nan values for nanquantile; a slice with a nan reads its last (nan) value for quantile."""
    values = sorted_values.detach().numpy()
    missing = np.isnan(values)
    batch = values.shape[:-1]
    q = levels.astype(dtype).reshape((-1,) + (1,) * len(batch))
    if ignore_nan:
        last = (values.shape[-1] - missing.sum(-1) - 1).astype(dtype)
        ranks = np.where(last >= 0, q * last, 0)
    else:
        last = dtype.type(values.shape[-1] - 1)
        ranks = np.where(missing.any(-1), last, q * last)
    return np.broadcast_to(ranks, (len(levels),) + batch)


def _quantile(name, input, q, dim, keepdim, interpolation, ignore_nan):
    x = _tensor(input, name)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}() input tensor must be either float or double dtype")
    if x.numel() == 0:
        raise RuntimeError(f"{name}() input tensor must be non-empty")
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError(f"{name}() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    levels, scalar_q = _quantile_levels(name, q, x)
    if dim is None or x.ndim == 0:
        if dim is not None:
            normalize_dim(dim, 1, name)
        values = x.reshape(-1)
        kept_shape = (1,) * x.ndim
    else:
        axis = normalize_dim(dim, x.ndim, name)
        values = x.movedim(axis, -1)
        kept_shape = tuple(1 if d == axis else size for d, size in enumerate(x.shape))
    sorted_values = sort(values, -1).values
    ranks = _ranks(sorted_values, levels, ignore_nan, x.dtype)
    if interpolation == "lower":
        ranks = np.floor(ranks)
    elif interpolation == "higher":
        ranks = np.ceil(ranks)
    elif interpolation == "nearest":
        ranks = np.round(ranks)
    below = np.floor(ranks).astype(np.int64)
    spread = sorted_values.unsqueeze(0).expand(len(levels), *sorted_values.shape)
    result = spread.gather(-1, Tensor(below[..., None])).squeeze(-1)
    if interpolation in ("linear", "midpoint"):
        above = np.ceil(ranks).astype(np.int64)
        upper = spread.gather(-1, Tensor(above[..., None])).squeeze(-1)
        weights = np.full_like(ranks, 0.5) if interpolation == "midpoint" else ranks - below
        with quiet_float_errors():  # between inf and inf: nan, unused where above == below
            blended = result + Tensor(weights.astype(x.dtype)) * (upper - result)
        result = where(Tensor(above == below), result, blended)
    if keepdim:
        result = result.reshape((len(levels),) + kept_shape)
    return result.squeeze(0) if scalar_q else result


@op(method=True, out=True)
def quantile(input: Tensor, q: Union[float, Tensor], dim: Optional[int] = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-quantiles of ``input`` along ``dim`` (of all elements when ``dim`` is None); a 1-D ``q``
    puts its values in a new first dim. A slice holding nan gives nan. ``interpolation`` picks the value
    between ranks ``i < q (n - 1) < j``: ``linear``, ``lower`` (i), ``higher`` (j), ``midpoint`` or
    ``nearest``."""
    return _quantile("quantile", input, q, dim, keepdim, interpolation, ignore_nan=False)


@op(method=True, out=True)
def nanquantile(input: Tensor, q: Union[float, Tensor], dim: Optional[int] = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """``quantile`` of the values that are not nan (nan where a slice holds only nan)."""
    return _quantile("nanquantile", input, q, dim, keepdim, interpolation, ignore_nan=True)
