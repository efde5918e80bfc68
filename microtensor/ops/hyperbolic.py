"""Hyperbolic functions, elementwise: ``sinh cosh`` and the inverses ``asinh acosh atanh``
(integer inputs become the default float dtype; ``acosh`` below 1 and ``atanh`` outside
[-1, 1] give nan quietly, as in PyTorch). ``tanh`` is an activation (``activation.py``).

With ``sinh' = cosh`` and ``cosh' = sinh``, the inverses follow from the derivative of an
inverse function, 1 / f'(f^-1(x)), and ``cosh^2 - sinh^2 = 1``.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .elementwise import _as_tensor, _floating
from .._registry import op
from .._float_errors import quiet_float_errors


class Sinh(Function):
    """``y = sinh x = (e^x - e^-x) / 2``;  dy/dx = cosh x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.sinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():
            return grad * np.cosh(x)


class Cosh(Function):
    """``y = cosh x = (e^x + e^-x) / 2``;  dy/dx = sinh x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.cosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():
            return grad * np.sinh(x)


class Asinh(Function):
    """``y = asinh x = log(x + sqrt(x^2 + 1))``;  dy/dx = 1 / sqrt(x^2 + 1)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad / np.sqrt(x * x + 1)


class Acosh(Function):
    """``y = acosh x = log(x + sqrt(x^2 - 1))`` for x >= 1;  dy/dx = 1 / sqrt(x^2 - 1) (inf at 1)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.arccosh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad / np.sqrt(x * x - 1)


class Atanh(Function):
    """``y = atanh x = log((1 + x) / (1 - x)) / 2`` for |x| <= 1;  dy/dx = 1 / (1 - x^2) (inf at +-1)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.arctanh(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad / (1 - x * x)


@op(method=True, numpy=np.sinh, out=True)
def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine elementwise.  d/dx sinh x = cosh x."""
    return Sinh.apply(_as_tensor(input, "sinh"))


@op(method=True, numpy=np.cosh, out=True)
def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine elementwise.  d/dx cosh x = sinh x."""
    return Cosh.apply(_as_tensor(input, "cosh"))


@op(method=("asinh", "arcsinh"), numpy=np.arcsinh, aliases=("arcsinh",), out=True)
def asinh(input: Tensor) -> Tensor:
    """Inverse hyperbolic sine elementwise.  d/dx asinh x = 1 / sqrt(x^2 + 1)."""
    return Asinh.apply(_as_tensor(input, "asinh"))


@op(method=("acosh", "arccosh"), numpy=np.arccosh, aliases=("arccosh",), out=True)
def acosh(input: Tensor) -> Tensor:
    """Inverse hyperbolic cosine elementwise (x >= 1).  d/dx acosh x = 1 / sqrt(x^2 - 1)."""
    return Acosh.apply(_as_tensor(input, "acosh"))


@op(method=("atanh", "arctanh"), numpy=np.arctanh, aliases=("arctanh",), out=True)
def atanh(input: Tensor) -> Tensor:
    """Inverse hyperbolic tangent elementwise (|x| <= 1).  d/dx atanh x = 1 / (1 - x^2)."""
    return Atanh.apply(_as_tensor(input, "atanh"))
