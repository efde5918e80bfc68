"""Statistics and histograms: ``cov corrcoef quantile nanquantile`` and ``histc histogram bincount``.
Values against numpy (np.cov, np.corrcoef, np.quantile with method=, np.histogram, np.bincount),
float64 gradients against central differences, dtypes and errors."""
import warnings

import numpy as np
import pytest

import microtensor as mt
from tests.strategies import check_gradients

X = np.array([[0.0, 1.0, 2.0, 4.0], [1.0, 3.0, 2.5, 0.0], [2.0, 2.2, 5.0, 1.0]])
FWEIGHTS = np.array([1, 2, 1, 3])
AWEIGHTS = np.array([1.0, 0.5, 2.0, 1.0])


@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("weights", ["none", "f", "a", "both"])
def test_cov_matches_numpy(correction, weights):
    f = FWEIGHTS if weights in ("f", "both") else None
    a = AWEIGHTS if weights in ("a", "both") else None
    result = mt.cov(mt.tensor(X), correction=correction, fweights=None if f is None else mt.tensor(f),
                    aweights=None if a is None else mt.tensor(a))
    np.testing.assert_allclose(result.numpy(), np.cov(X, ddof=correction, fweights=f, aweights=a), rtol=1e-12)


def test_cov_and_corrcoef_gradients():
    check_gradients(lambda x: mt.cov(x), X)
    check_gradients(lambda x, w: mt.cov(x, correction=1, fweights=mt.tensor(FWEIGHTS), aweights=w), X, AWEIGHTS)
    check_gradients(mt.corrcoef, X)
    check_gradients(lambda x: x.cov(correction=0), X[0])


def test_cov_shapes_dtypes_and_degrees_of_freedom():
    assert mt.cov(mt.tensor(X[0])).item() == pytest.approx(np.cov(X[0]))
    assert mt.cov(mt.tensor(X).long()).dtype == mt.float32
    assert mt.cov(mt.tensor(X, dtype=mt.float32), aweights=mt.tensor(AWEIGHTS)).dtype == mt.float64
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert np.isnan(mt.cov(mt.ones(3, 1)).numpy()).all()
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0"):
        assert np.isinf(mt.cov(mt.tensor(X), correction=5).numpy()).all()


def test_cov_errors():
    x = mt.tensor(X)
    cases = [
        (dict(fweights=mt.tensor([1.0, 2.0, 1.0, 1.0])), "fweights to have integral dtype"),
        (dict(fweights=mt.tensor([1, -2, 1, 1])), "fweights cannot be negative"),
        (dict(fweights=mt.tensor([1, 2, 1])), "same numel as there are observations in the input but got 3 != 4"),
        (dict(fweights=mt.tensor([[1, 2, 1, 1]])), "one or fewer dimensions"),
        (dict(aweights=mt.tensor([1, 2, 1, 1])), "aweights to have floating point dtype"),
        (dict(aweights=mt.tensor([1.0, -2.0, 1.0, 1.0])), "aweights cannot be negative"),
    ]
    for options, message in cases:
        with pytest.raises(RuntimeError, match=message):
            mt.cov(x, **options)
    with pytest.raises(RuntimeError, match="two or fewer dimensions but got an input with 3"):
        mt.cov(mt.ones(2, 2, 2))
    with pytest.raises(TypeError, match="correction' must be int, not float"):
        mt.cov(x, correction=1.5)


def test_corrcoef_matches_numpy():
    np.testing.assert_allclose(mt.corrcoef(mt.tensor(X)).numpy(), np.corrcoef(X), rtol=1e-12)
    assert mt.tensor(X[0]).corrcoef().item() == 1.0
    assert mt.corrcoef(mt.tensor(X).long()).dtype == mt.float32
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(mt.corrcoef(mt.ones(2, 3)).numpy()).all()
    with pytest.raises(RuntimeError, match="two or fewer dimensions"):
        mt.corrcoef(mt.ones(2, 2, 2))


LEVELS = np.array([0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0])
METHODS = ["linear", "lower", "higher", "midpoint", "nearest"]


@pytest.mark.parametrize("method", METHODS)
def test_quantile_matches_numpy(method):
    x = mt.tensor(X)
    for dim in (None, 0, 1, -1):
        result = mt.quantile(x, mt.tensor(LEVELS), dim=dim, interpolation=method)
        np.testing.assert_allclose(result.numpy(), np.quantile(X, LEVELS, axis=dim, method=method), rtol=1e-12)
        kept = x.quantile(0.3, dim=dim, keepdim=True, interpolation=method)
        np.testing.assert_allclose(kept.numpy(), np.quantile(X, 0.3, axis=dim, keepdims=True, method=method))
    with_nan = X.copy()
    with_nan[1, 2] = np.nan
    result = mt.nanquantile(mt.tensor(with_nan), mt.tensor(LEVELS), dim=1, interpolation=method)
    np.testing.assert_allclose(result.numpy(), np.nanquantile(with_nan, LEVELS, axis=1, method=method), rtol=1e-12)


@pytest.mark.parametrize("method", METHODS)
def test_quantile_gradients(method):
    distinct = X + np.arange(12).reshape(3, 4) * 0.01  # no ties: sort has a kink at each tie
    check_gradients(lambda x: mt.quantile(x, mt.tensor([0.25, 0.6], dtype=mt.float64), dim=1,
                                          interpolation=method), distinct)
    check_gradients(lambda x: mt.nanquantile(x, 0.4, interpolation=method), distinct)


def test_quantile_nan_shapes_and_errors():
    with_nan = mt.tensor([[0.0, float("nan"), 2.0, 4.0], [float("nan")] * 4, [2.0, 2.0, 5.0, 1.0]])
    assert np.array_equal(mt.quantile(with_nan, 0.5, dim=1).numpy(), [np.nan, np.nan, 2.0], equal_nan=True)
    assert np.array_equal(mt.nanquantile(with_nan, 0.5, dim=1).numpy(), [2.0, np.nan, 2.0], equal_nan=True)
    assert mt.quantile(mt.tensor(X), mt.tensor([0.3, 0.5], dtype=mt.float64), dim=1, keepdim=True).shape == (2, 3, 1)
    assert mt.quantile(mt.tensor(X), mt.tensor([0.3, 0.5], dtype=mt.float64), keepdim=True).shape == (2, 1, 1)
    assert mt.quantile(mt.tensor(3.0), 0.5, dim=0, keepdim=True).shape == ()
    x = mt.ones(2, 3)
    cases = [
        (lambda: mt.quantile(x, mt.ones(1, 1) * 0.5), "scalar or 1D tensor"),
        (lambda: mt.quantile(x, 1.5), r"range \[0, 1\] but got 1.5"),
        (lambda: mt.quantile(x, mt.tensor([0.3, 1.5])), r"q values must be in the range \[0, 1\]"),
        (lambda: mt.quantile(x, mt.tensor([0.3], dtype=mt.float64)), "same dtype as the input"),
        (lambda: mt.quantile(x.long(), 0.3), "either float or double"),
        (lambda: mt.quantile(mt.ones(0), 0.3), "non-empty"),
        (lambda: mt.nanquantile(x, 0.3, interpolation="foo"), "nanquantile.*linear, lower, higher"),
    ]
    for call, message in cases:
        with pytest.raises(RuntimeError, match=message):
            call()
    with pytest.raises(IndexError):
        mt.quantile(x, 0.3, dim=2)


VALUES = np.array([1.0, 2.0, 1.0, 5.0, -1.0, 0.25, 3.0])


@pytest.mark.parametrize("bins, low, high", [(4, 0, 3), (3, 0, 0), (5, -1, 5), (1, 0, 10)])
def test_histc_matches_numpy_histogram(bins, low, high):
    expected_range = (VALUES.min(), VALUES.max()) if low == high else (low, high)
    expected, _ = np.histogram(VALUES, bins, range=expected_range)
    result = mt.histc(mt.tensor(VALUES), bins=bins, min=low, max=high)
    assert result.dtype == mt.float64 and result.tolist() == expected.tolist()


def test_histc_edges_and_errors():
    assert mt.histc(mt.tensor([1.0, 1.0, 1.0]), bins=3).tolist() == [0.0, 3.0, 0.0]
    assert mt.tensor([1.0, 2.0, 1.0]).histc(3).tolist() == [2.0, 0.0, 1.0]
    assert mt.histc(mt.ones(0), bins=3).tolist() == [0.0, 0.0, 0.0]
    assert not mt.histc(mt.tensor([1.0, 2.0], requires_grad=True)).requires_grad
    with pytest.raises(NotImplementedError, match="Long"):
        mt.histc(mt.tensor([1, 2]))
    with pytest.raises(RuntimeError, match="max must be larger than min"):
        mt.histc(mt.ones(2), bins=4, min=3, max=0)
    with pytest.raises(RuntimeError, match="not finite"):
        mt.histc(mt.tensor([1.0, float("inf")]), bins=4)
    with pytest.raises(RuntimeError, match="bins must be > 0"):
        mt.histc(mt.ones(2), bins=0)


@pytest.mark.parametrize("bins", [4, 1, [0.0, 1.0, 2.5, 3.0], [-2.0, 0.0, 6.0]])
@pytest.mark.parametrize("density", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_histogram_matches_numpy(bins, density, weighted):
    weights = np.linspace(0.5, 2.0, VALUES.size) if weighted else None
    options = dict(density=density, weight=None if weights is None else mt.tensor(weights))
    if isinstance(bins, int):
        result = mt.histogram(mt.tensor(VALUES), bins, range=(0.0, 3.0), **options)
        expected = np.histogram(VALUES, bins, range=(0.0, 3.0), weights=weights, density=density)
    else:
        result = mt.histogram(mt.tensor(VALUES), mt.tensor(np.array(bins)), **options)
        expected = np.histogram(VALUES, bins, weights=weights, density=density)
    np.testing.assert_allclose(result.hist.numpy(), expected[0], rtol=1e-12)
    np.testing.assert_allclose(result.bin_edges.numpy(), expected[1], rtol=1e-12)


def test_histogram_defaults_and_errors():
    hist, edges = mt.tensor([[1.0, 2.0], [1.0, 5.0]]).histogram(3)
    expected = np.histogram([1.0, 2.0, 1.0, 5.0], 3)
    assert hist.tolist() == expected[0].tolist() and np.allclose(edges.numpy(), expected[1])
    assert mt.histogram(mt.tensor([1.0, 1.0, 1.0]), 3).bin_edges.tolist() == pytest.approx([0.5, 5 / 6, 7 / 6, 1.5])
    assert mt.histogram(mt.tensor([1.0, float("nan")]), 3, range=(0.0, 3.0)).hist.tolist() == [0.0, 1.0, 0.0]
    x = mt.tensor([1.0, 2.0, 1.0])
    cases = [
        (lambda: mt.histogram(x, mt.tensor([0.0, 2.0, 1.0])), RuntimeError, "increase monotonically"),
        (lambda: mt.histogram(x, 3, range=(3.0, 0.0)), RuntimeError, "min should not exceed max"),
        (lambda: mt.histogram(x, 3, weight=mt.tensor([1.0, 2.0])), RuntimeError, "same shape"),
        (lambda: mt.histogram(x, 3, weight=mt.tensor([1, 2, 3])), RuntimeError, "same dtype"),
        (lambda: mt.histogram(x, mt.tensor([0.0, 1.0], dtype=mt.float64)), RuntimeError, "same dtype"),
        (lambda: mt.histogram(x, mt.tensor([1.0])), RuntimeError, "bins must be > 0"),
        (lambda: mt.histogram(mt.tensor([1, 2]), 3), NotImplementedError, "Long"),
        (lambda: mt.histogram(mt.tensor([1.0, float("nan")]), 3), RuntimeError, "not finite"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


def test_bincount_matches_numpy():
    values = np.array([0, 1, 1, 3, 7, 1])
    weights = np.linspace(-1.0, 2.0, values.size)
    assert mt.bincount(mt.tensor(values)).tolist() == np.bincount(values).tolist()
    assert mt.tensor(values).bincount(minlength=10).tolist() == np.bincount(values, minlength=10).tolist()
    np.testing.assert_allclose(mt.bincount(mt.tensor(values), mt.tensor(weights)).numpy(),
                               np.bincount(values, weights))
    assert mt.bincount(mt.tensor(values)).dtype == mt.int64
    assert mt.bincount(mt.tensor(values), mt.tensor(weights, dtype=mt.float32)).dtype == mt.float32
    assert mt.bincount(mt.tensor(values), mt.tensor(values)).dtype == mt.float64
    assert mt.bincount(mt.tensor(values, dtype=mt.uint8)).tolist() == np.bincount(values).tolist()
    assert mt.bincount(mt.tensor([], dtype=mt.int64)).shape == (0,)


def test_bincount_errors():
    cases = [
        (lambda: mt.bincount(mt.tensor([0, -1])), RuntimeError, "1-d non-negative integral"),
        (lambda: mt.bincount(mt.tensor([[0, 1]])), RuntimeError, "1-d non-negative integral"),
        (lambda: mt.bincount(mt.tensor([0.0, 1.0])), NotImplementedError, "Float"),
        (lambda: mt.bincount(mt.tensor([True])), NotImplementedError, "Bool"),
        (lambda: mt.bincount(mt.tensor([0, 1]), minlength=-1), RuntimeError, "minlength should be >= 0"),
        (lambda: mt.bincount(mt.tensor([0, 1]), mt.tensor([1.0])), RuntimeError, "same length as input"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message):
            call()


@pytest.mark.parametrize("name, fn", [
    ("cov", lambda x: mt.cov(x)), ("corrcoef", mt.corrcoef), ("quantile", lambda x: mt.quantile(x, 0.3, dim=1)),
    ("cdist", lambda x: mt.cdist(x, x[:1] * 2)), ("vander", lambda x: mt.vander(x[0])),
])
def test_second_derivatives(name, fn):
    distinct = X[:2, :3] + np.arange(6).reshape(2, 3) * 0.01
    assert mt.autograd.gradgradcheck(fn, (mt.tensor(distinct, requires_grad=True),))
