"""Scans ``cumsum cumprod logcumsumexp cummax cummin``: values against numpy and direct loops,
float64 gradients against central differences (broadcast-free, transposed inputs, zeros in
cumprod, second order), dtypes and errors."""
import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.strategies import check_gradients, float_arrays, leaf, shapes


def shape_and_dim(min_dims=1):
    return shapes(min_dims=min_dims).flatmap(lambda s: st.tuples(st.just(s), st.integers(-len(s), len(s) - 1)))


def loop_along(array, dim, scan):
    """``scan`` (a function of a 1-D list) applied to every 1-D slice along ``dim``: a direct loop."""
    moved = np.moveaxis(np.array(array, dtype=float), dim, -1)
    out = np.empty_like(moved)
    for index in itertools.product(*(range(n) for n in moved.shape[:-1])):
        out[index] = scan(list(moved[index]))
    return np.moveaxis(out, -1, dim)


def running(values, combine):
    out, total = [], None
    for value in values:
        total = value if total is None else combine(total, value)
        out.append(total)
    return out


def weighted(op, dim):
    """A scalar-free check function: op's output times fixed weights (so every output matters)."""
    def fn(x):
        y = op(x, dim)
        return y * mt.tensor(np.linspace(-1.0, 1.5, y.numel()).reshape(y.shape))
    return fn


# -------------------------------------------------------------------- values
@settings(max_examples=10)
@given(case=shape_and_dim(), data=st.data())
def test_cumsum_cumprod_logcumsumexp_values_match_direct_loops(case, data):
    shape, dim = case
    array = data.draw(float_arrays(shape, -2.0, 2.0))
    np.testing.assert_allclose(mt.cumsum(mt.tensor(array), dim).numpy(), loop_along(array, dim, lambda v: running(v, float.__add__)))
    np.testing.assert_allclose(mt.cumprod(mt.tensor(array), dim).numpy(), loop_along(array, dim, lambda v: running(v, float.__mul__)))
    expected = loop_along(array, dim, lambda v: [math.log(sum(math.exp(u) for u in v[: i + 1])) for i in range(len(v))])
    np.testing.assert_allclose(mt.logcumsumexp(mt.tensor(array), dim).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_logcumsumexp_neither_overflows_nor_loses_small_terms():
    x = mt.tensor([-1000.0, 0.0, 1000.0, -np.inf], dtype=mt.float64)
    np.testing.assert_allclose(mt.logcumsumexp(x, 0).numpy(), [-1000.0, 0.0, 1000.0, 1000.0])
    assert mt.logcumsumexp(mt.tensor([-np.inf, -np.inf]), 0).tolist() == [-np.inf, -np.inf]


def torch_running_extremum(values, better):
    """PyTorch's cummax/cummin loop: a NaN, or a value at least as good, takes over (latest index wins)."""
    best, where, out_values, out_indices = values[0], 0, [], []
    for i, value in enumerate(values):
        if math.isnan(value) or (not math.isnan(best) and better(value, best)):
            best, where = value, i
        out_values.append(best)
        out_indices.append(where)
    return out_values, out_indices


@settings(max_examples=10)
@given(case=shape_and_dim(), data=st.data())
def test_cummax_cummin_values_and_indices_match_pytorchs_loop(case, data):
    shape, dim = case
    array = data.draw(float_arrays(shape, -2.0, 2.0)).round(0)  # rounded: plenty of ties
    for op, better in ((mt.cummax, float.__ge__), (mt.cummin, float.__le__)):
        result = op(mt.tensor(array), dim)
        assert result.indices.dtype == mt.int64 and result.values.dtype == mt.float64
        np.testing.assert_array_equal(result.values.numpy(), loop_along(array, dim, lambda v: torch_running_extremum(v, better)[0]))
        np.testing.assert_array_equal(result.indices.numpy(), loop_along(array, dim, lambda v: torch_running_extremum(v, better)[1]))


def test_cummax_follows_pytorch_with_nans_ties_and_ints():
    result = mt.cummax(mt.tensor([1.0, np.nan, 2.0, np.nan, 0.0]), 0)
    assert np.isnan(result.values.numpy()[1:]).all() and result.indices.tolist() == [0, 1, 1, 3, 3]
    assert mt.cummax(mt.tensor([1.0, 3, 2, 3, 5]), 0).indices.tolist() == [0, 1, 1, 3, 4]
    low = mt.cummin(mt.tensor([3, 1, 2, 1, 0]), 0)
    assert low.values.tolist() == [3, 1, 1, 1, 0] and low.values.dtype == mt.int64 and low.indices.tolist() == [0, 1, 1, 3, 4]
    assert type(low).__name__ == "cummin" and low._fields == ("values", "indices")


# ----------------------------------------------------------------- gradients
@pytest.mark.parametrize("op", [mt.cumsum, mt.cumprod, mt.logcumsumexp], ids=["cumsum", "cumprod", "logcumsumexp"])
@settings(max_examples=10)
@given(case=shape_and_dim(), data=st.data())
def test_scan_gradients_match_central_differences(op, case, data):
    shape, dim = case
    array = data.draw(float_arrays(shape, -2.0, 2.0))
    check_gradients(weighted(op, dim), array)


@pytest.mark.parametrize("op", [mt.cummax, mt.cummin], ids=["cummax", "cummin"])
@settings(max_examples=10)
@given(case=shape_and_dim())
def test_cummax_cummin_gradients_match_central_differences(op, case):
    shape, dim = case
    array = np.random.default_rng(len(shape)).permutation(int(np.prod(shape))).reshape(shape) * 0.5  # no ties
    weights = mt.tensor(np.linspace(-1.0, 1.5, array.size).reshape(shape))
    check_gradients(lambda x: op(x, dim).values * weights, array)


def test_cummax_gradient_goes_to_the_element_each_value_came_from():
    x = leaf([1.0, 3.0, 2.0, 3.0, 5.0])
    mt.cummax(x, 0).values.backward(mt.tensor([1.0, 10.0, 100.0, 1000.0, 10000.0], dtype=mt.float64))
    assert x.grad.tolist() == [1.0, 110.0, 0.0, 1000.0, 10000.0]


def test_scans_of_transposed_inputs():
    array = np.arange(1.0, 13.0).reshape(3, 4) / 5
    for op in (mt.cumsum, mt.cumprod, mt.logcumsumexp):
        check_gradients(lambda x: weighted(op, 1)(x.T), array)
    check_gradients(lambda x: mt.cummax(x.T, 0).values, array)


def cumprod_gradient_by_loops(x, g):
    """dx_j = sum_{i >= j} g_i prod_{k <= i, k != j} x_k, by direct loops."""
    n = len(x)
    return [sum(g[i] * math.prod(x[k] for k in range(i + 1) if k != j) for i in range(j, n)) for j in range(n)]


@pytest.mark.parametrize("values", [
    [2.0, 0.0, 3.0, 4.0],          # one zero
    [0.0, 2.0, 3.0],               # a zero first
    [1.5, 2.0, 0.0],               # a zero last
    [2.0, 0.0, 3.0, 0.0, 5.0],     # two zeros
    [0.0, 0.0, 0.0],               # only zeros
    [1.5, -2.0, 0.5, 3.0],         # none
])
def test_cumprod_gradient_with_zeros_matches_loops_and_central_differences(values):
    g = [0.5, -1.0, 2.0, 1.5, -0.25][: len(values)]
    x = leaf(values)
    mt.cumprod(x, 0).backward(mt.tensor(g, dtype=mt.float64))
    np.testing.assert_allclose(x.grad.numpy(), cumprod_gradient_by_loops(values, g), rtol=1e-12, atol=1e-15)
    check_gradients(lambda t: mt.cumprod(t, 0) * mt.tensor(g, dtype=mt.float64), values)


@pytest.mark.parametrize("op", [mt.cumsum, mt.cumprod, mt.logcumsumexp, mt.cummax], ids=["cumsum", "cumprod", "logcumsumexp", "cummax"])
def test_second_derivatives_with_zeros(op):
    array = np.array([[2.0, 0.0, 3.0, 0.0, 5.0], [1.0, 2.5, -3.5, 4.0, 0.0], [1.5, 0.0, 0.5, -2.0, 0.75]])
    weights = mt.tensor(np.linspace(-1.0, 2.0, array.size).reshape(array.shape))

    def first_derivative(x):
        y = op(x, 1)
        y = y.values if isinstance(y, tuple) else y
        return mt.autograd.grad(y, x, grad_outputs=weights, create_graph=True)[0]

    check_gradients(first_derivative, array)


# ------------------------------------------------------------ dtypes, errors
def test_integer_and_bool_inputs_accumulate_in_int64_unless_dtype_is_given():
    assert mt.cumsum(mt.tensor([1, 2, 3], dtype=mt.int32), 0).dtype == mt.int64
    assert mt.cumsum(mt.tensor([True, True]), 0).tolist() == [1, 2]
    assert mt.cumprod(mt.tensor([True, False]), 0).dtype == mt.int64
    cast_first = mt.cumsum(mt.tensor([1.5, 2.5]), 0, dtype=mt.int32)  # 1 + 2, not floor(4.0)
    assert cast_first.dtype == mt.int32 and cast_first.tolist() == [1, 3]
    assert mt.cumsum(mt.tensor([1, 2]), 0, dtype=mt.float32).dtype == mt.float32
    assert mt.cumprod(mt.tensor([1.0, 2.0]), 0).dtype == mt.float32
    assert mt.logcumsumexp(mt.tensor([1.0, 2.0], dtype=mt.float64), 0).dtype == mt.float64


def test_float32_gradients_stay_float32():
    x = mt.tensor([1.0, 2.0, 0.0, 3.0], requires_grad=True)
    mt.cumprod(x, 0).sum().backward()
    assert x.grad.dtype == mt.float32 and x.grad.tolist() == [3.0, 1.0, 8.0, 0.0]  # 1+2, 1, 1*2+1*2*3, 0


def test_a_zero_dim_tensor_scans_its_one_element():
    x = leaf(2.5)
    for op in (mt.cumsum, mt.cumprod, mt.logcumsumexp):
        y = op(x, -1)
        assert y.shape == () and y.item() == 2.5
    pair = mt.cummax(x, 0)
    assert pair.values.shape == () and pair.indices.item() == 0


def test_methods_and_numpy_dispatch():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.cumsum(1).tolist() == [[1.0, 3.0], [3.0, 7.0]]
    assert x.cumprod(dim=0).tolist() == [[1.0, 2.0], [3.0, 8.0]]
    assert x.cummin(1).values.tolist() == [[1.0, 1.0], [3.0, 3.0]]
    assert np.cumsum(x, axis=0).tolist() == [[1.0, 2.0], [4.0, 6.0]]


def test_scan_errors():
    x = mt.tensor([[1.0, 2.0]])
    with pytest.raises(IndexError, match=r"cumsum: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        mt.cumsum(x, 2)
    with pytest.raises(TypeError):
        mt.cumsum(x)  # dim is required, as in PyTorch
    with pytest.raises(TypeError, match=r"cumprod\(\): argument 'dim' must be int"):
        mt.cumprod(x, (0, 1))
    with pytest.raises(NotImplementedError, match=r"logcumsumexp\(\): not implemented for 'Long'"):
        mt.logcumsumexp(mt.tensor([1, 2]), 0)
    with pytest.raises(IndexError, match=r"cummax"):
        mt.cummax(x, -3)


# ------------------------------------------------------------------------ diff
@settings(max_examples=10, deadline=None)
@given(shape=shapes(min_dims=1, max_dims=3), n=st.integers(0, 3), data=st.data())
def test_diff_matches_numpy_and_gradchecks(shape, n, data):
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    values = np.random.default_rng(len(shape) + n).standard_normal(shape)
    np.testing.assert_allclose(mt.diff(mt.tensor(values), n=n, dim=dim).numpy(), np.diff(values, n=n, axis=dim))
    check_gradients(lambda t: mt.diff(t, n=n, dim=dim), values)


def test_diff_prepend_append_bools_and_errors():
    assert mt.diff(mt.tensor([1, 3]), prepend=mt.tensor([0]), append=mt.tensor([10])).tolist() == [1, 2, 7]
    assert mt.diff(mt.tensor([True, False, False])).tolist() == [True, False]
    with pytest.raises(RuntimeError, match="at least one-dimensional"):
        mt.diff(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.diff(mt.tensor([1.0, 2.0]), n=-1)
