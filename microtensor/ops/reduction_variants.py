"""Reductions built from the others: ignoring nan (``nansum nanmean``), counting
(``count_nonzero``), and pairs PyTorch returns together (``aminmax``, ``std_mean``, ``var_mean``).

``nansum`` is the sum with every nan taken as 0, so its gradient is 1 at numbers and 0 at
the nans; ``nanmean`` divides that sum by the count of numbers. The pairs are their two
reductions computed side by side, each with its own gradient.
"""
from __future__ import annotations

from typing import NamedTuple, Optional


from .. import _dtypes
from .._registry import TORCH_DTYPE_NAMES, op
from .._tensor import Tensor
from .._typing import Dim, DTypeLike
from ._util import normalize_dim, tensor_argument
from .comparison import isnan
from .extrema import amax, amin
from .reduction import _require_float, mean, sum
from .selection import where
from .variance import std, var
from .._float_errors import quiet_float_errors


class aminmax_result(NamedTuple):
    """``aminmax``'s result: the smallest and the largest values."""

    min: Tensor
    max: Tensor


def _without_nan(input, op_name):
    tensor = tensor_argument(input, op_name)
    if tensor._data.dtype.kind != "f":
        return tensor, None
    missing = isnan(tensor)
    return where(missing, 0.0, tensor), missing


@op(method=True, out=True)
def nansum(input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, *,
           dtype: Optional[DTypeLike] = None) -> Tensor:
    """The sum over ``dim`` (all dims when None) with nan taken as 0."""
    cleaned, _ = _without_nan(input, "nansum")
    return sum(cleaned, dim, keepdim, dtype)


@op(method=True, out=True)
def nanmean(input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False, *,
            dtype: Optional[DTypeLike] = None) -> Tensor:
    """The mean over ``dim`` of the values that are not nan (nan where all are)."""
    tensor = tensor_argument(input, "nanmean")
    if tensor._data.dtype.kind != "f":
        raise RuntimeError(
            f"nanmean(): expected input to have floating point or complex dtype but got "
            f"{TORCH_DTYPE_NAMES[tensor.dtype.name]}; convert with .float() first"
        )
    if dtype is not None:
        _require_float(_dtypes.to_dtype(dtype), "nanmean", "Optional")
    cleaned, missing = _without_nan(tensor, "nanmean")
    count = sum((~missing).to(cleaned.dtype), dim, keepdim)
    with quiet_float_errors():
        return sum(cleaned, dim, keepdim, dtype) / count


@op(method=True)
def count_nonzero(input: Tensor, dim: Optional[Dim] = None) -> Tensor:
    """How many elements are not zero, over ``dim`` (all dims when None); an int64 tensor."""
    tensor = tensor_argument(input, "count_nonzero")
    return sum(tensor != 0, dim)


@op(method=True)
def aminmax(input: Tensor, *, dim: Optional[int] = None, keepdim: bool = False) -> aminmax_result:
    """``(amin(input, dim, keepdim), amax(input, dim, keepdim))`` as a named pair ``(min, max)``;
    ``dim=None`` reduces every dim (``keepdim=True`` keeps them all, of size 1)."""
    tensor = tensor_argument(input, "aminmax")
    if tensor._data.size == 0:
        if dim is None:
            raise RuntimeError(
                f"aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity "
                f"(input shape {tensor.shape}); pass a dim of non-zero size"
            )
        axis = normalize_dim(dim, tensor.ndim, "aminmax")
        if tensor.ndim and tensor.shape[axis] == 0:
            raise IndexError(
                f"aminmax: Expected reduction dim {axis} to have non-zero size. (input shape {tensor.shape}; "
                f"the extrema of an empty set are undefined)"
            )
    return aminmax_result(amin(tensor, dim, keepdim), amax(tensor, dim, keepdim))


def _with_mean(name, spread, input, dim, unbiased, keepdim, correction):
    """``(spread(input, ...), mean(input, dim, keepdim))``; ``spread(input, False)`` is PyTorch's
    ``unbiased`` overload, so a bool ``dim`` is ``unbiased`` for the mean too."""
    tensor = tensor_argument(input, name)
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return (spread(tensor, dim, unbiased, keepdim, correction=correction), mean(tensor, dim, keepdim))


@op()
def std_mean(input: Tensor, dim: Optional[Dim] = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
             correction: Optional[float] = None) -> tuple:
    """``(std(input, ...), mean(input, dim, keepdim))``, the same options as ``std``."""
    return _with_mean("std_mean", std, input, dim, unbiased, keepdim, correction)


@op()
def var_mean(input: Tensor, dim: Optional[Dim] = None, unbiased: Optional[bool] = None, keepdim: bool = False, *,
             correction: Optional[float] = None) -> tuple:
    """``(var(input, ...), mean(input, dim, keepdim))``, the same options as ``var``."""
    return _with_mean("var_mean", var, input, dim, unbiased, keepdim, correction)
