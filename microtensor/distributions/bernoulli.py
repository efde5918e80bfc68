"""``Bernoulli(probs=None, logits=None)``: a coin that lands 1 with probability ``probs``."""
from __future__ import annotations

import functools
import math
import numbers
from typing import Any, Optional

from . import _mt as mt
from ..nn import functional as F

from . import constraints
from .distribution import Distribution, _ShapeLike
from .utils import broadcast_all, logits_to_probs, probs_to_logits


class Bernoulli(Distribution):
    """P(1) = probs = sigmoid(logits). Give exactly one of ``probs`` and ``logits``; the other is derived on use."""

    arg_constraints = {"probs": constraints.unit_interval, "logits": constraints.real}
    support = constraints.boolean
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Optional[bool] = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            (self.probs,) = broadcast_all(probs)
        else:
            (self.logits,) = broadcast_all(logits)
        parameter = probs if probs is not None else logits
        self._param = self.probs if probs is not None else self.logits
        batch_shape = () if isinstance(parameter, numbers.Number) else self._param.shape
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Bernoulli:
        new = self._new_expanded(batch_shape, _instance)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(batch_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(batch_shape)
            new._param = new.logits
        return new

    @functools.cached_property
    def logits(self) -> mt.Tensor:
        return probs_to_logits(self.probs, is_binary=True)

    @functools.cached_property
    def probs(self) -> mt.Tensor:
        return logits_to_probs(self.logits, is_binary=True)

    @property
    def param_shape(self) -> mt.Size:
        return mt.Size(self._param.shape)

    @property
    def mean(self) -> mt.Tensor:
        return self.probs

    @property
    def mode(self) -> mt.Tensor:
        mode = (self.probs >= 0.5).to(self.probs.dtype)
        return mt.where(self.probs == 0.5, math.nan, mode)

    @property
    def variance(self) -> mt.Tensor:
        return self.probs * (1 - self.probs)

    def sample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        probs = self.probs  # derived (and cached) outside no_grad, so later entropy() still has its gradient
        with mt.no_grad():
            return mt.bernoulli(probs.expand(self._extended_shape(sample_shape)))

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        return -F.binary_cross_entropy_with_logits(logits, value, reduction="none")

    def entropy(self) -> mt.Tensor:
        return F.binary_cross_entropy_with_logits(self.logits, self.probs, reduction="none")

    def enumerate_support(self, expand: bool = True) -> mt.Tensor:
        values = mt.arange(2, dtype=self._param.dtype).reshape((-1,) + (1,) * len(self.batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self.batch_shape))
        return values
