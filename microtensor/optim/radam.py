"""RAdam (Liu et al., rectified Adam), PyTorch's algorithm.

With ``lr``, ``betas = (b1, b2)``, ``eps``, weight decay ``lambda``, at step t with gradient ``g``::

    g <- -g                                   if maximize
    p <- p * (1 - lr * lambda)                if decoupled_weight_decay (RAdamW)
    g <- g + lambda * p                       otherwise, if lambda != 0
    m <- b1 * m + (1 - b1) * g;   v <- b2 * v + (1 - b2) * g**2
    m_hat = m / (1 - b1**t)
    rho_inf = 2 / (1 - b2) - 1;   rho_t = rho_inf - 2 t b2**t / (1 - b2**t)
    if rho_t > 5:   r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
                    p <- p - lr m_hat r sqrt(1 - b2**t) / (sqrt(v) + eps)
    else:           p <- p - lr m_hat            (the variance estimate is not trusted yet: SGD with momentum)

The state holds ``step`` (an int), ``exp_avg`` and ``exp_avg_sq``.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple

import numpy as np

from ._adaptive_common import check_betas, next_step, signed_decayed_grad, zero_buffers
from .adam import _pair_of_betas
from .optimizer import Optimizer, check_flags
from .._typing import ParamsT


class RAdam(Optimizer):
    """``RAdam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False, *,
    foreach=None, maximize=False)``."""

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, decoupled_weight_decay: bool = False, *, foreach: Optional[bool] = None,
        maximize: bool = False, capturable: bool = False, differentiable: bool = False,
    ) -> None:
        check_flags("RAdam", differentiable)
        defaults = dict(lr=lr, betas=_pair_of_betas(betas), eps=eps, weight_decay=weight_decay, maximize=maximize,
                        foreach=foreach, capturable=capturable, decoupled_weight_decay=decoupled_weight_decay,
                        differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        check_betas(group)

    def _update(self, param, grad, state, group, index):
        lr = float(group["lr"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        exp_avg, exp_avg_sq = zero_buffers(self, state, param, index, ("exp_avg", "exp_avg_sq"))
        step = next_step(state)
        grad = signed_decayed_grad(grad, param, group, lr)
        exp_avg *= beta1
        exp_avg += (1.0 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * grad * grad
        bias_correction1 = 1.0 - beta1 ** step
        bias_correction2 = 1.0 - beta2 ** step
        rho_inf = 2.0 / (1.0 - beta2) - 1.0
        rho_t = rho_inf - 2.0 * step * beta2 ** step / bias_correction2
        if rho_t > 5.0:
            rect = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            scale = lr * rect * math.sqrt(bias_correction2) / bias_correction1
            param -= scale * exp_avg / (np.sqrt(exp_avg_sq) + float(group["eps"]))
        else:
            param -= (lr / bias_correction1) * exp_avg
