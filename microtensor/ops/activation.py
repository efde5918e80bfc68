"""Activation functions as ops with their own backward, in numerically stable forms.

Each is a ``Function`` with ``numpy_level = True`` whose backward rule works on
numpy arrays (first-order gradients) and on Tensors (``create_graph=True``), so
second and higher derivatives are exact. Where the derivative is a function of
the output (sigmoid, tanh) the output is saved rather than recomputed.

Stability: ``sigmoid`` and ``softplus`` never evaluate ``exp`` of a large positive
number, so ``x = +-1000`` gives finite values and finite gradients without numpy
warnings in float32 and float64.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .elementwise import _as_tensor, _floating
from .._registry import op

_erf_scalar = np.vectorize(math.erf, otypes=[np.float64])


def _erf_numpy(x):
    """erf elementwise with ``math.erf`` (the fallback without scipy; slower, same values)."""
    x = np.asarray(x)
    return _erf_scalar(x).astype(x.dtype, copy=False)


def _sigmoid_numpy(z):
    """1 / (1 + e^-z) for an array, without overflow: e^-|z| never exceeds 1."""
    e = np.exp(-np.abs(z))
    denominator = 1 + e
    return np.where(z >= 0, 1 / denominator, e / denominator)


# scipy's erf and expit are fast, stable ufuncs (one pass, no warnings at +-1000).
# scipy is imported on first use, not with microtensor: it costs ~0.2 s and ~27 MB.
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


def _erf(x):
    global _erf  # replaced by the real implementation on first use
    _erf = _scipy_special("erf", _erf_numpy)
    return _erf(x)


def _stable_sigmoid(x):
    global _stable_sigmoid  # replaced by the real implementation on first use
    _stable_sigmoid = _scipy_special("expit", _sigmoid_numpy)
    return _stable_sigmoid(x)


_SQRT_2 = math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_GELU_TANH_C = 0.044715


# ----------------------------------------------------------------------- relu
class ReLU(Function):
    """``y = max(x, 0)``;  dy/dx = 1 where x > 0, else 0 (0 at x = 0, as in PyTorch)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        if x.size >= _RELU_ZEROS_MIN_SIZE and x.dtype == np.float32:
            y = np.maximum(x, np.zeros_like(x))  # the same bits; numpy's float32 loop against a scalar is 3x slower
        else:
            y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        off = y <= 0  # False at nan inputs: the gradient passes there, as in PyTorch
        if grad.__class__ is not np.ndarray:
            return np.where(off, 0, grad)
        if grad.size < _RELU_WHERE_MAX_SIZE:
            return np.where(off, _zero_of(grad.dtype), grad)  # a 0-d zero of grad's dtype: no conversion of 0
        # On large arrays a multiplication by the mask: branch-free, ~10x faster than np.where
        # with mixed signs; it gives nan for an inf/nan gradient where relu is off, so redo those
        # (rare) cases with np.where, which gives 0 there as PyTorch does.
        with np.errstate(invalid="ignore"):
            masked = grad * ~off
        return np.where(off, 0, grad) if np.isnan(masked.sum()) else masked


_RELU_WHERE_MAX_SIZE = 8192  # below this np.where costs no more than the mask multiply and its check
_RELU_ZEROS_MIN_SIZE = 4096  # from this size float32 maximum against a zeros array beats it against 0


def _zero_of(dtype):
    """A read-only 0-d zero of ``dtype``, made once per dtype."""
    zero = _ZEROS.get(dtype)
    if zero is None:
        zero = _ZEROS[dtype] = np.zeros((), dtype)
        zero.flags.writeable = False
    return zero


_ZEROS = {}  # dtype -> its 0-d zero (see _zero_of)


@op(method=True)
def relu(input: Tensor) -> Tensor:
    """``max(input, 0)`` elementwise.  d/dx relu(x) = 1 for x > 0, 0 for x <= 0 (relu'(0) = 0)."""
    return ReLU.apply(_as_tensor(input, "relu"))


class LeakyReLU(Function):
    """``y = x if x > 0 else slope * x``;  dy/dx = 1 where x > 0, else slope (slope at 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, negative_slope):
        positive = x > 0
        if ctx.needs_input_grad[0]:
            ctx.positive = positive
            ctx.negative_slope = negative_slope
        out = np.where(positive, x, x * negative_slope)
        return out if out.dtype == x.dtype or x.dtype.kind != "f" else out.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.positive, grad, grad * ctx.negative_slope), None


@op()
def leaky_relu(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``input`` where positive, ``negative_slope * input`` elsewhere.

    d/dx = 1 for x > 0 and ``negative_slope`` for x <= 0 (PyTorch's value at 0).
    """
    if isinstance(negative_slope, Tensor):
        negative_slope = negative_slope.item()
    if not isinstance(negative_slope, (int, float, np.number)) or isinstance(negative_slope, bool):
        raise TypeError(f"leaky_relu: negative_slope must be a number, got {type(negative_slope).__name__}")
    return LeakyReLU.apply(_as_tensor(input, "leaky_relu"), float(negative_slope))


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


# ---------------------------------------------------------------- elu and selu
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _elu_forward(ctx, x, alpha, scale):
    """``scale * x`` where x > 0, ``scale * alpha (e^x - 1)`` elsewhere; saves what backward needs.

    e^x is taken of min(x, 0) only, so x = 1000 does not overflow.
    """
    x = _floating(x)
    positive = x > 0
    negative_part = np.expm1(np.minimum(x, 0)) * (alpha * scale)
    y = np.where(positive, x * scale if scale != 1 else x, negative_part)
    if y.dtype != x.dtype:
        y = y.astype(x.dtype)
    if ctx.needs_input_grad[0]:
        ctx.positive = positive
        ctx.save_for_backward(x)
    return y


def _elu_backward(ctx, grad, alpha, scale):
    """dy/dx = scale where x > 0, else scale alpha e^x.

    e^x of the input, not y + alpha: that difference would lose float32's precision for x << 0.
    The exponent is 0 where x > 0 (no overflow, and no gradient leaks there in double backward).
    """
    (x,) = ctx.saved_tensors
    slope = np.exp(np.where(ctx.positive, 0, x)) * (alpha * scale)
    return np.where(ctx.positive, grad * scale if scale != 1 else grad, grad * slope)


class Elu(Function):
    """``y = x`` for x > 0, ``alpha (e^x - 1)`` for x <= 0;  dy/dx = 1 for x > 0, else alpha e^x
    (PyTorch's choice at 0: the negative branch, alpha)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, alpha):
        if ctx.needs_input_grad[0]:
            ctx.alpha = alpha
        return _elu_forward(ctx, x, alpha, 1.0)

    @staticmethod
    def backward(ctx, grad):
        return _elu_backward(ctx, grad, ctx.alpha, 1.0), None


class Selu(Function):
    """``y = scale * elu(x, alpha)`` with PyTorch's fixed alpha = 1.6732632423543772 and
    scale = 1.0507009873554805;  dy/dx = scale for x > 0, else scale alpha e^x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        return _elu_forward(ctx, x, _SELU_ALPHA, _SELU_SCALE)

    @staticmethod
    def backward(ctx, grad):
        return _elu_backward(ctx, grad, _SELU_ALPHA, _SELU_SCALE)


def _number(value, op_name, name):
    if isinstance(value, Tensor):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{op_name}: {name} must be a number, got {type(value).__name__}")
    return float(value)


@op()
def elu(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere (no overflow for large x).

    d/dx = 1 for x > 0 and ``alpha * exp(x)`` for x <= 0 (PyTorch's value at 0).
    """
    return Elu.apply(_as_tensor(input, "elu"), _number(alpha, "elu", "alpha"))


@op()
def selu(input: Tensor) -> Tensor:
    """``scale * elu(x, alpha)`` with the self-normalising constants alpha ~ 1.6733, scale ~ 1.0507."""
    return Selu.apply(_as_tensor(input, "selu"))


# ------------------------------------------------------------ hardtanh, relu6
class Hardtanh(Function):
    """``y = clip(x, min_val, max_val)``;  dy/dx = 1 where min_val < x < max_val, else 0
    (0 at the two corners, as in PyTorch). Integer inputs stay integer."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, bounds):
        low, high = bounds
        if ctx.needs_input_grad[0]:
            ctx.inside = (x > low) & (x < high)
        y = np.clip(x, low, high)
        return y if y.dtype == x.dtype else y.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.inside, None


@op()
def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``input`` clipped to ``[min_val, max_val]``; d/dx = 1 strictly inside, 0 outside and at the corners."""
    low, high = _number(min_val, "hardtanh", "min_val"), _number(max_val, "hardtanh", "max_val")
    if low > high:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val (got min_val={low}, max_val={high})")
    input = _as_tensor(input, "hardtanh")
    if input.dtype.kind in "iu":  # integer tensors keep their dtype: clip to the integers inside the range
        low, high = math.ceil(low), math.floor(high)
    return Hardtanh.apply(input, (low, high))


@op()
def relu6(input: Tensor) -> Tensor:
    """``min(max(x, 0), 6)`` = ``hardtanh(x, 0, 6)``; d/dx = 1 for 0 < x < 6, else 0."""
    return Hardtanh.apply(_as_tensor(input, "relu6"), (0, 6))


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
