"""PyTorch's behaviour of the elementwise ops at their edges: bool and integer operands, mixed
precision, in-place result dtypes, and values and gradients at 0, +-inf and nan.
Expected values are closed forms or numpy/scipy formulas."""
import math

import numpy as np
import pytest

import microtensor as mt

inf, nan = math.inf, math.nan
BOOL_SUB = r"sub: Subtraction, the `-` operator, with a bool tensor is not supported\. If you are trying to invert a mask"


@pytest.mark.parametrize("make", [
    lambda: mt.tensor([True]) - 1,
    lambda: 1 - mt.tensor([True, False]),
    lambda: mt.tensor([1, 2]) - mt.tensor([True, False]),
    lambda: mt.tensor([True]) - mt.tensor([1.5]),
    lambda: mt.tensor([1.5]) - True,
    lambda: mt.tensor([2.0]) - mt.tensor(True),
    lambda: mt.sub(mt.tensor([1.0]), mt.tensor([True]), alpha=2),
    lambda: True - mt.tensor([1, 2]),
], ids=["bool-int", "int-bool", "int-booltensor", "bool-float", "float-pybool", "float-0d-bool", "alpha", "rsub"])
def test_subtraction_with_a_bool_operand_is_refused(make):
    with pytest.raises(RuntimeError, match=BOOL_SUB):
        make()


def test_subtraction_of_two_bool_tensors_has_its_own_message():
    with pytest.raises(RuntimeError, match=r"with two bool tensors is not supported\. Use the `\^` or `logical_xor\(\)`"):
        mt.tensor([True]) - mt.tensor([False])


def test_integer_pow_with_negative_tensor_exponents_is_pytorchs():
    # 1/a^|b| truncated toward zero: 1 for a == 1, (-1)^b for a == -1, else 0 (0 too for a == 0)
    base = mt.tensor([2, 1, -1, -1, 3, -2, 0, 5])
    exponent = mt.tensor([-1, -1, -1, -2, -2, -3, -1, 2])
    result = base ** exponent
    assert result.dtype == mt.int64 and result.tolist() == [0, 1, -1, 1, 0, 0, 0, 25]
    assert ((-2) ** mt.tensor([-1, -2, 3])).tolist() == [0, 0, -8]
    small = mt.tensor([-1, 2], dtype=mt.int8) ** mt.tensor([-3, -1], dtype=mt.int8)
    assert small.dtype == mt.int8 and small.tolist() == [-1, 0]
    # uint8 255 promoted with int8 is int16 255, not -1
    assert (mt.tensor([255, 1], dtype=mt.uint8) ** mt.tensor([-1], dtype=mt.int8)).tolist() == [0, 1]
    assert (mt.tensor([2]) ** mt.tensor(-1)).tolist() == [0]  # a 0-d exponent tensor too


def test_integer_tensor_to_a_negative_python_int_is_refused():
    with pytest.raises(RuntimeError, match=r"pow: Integers to negative integer powers are not allowed"):
        mt.tensor([2, 3]) ** -1


def test_in_place_results_follow_pytorchs_cast_rule():
    u8 = mt.tensor([250, 2], dtype=mt.uint8)
    u8.add_(mt.tensor([10, -3]))  # int64 result written into uint8, wrapping
    assert u8.dtype == mt.uint8 and u8.tolist() == [4, 255]
    i8 = mt.tensor([1, 2], dtype=mt.int8)
    i8 *= mt.tensor([200, 3], dtype=mt.uint8)  # int16 result into int8
    assert i8.dtype == mt.int8 and i8.tolist() == [-56, 6]
    f32 = mt.tensor([1.0, 2.0])
    f32.add_(mt.tensor([0.1, 0.2], dtype=mt.float64))  # float64 result rounded into float32
    assert f32.dtype == mt.float32 and f32.tolist() == np.array([1.1, 2.2], dtype=np.float32).tolist()
    ints = mt.tensor([1, 2])
    ints.add_(True)  # a bool fits an integer tensor
    assert ints.tolist() == [2, 3]


@pytest.mark.parametrize("make, source, target", [
    (lambda: mt.tensor([1, 2]).add_(0.5), "Float", "Long"),
    (lambda: mt.tensor([1], dtype=mt.int8).mul_(mt.tensor([1.5], dtype=mt.float64)), "Double", "Char"),
    (lambda: mt.tensor([True]).add_(mt.tensor([1])), "Long", "Bool"),
    (lambda: mt.tensor([1, 2]).sqrt_(), "Float", "Long"),
])
def test_in_place_results_that_do_not_fit_are_refused(make, source, target):
    with pytest.raises(RuntimeError, match=rf"_: result type {source} can't be cast to the desired output type {target}"):
        make()


def test_float_ops_of_a_float_and_an_integer_operand_compute_in_the_float_dtype():
    x = mt.tensor([1.0, -1.0, 2.5])
    y = mt.tensor([2, 127, 7], dtype=mt.int8)
    expected = np.float32([1.0, -1.0, 2.5]) * np.log(np.float32([2, 127, 7]))  # not numpy's float16 log of int8
    result = mt.xlogy(x, y)
    assert result.dtype == mt.float32
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-6)
    np.testing.assert_allclose(mt.xlogy(2.5, y).numpy(), 2.5 * np.log(np.float32([2, 127, 7])), rtol=1e-6)
    np.testing.assert_allclose(mt.special.xlog1py(x, y).numpy(), expected / np.log(np.float32([2, 127, 7]))
                               * np.log1p(np.float32([2, 127, 7])), rtol=1e-6)
    angle = mt.atan2(mt.tensor([1.0, 2.0]), mt.tensor(3.0, dtype=mt.float64))  # a float32 nd with a float64 0-d
    assert angle.dtype == mt.float32
    assert angle.numpy().tolist() == np.arctan2(np.float32([1.0, 2.0]), np.float32(3.0)).tolist()
    assert mt.atan2(mt.tensor([1.0]), mt.tensor([3.0], dtype=mt.float64)).dtype == mt.float64


def test_integer_true_division_is_quiet_and_in_the_default_float_dtype():
    result = mt.tensor([0, 1, -1, 7], dtype=mt.int8) / mt.tensor([0, 0, 0, 2], dtype=mt.int8)
    assert result.dtype == mt.float32
    assert result.numpy().tolist()[1:] == [inf, -inf, 3.5] and math.isnan(result.numpy()[0])
    assert (mt.tensor([True]) / mt.tensor([False])).tolist() == [inf]


def test_logaddexp2_is_its_own_op_precise_in_float32():
    a = np.float32([100.0, -100.0, 0.0, 1e-8, 30.0])
    b = np.float32([100.5, -100.25, 1e-8, -1e-8, -30.0])
    result = mt.logaddexp2(mt.tensor(a), mt.tensor(b))
    assert result.dtype == mt.float32
    np.testing.assert_allclose(result.numpy(), np.logaddexp2(a.astype(np.float64), b.astype(np.float64)), rtol=2e-7)
    assert mt.logaddexp2(mt.tensor([1, 2]), mt.tensor(3.0, dtype=mt.float64)).dtype == mt.float64
    assert mt.logaddexp2(mt.tensor([-inf]), mt.tensor([-inf])).tolist() == [-inf]


@pytest.mark.parametrize("op, power", [(mt.logaddexp, np.exp), (mt.logaddexp2, np.exp2)], ids=["logaddexp", "logaddexp2"])
def test_logaddexp_gradients_are_one_over_one_plus_a_power_of_the_difference(op, power):
    a = mt.tensor([inf, 1.0, 1e30, 0.5, -3.0], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([1.0, inf, -1e30, 0.25, 2.0], dtype=mt.float64, requires_grad=True)
    op(a, b).sum().backward()
    with np.errstate(over="ignore"):
        expected_a = 1 / (1 + power(b.detach().numpy() - a.detach().numpy()))
    np.testing.assert_allclose(a.grad.numpy(), expected_a, rtol=1e-12)  # 1 at a = inf, 0 at b = inf
    np.testing.assert_allclose(b.grad.numpy(), 1 - expected_a, rtol=1e-12)
    x = mt.tensor([0.3, -1.2], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([0.7, 2.0], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(op, (x, y)) and mt.autograd.gradgradcheck(op, (x, y))


def test_alpha_scales_the_other_operand_in_the_result_dtype():
    wide = mt.add(mt.tensor([0, 1], dtype=mt.int8), mt.tensor([255, 255], dtype=mt.uint8), alpha=2)
    assert wide.dtype == mt.int16 and wide.tolist() == [510, 511]  # 2 * 255 does not wrap in uint8
    assert mt.add(mt.tensor([1], dtype=mt.int8), mt.tensor([True]), alpha=2).dtype == mt.int8
    assert mt.add(2.5, mt.tensor([127], dtype=mt.int8), alpha=2).tolist() == [256.5]
    x = mt.tensor([1.0], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([3.0], requires_grad=True)
    z = mt.sub(x, y, alpha=0.5)
    z.backward()
    assert z.dtype == mt.float64 and y.grad.dtype == mt.float32 and y.grad.tolist() == [-0.5]


def test_clamp_takes_bool_bounds_as_zero_and_one():
    ints = mt.clamp(mt.tensor([-1, 0, 1, 2]), min=True)
    assert ints.dtype == mt.int64 and ints.tolist() == [1, 1, 1, 2]
    floats = mt.clamp(mt.tensor([-1.0, 0.5, 2.0]), False, True)
    assert floats.dtype == mt.float32 and floats.tolist() == [0.0, 0.5, 1.0]
    assert mt.tensor([1, 5], dtype=mt.uint8).clamp_(max=True).tolist() == [1, 1]
    x = mt.tensor([-1.0, 0.5, 2.0], requires_grad=True)
    mt.clamp(x, False, True).sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 0.0]
    masks = mt.tensor([True, False])
    assert mt.clamp(masks, min=mt.tensor(False)).tolist() == [True, False]  # one tensor bound: a bool result
    assert mt.clamp(masks, 0, 1).dtype == mt.int64  # int bounds promote the result


@pytest.mark.parametrize("make, kernel", [
    (lambda m: mt.clamp(m, min=False), "clamp_min_scalar_cpu"),
    (lambda m: mt.clamp_max(m, True), "clamp_max_scalar_cpu"),
    (lambda m: mt.clamp(m, False, True), "clamp_scalar_cpu"),
    (lambda m: mt.clamp(m, mt.tensor([False]), mt.tensor([True])), "clamp_cpu"),
])
def test_clamp_of_a_bool_tensor_to_a_bool_result_is_refused_as_in_pytorch(make, kernel):
    with pytest.raises(NotImplementedError, match=rf'clamp: "{kernel}" not implemented for \'Bool\''):
        make(mt.tensor([True, False]))


def test_gamma_functions_at_infinities_and_poles():
    x = mt.tensor([-inf, inf, 0.0, -0.0, -1.0, -2.0, 1.0], dtype=mt.float64, requires_grad=True)
    y = mt.lgamma(x)
    assert y.tolist() == [inf] * 6 + [0.0]  # log|Gamma| is inf at the poles and at both infinities
    y.backward(mt.ones_like(y))
    grad = x.grad.numpy()  # digamma: no limit at -inf, -inf at +0, +inf at -0, nan at -1 and -2
    assert np.isnan(grad[[0, 4, 5]]).all() and grad[[1, 2, 3]].tolist() == [inf, -inf, inf]
    assert grad[6] == pytest.approx(-0.5772156649015329)  # -Euler's gamma
    trigamma = mt.polygamma(1, mt.tensor([-inf, inf, 0.0, 1.0], dtype=mt.float64)).numpy()
    assert np.isnan(trigamma[0]) and trigamma[1:3].tolist() == [0.0, inf]
    assert trigamma[3] == pytest.approx(math.pi ** 2 / 6, rel=1e-14)
    z = mt.tensor([-inf], dtype=mt.float64, requires_grad=True)
    mt.digamma(z).backward()
    assert np.isnan(z.grad.item())  # d/dx digamma = trigamma, nan at -inf


def test_sign_of_nan_is_zero_as_pytorch_computes_it():
    for dtype in (mt.float32, mt.float64):
        x = mt.tensor([nan, -0.0, -2.0, inf], dtype=dtype)
        assert mt.sign(x).tolist() == [0.0, 0.0, -1.0, 1.0] and mt.sgn(x).dtype == dtype
        assert mt.sign(mt.tensor(nan, dtype=dtype)).item() == 0.0


def unary_grad(op, values, dtype=mt.float64):
    x = mt.tensor(values, dtype=dtype, requires_grad=True)
    y = op(x)
    y.backward(mt.ones_like(y))
    return x.grad.numpy()


def test_edge_gradients_of_the_unary_ops():
    # sqrt' = 1/(2 sqrt x): inf at 0; |x|' = sign x: 0 at 0 and at nan; sign' = 0 everywhere
    assert unary_grad(mt.sqrt, [0.0, 4.0, inf]).tolist() == [inf, 0.25, 0.0]
    grad = unary_grad(mt.abs, [0.0, -0.0, -3.0, inf, -inf, nan])
    assert grad.tolist() == [0.0, 0.0, -1.0, 1.0, -1.0, 0.0]
    assert unary_grad(mt.sign, [0.0, inf, nan]).tolist() == [0.0, 0.0, 0.0]
    # logit' = 1/(p(1-p)): inf at 0 and 1, nan outside [0, 1]; with eps 0 outside [eps, 1-eps] and at nan
    grad = unary_grad(mt.logit, [0.0, 0.5, 1.0, -1.0, 2.0])
    assert grad[:3].tolist() == [inf, 4.0, inf] and np.isnan(grad[3:]).all()
    grad = unary_grad(lambda p: mt.logit(p, eps=0.1), [0.05, 0.1, 0.5, 0.95, nan])
    assert grad.tolist() == pytest.approx([0.0, 1 / 0.09, 4.0, 0.0, 0.0])


def test_erfc_keeps_the_tail():
    x = np.array([3.0, 5.0, 7.0, 10.0])
    expected = [math.erfc(v) for v in x]
    np.testing.assert_allclose(mt.erfc(mt.tensor(x, dtype=mt.float64)).numpy(), expected, rtol=1e-14)
    np.testing.assert_allclose(mt.erfc(mt.tensor(x[:3], dtype=mt.float32)).numpy(), expected[:3], rtol=1e-6)
    np.testing.assert_allclose(mt.erfc(mt.tensor([5, 7])).numpy(), expected[1:3], rtol=1e-6)  # ints too


def binary_grads(op, a, b):
    x = mt.tensor(a, dtype=mt.float64, requires_grad=True)
    y = mt.tensor(b, dtype=mt.float64, requires_grad=True)
    z = op(x, y)
    z.backward(mt.ones_like(z))
    return x.grad.numpy(), y.grad.numpy()


def test_atan2_gradient_is_zero_at_the_origin():
    grad_a, grad_b = binary_grads(mt.atan2, [0.0, -0.0, 1.0], [0.0, 0.0, 1.0])
    assert grad_a.tolist() == [0.0, 0.0, 0.5] and grad_b.tolist() == [0.0, 0.0, -0.5]
    assert np.signbit(grad_a[:2]).tolist() == [False, False] and np.signbit(grad_b[:2]).tolist() == [True, False]


def test_xlogy_gradient_is_zero_where_x_is_zero_and_log_undefined():
    grad_x, grad_y = binary_grads(mt.xlogy, [0.0, 0.0, 0.0, 2.0], [0.0, -1.0, -inf, math.e])
    assert grad_x.tolist() == [0.0, 0.0, 0.0, 1.0] and grad_y[3] == pytest.approx(2 / math.e)
    grad_x, _ = binary_grads(mt.special.xlog1py, [0.0, 0.0, 1.0], [-1.0, -2.5, math.e - 1])
    assert grad_x.tolist() == [0.0, 0.0, pytest.approx(1.0)]


def test_copysign_gradient_is_the_ratio_of_result_to_input():
    grad_a, grad_b = binary_grads(mt.copysign, [2.0, -2.0, 0.0, inf], [-1.0, -1.0, -1.0, -1.0])
    assert grad_a[:3].tolist() == [-1.0, 1.0, 0.0] and np.isnan(grad_a[3]) and grad_b.tolist() == [0.0] * 4


QUIET_UNARY = [mt.log, mt.log10, mt.log2, mt.erf, mt.erfc, mt.rsqrt, mt.special.ndtr, mt.special.ndtri,
               mt.special.log_ndtr, mt.asinh, mt.acosh, mt.atanh, mt.sin, mt.cos, mt.asin, mt.acos, mt.atan,
               mt.frac]


@pytest.mark.parametrize("op", QUIET_UNARY, ids=[op.__name__ for op in QUIET_UNARY])
def test_unary_ops_are_quiet_at_extreme_float32_values(op):
    # RuntimeWarning is an error under pytest: inf, nan, 1e30 (whose square overflows) and a subnormal
    x = mt.tensor([inf, -inf, nan, 1e30, -1e30, 1e-40, 0.5], requires_grad=True)
    y = op(x)
    y.backward(mt.ones_like(y))
    assert x.grad.dtype == mt.float32


@pytest.mark.parametrize("op", [mt.div, mt.remainder, mt.fmod, mt.hypot, mt.xlogy, mt.atan2, mt.floor_divide])
def test_binary_ops_are_quiet_at_extreme_values(op):
    a = mt.tensor([1e30, 0.0, inf, 1.0, -128.0])
    b = mt.tensor([1e-30, 0.0, inf, 0.0, -1.0])
    if op is not mt.floor_divide:
        a.requires_grad_()
        z = op(a, b)
        z.backward(mt.ones_like(z))
    ints = mt.tensor([-128, 7], dtype=mt.int8)
    if op in (mt.floor_divide, mt.div, mt.hypot):
        op(ints, mt.tensor([-1, 2], dtype=mt.int8))  # -128 // -1 wraps in int8 as in PyTorch, quietly


def test_hypot_of_integers_is_a_float():
    result = mt.hypot(mt.tensor([3, 2**62]), mt.tensor([4, 2**62]))
    assert result.dtype == mt.float32 and result.tolist()[0] == 5.0 and math.isfinite(result.tolist()[1])


def test_remainder_gradient_uses_the_floored_quotient():
    # d/db (a - (a // b) b) = -(a // b); Python's 1 // -inf is -1, -1 // inf is -1
    _, grad_b = binary_grads(mt.remainder, [1.0, -1.0, 7.0, 1.0], [-inf, inf, 2.0, inf])
    assert grad_b.tolist() == [1.0, 1.0, -3.0, -0.0]
    x = mt.tensor([7.0, -3.0], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([2.0, 2.5], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradgradcheck(mt.remainder, (x, y))


@pytest.mark.parametrize("op", [np.add, np.subtract, np.multiply, np.true_divide, np.fmod, np.remainder, np.floor_divide],
                         ids=["add", "sub", "mul", "div", "fmod", "remainder", "floor_divide"])
def test_float32_with_a_float64_zero_dim_tensor_computes_in_float32(op):
    # PyTorch converts the 0-d operand to float32 first: x // 0.001 is floor(x / float32(0.001))
    x = np.float32([-8.642, 22.46, 1.2573022, 6.4042263, 9.47081])
    result = op(mt.tensor(x), mt.tensor(0.001, dtype=mt.float64))
    assert result.dtype == mt.float32
    assert result.numpy().tolist() == op(x, np.float32(0.001)).tolist()


def test_integers_with_a_python_float_compute_in_the_default_float_dtype():
    x = np.arange(-50, 50, dtype=np.int8)
    result = mt.tensor(x) * 0.1
    assert result.dtype == mt.float32 and result.numpy().tolist() == (x.astype(np.float32) * np.float32(0.1)).tolist()


def test_integer_zero_dim_operand_is_converted_to_the_result_dtype_first():
    # int8 nd with a uint8 0-d 200: the result is int8 and PyTorch computes with 200 wrapped to -56
    x = mt.tensor([3, -7], dtype=mt.int8)
    zero_dim = mt.tensor(200, dtype=mt.uint8)
    assert (x % zero_dim).tolist() == [3 % -56, -7 % -56] and (x // zero_dim).tolist() == [3 // -56, -7 // -56]
    assert mt.maximum(x, zero_dim).tolist() == [3, -7]
    assert mt.fmod(x, zero_dim).tolist() == [3, -7]
    assert (x / zero_dim).tolist() == pytest.approx([3 / 200, -7 / 200])  # true division does not wrap


def test_abs_refuses_a_bool_tensor_as_pytorch():
    with pytest.raises(NotImplementedError, match="\"abs\" not implemented for 'Bool'"):
        mt.abs(mt.tensor([True, False]))
    assert mt.abs(mt.tensor([-2, 3], dtype=mt.int8)).tolist() == [2, 3]
