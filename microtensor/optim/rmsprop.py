"""RMSprop (Hinton), PyTorch's algorithm including ``centered`` and ``momentum``.

With learning rate ``lr``, smoothing ``alpha``, ``eps``, weight decay ``lambda``,
momentum ``mu``, at step t with gradient ``g``::

    g <- -g                                       if maximize
    g <- g + lambda * p                           if lambda != 0
    v <- alpha * v + (1 - alpha) * g**2
    v_tilde = v
    g_avg <- alpha * g_avg + (1 - alpha) * g;  v_tilde = v - g_avg**2     if centered
    if mu > 0:
        b <- mu * b + g / (sqrt(v_tilde) + eps)
        p <- p - lr * b
    else:
        p <- p - lr * g / (sqrt(v_tilde) + eps)

``v``, ``g_avg`` and ``b`` start at zero. ``v - g_avg**2`` is non-negative in exact
arithmetic; microtensor clamps a rounding-error negative to 0 before the square
root (where PyTorch would produce NaN).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative
from .._typing import ParamsT


class RMSprop(Optimizer):
    """``RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False, maximize=False)``."""

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
        momentum: float = 0, centered: bool = False, capturable: bool = False, foreach: Optional[bool] = None,
        maximize: bool = False, differentiable: bool = False,
    ) -> None:
        check_flags("RMSprop", differentiable)
        defaults = dict(
            lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered, weight_decay=weight_decay,
            capturable=capturable, foreach=foreach, maximize=maximize, differentiable=differentiable,
        )
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        check_nonnegative(group["eps"], "epsilon value", "eps")
        check_nonnegative(group["momentum"], "momentum value", "momentum")
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")
        check_nonnegative(group["alpha"], "alpha value", "alpha")

    def _update(self, param, grad, state, group, index):
        lr = float(group["lr"])
        alpha = float(group["alpha"])
        eps = float(group["eps"])
        weight_decay = float(group["weight_decay"])
        momentum = float(group["momentum"])
        centered = group["centered"]

        square_avg = self._buffer(state, "square_avg", param, index)
        if square_avg is None:
            state["step"] = 0
            square_avg = self._new_buffer(state, "square_avg", np.zeros_like(param))
        momentum_buffer = self._buffer(state, "momentum_buffer", param, index) if momentum > 0 else None
        if momentum > 0 and momentum_buffer is None:
            momentum_buffer = self._new_buffer(state, "momentum_buffer", np.zeros_like(param))
        grad_avg = self._buffer(state, "grad_avg", param, index) if centered else None
        if centered and grad_avg is None:
            grad_avg = self._new_buffer(state, "grad_avg", np.zeros_like(param))
        state["step"] = int(state.get("step", 0)) + 1

        if group["maximize"]:
            grad = np.negative(grad)
        if weight_decay != 0:
            grad = grad + weight_decay * param

        square_avg *= alpha
        scratch = np.multiply(grad, grad)
        scratch *= 1.0 - alpha
        square_avg += scratch
        if centered:
            grad_avg *= alpha
            np.multiply(grad, 1.0 - alpha, out=scratch)
            grad_avg += scratch
            avg = np.multiply(grad_avg, grad_avg, out=scratch)
            np.subtract(square_avg, avg, out=avg)
            np.maximum(avg, 0, out=avg)
            np.sqrt(avg, out=avg)
        else:
            avg = np.sqrt(square_avg, out=scratch)
        avg += eps
        if momentum > 0:
            momentum_buffer *= momentum
            momentum_buffer += np.divide(grad, avg, out=avg)
            param -= lr * momentum_buffer
        else:
            np.divide(grad, avg, out=avg)
            avg *= lr
            param -= avg
