"""Stochastic gradient descent with momentum, dampening, weight decay and Nesterov.

PyTorch's algorithm (``torch.optim.SGD``), with learning rate ``lr`` (gamma),
momentum ``mu``, dampening ``tau``, weight decay ``lambda``; at step t with
gradient ``g``::

    g <- -g                                  if maximize
    g <- g + lambda * p                      if lambda != 0
    if mu != 0:
        b <- g                               at the first step (no dampening)
        b <- mu * b + (1 - tau) * g          afterwards
        g <- g + mu * b   if nesterov   else   g <- b
    p <- p - lr * g

(PyTorch negates the gradient for ``maximize`` before weight decay, so weight decay
still shrinks the parameters; so does microtensor.)
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative, check_number
from .._typing import ParamsT


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *, maximize=False, foreach=None,
    differentiable=False, fused=None)``; ``foreach`` is ignored, ``differentiable`` / ``fused`` raise when true."""

    def __init__(
        self, params: ParamsT, lr: float = 1e-3, momentum: float = 0, dampening: float = 0, weight_decay: float = 0,
        nesterov: bool = False, *, maximize: bool = False, foreach: Optional[bool] = None,
        differentiable: bool = False, fused: Optional[bool] = None,
    ) -> None:
        check_flags("SGD", differentiable, fused)
        defaults = dict(
            lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov,
            maximize=maximize, foreach=foreach, differentiable=differentiable, fused=fused,
        )
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        check_nonnegative(group["momentum"], "momentum value", "momentum")
        check_number(group["dampening"], "dampening value", "dampening")
        check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"Nesterov momentum requires a momentum and zero dampening "
                f"(got momentum={group['momentum']}, dampening={group['dampening']})"
            )

    def _update(self, param, grad, state, group, index):
        lr = float(group["lr"])
        momentum = float(group["momentum"])
        weight_decay = float(group["weight_decay"])
        owned = False  # does `grad` hold a temporary of our own (safe to modify in place)?
        if group["maximize"]:
            grad = np.negative(grad)
            owned = True
        if weight_decay != 0:
            if owned:
                grad += weight_decay * param
            else:
                grad = grad + weight_decay * param
                owned = True
        if momentum != 0:
            buffer = self._buffer(state, "momentum_buffer", param, index)
            if buffer is None:
                buffer = self._new_buffer(state, "momentum_buffer", np.array(grad, copy=True))
            else:
                buffer *= momentum
                dampening = float(group["dampening"])
                if dampening == 0:
                    buffer += grad
                else:
                    buffer += (1.0 - dampening) * grad
            if group["nesterov"]:
                if owned:
                    grad += momentum * buffer
                else:
                    grad = grad + momentum * buffer
                    owned = True
            else:
                grad = buffer
                owned = False
        if owned:
            grad *= lr
            param -= grad
        else:
            param -= lr * grad
