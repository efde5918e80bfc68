"""``Distribution``: the base class of every distribution (``torch.distributions.Distribution``)."""
from __future__ import annotations

import functools
import warnings
from typing import Any, Optional, Sequence

from . import _mt as mt

from . import constraints

_ShapeLike = Sequence[int]


class Distribution:
    """A probability distribution batched over ``batch_shape``; each draw is an event of ``event_shape``.

    Validation (``validate_args``; on by default, as Python's ``assert`` -- off under ``python -O``)
    checks the parameters against ``arg_constraints`` at construction, and the value given to
    ``log_prob``/``cdf`` against ``support``, raising ``ValueError``.
    """

    has_rsample = False
    has_enumerate_support = False
    _validate_args = __debug__

    @staticmethod
    def set_default_validate_args(value: bool) -> None:
        """Switch argument validation on or off for every distribution built afterwards without ``validate_args``."""
        if value not in [True, False]:
            raise ValueError(f"set_default_validate_args expects True or False, got {value!r}")
        Distribution._validate_args = value

    def __init__(self, batch_shape: _ShapeLike = (), event_shape: _ShapeLike = (),
                 validate_args: Optional[bool] = None) -> None:
        self._batch_shape = mt.Size(batch_shape)
        self._event_shape = mt.Size(event_shape)
        if validate_args is not None:
            self._validate_args = validate_args
        if self._validate_args:
            self._check_parameters()

    def _check_parameters(self) -> None:
        try:
            arg_constraints = self.arg_constraints
        except NotImplementedError:
            warnings.warn(f"{self.__class__} does not define `arg_constraints`. Please set `arg_constraints = {{}}` "
                          "or initialize the distribution with `validate_args=False` to turn off validation.",
                          stacklevel=3)
            return
        for name, constraint in arg_constraints.items():
            if constraints.is_dependent(constraint):
                continue
            if name not in self.__dict__ and isinstance(getattr(type(self), name, None), functools.cached_property):
                continue  # the other parameterisation, derived only when asked for
            value = getattr(self, name)
            if not bool(constraint.check(value).all()):
                raise ValueError(
                    f"Expected parameter {name} ({type(value).__name__} of shape {tuple(value.shape)}) "
                    f"of distribution {self!r} to satisfy the constraint {constraint!r}, "
                    f"but found invalid values:\n{value}")

    @property
    def batch_shape(self) -> mt.Size:
        """The shape over which the parameters are batched."""
        return self._batch_shape

    @property
    def event_shape(self) -> mt.Size:
        """The shape of one sample (without batching)."""
        return self._event_shape

    @property
    def arg_constraints(self) -> dict[str, constraints.Constraint]:
        """Parameter name -> the constraint its values must satisfy."""
        raise NotImplementedError

    @property
    def support(self) -> Any:
        """The constraint every value of the distribution satisfies."""
        raise NotImplementedError

    @property
    def mean(self) -> mt.Tensor:
        raise NotImplementedError

    @property
    def mode(self) -> mt.Tensor:
        raise NotImplementedError(f"{self.__class__} does not implement mode")

    @property
    def variance(self) -> mt.Tensor:
        raise NotImplementedError

    @property
    def stddev(self) -> mt.Tensor:
        return self.variance.sqrt()

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> Distribution:
        """The same distribution with its parameters broadcast to ``batch_shape``."""
        raise NotImplementedError

    def sample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        """``sample_shape + batch_shape + event_shape`` draws, outside autograd."""
        with mt.no_grad():
            return self.rsample(sample_shape)

    def rsample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        """Draws written as a differentiable function of the parameters and parameter-free noise
        (the reparameterisation trick), so gradients flow to the parameters."""
        raise NotImplementedError

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        """The log of the density (or mass) at ``value``, one per event."""
        raise NotImplementedError

    def cdf(self, value: mt.Tensor) -> mt.Tensor:
        raise NotImplementedError

    def icdf(self, value: mt.Tensor) -> mt.Tensor:
        raise NotImplementedError

    def enumerate_support(self, expand: bool = True) -> mt.Tensor:
        raise NotImplementedError

    def entropy(self) -> mt.Tensor:
        """The entropy, one per batch element (shape ``batch_shape``)."""
        raise NotImplementedError

    def perplexity(self) -> mt.Tensor:
        return mt.exp(self.entropy())

    def _extended_shape(self, sample_shape: _ShapeLike = ()) -> mt.Size:
        return mt.Size(tuple(sample_shape) + self._batch_shape + self._event_shape)

    def _new_expanded(self, batch_shape: _ShapeLike, _instance: Any = None) -> Any:
        """An uninitialised instance of this class for ``expand``, with shapes and validation set."""
        new = _instance if _instance is not None else type(self).__new__(type(self))
        Distribution.__init__(new, batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _validate_sample(self, value: Any) -> None:
        if not isinstance(value, mt.Tensor):
            raise ValueError("The value argument to log_prob must be a Tensor")
        actual_shape = mt.Size(value.shape)
        event_start = len(actual_shape) - len(self._event_shape)
        if actual_shape[event_start:] != self._event_shape:
            raise ValueError(
                f"The right-most size of value must match event_shape: {actual_shape} vs {self._event_shape}.")
        expected_shape = self._batch_shape + self._event_shape
        for actual, expected in zip(reversed(actual_shape), reversed(expected_shape)):
            if actual != 1 and expected != 1 and actual != expected:
                raise ValueError(
                    f"Value is not broadcastable with batch_shape+event_shape: {actual_shape} vs {expected_shape}.")
        try:
            support = self.support
        except NotImplementedError:
            warnings.warn(f"{self.__class__} does not define `support` to enable sample validation. Please "
                          "initialize the distribution with `validate_args=False` to turn off validation.",
                          stacklevel=3)
            return
        if not bool(support.check(value).all()):
            raise ValueError(
                f"Expected value argument ({type(value).__name__} of shape {tuple(value.shape)}) "
                f"to be within the support ({support!r}) of the distribution {self!r}, "
                f"but found invalid values:\n{value}")

    def __repr__(self) -> str:
        try:
            names = [name for name in self.arg_constraints if name in self.__dict__]
        except NotImplementedError:
            names = []
        return f"{type(self).__name__}({', '.join(f'{name}: {_describe(self.__dict__[name])}' for name in names)})"


def _describe(parameter: mt.Tensor) -> str:
    if parameter.numel() == 1:
        return f"{parameter}"
    return f"{mt.Size(parameter.shape)}"
