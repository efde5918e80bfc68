"""Adam and AdamW (Kingma & Ba; Loshchilov & Hutter), PyTorch's algorithms.

With learning rate ``lr``, ``betas = (b1, b2)``, ``eps``, weight decay ``lambda``,
at step t with gradient ``g``::

    g <- -g                                    if maximize
    p <- p * (1 - lr * lambda)                 AdamW (decoupled weight decay)
    g <- g + lambda * p                        Adam with lambda != 0 (L2 penalty)
    m <- b1 * m + (1 - b1) * g
    v <- b2 * v + (1 - b2) * g**2
    m_hat = m / (1 - b1**t)
    v_max <- max(v_max, v);  v_hat = v_max / (1 - b2**t)     if amsgrad
    v_hat = v / (1 - b2**t)                                  otherwise
    p <- p - lr * m_hat / (sqrt(v_hat) + eps)

``eps`` is added after the square root of the bias-corrected second moment, as in
PyTorch. ``m``, ``v`` (and ``v_max``) start at zero; the state holds ``step`` (an
int), ``exp_avg``, ``exp_avg_sq`` (and ``max_exp_avg_sq``).
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from ._adaptive_common import check_betas
from .optimizer import Optimizer, check_flags
from .._typing import ParamsT


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False)``.

    ``decoupled_weight_decay=True`` makes it AdamW (as in recent PyTorch).
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, amsgrad: bool = False, *, foreach: Optional[bool] = None, maximize: bool = False,
        capturable: bool = False, differentiable: bool = False, fused: Optional[bool] = None,
        decoupled_weight_decay: bool = False,
    ) -> None:
        check_flags(type(self).__name__, differentiable, fused)
        defaults = dict(
            lr=lr, betas=_pair_of_betas(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
            foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        check_betas(group)

    def _update(self, param, grad, state, group, index):
        lr = float(group["lr"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        amsgrad = group["amsgrad"]

        exp_avg = self._buffer(state, "exp_avg", param, index)
        exp_avg_sq = self._buffer(state, "exp_avg_sq", param, index)
        max_exp_avg_sq = self._buffer(state, "max_exp_avg_sq", param, index) if amsgrad else None
        if exp_avg is None or exp_avg_sq is None:
            state["step"] = 0
            exp_avg = self._new_buffer(state, "exp_avg", np.zeros_like(param))
            exp_avg_sq = self._new_buffer(state, "exp_avg_sq", np.zeros_like(param))
        if amsgrad and max_exp_avg_sq is None:
            max_exp_avg_sq = self._new_buffer(state, "max_exp_avg_sq", np.zeros_like(param))
        step = int(state.get("step", 0)) + 1
        state["step"] = step

        if group["maximize"]:
            grad = np.negative(grad)
        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                param *= 1.0 - lr * weight_decay
            else:
                grad = grad + weight_decay * param

        scratch = np.multiply(grad, 1.0 - beta1)     # the one temporary of the step, reused below
        exp_avg *= beta1
        exp_avg += scratch
        np.multiply(grad, grad, out=scratch)
        scratch *= 1.0 - beta2
        exp_avg_sq *= beta2
        exp_avg_sq += scratch

        bias_correction1 = 1.0 - beta1 ** step
        bias_correction2_sqrt = math.sqrt(1.0 - beta2 ** step)
        if amsgrad:
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            second = max_exp_avg_sq
        else:
            second = exp_avg_sq
        denom = np.sqrt(second, out=scratch)         # sqrt(v_hat) + eps, computed in the scratch buffer
        denom /= bias_correction2_sqrt
        denom += eps
        np.divide(exp_avg, denom, out=denom)
        denom *= lr / bias_correction1
        param -= denom


def _pair_of_betas(betas):
    if isinstance(betas, (str, bytes)) or not hasattr(betas, "__len__"):
        raise TypeError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2) of numbers in [0, 1))")
    return tuple(betas)


class AdamW(Adam):
    """``AdamW(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, maximize=False)``:
    Adam with decoupled weight decay ``p <- p * (1 - lr * weight_decay)`` before the Adam update."""

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False, foreach: Optional[bool] = None,
        capturable: bool = False, differentiable: bool = False, fused: Optional[bool] = None,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad, maximize=maximize,
            foreach=foreach, capturable=capturable, differentiable=differentiable, fused=fused,
            decoupled_weight_decay=True,
        )
