"""The learner's toolbox maths: ``log10 log2 log1p expm1``, rounding (``floor ceil trunc round
frac``), ``nan_to_num``, ``isclose``, and PyTorch's forms of ``std``/``var``/``any``/``all``.
Values against numpy and hand-written expectations, float64 gradients against central
differences (and closed forms), dtypes, errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
from tests.strategies import broadcastable_shapes, check_gradients, float_arrays, leaf, shapes


def derivative(fn, x, create_graph=False):
    y = fn(x)
    return mt.autograd.grad(y, x, grad_outputs=mt.ones_like(y), create_graph=create_graph)[0]


# name, op, numpy forward, closed-form derivative, value range
SMOOTH = [
    ("log10", mt.log10, np.log10, lambda x: 1 / (x * math.log(10)), (0.2, 5)),
    ("log2", mt.log2, np.log2, lambda x: 1 / (x * math.log(2)), (0.2, 5)),
    ("log1p", mt.log1p, np.log1p, lambda x: 1 / (1 + x), (-0.8, 4)),
    ("expm1", mt.expm1, np.expm1, np.exp, (-3, 3)),
    ("frac", mt.frac, lambda x: np.modf(x)[0], np.ones_like, (-3, 3)),
]


@pytest.mark.parametrize("name, op, forward, deriv, bounds", SMOOTH, ids=[case[0] for case in SMOOTH])
@settings(max_examples=8)
@given(data=st.data())
def test_smooth_ops_values_and_gradients(name, op, forward, deriv, bounds, data):
    array = data.draw(shapes().flatmap(lambda s: float_arrays(s, *bounds)))
    if name == "frac":  # frac jumps at the integers
        array = np.where(np.abs(array - np.round(array)) < 0.05, array + 0.1, array)
    (x,) = check_gradients(op, array)
    y = op(x)
    assert y.dtype == mt.float64 and y.shape == array.shape
    np.testing.assert_allclose(y.detach().numpy(), forward(array), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(derivative(op, x).numpy(), deriv(array), rtol=1e-10)


@pytest.mark.parametrize("name, op, forward, deriv, bounds", SMOOTH[:4], ids=[case[0] for case in SMOOTH[:4]])
def test_logs_and_expm1_second_derivatives_and_transposed_input(name, op, forward, deriv, bounds):
    array = np.linspace(*bounds, 6).reshape(2, 3)
    check_gradients(lambda x: derivative(op, x, create_graph=True), array)
    check_gradients(lambda x: op(x.T), array)


@pytest.mark.parametrize("op", [mt.log10, mt.log2, mt.log1p, mt.expm1])
def test_logs_turn_integers_into_the_default_float_and_keep_float32(op):
    assert op(mt.tensor([1, 2, 3])).dtype == mt.float32
    assert op(mt.tensor([True, False])).dtype == mt.float32
    assert op(mt.tensor([1.0, 2.0])).dtype == mt.float32
    mt.set_default_dtype(mt.float64)
    assert op(mt.tensor([1, 2], dtype=mt.int32)).dtype == mt.float64


def test_logs_at_the_edges_of_their_domain():
    assert mt.log10(mt.tensor([0.0, -1.0, 100.0])).tolist()[0] == -math.inf
    assert math.isnan(mt.log2(mt.tensor([-1.0])).item())
    assert mt.log1p(mt.tensor([-1.0])).item() == -math.inf
    tiny = 1e-10
    assert mt.log1p(mt.tensor([tiny], dtype=mt.float64)).item() == pytest.approx(tiny, rel=1e-9)  # not log(1 + x)
    assert mt.expm1(mt.tensor([tiny], dtype=mt.float64)).item() == pytest.approx(tiny, rel=1e-9)


# ------------------------------------------------------------------- rounding
VALUES = np.array([-2.5, -1.5, -0.5, -0.2, 0.0, 0.4, 0.5, 1.5, 2.5, 2.7], dtype=np.float32)


@pytest.mark.parametrize("op, expected", [
    (mt.floor, [-3, -2, -1, -1, 0, 0, 0, 1, 2, 2]),
    (mt.ceil, [-2, -1, -0.0, -0.0, 0, 1, 1, 2, 3, 3]),
    (mt.trunc, [-2, -1, -0.0, -0.0, 0, 0, 0, 1, 2, 2]),
    (mt.round, [-2, -2, -0.0, -0.0, 0, 0, 0, 2, 2, 3]),  # half to even
    (mt.fix, [-2, -1, -0.0, -0.0, 0, 0, 0, 1, 2, 2]),
], ids=["floor", "ceil", "trunc", "round", "fix"])
def test_rounding_values_and_zero_gradient(op, expected):
    x = mt.tensor(VALUES, requires_grad=True)
    y = op(x)
    assert y.dtype == mt.float32
    np.testing.assert_array_equal(y.detach().numpy(), np.array(expected, dtype=np.float32))
    y.backward(mt.ones(10))
    assert x.grad.tolist() == [0.0] * 10


def test_round_with_decimals_as_pytorch_computes_it():
    assert mt.round(mt.tensor([1.25, 1.35]), decimals=1).tolist() == pytest.approx([1.2, 1.4])
    assert mt.round(mt.tensor([1234.5678]), decimals=-2).tolist() == [1200.0]
    assert mt.round(mt.tensor([1234.5678], dtype=mt.float64), decimals=2).item() == 1234.57
    assert mt.round(mt.tensor([0.125], dtype=mt.float64), decimals=2).item() == 0.12
    assert mt.tensor([2.567]).round(decimals=1).item() == pytest.approx(2.6)
    with pytest.raises(TypeError):
        mt.round(mt.tensor([1.0]), 1)  # decimals is keyword-only, as in PyTorch


@pytest.mark.parametrize("op", [mt.floor, mt.ceil, mt.trunc, mt.round])
@pytest.mark.parametrize("dtype", [mt.int64, mt.int32, mt.uint8])
def test_rounding_keeps_integer_dtypes(op, dtype):
    x = mt.tensor([1, 2, 7], dtype=dtype)
    y = op(x)
    assert y.dtype == dtype and y.tolist() == [1, 2, 7]


def test_rounding_errors_follow_pytorch():
    with pytest.raises(NotImplementedError, match=r"floor\(\): not implemented for 'Bool'"):
        mt.floor(mt.tensor([True]))
    with pytest.raises(NotImplementedError, match=r"frac\(\): not implemented for 'Long'"):
        mt.frac(mt.tensor([1, 2]))
    with pytest.raises(NotImplementedError, match=r"round\(\): decimals=1 is not implemented for 'Long'"):
        mt.round(mt.tensor([1, 2]), decimals=1)


# ---------------------------------------------------------------- nan_to_num
def test_nan_to_num_defaults_are_zero_and_the_dtypes_extremes():
    special = [math.nan, math.inf, -math.inf, 1.5]
    f32 = np.finfo(np.float32)
    assert mt.nan_to_num(mt.tensor(special)).tolist() == [0.0, float(f32.max), float(f32.min), 1.5]
    f64 = np.finfo(np.float64)
    assert mt.nan_to_num(mt.tensor(special, dtype=mt.float64)).tolist() == [0.0, f64.max, f64.min, 1.5]
    assert mt.tensor(special).nan_to_num(nan=2.0, posinf=1.0, neginf=-1.0).tolist() == [2.0, 1.0, -1.0, 1.5]
    assert mt.nan_to_num(mt.tensor([math.inf]), posinf=1e300).tolist() == [math.inf]  # too large for float32
    half = mt.nan_to_num(mt.tensor([math.nan, math.inf], dtype=mt.float16))
    assert half.dtype == mt.float16 and half.tolist() == [0.0, float(np.finfo(np.float16).max)]


def test_nan_to_num_leaves_integers_and_bools_alone():
    ints = mt.nan_to_num(mt.tensor([1, -2, 3]), nan=1.5)
    assert ints.dtype == mt.int64 and ints.tolist() == [1, -2, 3]
    assert mt.nan_to_num(mt.tensor([True, False])).dtype == mt.bool


def test_nan_to_num_gradient_passes_where_finite_only():
    x = leaf([math.nan, 1.0, math.inf, -2.0, -math.inf])
    mt.nan_to_num(x).backward(mt.tensor([1.0, 2.0, 3.0, 4.0, 5.0], dtype=mt.float64))
    assert x.grad.tolist() == [0.0, 2.0, 0.0, 4.0, 0.0]
    check_gradients(mt.nan_to_num, np.array([[0.5, -1.0], [2.0, 3.0]]))
    check_gradients(lambda t: derivative(mt.nan_to_num, t, create_graph=True) * t, np.array([0.5, -1.0]))


# ------------------------------------------------------------------- isclose
@settings(max_examples=10)
@given(data=st.data())
def test_isclose_matches_its_formula_with_broadcasting(data):
    shape_a, shape_b = data.draw(broadcastable_shapes())
    a = data.draw(hnp.arrays(np.float64, shape_a, elements=st.sampled_from([0.0, 1.0, 1.0 + 1e-6, 1.1, -1.0, 1e-9])))
    b = data.draw(hnp.arrays(np.float64, shape_b, elements=st.sampled_from([0.0, 1.0, 1.0 + 1e-6, -1.0, 2e-9])))
    rtol, atol = data.draw(st.sampled_from([(1e-5, 1e-8), (0.0, 1e-8), (0.2, 0.0), (0.0, 0.0)]))
    result = mt.isclose(mt.tensor(a), mt.tensor(b), rtol=rtol, atol=atol)
    expected = np.abs(a - b) <= atol + rtol * np.abs(b)
    assert result.dtype == mt.bool
    np.testing.assert_array_equal(result.numpy(), expected)


def test_isclose_nans_infinities_and_integers():
    nan, inf = math.nan, math.inf
    assert mt.isclose(mt.tensor([1.0, nan]), mt.tensor([1.0 + 1e-6, nan])).tolist() == [True, False]
    assert mt.tensor([1.0, nan]).isclose(mt.tensor([1.0, nan]), equal_nan=True).tolist() == [True, True]
    assert mt.isclose(mt.tensor([inf, -inf, inf]), mt.tensor([inf, inf, 1e38])).tolist() == [True, False, False]
    ints = mt.tensor([1, -2, 3])
    assert mt.isclose(ints, mt.tensor([2, -2, 5]), rtol=0.5, atol=0).tolist() == [True, True, True]
    assert mt.isclose(ints, mt.tensor([2, -2, 5]), rtol=0, atol=1).tolist() == [True, True, False]
    assert mt.isclose(mt.tensor([True, False]), mt.tensor([True, True])).tolist() == [True, False]


def test_isclose_errors_follow_pytorch():
    with pytest.raises(RuntimeError, match=r"Float did not match Double"):
        mt.isclose(mt.tensor([1.0]), mt.tensor([1.0], dtype=mt.float64))
    with pytest.raises(TypeError, match=r"argument 'other' \(position 2\) must be Tensor, not float"):
        mt.isclose(mt.tensor([1.0]), 1.0)
    with pytest.raises(RuntimeError, match=r"rtol must be greater than or equal to zero, but got -1"):
        mt.isclose(mt.ones(2), mt.ones(2), rtol=-1)
    with pytest.raises(RuntimeError, match=r"The size of tensor a \(2\) must match the size of tensor b \(3\)"):
        mt.isclose(mt.ones(2), mt.ones(3))


# ------------------------------------------------------------ std, var, any
X = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]], dtype=np.float32)


def test_std_and_var_take_pytorchs_positional_form_dim_unbiased_keepdim():
    x = mt.tensor(X)
    np.testing.assert_allclose(mt.std(x, 1, False, True).numpy(), X.std(axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(x.var(None, False, True).numpy(), X.var(keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(x.var(1, True).numpy(), X.var(axis=1, ddof=1), rtol=1e-6)
    np.testing.assert_allclose(x.std(False).numpy(), X.std(), rtol=1e-6)  # std(input, unbiased)
    np.testing.assert_allclose(x.std(1, keepdim=True, correction=0).numpy(), X.std(axis=1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(mt.std(x, dim=1, correction=1.5).numpy(), np.sqrt(((X - X.mean(1, keepdims=True)) ** 2).sum(1) / 1.5), rtol=1e-6)
    np.testing.assert_allclose(mt.var(x, (0, 1)).numpy(), X.var(ddof=1), rtol=1e-6)
    with pytest.raises(TypeError, match=r"either unbiased or correction"):
        x.std(1, True, correction=0)


@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
def test_var_with_no_degrees_of_freedom_left_is_nan_or_inf_as_pytorch():
    assert math.isnan(mt.var(mt.tensor([1.0])).item())
    assert mt.var(mt.tensor([1.0, 2.0]), correction=2).item() == math.inf
    assert mt.std(mt.tensor([1.0, 2.0]), correction=3).item() == math.inf


def test_any_all_keep_uint8_and_reduce_tuples_of_dims():
    bytes_ = mt.tensor([[1, 0]], dtype=mt.uint8)
    assert mt.all(bytes_, 1).dtype == mt.uint8 and mt.all(bytes_, 1).tolist() == [0]
    assert mt.any(bytes_).dtype == mt.uint8 and mt.any(bytes_).item() == 1
    assert mt.any(mt.zeros(2, 3), dim=(0, 1)).item() is False
    assert mt.all(mt.tensor([[1.0, 2.0]]), dim=1, keepdim=True).tolist() == [[True]]
    assert mt.any(mt.tensor([0, 2])).dtype == mt.bool


def test_isclose_of_integers_does_not_wrap():
    """|0 - (-128)| is 128, beyond rtol * 128 + atol: not close (int8 arithmetic would wrap to -128)."""
    a = mt.tensor([0, 100, 127], dtype=mt.int8)
    b = mt.tensor([-128, 100, -128], dtype=mt.int8)
    assert mt.isclose(a, b).tolist() == [False, True, False]
    assert mt.isclose(mt.tensor([0], dtype=mt.uint8), mt.tensor([255], dtype=mt.uint8), rtol=0.0, atol=255).tolist() == [True]
