"""Normalisation as fused ops: layer norm, batch norm (training and eval), and vector norms.

Layer and batch norm both standardise x over some axes A (the last dims for layer
norm; every dim but the channels, dim 1, for batch norm) and apply an affine map:

    mu = mean_A x,   var = mean_A (x - mu)^2 (biased),   r = 1 / sqrt(var + eps),
    xhat = (x - mu) r,   y = w xhat + b.

With G = dL/dy and g = G w, the closed-form backward (one pass, not a chain of small ops):

    dL/dx = r (g - mean_A g - xhat mean_A(g xhat)),
    dL/dw = sum_B G xhat,   dL/db = sum_B G      (B: the dims w is broadcast over).

In eval mode batch norm uses its running statistics, so it is the affine map
y = x (w r) + (b - mu w r), with dL/dx = G w r.

Backward rules are written with operators and numpy functions that Tensors dispatch;
under ``create_graph=True`` the statistics are recomputed from the saved input with
differentiable ops, so second derivatives are exact.

``normalize`` and ``cosine_similarity`` are built on ``linalg.vector_norm`` (``ops/norms.py``),
the p-norm along some dims, whose gradient is 0 (not nan) for a zero vector.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .. import _dtypes
from .._dims import normalize_dim, normalize_dims
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled
from ..ops import broadcast_to, clamp
from ..ops.norms import vector_norm
from .._typing import ShapeArg

__all__ = ["layer_norm", "batch_norm", "normalize", "cosine_similarity"]


# ------------------------------------------------------------- shared maths
# Both layers compute on a 3-D view (N, C, L) of x with statistics per C, taken over N and L:
#   layer norm: (1, B, K), one "channel" per sample (K = prod(normalized_shape)); w and b lie along L;
#   batch norm: (N, C, prod(spatial)); w and b lie along C.
def _per_channel_sum(a, b=None):
    """The sum of ``a`` (or of ``a * b``) over N and L, shaped (1, C, 1). On arrays an einsum: 2-3x
    faster than numpy's reductions over short axes; on Tensors (building a graph) a differentiable sum."""
    if isinstance(a, np.ndarray):
        total = np.einsum("ncl->c", a) if b is None else np.einsum("ncl,ncl->c", a, b)
        return total.reshape(1, -1, 1)
    return (a if b is None else a * b).sum(axis=(0, 2), keepdims=True)


def _parameter_sum(a, b, along):
    """The sum of ``a`` (or of ``a * b``) over every view axis but ``along`` ('c' or 'l'): a 1-D gradient."""
    if isinstance(a, np.ndarray):
        return np.einsum("ncl->" + along, a) if b is None else np.einsum("ncl,ncl->" + along, a, b)
    return (a if b is None else a * b).sum(axis=(0, 2) if along == "c" else (0, 1))


def _statistics(x3, eps):
    """mean, 1 / sqrt(biased variance + eps) and the variance per channel of the view, shaped (1, C, 1),
    and ``x3 - mean``."""
    count = x3.shape[0] * x3.shape[2]
    mean = _per_channel_sum(x3) / count
    centered = x3 - mean
    var = _per_channel_sum(centered, centered) / count
    return mean, 1 / np.sqrt(var + eps), var, centered


def _standardise_(centered, rstd, weight, bias, parameter_view):
    """``w (centered rstd) + b``, computed in place in ``centered`` (forward's own array)."""
    centered *= rstd
    if weight is not None:
        centered *= weight.reshape(parameter_view)
    if bias is not None:
        centered += bias.reshape(parameter_view)
    return centered


def _remember(ctx, view, parameter_view, along, eps, bias):
    ctx.view, ctx.parameter_view, ctx.along, ctx.eps = view, parameter_view, along, eps
    ctx.bias_shape = None if bias is None else bias.shape


def _standardised_grads(ctx, grad, x, weight, mean, rstd):
    """(dL/dx, dL/dw, dL/db) of y = w (x - mean) rstd + b with the batch statistics of the view."""
    view = ctx.view
    x3, grad3 = x.reshape(view), grad.reshape(view)
    if not isinstance(x3, np.ndarray):  # building a graph: statistics as differentiable functions of x
        mean, rstd, _, _ = _statistics(x3, ctx.eps)
    xhat = (x3 - mean) * rstd
    grad_x = grad_w = grad_b = None
    needs = ctx.needs_input_grad
    if needs[0]:
        g = grad3 if weight is None else grad3 * weight.reshape(ctx.parameter_view)
        inverse_count = 1.0 / (view[0] * view[2])
        mean_g, mean_g_xhat = _per_channel_sum(g) * inverse_count, _per_channel_sum(g, xhat) * inverse_count
        grad_x = ((g - mean_g - xhat * mean_g_xhat) * rstd).reshape(x.shape)
    if needs[1]:
        grad_w = _parameter_sum(grad3, xhat, ctx.along).reshape(weight.shape)
    if needs[2]:
        grad_b = _parameter_sum(grad3, None, ctx.along).reshape(ctx.bias_shape)
    return grad_x, grad_w, grad_b


def _recording(ctx):
    needs = ctx.needs_input_grad
    return needs[0] or needs[1] or needs[2]


# --------------------------------------------------------------- layer norm
class LayerNorm(Function):
    """Standardise over the last ``normalized_ndim`` dims, then ``w xhat + b``; see the module docstring."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_ndim, eps):
        features = math.prod(x.shape[x.ndim - normalized_ndim:])
        view, parameter_view = (1, x.size // features if features else 0, features), (1, 1, features)
        mean, rstd, _, centered = _statistics(x.reshape(view), eps)
        y = _standardise_(centered, rstd, weight, bias, parameter_view).reshape(x.shape)
        if _recording(ctx):
            ctx.save_for_backward(x, weight, mean, rstd)
            _remember(ctx, view, parameter_view, "l", eps, bias)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, rstd = ctx.saved_tensors
        return _standardised_grads(ctx, grad, x, weight, mean, rstd) + (None, None)


# --------------------------------------------------------------- batch norm
def _channel_views(x):
    """x's (N, C, prod(spatial)) view shape and the (1, C, 1) shape of per-channel vectors."""
    channels = x.shape[1]
    return (x.shape[0], channels, math.prod(x.shape[2:])), (1, channels, 1)


class BatchNorm(Function):
    """Batch norm in training: standardise each channel with the batch's statistics; see the module
    docstring. When running statistics are given, forward also updates them in place, as PyTorch does:
        running_mean <- (1 - m) running_mean + m mu,
        running_var  <- (1 - m) running_var + m var n / (n - 1)   (the unbiased variance; n values per channel).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps):
        view, parameter_view = _channel_views(x)
        mean, rstd, var, centered = _statistics(x.reshape(view), eps)
        y = _standardise_(centered, rstd, weight, bias, parameter_view).reshape(x.shape)
        if running_mean is not None:
            count = view[0] * view[2]
            _blend(running_mean, mean, momentum)
            _blend(running_var, var * (count / (count - 1)), momentum)
        if _recording(ctx):
            ctx.save_for_backward(x, weight, mean, rstd)
            _remember(ctx, view, parameter_view, "c", eps, bias)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, rstd = ctx.saved_tensors
        return _standardised_grads(ctx, grad, x, weight, mean, rstd) + (None, None, None, None)


def _blend(running, batch_value, momentum):
    """running <- (1 - momentum) running + momentum batch_value, in place, in running's dtype."""
    running *= 1 - momentum
    running += (momentum * batch_value).reshape(running.shape).astype(running.dtype, copy=False)


class BatchNormEval(Function):
    """Batch norm with fixed (running) statistics mu, var: the affine map
        y = w (x - mu) r + b,  r = 1 / sqrt(var + eps);
        dL/dx = G w r,   dL/dw = sum G (x - mu) r,   dL/db = sum G   (sums over every dim but the channels).
    The running statistics are constants (no gradient flows to them).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps):
        view, parameter_view = _channel_views(x)
        mean = running_mean.reshape(parameter_view).astype(x.dtype, copy=False)
        rstd = (1 / np.sqrt(running_var + eps)).reshape(parameter_view).astype(x.dtype, copy=False)
        y = _standardise_(x.reshape(view) - mean, rstd, weight, bias, parameter_view).reshape(x.shape)
        if _recording(ctx):
            ctx.save_for_backward(x, weight, mean, rstd)
            _remember(ctx, view, parameter_view, "c", eps, bias)
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, rstd = ctx.saved_tensors  # mean and rstd are constants
        grad3 = grad.reshape(ctx.view)
        grad_x = grad_w = grad_b = None
        needs = ctx.needs_input_grad
        if needs[0]:
            scale = rstd if weight is None else weight.reshape(ctx.parameter_view) * rstd
            grad_x = (grad3 * scale).reshape(x.shape)
        if needs[1]:
            grad_w = _parameter_sum(grad3, (x.reshape(ctx.view) - mean) * rstd, "c").reshape(weight.shape)
        if needs[2]:
            grad_b = _parameter_sum(grad3, None, "c").reshape(ctx.bias_shape)
        return grad_x, grad_w, grad_b, None, None, None


# -------------------------------------------------------------- vector norm
def _vector_norm(x, p, dims, op_name):
    """``linalg.vector_norm(x, p, dims, keepdim=True)``, with ``p`` checked in ``op_name``'s words."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.number)):
        raise TypeError(f"{op_name}(): p must be a number, got {type(p).__name__}")
    return vector_norm(x, float(p), dims, keepdim=True)


# ------------------------------------------------------------ F. functions
def _tensor(value, name, op_name):
    if not isinstance(value, Tensor):
        raise not_a_tensor_error(op_name, name, value)
    return value


def _optional_tensor(value, name, op_name):
    return None if value is None else _tensor(value, name, op_name)


def _floating(input, op_name):
    if input.dtype.kind != "f":
        raise TypeError(
            f"{op_name}(): expected a floating point input, got dtype {input.dtype}; convert with .float()"
        )
    return input


def _same_dtype(op_name, input, **parameters):
    present = {name: value for name, value in parameters.items() if value is not None}
    if any(value.dtype != input.dtype for value in present.values()):
        listed = ", ".join(f"{name} {value.dtype}" for name, value in present.items())
        raise RuntimeError(
            f"{op_name}(): expected all arguments to have the same dtype, got input {input.dtype}, {listed}; "
            f"convert the input (x.to(weight.dtype)) or the module (model.double() / model.float())"
        )


def _shape_list(shape):
    return "[" + ", ".join(str(size) for size in shape) + "]"


def layer_norm(
    input: Tensor, normalized_shape: ShapeArg, weight: Optional[Tensor] = None, bias: Optional[Tensor] = None,
    eps: float = 1e-05,
) -> Tensor:
    """Standardise ``input`` over its last ``len(normalized_shape)`` dims (biased variance, ``eps``
    inside the square root), then ``* weight + bias`` (both of shape ``normalized_shape``)."""
    input = _floating(_tensor(input, "input", "layer_norm"), "layer_norm")
    weight = _optional_tensor(weight, "weight", "layer_norm")
    bias = _optional_tensor(bias, "bias", "layer_norm")
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0:
        raise RuntimeError("layer_norm(): normalized_shape must have at least one dimension, got ()")
    if input.ndim < count or tuple(input.shape[input.ndim - count:]) != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={_shape_list(normalized_shape)}, expected input with shape "
            f"[*, {_shape_list(normalized_shape)[1:-1]}], but got input of size{_shape_list(input.shape)}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != normalized_shape:
            raise RuntimeError(
                f"Expected {name} to be of same shape as normalized_shape, but got {name} of shape "
                f"{_shape_list(value.shape)} and normalized_shape = {_shape_list(normalized_shape)}"
            )
    _same_dtype("layer_norm", input, weight=weight, bias=bias)
    return LayerNorm.apply(input, weight, bias, count, float(eps))


def batch_norm(
    input: Tensor, running_mean: Optional[Tensor], running_var: Optional[Tensor], weight: Optional[Tensor] = None,
    bias: Optional[Tensor] = None, training: bool = False, momentum: float = 0.1, eps: float = 1e-05,
) -> Tensor:
    """Batch normalisation over every dim but the channels (dim 1) of ``input`` (N, C, *).

    ``training=True``: normalise with the batch's mean and biased variance; if running statistics are
    given, update them in place with ``momentum`` (the running variance takes the unbiased batch
    variance). ``training=False``: normalise with ``running_mean`` and ``running_var``.
    """
    input = _floating(_tensor(input, "input", "batch_norm"), "batch_norm")
    running_mean = _optional_tensor(running_mean, "running_mean", "batch_norm")
    running_var = _optional_tensor(running_var, "running_var", "batch_norm")
    weight = _optional_tensor(weight, "weight", "batch_norm")
    bias = _optional_tensor(bias, "bias", "batch_norm")
    shape = tuple(input.shape)
    if input.ndim < 2:
        raise IndexError(
            f"batch_norm(): input of shape {shape} has no channel dimension (dim 1); expected (N, C) or "
            f"(N, C, *) (Dimension out of range)"
        )
    if training and shape[0] * math.prod(shape[2:]) == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size {shape}")
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must either both be None or neither be None")
    if running_mean is None and not training:
        raise RuntimeError(
            "running_mean must be defined in evaluation mode (batch_norm with training=False normalises "
            "with the running statistics); pass them, or training=True"
        )
    channels = shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                        ("bias", bias)):
        if value is not None and value.numel() != channels:
            raise RuntimeError(
                f"{name} should contain {channels} elements not {value.numel()} (input of shape {shape} has "
                f"{channels} channels in dim 1)"
            )
    _same_dtype("batch_norm", input, weight=weight, bias=bias)
    for name, value in (("running_mean", running_mean), ("running_var", running_var)):
        if value is not None and value.requires_grad and is_grad_enabled():
            raise NotImplementedError(f"batch_norm(): the derivative for '{name}' is not implemented")
    if not training:
        return BatchNormEval.apply(input, weight, bias, running_mean._data.reshape(-1),
                                   running_var._data.reshape(-1), float(eps))
    if running_mean is None:
        return BatchNorm.apply(input, weight, bias, None, None, 0.0, float(eps))
    if momentum is None or isinstance(momentum, bool) or not isinstance(momentum, (int, float, np.number)):
        raise TypeError(
            f"batch_norm(): momentum must be a number, got {momentum!r} (BatchNorm's momentum=None, the "
            f"cumulative average, is the module's: it passes 1 / num_batches_tracked)"
        )
    out = BatchNorm.apply(input, weight, bias, running_mean._data.reshape(-1), running_var._data.reshape(-1),
                          float(momentum), float(eps))
    for buffer in (running_mean, running_var):
        buffer._version_counter[0] += 1
    return out


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12, out: Optional[Tensor] = None) -> Tensor:
    """``input / max(||input||_p, eps)`` along ``dim`` (an int or a tuple of ints).

    The gradient is finite everywhere: for a vector with norm below ``eps`` it is ``1 / eps``
    times the incoming gradient (the denominator is the constant eps there).
    """
    input = _floating(_tensor(input, "input", "normalize"), "normalize")
    dims = normalize_dims(dim, input.ndim, "normalize") if isinstance(dim, (tuple, list)) else (
        normalize_dim(dim, input.ndim, "normalize"),)
    result = input / clamp(_vector_norm(input, p, dims, "normalize"), min=eps)
    if out is None:
        return result
    _tensor(out, "out", "normalize")
    if is_grad_enabled() and (input.requires_grad or out.requires_grad):
        raise RuntimeError(
            "normalize(): functions with out=... arguments don't support automatic differentiation, but one "
            "of the arguments requires grad; call it without out= (or under mt.no_grad())"
        )
    return out.copy_(result)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-08) -> Tensor:
    """``sum(x1 * x2) / (max(||x1||, eps) * max(||x2||, eps))`` along ``dim``, which is removed.

    ``x1`` and ``x2`` broadcast to a common shape (``dim`` indexes that shape); each norm is clamped
    at ``eps`` on its own (PyTorch's rule since 1.12), so a zero vector gives similarity 0 and a
    finite gradient. Integer inputs are computed in the default float dtype.
    """
    x1, x2 = (_as_float(_tensor(value, name, "cosine_similarity")) for name, value in (("x1", x1), ("x2", x2)))
    try:
        shape = np.broadcast_shapes(tuple(x1.shape), tuple(x2.shape))
    except ValueError:
        raise RuntimeError(
            f"cosine_similarity(): the shapes of x1 {tuple(x1.shape)} and x2 {tuple(x2.shape)} do not broadcast"
        ) from None
    axis = normalize_dim(dim, len(shape), "cosine_similarity")
    x1 = x1 if tuple(x1.shape) == shape else broadcast_to(x1, shape)
    x2 = x2 if tuple(x2.shape) == shape else broadcast_to(x2, shape)
    unit1 = x1 / clamp(_vector_norm(x1, 2, (axis,), "cosine_similarity"), min=eps)
    unit2 = x2 / clamp(_vector_norm(x2, 2, (axis,), "cosine_similarity"), min=eps)
    return (unit1 * unit2).sum(axis)


def _as_float(tensor):
    return tensor if tensor.dtype.kind == "f" else tensor.to(_dtypes.get_default_dtype())

