"""NAdam (Dozat: Adam with Nesterov momentum), PyTorch's algorithm.

With ``lr``, ``betas = (b1, b2)``, ``eps``, weight decay ``lambda``, ``momentum_decay`` psi, at step t
with gradient ``g``::

    g <- -g                                   if maximize
    p <- p * (1 - lr * lambda)                if decoupled_weight_decay (NAdamW)
    g <- g + lambda * p                       otherwise, if lambda != 0
    mu_t = b1 * (1 - 0.5 * 0.96 ** (t psi)),  mu_{t+1} likewise;  P <- P * mu_t   (P starts at 1)
    m <- b1 * m + (1 - b1) * g;   v <- b2 * v + (1 - b2) * g**2
    d = sqrt(v / (1 - b2**t)) + eps
    p <- p - lr (1 - mu_t) / (1 - P) * g / d - lr mu_{t+1} / (1 - P mu_{t+1}) * m / d

The state holds ``step`` (an int), ``mu_product`` (P, a float), ``exp_avg`` and ``exp_avg_sq``.
"""
from __future__ import annotations

from typing import Optional, Tuple

from ._adaptive_common import check_betas, next_step, signed_decayed_grad, zero_buffers
from .adam import _pair_of_betas
from .optimizer import Optimizer, check_flags, check_nonnegative
from .._typing import ParamsT


class NAdam(Optimizer):
    """``NAdam(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
    decoupled_weight_decay=False, *, foreach=None, maximize=False)``."""

    def __init__(
        self, params: ParamsT, lr: float = 2e-3, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, momentum_decay: float = 4e-3, decoupled_weight_decay: bool = False, *,
        foreach: Optional[bool] = None, maximize: bool = False, capturable: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_flags("NAdam", differentiable)
        defaults = dict(lr=lr, betas=_pair_of_betas(betas), eps=eps, weight_decay=weight_decay,
                        momentum_decay=momentum_decay, decoupled_weight_decay=decoupled_weight_decay,
                        maximize=maximize, foreach=foreach, capturable=capturable, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        check_betas(group)
        check_nonnegative(group["momentum_decay"], "momentum_decay value", "momentum_decay")

    def _update(self, param, grad, state, group, index):
        lr = float(group["lr"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        psi = float(group["momentum_decay"])
        exp_avg, exp_avg_sq = zero_buffers(self, state, param, index, ("exp_avg", "exp_avg_sq"), mu_product=1.0)
        step = next_step(state)
        grad = signed_decayed_grad(grad, param, group, lr)
        mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
        mu_product = float(state.get("mu_product", 1.0)) * mu
        state["mu_product"] = mu_product
        exp_avg *= beta1
        exp_avg += (1.0 - beta1) * grad
        exp_avg_sq *= beta2
        exp_avg_sq += (1.0 - beta2) * grad * grad
        denom = (exp_avg_sq / (1.0 - beta2 ** step)) ** 0.5 + float(group["eps"])
        param -= (lr * (1.0 - mu) / (1.0 - mu_product)) * grad / denom
        param -= (lr * mu_next / (1.0 - mu_product * mu_next)) * exp_avg / denom


