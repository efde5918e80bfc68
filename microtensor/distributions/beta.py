"""``Beta(concentration1, concentration0)``: a distribution over (0, 1), e.g. a prior for a probability."""
from __future__ import annotations

import numbers
from typing import Any, Optional

import numpy as np

from . import _mt as mt
from .. import random as _random

from ..autograd.function import Function
from . import constraints
from ._beta_sample_gradient import beta_sample_gradients
from .distribution import Distribution, _ShapeLike
from .utils import broadcast_all


class Beta(Distribution):
    """density(x) = x^(a-1) (1-x)^(b-1) / B(a, b) with a = ``concentration1``, b = ``concentration0``.

    ``sample`` and ``rsample`` draw from microtensor's random generator (``mt.manual_seed`` applies);
    ``rsample``'s draws carry implicit reparameterisation gradients ``dx/da = -(dF/da) / pdf(x)`` (and the
    same for ``b``), as PyTorch's: see ``_beta_sample_gradient.py``.
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval
    has_rsample = True

    def __init__(self, concentration1: Any, concentration0: Any, validate_args: Optional[bool] = None) -> None:
        self.concentration1, self.concentration0 = broadcast_all(concentration1, concentration0)
        both_numbers = isinstance(concentration1, numbers.Number) and isinstance(concentration0, numbers.Number)
        super().__init__(() if both_numbers else self.concentration1.shape, validate_args=validate_args)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Beta:
        new = self._new_expanded(batch_shape, _instance)
        new.concentration1 = self.concentration1.expand(batch_shape)
        new.concentration0 = self.concentration0.expand(batch_shape)
        return new

    @property
    def _total(self) -> mt.Tensor:
        return self.concentration1 + self.concentration0

    @property
    def mean(self) -> mt.Tensor:
        return self.concentration1 / self._total

    @property
    def mode(self) -> mt.Tensor:
        # as PyTorch: concentrations below 1 count as 1 (a mode at an end), and 1 when both are below 1
        heads, tails = (self.concentration1 - 1).clamp(min=0), (self.concentration0 - 1).clamp(min=0)
        both_below_one = (self.concentration1 < 1) & (self.concentration0 < 1)
        return mt.where(both_below_one, 1.0, heads / (heads + tails))

    @property
    def variance(self) -> mt.Tensor:
        total = self._total
        return self.concentration1 * self.concentration0 / (total.pow(2) * (total + 1))

    def rsample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        """Draws clamped into [tiny, 1 - eps] of the dtype, differentiable in both concentrations."""
        shape = self._extended_shape(sample_shape)
        a, b = self.concentration1.expand(shape), self.concentration0.expand(shape)
        draws = np.asarray(_random.numpy_rng().beta(a.detach().numpy(), b.detach().numpy()))
        info = mt.finfo(a.dtype)
        draws = np.clip(draws.astype(a.dtype), info.tiny, 1 - info.eps)
        return BetaSample.apply(a, b, draws)

    def _log_normaliser(self) -> mt.Tensor:
        return self.concentration1.lgamma() + self.concentration0.lgamma() - self._total.lgamma()

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return (mt.xlogy(self.concentration1 - 1, value) + mt.xlogy(self.concentration0 - 1, 1 - value)
                - self._log_normaliser())

    def entropy(self) -> mt.Tensor:
        a, b, total = self.concentration1, self.concentration0, self._total
        return self._log_normaliser() - (a - 1) * a.digamma() - (b - 1) * b.digamma() + (total - 2) * total.digamma()


class BetaSample(Function):
    """Beta draws ``x`` (drawn by the caller) as a function of ``a``, ``b`` of the draws' shape.

    Forward returns ``x``; backward gives ``G dx/da`` and ``G dx/db``, the implicit gradients of
    ``_beta_sample_gradient.py``. Their own derivatives are not implemented (nor are they in PyTorch).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, concentration1, concentration0, draws):
        ctx.save_for_backward(concentration1, concentration0)
        ctx.draws = draws
        return draws.copy()

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        if isinstance(grad_output, mt.Tensor):  # create_graph: first order only
            grad_a, grad_b = BetaSampleGradient.apply(grad_output, a, b, ctx.draws)
            return grad_a, grad_b, None
        da, db = beta_sample_gradients(a, b, ctx.draws, ctx.needs_input_grad[:2])
        return (None if da is None else grad_output * da), (None if db is None else grad_output * db), None


class BetaSampleGradient(Function):
    """``(G dx/da, G dx/db)`` as a node of a graph (``create_graph=True``); no derivative of its own."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad_output, concentration1, concentration0, draws):
        da, db = beta_sample_gradients(concentration1, concentration0, draws)
        return grad_output * da, grad_output * db

    @staticmethod
    def backward(ctx, grad_da, grad_db):
        raise RuntimeError(
            "Beta.rsample: the derivative of the implicit sample gradient (a second derivative) is not "
            "implemented, as in PyTorch (derivative for _dirichlet_grad is not implemented)")
