"""``Exponential(rate)``: waiting times of a Poisson process with intensity ``rate``."""
from __future__ import annotations

import numbers
from typing import Any, Optional

from . import _mt as mt

from . import constraints
from .distribution import Distribution, _ShapeLike
from .utils import broadcast_all


class Exponential(Distribution):
    """density(x) = rate exp(-rate x) for x >= 0. ``rsample`` divides standard exponential noise by ``rate``."""

    arg_constraints = {"rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True

    def __init__(self, rate: Any, validate_args: Optional[bool] = None) -> None:
        (self.rate,) = broadcast_all(rate)
        super().__init__(() if isinstance(rate, numbers.Number) else self.rate.shape, validate_args=validate_args)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Exponential:
        new = self._new_expanded(batch_shape, _instance)
        new.rate = self.rate.expand(batch_shape)
        return new

    @property
    def mean(self) -> mt.Tensor:
        return self.rate.reciprocal()

    @property
    def mode(self) -> mt.Tensor:
        return mt.zeros_like(self.rate)

    @property
    def stddev(self) -> mt.Tensor:
        return self.rate.reciprocal()

    @property
    def variance(self) -> mt.Tensor:
        return self.rate.pow(-2)

    def rsample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        noise = mt.empty(self._extended_shape(sample_shape), dtype=self.rate.dtype).exponential_()
        return noise / self.rate

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self.rate.log() - self.rate * value

    def cdf(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 1 - mt.exp(-self.rate * value)

    def icdf(self, value: mt.Tensor) -> mt.Tensor:
        return -mt.log1p(-value) / self.rate

    def entropy(self) -> mt.Tensor:
        return 1.0 - self.rate.log()
