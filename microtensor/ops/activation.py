"""Smooth activations built on the logistic sigmoid and tanh: ``sigmoid tanh softplus silu mish``.

The rectifiers (``relu leaky_relu elu selu hardtanh relu6``) are in ``rectifiers.py``,
``gelu`` in ``gaussian.py``.

Each is a ``Function`` with ``numpy_level = True`` whose backward rule works on
numpy arrays (first-order gradients) and on Tensors (``create_graph=True``), so
second and higher derivatives are exact. Where the derivative is a function of
the output (sigmoid, tanh) the output is saved rather than recomputed.

Stability: ``sigmoid`` and ``softplus`` never evaluate ``exp`` of a large positive
number, so ``x = +-1000`` gives finite values and finite gradients without numpy
warnings in float32 and float64.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .elementwise import _as_tensor, _floating
from .._registry import op


def _sigmoid_numpy(z):
    """1 / (1 + e^-z) for an array, without overflow: e^-|z| never exceeds 1."""
    e = np.exp(-np.abs(z))
    denominator = 1 + e
    return np.where(z >= 0, 1 / denominator, e / denominator)


# scipy's erf and expit are fast, stable ufuncs (one pass, no warnings at +-1000).
# scipy is imported on first use, not with microtensor: it costs ~0.2 s and ~27 MB.
def _lazy_special(name, scalar):
    """``scipy.special.<name>`` elementwise, found on first use (importing scipy is slow), keeping the
    input's float dtype; without scipy, ``scalar`` (a function of one float, such as ``math.erf``) on
    each element, slower and with the same values (``.fallback``)."""
    vectorized = np.vectorize(scalar, otypes=[np.float64])

    def fallback(x):
        x = np.asarray(x)
        return vectorized(x).astype(x.dtype, copy=False)

    found = []

    def special(x):
        if not found:
            found.append(_scipy_special(name, fallback))
        return found[0](x)

    special.fallback = fallback
    return special


def _scipy_special(name, fallback):
    """``scipy.special.<name>``, or the numpy ``fallback`` when scipy is not installed.

    scipy has no float16 loops (it computes those in float64); the result keeps the
    input's float dtype, as PyTorch's does.
    """
    try:
        from scipy import special
    except ImportError:  # pragma: no cover - exercised only without scipy
        return fallback
    ufunc = getattr(special, name)

    def keeping_dtype(x):
        out = ufunc(x)
        dtype = getattr(x, "dtype", None)
        if dtype is not None and out.dtype != dtype and dtype.kind == "f":
            return np.asarray(out, dtype=dtype)
        return out

    return keeping_dtype


def _stable_sigmoid(x):
    global _stable_sigmoid  # replaced by the real implementation on first use
    _stable_sigmoid = _scipy_special("expit", _sigmoid_numpy)
    return _stable_sigmoid(x)


# ----------------------------------------------------------- sigmoid and tanh
class Sigmoid(Function):
    """``y = 1 / (1 + e^-x)``;  dy/dx = y (1 - y) (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        y = _stable_sigmoid(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (y * (1 - y))


@op(method=True)
def sigmoid(input: Tensor) -> Tensor:
    """The logistic function ``1 / (1 + e^-x)``, stable for any x (no overflow at x = -1000).

    d/dx sigmoid(x) = sigmoid(x) (1 - sigmoid(x)).
    """
    return Sigmoid.apply(_as_tensor(input, "sigmoid"))


class Tanh(Function):
    """``y = tanh x``;  dy/dx = 1 - y^2 (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        y = np.tanh(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 - y * y)


@op(method=True, numpy=np.tanh)
def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent elementwise.  d/dx tanh(x) = 1 - tanh(x)^2."""
    return Tanh.apply(_as_tensor(input, "tanh"))


# ------------------------------------------------------------------- softplus
class Softplus(Function):
    """``y = log(1 + e^(beta x)) / beta``, and ``y = x`` where ``beta x > threshold``;

    dy/dx = sigmoid(beta x), and 1 where ``beta x > threshold``.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        x = _floating(x)
        z = x * beta
        linear = z > threshold
        if ctx.needs_input_grad[0]:
            ctx.linear = linear
            ctx.beta = beta
            ctx.save_for_backward(x)
        # log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): no exp of a large positive number.
        smooth = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
        out = np.where(linear, x, smooth)
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        z = x * ctx.beta
        slope = sigmoid(z) if isinstance(z, Tensor) else _stable_sigmoid(z)
        return np.where(ctx.linear, grad, grad * slope), None, None


@op()
def softplus(input: Tensor, beta: float = 1, threshold: float = 20) -> Tensor:
    """``log(1 + exp(beta * x)) / beta``, reverting to ``x`` where ``beta * x > threshold``
    (PyTorch's semantics); stable for large |x|.  d/dx = sigmoid(beta x) (1 in the linear part).
    """
    if isinstance(beta, bool) or not isinstance(beta, (int, float, np.number)):
        raise TypeError(f"softplus: beta must be a number, got {type(beta).__name__}")
    if beta == 0:
        raise ValueError("softplus: beta must be non-zero (the function divides by beta)")
    return Softplus.apply(_as_tensor(input, "softplus"), beta, threshold)




# ----------------------------------------------------------------------- silu
class Silu(Function):
    """``y = x sigmoid(x)`` (SiLU, "swish");  dy/dx = s (1 + x (1 - s)), s = sigmoid(x)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return x * _stable_sigmoid(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        s = sigmoid(x) if isinstance(x, Tensor) else _stable_sigmoid(x)
        return grad * (s * (x * (1 - s) + 1))


@op()
def silu(input: Tensor) -> Tensor:
    """``x * sigmoid(x)`` elementwise (the SiLU, or swish), stable for any x.

    d/dx = s (1 + x (1 - s)) with s = sigmoid(x).
    """
    return Silu.apply(_as_tensor(input, "silu"))


# ----------------------------------------------------------------------- mish
class Mish(Function):
    """``y = x tanh(softplus(x))``;  dy/dx = t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x))."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return x * np.tanh(_softplus_array(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if isinstance(x, Tensor):
            t, s = tanh(softplus(x)), sigmoid(x)
        else:
            t, s = np.tanh(_softplus_array(x)), _stable_sigmoid(x)
        return grad * (t + x * s * (1 - t * t))


def _softplus_array(x):
    """log(1 + e^x) = max(x, 0) + log(1 + e^-|x|): no exp of a large positive number."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


@op()
def mish(input: Tensor) -> Tensor:
    """``x * tanh(softplus(x))`` elementwise, stable for any x."""
    return Mish.apply(_as_tensor(input, "mish"))
