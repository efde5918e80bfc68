"""Numerics at the edges of the core ops, with PyTorch's rules: pow's gradients at 0, negative
bases and zero exponents; relu and abs at nan inputs and inf gradients; integer arithmetic with
Python ints beyond the tensor's dtype (wrap-around); tensor creation from huge ints and
big-endian arrays; var/std with correction >= N. Expected values are derived by hand."""
import math
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor.ops import rectifiers
from tests.strategies import check_gradients

NAN, INF = math.nan, math.inf


def leaf64(values):
    return mt.tensor(values, dtype=mt.float64, requires_grad=True)


def assert_same(actual, expected):
    """Equal values, nan where nan, same signs of inf."""
    np.testing.assert_array_equal(np.asarray(actual), np.asarray(expected, dtype=np.float64))


# ---- pow ---------------------------------------------------------------------------------------

def test_pow_gradients_follow_pytorch_at_zero_negative_base_and_zero_exponent():
    # d/dx x^y = y x^(y-1), 0 where y == 0;  d/dy x^y = x^y ln x, 0 where x == 0 and y >= 0
    x = leaf64([0.0, 0.0, -2.0, 2.0, 0.0, -2.0, 3.0])
    y = leaf64([0.0, -1.0, 0.5, 0.0, 2.0, 2.0, 2.0])
    (x**y).sum().backward()
    assert_same(x.grad, [0.0, -INF, NAN, 0.0, 0.0, -4.0, 6.0])
    assert_same(y.grad, [0.0, -INF, NAN, math.log(2.0), 0.0, NAN, 9.0 * math.log(3.0)])


def test_pow_zero_exponent_scalar_has_zero_gradient_everywhere():
    x = leaf64([0.0, -2.0, 2.0, NAN])
    (x**0).sum().backward()
    assert_same(x.grad, [0.0, 0.0, 0.0, 0.0])


def test_polynomial_features_x_to_the_arange_have_finite_gradients_at_zero():
    x = leaf64([0.0, 1.0, 2.0])
    (x.unsqueeze(1) ** mt.arange(4, dtype=mt.float64)).sum().backward()
    assert_same(x.grad, [1.0 + 2 * v + 3 * v * v for v in (0.0, 1.0, 2.0)])  # d/dx (1 + x + x^2 + x^3)


def test_pow_scalar_base_gradient_at_base_zero():
    y = leaf64([0.0, -2.0, 2.0])
    (0.0**y).sum().backward()
    assert_same(y.grad, [0.0, -INF, 0.0])
    y = leaf64([0.0, -2.0, 2.0])
    (2.0**y).sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [math.log(2) * 2.0**v for v in (0.0, -2.0, 2.0)])
    y = leaf64([0.0, -2.0, 2.0])
    (gradient,) = mt.autograd.grad((2.0**y).sum(), y, create_graph=True)
    gradient.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [math.log(2) ** 2 * 2.0**v for v in (0.0, -2.0, 2.0)])


def test_pow_gradients_still_match_finite_differences_and_second_order():
    base, exponent = np.array([0.5, 1.5, 2.0]), np.array([1.5, 2.5, 0.0])
    check_gradients(lambda a, b: a**b, base, exponent)
    x = leaf64([0.5, 1.5])
    (gradient,) = mt.autograd.grad((x**3).sum(), (x,), create_graph=True)
    gradient.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6 * 0.5, 6 * 1.5])  # d^2/dx^2 x^3 = 6x


def test_pow_second_derivative_across_the_zero_exponent_is_not_masked_away_from_base_zero():
    # d/db (d/da a^b) = a^(b-1) + b a^(b-1) ln a = 1/a at b = 0 (PyTorch masks it to 0)
    a, b = leaf64(2.0), leaf64(0.0)
    (gradient_a,) = mt.autograd.grad(a**b, a, create_graph=True)
    (second,) = mt.autograd.grad(gradient_a, b)
    assert second.item() == 0.5


# ---- relu and abs ------------------------------------------------------------------------------

@pytest.mark.parametrize("repeat", [1, 2000], ids=["small", "large"])  # both backward paths (12000 values: above ReLU's where limit)
def test_relu_gradient_passes_at_nan_and_is_zero_where_off_even_for_inf(repeat):
    x = mt.tensor([NAN, -1.0, 0.0, 1.0, -INF, INF] * repeat, requires_grad=True)
    mt.relu(x).backward(mt.tensor([1.0, INF, INF, INF, NAN, 1.0] * repeat))
    assert_same(x.grad, [1.0, 0.0, 0.0, INF, 0.0, 1.0] * repeat)
    assert x.grad.dtype == mt.float32


def test_relu_gradient_is_finite_where_off_with_nan_gradient_in_a_large_batch():
    size = 2 * rectifiers._RELU_WHERE_MAX_SIZE  # the mask-product branch
    x = mt.tensor(np.linspace(-1, 1, size), dtype=mt.float32, requires_grad=True)
    incoming = np.ones(size, dtype=np.float32)
    incoming[0] = NAN  # x[0] = -1: relu is off
    mt.relu(x).backward(mt.tensor(incoming))
    expected = (np.linspace(-1, 1, size) > 0).astype(np.float64)
    assert_same(x.grad, expected)


def test_abs_gradient_is_zero_at_nan_as_sign_of_nan():
    x = mt.tensor([NAN, -1.0, 0.0, 1.0, -INF, INF], requires_grad=True)
    x.abs().backward(mt.ones(6))
    assert_same(x.grad, [0.0, -1.0, 0.0, 1.0, -1.0, 1.0])


def test_relu_and_abs_double_backward_still_work():
    x = leaf64([-1.0, 2.0])
    (gradient,) = mt.autograd.grad((mt.relu(x) ** 2).sum(), (x,), create_graph=True)
    gradient.sum().backward()
    assert_same(x.grad, [0.0, 2.0])
    x = leaf64([-1.0, 2.0])
    (gradient,) = mt.autograd.grad((x.abs() ** 2).sum(), (x,), create_graph=True)
    gradient.sum().backward()
    assert_same(x.grad, [2.0, 2.0])


# ---- integer arithmetic with out-of-range Python ints ------------------------------------------

def wrap(value, bits, signed):
    """``value`` reduced modulo 2**bits into the signed or unsigned range."""
    value %= 2**bits
    return value - 2**bits if signed and value >= 2 ** (bits - 1) else value


WRAPPING_CASES = [
    ("int8 + 1000", mt.int8, lambda t: t + 1000, lambda v: wrap(v + 1000, 8, True)),
    ("int8 * 1000", mt.int8, lambda t: t * 1000, lambda v: wrap(v * 1000, 8, True)),
    ("int8 - 1000", mt.int8, lambda t: t - 1000, lambda v: wrap(v - 1000, 8, True)),
    ("1000 - int8", mt.int8, lambda t: 1000 - t, lambda v: wrap(1000 - v, 8, True)),
    ("uint8 + -1", mt.uint8, lambda t: t + (-1), lambda v: wrap(v - 1, 8, False)),
    ("uint8 * -3", mt.uint8, lambda t: t * (-3), lambda v: wrap(v * -3, 8, False)),
    ("int64 + 2**63", mt.int64, lambda t: t + 2**63, lambda v: wrap(v + 2**63, 64, True)),
    ("int16 add 70000", mt.int16, lambda t: mt.add(t, 70000), lambda v: wrap(v + 70000, 16, True)),
]


@pytest.mark.parametrize("name, dtype, compute, expected", WRAPPING_CASES, ids=[c[0] for c in WRAPPING_CASES])
def test_out_of_range_python_int_wraps_into_the_integer_dtype(name, dtype, compute, expected):
    values = [1, 2, 100]
    result = compute(mt.tensor(values, dtype=dtype))
    assert result.dtype == dtype
    assert result.tolist() == [expected(v) for v in values]


def test_out_of_range_python_int_in_true_division_is_taken_as_a_float():
    result = mt.tensor([1, 2], dtype=mt.int8) / 1000
    assert result.dtype == mt.float32
    np.testing.assert_allclose(result.numpy(), [0.001, 0.002])


def test_bool_tensor_plus_big_int_promotes_to_int64():
    assert (mt.tensor([True, False]) + 1000).tolist() == [1001, 1000]


# ---- creation: huge ints, big-endian arrays ----------------------------------------------------

def test_tensor_of_ints_with_one_beyond_int64_still_becomes_float_when_a_float_is_present():
    assert mt.tensor([1.5, 2**63]).dtype == mt.float32
    assert mt.tensor([1, 2**63], dtype=mt.float64).tolist() == [1.0, 2.0**63]
    assert mt.tensor([1, -(2**63)]).tolist() == [1, -(2**63)]


@pytest.mark.parametrize("make", [mt.tensor, mt.as_tensor], ids=["tensor", "as_tensor"])
@pytest.mark.parametrize("dtype", [">f8", ">i4", ">f4"])
def test_big_endian_arrays_become_native_tensors(make, dtype):
    array = np.arange(4, dtype=dtype)
    result = make(array)
    assert result._data.dtype.isnative
    assert result._data.dtype == np.dtype(dtype).newbyteorder("=")
    assert result.tolist() == [0, 1, 2, 3]
    assert (result * 2).tolist() == [0, 2, 4, 6]


def test_big_endian_array_operands_are_read_as_native():
    operand = mt.ones(3, dtype=mt.float64) + np.arange(3, dtype=">f8")
    assert operand._data.dtype.isnative and operand.tolist() == [1.0, 2.0, 3.0]
    assert mt.exp(np.zeros(2, dtype=">f8"))._data.dtype.isnative


# ---- var / std with correction >= N ------------------------------------------------------------

@pytest.mark.filterwarnings("ignore:.*degrees of freedom")
def test_var_and_std_with_correction_at_least_n_give_inf_or_nan_as_pytorch():
    x = mt.tensor([1.0, 2.0, 3.0])
    assert x.var(correction=3).item() == INF  # sum of squares 2 / (3 - 3)
    assert x.std(correction=4).item() == INF  # 2 / (3 - 4) < 0: PyTorch clamps the divisor at 0
    assert math.isnan(mt.tensor([2.0, 2.0]).var(correction=2).item())  # 0 / 0
    assert math.isnan(mt.tensor([1.0]).var().item())
    assert mt.tensor([[1.0, 2.0]]).var(dim=1, correction=5).tolist() == [INF]


def test_var_and_std_warn_when_no_degrees_of_freedom_are_left_as_pytorch():
    with pytest.warns(UserWarning, match=r"var\(\): degrees of freedom is <= 0 \(correction=1 with 1 values"):
        mt.tensor([1.0]).var()
    with pytest.warns(UserWarning, match=r"std\(\): degrees of freedom"):
        mt.tensor([[1.0, 2.0]]).std(dim=1, correction=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.tensor([1.0, 2.0]).var()


@pytest.mark.parametrize("values, dtype", [
    ([-1.0], mt.uint8), ([255.9], mt.uint8), ([127.9], mt.int8), ([-128.5], mt.int8),
    ([float("nan")], mt.int8), ([1e30], mt.int64), ([2.0**63], mt.int64),
])
def test_python_floats_outside_an_integer_dtype_raise_as_pytorch(values, dtype):
    with pytest.raises(RuntimeError, match=r"tensor: value .* cannot be converted to type .* without overflow"):
        mt.tensor(values, dtype=dtype)


def test_python_floats_inside_an_integer_dtype_truncate_toward_zero():
    assert mt.tensor([2.7, -2.7], dtype=mt.int64).tolist() == [2, -2]
    assert mt.tensor([127.0, -128.0], dtype=mt.int8).tolist() == [127, -128]
    assert mt.tensor(np.array([300.0]), dtype=mt.uint8).dtype == mt.uint8  # an ndarray casts as numpy does (PyTorch too)


def test_an_alpha_beyond_64_bits_raises_overflow_naming_the_op():
    with pytest.raises(OverflowError, match=r"add\(\): alpha=1180591620717411303424 is too big.*alpha=1\.18059e\+21"):
        mt.add(mt.ones(2), 1, alpha=2**70)
    with pytest.raises(OverflowError, match=r"sub\(\): alpha="):
        mt.sub(mt.ones(2), 1, alpha=-(2**64))
    assert mt.add(mt.ones(2), 1, alpha=2.0**70).tolist() == [2.0**70 + 1] * 2
