"""GELU, the Gaussian Error Linear Unit ``x Phi(x)`` (Phi the standard normal CDF), exact or in
PyTorch's tanh approximation, and ``NormalCdf``, the differentiable Phi its backward rule uses
so that second derivatives are exact too.

erf comes from scipy when it is installed, else from ``math.erf`` (slower, the same values).
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .activation import _lazy_special
from .elementwise import _as_tensor, _floating
from .._registry import op


_erf = _lazy_special("erf", math.erf)


_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_C = 0.044715


# ----------------------------------------------------------------------- gelu
class NormalCdf(Function):
    """``y = Phi(x) = (1 + erf(x / sqrt 2)) / 2``;  dy/dx = phi(x) = e^(-x^2/2) / sqrt(2 pi).

    Used by gelu's backward rule so that its second derivative is exact too.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _normal_cdf_array(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (np.exp(x * x * -0.5) * _INV_SQRT_2PI)


def _normal_cdf_array(x):
    return (_erf(x * (1 / _SQRT_2)) + 1) * 0.5


def _normal_cdf(x):
    """Phi(x) for an array, or as a differentiable op for a Tensor (create_graph backward)."""
    if isinstance(x, Tensor):
        return NormalCdf.apply(x)
    return _normal_cdf_array(x)


class Gelu(Function):
    """Exact GELU ``y = x Phi(x)``;  dy/dx = Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return x * _normal_cdf_array(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        pdf = np.exp(x * x * -0.5) * _INV_SQRT_2PI
        return grad * (_normal_cdf(x) + x * pdf)


class GeluTanh(Function):
    """PyTorch's tanh approximation ``y = x (1 + tanh(u)) / 2``, ``u = sqrt(2/pi) (x + 0.044715 x^3)``;

    dy/dx = (1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2) / 2, t = tanh(u).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        t = np.tanh((x + x * x * x * _GELU_TANH_C) * _SQRT_2_OVER_PI)
        return x * (t + 1) * 0.5

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        x_squared = x * x
        t = np.tanh((x + x_squared * x * _GELU_TANH_C) * _SQRT_2_OVER_PI)
        du_dx = (x_squared * (3 * _GELU_TANH_C) + 1) * _SQRT_2_OVER_PI
        return grad * ((t + 1) * 0.5 + x * (1 - t * t) * du_dx * 0.5)


@op()
def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian Error Linear Unit.

    ``approximate='none'`` (default): the exact ``x * Phi(x)``, Phi the standard normal
    CDF, with d/dx = Phi(x) + x * phi(x). ``approximate='tanh'``: PyTorch's
    ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` and its exact derivative.
    """
    if approximate == "none":
        return Gelu.apply(_as_tensor(input, "gelu"))
    if approximate == "tanh":
        return GeluTanh.apply(_as_tensor(input, "gelu"))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
