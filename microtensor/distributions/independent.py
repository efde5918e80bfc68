"""``Independent(base_distribution, reinterpreted_batch_ndims)``: batch dims reread as event dims."""
from __future__ import annotations

from typing import Any, Optional

from . import _mt as mt

from . import constraints
from .distribution import Distribution, _ShapeLike
from .utils import sum_rightmost


class Independent(Distribution):
    """The base distribution with its ``reinterpreted_batch_ndims`` rightmost batch dims made part of the
    event, so ``log_prob`` and ``entropy`` sum over them: ``Independent(Normal(loc, scale), 1)`` with ``loc``
    of shape (B, D) is one diagonal Gaussian over D dims per batch element (batch_shape (B,), event_shape (D,)).
    """

    arg_constraints: dict[str, constraints.Constraint] = {}

    def __init__(self, base_distribution: Distribution, reinterpreted_batch_ndims: int,
                 validate_args: Optional[bool] = None) -> None:
        if reinterpreted_batch_ndims > len(base_distribution.batch_shape):
            raise ValueError(
                "Expected reinterpreted_batch_ndims <= len(base_distribution.batch_shape), "
                f"actual {reinterpreted_batch_ndims} vs {len(base_distribution.batch_shape)}")
        shape = base_distribution.batch_shape + base_distribution.event_shape
        event_dim = reinterpreted_batch_ndims + len(base_distribution.event_shape)
        self.base_dist = base_distribution
        self.reinterpreted_batch_ndims = reinterpreted_batch_ndims
        split = len(shape) - event_dim
        super().__init__(shape[:split], shape[split:], validate_args=validate_args)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Independent:
        new = self._new_expanded(batch_shape, _instance)
        reinterpreted = self.event_shape[:self.reinterpreted_batch_ndims]
        new.base_dist = self.base_dist.expand(tuple(batch_shape) + reinterpreted)
        new.reinterpreted_batch_ndims = self.reinterpreted_batch_ndims
        return new

    @property
    def has_rsample(self) -> bool:  # type: ignore[override]
        return self.base_dist.has_rsample

    @property
    def has_enumerate_support(self) -> bool:  # type: ignore[override]
        return False if self.reinterpreted_batch_ndims > 0 else self.base_dist.has_enumerate_support

    @constraints.dependent_property
    def support(self) -> constraints.Constraint:
        result = self.base_dist.support
        if self.reinterpreted_batch_ndims:
            result = constraints.independent(result, self.reinterpreted_batch_ndims)
        return result

    @property
    def mean(self) -> mt.Tensor:
        return self.base_dist.mean

    @property
    def mode(self) -> mt.Tensor:
        return self.base_dist.mode

    @property
    def variance(self) -> mt.Tensor:
        return self.base_dist.variance

    def sample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        return self.base_dist.sample(sample_shape)

    def rsample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        return self.base_dist.rsample(sample_shape)

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        return sum_rightmost(self.base_dist.log_prob(value), self.reinterpreted_batch_ndims)

    def entropy(self) -> mt.Tensor:
        return sum_rightmost(self.base_dist.entropy(), self.reinterpreted_batch_ndims)

    def enumerate_support(self, expand: bool = True) -> mt.Tensor:
        if self.reinterpreted_batch_ndims > 0:
            raise NotImplementedError("Enumeration over cartesian product is not implemented")
        return self.base_dist.enumerate_support(expand=expand)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.base_dist}, {self.reinterpreted_batch_ndims})"
