"""kl_divergence against closed forms (and one small Monte Carlo check); register_kl dispatch."""
import numpy as np
import pytest

import microtensor as mt
from microtensor.distributions import (
    Bernoulli, Beta, Categorical, Distribution, Exponential, Independent, MultivariateNormal, Normal, OneHotCategorical,
    Uniform, kl_divergence, register_kl,
)

from ..strategies import check_gradients


def f64(array):
    return mt.tensor(np.asarray(array, dtype=np.float64))


def bernoulli_kl(p, q):
    return p * np.log(p / q) + (1 - p) * np.log((1 - p) / (1 - q))


def gaussian_kl(mean_p, cov_p, mean_q, cov_q):
    precision_q = np.linalg.inv(cov_q)
    difference = mean_q - mean_p
    return 0.5 * (np.trace(precision_q @ cov_p) + difference @ precision_q @ difference - len(mean_p)
                  + np.log(np.linalg.det(cov_q) / np.linalg.det(cov_p)))


P, Q = np.array([0.2, 0.6]), np.array([0.5, 0.1])
COV_P, COV_Q = np.array([[1.0, 0.3], [0.3, 0.5]]), np.array([[2.0, -0.4], [-0.4, 1.5]])
CASES = [
    (Normal(f64([0.0, 1.0]), f64([1.0, 2.0])), Normal(f64([1.0, 1.0]), f64([0.5, 2.0])),
     np.log([0.5, 1.0]) + (np.array([1.0, 4.0]) + np.array([1.0, 0.0])) / (2 * np.array([0.25, 4.0])) - 0.5),
    (Bernoulli(f64(P)), Bernoulli(logits=f64(np.log(Q / (1 - Q)))), bernoulli_kl(P, Q)),
    (Categorical(f64([0.2, 0.3, 0.5])), Categorical(f64([0.6, 0.2, 0.2])),
     np.sum(np.array([0.2, 0.3, 0.5]) * np.log(np.array([0.2, 0.3, 0.5]) / [0.6, 0.2, 0.2]))),
    (OneHotCategorical(f64([0.2, 0.8])), OneHotCategorical(f64([0.5, 0.5])), bernoulli_kl(0.2, 0.5)),
    (Uniform(f64([0.0, 0.0]), f64([1.0, 1.0])), Uniform(f64([-1.0, 0.5]), f64([2.0, 2.0])), [np.log(3.0), np.inf]),
    (Exponential(f64([2.0])), Exponential(f64([0.5])), [np.log(2.0 / 0.5) + 0.5 / 2.0 - 1]),
    (MultivariateNormal(f64([0.0, 1.0]), f64(COV_P)), MultivariateNormal(f64([1.0, -1.0]), precision_matrix=f64(np.linalg.inv(COV_Q))),
     gaussian_kl(np.array([0.0, 1.0]), COV_P, np.array([1.0, -1.0]), COV_Q)),
    (Beta(f64([2.0]), f64([3.0])), Beta(f64([1.0]), f64([1.0])),  # minus the entropy of Beta(2, 3)
     [-(np.log(1 / 12) - (1 - np.euler_gamma) - 2 * (1.5 - np.euler_gamma) + 3 * (25 / 12 - np.euler_gamma))]),
    (Independent(Normal(f64([[0.0, 1.0]]), 1.0), 1), Independent(Normal(f64([[1.0, 1.0]]), 1.0), 1), [0.5]),
]


@pytest.mark.parametrize("p, q, expected", CASES, ids=lambda case: type(case).__name__ if isinstance(case, Distribution) else "")
def test_kl_matches_the_closed_form(p, q, expected):
    np.testing.assert_allclose(kl_divergence(p, q).numpy(), expected, rtol=1e-10)
    np.testing.assert_allclose(kl_divergence(p, p).numpy(), np.zeros_like(np.asarray(expected)), atol=1e-12)


def test_normal_kl_agrees_with_a_monte_carlo_estimate():
    p, q = Normal(0.3, 0.8), Normal(-0.2, 1.3)
    mt.manual_seed(0)
    x = p.sample((20000,))
    estimate = (p.log_prob(x) - q.log_prob(x)).mean().item()
    assert abs(estimate - kl_divergence(p, q).item()) < 0.02


def test_kl_is_differentiable_in_both_distributions():
    check_gradients(lambda a, b: kl_divergence(Normal(a, b), Normal(b, a)), [0.5, 1.2], [1.1, 0.7])
    check_gradients(lambda loc, factor: kl_divergence(MultivariateNormal(loc, scale_tril=factor.tril()),
                                                      MultivariateNormal(-loc, f64(COV_Q))),
                    [0.1, -0.3], np.linalg.cholesky(COV_P))


def test_unregistered_pairs_name_the_types_and_register_kl_dispatches_subclasses():
    with pytest.raises(NotImplementedError, match="p = Normal and q = Bernoulli"):
        kl_divergence(Normal(0.0, 1.0), Bernoulli(0.3))
    with pytest.raises(NotImplementedError, match="reinterpreted_batch_ndims"):
        kl_divergence(Independent(Normal(mt.zeros(2, 2), 1.0), 1), Independent(Normal(mt.zeros(2, 2), 1.0), 2))

    class Wide(Normal):
        pass

    assert kl_divergence(Wide(0.0, 1.0), Normal(0.0, 1.0)).item() == 0.0

    @register_kl(Wide, Normal)
    def _wide_normal(p, q):
        return mt.tensor(-1.0)

    assert kl_divergence(Wide(0.0, 1.0), Normal(0.0, 1.0)).item() == -1.0
    assert kl_divergence(Wide(0.0, 1.0), Wide(0.0, 1.0)).item() == -1.0
    with pytest.raises(TypeError, match="Distribution subclass"):
        register_kl(int, Normal)


def test_bernoulli_kl_at_the_edges_is_zero_or_infinite_as_pytorch():
    """p = 0 or 1 puts no mass on one side, whose term is 0 (0 log 0); q = 0 or 1 under mass of p is inf."""
    p = f64([0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.5, 0.5])
    q = f64([0.0, 1.0, 0.0, 1.0, 0.5, 0.5, 0.0, 1.0])
    expected = [0.0, np.inf, np.inf, 0.0, np.log(2), np.log(2), np.inf, np.inf]
    np.testing.assert_allclose(kl_divergence(Bernoulli(p), Bernoulli(q)).numpy(), expected, rtol=1e-12)
    logits = f64([-800.0, 800.0])  # probs that round to exactly 0 and 1
    np.testing.assert_allclose(kl_divergence(Bernoulli(logits=logits), Bernoulli(logits=logits)).numpy(), 0.0)


def numerical_kl(p_density, q_log_density, low, high):
    """KL(p || q) = integral of p (log p - log q) over p's support, by scipy's adaptive quadrature."""
    from scipy import integrate

    def integrand(x):
        density = p_density(x)
        return 0.0 if density == 0 else density * (np.log(density) - q_log_density(x))

    return integrate.quad(integrand, low, high, limit=200)[0]


def _scipy_pairs():
    from scipy import stats
    beta_p, beta_q = stats.beta(2.5, 1.5), stats.beta(2.0, 3.0)
    exp_p, exp_q = stats.expon(scale=1 / 1.5), stats.expon(scale=1 / 2.0)
    normal_q = stats.norm(0.4, 1.3)
    uniform_p = stats.uniform(0.2, 0.5)  # on (0.2, 0.7)
    return [
        (Beta(f64(2.5), f64(1.5)), Exponential(f64(2.0)), beta_p, exp_q, (0, 1)),
        (Beta(f64(2.5), f64(1.5)), Normal(f64(0.4), f64(1.3)), beta_p, normal_q, (0, 1)),
        (Beta(f64(2.5), f64(1.5)), Uniform(f64(-0.5), f64(1.5)), beta_p, stats.uniform(-0.5, 2.0), (0, 1)),
        (Exponential(f64(1.5)), Normal(f64(0.4), f64(1.3)), exp_p, normal_q, (0, np.inf)),
        (Uniform(f64(0.2), f64(0.7)), Beta(f64(2.0), f64(3.0)), uniform_p, beta_q, (0.2, 0.7)),
        (Uniform(f64(0.2), f64(0.7)), Exponential(f64(2.0)), uniform_p, exp_q, (0.2, 0.7)),
        (Uniform(f64(0.2), f64(0.7)), Normal(f64(0.4), f64(1.3)), uniform_p, normal_q, (0.2, 0.7)),
    ]


def test_cross_family_kl_matches_numerical_integration():
    for p, q, p_ref, q_ref, (low, high) in _scipy_pairs():
        expected = numerical_kl(p_ref.pdf, q_ref.logpdf, low, high)
        np.testing.assert_allclose(kl_divergence(p, q).numpy(), expected, rtol=1e-7,
                                   err_msg=f"{type(p).__name__} || {type(q).__name__}")


def test_cross_family_kl_is_infinite_where_q_misses_mass_of_p():
    inf_pairs = [
        (Normal(f64([0.0, 1.0]), 1.0), Uniform(f64(-1.0), f64(1.0))),
        (Normal(f64([0.0, 1.0]), 1.0), Exponential(f64(1.0))),
        (Normal(f64([0.0, 1.0]), 1.0), Beta(f64(2.0), f64(2.0))),
        (Exponential(f64([1.0, 2.0])), Uniform(f64(0.0), f64(5.0))),
        (Exponential(f64([1.0, 2.0])), Beta(f64(2.0), f64(2.0))),
        (Beta(f64([2.0, 2.0]), f64(2.0)), Uniform(f64([0.1, 0.0]), f64([1.0, 0.9]))),
        (Uniform(f64([-0.1, 0.5]), f64([0.5, 1.1])), Beta(f64(2.0), f64(2.0))),
        (Uniform(f64([-0.1, -1.0]), f64([0.5, 1.0])), Exponential(f64(2.0))),
    ]
    for p, q in inf_pairs:
        result = kl_divergence(p, q)
        assert result.shape == (2,), (type(p).__name__, type(q).__name__)
        np.testing.assert_array_equal(result.numpy(), np.inf, err_msg=f"{type(p).__name__} || {type(q).__name__}")
    assert kl_divergence(Normal(mt.zeros(3), 1.0), Uniform(mt.zeros(2, 1), 1.0)).shape == (2, 3)


def test_cross_family_kl_is_differentiable():
    check_gradients(lambda a, b, loc, scale: kl_divergence(Beta(a, b), Normal(loc, scale)), [2.5], [1.5], [0.4], [1.3])
    check_gradients(lambda low, high, a, b: kl_divergence(Uniform(low, high), Beta(a, b)), [0.2], [0.7], [2.0], [3.0])
    check_gradients(lambda rate, loc, scale: kl_divergence(Exponential(rate), Normal(loc, scale)), [1.5], [0.4], [1.3])
