"""The connectionist temporal classification (CTC) loss of each sample: alpha-beta recursions in log space.

One sample: log-probabilities ``y`` (T, C) over ``T`` input steps, a target ``l`` of ``S`` labels,
the blank ``b``. The extended target ``l' = (b, l_1, b, l_2, ..., b, l_S, b)`` has ``2S + 1``
positions. A path (one label per step) reads as ``l`` once repeats and then blanks are removed;
``p(l)`` is the sum over those paths of ``prod_t y_t(path_t)``, and the loss is ``-log p(l)``.

* ``alpha_t(s) = y_t(l'_s) (alpha_{t-1}(s) + alpha_{t-1}(s-1) + [l'_s != b, l'_s != l'_{s-2}] alpha_{t-1}(s-2))``,
  ``alpha_0(0) = y_0(b)``, ``alpha_0(1) = y_0(l_1)``; ``p = alpha_{T-1}(2S) + alpha_{T-1}(2S-1)``.
* ``beta`` the same from the last step, moving left: ``beta_{T-1}(2S) = y_{T-1}(b)``,
  ``beta_{T-1}(2S-1) = y_{T-1}(l_S)``.
* ``alpha_t(s) beta_t(s) / y_t(l'_s)`` is the probability of the paths at ``s`` at step ``t``, so
  ``d(-log p) / d log y_t(c) = -sum_{s: l'_s = c} alpha_t(s) beta_t(s) / (y_t(c) p)`` (minus the posterior of
  ``c`` at ``t``; zero at steps past the sample's input length).

Everything is in log space (``logaddexp``), vectorised over the batch and the positions, with one
loop over time each way. The gradient is made in the forward pass (only when one is needed).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._float_errors import quiet_float_errors

NEGATIVE_INFINITY = -np.inf


def _shift_right(values, by):
    """``out[:, s] = values[:, s - by]`` (-inf where ``s < by``)."""
    shifted = np.full_like(values, NEGATIVE_INFINITY)
    shifted[:, by:] = values[:, :values.shape[1] - by]
    return shifted


def _shift_left(values, by):
    """``out[:, s] = values[:, s + by]`` (-inf past the end)."""
    shifted = np.full_like(values, NEGATIVE_INFINITY)
    shifted[:, :values.shape[1] - by] = values[:, by:]
    return shifted


def extended_targets(targets, target_lengths, blank):
    """``(labels (N, 2S+1), valid positions, positions that may be reached by skipping a blank)``."""
    batch, longest = targets.shape
    labels = np.full((batch, 2 * longest + 1), blank, dtype=np.int64)
    labels[:, 1::2] = targets
    positions = np.arange(labels.shape[1])
    valid = positions[None, :] < 2 * target_lengths[:, None] + 1
    skip = np.zeros_like(valid)
    skip[:, 2:] = (labels[:, 2:] != blank) & (labels[:, 2:] != labels[:, :-2])
    return labels, valid, skip & valid


def log_alpha(emit, skip, input_lengths):
    """``alpha`` (T, N, 2S+1); past a sample's input length its column keeps the last step's values."""
    steps = emit.shape[0]
    alpha = np.full_like(emit, NEGATIVE_INFINITY)
    alpha[0, :, :2] = emit[0, :, :2]
    for t in range(1, steps):
        previous = alpha[t - 1]
        arrived = np.logaddexp(np.logaddexp(previous, _shift_right(previous, 1)),
                               np.where(skip, _shift_right(previous, 2), NEGATIVE_INFINITY))
        alpha[t] = np.where((t < input_lengths)[:, None], emit[t] + arrived, previous)
    return alpha


def log_beta(emit, skip, input_lengths, ends):
    """``beta`` (T, N, 2S+1), -inf at steps past a sample's input length; ``ends``: its two last positions."""
    steps = emit.shape[0]
    beta = np.full_like(emit, NEGATIVE_INFINITY)
    following = beta[0]
    skip_from = _shift_left(skip, 2)  # s -> s + 2 is allowed where s + 2 may be reached by skipping
    for t in range(steps - 1, -1, -1):
        arrived = np.logaddexp(np.logaddexp(following, _shift_left(following, 1)),
                               np.where(skip_from, _shift_left(following, 2), NEGATIVE_INFINITY))
        last = (t == input_lengths - 1)[:, None]
        inside = (t < input_lengths - 1)[:, None]
        following = np.where(last & ends, emit[t], np.where(inside, emit[t] + arrived, NEGATIVE_INFINITY))
        beta[t] = following
    return beta


def ctc_log_likelihood(log_probs, targets, input_lengths, target_lengths, blank, with_gradient):
    """``(log p (N,), d(sum of -log p)/d log_probs (T, N, C) or None)`` for time-major ``log_probs``."""
    labels, valid, skip = extended_targets(targets, target_lengths, blank)
    steps, batch, classes = log_probs.shape
    emit = np.take_along_axis(log_probs, np.broadcast_to(labels, (steps,) + labels.shape), axis=2)
    emit = np.where(valid, emit, NEGATIVE_INFINITY)
    rows = np.arange(batch)
    last = 2 * target_lengths
    ends = np.zeros_like(valid)
    ends[rows, last] = True
    ends[rows[target_lengths > 0], last[target_lengths > 0] - 1] = True
    alpha = log_alpha(emit, skip, input_lengths)
    final = np.where(ends, alpha[-1], NEGATIVE_INFINITY)
    with quiet_float_errors():
        log_p = np.logaddexp.reduce(final, axis=1)
        empty_input = input_lengths == 0
        log_p = np.where(empty_input, np.where(target_lengths == 0, 0.0, NEGATIVE_INFINITY), log_p)
        if not with_gradient:
            return log_p.astype(log_probs.dtype), None
        through = alpha + log_beta(emit, skip, input_lengths, ends)
        posterior = np.where(np.isfinite(through), np.exp(through - emit - log_p[None, :, None]), 0.0)
    one_hot = (labels[:, :, None] == np.arange(classes)).astype(log_probs.dtype)
    gradient = -np.einsum("tns,nsc->tnc", posterior.astype(log_probs.dtype), one_hot)
    impossible = ~np.isfinite(log_p)
    if impossible.any():  # -log p is inf (or nan): so is its gradient at every step the sample has, as PyTorch
        inside = np.arange(steps)[:, None] < input_lengths[None, :]
        gradient[inside & impossible[None, :]] = np.nan
    return log_p.astype(log_probs.dtype), gradient


class CTCNegativeLogLikelihood(Function):
    """``forward(log_probs (T, N, C), targets (N, S) int, input_lengths (N,), target_lengths (N,), blank,
    zero_infinity)`` -> ``-log p`` of each sample (N,), 0 (gradient 0) where it is inf and ``zero_infinity``."""

    numpy_level = True

    @staticmethod
    def forward(ctx, log_probs, targets, input_lengths, target_lengths, blank, zero_infinity):
        needs_gradient = bool(ctx.needs_input_grad[0])
        log_p, gradient = ctc_log_likelihood(log_probs, targets, input_lengths, target_lengths, blank, needs_gradient)
        losses = -log_p
        if zero_infinity:
            infinite = np.isinf(losses)
            losses = np.where(infinite, 0.0, losses).astype(log_probs.dtype)
            if gradient is not None:
                gradient[:, infinite] = 0.0
        if needs_gradient:
            ctx.gradient = gradient
            ctx.save_for_backward(log_probs)
        return losses

    @staticmethod
    def backward(ctx, grad_losses):
        if isinstance(grad_losses, Tensor):  # create_graph=True: a first derivative that cannot be differentiated
            (log_probs,) = ctx.saved_tensors
            return CTCGradient.apply(log_probs, grad_losses, ctx.gradient), None, None, None, None, None
        return ctx.gradient * grad_losses[None, :, None], None, None, None, None, None


class CTCGradient(Function):
    """The CTC loss's gradient ``G * d(-log p)/d log_probs`` as a node of a graph (``create_graph=True``);
    its own derivative is not implemented (nor is it in PyTorch)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, log_probs, grad_losses, gradient):
        return gradient * grad_losses[None, :, None]

    @staticmethod
    def backward(ctx, grad_output):
        raise RuntimeError(
            "ctc_loss: the derivative of its gradient (a second derivative) is not implemented, as in PyTorch "
            "(derivative for aten::_ctc_loss_backward is not implemented); use create_graph=False for CTC"
        )
