"""The gamma function's logarithm and derivatives, elementwise: ``lgamma`` (``log |Gamma x|``),
``digamma`` (``psi = (log Gamma)'``), ``polygamma`` (``psi^(n)``, its n-th derivative) and
``mvlgamma`` (the multivariate log-gamma). Each one's derivative is the next, so gradients of
any order are exact. Integer inputs become the default float dtype; scipy is used when installed
(``_special_fallbacks.py``).
"""
from __future__ import annotations

import builtins
import math

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._registry import op
from .. import _dtypes
from ._special_fallbacks import evaluate
from .elementwise import _as_tensor, _floating


def _polygamma_of(n, x):
    """psi^(n)(x) for an array, or as a differentiable op for a Tensor (create_graph backward)."""
    if isinstance(x, Tensor):
        return Digamma.apply(x) if n == 0 else Polygamma.apply(n, x)
    return _polygamma_array(n, x)


def _polygamma_array(n, x):
    """psi^(n)(x) of an array, with PyTorch's values at -inf: nan for digamma and trigamma (n <= 1,
    where psi^(n) has no limit), and its +-inf from the zeta series for n >= 2."""
    if n == 0:
        return evaluate("psi", x)
    y = evaluate("polygamma", x, n)
    if n == 1:
        y = np.where(x == -np.inf, np.nan, y)
    return y


class Lgamma(Function):
    """``y = log |Gamma x|`` (inf at 0, -1, -2, ... and at +-inf, as in PyTorch);  dy/dx = psi(x)
    (nan at -inf)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.where(x == -np.inf, np.inf, evaluate("gammaln", x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _polygamma_of(0, x)


class Digamma(Function):
    """``y = psi(x) = Gamma'(x) / Gamma(x)`` (-inf at +0, nan at the negative integers);
    dy/dx = psi^(1)(x)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return evaluate("psi", x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * _polygamma_of(1, x)


class Polygamma(Function):
    """``y = psi^(n)(x) = (-1)^(n+1) n! zeta(n + 1, x)`` for n >= 1;  dy/dx = psi^(n+1)(x)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, n, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        ctx.n = n
        return _polygamma_array(n, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return None, grad * _polygamma_of(ctx.n + 1, x)


@op(method=True, out=True)
def lgamma(input: Tensor) -> Tensor:
    """``log |Gamma(input)|`` elementwise (inf at 0 and the negative integers).  d/dx = digamma(x)."""
    return Lgamma.apply(_as_tensor(input, "lgamma"))


@op(method=True, out=True)
def digamma(input: Tensor) -> Tensor:
    """``psi(input)``, the logarithmic derivative of the gamma function.  d/dx = polygamma(1, x)."""
    return Digamma.apply(_as_tensor(input, "digamma"))


@op(method=True, out=True)
def polygamma(n: int, input: Tensor) -> Tensor:
    """The ``n``-th derivative of digamma elementwise (``polygamma(0, x) = digamma(x)``)."""
    if not isinstance(n, builtins.int) or isinstance(n, builtins.bool):
        raise TypeError(f"polygamma(): argument 'n' (position 1) must be int, not {type(n).__name__}")
    if n < 0:
        raise RuntimeError(f"polygamma(n, x) does not support negative n (got n={n}).")
    x = _as_tensor(input, "polygamma")
    return Digamma.apply(x) if n == 0 else Polygamma.apply(n, x)


@op(method=True, out=True)
def mvlgamma(input: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p`` elementwise:
    ``p (p - 1) / 4 log(pi) + sum_{j=0}^{p-1} lgamma(input - j / 2)``."""
    if not isinstance(p, builtins.int) or isinstance(p, builtins.bool):
        raise TypeError(f"mvlgamma(): argument 'p' (position 2) must be int, not {type(p).__name__}")
    if p < 1:
        raise RuntimeError(f"mvlgamma: p has to be greater than or equal to 1 (got p={p})")
    x = _as_tensor(input, "mvlgamma")
    if x.dtype.kind == "b":
        raise RuntimeError("mvlgamma: The input tensor may not be a boolean tensor. Convert it with .float() first")
    if x.dtype.kind != "f":
        x = x.to(_dtypes.get_default_dtype())
    halves = Tensor(np.arange(p, dtype=x.dtype) * 0.5)
    return lgamma(x.unsqueeze(-1) - halves).sum(-1) + p * (p - 1) / 4 * math.log(math.pi)
