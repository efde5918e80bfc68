"""Adadelta (Zeiler), PyTorch's algorithm.

With ``lr``, ``rho``, ``eps``, weight decay ``lambda``, at step t with gradient ``g``::

    g <- -g                                    if maximize
    g <- g + lambda * p                        if lambda != 0
    v <- rho * v + (1 - rho) * g**2
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u <- rho * u + (1 - rho) * delta**2
    p <- p - lr * delta

The state holds ``step`` (an int), ``square_avg`` (v) and ``acc_delta`` (u), both starting at zero.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ._adaptive_common import next_step, signed_decayed_grad, zero_buffers
from .optimizer import Optimizer, check_flags, check_nonnegative
from .._typing import ParamsT


class Adadelta(Optimizer):
    """``Adadelta(params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0, foreach=None, *, maximize=False)``."""

    def __init__(
        self, params: ParamsT, lr: float = 1.0, rho: float = 0.9, eps: float = 1e-6, weight_decay: float = 0,
        foreach: Optional[bool] = None, *, capturable: bool = False, maximize: bool = False,
        differentiable: bool = False,
    ) -> None:
        check_flags("Adadelta", differentiable)
        defaults = dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize, capturable=capturable,
                        foreach=foreach, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        rho = check_nonnegative(group["rho"], "rho value", "rho")
        if rho > 1.0:
            raise ValueError(f"Invalid rho value: {rho} (must be in [0, 1])")
        check_nonnegative(group["eps"], "epsilon value", "eps")
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")

    def _update(self, param, grad, state, group, index):
        rho, eps = float(group["rho"]), float(group["eps"])
        square_avg, acc_delta = zero_buffers(self, state, param, index, ("square_avg", "acc_delta"))
        next_step(state)
        grad = signed_decayed_grad(grad, param, group, float(group["lr"]))
        square_avg *= rho
        square_avg += (1.0 - rho) * grad * grad
        delta = np.sqrt(acc_delta + eps) / np.sqrt(square_avg + eps) * grad
        acc_delta *= rho
        acc_delta += (1.0 - rho) * delta * delta
        param -= float(group["lr"]) * delta
