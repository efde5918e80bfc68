"""Reductions, softmax, scans and joining at their edges: zeros, nan and inf in ``prod``, NaN and
ties in ``max()``, ``keepdim`` of the pairs, empty dims and empty lists, inf lanes of softmax.

Expected values are closed forms written here (or central differences), not another library's output.
"""
import numpy as np
import pytest

import microtensor as mt

INF, NAN = float("inf"), float("nan")


def _grad(fn, values, upstream=None):
    """``fn(values)`` and the gradient of ``sum(upstream * fn(values))`` (upstream ones by default)."""
    x = mt.tensor(values, dtype=mt.float64, requires_grad=True)
    out = fn(x)
    out.backward(mt.ones_like(out) if upstream is None else mt.tensor(np.broadcast_to(upstream, out.shape)))
    return out.detach().numpy(), x.grad.numpy()


def _others(row):
    """prod_{j != i} x_j for each i, multiplied out one by one (IEEE: 0 * inf is nan)."""
    row = np.asarray(row, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return np.array([np.prod(np.delete(row, i)) for i in range(row.size)])


# ------------------------------------------------------------------ prod
@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": -1, "keepdim": True}])
@pytest.mark.parametrize("row, expected", [
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),          # one zero: the product of the others there, 0 elsewhere
    ([0.0, 0.0, 3.0], [0.0, 0.0, 0.0]),          # two zeros: every product of the others holds a zero
    ([2.0, 0.0, -0.5, 4.0], [0.0, -4.0, 0.0, 0.0]),
])
def test_prod_gradient_at_zeros_is_the_product_of_the_others(kwargs, row, expected):
    _, grad = _grad(lambda t: t.prod(**kwargs), row)
    np.testing.assert_array_equal(grad, expected)
    np.testing.assert_array_equal(grad, _others(row))
    leaf = mt.tensor(row, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: t.prod(**kwargs), (leaf,))


def test_prod_gradient_at_zeros_along_a_dim_of_a_matrix():
    rows = [[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.5, -2.0, 4.0]]
    _, grad = _grad(lambda t: t.prod(1), rows)
    np.testing.assert_array_equal(grad, [_others(r) for r in rows])
    _, grad = _grad(lambda t: t.prod(), rows)
    np.testing.assert_array_equal(grad, np.zeros((3, 3)))  # three zeros in all: all 0
    leaf = mt.tensor(rows, dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: t.prod(0), (leaf,))


def test_prod_gradient_with_nan_and_inf_and_no_warning():
    # no zero anywhere: p / x_i, so an inf element gets inf / inf = nan and a nan spreads to all
    out, grad = _grad(lambda t: t.prod(), [2.0, INF, 3.0])
    assert out == INF
    np.testing.assert_array_equal(grad, [INF, NAN, INF])
    _, grad = _grad(lambda t: t.prod(0), [2.0, NAN, 3.0])
    assert np.isnan(grad).all()
    # with a zero: the exact products of the others, 0 * inf and 0 * nan being nan
    for row in ([0.0, INF, 3.0], [0.0, NAN, 3.0]):
        for fn in (lambda t: t.prod(), lambda t: t.prod(0)):
            out, grad = _grad(fn, row)
            assert np.isnan(out)
            np.testing.assert_array_equal(grad, _others(row))
    _, grad = _grad(lambda t: t.prod(), [0.0, 0.0, NAN])  # every element, two zeros: all 0
    np.testing.assert_array_equal(grad, [0.0, 0.0, 0.0])
    _, grad = _grad(lambda t: t.prod(0), [0.0, 0.0, NAN])  # along a dim: the products of the others
    np.testing.assert_array_equal(grad, _others([0.0, 0.0, NAN]))
    assert mt.tensor([1e200, 1e200], dtype=mt.float64).prod().item() == INF  # overflow: inf, no warning


# --------------------------------------------------------- max() / min()
@pytest.mark.parametrize("name", ["max", "min"])
def test_full_max_min_share_the_gradient_among_ties_and_among_nans(name):
    out, grad = _grad(lambda t: getattr(t, name)(), [[3.0, 1.0], [1.0, 3.0]])
    np.testing.assert_array_equal(grad, [[0.5, 0], [0, 0.5]] if name == "max" else [[0, 0.5], [0.5, 0]])
    out, grad = _grad(lambda t: getattr(t, name)(), [1.0, NAN, 3.0])
    assert np.isnan(out)
    np.testing.assert_array_equal(grad, [0.0, 1.0, 0.0])  # NaN == NaN counts: the NaN is the extremum
    out, grad = _grad(lambda t: getattr(t, name)(), [NAN, 2.0, NAN])
    np.testing.assert_array_equal(grad, [0.5, 0.0, 0.5])
    assert getattr(mt.tensor([1, 5, 3]), name)().dtype == mt.int64
    y = getattr(mt.tensor([1.0, 2.0], requires_grad=True), name)()
    assert y.shape == () and y.grad_fn.name() == f"{name.capitalize()}Backward"


def test_amax_of_a_nan_slice_has_a_nan_gradient_unlike_max():
    _, grad = _grad(lambda t: t.amax(1), [[1.0, NAN, 3.0], [2.0, 2.0, 1.0]])
    assert np.isnan(grad[0]).all()
    np.testing.assert_array_equal(grad[1], [0.5, 0.5, 0.0])


def test_full_max_under_create_graph():
    """d/dx (max(x) sum(x)) = [x_i == max] / #ties * sum(x) + max(x); its derivative in x_j is
    [x_i == max] / #ties + [x_j == max] / #ties."""
    x = mt.tensor([1.0, 3.0, 3.0], dtype=mt.float64, requires_grad=True)
    (first,) = mt.autograd.grad(x.max() * x.sum(), x, create_graph=True)
    np.testing.assert_allclose(first.detach().numpy(), [3.0, 6.5, 6.5])
    (second,) = mt.autograd.grad(first[0], x)
    np.testing.assert_allclose(second.numpy(), [0.0, 0.5, 0.5])


# ------------------------------------------------------ keepdim of the pairs
def test_aminmax_keepdim_without_dim_keeps_every_dim():
    x = mt.tensor([[1.0, 4.0, 4.0], [-2.0, 0.0, -2.0]], dtype=mt.float64, requires_grad=True)
    low, high = mt.aminmax(x, keepdim=True)
    assert low.shape == high.shape == (1, 1) and (low.item(), high.item()) == (-2.0, 4.0)
    (low + 2 * high).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[0, 1, 1], [0.5, 0, 0.5]])
    low, high = mt.aminmax(x, dim=-1, keepdim=True)
    assert low.shape == high.shape == (2, 1)
    assert mt.aminmax(x).min.shape == ()
    assert mt.aminmax(mt.tensor(3.0), keepdim=True).max.shape == ()


@pytest.mark.parametrize("name", ["std_mean", "var_mean"])
def test_std_var_mean_keepdim_without_dim_keeps_every_dim(name):
    data = np.array([[1.0, 4.0, 2.0], [-2.0, 0.0, 5.0]])
    spread, mean = getattr(mt, name)(mt.tensor(data), keepdim=True)
    assert spread.shape == mean.shape == (1, 1)
    expected = data.var(ddof=1) if name == "var_mean" else data.std(ddof=1)
    np.testing.assert_allclose([spread.item(), mean.item()], [expected, data.mean()])
    spread, mean = getattr(mt, name)(mt.tensor(data), 1, keepdim=True)
    assert spread.shape == mean.shape == (2, 1)
    spread, mean = getattr(mt, name)(mt.tensor(data), False)  # the (input, unbiased) overload
    assert mean.shape == () and mean.item() == pytest.approx(data.mean())
    leaf = mt.tensor(data, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: sum(r.sum() for r in getattr(mt, name)(t, 0, keepdim=True)), (leaf,))


# ------------------------------------------------------------------ empty
def test_aminmax_of_nothing_is_an_error():
    with pytest.raises(RuntimeError, match=r"aminmax\(\): cannot compute aminmax over an empty dimension"):
        mt.aminmax(mt.zeros(2, 0))
    with pytest.raises(IndexError, match=r"aminmax: Expected reduction dim 1 to have non-zero size\."):
        mt.aminmax(mt.zeros(2, 0), dim=1)
    assert mt.aminmax(mt.zeros(2, 0), dim=0).max.shape == (0,)


def test_scans_of_empty_tensors_and_empty_lists():
    for op in (mt.cummax, mt.cummin):
        for shape in [(0,), (2, 0), (0, 3)]:
            values, indices = op(mt.zeros(shape), 0)
            assert values.shape == indices.shape == shape and indices.dtype == mt.int64
    with pytest.raises(ValueError, match=r"mt\.cat\(\): expected a non-empty list of Tensors"):
        mt.cat([])
    with pytest.raises(RuntimeError, match=r"stack\(\): expected a non-empty list"):
        mt.stack([])


def test_nanmean_refuses_integers_like_pytorch():
    for dtype, name in [(mt.int64, "Long"), (mt.bool, "Bool")]:
        with pytest.raises(RuntimeError, match=rf"nanmean\(\): expected input to have floating point or complex "
                                               rf"dtype but got {name}"):
            mt.nanmean(mt.ones(3, dtype=dtype))
    assert mt.nansum(mt.ones(3, dtype=mt.bool)).dtype == mt.int64
    assert mt.nanmean(mt.tensor([1.0, NAN, 2.0]), dtype=mt.float64).dtype == mt.float64


# ---------------------------------------------------------- softmax lanes
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_lanes_with_plus_inf_or_only_minus_inf_are_nan(name):
    rows = [[1.0, INF], [-INF, -INF], [-INF, INF], [1.0, -INF]]
    out, grad = _grad(lambda t: getattr(mt, name)(t, 1), rows, upstream=[1.0, 0.0])
    assert np.isnan(out[:3]).all() and np.isnan(grad[:3]).all()
    assert out[3].tolist() == ([1.0, 0.0] if name == "softmax" else [0.0, -INF])
    assert not np.isnan(grad[3]).any()
    assert getattr(mt, name)(mt.zeros(2, 0), 1).shape == (2, 0)  # an empty lane: no log 0 warning


def test_logsumexp_of_infinite_lanes():
    out, grad = _grad(lambda t: mt.logsumexp(t, 1), [[1.0, INF], [-INF, -INF], [1.0, -INF]])
    assert out.tolist() == [INF, -INF, 1.0]
    assert grad[0, 0] == 0 and np.isnan(grad[0, 1]) and np.isnan(grad[1]).all()
    np.testing.assert_array_equal(grad[2], [1.0, 0.0])


# ------------------------------------------------ infinities, quietly
def test_reductions_of_opposite_infinities_are_nan_without_warnings():
    x = mt.tensor([[INF, -INF, 1.0], [2.0, 3.0, INF]], dtype=mt.float64)
    assert np.isnan(x.sum().item()) and np.isnan(x.mean().item())
    assert np.isnan(x.sum(1)[0].item()) and x.sum(1)[1].item() == INF
    assert np.isnan(mt.nansum(x, 1)[0].item())
    assert np.isnan(x.var(1)).all().item() and np.isnan(x.std()).item()
    assert mt.tensor([1e308, 1e308], dtype=mt.float64).sum().item() == INF
    out, grad = _grad(lambda t: t.var(1), [[INF, 1.0], [1.0, 3.0]])
    # d var / dx = 2 (x - mean) / (n - 1), with mean = inf: [inf - inf, 1 - inf] in the first row
    assert np.isnan(grad[0, 0]) and grad[0, 1] == -INF and grad[1].tolist() == [-2.0, 2.0]
    out, grad = _grad(lambda t: t.cumprod(0), [0.0, INF, 2.0])
    assert np.isnan(out[1:]).all()
    assert np.isnan(mt.quantile(mt.tensor([INF, -INF], dtype=mt.float64), 0.5)).item()  # -inf + (inf + inf) / 2


def test_gradients_of_one_element_pass_through_at_nan_and_inf():
    """p = x for a 0-d prod, a one-element cumprod and a 0-d logcumsumexp: dp/dx = 1, even where x is
    nan or inf."""
    for value in (NAN, INF, 0.0):
        assert _grad(lambda t: t.prod(), value)[1] == 1.0
        assert _grad(lambda t: t.cumprod(0), value)[1] == 1.0
        assert _grad(lambda t: t.cumprod(0), [value])[1].tolist() == [1.0]
        assert _grad(lambda t: t.logcumsumexp(0), value)[1] == 1.0


def test_std_var_of_nothing_have_an_empty_gradient():
    for op in (mt.std, mt.var):
        x = mt.zeros(0, dtype=mt.float64, requires_grad=True)
        with pytest.warns(UserWarning, match="degrees of freedom"):
            out = op(x)
        assert np.isnan(out.item())
        out.backward()
        assert x.grad.shape == (0,)


def test_mean_kthvalue_and_nanmean_argument_errors_follow_pytorch():
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype\. Optional dtype must be either "
                                           r"a floating point or complex dtype\. Got: Long"):
        mt.mean(mt.tensor([1.0, NAN]), dtype=mt.int64)
    with pytest.raises(RuntimeError, match=r"nanmean\(\): could not infer output dtype\. Optional dtype .* Got: Long"):
        mt.nanmean(mt.tensor([1.0, NAN]), dtype=mt.int64)
    with pytest.raises(IndexError, match=r"kthvalue\(\): Expected reduction dim 0 to have non-zero size\."):
        mt.kthvalue(mt.zeros(0), 1, 0)
    assert mt.mean(mt.tensor([1, 2]), dtype=mt.float64).item() == 1.5


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
def test_var_std_gradients_without_degrees_of_freedom():
    """Along a dim, d var / dx = 2 (x - mean) / (n - c) for any sign of n - c (inf times it at n = c);
    over every element with n - c <= 0 it is +inf, nan where x equals the mean; std's is then nan."""
    data = np.array([[1.0, 2.0, 4.0], [0.0, 3.0, 3.0]])
    _, grad = _grad(lambda t: t.var(1, correction=5), data)
    np.testing.assert_allclose(grad, 2 * (data - data.mean(1, keepdims=True)) / (3 - 5))
    _, grad = _grad(lambda t: t.var(1, correction=3), data)
    np.testing.assert_array_equal(grad, np.where(data > data.mean(1, keepdims=True), INF, -INF))
    _, grad = _grad(lambda t: t.std(1, correction=5), data)
    np.testing.assert_array_equal(np.abs(grad), np.zeros_like(data))  # g / (2 std) with std = inf
    _, grad = _grad(lambda t: t.var(correction=6), [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(grad, [INF, NAN, INF])
    _, grad = _grad(lambda t: t.var(), 2.0)  # a 0-d tensor: one value, correction 1
    assert np.isnan(grad)
    _, grad = _grad(lambda t: t.std(correction=3), [1.0, 2.0])
    assert np.isnan(grad).all()


@pytest.mark.parametrize("op, first", [(lambda t: t.max(), 0.0), (lambda t: t.min(), 0.0), (lambda t: t.median(), 0.0),
                                       (lambda t: t.cummax(0).values, 3.0)])  # cummax: [1, nan, nan], 1 from x_0
def test_a_nan_incoming_gradient_stays_on_the_chosen_elements(op, first):
    """d/dx_i of sum y^3 is 3 y^2 at the chosen element(s) and exactly 0 elsewhere, even where that
    factor is nan (y = nan), also when the backward pass is recorded."""
    x = mt.tensor([1.0, NAN, 3.0], dtype=mt.float64, requires_grad=True)
    (grad,) = mt.autograd.grad((op(x) ** 3).sum(), x, create_graph=True)
    assert np.isnan(grad[1].item())
    assert grad[0].item() == first and grad[2].item() == 0
