"""The classification losses as fused ops: cross-entropy (class indices or class probabilities) and NLL.

One ``Function`` per loss, forward and backward side by side; cross-entropy is fused with its
log-softmax. Class-index targets may be ignored (``ignore_index``) and weighted per class,
and their 'mean' divides by the sum of the targets' weights (PyTorch's rule).

How their backward rules are written, and the notation (``x``, ``y``, ``G``, ``s``): see
``_loss_reduction.py``.
"""
import numpy as np

from ..autograd.function import Function
from ._loss_reduction import _reduce, _scale
from .._float_errors import quiet_float_errors


def _class_coefficients(x, target, weight, ignore_index, reduction, class_axis):
    """Per-sample weights w_t (0 where ignored), the one-hot of the target and the scale s."""
    valid = target != ignore_index
    safe_target = np.where(valid, target, 0)
    index = np.expand_dims(safe_target, class_axis)
    w_t = valid.astype(x.dtype)
    if weight is not None:
        w_t = w_t * weight[safe_target]
    denominator = w_t.sum()
    if reduction == "mean":
        scale = 1.0 / denominator if denominator else np.nan  # all ignored: nan, as in PyTorch
    else:
        scale = 1.0
    return index, w_t, scale, denominator


def _scaled(coefficient, scale, counted):
    """coefficient * scale. When 'mean' divides by a zero weight sum (scale is nan), only the entries
    that take part in the loss (``counted``) become nan: an ignored target's gradient stays exactly 0,
    as in PyTorch, so one fully-padded batch does not turn every parameter into nan."""
    if not np.isnan(scale):
        return coefficient * scale
    with quiet_float_errors():
        return np.where(counted, coefficient * scale, 0)


def _masked_product(coefficient, values):
    """coefficient * values, with 0 wherever the coefficient is 0 (even where values is -inf or nan)."""
    with quiet_float_errors():
        return np.where(coefficient != 0, coefficient * values, 0)


def _reduce_classes(loss, reduction, denominator):
    if reduction == "none":
        return loss
    if reduction == "sum":
        return loss.sum()
    with quiet_float_errors():
        return np.asarray(loss.sum() / denominator, dtype=loss.dtype)


def _expand_grad(grad, reduction, class_axis):
    return np.expand_dims(grad, class_axis) if reduction == "none" else grad


class CrossEntropy(Function):
    """Cross-entropy with class-index targets, fused with its log-softmax.

    With p = softmax(x) over the class axis, t the target class, w the class weights
    (1 without ``weight``), e the label smoothing and C the number of classes:
        l = (1 - e) w_t (-log p_t) + (e / C) sum_c w_c (-log p_c)      (0 for ignored targets)
    'mean' divides the sum by sum w_t over non-ignored samples (PyTorch's rule).
        dl/dx_k = [(1 - e) w_t + (e / C) W] p_k - (1 - e) w_t [k == t] - (e / C) w_k,   W = sum_c w_c.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, label_smoothing):
        if (
            x.ndim == 2 and weight is None and not label_smoothing and reduction != "none"
            and x.shape[0] and not (target == ignore_index).any()
        ):
            return CrossEntropy._forward_plain(ctx, x, target, reduction)
        class_axis = 1 if x.ndim >= 2 else 0
        classes = x.shape[class_axis]
        with quiet_float_errors():  # a row of -inf gives nan here, masked below
            shift = np.amax(x, axis=class_axis, keepdims=True)
            exp = np.exp(x - shift)
            sum_exp = exp.sum(axis=class_axis, keepdims=True)
            log_p = (x - shift) - np.log(sum_exp)
        index, w_t, scale, denominator = _class_coefficients(x, target, weight, ignore_index, reduction, class_axis)
        picked = np.squeeze(np.take_along_axis(log_p, index, axis=class_axis), class_axis)
        loss = _masked_product(w_t, -picked)  # ignored rows may hold -inf logits: mask, never 0 * -inf
        eps = label_smoothing
        valid = target != ignore_index
        class_shape = [1] * x.ndim
        class_shape[class_axis] = classes
        w_c = np.ones(classes, dtype=x.dtype) if weight is None else weight
        if eps:
            weighted_log_p = log_p if weight is None else _masked_product(w_c.reshape(class_shape), log_p)
            smooth = np.where(valid, -weighted_log_p.sum(axis=class_axis), 0)
            loss = (1 - eps) * loss + (eps / classes) * smooth
        result = _reduce_classes(loss.astype(x.dtype, copy=False), reduction, denominator)
        if not ctx.needs_input_grad[0]:  # no graph: skip the backward's constants
            return result
        ctx.save_for_backward(x)
        one_hot = np.zeros(x.shape, dtype=x.dtype)
        np.put_along_axis(one_hot, index, 1, axis=class_axis)
        w_t_expanded = np.expand_dims(w_t, class_axis)
        coef_p = (1 - eps) * w_t_expanded
        coef_const = coef_p * one_hot
        if eps:
            valid_expanded = np.expand_dims(valid, class_axis).astype(x.dtype)
            coef_p = coef_p + (eps / classes) * w_c.sum() * valid_expanded
            coef_const = coef_const + (eps / classes) * w_c.reshape(class_shape) * valid_expanded
        with quiet_float_errors():
            probs = np.divide(exp, sum_exp, out=exp)
        active = coef_p != 0  # rows that take part in the loss; the others get a zero gradient
        ctx.active = None if active.all() else active
        if ctx.active is not None:
            np.copyto(probs, 0, where=~active)
            shift = np.where(active, shift, 0)
        ctx.probs, ctx.shift, ctx.class_axis, ctx.reduction = probs, shift, class_axis, reduction
        counted = np.expand_dims(valid, class_axis)
        ctx.coef_p = _scaled(coef_p, scale, counted).astype(x.dtype)
        ctx.coef_const = _scaled(coef_const, scale, counted).astype(x.dtype)
        return result

    @staticmethod
    def _forward_plain(ctx, x, target, reduction):
        """The common case, (N, C) logits without weights, smoothing or ignored targets:
        l_n = logsumexp(x_n) - x_{n, t_n};  dl_n/dx_n = softmax(x_n) - onehot(t_n).
        The same maths with less bookkeeping; the gradient's constants are made in backward."""
        rows = np.arange(x.shape[0])
        shift = x.max(axis=1, keepdims=True)
        shifted = x - shift
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        loss = np.log(sum_exp[:, 0]) - shifted[rows, target]
        total = loss.sum(dtype=x.dtype)
        mean = reduction == "mean"
        result = np.asarray(total / x.shape[0] if mean else total, dtype=x.dtype)
        if not ctx.needs_input_grad[0]:
            return result
        ctx.save_for_backward(x)
        exp /= sum_exp  # now the softmax probabilities
        ctx.probs, ctx.rows, ctx.target = exp, rows, target
        ctx.shift, ctx.class_axis, ctx.reduction = shift, 1, reduction
        ctx.plain_scale = 1.0 / x.shape[0] if mean else 1.0
        return result

    @staticmethod
    def _backward_plain(ctx, grad, x):
        scale = ctx.plain_scale
        if isinstance(x, np.ndarray):
            result = ctx.probs.copy()
            result[ctx.rows, ctx.target] -= 1
            result *= grad * scale
            return result
        # building a graph: recompute softmax from x so that it is differentiable
        e = np.exp(x - ctx.shift)
        one_hot = np.zeros(ctx.probs.shape, dtype=ctx.probs.dtype)
        one_hot[ctx.rows, ctx.target] = 1
        return grad * ((e / e.sum(axis=1, keepdims=True) - one_hot) * scale)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        if "plain_scale" in ctx.__dict__:
            return CrossEntropy._backward_plain(ctx, grad, x), None, None, None, None, None
        if isinstance(x, np.ndarray):
            p = ctx.probs
        else:  # building a graph: recompute softmax from x so that it is differentiable
            if ctx.active is not None:  # inactive rows (maybe all -inf) become finite zeros first
                x = np.where(ctx.active, x, 0)
            e = np.exp(x - ctx.shift)
            p = e / e.sum(axis=ctx.class_axis, keepdims=True)
        g = _expand_grad(grad, ctx.reduction, ctx.class_axis)
        return g * (ctx.coef_p * p - ctx.coef_const), None, None, None, None, None


class NLLLoss(Function):
    """Negative log-likelihood of log-probabilities x with class-index targets:
        l = -w_t x_t   (0 for ignored targets);  'mean' divides by sum w_t.
        dl/dx_k = -w_t [k == t] s G.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction):
        class_axis = 1 if x.ndim >= 2 else 0
        index, w_t, scale, denominator = _class_coefficients(x, target, weight, ignore_index, reduction, class_axis)
        picked = np.squeeze(np.take_along_axis(x, index, axis=class_axis), class_axis)
        loss = _masked_product(w_t, -picked)  # ignored rows may hold -inf: mask, never 0 * -inf
        result = _reduce_classes(loss.astype(x.dtype, copy=False), reduction, denominator)
        if not ctx.needs_input_grad[0]:
            return result
        coefficient = np.zeros(x.shape, dtype=x.dtype)
        np.put_along_axis(coefficient, index, 1, axis=class_axis)
        counted = (coefficient != 0) & np.expand_dims(target != ignore_index, class_axis)
        ctx.coefficient = _scaled(coefficient * -np.expand_dims(w_t, class_axis), scale, counted).astype(x.dtype)
        ctx.class_axis, ctx.reduction = class_axis, reduction
        return result

    @staticmethod
    def backward(ctx, grad):
        g = _expand_grad(grad, ctx.reduction, ctx.class_axis)
        return g * ctx.coefficient, None, None, None, None


class CrossEntropyProbabilities(Function):
    """Cross-entropy with class-probability targets y of the input's shape, fused with its log-softmax.

    With log p = log_softmax(x) over the class axis, w the class weights (1 without ``weight``), e the
    label smoothing, C the number of classes and q_c = w_c ((1 - e) y_c + e / C):
        l = -sum_c q_c log p_c            (a term with q_c = 0 counts 0, even where log p_c = -inf)
    'mean' divides by the number of samples (N d1 ...), not by the weights (PyTorch's rule).
        dl/dx_k = (sum_c q_c) p_k - q_k       dl/dy_c = -(1 - e) w_c log p_c      (each times s G),
        dl/dw_c = -sum over samples of ((1 - e) y_c + e / C) log p_c           (times s G).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, y, weight, reduction, label_smoothing):
        class_axis = 1 if x.ndim >= 2 else 0
        shift = np.amax(x, axis=class_axis, keepdims=True)
        with quiet_float_errors():  # a row of -inf is nan, as in PyTorch
            log_p = (x - shift) - np.log(np.exp(x - shift).sum(axis=class_axis, keepdims=True))
        w_c = CrossEntropyProbabilities._class_weights(weight, x.ndim, class_axis)
        q = CrossEntropyProbabilities._coefficients(y, w_c, label_smoothing, x.shape[class_axis])
        loss = -_masked_product(q, log_p).sum(axis=class_axis)
        ctx.scale = _scale(loss.size, reduction)
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1] or ctx.needs_input_grad[2]:
            ctx.save_for_backward(x, y)
            ctx.shift, ctx.class_axis, ctx.reduction = shift, class_axis, reduction
            ctx.w_c, ctx.eps = w_c, label_smoothing
        return _reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def _class_weights(weight, ndim, class_axis):
        if weight is None:
            return None
        shape = [1] * ndim
        shape[class_axis] = weight.shape[0]
        return weight.reshape(shape)

    @staticmethod
    def _coefficients(y, w_c, eps, classes):
        q = (1 - eps) * y + eps / classes if eps else y
        return q if w_c is None else q * w_c

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        axis = ctx.class_axis
        g = _expand_grad(grad, ctx.reduction, axis) * ctx.scale
        shifted = x - ctx.shift
        e = np.exp(shifted)
        sum_e = e.sum(axis=axis, keepdims=True)
        grad_x = grad_y = None
        if ctx.needs_input_grad[0]:
            q = CrossEntropyProbabilities._coefficients(y, ctx.w_c, ctx.eps, x.shape[axis])
            grad_x = g * (q.sum(axis=axis, keepdims=True) * (e / sum_e) - q)
        if ctx.needs_input_grad[1]:
            with quiet_float_errors():
                log_p = shifted - np.log(sum_e)
            if ctx.w_c is not None:
                log_p = np.where(ctx.w_c != 0, log_p * ctx.w_c, 0)
            grad_y = g * (-(1 - ctx.eps) * log_p)
        grad_w = None
        if ctx.needs_input_grad[2]:
            with quiet_float_errors():
                log_p = shifted - np.log(sum_e)
            q = CrossEntropyProbabilities._coefficients(y, None, ctx.eps, x.shape[axis])
            other_axes = tuple(a for a in range(x.ndim) if a != axis)
            grad_w = -(g * _masked_product(q, log_p)).sum(axis=other_axes)
        return grad_x, grad_y, grad_w, None, None
