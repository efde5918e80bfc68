"""``F.hardswish`` as a fused op: MobileNetV3's piecewise-quadratic stand-in for swish.

A composition ``x * hardsigmoid(x)`` would differentiate to ``hardsigmoid(x) + x hardsigmoid'(x)``,
which is ``1 + inf * 0 = nan`` at ``x = +-inf``; the fused rule gives PyTorch's 1 and 0 there.
"""
from __future__ import annotations

import numpy as np

from .._float_errors import quiet_float_errors
from .._tensor import Tensor
from ..autograd.function import Function
from ._functional_activations import _in_place

__all__ = ["hardswish"]


class Hardswish(Function):
    """``y = 0`` for x <= -3, ``x`` for x >= 3, ``x (x + 3) / 6`` in between;
    dy/dx = 0, 1 and ``x / 3 + 1/2`` on those pieces (d2y/dx2 = 1/3 in between, 0 outside)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with quiet_float_errors():  # -inf * 0 = nan, as in PyTorch
            return x * np.clip(x / 6 + x.dtype.type(0.5), 0, 1).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        slope = np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, x / 3 + 0.5))
        return grad * slope


def hardswish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * hardsigmoid(x): 0 for x <= -3, x for x >= 3, x (x + 3) / 6 in between (MobileNetV3)."""
    if inplace:
        return _in_place(hardswish, "hardswish", input)
    return Hardswish.apply(input)
