"""``Normal(loc, scale)``: the Gaussian with mean ``loc`` and standard deviation ``scale``."""
from __future__ import annotations

import math
import numbers
from typing import Any, Optional

from . import _mt as mt

from . import constraints
from .distribution import Distribution, _ShapeLike
from .utils import broadcast_all


class Normal(Distribution):
    """density(x) = exp(-(x - loc)^2 / (2 scale^2)) / (scale sqrt(2 pi)).

    ``rsample`` returns ``loc + scale * eps`` with ``eps ~ mt.randn``, so gradients reach both parameters.
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    def __init__(self, loc: Any, scale: Any, validate_args: Optional[bool] = None) -> None:
        self.loc, self.scale = broadcast_all(loc, scale)
        both_numbers = isinstance(loc, numbers.Number) and isinstance(scale, numbers.Number)
        super().__init__(() if both_numbers else self.loc.shape, validate_args=validate_args)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Normal:
        new = self._new_expanded(batch_shape, _instance)
        new.loc = self.loc.expand(batch_shape)
        new.scale = self.scale.expand(batch_shape)
        return new

    @property
    def mean(self) -> mt.Tensor:
        return self.loc

    @property
    def mode(self) -> mt.Tensor:
        return self.loc

    @property
    def stddev(self) -> mt.Tensor:
        return self.scale

    @property
    def variance(self) -> mt.Tensor:
        return self.stddev.pow(2)

    def rsample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        noise = mt.randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + noise * self.scale

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return -((value - self.loc) ** 2) / (2 * self.variance) - self.scale.log() - 0.5 * math.log(2 * math.pi)

    def cdf(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return 0.5 * (1 + mt.erf((value - self.loc) / (self.scale * math.sqrt(2))))

    def icdf(self, value: mt.Tensor) -> mt.Tensor:
        return self.loc + self.scale * mt.erfinv(2 * value - 1) * math.sqrt(2)

    def entropy(self) -> mt.Tensor:
        return 0.5 + 0.5 * math.log(2 * math.pi) + self.scale.log()
