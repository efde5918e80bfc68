"""``Beta(concentration1, concentration0)``: a distribution over (0, 1), e.g. a prior for a probability."""
from __future__ import annotations

import numbers
from typing import Any, Optional

import numpy as np

from . import _mt as mt
from .. import random as _random

from . import constraints
from .distribution import Distribution, _ShapeLike
from .utils import broadcast_all


class Beta(Distribution):
    """density(x) = x^(a-1) (1-x)^(b-1) / B(a, b) with a = ``concentration1``, b = ``concentration0``.

    ``sample`` draws from microtensor's random generator (``mt.manual_seed`` applies); there is no
    ``rsample`` (PyTorch differentiates Beta samples implicitly, which microtensor does not).
    """

    arg_constraints = {"concentration1": constraints.positive, "concentration0": constraints.positive}
    support = constraints.unit_interval

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

    def sample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        shape = self._extended_shape(sample_shape)
        a = np.broadcast_to(self.concentration1.detach().numpy(), shape)
        b = np.broadcast_to(self.concentration0.detach().numpy(), shape)
        draws = np.asarray(_random.numpy_rng().beta(a, b))
        info = mt.finfo(self.concentration1.dtype)
        return mt.tensor(draws, dtype=self.concentration1.dtype).clamp(min=info.tiny, max=1 - info.eps)

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
