"""The pointwise losses as fused ops (one ``Function`` per loss, forward and backward side by side):
MSE, L1, binary cross-entropy (of probabilities and of logits), smooth L1 / Huber and KL divergence.

How their backward rules are written, and the notation (``x``, ``y``, ``G``, ``s``): see
``_loss_reduction.py``.
"""
import numpy as np

from ..autograd.function import Function
from ._loss_reduction import _reduce, _reduce_nonnegative, _scale
from .._float_errors import quiet_float_errors


def _log1p(value):
    return np.log1p(value) if isinstance(value, np.ndarray) else np.log(1 + value)


def _softplus_neg(x):
    """log(1 + exp(-x)) computed without overflow: log1p(exp(-|x|)) + max(-x, 0)."""
    return _log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)


def _sigmoid(x):
    """1 / (1 + exp(-x)) without overflow: with e = exp(-|x|), 1/(1+e) for x >= 0, e/(1+e) below."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


class MSELoss(Function):
    """l = (x - y)^2;  dl/dx = 2 (x - y) s G,  dl/dy = -dl/dx."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x - y
        ctx.save_for_backward(x, y)
        ctx.scale = 2.0 * _scale(diff.size, reduction)
        return _reduce_nonnegative(diff * diff, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = grad * ((x - y) * ctx.scale)
        return (g if ctx.needs_input_grad[0] else None), (-g if ctx.needs_input_grad[1] else None), None


class L1Loss(Function):
    """l = |x - y|;  dl/dx = sign(x - y) s G (0 at x == y, as PyTorch),  dl/dy = -dl/dx."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, y, reduction):
        diff = x - y
        ctx.save_for_backward(x, y)
        ctx.scale = _scale(diff.size, reduction)
        return _reduce_nonnegative(np.abs(diff), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = grad * (np.sign(x - y) * ctx.scale)
        return (g if ctx.needs_input_grad[0] else None), (-g if ctx.needs_input_grad[1] else None), None


class BinaryCrossEntropy(Function):
    """l = -w [y max(log p, -100) + (1 - y) max(log(1 - p), -100)]   (PyTorch's clamp at -100).

    dl/dp = w (p - y) / max(p (1 - p), 1e-12) s G   (PyTorch's eps keeps p in {0, 1} finite);
    dl/dy = w [log(1 - p) - log p] s G = -w logit(p) s G   (+-inf at p = 0, 1, as PyTorch).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, p, y, weight, reduction):
        with quiet_float_errors():
            log_p = np.maximum(np.log(p), -100)
            log_q = np.maximum(np.log1p(-p), -100)
        loss = -(y * log_p + (1 - y) * log_q)
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(p, y)
        ctx.weight = weight if (ctx.needs_input_grad[0] or ctx.needs_input_grad[1]) else None
        ctx.scale = _scale(loss.size, reduction)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        p, y = ctx.saved_tensors
        g = grad * ctx.scale
        if ctx.weight is not None:
            g = g * ctx.weight
        grad_p = grad_y = None
        if ctx.needs_input_grad[0]:
            grad_p = g * (p - y) / np.maximum(p * (1 - p), 1e-12)
        if ctx.needs_input_grad[1]:
            with quiet_float_errors():
                grad_y = g * (np.log(1 - p) - np.log(p))  # -logit(p): +-inf at p = 0, 1, as PyTorch
        return grad_p, grad_y, None, None


class BinaryCrossEntropyWithLogits(Function):
    """l = w [(1 - y) x + L softplus(-x)],  L = 1 + (pos_weight - 1) y  (L = 1 without pos_weight),
    with softplus(-x) = log1p(exp(-|x|)) + max(-x, 0), finite for any x.

    dl/dx = w [(1 - y) - L sigmoid(-x)] s G   (= w (sigmoid(x) - y) s G when L = 1);
    dl/dy = w [-x + (pos_weight - 1) softplus(-x)] s G.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, y, weight, pos_weight, reduction):
        softplus_neg = _softplus_neg(x)
        if pos_weight is None:
            loss = (1 - y) * x + softplus_neg
        else:
            loss = (1 - y) * x + (1 + (pos_weight - 1) * y) * softplus_neg
        if weight is not None:
            loss = loss * weight
        ctx.save_for_backward(x, y)
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.weight, ctx.pos_weight = weight, pos_weight
        ctx.scale = _scale(loss.size, reduction)
        return _reduce(loss, reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = grad * ctx.scale
        if ctx.weight is not None:
            g = g * ctx.weight
        pos_weight = ctx.pos_weight
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                grad_x = g * (_sigmoid(x) - y)
            else:
                grad_x = g * ((1 - y) - (1 + (pos_weight - 1) * y) * (1 - _sigmoid(x)))
        if ctx.needs_input_grad[1]:
            if pos_weight is None:
                grad_y = g * -x
            else:
                grad_y = g * ((pos_weight - 1) * _softplus_neg(x) - x)
        return grad_x, grad_y, None, None, None


class SmoothL1Loss(Function):
    """Smooth L1 (and, scaled, Huber) loss of d = x - y with threshold b (beta, or Huber's delta):
        l = f (d^2 / (2b))    where |d| < b,      f (|d| - b/2)   elsewhere;      l = f |d| when b = 0.
    f = 1 for smooth_l1_loss, f = delta (= b) for huber_loss. Optional weights w multiply l.
        dl/dx = f clip(d / b, -1, 1) w s G   (f sign(d) w s G when b = 0),   dl/dy = -dl/dx.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, y, beta, factor, weight, reduction):
        diff = x - y
        size = np.abs(diff)
        if beta:
            loss = np.where(size < beta, diff * diff * (0.5 / beta), size - 0.5 * beta)
        else:
            loss = size
        if factor != 1:
            loss = loss * factor
        if weight is not None:
            loss = loss * weight
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.save_for_backward(x, y)
            ctx.beta, ctx.weight = beta, weight
            ctx.scale = factor * _scale(loss.size, reduction)
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        diff = x - y
        slope = np.clip(diff * (1 / ctx.beta), -1, 1) if ctx.beta else np.sign(diff)
        g = grad * (slope * ctx.scale)
        if ctx.weight is not None:
            g = g * ctx.weight
        return (g if ctx.needs_input_grad[0] else None), (-g if ctx.needs_input_grad[1] else None), None, None, None, None


class HuberLoss(SmoothL1Loss):
    """The Huber loss: ``SmoothL1Loss`` with beta = factor = delta (its own name in the graph, as in PyTorch)."""


def _kl_reduce(loss, reduction, batch):
    if reduction == "batchmean":
        return loss.sum() / batch
    return _reduce(loss, reduction)


class KLDivergence(Function):
    """Pointwise KL divergence of the target distribution from the input's log-probabilities x:
        l = y (log y - x)            (0 where y = 0, as xlogy; nan where y < 0), or with log_target
        l = e^y (y - x)              (y holds log-probabilities).
    'batchmean' divides the sum by the batch size B (the first dim of the input), 'mean' by every element.
        dl/dx = -y s G                    dl/dy = (log y + 1 - x) s G   (nan at y = 0, as PyTorch)
        dl/dx = -e^y s G   (log_target)   dl/dy = e^y (y - x + 1) s G
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, y, log_target, reduction, batch):
        with quiet_float_errors():
            if log_target:
                loss = np.exp(y) * (y - x)
            else:
                loss = np.where(y == 0, 0, y * (np.log(y) - x))
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.save_for_backward(x, y)
            ctx.log_target = log_target
            ctx.shape = loss.shape if x.shape != y.shape else None  # input and target broadcast
            ctx.scale = 1.0 / batch if reduction == "batchmean" else _scale(loss.size, reduction)
        return _kl_reduce(loss.astype(x.dtype, copy=False), reduction, batch)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        g = grad * ctx.scale
        grad_x = grad_y = None
        with quiet_float_errors():
            if ctx.log_target:
                p = np.exp(y)
                if ctx.needs_input_grad[0]:
                    grad_x = -g * p
                if ctx.needs_input_grad[1]:
                    grad_y = g * (p * (y - x + 1))
            else:
                if ctx.needs_input_grad[0]:
                    grad_x = -g * y
                if ctx.needs_input_grad[1]:
                    grad_y = g * np.where(y == 0, np.nan, np.log(y) + 1 - x)
        if ctx.shape is not None:  # a reduced loss's gradient of one argument has only that argument's shape
            grad_x = None if grad_x is None else np.broadcast_to(grad_x, ctx.shape)
            grad_y = None if grad_y is None else np.broadcast_to(grad_y, ctx.shape)
        return grad_x, grad_y, None, None, None
