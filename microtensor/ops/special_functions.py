"""Special functions of probability and information, elementwise: ``erf erfc`` (the Gaussian's
error function), ``logit`` (the inverse of the sigmoid), ``xlogy`` (``x log y`` with ``0 log 0 = 0``,
the term of an entropy), ``logaddexp logaddexp2`` (``log(e^a + e^b)`` without overflow),
``exp2`` and ``rsqrt``. Integer inputs become the default float dtype.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._registry import op
from .._typing import TensorLike
from .elementwise import _as_tensor, _floating, _floating_pair
from .activation import _lazy_special
from .gaussian import _erf
from ._two_operands import _binary
from ._util import match_dtype
from .._float_errors import quiet_float_errors

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


class Erf(Function):
    """``y = erf x = 2/sqrt(pi) * integral_0^x e^(-t^2) dt``;  dy/dx = 2/sqrt(pi) e^(-x^2)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.asarray(_erf(x), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad * (_TWO_OVER_SQRT_PI * np.exp(-(x * x)))


_erfc = _lazy_special("erfc", math.erfc)


class Erfc(Function):
    """``y = erfc x = 1 - erf x``;  dy/dx = -2/sqrt(pi) e^(-x^2)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.asarray(_erfc(x), dtype=x.dtype)  # not 1 - erf x, which loses the tail

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad * (-_TWO_OVER_SQRT_PI * np.exp(-(x * x)))


class Logit(Function):
    """``y = log(p / (1 - p))``, with p clamped to [eps, 1 - eps] when eps is given;
    dy/dp = 1 / (p (1 - p)): without eps nan outside [0, 1], with eps 0 wherever p is not in
    [eps, 1 - eps] (nan included), as PyTorch."""

    numpy_level = True

    @staticmethod
    def forward(ctx, p, eps):
        p = _floating(p)
        clamped = p if eps is None else np.clip(p, eps, 1 - eps)
        ctx.save_for_backward(p)
        ctx.eps = eps
        with quiet_float_errors():
            return np.log(clamped / (1 - clamped))

    @staticmethod
    def backward(ctx, grad):
        (p,) = ctx.saved_tensors
        with quiet_float_errors():
            slope = grad / (p * (1 - p))
        if ctx.eps is None:
            return np.where((p < 0) | (p > 1), np.nan, slope), None
        return np.where((p >= ctx.eps) & (p <= 1 - ctx.eps), slope, 0), None


class Xlogy(Function):
    """``z = x log y``, 0 where x == 0 (even for y == 0), nan where y is nan;
    dz/dx = log y (0 where x == 0 and y <= 0, as in PyTorch), dz/dy = x / y.

    ``Xlog1py`` (``special_extras.py``) is the same op with ``log1p`` for ``log``: its class sets
    ``log`` and the ``pole`` where log is -inf (``y == -1``; here ``y == 0``, so dz/dy = x / (y - pole))."""

    numpy_level = True
    log = staticmethod(np.log)
    pole = 0

    @staticmethod
    def forward(ctx, x, y):
        return Xlogy._forward(ctx, x, y)

    @classmethod
    def _forward(cls, ctx, x, y):
        x, y = _floating_pair(x, y)
        ctx.save_for_backward(x, y)
        with quiet_float_errors():
            out = np.where((np.asarray(x) == 0) & ~np.isnan(y), 0, x * cls.log(y))
        return match_dtype(np.asarray(out), x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        need_x, need_y = ctx.needs_input_grad
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            grad_x = np.where((x == 0) & (y <= ctx.pole), 0, grad * ctx.log(y)) if need_x else None
            grad_y = grad * x / (y - ctx.pole if ctx.pole else y) if need_y else None
        return grad_x, grad_y


class LogAddExp(Function):
    """``z = log(e^a + e^b)``, computed without overflow (numpy's ``logaddexp``: ``m + log1p(e^-|a-b|)``
    with m = max(a, b));  dz/da = e^a / (e^a + e^b) = 1 / (1 + e^(b-a)), dz/db = 1 / (1 + e^(a-b))
    (PyTorch's form: 1 at a = inf for a finite b, 0 at b = inf; nan where a = b = +-inf)."""

    numpy_level = True
    function = staticmethod(np.logaddexp)
    power = staticmethod(np.exp)

    @staticmethod
    def forward(ctx, a, b):
        return LogAddExp._forward(ctx, a, b)

    @classmethod
    def _forward(cls, ctx, a, b):
        a, b = _floating_pair(a, b)
        with quiet_float_errors():  # -inf and -inf, nan: no warning
            z = match_dtype(np.asarray(cls.function(a, b)), a, b)
        ctx.save_for_backward(a, b)
        return z

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        power = ctx.power
        with quiet_float_errors():  # e^(b-a) = inf gives 0; inf - inf gives nan
            return (grad / (power(b - a) + 1) if need_a else None), (grad / (power(a - b) + 1) if need_b else None)


class LogAddExp2(LogAddExp):
    """``z = log2(2^a + 2^b)``, computed without overflow in the operands' float dtype (numpy's
    ``logaddexp2``);  dz/da = 2^a / (2^a + 2^b) = 1 / (1 + 2^(b-a)), dz/db = 1 / (1 + 2^(a-b)).
    ``LogAddExp`` in base 2: its class sets ``function`` and ``power``."""

    function = staticmethod(np.logaddexp2)
    power = staticmethod(np.exp2)

    @staticmethod
    def forward(ctx, a, b):
        return LogAddExp2._forward(ctx, a, b)


class Rsqrt(Function):
    """``y = 1 / sqrt x`` (inf at 0, nan below);  dy/dx = -y^3 / 2."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with quiet_float_errors():
            y = 1 / np.sqrt(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad * (y * y * y * -0.5)


@op(method=True, out=True)
def erf(input: Tensor) -> Tensor:
    """The error function elementwise.  d/dx erf x = 2/sqrt(pi) e^(-x^2)."""
    return Erf.apply(_as_tensor(input, "erf"))


@op(method=True, out=True)
def erfc(input: Tensor) -> Tensor:
    """The complementary error function ``1 - erf x`` elementwise."""
    return Erfc.apply(_as_tensor(input, "erfc"))


@op(method=True, out=True)
def logit(input: Tensor, eps: Optional[float] = None) -> Tensor:
    """``log(p / (1 - p))``, the inverse of ``sigmoid``; ``eps`` clamps p to [eps, 1 - eps] first."""
    return Logit.apply(_as_tensor(input, "logit"), eps)


@op(method=True, out=True)
def xlogy(input: TensorLike, other: TensorLike) -> Tensor:
    """``input * log(other)``, 0 where ``input`` is 0 (so ``0 log 0 = 0``, as entropies need)."""
    return _binary(Xlogy, "xlogy", input, other)


@op(method=True, numpy=np.logaddexp, out=True)
def logaddexp(input: Tensor, other: TensorLike) -> Tensor:
    """``log(exp(input) + exp(other))`` elementwise, computed without overflow."""
    return _binary(LogAddExp, "logaddexp", _as_tensor(input, "logaddexp"), other)


@op(method=True, numpy=np.logaddexp2, out=True)
def logaddexp2(input: Tensor, other: TensorLike) -> Tensor:
    """``log2(2**input + 2**other)`` elementwise, computed without overflow.  d/dinput = 1 / (1 + 2^(other - input))."""
    return _binary(LogAddExp2, "logaddexp2", _as_tensor(input, "logaddexp2"), other)


@op(method=True, numpy=np.exp2, out=True)
def exp2(input: Tensor) -> Tensor:
    """``2 ** input`` elementwise.  d/dx 2^x = 2^x ln 2."""
    return 2.0 ** _as_tensor(input, "exp2")


@op(method=True, out=True)
def rsqrt(input: Tensor) -> Tensor:
    """``1 / sqrt(input)`` elementwise.  d/dx x^(-1/2) = -x^(-3/2) / 2."""
    return Rsqrt.apply(_as_tensor(input, "rsqrt"))
