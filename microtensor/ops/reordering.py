"""Reordering the elements along dims (the shape stays): ``roll`` shifts them cyclically,
``flip`` (``fliplr flipud``) reverses them. The gradient is moved back the same way:
rolled back, or flipped again.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .movement import _sizes
from .._registry import op
from .._typing import Dim, ShapeArg


class Roll(Function):
    """``y = roll(x, shifts, dims)``: ``y[(i + s) mod n] = x[i]`` along each dim;
    dx = roll(g, -shifts, dims) (``dims=None``: over the flattened tensor)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.asarray(np.roll(x, shifts, axis=dims))

    @staticmethod
    def backward(ctx, grad):
        back = -ctx.shifts if ctx.dims is None else tuple(-shift for shift in ctx.shifts)
        if isinstance(grad, np.ndarray):
            return np.asarray(np.roll(grad, back, axis=ctx.dims)), None, None
        return Roll.apply(grad, back, ctx.dims), None, None


def _int_list(value, what, op_name):
    values = value if isinstance(value, (tuple, list)) else (value,)
    for item in values:
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise TypeError(f"{op_name}(): argument '{what}' must be an int or a tuple of ints, got {value!r}")
    return tuple(int(item) for item in values)


@op(method=True, numpy=np.roll, numpy_names={"shift": "shifts", "axis": "dims"})
def roll(input: Tensor, shifts: Union[int, Sequence[int]], dims: Optional[Dim] = None) -> Tensor:
    """Shift the elements by ``shifts`` along ``dims`` (ints or tuples of equal length),
    wrapping around; ``dims=None`` rolls the flattened tensor. Gradient: rolled back."""
    x = _tensor(input, "roll")
    shifts = _int_list(shifts, "shifts", "roll")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(x, shifts[0], None)
    dims = _int_list(dims, "dims", "roll")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if x.ndim == 0:
        raise IndexError(f"roll: Dimension specified as {dims[0]} but tensor has no dimensions")
    dims = tuple(normalize_dim(d, x.ndim, "roll") for d in dims)
    return Roll.apply(x, shifts, dims)


class Flip(Function):
    """``y = x`` reversed along ``dims`` (a copy);  dx = g reversed along the same dims."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return np.flip(grad, ctx.dims).copy(), None
        return Flip.apply(grad, ctx.dims), None


@op(method=True)
def flip(input: Tensor, *dims: ShapeArg, **kwargs: Any) -> Tensor:
    """Reverse the order of the elements along ``dims`` (``flip(x, (0, 1))``, ``x.flip(0, 1)``
    or ``dims=``); a new tensor. Gradient: the output's gradient flipped back."""
    x = _tensor(input, "flip")
    if "dims" in kwargs:
        if dims:
            raise TypeError("flip() got the dims both positionally and as dims=")
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"flip() got an unexpected keyword argument '{sorted(kwargs)[0]}'")
    if not dims:
        raise TypeError("flip() missing 1 required positional argument: 'dims'")
    dims = _sizes(dims, "flip")
    normalized = tuple(normalize_dim(d, x.ndim, "flip") for d in dims)
    for d in normalized:
        if normalized.count(d) > 1:
            raise RuntimeError(f"flip(): dim {d} appears multiple times in the list of dims {list(dims)}")
    if x.ndim == 0:
        normalized = ()
    return Flip.apply(x, normalized)


@op(method=True, numpy=np.fliplr)
def fliplr(input: Tensor) -> Tensor:
    """``flip(input, (1,))``: reverse the columns (input at least 2-D)."""
    x = _tensor(input, "fliplr")
    if x.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got shape {list(x.shape)}.")
    return Flip.apply(x, (1,))


@op(method=True, numpy=np.flipud)
def flipud(input: Tensor) -> Tensor:
    """``flip(input, (0,))``: reverse the rows (input at least 1-D)."""
    x = _tensor(input, "flipud")
    if x.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d, got a 0-d tensor.")
    return Flip.apply(x, (0,))
