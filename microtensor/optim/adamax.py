"""Adamax (Kingma & Ba, the infinity-norm variant of Adam), PyTorch's algorithm.

With ``lr``, ``betas = (b1, b2)``, ``eps``, weight decay ``lambda``, at step t with gradient ``g``::

    g <- -g                          if maximize
    g <- g + lambda * p              if lambda != 0
    m <- b1 * m + (1 - b1) * g
    u <- max(b2 * u, |g| + eps)
    p <- p - lr / (1 - b1**t) * m / u

The state holds ``step`` (an int), ``exp_avg`` (m) and ``exp_inf`` (u), both starting at zero.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from ._adaptive_common import check_betas, next_step, signed_decayed_grad, zero_buffers
from .adam import _pair_of_betas
from .optimizer import Optimizer, check_flags
from .._typing import ParamsT


class Adamax(Optimizer):
    """``Adamax(params, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, foreach=None, *, maximize=False)``."""

    def __init__(
        self, params: ParamsT, lr: float = 2e-3, betas: Tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
        weight_decay: float = 0, foreach: Optional[bool] = None, *, maximize: bool = False,
        differentiable: bool = False, capturable: bool = False,
    ) -> None:
        check_flags("Adamax", differentiable)
        defaults = dict(lr=lr, betas=_pair_of_betas(betas), eps=eps, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        check_betas(group)

    def _update(self, param, grad, state, group, index):
        lr = float(group["lr"])
        beta1, beta2 = (float(beta) for beta in group["betas"])
        exp_avg, exp_inf = zero_buffers(self, state, param, index, ("exp_avg", "exp_inf"))
        step = next_step(state)
        grad = signed_decayed_grad(grad, param, group, lr)
        exp_avg *= beta1
        exp_avg += (1.0 - beta1) * grad
        exp_inf *= beta2
        np.maximum(exp_inf, np.abs(grad) + float(group["eps"]), out=exp_inf)
        param -= (lr / (1.0 - beta1 ** step)) * exp_avg / exp_inf
