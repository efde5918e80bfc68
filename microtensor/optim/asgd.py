"""ASGD (averaged stochastic gradient descent, Polyak & Juditsky), PyTorch's algorithm.

With learning rate ``lr``, decay ``lambd``, power ``alpha``, averaging start ``t0`` and
weight decay ``lambda``, at step t with gradient ``g`` (``eta`` starts at ``lr``, ``mu`` at 1)::

    g <- -g                                    if maximize
    g <- g + lambda * p                        if lambda != 0
    p <- p * (1 - lambd * eta) - eta * g
    ax <- ax + mu * (p - ax)                   (ax <- p while mu = 1)
    eta <- lr / (1 + lambd * lr * t) ** alpha
    mu <- 1 / max(1, t - t0)

``ax`` (the running average of the parameters, which ASGD returns as its estimate) starts
at zero. The state holds ``step`` (an int), ``eta`` and ``mu`` (floats) and ``ax``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative, check_number
from .._typing import ParamsT


class ASGD(Optimizer):
    """``ASGD(params, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False)``."""

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, lambd: float = 1e-4, alpha: float = 0.75, t0: float = 1e6,
        weight_decay: float = 0, foreach: Optional[bool] = None, maximize: bool = False, differentiable: bool = False,
        capturable: bool = False,
    ) -> None:
        check_flags("ASGD", differentiable)
        defaults = dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0, weight_decay=weight_decay, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")
        check_number(group["lambd"], "lambd value", "lambd")
        check_number(group["alpha"], "alpha value", "alpha")
        check_number(group["t0"], "t0 value", "t0")

    def _update(self, param, grad, state, group, index):
        lr = float(group["lr"])
        lambd = float(group["lambd"])
        weight_decay = float(group["weight_decay"])
        ax = self._buffer(state, "ax", param, index)
        if ax is None:
            state.update(step=0, eta=lr, mu=1.0)
            ax = self._new_buffer(state, "ax", np.zeros_like(param))
        step = int(state.get("step", 0)) + 1
        state["step"] = step
        eta = float(state["eta"])
        mu = float(state["mu"])

        if group["maximize"]:
            grad = np.negative(grad)
        if weight_decay != 0:
            grad = grad + weight_decay * param
        param *= 1.0 - lambd * eta
        param -= eta * grad
        if mu != 1:
            ax += mu * (param - ax)
        else:
            ax[...] = param
        state["eta"] = lr / (1.0 + lambd * lr * step) ** float(group["alpha"])
        state["mu"] = 1.0 / max(1.0, step - float(group["t0"]))
