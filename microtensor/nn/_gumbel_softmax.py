"""``F.gumbel_softmax``: a differentiable sample of a categorical distribution (Jang et al., 2016;
Maddison et al., 2016).

``y = softmax((logits + g) / tau)`` along ``dim`` with ``g = -log(e)``, ``e ~ Exp(1)`` (standard
Gumbel noise, drawn from microtensor's generator by ``GumbelNoise``). With ``hard=True`` the value is
the one-hot of ``y``'s argmax and the gradient is ``y``'s (straight-through: ``onehot - y.detach() + y``).
"""
from __future__ import annotations

import warnings

import numpy as np

from .. import ops as _ops
from .. import random as _random
from .._tensor import Tensor
from ..autograd.function import Function
from ..creation import zeros_like
from ..ops._util import not_a_tensor_error

__all__ = ["gumbel_softmax"]


class GumbelNoise(Function):
    """Standard Gumbel samples ``-log(Exp(1))`` of ``shape`` from microtensor's generator (or ``generator``);
    no tensor input, so nothing to differentiate, and ``mt.compile`` draws fresh ones on each replay."""

    numpy_level = True

    @staticmethod
    def forward(ctx, shape, dtype, generator):
        exponential = _random.numpy_rng(generator).standard_exponential(shape)
        return (-np.log(exponential)).astype(dtype, copy=False)


def gumbel_softmax(logits: Tensor, tau: float = 1, hard: bool = False, eps: float = 1e-10, dim: int = -1) -> Tensor:
    """Softmax of ``(logits + Gumbel noise) / tau`` along ``dim``; ``hard=True`` returns its one-hot
    argmax, differentiated as the soft sample."""
    if not isinstance(logits, Tensor):
        raise not_a_tensor_error("gumbel_softmax", "logits", logits)
    if eps != 1e-10:
        warnings.warn("`eps` parameter is deprecated and has no effect.", stacklevel=2)
    if logits.dtype.kind != "f":
        raise RuntimeError(
            f"gumbel_softmax: Exponential distribution is a continuous probability distribution. dtype must be a "
            f"floating point but you specified {logits.dtype}")
    if tau == 0:
        raise ValueError("gumbel_softmax: tau must not be 0 (the logits are divided by it)")
    soft = _ops.softmax((logits + GumbelNoise.apply(tuple(logits.shape), logits.dtype, None)) / tau, dim)
    if not hard:
        return soft
    index = soft.detach().argmax(dim, keepdim=True)
    one_hot = zeros_like(logits).scatter_(dim, index, 1.0)
    return one_hot - soft.detach() + soft
