"""Rectifiers: the activations that are linear for positive inputs (``relu leaky_relu elu selu``)
and the clipped ones (``hardtanh relu6``).

Each is a ``Function`` with ``numpy_level = True`` whose backward rule works on
numpy arrays (first-order gradients) and on Tensors (``create_graph=True``). At the
kinks the gradient is PyTorch's: ``relu'(0) = 0``, ``leaky_relu'(0) = negative_slope``,
``elu'(0) = alpha``, and ``hardtanh`` passes none at its two corners.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from ..autograd.zero_link import ZeroDerivativeLink
from .._tensor import Tensor
from .elementwise import _as_tensor, _floating
from .._registry import op
from .._float_errors import quiet_float_errors


# ----------------------------------------------------------------------- relu
class ReLU(Function):
    """``y = max(x, 0)``;  dy/dx = 1 where x > 0, else 0 (0 at x = 0, as in PyTorch)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        if x.size >= _RELU_ZEROS_MIN_SIZE and x.dtype == np.float32:
            y = np.maximum(x, np.zeros_like(x))  # the same bits; numpy's float32 loop against a scalar is 3x slower
        else:
            if x.dtype.kind == "b":
                raise RuntimeError("relu: Boolean inputs not supported for relu; convert with .float() or .int() first")
            y = np.maximum(x, _zero_of(x.dtype))  # the same bits as against 0, without converting 0 each call
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        off = y <= 0  # False at nan inputs: the gradient passes there, as in PyTorch
        if grad.__class__ is not np.ndarray:  # recorded (create_graph): 0 * y keeps the result on x's graph,
            return np.where(off, y * 0, grad)  # so differentiating it again gives 0, as in PyTorch, not an error
        if grad.size < _RELU_WHERE_MAX_SIZE:
            return np.where(off, _zero_of(grad.dtype), grad)  # a 0-d zero of grad's dtype: no conversion of 0
        # On large arrays a multiplication by the mask: branch-free, ~10x faster than np.where
        # with mixed signs; it gives nan for an inf/nan gradient where relu is off, so redo those
        # (rare) cases with np.where, which gives 0 there as PyTorch does.
        with quiet_float_errors():
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
            ctx.save_for_backward(x)  # for create_graph only (see ZeroDerivativeLink); as PyTorch saves it
        out = np.where(positive, x, x * negative_slope)
        return out if out.dtype == x.dtype or x.dtype.kind != "f" else out.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        gradient = np.where(ctx.positive, grad, grad * ctx.negative_slope)
        if grad.__class__ is np.ndarray:
            return gradient, None
        return ZeroDerivativeLink.apply(gradient, ctx.saved_tensors[0]), None


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
            ctx.save_for_backward(x)  # for create_graph only (see ZeroDerivativeLink); as PyTorch saves it
        y = np.clip(x, low, high)
        return y if y.dtype == x.dtype else y.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        if grad.__class__ is np.ndarray:
            return grad * ctx.inside, None
        return ZeroDerivativeLink.apply(grad * ctx.inside, ctx.saved_tensors[0]), None


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
