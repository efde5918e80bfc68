"""Rprop (resilient backpropagation, Riedmiller & Braun), PyTorch's algorithm.

Each element has its own step size ``s`` (starting at ``lr``), changed by the sign of
the gradient against the previous one; with ``etas = (eta_minus, eta_plus)`` and
``step_sizes = (s_min, s_max)``, at step t with gradient ``g``::

    g <- -g                                             if maximize
    r = sign(g * g_prev)
    s <- clamp(s * eta_plus, s_min, s_max)      where r > 0
    s <- clamp(s * eta_minus, s_min, s_max)     where r < 0   (and g <- 0 there)
    s <- clamp(s, s_min, s_max)                 where r = 0
    p <- p - sign(g) * s
    g_prev <- g

``g_prev`` starts at zero. The state holds ``step`` (an int), ``prev`` and ``step_size``.
"""
from __future__ import annotations

from typing import Optional, Tuple

import numpy as np

from .optimizer import Optimizer, check_flags, check_number
from .._typing import ParamsT


class Rprop(Optimizer):
    """``Rprop(params, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), *, maximize=False)``."""

    def __init__(
        self, params: ParamsT, lr: float = 1e-2, etas: Tuple[float, float] = (0.5, 1.2),
        step_sizes: Tuple[float, float] = (1e-6, 50), *, capturable: bool = False, foreach: Optional[bool] = None,
        maximize: bool = False, differentiable: bool = False,
    ) -> None:
        check_flags("Rprop", differentiable)
        defaults = dict(lr=lr, etas=_pair(etas, "etas"), step_sizes=_pair(step_sizes, "step_sizes"), foreach=foreach,
                        maximize=maximize, differentiable=differentiable, capturable=capturable)
        super().__init__(params, defaults)

    def _check_hyperparameters(self, group):
        super()._check_hyperparameters(group)
        eta_minus, eta_plus = (check_number(eta, "eta value", "etas") for eta in _pair(group["etas"], "etas"))
        if not 0.0 < eta_minus < 1.0 < eta_plus:
            raise ValueError(
                f"Invalid eta values: {eta_minus}, {eta_plus} (etas = (eta_minus, eta_plus) need "
                f"0 < eta_minus < 1 < eta_plus)"
            )
        for size in _pair(group["step_sizes"], "step_sizes"):
            check_number(size, "step size", "step_sizes")

    def _update(self, param, grad, state, group, index):
        eta_minus, eta_plus = (float(eta) for eta in group["etas"])
        size_min, size_max = (float(size) for size in group["step_sizes"])
        prev = self._buffer(state, "prev", param, index)
        step_size = self._buffer(state, "step_size", param, index)
        if prev is None or step_size is None:
            state["step"] = 0
            prev = self._new_buffer(state, "prev", np.zeros_like(param))
            step_size = self._new_buffer(state, "step_size", np.full_like(param, float(group["lr"])))
        state["step"] = int(state.get("step", 0)) + 1

        grad = np.negative(grad) if group["maximize"] else np.array(grad, copy=True)
        product = grad * prev
        factor = np.ones_like(param)
        factor[product > 0] = eta_plus
        reversed_sign = product < 0
        factor[reversed_sign] = eta_minus
        step_size *= factor
        np.clip(step_size, size_min, size_max, out=step_size)
        grad[reversed_sign] = 0
        param -= np.sign(grad) * step_size
        prev[...] = grad


def _pair(value, key):
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != 2:
        raise TypeError(f"Invalid {key}: {value!r} (expected a pair of numbers)")
    return tuple(value)
