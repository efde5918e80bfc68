"""Rounding, elementwise: ``floor ceil trunc round frac``.

The rounded values are piecewise constant, so their gradient is 0 everywhere (PyTorch's
choice at the jumps too); ``frac = x - trunc(x)`` passes the gradient unchanged.
Integer tensors come back unchanged; bool tensors are refused, as in PyTorch.
"""
from __future__ import annotations

import builtins

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .elementwise import _as_tensor, _zeros_like_grad
from .._registry import TORCH_DTYPE_NAMES, op
from .._float_errors import quiet_float_errors


class _RoundingRule:
    """``y = floor/ceil/trunc(x)``: piecewise constant, so dy/dx = 0 everywhere (PyTorch's
    choice at the jumps too). Integer inputs come back unchanged, in their own dtype.
    (A mixin, not a Function: only its concrete ops below are ops.)"""

    numpy_level = True
    rounding = None

    @classmethod
    def forward(cls, ctx, x):
        if x.dtype.kind != "f":
            return np.array(x, copy=True)
        return cls.rounding(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like_grad(grad)


class Floor(_RoundingRule, Function):
    rounding = staticmethod(np.floor)


class Ceil(_RoundingRule, Function):
    rounding = staticmethod(np.ceil)


class Trunc(_RoundingRule, Function):
    rounding = staticmethod(np.trunc)


class Round(Function):
    """``y = x`` rounded half to even at ``decimals`` digits (negative: left of the point),
    as PyTorch computes it: ``rint(x * 10^d) / 10^d`` for d > 0, ``rint(x / 10^-d) * 10^-d``
    for d < 0, in x's dtype;  dy/dx = 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, decimals):
        if x.dtype.kind != "f":
            return np.array(x, copy=True)
        if decimals == 0:
            return np.rint(x)
        with quiet_float_errors():
            if decimals > 0:
                scale = x.dtype.type(10.0**decimals)
                return np.rint(x * scale) / scale
            scale = x.dtype.type(10.0**-decimals)
            return np.rint(x / scale) * scale

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like_grad(grad), None


class Frac(Function):
    """``y = x - trunc(x)`` (keeps the sign of x);  dy/dx = 1."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with quiet_float_errors():  # frac(+-inf) = nan, quietly
            return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def _rounding_input(input, op_name, allow_integers=True):
    x = _as_tensor(input, op_name)
    kind = x.dtype.kind
    if kind == "b" or (kind != "f" and not allow_integers):
        raise NotImplementedError(
            f"{op_name}(): not implemented for '{TORCH_DTYPE_NAMES[x.dtype.name]}' tensors (as in PyTorch); "
            f"convert with .float() first"
        )
    return x


@op(method=True, numpy=np.floor, out=True)
def floor(input: Tensor) -> Tensor:
    """The largest integer <= each element (integer tensors unchanged).  Gradient: 0."""
    return Floor.apply(_rounding_input(input, "floor"))


@op(method=True, numpy=np.ceil, out=True)
def ceil(input: Tensor) -> Tensor:
    """The smallest integer >= each element (integer tensors unchanged).  Gradient: 0."""
    return Ceil.apply(_rounding_input(input, "ceil"))


@op(method=("trunc", "fix"), numpy=(np.trunc, np.fix), aliases=("fix",), out=True)
def trunc(input: Tensor) -> Tensor:
    """Each element rounded towards zero (integer tensors unchanged).  Gradient: 0."""
    return Trunc.apply(_rounding_input(input, "trunc"))


@op(method=True, numpy=np.rint, out=True)
def round(input: Tensor, *, decimals: int = 0) -> Tensor:
    """Round half to even, at ``decimals`` digits after the point (before it when negative).

    Integer tensors come back unchanged (``decimals`` must then be 0, as in PyTorch).  Gradient: 0.
    """
    x = _rounding_input(input, "round")
    if not isinstance(decimals, (builtins.int, np.integer)) or isinstance(decimals, builtins.bool):
        raise TypeError(f"round(): argument 'decimals' must be int, not {type(decimals).__name__}")
    if decimals != 0 and x.dtype.kind != "f":
        raise NotImplementedError(
            f"round(): decimals={decimals} is not implemented for '{TORCH_DTYPE_NAMES[x.dtype.name]}' tensors "
            f"(as in PyTorch); convert with .float() first"
        )
    return Round.apply(x, builtins.int(decimals))


@op(method=True, out=True)
def frac(input: Tensor) -> Tensor:
    """The fractional part ``input - trunc(input)`` (sign of the input); floats only.  Gradient: 1."""
    return Frac.apply(_rounding_input(input, "frac", allow_integers=False))
