"""``Categorical(probs=None, logits=None)``: one of K classes, K the size of the parameter's last dim."""
from __future__ import annotations

import functools
import math
from typing import Any, Optional

from . import _mt as mt

from . import constraints
from .distribution import Distribution, _ShapeLike
from .utils import logits_to_probs, probs_to_logits


class Categorical(Distribution):
    """P(k) = probs[..., k] = softmax(logits)[..., k]. ``probs`` need not sum to one and ``logits`` need
    not be normalised: they are rescaled over the last dim (stored ``logits`` satisfy logsumexp = 0).
    Samples are class indices (int64) of shape ``sample_shape + batch_shape``."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Optional[bool] = None) -> None:
        if (probs is None) == (logits is None):
            raise ValueError("Either `probs` or `logits` must be specified, but not both.")
        if probs is not None:
            probs = mt.as_tensor(probs)
            if probs.dim() < 1:
                raise ValueError("`probs` parameter must be at least one-dimensional.")
            self.probs = probs / probs.sum(-1, keepdim=True)
            self._param = self.probs
        else:
            logits = mt.as_tensor(logits)
            if logits.dim() < 1:
                raise ValueError("`logits` parameter must be at least one-dimensional.")
            self.logits = logits - logits.logsumexp(dim=-1, keepdim=True)
            self._param = self.logits
        self._num_events = self._param.shape[-1]
        super().__init__(self._param.shape[:-1], validate_args=validate_args)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Categorical:
        new = self._new_expanded(batch_shape, _instance)
        param_shape = tuple(batch_shape) + (self._num_events,)
        if "probs" in self.__dict__:
            new.probs = self.probs.expand(param_shape)
            new._param = new.probs
        if "logits" in self.__dict__:
            new.logits = self.logits.expand(param_shape)
            new._param = new.logits
        new._num_events = self._num_events
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=0)
    def support(self) -> constraints.Constraint:
        return constraints.integer_interval(0, self._num_events - 1)

    @functools.cached_property
    def logits(self) -> mt.Tensor:
        return probs_to_logits(self.probs)

    @functools.cached_property
    def probs(self) -> mt.Tensor:
        return logits_to_probs(self.logits)

    @property
    def param_shape(self) -> mt.Size:
        return mt.Size(self._param.shape)

    @property
    def mean(self) -> mt.Tensor:
        return mt.full(self._extended_shape(), math.nan, dtype=self._param.dtype)

    @property
    def mode(self) -> mt.Tensor:
        return self.probs.argmax(dim=-1)

    @property
    def variance(self) -> mt.Tensor:
        return mt.full(self._extended_shape(), math.nan, dtype=self._param.dtype)

    def sample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        shape = mt.Size(sample_shape)
        probs = self.probs  # derived (and cached) outside no_grad, so later entropy() still has its gradient
        with mt.no_grad():
            probs_2d = probs.reshape(-1, self._num_events)
            samples_2d = mt.multinomial(probs_2d, shape.numel(), replacement=True).T
        return samples_2d.reshape(self._extended_shape(shape))

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        value, log_pmf = mt.broadcast_tensors(value.long().unsqueeze(-1), self.logits)
        return log_pmf.gather(-1, value[..., :1]).squeeze(-1)

    def entropy(self) -> mt.Tensor:
        logits = self.logits.clamp(min=mt.finfo(self.logits.dtype).min)
        return -(logits * self.probs).sum(-1)

    def enumerate_support(self, expand: bool = True) -> mt.Tensor:
        values = mt.arange(self._num_events, dtype=mt.int64).reshape((-1,) + (1,) * len(self.batch_shape))
        if expand:
            values = values.expand((-1,) + tuple(self.batch_shape))
        return values
