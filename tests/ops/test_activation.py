"""Activations: values against hand-written numpy formulas, gradients against central
differences and against their closed-form derivatives (first, second and third),
PyTorch's choices at kinks, float32 preservation and stability at +-1000."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.strategies import check_gradients, float_arrays, leaf, shapes

_erf = np.vectorize(math.erf, otypes=[np.float64])
SELU_ALPHA = 1.6732632423543772848170429916717  # from the SELU paper (Klambauer et al. 2017)
SELU_SCALE = 1.0507009873554804934193349852946


def normal_pdf(x):
    return np.exp(-x * x / 2) / np.sqrt(2 * np.pi)


def normal_cdf(x):
    return 0.5 * (1 + _erf(x / np.sqrt(2)))


def np_sigmoid(x):
    return np.exp(-np.logaddexp(0, -x))


def np_softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.logaddexp(0, beta * x) / beta)


def np_gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))


def np_gelu_tanh_derivative(x):
    u = np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)
    t = np.tanh(u)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * x**2)


# name, op, numpy forward, numpy derivative, distance kept from 0 (kinks)
ACTIVATIONS = [
    ("relu", mt.relu, lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float), 0.05),
    ("leaky_relu", lambda t: mt.leaky_relu(t, 0.1), lambda x: np.where(x > 0, x, 0.1 * x),
     lambda x: np.where(x > 0, 1.0, 0.1), 0.05),
    ("sigmoid", mt.sigmoid, np_sigmoid, lambda x: np_sigmoid(x) * (1 - np_sigmoid(x)), 0),
    ("tanh", mt.tanh, np.tanh, lambda x: 1 - np.tanh(x) ** 2, 0),
    ("gelu", mt.gelu, lambda x: x * normal_cdf(x), lambda x: normal_cdf(x) + x * normal_pdf(x), 0),
    ("gelu_tanh", lambda t: mt.gelu(t, approximate="tanh"), np_gelu_tanh, np_gelu_tanh_derivative, 0),
    ("softplus", mt.softplus, np_softplus, np_sigmoid, 0),
    ("softplus_beta2", lambda t: mt.softplus(t, beta=2.0, threshold=3.0), lambda x: np_softplus(x, 2.0, 3.0),
     lambda x: np.where(2 * x > 3, 1.0, np_sigmoid(2 * x)), 0),
    ("silu", mt.silu, lambda x: x * np_sigmoid(x), lambda x: np_sigmoid(x) * (1 + x * (1 - np_sigmoid(x))), 0),
    ("elu", mt.elu, lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))),
     lambda x: np.where(x > 0, 1.0, np.exp(np.minimum(x, 0))), 0),
    ("selu", mt.selu, lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(np.minimum(x, 0))),
     lambda x: SELU_SCALE * np.where(x > 0, 1.0, SELU_ALPHA * np.exp(np.minimum(x, 0))), 0),
    ("hardtanh", mt.hardtanh, lambda x: np.minimum(np.maximum(x, -1), 1),
     lambda x: ((x > -1) & (x < 1)).astype(float), 0),
    ("relu6", mt.relu6, lambda x: np.minimum(np.maximum(x, 0), 6), lambda x: ((x > 0) & (x < 6)).astype(float), 0),
    ("mish", mt.mish, lambda x: x * np.tanh(np.logaddexp(0, x)),
     lambda x: np.tanh(np.logaddexp(0, x)) + x * np_sigmoid(x) * (1 - np.tanh(np.logaddexp(0, x)) ** 2), 0),
]
IDS = [case[0] for case in ACTIVATIONS]
# Where the first (or, for elu/selu, the second) derivative jumps; values are moved away from these.
KINKS = {"softplus_beta2": (1.5,), "elu": (0.0,), "selu": (0.0,), "hardtanh": (-1.0, 1.0), "relu6": (0.0, 6.0)}
PIECEWISE_LINEAR = {"relu", "leaky_relu", "hardtanh", "relu6"}  # no second derivative to check
SMOOTH = [case for case in ACTIVATIONS if case[0] not in PIECEWISE_LINEAR]


def away_from_kinks(name, array):
    for kink in KINKS.get(name, ()):
        array = np.where(np.abs(array - kink) < 0.05, array + 0.1, array)
    return array


def derivative(fn, x, create_graph=False):
    y = fn(x)
    return mt.autograd.grad(y, x, grad_outputs=np.ones(y.shape, dtype=y.dtype), create_graph=create_graph)[0]


@pytest.mark.parametrize("name, op, forward, deriv, gap", ACTIVATIONS, ids=IDS)
@given(data=st.data())
def test_activation_values_and_gradients(name, op, forward, deriv, gap, data):
    # elementwise ops: 2-D arrays exercise every path (3-D ones only make the gradient check slower)
    arrays = shapes(max_dims=2).flatmap(lambda s: float_arrays(s, -4, 4, away_from_zero=gap))
    array = away_from_kinks(name, data.draw(arrays))
    (x,) = check_gradients(op, array)
    y = op(x)
    assert y.dtype == mt.float64 and y.shape == array.shape
    np.testing.assert_allclose(y.data, forward(array), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(derivative(op, x).data, deriv(array), rtol=1e-10, atol=1e-14)


# relu, leaky_relu, hardtanh and relu6 are piecewise linear: their derivative does not depend on x
@pytest.mark.parametrize("name, op, forward, deriv, gap", SMOOTH, ids=[case[0] for case in SMOOTH])
@settings(max_examples=8)
@given(data=st.data())
def test_activation_second_derivative_matches_finite_differences(name, op, forward, deriv, gap, data):
    array = away_from_kinks(name, data.draw(shapes(max_dims=2, max_side=3).flatmap(lambda s: float_arrays(s, -3, 3))))
    check_gradients(lambda t: derivative(op, t, create_graph=True), array)


@pytest.mark.parametrize("name", sorted(PIECEWISE_LINEAR))
def test_piecewise_linear_second_derivative_is_zeros_not_an_error(name):
    # Their first derivative is a step function of x: differentiating it again gives 0 everywhere
    # (as in PyTorch, e.g. for a gradient penalty through a clipped activation), not "unused".
    op = {case[0]: case[1] for case in ACTIVATIONS}[name]
    x = mt.tensor([-2.5, -0.5, 0.25, 3.0, 7.0], dtype=mt.float64, requires_grad=True)
    (first,) = mt.autograd.grad(op(x).sum(), x, create_graph=True)
    assert first.requires_grad
    (second,) = mt.autograd.grad(first.sum(), x)
    np.testing.assert_array_equal(second.data, np.zeros(5))


@pytest.mark.parametrize("name, op, forward, deriv, gap", ACTIVATIONS, ids=IDS)
def test_activation_float32_stays_float32(name, op, forward, deriv, gap):
    array = np.array([-3.0, -0.5, 0.25, 2.0], dtype=np.float32)
    x = mt.tensor(array, requires_grad=True)
    y = op(x)
    assert y.dtype == mt.float32
    np.testing.assert_allclose(y.data, forward(array.astype(np.float64)), rtol=2e-6, atol=1e-7)
    y.backward(np.ones(4, dtype=np.float32))
    assert x.grad.dtype == mt.float32
    np.testing.assert_allclose(x.grad.data, deriv(array.astype(np.float64)), rtol=2e-6, atol=1e-6)


@pytest.mark.parametrize("name, op, forward, deriv, gap", ACTIVATIONS, ids=IDS)
@pytest.mark.parametrize("dtype", [mt.float32, mt.float64], ids=["float32", "float64"])
def test_activation_stable_and_correct_at_plus_minus_1000(name, op, forward, deriv, gap, dtype):
    values = np.array([-1000.0, -50.0, 50.0, 1000.0])
    x = mt.tensor(values, dtype=dtype, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = op(x)
        y.backward(np.ones(4, dtype=dtype))
    assert np.all(np.isfinite(y.detach().numpy())) and np.all(np.isfinite(x.grad.numpy()))
    with np.errstate(over="ignore", under="ignore"):
        np.testing.assert_allclose(y.data, forward(values), rtol=1e-6, atol=1e-30)
        np.testing.assert_allclose(x.grad.data, deriv(values), rtol=1e-6, atol=1e-30)


def test_sigmoid_is_accurate_in_the_far_tails():
    x = mt.tensor([-30.0, -700.0, 30.0], dtype=mt.float64)
    # the naive 1 / (1 + e^-x) would still be right here, but e^-x overflows below -709;
    # sigmoid(-700) must keep full relative precision, not flush to 0
    expected = np.exp([-30.0, -700.0, -30.0]) / (1 + np.exp([-30.0, -700.0, -30.0]))
    expected[2] = 1 / (1 + np.exp(-30.0))
    np.testing.assert_allclose(mt.sigmoid(x).data, expected, rtol=1e-14)


def test_fallbacks_without_scipy_agree_with_scipy_and_stay_stable():
    from microtensor.ops import activation, gaussian

    values = np.array([-1000.0, -700.0, -30.0, -1.0, 0.0, 0.5, 30.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (np.float32, np.float64):
            z = values.astype(dtype)
            result = activation._sigmoid_numpy(z)
            assert result.dtype == dtype
            single = dtype == np.float32  # e^-700 underflows to 0 in float32
            np.testing.assert_allclose(result, np_sigmoid(values), rtol=1e-6 if single else 1e-14, atol=1e-30 if single else 0)
            erf = gaussian._erf.fallback(z[2:-2] / 10)
            assert erf.dtype == dtype
            np.testing.assert_allclose(erf, _erf(values[2:-2] / 10), rtol=1e-6)


def test_softplus_follows_pytorch_threshold_semantics():
    x = mt.tensor([10.0, 10.5, 25.0], dtype=mt.float64, requires_grad=True)
    y = mt.softplus(x, beta=2, threshold=20)
    # beta * x = 20 is not above the threshold: the smooth branch; 21 and 50 are: exactly x
    values = y.detach().numpy()
    assert values[0] == pytest.approx(np.log1p(np.exp(20.0)) / 2, rel=1e-15)
    assert values[1] == 10.5 and values[2] == 25.0
    y.backward(np.ones(3))
    np.testing.assert_allclose(x.grad.data, [np_sigmoid(20.0), 1.0, 1.0], rtol=1e-15)
    assert mt.softplus(mt.tensor([-1000.0]), beta=0.5).numpy()[0] == 0.0
    with pytest.raises(ValueError, match="beta"):
        mt.softplus(x, beta=0)


def test_relu_and_leaky_relu_at_zero_follow_pytorch():
    x = leaf([0.0, -1.0, 2.0])
    np.testing.assert_array_equal(derivative(mt.relu, x).data, [0.0, 0.0, 1.0])  # relu'(0) = 0
    np.testing.assert_array_equal(derivative(mt.leaky_relu, x).data, [0.01, 0.01, 1.0])
    np.testing.assert_array_equal(mt.leaky_relu(x, negative_slope=0.2).data, [0.0, -0.2, 2.0])
    ints = mt.tensor([-2, 3])
    assert mt.relu(ints).dtype == mt.int64 and mt.relu(ints).tolist() == [0, 3]


def test_tanh_second_and_third_derivatives_match_formulas():
    values = np.array([-2.0, -0.3, 0.0, 0.8, 1.9])
    x = leaf(values)
    ones = np.ones(5)
    d1 = derivative(mt.tanh, x, create_graph=True)
    (d2,) = mt.autograd.grad(d1, x, grad_outputs=ones, create_graph=True)
    (d3,) = mt.autograd.grad(d2, x, grad_outputs=ones)
    t = np.tanh(values)
    np.testing.assert_allclose(d1.data, 1 - t**2, rtol=1e-12)
    np.testing.assert_allclose(d2.data, -2 * t * (1 - t**2), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d3.data, (1 - t**2) * (6 * t**2 - 2), rtol=1e-12)


def test_sigmoid_second_and_third_derivatives_match_formulas():
    values = np.array([-3.0, -0.4, 0.0, 1.1, 2.5])
    x = leaf(values)
    ones = np.ones(5)
    d1 = derivative(mt.sigmoid, x, create_graph=True)
    (d2,) = mt.autograd.grad(d1, x, grad_outputs=ones, create_graph=True)
    (d3,) = mt.autograd.grad(d2, x, grad_outputs=ones)
    s = np_sigmoid(values)
    np.testing.assert_allclose(d1.data, s * (1 - s), rtol=1e-12)
    np.testing.assert_allclose(d2.data, s * (1 - s) * (1 - 2 * s), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(d3.data, s * (1 - s) * (1 - 6 * s + 6 * s**2), rtol=1e-12)


def test_gelu_second_derivative_matches_formula():
    values = np.array([-2.0, -0.5, 0.0, 0.7, 3.0])
    x = leaf(values)
    d1 = derivative(mt.gelu, x, create_graph=True)
    (d2,) = mt.autograd.grad(d1, x, grad_outputs=np.ones(5))
    np.testing.assert_allclose(d2.data, normal_pdf(values) * (2 - values**2), rtol=1e-12)


def test_gelu_rejects_unknown_approximation_and_accepts_method_forms():
    with pytest.raises(ValueError, match="'none'.*'tanh'"):
        mt.gelu(mt.ones(2), approximate="erf")
    x = mt.tensor([-1.0, 0.5])
    np.testing.assert_allclose(x.sigmoid().data, np_sigmoid(np.array([-1.0, 0.5])), rtol=1e-6)
    np.testing.assert_allclose(x.relu().data, [0.0, 0.5])
    np.testing.assert_allclose(x.tanh().data, np.tanh([-1.0, 0.5]), rtol=1e-6)
    np.testing.assert_allclose(np.tanh(x).data, np.tanh([-1.0, 0.5]), rtol=1e-6)
    assert mt.sigmoid(mt.tensor([0, 1])).dtype == mt.float32  # ints become the default float
    assert mt.gelu(0.5).dtype == mt.float32 and mt.gelu(0.5).shape == ()


@pytest.mark.parametrize("shape", [(), (3,), (2, 2)])
def test_scipy_backed_activations_keep_float16(shape):
    # scipy computes float16 in float64; PyTorch keeps the input's dtype
    import microtensor.nn.functional as F

    x = mt.tensor(np.linspace(-2, 2, int(np.prod(shape))).reshape(shape), dtype=mt.float16)
    assert mt.sigmoid(x).dtype == mt.float16
    assert F.gelu(x).dtype == mt.float16


def test_elu_and_selu_take_the_negative_branch_at_zero_and_keep_precision_far_left():
    x = leaf([0.0, -2.0, 1.5])
    np.testing.assert_allclose(derivative(lambda t: mt.elu(t, alpha=0.5), x).data, [0.5, 0.5 * np.exp(-2.0), 1.0])
    np.testing.assert_allclose(mt.elu(x, alpha=0.5).data, [0.0, 0.5 * np.expm1(-2.0), 1.5], rtol=1e-15)
    np.testing.assert_allclose(derivative(mt.selu, x).data[0], SELU_SCALE * SELU_ALPHA, rtol=1e-15)
    far = mt.tensor([-15.0], requires_grad=True)  # float32: e^-15 from the input, not from y + alpha
    mt.elu(far).backward(mt.ones(1))
    np.testing.assert_allclose(far.grad.data, np.exp([-15.0]), rtol=1e-6)
    with pytest.raises(TypeError, match="alpha"):
        mt.elu(x, alpha="1")


def test_hardtanh_and_relu6_corners_have_zero_gradient_and_integers_stay_integers():
    x = leaf([-1.0, 1.0, 0.0, 6.0, 3.0])
    np.testing.assert_array_equal(derivative(mt.hardtanh, x).data, [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(derivative(mt.relu6, x).data, [0, 1, 0, 0, 1])
    np.testing.assert_array_equal(mt.hardtanh(x, -0.5, 2.0).data, [-0.5, 1.0, 0.0, 2.0, 2.0])
    ints = mt.tensor([-3, 0, 2, 9])
    assert mt.hardtanh(ints).dtype == mt.int64 and mt.hardtanh(ints).tolist() == [-1, 0, 1, 1]
    assert mt.relu6(ints).tolist() == [0, 0, 2, 6] and mt.hardtanh(ints, -1.5, 2.5).tolist() == [-1, 0, 2, 2]
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        mt.hardtanh(x, 2.0, 1.0)
    assert mt.silu(mt.tensor([1, 2])).dtype == mt.float32  # the smooth ones compute integers in float


def test_relu_second_derivative_is_zero_not_an_error():
    """relu is piecewise linear: d/dx of its gradient is 0 everywhere (as in PyTorch), so a second
    autograd.grad through relu alone gives zeros instead of refusing a gradient cut from the graph."""
    x = mt.tensor([-1.0, 2.0, 0.5], dtype=mt.float64, requires_grad=True)
    (first,) = mt.autograd.grad(mt.relu(x).sum(), x, create_graph=True)
    assert first.requires_grad and first.tolist() == [0.0, 1.0, 1.0]
    (second,) = mt.autograd.grad(first.sum(), x)
    assert second.tolist() == [0.0, 0.0, 0.0]


def test_relu_refuses_bool_tensors_and_keeps_integer_dtypes():
    with pytest.raises(RuntimeError, match="relu: Boolean inputs not supported"):
        mt.relu(mt.tensor([True, False]))
    out = mt.relu(mt.tensor([-1, 2], dtype=mt.int8))
    assert out.dtype == mt.int8 and out.tolist() == [0, 2]
