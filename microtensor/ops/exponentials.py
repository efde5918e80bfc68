"""Exponentials and logarithms, elementwise: ``exp expm1 log log10 log2 log1p``.

Integer and bool inputs become the default float dtype; ``log(0) = -inf``,
``log(-1) = nan`` and ``exp(1000) = inf`` come back without numpy's warnings
(the conventions of ``elementwise.py``). ``expm1`` and ``log1p`` stay accurate
near 0, where ``exp(x) - 1`` and ``log(1 + x)`` would lose the digits.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .elementwise import _as_tensor, _floating
from .._registry import op
from .._float_errors import quiet_float_errors


# --------------------------------------------------------------- exp and log
class Exp(Function):
    """``y = e^x``;  dy/dx = e^x = y (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with quiet_float_errors():
            y = np.exp(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Function):
    """``y = ln x`` (``ln 0 = -inf``, ``ln x = nan`` for x < 0);  dy/dx = 1/x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with quiet_float_errors():
            y = np.log(x)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad / x


@op(method=True, numpy=np.exp, out=True)
def exp(input: Tensor) -> Tensor:
    """``e^input`` elementwise.  d/dx e^x = e^x."""
    return Exp.apply(_as_tensor(input, "exp"))


@op(method=True, numpy=np.log, out=True)
def log(input: Tensor) -> Tensor:
    """Natural logarithm elementwise (``-inf`` at 0, ``nan`` below 0, no warning).  d/dx ln x = 1/x."""
    return Log.apply(_as_tensor(input, "log"))


# ------------------------------------------------------ logarithms, expm1
class Log10(Function):
    """``y = log10 x`` (``-inf`` at 0, ``nan`` below 0);  dy/dx = 1 / (x ln 10)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with quiet_float_errors():
            y = np.log10(x)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad / (x * _LN10)


class Log2(Function):
    """``y = log2 x`` (``-inf`` at 0, ``nan`` below 0);  dy/dx = 1 / (x ln 2)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with quiet_float_errors():
            y = np.log2(x)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad / (x * _LN2)


class Log1p(Function):
    """``y = ln(1 + x)``, accurate for small x (``-inf`` at -1, ``nan`` below);  dy/dx = 1 / (1 + x)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        with quiet_float_errors():
            y = np.log1p(x)
        ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():
            return grad / (x + 1)


class Expm1(Function):
    """``y = e^x - 1``, accurate for small x;  dy/dx = e^x = y + 1 (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with quiet_float_errors():
            y = np.expm1(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y + 1)


_LN10 = math.log(10.0)
_LN2 = math.log(2.0)


@op(method=True, numpy=np.log10, out=True)
def log10(input: Tensor) -> Tensor:
    """Base-10 logarithm elementwise (ints become the default float).  d/dx log10 x = 1 / (x ln 10)."""
    return Log10.apply(_as_tensor(input, "log10"))


@op(method=True, numpy=np.log2, out=True)
def log2(input: Tensor) -> Tensor:
    """Base-2 logarithm elementwise (ints become the default float).  d/dx log2 x = 1 / (x ln 2)."""
    return Log2.apply(_as_tensor(input, "log2"))


@op(method=True, numpy=np.log1p, out=True)
def log1p(input: Tensor) -> Tensor:
    """``ln(1 + input)`` elementwise, accurate near 0.  d/dx ln(1 + x) = 1 / (1 + x)."""
    return Log1p.apply(_as_tensor(input, "log1p"))


@op(method=True, numpy=np.expm1, out=True)
def expm1(input: Tensor) -> Tensor:
    """``e^input - 1`` elementwise, accurate near 0.  d/dx (e^x - 1) = e^x."""
    return Expm1.apply(_as_tensor(input, "expm1"))
