"""``fmax`` and ``fmin``: the elementwise maximum and minimum that ignore NaN (a NaN loses
against a number; only two NaNs give NaN), numpy's ``fmax``/``fmin``. ``maximum`` and
``minimum`` (``clamping.py``) propagate NaN instead.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._registry import op
from .._typing import TensorLike
from ._two_operands import _binary
from ._util import match_dtype
from .elementwise import _as_tensor
from .._float_errors import quiet_float_errors


class _NanIgnoringExtremum(Function):
    """``z = a`` where ``a`` wins (``a >= b`` for fmax, ``a <= b`` for fmin, or ``b`` is NaN), else ``b``;
    the gradient goes whole to the winner (to ``a`` at ties, as PyTorch)."""

    numpy_level = True
    ufunc = np.fmax
    a_wins = staticmethod(np.greater_equal)

    @classmethod
    def _forward(cls, ctx, a, b):
        with quiet_float_errors():
            ctx.a_wins = cls.a_wins(a, b) | np.isnan(b)
        return match_dtype(cls.ufunc(a, b), a, b)

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        grad_a = np.where(ctx.a_wins, grad, 0) if need_a else None
        grad_b = np.where(ctx.a_wins, 0, grad) if need_b else None
        return grad_a, grad_b


class Fmax(_NanIgnoringExtremum):
    ufunc = np.fmax
    a_wins = staticmethod(np.greater_equal)

    @staticmethod
    def forward(ctx, a, b):
        return Fmax._forward(ctx, a, b)


class Fmin(_NanIgnoringExtremum):
    ufunc = np.fmin
    a_wins = staticmethod(np.less_equal)

    @staticmethod
    def forward(ctx, a, b):
        return Fmin._forward(ctx, a, b)


@op(method=True, numpy=np.fmax, out=True)
def fmax(input: Tensor, other: TensorLike) -> Tensor:
    """The elementwise maximum ignoring NaN: ``fmax(nan, 1) = 1``, ``fmax(nan, nan) = nan``."""
    return _binary(Fmax, "fmax", _as_tensor(input, "fmax"), other)


@op(method=True, numpy=np.fmin, out=True)
def fmin(input: Tensor, other: TensorLike) -> Tensor:
    """The elementwise minimum ignoring NaN: ``fmin(nan, 1) = 1``, ``fmin(nan, nan) = nan``."""
    return _binary(Fmin, "fmin", _as_tensor(input, "fmin"), other)
