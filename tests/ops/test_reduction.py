"""Reductions: forward values against numpy, gradients against central differences
(float64) for every dim/keepdim form, dtype rules, stability and error messages."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
from tests.strategies import check_gradients, leaf, shapes


# ------------------------------------------------------------------ helpers
def distinct_arrays(shape):
    """float64 arrays with distinct values, at least 0.1 apart and from zero (no ties, no kinks
    within the finite-difference step, no zero factors in prod, no zero spread in std)."""
    values = st.integers(-40, 40).filter(lambda v: v != 0)
    return hnp.arrays(np.int64, shape, elements=values, unique=True).map(lambda a: a / 10.0)


@st.composite
def dim_specs(draw, ndim):
    """None, an int (negative too), or a tuple of distinct dims (possibly empty) for ``ndim`` dims."""
    rank = max(ndim, 1)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-rank, rank - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), unique=True, max_size=ndim)) if ndim else []
    return tuple(axis - ndim if draw(st.booleans()) else axis for axis in axes)


def numpy_axes(dim, ndim):
    """The axes numpy should reduce for a microtensor dim spec."""
    if dim is None:
        return tuple(range(ndim))
    if ndim == 0:
        return ()
    dims = dim if isinstance(dim, tuple) else (dim,)
    return tuple(d % ndim for d in dims)


def reduced_count(shape, axes):
    return int(np.prod([shape[a] for a in axes])) if axes else 1


def _np_logsumexp(a, axis, keepdims):
    shift = np.max(a, axis=axis, keepdims=True) if a.size else 0.0
    out = np.log(np.sum(np.exp(a - shift), axis=axis, keepdims=True)) + shift
    return out if keepdims else np.squeeze(out, axis=axis)


def _correction(shape, axes):
    return 1 if reduced_count(shape, axes) > 1 else 0


# name -> (microtensor call, numpy reference); both get (input, dim, keepdim, axes)
REDUCTIONS = {
    "sum": (lambda t, d, k, ax: mt.sum(t, dim=d, keepdim=k), lambda a, ax, k: np.sum(a, axis=ax, keepdims=k)),
    "mean": (lambda t, d, k, ax: t.mean(d, k), lambda a, ax, k: np.mean(a, axis=ax, keepdims=k)),
    "var": (
        lambda t, d, k, ax: t.var(d, keepdim=k, correction=_correction(t.shape, ax)),
        lambda a, ax, k: np.var(a, axis=ax, keepdims=k, ddof=_correction(a.shape, ax)),
    ),
    "std": (
        lambda t, d, k, ax: mt.std(t, d, _correction(t.shape, ax) == 1, k),  # PyTorch's (input, dim, unbiased, keepdim)
        lambda a, ax, k: np.std(a, axis=ax, keepdims=k, ddof=_correction(a.shape, ax)),
    ),
    "prod": (lambda t, d, k, ax: t.prod(d, k), lambda a, ax, k: np.prod(a, axis=ax, keepdims=k)),
    "amax": (lambda t, d, k, ax: t.amax(d, k), lambda a, ax, k: np.amax(a, axis=ax, keepdims=k)),
    "amin": (lambda t, d, k, ax: mt.amin(t, dim=d, keepdim=k), lambda a, ax, k: np.amin(a, axis=ax, keepdims=k)),
    "logsumexp": (lambda t, d, k, ax: mt.logsumexp(t, d, k), _np_logsumexp),
}


def check_reduction(name, array, dim, keepdim):
    op, reference = REDUCTIONS[name]
    axes = numpy_axes(dim, array.ndim)
    out = op(leaf(array), dim, keepdim, axes)
    expected = reference(array, axes, keepdim)
    assert out.shape == np.shape(expected), (name, dim, keepdim)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    check_gradients(lambda t: op(t, dim, keepdim, axes), array)


# ---------------------------------------- every dim / keepdim form, each op
FIXED = np.array([0.3, -1.2, 2.1, 0.7, -0.4, 1.5, -2.2, 0.9, 1.1, -0.6, 2.6, -1.7]).reshape(2, 3, 2)
ALL_DIMS = (
    [None, ()]
    + list(range(-3, 3))
    + [pair for pair in itertools.permutations(range(3), 2)]
    + [(-1, 0), (2, -3), (-2, -1), (0, 1, 2), (-1, -2, -3), [0, 2]]
)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("keepdim", [False, True])
def test_every_dim_form_on_a_3d_tensor(name, keepdim):
    for dim in ALL_DIMS:
        check_reduction(name, FIXED, tuple(dim) if isinstance(dim, list) else dim, keepdim)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("dim", [None, 0, -1, (), (0,), (-1,)])
@pytest.mark.parametrize("keepdim", [False, True])
def test_zero_dim_tensor(name, dim, keepdim):
    check_reduction(name, np.array(1.3), dim, keepdim)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@settings(max_examples=15)
@given(data=st.data())
def test_reduction_matches_numpy_and_gradcheck(name, data):
    shape = data.draw(shapes(min_dims=0, max_dims=3, max_side=3))
    array = data.draw(distinct_arrays(shape))
    dim = data.draw(dim_specs(len(shape)))
    keepdim = data.draw(st.booleans())
    check_reduction(name, array, dim, keepdim)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_size_one_dims(name):
    array = np.array([[[1.5], [-0.5], [2.5]]])  # shape (1, 3, 1)
    for dim in [None, 0, 2, -1, (0, 2), (0, 1, 2), 1]:
        for keepdim in (False, True):
            check_reduction(name, array, dim, keepdim)


# ---------------------------------------------------------- numpy aliases
def test_axis_and_keepdims_aliases():
    x = mt.tensor(FIXED)
    np.testing.assert_allclose(x.sum(axis=1, keepdims=True).data, FIXED.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(mt.mean(x, axis=(0, 2)).data, FIXED.mean(axis=(0, 2)))
    np.testing.assert_allclose(np.sum(x, axis=-1).data, FIXED.sum(axis=-1))
    np.testing.assert_allclose(np.mean(x, axis=0, keepdims=True).data, FIXED.mean(axis=0, keepdims=True))
    np.testing.assert_allclose(np.max(x, axis=1).data, FIXED.max(axis=1))
    np.testing.assert_allclose(x.amin(axis=2).data, FIXED.min(axis=2))
    # An empty tuple of axes reduces nothing, as in numpy.
    assert x.sum(axis=()).shape == (2, 3, 2)
    with pytest.raises(TypeError, match="both dim"):
        x.sum(dim=0, axis=1)


# ----------------------------------------------------------------- dtypes
@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_float32_is_preserved_forward_and_backward(name):
    op, _ = REDUCTIONS[name]
    x = mt.tensor(FIXED.astype(np.float32), requires_grad=True)
    for dim in (None, 1, (0, 2)):
        x.grad = None
        out = op(x, dim, False, numpy_axes(dim, 3))
        assert out.dtype == mt.float32
        out.sum().backward()
        assert x.grad.dtype == mt.float32


def test_integer_and_bool_sums_are_int64():
    assert mt.sum(mt.tensor([1, 2, 3], dtype=mt.int32)).dtype == mt.int64
    assert mt.tensor([[True, False], [True, True]]).sum(0).tolist() == [2, 1]
    assert mt.tensor([True, True]).sum().dtype == mt.int64
    assert mt.tensor([2, 3, 4]).prod().item() == 24
    assert mt.sum(mt.tensor([1.0, 2.0]), dtype=mt.float64).dtype == mt.float64


def test_mean_of_integers_is_an_error_like_pytorch():
    with pytest.raises(RuntimeError, match=r"mean\(\): could not infer output dtype.*Got: Long"):
        mt.tensor([1, 2, 3]).mean()
    assert mt.tensor([1, 2, 3]).mean(dtype=mt.float64).item() == 2.0


def test_var_of_integers_is_an_error():
    with pytest.raises(RuntimeError, match="var"):
        mt.tensor([1, 2, 3]).var()


def test_var_defaults_and_correction():
    data = np.array([1.0, 2.0, 4.0, 7.0])
    x = mt.tensor(data)
    assert np.isclose(x.var().item(), np.var(data, ddof=1))
    assert np.isclose(x.var(unbiased=False).item(), np.var(data))
    assert np.isclose(x.var(correction=2).item(), np.var(data, ddof=2))
    assert np.isclose(x.std().item(), np.std(data, ddof=1))
    assert np.isclose(mt.var(x, False).item(), np.var(data))  # PyTorch's var(input, unbiased) overload


def test_std_of_constant_input_has_zero_gradient_not_nan():
    x = mt.tensor([2.0, 2.0, 2.0], requires_grad=True)
    x.std().backward()
    assert x.std().item() == 0
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])


# ------------------------------------------------------------------ empty
def test_empty_reductions_follow_pytorch():
    empty = mt.zeros(0, 3)
    assert empty.sum().item() == 0
    np.testing.assert_array_equal(empty.sum(0).data, [0.0, 0.0, 0.0])
    assert empty.sum(1).shape == (0,)
    assert empty.prod().item() == 1
    assert mt.logsumexp(empty, 0).tolist() == [-np.inf] * 3
    assert bool(mt.all(empty)) and not bool(mt.any(empty))
    assert empty.prod(0).tolist() == [1.0, 1.0, 1.0]
    for op in (mt.max, mt.min, mt.amax, mt.amin):  # PyTorch: a RuntimeError without a dim, an IndexError with one
        with pytest.raises(RuntimeError, match=rf"{op.__name__}\(\): Expected reduction dim to be specified for "
                                               rf"input.numel\(\) == 0\. Specify the reduction dim"):
            op(empty)
    for op in (mt.argmax, mt.argmin):
        with pytest.raises(IndexError, match=rf"{op.__name__}\(\): Expected reduction dim to be specified for "
                                             rf"input.numel\(\) == 0\."):
            op(empty)
    for op in (mt.max, mt.min, mt.amax, mt.amin, mt.argmax, mt.argmin):
        with pytest.raises(IndexError, match=rf"{op.__name__}\(\): Expected reduction dim 0 to have non-zero size\."):
            op(empty, dim=0)
        with pytest.raises(IndexError, match=rf"{op.__name__}\(\): Expected reduction dim 0 to have non-zero size\."):
            op(empty, -2)
    with pytest.raises(IndexError, match=r"amax\(\): Expected reduction dim 0 to have non-zero size\."):
        mt.amax(empty, dim=(0, 1))
    assert mt.amax(empty, dim=1).shape == (0,)
    assert mt.max(empty, dim=1).values.shape == mt.argmin(empty, dim=1).shape == (0,)


# -------------------------------------------------------- errors on dims
def test_dim_out_of_range_names_the_op():
    x = mt.ones(2, 3)
    with pytest.raises(IndexError, match=r"sum: Dimension out of range \(expected to be in range of \[-2, 1\], but got 5\)"):
        x.sum(5)
    for op in (mt.mean, mt.var, mt.amax, mt.logsumexp, mt.softmax, mt.argmax):
        with pytest.raises(IndexError, match=op.__name__):
            op(x, -3)
    with pytest.raises(IndexError, match="max"):
        x.max(dim=2)
    with pytest.raises(RuntimeError, match="multiple times"):
        x.sum((0, -2))


# ------------------------------------------------------------ amax ties
def test_amax_and_full_max_split_the_gradient_among_ties():
    x = mt.tensor([1.0, 3.0, 3.0, 0.0], requires_grad=True)
    x.amax().backward()
    np.testing.assert_allclose(x.grad.data, [0, 0.5, 0.5, 0])
    x.grad = None
    x.max().backward()
    np.testing.assert_allclose(x.grad.data, [0, 0.5, 0.5, 0])
    y = mt.tensor([[2.0, -1.0, -1.0], [5.0, 5.0, 5.0]], requires_grad=True)
    y.amin(1).sum().backward()
    np.testing.assert_allclose(y.grad.data, [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])


# ------------------------------------------------------------- max / min
@pytest.mark.parametrize("name", ["max", "min"])
@settings(max_examples=15)
@given(data=st.data())
def test_max_min_with_dim_give_values_and_indices(name, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=3))
    array = data.draw(distinct_arrays(shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdim = data.draw(st.booleans())
    arg = np.argmax if name == "max" else np.argmin
    result = getattr(mt, name)(leaf(array), dim, keepdim)
    values, indices = result  # a pair
    assert result.values is values and result.indices is indices
    expected_indices = arg(array, axis=dim, keepdims=keepdim)
    np.testing.assert_array_equal(indices.data, expected_indices)
    assert indices.dtype == mt.int64 and not indices.requires_grad
    np.testing.assert_array_equal(values.data, getattr(np, "amax" if name == "max" else "amin")(array, axis=dim, keepdims=keepdim))
    check_gradients(lambda t: getattr(t, name)(dim=dim, keepdim=keepdim).values, array)


def test_max_with_dim_sends_the_gradient_to_the_selected_index_only():
    x = mt.tensor([[1.0, 3.0, 3.0], [4.0, 0.0, 4.0]], requires_grad=True)
    values, indices = x.max(dim=1)
    assert indices.tolist() == [1, 0]
    (values * mt.tensor([10.0, 20.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[0, 10, 0], [20, 0, 0]])
    assert "max(values=" in repr(x.max(0)) and "indices=" in repr(x.min(0))


def test_max_min_of_0d_tensor_and_elementwise_form():
    x = mt.tensor(2.5, requires_grad=True)
    values, indices = x.max(0)
    assert values.shape == () and values.item() == 2.5 and indices.item() == 0
    values.backward()
    assert x.grad.item() == 1.0
    a = mt.tensor([1.0, 5.0, -2.0])
    b = mt.tensor([3.0, 4.0, -1.0])
    np.testing.assert_array_equal(mt.max(a, b).data, [3.0, 5.0, -1.0])
    np.testing.assert_array_equal(mt.min(a, b).data, [1.0, 4.0, -2.0])
    assert mt.max(a).shape == () and mt.max(a).item() == 5.0


# -------------------------------------------------------- argmax / argmin
def test_argmax_argmin():
    data = np.array([[1.0, 7.0, 3.0], [9.0, -2.0, 4.0]])
    x = mt.tensor(data, requires_grad=True)
    assert mt.argmax(x).item() == 3 and mt.argmax(x).dtype == mt.int64 and mt.argmax(x).shape == ()
    assert x.argmin().item() == 4
    assert x.argmax(1).tolist() == [1, 0]
    assert x.argmin(dim=0, keepdim=True).tolist() == [[0, 1, 0]]
    assert x.argmax(-1).requires_grad is False
    assert x.argmax(keepdim=True).shape == (1, 1)


# ------------------------------------------------------------- all / any
def test_all_any():
    data = np.array([[True, False, True], [True, True, True]])
    x = mt.tensor(data)
    assert x.all().item() is False and x.any().item() is True
    assert x.all(1).tolist() == [False, True]
    assert mt.any(mt.tensor([[0.0, 0.0], [0.0, 2.0]]), dim=0, keepdim=True).tolist() == [[False, True]]
    assert mt.all(mt.tensor([1, 2])).dtype == mt.bool


# ------------------------------------------------- softmax / log_softmax
def _np_softmax(a, dim):
    e = np.exp(a - a.max(axis=dim, keepdims=True))
    return e / e.sum(axis=dim, keepdims=True)


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@settings(max_examples=15)
@given(data=st.data())
def test_softmax_family_matches_numpy_and_gradcheck(name, data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=3))
    array = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-4, 4)))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    expected = _np_softmax(array, dim)
    if name == "log_softmax":
        expected = np.log(expected)
    out = getattr(mt, name)(leaf(array), dim)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-12)
    check_gradients(lambda t: getattr(t, name)(dim) * mt.tensor(np.arange(1.0, 1 + array.size).reshape(shape)), array)


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "logsumexp"])
@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_stable_for_huge_logits(name, dtype):
    data = np.array([[1000.0, -1000.0, 999.0], [-1000.0, -1000.0, -999.0]])
    x = mt.tensor(data, dtype=dtype, requires_grad=True)
    out = getattr(mt, name)(x, 1)
    assert out.dtype == dtype
    assert np.all(np.isfinite(out.detach().numpy()))
    (out * mt.tensor([[1.0], [2.0]], dtype=dtype)).sum().backward()
    assert x.grad.dtype == dtype and np.all(np.isfinite(x.grad.numpy()))
    if name == "logsumexp":
        np.testing.assert_allclose(out.data, [1000 + np.log1p(np.exp(-1.0)), -999 + np.log1p(2 * np.exp(-1.0))], rtol=1e-6)
    if name == "softmax":
        np.testing.assert_allclose(out.detach().numpy().sum(1), [1.0, 1.0], rtol=1e-6)
    if name == "log_softmax":
        np.testing.assert_allclose(out.data[0], [-np.log1p(np.exp(-1.0)), -2000 - np.log1p(np.exp(-1.0)), -1 - np.log1p(np.exp(-1.0))], rtol=1e-5)


def test_softmax_requires_dim_and_casts_integers():
    with pytest.raises(TypeError, match="dim"):
        mt.softmax(mt.ones(3))
    out = mt.softmax(mt.tensor([1, 1]), 0)
    assert out.dtype == mt.float32 and out.tolist() == [0.5, 0.5]
    assert mt.softmax(mt.tensor(3.0), 0).item() == 1.0


# ------------------------------------------------- second derivatives
def first_derivative(op, weights):
    """x -> d/dx sum(weights * op(x)), built with create_graph=True so it is differentiable."""

    def function(x):
        (grad,) = mt.autograd.grad((op(x) * weights).sum(), x, create_graph=True)
        return grad

    return function


@pytest.mark.parametrize(
    "op",
    [
        lambda t: mt.softmax(t, 1),
        lambda t: mt.log_softmax(t, 0),
        lambda t: mt.logsumexp(t, 1),
        lambda t: mt.logsumexp(t, (0, 1), keepdim=True),
        lambda t: t.var(0),
        lambda t: t.std(1),
        lambda t: t.prod(1),
        lambda t: t.mean(1) ** 2,
        lambda t: t.sum(0) ** 3,
        lambda t: t.amax(1) ** 2,
        lambda t: t.max(0).values ** 3,
    ],
    ids=["softmax", "log_softmax", "logsumexp", "logsumexp-all", "var", "std", "prod", "mean", "sum", "amax", "max-dim"],
)
def test_second_derivatives_match_finite_differences_of_the_first(op):
    rng = np.random.default_rng(3)
    array = rng.uniform(0.5, 2.0, size=(3, 4)) * rng.choice([-1, 1], size=(3, 4))
    weights = mt.tensor(rng.normal(size=op(mt.tensor(array)).shape))
    check_gradients(first_derivative(op, weights), array)


# ----------------------------------------------------------- prod zeros
def test_prod_gradient_with_zeros():
    x = mt.tensor([[2.0, 0.0, 3.0], [0.0, 0.0, 5.0], [1.0, 2.0, 4.0]], requires_grad=True)
    x.prod(1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [8.0, 4.0, 2.0]])
    check_gradients(lambda t: t.prod(0), np.array([[2.0, 0.0], [0.0, 3.0], [1.5, 4.0]]))


@pytest.mark.parametrize("kwargs", [{}, {"dim": 1}, {"dim": 0}, {"dim": 1, "keepdim": True}])
def test_prod_second_derivative_is_right_at_zeros(kwargs):
    """d/dx_j sum_i dp/dx_i = sum_{i != j} prod_{k != i, j} x_k: at x = [0, 1, -2] that is [-1, -2, 1]
    (a zero element's neighbours still move the product of the others)."""
    x = mt.tensor([0.0, 1.0, -2.0], dtype=mt.float64, requires_grad=True)
    (first,) = mt.autograd.grad(x.prod(), x, create_graph=True)
    (second,) = mt.autograd.grad(first.sum(), x)
    assert second.tolist() == [-1.0, -2.0, 1.0]
    rows = mt.tensor([[0.0, 1.0, -2.0], [3.0, 0.0, 0.5]], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: mt.autograd.grad(t.prod(**kwargs).sum(), t, create_graph=True)[0], (rows,))
