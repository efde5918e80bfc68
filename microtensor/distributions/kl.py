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
    """p log(p / q) + (1 - p) log((1 - p) / (1 - q)); a term is inf where q has no mass that p has, and 0 where
    p itself has none (0 log 0 = 0), so KL(p || p) = 0 at p = 0 or 1, as PyTorch."""
    ones_term = p.probs * (F.softplus(-q.logits) - F.softplus(-p.logits))
    ones_term = mt.where(p.probs == 0, 0.0, _infinite_where(q.probs == 0, ones_term))
    zeros_term = (1 - p.probs) * (F.softplus(q.logits) - F.softplus(p.logits))
    zeros_term = mt.where(p.probs == 1, 0.0, _infinite_where(q.probs == 1, zeros_term))
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


# ------------------------------------------------------------------ pairs of different families (PyTorch's set)
def _infinite(p: Distribution, q: Distribution, like: mt.Tensor) -> mt.Tensor:
    """inf over the broadcast batch shape: q has no density on part of p's support."""
    shape = mt.broadcast_shapes(p.batch_shape, q.batch_shape)
    return mt.full(shape, math.inf, dtype=like.dtype)


@register_kl(Normal, Uniform)
@register_kl(Normal, Exponential)
@register_kl(Normal, Beta)
def _kl_normal_infinity(p: Normal, q: Distribution) -> mt.Tensor:
    """A Normal has mass everywhere on the line; a Uniform, Exponential or Beta does not."""
    return _infinite(p, q, p.loc)


@register_kl(Exponential, Uniform)
@register_kl(Exponential, Beta)
def _kl_exponential_infinity(p: Exponential, q: Distribution) -> mt.Tensor:
    """An Exponential has mass on all of (0, inf); a Uniform or Beta only on a bounded interval."""
    return _infinite(p, q, p.rate)


def _normal_cross_entropy(mean: mt.Tensor, second_moment: mt.Tensor, q: Normal) -> mt.Tensor:
    """-E_p[log q(x)] for a Normal q from p's mean and E[x^2]: log(sqrt(2 pi) s) + E[(x - m)^2] / (2 s^2)."""
    variance = q.scale.pow(2)
    return 0.5 * (2 * math.pi * variance).log() + (0.5 * second_moment - q.loc * mean + 0.5 * q.loc.pow(2)) / variance


@register_kl(Beta, Exponential)
def _kl_beta_exponential(p: Beta, q: Exponential) -> mt.Tensor:
    """-H(p) - log(rate) + rate E_p[x], with E_p[x] = a / (a + b)."""
    return -p.entropy() - q.rate.log() + q.rate * p.mean


@register_kl(Beta, Normal)
def _kl_beta_normal(p: Beta, q: Normal) -> mt.Tensor:
    """-H(p) - E_p[log q], with E_p[x^2] = Var + mean^2 of the Beta."""
    mean = p.mean
    return -p.entropy() + _normal_cross_entropy(mean, p.variance + mean.pow(2), q)


@register_kl(Beta, Uniform)
def _kl_beta_uniform(p: Beta, q: Uniform) -> mt.Tensor:
    """-H(p) + log(high - low) if [0, 1] lies in [low, high], else inf."""
    return _infinite_where((q.low > 0) | (q.high < 1), -p.entropy() + (q.high - q.low).log())


@register_kl(Exponential, Normal)
def _kl_exponential_normal(p: Exponential, q: Normal) -> mt.Tensor:
    """-H(p) - E_p[log q] with H(p) = 1 - log(rate), E_p[x] = 1 / rate, E_p[x^2] = 2 / rate^2."""
    mean = p.rate.reciprocal()
    return p.rate.log() - 1 + _normal_cross_entropy(mean, 2 * mean.pow(2), q)


def _x_log_x(x: mt.Tensor) -> mt.Tensor:
    """x log x, 0 at x = 0 (and at x < 0, where the caller's result is inf anyway: no log of a negative)."""
    x = x.clamp(min=0)
    return mt.xlogy(x, x)


@register_kl(Uniform, Beta)
def _kl_uniform_beta(p: Uniform, q: Beta) -> mt.Tensor:
    """-log(w) - E_p[(a-1) log x + (b-1) log(1-x)] + log B(a, b) on [low, high] inside [0, 1] (else inf),
    with w = high - low, E_p[log x] = (h log h - l log l - w) / w and E_p[log(1-x)] likewise."""
    width = p.high - p.low
    mean_log_x = (_x_log_x(p.high) - _x_log_x(p.low) - width) / width
    mean_log_1mx = (_x_log_x(1 - p.low) - _x_log_x(1 - p.high) - width) / width
    result = (q._log_normaliser() - width.log() - (q.concentration1 - 1) * mean_log_x
              - (q.concentration0 - 1) * mean_log_1mx)
    return _infinite_where((p.high > 1) | (p.low < 0), result)


@register_kl(Uniform, Exponential)
def _kl_uniform_exponential(p: Uniform, q: Exponential) -> mt.Tensor:
    """rate (low + high) / 2 - log(rate w) if low >= 0, else inf."""
    result = q.rate * (p.high + p.low) / 2 - ((p.high - p.low) * q.rate).log()
    return _infinite_where(p.low < 0, result)


@register_kl(Uniform, Normal)
def _kl_uniform_normal(p: Uniform, q: Normal) -> mt.Tensor:
    """-log(w) - E_p[log q] with E_p[x] = (low + high) / 2 and E_p[x^2] = w^2 / 12 + mean^2."""
    mean = (p.high + p.low) / 2
    return -(p.high - p.low).log() + _normal_cross_entropy(mean, (p.high - p.low).pow(2) / 12 + mean.pow(2), q)
