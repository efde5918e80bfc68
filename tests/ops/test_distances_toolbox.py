"""Distances, norms of parts and the trapezoidal rule: ``cdist pdist dist renorm frobenius_norm
nuclear_norm`` and ``trapezoid trapz cumulative_trapezoid``. Values against scipy.spatial.distance
and numpy, float64 gradients against central differences, dtypes and errors."""
import warnings

import numpy as np
import pytest
from scipy.spatial import distance

import microtensor as mt
from tests.strategies import check_gradients

RNG = np.random.default_rng(3)
X1 = RNG.normal(size=(3, 2))
X2 = RNG.normal(size=(4, 2))

# p, scipy metric and its options, scale (scipy's hamming is a fraction of the columns)
METRICS = [
    (0, "hamming", {}, 2), (1, "cityblock", {}, 1), (2, "euclidean", {}, 1), (3, "minkowski", {"p": 3}, 1),
    (float("inf"), "chebyshev", {}, 1),
]


@pytest.mark.parametrize("p, metric, options, scale", METRICS, ids=[m[1] for m in METRICS])
def test_cdist_and_pdist_match_scipy(p, metric, options, scale):
    expected = distance.cdist(X1, X2, metric, **options) * scale
    np.testing.assert_allclose(mt.cdist(mt.tensor(X1), mt.tensor(X2), p).numpy(), expected, rtol=1e-12)
    expected = distance.pdist(X2, metric, **options) * scale
    np.testing.assert_allclose(mt.pdist(mt.tensor(X2), p).numpy(), expected, rtol=1e-12)


@pytest.mark.parametrize("p", [1, 2, 3, float("inf")])
def test_cdist_pdist_dist_gradients(p):
    check_gradients(lambda a, b: mt.cdist(a, b, p), X1, X2)
    check_gradients(lambda a: mt.pdist(a, p), X2)
    check_gradients(lambda a, b: mt.dist(a, b, p), X1, X2[:3])


def test_cdist_batches_broadcast_and_equal_rows_have_zero_gradient():
    batch = RNG.normal(size=(2, 3, 2))
    result = mt.cdist(mt.tensor(batch), mt.tensor(X2[None]), compute_mode="use_mm_for_euclid_dist")
    for i in range(2):
        np.testing.assert_allclose(result[i].numpy(), distance.cdist(batch[i], X2), rtol=1e-12)
    x = mt.tensor(np.array([[1.0, 2.0], [1.0, 2.0]]), requires_grad=True)
    mt.pdist(x).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_cdist_and_pdist_errors():
    cases = [
        (lambda: mt.cdist(mt.ones(2, 3), mt.ones(2, 3), p=-1), RuntimeError, "non-negative p"),
        (lambda: mt.cdist(mt.ones(2, 3), mt.ones(2, 4)), RuntimeError, "same number of columns. X1: 3 X2: 4"),
        (lambda: mt.cdist(mt.ones(3), mt.ones(3)), RuntimeError, "at least 2D tensors, X1 got: 1D"),
        (lambda: mt.cdist(mt.ones(2, 3, dtype=mt.int64), mt.ones(2, 3)), RuntimeError, "floating-point dtypes"),
        (lambda: mt.cdist(mt.ones(2, 3), mt.ones(2, 3, dtype=mt.float64)), RuntimeError, "same dtype"),
        (lambda: mt.cdist(mt.ones(2, 3), mt.ones(2, 3), compute_mode="foo"), ValueError, "foo is not a valid"),
        (lambda: mt.pdist(mt.ones(2, 4, 3)), RuntimeError, "only supports 2D tensors, got: 3D"),
        (lambda: mt.pdist(mt.ones(4, 3), p=-1), RuntimeError, "non-negative p"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()
    assert mt.pdist(mt.ones(1, 3)).shape == (0,)


def test_dist_orders_dtypes_and_errors():
    ones, zeros = mt.ones(3), mt.zeros(2, 3)
    assert mt.dist(ones, zeros).item() == pytest.approx(6 ** 0.5)
    assert ones.dist(mt.zeros(3), 0).item() == 3 and ones.dist(mt.zeros(3), float("inf")).item() == 1
    assert mt.dist(ones, mt.zeros(3), -1).item() == pytest.approx(1 / 3)
    assert mt.dist(mt.ones(3, dtype=mt.int64), mt.zeros(3)).dtype == mt.float32
    with pytest.raises(RuntimeError, match="floating point"):
        mt.dist(mt.ones(3, dtype=mt.int64), mt.zeros(3, dtype=mt.int64))
    with pytest.raises(RuntimeError, match="do not broadcast"):
        mt.dist(mt.ones(3), mt.zeros(2))


def test_renorm_values_gradients_in_place_and_errors():
    x = np.arange(6.0).reshape(2, 3)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    expected = np.where(norms > 5, x * 5 / (norms + 1e-7), x)
    np.testing.assert_allclose(mt.renorm(mt.tensor(x), 2, 0, 5).numpy(), expected, rtol=1e-12)
    column_sums = np.abs(x).sum(0, keepdims=True)
    expected = np.where(column_sums > 3, x * 3 / (column_sums + 1e-7), x)
    np.testing.assert_allclose(mt.tensor(x).renorm(1, 1, 3).numpy(), expected, rtol=1e-12)
    check_gradients(lambda t: mt.renorm(t, 2, 0, 5), x + 0.1)
    check_gradients(lambda t: mt.renorm(t, 3, -1, 2), x + 0.1)
    target = mt.tensor(x)
    assert target.renorm_(2, 0, 5) is target and target.numpy()[1] @ target.numpy()[1] == pytest.approx(25, 1e-6)
    for args, message in [((-1, 1, 3), "non-positive-norm"), ((2, 1, -3), "maxnorm to be >= 0")]:
        with pytest.raises(RuntimeError, match=message):
            mt.renorm(mt.tensor(x), *args)
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        mt.renorm(mt.ones(3), 2, 0, 1)
    with pytest.raises(RuntimeError, match="floating point"):
        mt.renorm(mt.ones(2, 2, dtype=mt.int64), 2, 0, 1)
    with pytest.raises(IndexError):
        mt.renorm(mt.tensor(x), 2, 2, 1)


def test_frobenius_and_nuclear_norm():
    x = RNG.normal(size=(2, 2, 3))
    np.testing.assert_allclose(mt.frobenius_norm(mt.tensor(x), (1, 2)).numpy(),
                               np.sqrt((x * x).sum((1, 2))), rtol=1e-12)
    assert mt.frobenius_norm(mt.ones(2, 3), (0,), keepdim=True).shape == (1, 3)
    np.testing.assert_allclose(mt.nuclear_norm(mt.tensor(x)).numpy(), np.linalg.norm(x, "nuc", axis=(1, 2)),
                               rtol=1e-12)
    assert mt.nuclear_norm(mt.ones(2, 3), keepdim=True).shape == (1, 1)
    assert mt.nuclear_norm(mt.tensor(x), dim=(0, 2)).shape == (2,)


Y = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 9.0]])
SAMPLES = np.array([0.0, 1.0, 3.0])


@pytest.mark.parametrize("name", ["trapezoid", "trapz"])
def test_trapezoid_matches_numpy(name):
    rule = getattr(mt, name)
    np.testing.assert_allclose(rule(mt.tensor(Y)).numpy(), np.trapezoid(Y), rtol=1e-12)
    np.testing.assert_allclose(rule(mt.tensor(Y), dx=2.0).numpy(), np.trapezoid(Y, dx=2.0), rtol=1e-12)
    np.testing.assert_allclose(rule(mt.tensor(Y), dim=0).numpy(), np.trapezoid(Y, axis=0), rtol=1e-12)
    np.testing.assert_allclose(rule(mt.tensor(Y), mt.tensor(SAMPLES)).numpy(), np.trapezoid(Y, SAMPLES), rtol=1e-12)
    grid = np.array([[0.0, 1.0, 3.0], [0.0, 2.0, 3.0]])
    np.testing.assert_allclose(rule(mt.tensor(Y), mt.tensor(grid)).numpy(), np.trapezoid(Y, grid), rtol=1e-12)
    np.testing.assert_allclose(rule(mt.tensor(Y), mt.tensor([0.0, 1.0]), dim=0).numpy(),
                               np.trapezoid(Y, [0.0, 1.0], axis=0), rtol=1e-12)


def _cumulative(y, x):
    return np.cumsum(np.diff(x) * (y[..., 1:] + y[..., :-1]) / 2, axis=-1)


def test_cumulative_trapezoid_ends_at_trapezoid():
    np.testing.assert_allclose(mt.cumulative_trapezoid(mt.tensor(Y)).numpy(), _cumulative(Y, np.arange(3.0)))
    np.testing.assert_allclose(mt.cumulative_trapezoid(mt.tensor(Y), dx=2.0).numpy(),
                               _cumulative(Y, 2 * np.arange(3.0)))
    np.testing.assert_allclose(mt.cumulative_trapezoid(mt.tensor(Y), mt.tensor(SAMPLES)).numpy(),
                               _cumulative(Y, SAMPLES))
    np.testing.assert_allclose(mt.cumulative_trapezoid(mt.tensor(Y), dim=0).numpy(),
                               _cumulative(Y.T, np.arange(2.0)).T)


def test_trapezoid_gradients():
    check_gradients(lambda y: mt.trapezoid(y, dx=0.5), Y)
    check_gradients(lambda y, x: mt.trapezoid(y, x), Y, SAMPLES)
    check_gradients(lambda y, x: mt.cumulative_trapezoid(y, x, dim=0), Y, np.array([0.5, 2.0]))
    check_gradients(lambda y: mt.cumulative_trapezoid(y, dx=3.0), Y)


def test_trapezoid_dtypes_edges_and_errors():
    assert mt.trapezoid(mt.tensor(Y).long()).dtype == mt.float32
    assert mt.cumulative_trapezoid(mt.tensor(Y).long()).dtype == mt.float32
    assert mt.trapezoid(mt.ones(2, 0)).tolist() == [0.0, 0.0] and mt.trapezoid(mt.ones(2, 1)).tolist() == [0.0, 0.0]
    assert mt.cumulative_trapezoid(mt.ones(2, 1)).shape == (2, 0)
    assert mt.trapezoid(mt.tensor(Y), dx=mt.tensor(2.0)).tolist() == [9.0, 15.0]
    with pytest.raises(RuntimeError, match="one `x` value for each sample point"):
        mt.trapezoid(mt.tensor(Y), mt.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="does not broadcast"):
        mt.cumulative_trapezoid(mt.tensor(Y), mt.ones(2, 2, 3))
    with pytest.raises(TypeError, match="not both"):
        mt.trapezoid(mt.tensor(Y), mt.tensor(SAMPLES), dx=1.0)
    with pytest.raises(IndexError, match="no dimensions"):
        mt.trapezoid(mt.tensor(2.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.trapezoid(mt.tensor(Y), mt.tensor(SAMPLES))


def test_frobenius_norm_dims():
    assert mt.frobenius_norm(mt.ones(2, 3), 0).shape == (3,)
    with pytest.raises(RuntimeError, match="at most 2 dimensions"):
        mt.frobenius_norm(mt.ones(2, 3, 1), (0, 1, 2))
    check_gradients(lambda x: mt.nuclear_norm(x), X2)
    check_gradients(lambda x: mt.frobenius_norm(x, (0, 1)), X2)
