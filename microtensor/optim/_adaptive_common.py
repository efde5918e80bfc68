"""What the smaller adaptive optimizers (Adamax, NAdam, RAdam, Adadelta) share (Adam uses the checks): their gradient
preprocessing (maximize, weight decay), their zero-initialised state buffers and the checks of
their hyper-parameters."""
from __future__ import annotations

import numpy as np

from .optimizer import check_nonnegative, check_number


def signed_decayed_grad(grad, param, group, lr):
    """-grad if ``maximize``; then weight decay: ``p <- p (1 - lr lambda)`` in place when the group's
    ``decoupled_weight_decay`` is true (AdamW's form), else the L2 term ``g + lambda p``."""
    if group["maximize"]:
        grad = np.negative(grad)
    weight_decay = float(group["weight_decay"])
    if weight_decay != 0:
        if group.get("decoupled_weight_decay", False):
            param *= 1.0 - lr * weight_decay
        else:
            grad = grad + weight_decay * param
    return grad


def zero_buffers(optimizer, state, param, index, keys, **extra):
    """The state arrays ``keys`` (made as zeros, with ``step`` 0 and ``extra`` entries, on the first step)."""
    buffers = [optimizer._buffer(state, key, param, index) for key in keys]
    if any(buffer is None for buffer in buffers):
        state["step"] = 0
        state.update(extra)
        buffers = [optimizer._new_buffer(state, key, np.zeros_like(param)) for key in keys]
    return buffers


def next_step(state):
    step = int(state.get("step", 0)) + 1
    state["step"] = step
    return step


def check_betas(group):
    """Adam's family: two betas in [0, 1), and eps and weight_decay not negative (PyTorch's errors)."""
    betas = group["betas"]
    if len(betas) != 2:
        raise ValueError(f"Invalid betas: {betas!r} (expected a pair (beta1, beta2))")
    for position, beta in enumerate(betas):
        check_number(beta, f"beta parameter at index {position}", "betas")
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {position}: {beta} (must be in [0, 1))")
    check_nonnegative(group["eps"], "epsilon value", "eps")
    check_nonnegative(group["weight_decay"], "weight_decay value", "weight_decay")
