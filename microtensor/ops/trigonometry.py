"""Trigonometry, elementwise: ``sin cos`` (integer inputs become the default float dtype).

``tanh`` is an activation (``activation.py``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .elementwise import _as_tensor, _floating
from .._registry import op


class Sin(Function):
    """``y = sin x``;  dy/dx = cos x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.cos(x)


class Cos(Function):
    """``y = cos x``;  dy/dx = -sin x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return -grad * np.sin(x)


@op(method=True, numpy=np.sin, out=True)
def sin(input: Tensor) -> Tensor:
    """Sine elementwise.  d/dx sin x = cos x."""
    return Sin.apply(_as_tensor(input, "sin"))


@op(method=True, numpy=np.cos, out=True)
def cos(input: Tensor) -> Tensor:
    """Cosine elementwise.  d/dx cos x = -sin x."""
    return Cos.apply(_as_tensor(input, "cos"))
