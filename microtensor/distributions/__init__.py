"""Probability distributions (``torch.distributions``): sampling, reparameterised sampling, log densities,
entropies and KL divergences, built from microtensor's differentiable ops.

Sampling draws from microtensor's global random generator, so ``mt.manual_seed`` makes it reproducible::

    import microtensor as mt
    from microtensor.distributions import Normal, kl_divergence

    posterior = Normal(mu, log_sigma.exp())
    z = posterior.rsample()                      # gradients flow to mu and log_sigma
    kl = kl_divergence(posterior, Normal(0.0, 1.0)).sum()
"""
from . import constraints
from .bernoulli import Bernoulli
from .beta import Beta
from .categorical import Categorical
from .distribution import Distribution
from .exponential import Exponential
from .independent import Independent
from .kl import kl_divergence, register_kl
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Beta", "Categorical", "Distribution", "Exponential", "Independent", "MultivariateNormal", "Normal",
    "OneHotCategorical", "Uniform", "constraints", "kl_divergence", "register_kl",
]
