"""Three more special functions, elementwise: ``erfinv`` (the inverse of the error function),
``i0`` (the modified Bessel function of the first kind, order 0) and ``sinc`` (the normalized
``sin(pi x) / (pi x)``). Integer inputs become the default float dtype; scipy is used for erfinv,
i0 and i0's derivative i1 when installed (``_special_fallbacks.py``).
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._registry import op
from ._special_fallbacks import evaluate
from .elementwise import _as_tensor, _floating
from .._float_errors import quiet_float_errors

_SQRT_PI_OVER_2 = math.sqrt(math.pi) / 2


class Erfinv(Function):
    """``y = erfinv x`` (erf y = x; +-inf at +-1, nan outside [-1, 1]);
    dy/dx = 1 / erf'(y) = sqrt(pi)/2 e^(y^2) (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        y = evaluate("erfinv", _floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (np.exp(y * y) * _SQRT_PI_OVER_2)


def _bessel_i(order, x):
    """I_0 or I_1 of an array, or as a differentiable op for a Tensor (create_graph backward)."""
    if isinstance(x, Tensor):
        return (I0 if order == 0 else I1).apply(x)
    return evaluate("i0" if order == 0 else "i1", x)


class I0(Function):
    """``y = I_0(x) = sum_k (x/2)^(2k) / (k!)^2``;  dy/dx = I_1(x)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return evaluate("i0", x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _bessel_i(1, x)


class I1(Function):
    """``y = I_1(x)`` (the derivative of I_0);  dy/dx = I_0(x) - I_1(x) / x, 1/2 at x = 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return evaluate("i1", x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        at_zero = x == 0
        safe = np.where(at_zero, 1.0, x)
        return grad * np.where(at_zero, 0.5, _bessel_i(0, x) - _bessel_i(1, x) / safe)


def _sinc_of(x):
    if isinstance(x, Tensor):
        return Sinc.apply(x)
    return np.sinc(x)


class Sinc(Function):
    """``y = sin(pi x) / (pi x)``, 1 at x = 0;  dy/dx = (cos(pi x) - y) / x, which near 0
    (|x| < 1e-3, where that cancels) is its series -pi^2/3 x + pi^4/30 x^3 (0 at 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        precise = x.astype(np.float32) if x.dtype == np.float16 else x  # pi x in float16 is too coarse
        with quiet_float_errors():
            return np.asarray(np.sinc(precise), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        near_zero = np.abs(x) < 1e-3
        safe = np.where(near_zero, 1.0, x)
        series = x * (x * x * (math.pi ** 4 / 30) - math.pi ** 2 / 3)
        return grad * np.where(near_zero, series, (np.cos(safe * math.pi) - _sinc_of(safe)) / safe)


@op(method=True, out=True)
def erfinv(input: Tensor) -> Tensor:
    """The inverse error function elementwise: ``erf(erfinv(x)) = x`` on (-1, 1), +-inf at +-1."""
    return Erfinv.apply(_as_tensor(input, "erfinv"))


@op(method=True, numpy=np.i0, out=True)
def i0(input: Tensor) -> Tensor:
    """The modified Bessel function of the first kind of order 0 elementwise.  d/dx I_0 = I_1."""
    return I0.apply(_as_tensor(input, "i0"))


@op(method=True, numpy=np.sinc, out=True)
def sinc(input: Tensor) -> Tensor:
    """The normalized sinc ``sin(pi x) / (pi x)`` elementwise, 1 at 0."""
    return Sinc.apply(_as_tensor(input, "sinc"))
