"""``Uniform(low, high)``: constant density on the half-open interval [low, high)."""
from __future__ import annotations

import math
import numbers
from typing import Any, Optional

from . import _mt as mt

from . import constraints
from .distribution import Distribution, _ShapeLike
from .utils import broadcast_all


class Uniform(Distribution):
    """density(x) = 1 / (high - low) for low <= x < high. ``rsample`` is ``low + (high - low) * mt.rand``."""

    has_rsample = True

    def __init__(self, low: Any, high: Any, validate_args: Optional[bool] = None) -> None:
        self.low, self.high = broadcast_all(low, high)
        both_numbers = isinstance(low, numbers.Number) and isinstance(high, numbers.Number)
        super().__init__(() if both_numbers else self.low.shape, validate_args=validate_args)

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        return {"low": constraints.less_than(self.high), "high": constraints.greater_than(self.low)}

    @constraints.dependent_property(is_discrete=False, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.interval(self.low, self.high)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Uniform:
        new = self._new_expanded(batch_shape, _instance)
        new.low = self.low.expand(batch_shape)
        new.high = self.high.expand(batch_shape)
        return new

    @property
    def mean(self) -> mt.Tensor:
        return (self.high + self.low) / 2

    @property
    def mode(self) -> mt.Tensor:
        return math.nan * self.high

    @property
    def stddev(self) -> mt.Tensor:
        return (self.high - self.low) / 12**0.5

    @property
    def variance(self) -> mt.Tensor:
        return (self.high - self.low).pow(2) / 12

    def rsample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        noise = mt.rand(self._extended_shape(sample_shape), dtype=self.low.dtype)
        return self.low + noise * (self.high - self.low)

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        inside = (self.low <= value).type_as(self.low) * (value < self.high).type_as(self.low)
        return mt.log(inside) - mt.log(self.high - self.low)

    def cdf(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return ((value - self.low) / (self.high - self.low)).clamp(min=0, max=1)

    def icdf(self, value: mt.Tensor) -> mt.Tensor:
        return value * (self.high - self.low) + self.low

    def entropy(self) -> mt.Tensor:
        return mt.log(self.high - self.low)
