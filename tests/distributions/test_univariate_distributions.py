"""Normal, Uniform, Exponential, Bernoulli, Categorical and OneHotCategorical against scipy.stats and closed forms."""
import math

import numpy as np
import pytest
from scipy import stats

import microtensor as mt
from microtensor.distributions import Bernoulli, Beta, Categorical, Exponential, Normal, OneHotCategorical, Uniform

from ..strategies import check_gradients

LOC = np.array([0.5, -1.0, 2.0])
SCALE = np.array([1.5, 0.3, 2.0])
VALUE = np.array([0.1, -0.7, 3.0])


def f64(array):
    return mt.tensor(np.asarray(array, dtype=np.float64))


# (distribution, scipy counterpart, points inside the support)
CONTINUOUS = [
    (lambda: Normal(f64(LOC), f64(SCALE)), stats.norm(LOC, SCALE), VALUE),
    (lambda: Uniform(f64(LOC - SCALE), f64(LOC + SCALE)), stats.uniform(LOC - SCALE, 2 * SCALE), VALUE.clip(LOC - SCALE, LOC + SCALE - 1e-3)),
    (lambda: Exponential(f64(SCALE)), stats.expon(scale=1 / SCALE), np.abs(VALUE)),
]


@pytest.mark.parametrize("make, reference, value", CONTINUOUS, ids=["normal", "uniform", "exponential"])
def test_continuous_statistics_match_scipy(make, reference, value):
    distribution = make()
    np.testing.assert_allclose(distribution.log_prob(f64(value)).numpy(), reference.logpdf(value), rtol=1e-10)
    np.testing.assert_allclose(distribution.cdf(f64(value)).numpy(), reference.cdf(value), rtol=1e-10)
    np.testing.assert_allclose(distribution.icdf(f64([0.2, 0.5, 0.9])).numpy(), reference.ppf([0.2, 0.5, 0.9]),
                               rtol=1e-8)
    np.testing.assert_allclose(distribution.entropy().numpy(), reference.entropy(), rtol=1e-10)
    np.testing.assert_allclose(distribution.mean.numpy(), reference.mean(), rtol=1e-10)
    np.testing.assert_allclose(distribution.variance.numpy(), reference.var(), rtol=1e-10)
    np.testing.assert_allclose(distribution.stddev.numpy(), reference.std(), rtol=1e-10)


@pytest.mark.parametrize("make, noise", [
    (lambda loc, scale: Normal(loc, scale), lambda shape: mt.randn(shape, dtype=mt.float64)),
    (lambda low, width: Uniform(low, low + width), lambda shape: mt.rand(shape, dtype=mt.float64)),
], ids=["normal", "uniform"])
def test_rsample_is_the_reparameterised_expression_and_differentiable(make, noise):
    first, second = LOC, SCALE

    def draw(a, b):
        mt.manual_seed(3)
        return make(a, b).rsample((2,))

    check_gradients(draw, first, second)
    mt.manual_seed(3)
    eps = noise((2, 3)).numpy()
    np.testing.assert_allclose(draw(f64(first), f64(second)).numpy(), first + eps * second, rtol=1e-12)


def test_exponential_rsample_divides_standard_noise_by_the_rate():
    def draw(rate):
        mt.manual_seed(5)
        return Exponential(rate).rsample((2,))

    check_gradients(draw, SCALE)
    mt.manual_seed(5)
    eps = mt.empty((2, 3), dtype=mt.float64).exponential_().numpy()
    np.testing.assert_allclose(draw(f64(SCALE)).numpy(), eps / SCALE, rtol=1e-12)


def test_log_prob_and_entropy_are_differentiable_in_the_parameters():
    check_gradients(lambda loc, scale: Normal(loc, scale).log_prob(f64(VALUE)) + Normal(loc, scale).entropy(), LOC, SCALE)
    check_gradients(lambda logits: Bernoulli(logits=logits).log_prob(f64([1.0, 0.0, 1.0])), LOC)
    check_gradients(lambda logits: Categorical(logits=logits).entropy(), np.array([[0.2, -0.4, 1.0], [1.0, 0.0, 0.5]]))


def test_sample_shapes_are_sample_then_batch_then_event():
    batch = Normal(mt.zeros(2, 3), 1.0)
    assert batch.sample((4, 5)).shape == (4, 5, 2, 3) and batch.rsample().shape == (2, 3)
    assert Normal(0.0, 1.0).sample().shape == () and Normal(0.0, 1.0).batch_shape == mt.Size([])
    assert Bernoulli(mt.full((2,), 0.5)).sample((3,)).shape == (3, 2)
    assert Categorical(mt.ones(2, 4)).sample((3,)).shape == (3, 2)
    assert Categorical(mt.ones(4)).sample().shape == ()
    one_hot = OneHotCategorical(mt.ones(2, 4))
    assert one_hot.sample((3,)).shape == (3, 2, 4) and one_hot.event_shape == mt.Size([4])
    assert Uniform(0.0, mt.ones(3)).sample((2,)).shape == (2, 3)
    assert Normal(mt.zeros(1, 3), 1.0).expand((2, 3)).sample((4,)).shape == (4, 2, 3)


def test_sampling_is_reproducible_with_manual_seed_and_sample_is_detached():
    loc = mt.zeros(3, requires_grad=True)
    mt.manual_seed(7)
    first = Normal(loc, 1.0).sample((2,))
    mt.manual_seed(7)
    second = Normal(loc, 1.0).sample((2,))
    assert not first.requires_grad and np.array_equal(first.numpy(), second.numpy())


def test_bernoulli_matches_scipy_and_its_two_parameterisations_agree():
    probs = np.array([0.1, 0.5, 0.8])
    from_probs, from_logits = Bernoulli(f64(probs)), Bernoulli(logits=f64(np.log(probs / (1 - probs))))
    value = np.array([1.0, 0.0, 0.0])
    for distribution in (from_probs, from_logits):
        np.testing.assert_allclose(distribution.log_prob(f64(value)).numpy(), stats.bernoulli(probs).logpmf(value))
        np.testing.assert_allclose(distribution.entropy().numpy(), stats.bernoulli(probs).entropy())
        np.testing.assert_allclose(distribution.probs.numpy(), probs)
        np.testing.assert_allclose(distribution.variance.numpy(), probs * (1 - probs))
    np.testing.assert_array_equal(from_probs.mode.numpy(), [0.0, np.nan, 1.0])
    assert from_probs.enumerate_support().shape == (2, 3)


def test_categorical_normalises_its_parameters_as_pytorch():
    weights = np.array([[1.0, 2.0, 5.0], [3.0, 3.0, 2.0]])
    from_probs = Categorical(f64(weights))
    from_logits = Categorical(logits=f64(np.log(weights) + 4.0))
    probs = weights / weights.sum(-1, keepdims=True)
    for distribution in (from_probs, from_logits):
        np.testing.assert_allclose(distribution.probs.numpy(), probs)
        np.testing.assert_allclose(distribution.logits.numpy(), np.log(probs))
        np.testing.assert_allclose(distribution.log_prob(mt.tensor([2, 0])).numpy(), np.log(probs[[0, 1], [2, 0]]))
        np.testing.assert_allclose(distribution.entropy().numpy(), stats.entropy(probs, axis=-1))
        assert distribution.mode.tolist() == [2, 0] and distribution.batch_shape == mt.Size([2])
    assert math.isnan(from_probs.mean[0]) and from_probs.enumerate_support().tolist() == [[0, 0], [1, 1], [2, 2]]


def test_categorical_samples_follow_the_probabilities():
    mt.manual_seed(0)
    samples = Categorical(mt.tensor([0.1, 0.2, 0.7])).sample((4000,)).numpy()
    assert samples.dtype == np.int64
    np.testing.assert_allclose(np.bincount(samples, minlength=3) / 4000, [0.1, 0.2, 0.7], atol=0.03)


def test_one_hot_categorical_scores_one_hot_vectors():
    probs = np.array([0.2, 0.3, 0.5])
    distribution = OneHotCategorical(f64(probs))
    mt.manual_seed(1)
    sample = distribution.sample((5,))
    assert sample.sum(-1).tolist() == [1.0] * 5
    np.testing.assert_allclose(distribution.log_prob(sample).numpy(), np.log(probs[sample.numpy().argmax(-1)]))
    np.testing.assert_allclose(distribution.entropy().item(), stats.entropy(probs))
    assert distribution.mode.tolist() == [0.0, 0.0, 1.0] and distribution.enumerate_support().shape == (3, 3)


@pytest.mark.parametrize("make", [Bernoulli, Categorical], ids=["bernoulli", "categorical"])
def test_sampling_first_keeps_the_gradient_of_probs_derived_from_logits(make):
    def entropy_gradient(sample_first):
        logits = mt.tensor([0.3, -0.2, 1.0], requires_grad=True)
        distribution = make(logits=logits)
        if sample_first:
            distribution.sample()
        distribution.entropy().sum().backward()
        return logits.grad.numpy()

    np.testing.assert_allclose(entropy_gradient(True), entropy_gradient(False))
    assert np.abs(entropy_gradient(False)).sum() > 0


def test_beta_matches_scipy_and_samples_reproducibly():
    a, b, x = np.array([0.5, 2.0, 3.0]), np.array([1.5, 2.0, 0.7]), np.array([0.2, 0.5, 0.9])
    distribution, reference = Beta(f64(a), f64(b)), stats.beta(a, b)
    np.testing.assert_allclose(distribution.log_prob(f64(x)).numpy(), reference.logpdf(x), rtol=1e-10)
    np.testing.assert_allclose(distribution.entropy().numpy(), reference.entropy(), rtol=1e-10)
    np.testing.assert_allclose(distribution.mean.numpy(), reference.mean(), rtol=1e-12)
    np.testing.assert_allclose(distribution.variance.numpy(), reference.var(), rtol=1e-12)
    check_gradients(lambda a, b: Beta(a, b).log_prob(f64(x)) + Beta(a, b).entropy(), a, b)
    np.testing.assert_allclose(Beta(f64([2.0, 0.5, 0.5]), f64([3.0, 0.5, 2.0])).mode.numpy(), [1 / 3, 1.0, 0.0])
    mt.manual_seed(2)
    draws = distribution.sample((2000,))
    mt.manual_seed(2)
    assert draws.shape == (2000, 3) and np.array_equal(draws.numpy(), distribution.sample((2000,)).numpy())
    np.testing.assert_allclose(draws.numpy().mean(0), reference.mean(), atol=0.03)


def implicit_beta_gradient(a, b, x, which, step=1e-6):
    """-dF/d(concentration) / pdf at x, by central differences on scipy's regularised incomplete beta F
    (above the median on 1 - F(x; a, b) = F(1 - x; b, a), which keeps its precision there)."""
    from scipy import special

    lower = x < special.betaincinv(a, b, 0.5)

    def cdf(a, b):
        return np.where(lower, special.betainc(a, b, x), -special.betainc(b, a, 1 - x))

    if which == 0:
        dF = (cdf(a + step, b) - cdf(a - step, b)) / (2 * step)
    else:
        dF = (cdf(a, b + step) - cdf(a, b - step)) / (2 * step)
    return -dF / stats.beta.pdf(x, a, b)


def test_beta_rsample_has_implicit_reparameterisation_gradients():
    a = mt.tensor([0.3, 2.0, 40.0], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([1.5, 2.0, 5.0], dtype=mt.float64, requires_grad=True)
    assert Beta.has_rsample
    mt.manual_seed(3)
    x = Beta(a, b).rsample((4,))
    mt.manual_seed(3)
    np.testing.assert_array_equal(x.detach().numpy(), Beta(a, b).sample((4,)).numpy())
    direction = np.random.default_rng(0).normal(size=x.shape)
    (x * f64(direction)).sum().backward()
    draws, a_, b_ = x.detach().numpy(), a.detach().numpy(), b.detach().numpy()
    for which, leaf in ((0, a), (1, b)):
        expected = (direction * implicit_beta_gradient(a_, b_, draws, which)).sum(0)
        np.testing.assert_allclose(leaf.grad.numpy(), expected, rtol=1e-6)


def test_beta_sample_gradient_is_accurate_from_tail_to_tail():
    """At quantiles from 1e-6 to 1 - 1e-6 and concentrations from 0.05 to 1000 (both tails keep precision)."""
    from scipy import special
    from microtensor.distributions._beta_sample_gradient import beta_sample_gradients
    a, b, u = np.meshgrid([0.05, 0.7, 3.0, 1000.0], [0.05, 1.0, 30.0, 1000.0], [1e-6, 0.1, 0.5, 0.9, 1 - 1e-6])
    x = special.betaincinv(a, b, u)
    keep = (x > 1e-250) & (x < 1 - 1e-12)  # where the central differences themselves are meaningful
    da, db = beta_sample_gradients(a[keep], b[keep], x[keep])
    step_a, step_b = 1e-5 * np.minimum(a[keep], 1), 1e-5 * np.minimum(b[keep], 1)
    np.testing.assert_allclose(da, implicit_beta_gradient(a[keep], b[keep], x[keep], 0, step_a), rtol=1e-5)
    np.testing.assert_allclose(db, implicit_beta_gradient(a[keep], b[keep], x[keep], 1, step_b), rtol=1e-5)


def test_beta_rsample_mean_gradient_and_first_order_only():
    """E[dx/da] = d E[x] / da = b / (a + b)^2: a Monte Carlo check of the whole path, in float32 too."""
    a = mt.tensor(2.0, requires_grad=True)
    mt.manual_seed(0)
    x = Beta(a, mt.tensor(3.0)).rsample((20000,))
    assert x.dtype == mt.float32
    x.mean().backward()
    assert abs(a.grad.item() - 3 / 25) < 0.005
    x = Beta(a, 3.0).rsample((3,))
    (gradient,) = mt.autograd.grad(x.sum(), (a,), create_graph=True)
    with pytest.raises(RuntimeError, match="second derivative"):
        gradient.backward()


def test_beta_rsample_gradient_for_one_concentration_only():
    a, b = mt.tensor([0.7, 3.0], dtype=mt.float64, requires_grad=True), mt.tensor([2.0, 0.4], dtype=mt.float64)
    mt.manual_seed(1)
    x = Beta(a, b).rsample((3,))
    x.sum().backward()
    draws = x.detach().numpy()
    np.testing.assert_allclose(a.grad.numpy(), implicit_beta_gradient(a.detach().numpy(), b.numpy(), draws, 0).sum(0),
                               rtol=1e-6)
    assert b.grad is None
