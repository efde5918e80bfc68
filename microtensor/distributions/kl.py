"""``kl_divergence(p, q)``: KL(p || q) = E_p[log p(x) - log q(x)], dispatched on the pair of types.

``@register_kl(TypeP, TypeQ)`` adds a closed form; the most specific registered pair (by the classes'
method resolution order) is used, so a subclass inherits its parent's formulas.
"""
from __future__ import annotations

import math
from typing import Callable, TypeVar

from . import _mt as mt
from ..nn import functional as F

from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent
from .multivariate_normal import MultivariateNormal, batch_mahalanobis
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform
from .utils import sum_rightmost

_KLFunction = Callable[..., mt.Tensor]
_F = TypeVar("_F", bound=_KLFunction)
_KL_REGISTRY: dict[tuple[type, type], _KLFunction] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[_F], _F]:
    """Decorator registering ``function(p, q)`` as KL(p || q) for ``p`` of ``type_p`` and ``q`` of ``type_q``."""
    if not (isinstance(type_p, type) and issubclass(type_p, Distribution)):
        raise TypeError(f"Expected type_p to be a Distribution subclass but got {type_p}")
    if not (isinstance(type_q, type) and issubclass(type_q, Distribution)):
        raise TypeError(f"Expected type_q to be a Distribution subclass but got {type_q}")

    def decorator(function: _F) -> _F:
        _KL_REGISTRY[type_p, type_q] = function
        return function

    return decorator


def _dispatch_kl(type_p: type, type_q: type) -> _KLFunction | None:
    matches = [(p, q) for p, q in _KL_REGISTRY if issubclass(type_p, p) and issubclass(type_q, q)]
    if not matches:
        return None
    best = min(matches, key=lambda pair: (type_p.__mro__.index(pair[0]), type_q.__mro__.index(pair[1])))
    return _KL_REGISTRY[best]


def kl_divergence(p: Distribution, q: Distribution) -> mt.Tensor:
    """KL(p || q), batched over the distributions' batch shape (broadcast against each other)."""
    function = _dispatch_kl(type(p), type(q))
    if function is None:
        raise NotImplementedError(
            f"No KL(p || q) is implemented for p = {type(p).__name__} and q = {type(q).__name__}; "
            "add one with @register_kl")
    return function(p, q)


def _infinite_where(condition: mt.Tensor, value: mt.Tensor) -> mt.Tensor:
    return mt.where(condition, math.inf, value)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> mt.Tensor:
    variance_ratio = (p.scale / q.scale).pow(2)
    mean_term = ((p.loc - q.loc) / q.scale).pow(2)
    return 0.5 * (variance_ratio + mean_term - 1 - variance_ratio.log())


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> mt.Tensor:
    ones_term = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    ones_term = _infinite_where(q.probs == 0, ones_term)
    zeros_term = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    zeros_term = _infinite_where(q.probs == 1, zeros_term)
    return ones_term + zeros_term


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> mt.Tensor:
    p_total, q_total = p._total, q._total
    log_normaliser_ratio = q._log_normaliser() - p._log_normaliser()
    return (log_normaliser_ratio + (p.concentration1 - q.concentration1) * p.concentration1.digamma()
            + (p.concentration0 - q.concentration0) * p.concentration0.digamma()
            + (q_total - p_total) * p_total.digamma())


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> mt.Tensor:
    terms = p.probs * (p.logits - q.logits)
    terms = _infinite_where((q.probs == 0).expand_as(terms), terms)
    terms = mt.where((p.probs == 0).expand_as(terms), 0.0, terms)
    return terms.sum(-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehotcategorical_onehotcategorical(p: OneHotCategorical, q: OneHotCategorical) -> mt.Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> mt.Tensor:
    result = ((q.high - q.low) / (p.high - p.low)).log()
    return _infinite_where((q.low > p.low) | (q.high < p.high), result)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> mt.Tensor:
    rate_ratio = q.rate / p.rate
    return rate_ratio - 1 - rate_ratio.log()


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_multivariatenormal_multivariatenormal(p: MultivariateNormal, q: MultivariateNormal) -> mt.Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError("KL-divergence between two Multivariate Normals with different event shapes cannot be "
                         f"computed: {p.event_shape} vs {q.event_shape}")
    n = p.event_shape[0]
    p_factor, q_factor = p._unbroadcasted_scale_tril, q._unbroadcasted_scale_tril
    half_log_det_ratio = q._half_log_det() - p._half_log_det()
    batch_shape = mt.broadcast_shapes(p_factor.shape[:-2], q_factor.shape[:-2])
    trace_term = mt.linalg.solve_triangular(q_factor.expand(batch_shape + (n, n)),
                                            p_factor.expand(batch_shape + (n, n)), upper=False).pow(2).sum((-2, -1))
    mahalanobis = batch_mahalanobis(q_factor, q.loc - p.loc)
    return half_log_det_ratio + 0.5 * (trace_term + mahalanobis - n)


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> mt.Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(
            "KL(Independent || Independent) needs equal reinterpreted_batch_ndims, got "
            f"{p.reinterpreted_batch_ndims} and {q.reinterpreted_batch_ndims}")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)
