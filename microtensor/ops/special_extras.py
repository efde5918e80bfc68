"""The ``torch.special`` functions microtensor had no op for, elementwise and differentiable:
``xlog1py`` (``x log(1 + y)``, 0 where x == 0), ``entr`` (the entropy term ``-x log x``),
``ndtr`` (the standard normal CDF Phi), ``ndtri`` (its inverse) and ``log_ndtr`` (``log Phi``,
accurate far into the lower tail). They live in ``mt.special`` only, as in PyTorch.

scipy's ``ndtr ndtri log_ndtr`` are used when installed; the numpy fallbacks below give the
same values to a few ulps.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._typing import TensorLike
from .activation import _scipy_special
from .special_functions import Xlogy
from .elementwise import _as_tensor, _floating
from ._two_operands import _binary
from .._float_errors import quiet_float_errors

_SQRT_2 = math.sqrt(2.0)
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_erfc_scalar = np.vectorize(math.erfc, otypes=[np.float64])
_ASYMPTOTIC_BELOW = -20.0  # log_ndtr's asymptotic series is exact to double precision from here down


def _ndtr_numpy(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2 (erfc keeps the lower tail's relative precision)."""
    x = np.asarray(x)
    return (_erfc_scalar(-x.astype(np.float64) / _SQRT_2) * 0.5).astype(x.dtype, copy=False)


def _log_ndtr_numpy(x):
    """log Phi(x): log1p(-Phi(-x)) above 0, log(erfc(-x/sqrt 2)/2) down to -20, below that the
    asymptotic series -x^2/2 - log(-x) - log sqrt(2 pi) + log(1 - 1/x^2 + 3/x^4 - 15/x^6 + ...)."""
    x = np.asarray(x)
    z = x.astype(np.float64)
    with quiet_float_errors():
        upper = np.log1p(-_ndtr_numpy(-z))
        middle = np.log(_ndtr_numpy(z))
        t = 1.0 / (z * z)
        series = 1 - t * (1 - 3 * t * (1 - 5 * t * (1 - 7 * t * (1 - 9 * t * (1 - 11 * t)))))
        tail = -0.5 * z * z - np.log(-z) - _LOG_SQRT_2PI + np.log(series)
        out = np.where(z > 0, upper, np.where(z > _ASYMPTOTIC_BELOW, middle, tail))
    return out.astype(x.dtype, copy=False)


def _ndtri_numpy(p):
    """Phi^-1(p) on [0, 1] (-inf at 0, inf at 1, nan outside): for q = min(p, 1 - p) (1 - p is
    exact there) a start sqrt(2) erfinv(2q - 1) or the tail's -sqrt(-2 log q), then Newton steps on
    ``log Phi(y) = log q``, which stay exact however small q is."""
    from ._special_fallbacks import erfinv

    p = np.asarray(p)
    q = np.minimum(p, 1 - p).astype(np.float64)
    with quiet_float_errors():
        start = _SQRT_2 * erfinv(2 * q - 1)
        y = np.where(np.isfinite(start) & (q > 1e-10), start, -np.sqrt(-2 * np.log(q)))
        log_q = np.log(q)
        for _ in range(6):
            log_phi = _log_ndtr_numpy(y)
            step = (log_phi - log_q) / np.exp(-0.5 * y * y - _LOG_SQRT_2PI - log_phi)
            y = np.where(np.isfinite(step), y - step, y)
        y = np.where(q == 0, -np.inf, np.where(q == 0.5, 0.0, y))
        y = np.where(p > 0.5, -y, y)
        y = np.where((p < 0) | (p > 1) | np.isnan(p), np.nan, y)
    return y.astype(p.dtype, copy=False)


def _special(name, fallback):
    """``scipy.special.<name>`` keeping the input's float dtype, or the numpy fallback."""
    function = _scipy_special(name, fallback)
    _CACHE[name] = function
    return function


_CACHE: dict = {}


def _evaluate(name, fallback, x):
    function = _CACHE.get(name) or _special(name, fallback)
    with quiet_float_errors():
        return np.asarray(function(x), dtype=x.dtype)


def _normal_pdf(x):
    return np.exp(x * x * -0.5) * (1 / math.sqrt(2 * math.pi))


class Xlog1py(Xlogy):
    """``z = x log(1 + y)``, 0 where x == 0 (even for y == -1), nan where y is nan;
    dz/dx = log1p y (0 where x == 0 and y == -1), dz/dy = x / (1 + y). ``Xlogy`` with ``log1p``."""

    log = staticmethod(np.log1p)
    pole = -1

    @staticmethod
    def forward(ctx, x, y):
        return Xlog1py._forward(ctx, x, y)


class Entr(Function):
    """``y = -x log x`` for x > 0, 0 at x = 0, -inf for x < 0 (nan stays nan);
    dy/dx = -(1 + log x)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            out = np.where(x > 0, -x * np.log(np.where(x > 0, x, 1)), np.where(x == 0, 0, -np.inf))
            out = np.where(np.isnan(x), np.nan, out)
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():
            return grad * -(np.log(x) + 1)


class Ndtr(Function):
    """``y = Phi(x) = erfc(-x / sqrt 2) / 2``;  dy/dx = phi(x) = e^(-x^2/2) / sqrt(2 pi)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return _evaluate("ndtr", _ndtr_numpy, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad * _normal_pdf(x)


class Ndtri(Function):
    """``y = Phi^-1(p)``;  dy/dp = 1 / phi(y) = sqrt(2 pi) e^(y^2/2) (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, p):
        y = _evaluate("ndtri", _ndtri_numpy, _floating(p))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad * (np.exp(y * y * 0.5) * math.sqrt(2 * math.pi))


class LogNdtr(Function):
    """``y = log Phi(x)``;  dy/dx = phi(x) / Phi(x) = e^(-x^2/2 - log sqrt(2 pi) - y) (no 0/0 in the tail)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        y = _evaluate("log_ndtr", _log_ndtr_numpy, x)
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad * np.exp(x * x * -0.5 - _LOG_SQRT_2PI - y)


def xlog1py(input: TensorLike, other: TensorLike) -> Tensor:
    """``input * log1p(other)``, 0 where input == 0 (unless other is nan)."""
    return _binary(Xlog1py, "xlog1py", input, other)


def entr(input: Tensor) -> Tensor:
    """The entropy term ``-x log x`` elementwise: 0 at 0, -inf for negative x."""
    return Entr.apply(_as_tensor(input, "entr"))


def ndtr(input: Tensor) -> Tensor:
    """The standard normal CDF ``Phi(x) = (1 + erf(x / sqrt 2)) / 2``, precise in the lower tail."""
    return Ndtr.apply(_as_tensor(input, "ndtr"))


def ndtri(input: Tensor) -> Tensor:
    """The inverse of the standard normal CDF (the normal quantile): -inf at 0, inf at 1, nan outside [0, 1]."""
    return Ndtri.apply(_as_tensor(input, "ndtri"))


def log_ndtr(input: Tensor) -> Tensor:
    """``log Phi(x)``, finite and precise far into the lower tail (about ``-x^2/2`` there)."""
    return LogNdtr.apply(_as_tensor(input, "log_ndtr"))
