"""Adagrad (Duchi, Hazan & Singer), PyTorch's algorithm.

With learning rate ``lr``, ``lr_decay``, weight decay ``lambda``, ``eps``, at step t
with gradient ``g``::

    g <- -g                                   if maximize
    g <- g + lambda * p                       if lambda != 0
    clr = lr / (1 + (t - 1) * lr_decay)
    s <- s + g**2
    p <- p - clr * g / (sqrt(s) + eps)

The sum ``s`` starts at ``initial_accumulator_value``. As in PyTorch the state is made
when the optimizer is built, so a fresh ``state_dict()`` already holds, per parameter,
``step`` (0, an int here) and ``sum``.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .optimizer import Optimizer, check_flags, check_nonnegative
from .._typing import ParamsT


class Adagrad(Optimizer):
    """``Adagrad(params, lr=0.01, lr_decay=0, weight_decay=0, initial_accumulator_value=0, eps=1e-10,
    foreach=None, *, maximize=False)``.

    ``foreach`` is accepted and ignored (there is one implementation); ``differentiable``
    and ``fused`` have no numpy form and raise ``NotImplementedError`` when true.
    """

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, lr_decay: float = 0, weight_decay: float = 0,
        initial_accumulator_value: float = 0, eps: float = 1e-10, foreach: Optional[bool] = None, *,
        maximize: bool = False, differentiable: bool = False, fused: Optional[bool] = None,
    ) -> None:
        check_flags("Adagrad", differentiable, fused)
        defaults = dict(
            lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value, foreach=foreach, maximize=maximize,
            differentiable=differentiable, fused=fused,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                self._initial_state(self.state[param], param._data, group)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        checks = (
            ("lr_decay", "lr_decay value"),
            ("weight_decay", "weight_decay value"),
            ("initial_accumulator_value", "initial_accumulator_value value"),
            ("eps", "epsilon value"),
        )
        for key, what in checks:
            check_nonnegative(group[key], what, key)

    def _initial_state(self, state, param, group):
        state["step"] = 0
        self._new_buffer(state, "sum", np.full_like(param, group["initial_accumulator_value"]))

    def _update(self, param, grad, state, group, index):
        accumulated = self._buffer(state, "sum", param, index)
        if accumulated is None:  # a group added after construction
            self._initial_state(state, param, group)
            accumulated = self._buffer(state, "sum", param, index)
        step = int(state.get("step", 0)) + 1
        state["step"] = step

        if group["maximize"]:
            grad = np.negative(grad)
        weight_decay = float(group["weight_decay"])
        if weight_decay != 0:
            grad = grad + weight_decay * param
        decayed_lr = float(group["lr"]) / (1 + (step - 1) * float(group["lr_decay"]))

        accumulated += grad * grad
        denominator = np.sqrt(accumulated)
        denominator += float(group["eps"])
        np.divide(grad, denominator, out=denominator)
        denominator *= decayed_lr
        param -= denominator
