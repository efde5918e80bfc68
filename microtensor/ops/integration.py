"""Numerical integration with the trapezoidal rule: ``trapezoid`` (alias ``trapz``) sums
``(x[i+1] - x[i]) (y[i] + y[i+1]) / 2`` along ``dim``, ``cumulative_trapezoid`` keeps the running
sums. The spacing is ``dx`` (a number, 1 by default) or the differences of sample points ``x``
(1-D along ``dim``, or a tensor that broadcasts to ``y``'s shape).

Both are sums of products of slices, so the gradient with respect to ``y[i]`` is the half-width of
the two intervals next to it and, with respect to ``x[i]``, ``(y[i-1] - y[i+1]) / 2``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .._registry import op
from .._tensor import Tensor
from .._typing import Number
from ._util import normalize_dim, tensor_argument as _tensor


def _axis(name, y, dim):
    if y.ndim == 0:
        raise IndexError(f"{name}: Dimension specified as {dim} but tensor has no dimensions")
    return normalize_dim(dim, y.ndim, name)


def _spacing(name, y, x, dx, axis):
    """The interval widths along ``axis`` as a tensor that broadcasts against ``y``'s slices, or ``dx``."""
    if x is not None and dx is not None:
        raise TypeError(f"{name}(): pass either the sample points x or the spacing dx, not both")
    if x is None:
        if isinstance(dx, Tensor):
            dx = dx.item()
        return 1 if dx is None else dx
    x = _tensor(x, name)
    if x.ndim == 1:
        if x.shape[0] != y.shape[axis]:
            raise RuntimeError(f"{name}: There must be one `x` value for each sample point (x has {x.shape[0]}, "
                               f"y has {y.shape[axis]} along dim {axis})")
        x = x.reshape(tuple(x.shape[0] if d == axis else 1 for d in range(y.ndim)))
    elif x.ndim < y.ndim:
        x = x.reshape((1,) * (y.ndim - x.ndim) + tuple(x.shape))
    try:
        fits = np.broadcast_shapes(tuple(x.shape), tuple(y.shape)) == tuple(y.shape)
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{name}: x of shape {tuple(x.shape)} does not broadcast to y's shape {tuple(y.shape)}")
    return x.diff(dim=axis - y.ndim)


def _pair_sums(y, axis):
    """``y[i] + y[i+1]`` along ``axis``."""
    size = y.shape[axis]
    return y.narrow(axis, 1, size - 1) + y.narrow(axis, 0, size - 1)


@op(aliases=("trapz",))
def trapezoid(y: Tensor, x: Optional[Tensor] = None, *, dx: Optional[Number] = None, dim: int = -1) -> Tensor:
    """The trapezoidal rule along ``dim``: ``sum (x[i+1] - x[i]) (y[i] + y[i+1]) / 2``, with spacing ``dx``
    (default 1) when no sample points ``x`` are given. Integer ``y`` gives a float result."""
    y = _tensor(y, "trapezoid")
    axis = _axis("trapezoid", y, dim)
    spacing = _spacing("trapezoid", y, x, dx, axis)
    if y.shape[axis] == 0:
        return y.sum(axis) * 0.0
    if isinstance(spacing, Tensor):
        return (spacing * _pair_sums(y, axis)).sum(axis) / 2
    return (y.sum(axis) - (y.select(axis, 0) + y.select(axis, -1)) * 0.5) * spacing


@op()
def cumulative_trapezoid(y: Tensor, x: Optional[Tensor] = None, *, dx: Optional[Number] = None,
                         dim: int = -1) -> Tensor:
    """The running trapezoidal sums along ``dim``: one fewer than ``y`` has there, the last equal to
    ``trapezoid(y, x, dx=dx, dim=dim)``."""
    y = _tensor(y, "cumulative_trapezoid")
    axis = _axis("cumulative_trapezoid", y, dim)
    spacing = _spacing("cumulative_trapezoid", y, x, dx, axis)
    if y.shape[axis] == 0:
        return y * 0.5
    if isinstance(spacing, Tensor):
        return (spacing * _pair_sums(y, axis)).cumsum(axis) / 2
    return (_pair_sums(y, axis) * (spacing / 2.0)).cumsum(axis)
