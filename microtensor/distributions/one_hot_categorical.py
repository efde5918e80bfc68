"""``OneHotCategorical(probs=None, logits=None)``: a ``Categorical`` whose samples are one-hot vectors."""
from __future__ import annotations

from typing import Any, Optional

from . import _mt as mt
from ..nn import functional as F

from . import constraints
from .categorical import Categorical
from .distribution import Distribution, _ShapeLike


class OneHotCategorical(Distribution):
    """Events are vectors of length K (``event_shape == (K,)``) with a single 1 at the drawn class."""

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.independent(constraints.real, 1)}
    support = constraints.one_hot
    has_enumerate_support = True

    def __init__(self, probs: Any = None, logits: Any = None, validate_args: Optional[bool] = None) -> None:
        self._categorical = Categorical(probs, logits, validate_args=validate_args)
        param = self._categorical._param
        super().__init__(self._categorical.batch_shape, param.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> OneHotCategorical:
        new = self._new_expanded(batch_shape, _instance)
        new._categorical = self._categorical.expand(batch_shape)
        return new

    @property
    def probs(self) -> mt.Tensor:
        return self._categorical.probs

    @property
    def logits(self) -> mt.Tensor:
        return self._categorical.logits

    @property
    def param_shape(self) -> mt.Size:
        return self._categorical.param_shape

    @property
    def mean(self) -> mt.Tensor:
        return self._categorical.probs

    @property
    def mode(self) -> mt.Tensor:
        return F.one_hot(self._categorical.mode, self.event_shape[-1]).to(self.probs.dtype)

    @property
    def variance(self) -> mt.Tensor:
        return self._categorical.probs * (1 - self._categorical.probs)

    def sample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        indices = self._categorical.sample(sample_shape)
        return F.one_hot(indices, self.event_shape[-1]).to(self.probs.dtype)

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        return self._categorical.log_prob(value.argmax(dim=-1))

    def entropy(self) -> mt.Tensor:
        return self._categorical.entropy()

    def enumerate_support(self, expand: bool = True) -> mt.Tensor:
        n = self.event_shape[0]
        values = mt.eye(n, dtype=self._categorical._param.dtype).reshape((n,) + (1,) * len(self.batch_shape) + (n,))
        if expand:
            values = values.expand((n,) + tuple(self.batch_shape) + (n,))
        return values
