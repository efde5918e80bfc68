"""``MultivariateNormal(loc, covariance_matrix= | precision_matrix= | scale_tril=)``: the Gaussian in n dims."""
from __future__ import annotations

import functools
import math
from typing import Any, Optional

from . import _mt as mt

from . import constraints
from .distribution import Distribution, _ShapeLike


def batch_mahalanobis(scale_tril: mt.Tensor, difference: mt.Tensor) -> mt.Tensor:
    """|L^-1 d|^2 = d^T (L L^T)^-1 d over the last dim, with L and d broadcast against each other."""
    whitened = mt.linalg.solve_triangular(scale_tril, difference.unsqueeze(-1), upper=False).squeeze(-1)
    return whitened.pow(2).sum(-1)


def _precision_to_scale_tril(precision: mt.Tensor) -> mt.Tensor:
    # With P = U U^T for upper-triangular U (the Cholesky factor of P with rows and columns reversed),
    # Sigma = P^-1 = (U^-1)^T U^-1, and L = (U^-1)^T is lower-triangular.
    reversed_factor = mt.linalg.cholesky(mt.flip(precision, (-2, -1)))
    upper = mt.flip(reversed_factor, (-2, -1))
    identity = mt.eye(precision.shape[-1], dtype=precision.dtype)
    return mt.linalg.solve_triangular(upper, identity, upper=True).mT


class MultivariateNormal(Distribution):
    """density(x) = exp(-(x - loc)^T Sigma^-1 (x - loc) / 2) / sqrt((2 pi)^n det Sigma).

    Give exactly one of ``covariance_matrix`` (Sigma), ``precision_matrix`` (Sigma^-1) or ``scale_tril``
    (the lower Cholesky factor L, Sigma = L L^T). ``rsample`` is ``loc + L @ eps`` with ``eps ~ mt.randn``.
    """

    arg_constraints = {
        "loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
        "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky,
    }
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: mt.Tensor, covariance_matrix: Optional[mt.Tensor] = None,
                 precision_matrix: Optional[mt.Tensor] = None, scale_tril: Optional[mt.Tensor] = None,
                 validate_args: Optional[bool] = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        given = {name: matrix for name, matrix in [("covariance_matrix", covariance_matrix),
                                                   ("precision_matrix", precision_matrix),
                                                   ("scale_tril", scale_tril)] if matrix is not None}
        if len(given) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        ((name, matrix),) = given.items()
        if matrix.dim() < 2:
            raise ValueError(f"{name} matrix must be at least two-dimensional, with optional leading batch dimensions")
        batch_shape = mt.broadcast_shapes(matrix.shape[:-2], loc.shape[:-1])
        setattr(self, name, matrix.expand(batch_shape + (-1, -1)))
        self.loc = loc.expand(batch_shape + (-1,))
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = matrix
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = mt.linalg.cholesky(matrix)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(matrix)

    def expand(self, batch_shape: _ShapeLike, _instance: Any = None) -> MultivariateNormal:
        new = self._new_expanded(batch_shape, _instance)
        matrix_shape = tuple(batch_shape) + self.event_shape + self.event_shape
        new.loc = self.loc.expand(tuple(batch_shape) + self.event_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        for name in ("covariance_matrix", "precision_matrix", "scale_tril"):
            if name in self.__dict__:
                setattr(new, name, self.__dict__[name].expand(matrix_shape))
        return new

    @functools.cached_property
    def scale_tril(self) -> mt.Tensor:
        return self._unbroadcasted_scale_tril.expand(self._batch_shape + self._event_shape + self._event_shape)

    @functools.cached_property
    def covariance_matrix(self) -> mt.Tensor:
        factor = self._unbroadcasted_scale_tril
        return (factor @ factor.mT).expand(self._batch_shape + self._event_shape + self._event_shape)

    @functools.cached_property
    def precision_matrix(self) -> mt.Tensor:
        factor = self._unbroadcasted_scale_tril
        identity = mt.eye(factor.shape[-1], dtype=factor.dtype)
        inverse_factor = mt.linalg.solve_triangular(factor, identity, upper=False)
        return (inverse_factor.mT @ inverse_factor).expand(self._batch_shape + self._event_shape + self._event_shape)

    @property
    def mean(self) -> mt.Tensor:
        return self.loc

    @property
    def mode(self) -> mt.Tensor:
        return self.loc

    @property
    def variance(self) -> mt.Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(self._batch_shape + self._event_shape)

    def rsample(self, sample_shape: _ShapeLike = ()) -> mt.Tensor:
        noise = mt.randn(self._extended_shape(sample_shape), dtype=self.loc.dtype)
        return self.loc + (self._unbroadcasted_scale_tril @ noise.unsqueeze(-1)).squeeze(-1)

    def _half_log_det(self) -> mt.Tensor:
        return self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)

    def log_prob(self, value: mt.Tensor) -> mt.Tensor:
        if self._validate_args:
            self._validate_sample(value)
        mahalanobis = batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        n = self._event_shape[0]
        return -0.5 * (n * math.log(2 * math.pi) + mahalanobis) - self._half_log_det()

    def entropy(self) -> mt.Tensor:
        n = self._event_shape[0]
        entropy = 0.5 * n * (1.0 + math.log(2 * math.pi)) + self._half_log_det()
        return entropy.expand(self._batch_shape) if len(self._batch_shape) else entropy
