"""MultivariateNormal (three parameterisations) and Independent against scipy.stats and closed forms."""
import numpy as np
import pytest
from scipy import stats

import microtensor as mt
from microtensor.distributions import Independent, MultivariateNormal, Normal

from ..strategies import check_gradients

LOC = np.array([0.5, -1.0])
COVARIANCE = np.array([[2.0, 0.6], [0.6, 1.0]])
VALUES = np.array([[0.1, 0.3], [2.0, -1.5], [-0.4, 0.0]])


def f64(array):
    return mt.tensor(np.asarray(array, dtype=np.float64))


PARAMETERISATIONS = {
    "covariance_matrix": COVARIANCE, "precision_matrix": np.linalg.inv(COVARIANCE),
    "scale_tril": np.linalg.cholesky(COVARIANCE),
}


@pytest.mark.parametrize("name", PARAMETERISATIONS)
def test_multivariate_normal_matches_scipy_in_every_parameterisation(name):
    distribution = MultivariateNormal(f64(LOC), **{name: f64(PARAMETERISATIONS[name])})
    reference = stats.multivariate_normal(LOC, COVARIANCE)
    np.testing.assert_allclose(distribution.log_prob(f64(VALUES)).numpy(), reference.logpdf(VALUES), rtol=1e-10)
    np.testing.assert_allclose(distribution.entropy().numpy(), reference.entropy(), rtol=1e-10)
    np.testing.assert_allclose(distribution.covariance_matrix.numpy(), COVARIANCE, rtol=1e-10)
    np.testing.assert_allclose(distribution.precision_matrix.numpy(), np.linalg.inv(COVARIANCE), rtol=1e-10)
    np.testing.assert_allclose(distribution.scale_tril.numpy(), np.linalg.cholesky(COVARIANCE), rtol=1e-10)
    np.testing.assert_allclose(distribution.variance.numpy(), np.diag(COVARIANCE), rtol=1e-10)
    assert distribution.mean is distribution.loc and distribution.event_shape == mt.Size([2])


def test_multivariate_normal_rsample_is_loc_plus_scale_tril_times_noise_and_differentiable():
    def draw(loc, scale_tril):
        mt.manual_seed(11)
        return MultivariateNormal(loc, scale_tril=scale_tril.tril()).rsample((3,))

    factor = np.linalg.cholesky(COVARIANCE)
    check_gradients(draw, LOC, factor)
    check_gradients(lambda loc, factor: MultivariateNormal(loc, scale_tril=factor.tril()).log_prob(f64(VALUES)),
                    LOC, factor)
    mt.manual_seed(11)
    noise = mt.randn((3, 2), dtype=mt.float64).numpy()
    np.testing.assert_allclose(draw(f64(LOC), f64(factor)).numpy(), LOC + noise @ factor.T, rtol=1e-12)


def test_multivariate_normal_broadcasts_loc_against_batched_matrices():
    covariances = f64(np.stack([COVARIANCE, 2 * COVARIANCE, np.eye(2)]))
    distribution = MultivariateNormal(f64(LOC), covariances)
    assert distribution.batch_shape == mt.Size([3]) and distribution.loc.shape == (3, 2)
    assert distribution.sample((4,)).shape == (4, 3, 2) and distribution.entropy().shape == (3,)
    expected = [stats.multivariate_normal(LOC, c).logpdf(VALUES[0]) for c in covariances.numpy()]
    np.testing.assert_allclose(distribution.log_prob(f64(VALUES[0])).numpy(), expected, rtol=1e-10)
    assert distribution.expand((5, 3)).sample().shape == (5, 3, 2)


def test_independent_sums_log_prob_and_entropy_over_the_reinterpreted_dims():
    loc, scale = np.array([[0.0, 1.0], [2.0, -1.0]]), np.array([[1.0, 0.5], [2.0, 0.1]])
    distribution = Independent(Normal(f64(loc), f64(scale)), 1)
    assert distribution.batch_shape == mt.Size([2]) and distribution.event_shape == mt.Size([2])
    assert distribution.has_rsample and distribution.rsample((3,)).shape == (3, 2, 2)
    value = np.array([[0.5, 0.5], [1.0, -1.2]])
    np.testing.assert_allclose(distribution.log_prob(f64(value)).numpy(),
                               stats.norm(loc, scale).logpdf(value).sum(-1), rtol=1e-10)
    np.testing.assert_allclose(distribution.entropy().numpy(), stats.norm(loc, scale).entropy().sum(-1), rtol=1e-10)
    np.testing.assert_allclose(distribution.mean.numpy(), loc)
    np.testing.assert_allclose(distribution.variance.numpy(), scale**2)
    whole = Independent(Normal(f64(loc), f64(scale)), 2)
    assert whole.batch_shape == mt.Size([]) and whole.log_prob(f64(value)).shape == ()
    assert distribution.expand((4, 2)).sample().shape == (4, 2, 2)


@pytest.mark.parametrize("name", ["covariance_matrix", "precision_matrix"])
def test_log_prob_is_differentiable_through_the_matrix_factorisation(name):
    def log_prob(loc, matrix):
        return MultivariateNormal(loc, **{name: (matrix + matrix.mT) / 2}).log_prob(f64(VALUES))

    check_gradients(log_prob, LOC, COVARIANCE)


def test_the_package_loads_lazily_as_mt_distributions():
    assert mt.distributions.MultivariateNormal is MultivariateNormal
