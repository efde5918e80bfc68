"""Rounding division and remainders: ``//``, ``%``, ``fmod``, ``div(rounding_mode=)``.

Values against Python's own integer and float arithmetic and numpy; gradients of the
remainders against central differences (at points away from the jumps) and their closed
forms; dtypes by PyTorch's promotion; the integer division-by-zero error."""
import math
import operator

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.strategies import broadcastable_shapes, check_gradients


def _python_trunc_div(a, b):
    quotient = abs(a) // abs(b)
    return quotient if (a < 0) == (b < 0) else -quotient


INTEGER_CASES = [(-7, 2), (7, 2), (-7, -2), (7, -2), (0, 3), (6, 3), (-6, 3), (1, 5), (-1, 5)]


@pytest.mark.parametrize("a, b", INTEGER_CASES)
def test_integer_results_match_python(a, b):
    ta, tb = mt.tensor([a]), mt.tensor([b])
    assert (ta // tb).tolist() == [a // b]
    assert (ta % tb).tolist() == [a % b]
    assert mt.fmod(ta, tb).tolist() == [int(math.fmod(a, b))]
    assert mt.div(ta, tb, rounding_mode="floor").tolist() == [a // b]
    assert mt.div(ta, tb, rounding_mode="trunc").tolist() == [_python_trunc_div(a, b)]
    for result in (ta // tb, ta % tb, mt.fmod(ta, tb), mt.div(ta, tb, rounding_mode="trunc")):
        assert result.dtype == mt.int64


def test_trunc_division_of_large_integers_is_exact():
    a = 2**62 + 1  # a float quotient would round this away
    assert mt.div(mt.tensor([a]), 1, rounding_mode="trunc").tolist() == [a]
    assert mt.div(mt.tensor([-a]), 3, rounding_mode="trunc").tolist() == [_python_trunc_div(-a, 3)]


@pytest.mark.parametrize("a, b", [(-7.5, 2.0), (7.5, -2.0), (3.0, 4.0), (-0.5, 0.25), (5.25, 5.0)])
def test_float_results_match_python(a, b):
    ta = mt.tensor([a], dtype=mt.float64)
    assert (ta // b).tolist() == [a // b]
    assert (ta % b).tolist() == [a % b]
    assert mt.fmod(ta, b).tolist() == [math.fmod(a, b)]
    assert mt.div(ta, b, rounding_mode="trunc").tolist() == [float(math.trunc(a / b))]


def test_reflected_and_numpy_forms():
    t = mt.tensor([2, -3])
    assert (7 // t).tolist() == [7 // 2, 7 // -3]
    assert (7 % t).tolist() == [7 % 2, 7 % -3]
    assert np.remainder(t, 2).tolist() == [0, 1]
    assert np.floor_divide(t, 2).tolist() == [1, -2]
    assert np.fmod(t, 2).tolist() == [0, -1]
    assert t.remainder(2).tolist() == [0, 1] and t.fmod(2).tolist() == [0, -1]
    assert t.floor_divide(2).tolist() == [1, -2]
    assert t.div(2, rounding_mode="floor").tolist() == [1, -2]


def test_promotion_follows_pytorch():
    i = mt.tensor([-7, 7])
    assert (i // 2.5).dtype == mt.float32 and (i // 2.5).tolist() == [-3.0, 2.0]
    assert (i % 2.5).dtype == mt.float32 and (i % 2.5).tolist() == [0.5, 2.0]
    assert (mt.tensor([7], dtype=mt.int32) % mt.tensor([2])).dtype == mt.int64
    assert (mt.tensor([7.0], dtype=mt.float64) % 2).dtype == mt.float64
    assert (mt.tensor([7], dtype=mt.int8) % 3).dtype == mt.int8


def test_float_division_by_zero_gives_ieee_values_quietly(recwarn):
    x = mt.tensor([1.0, -1.0, 0.0])
    assert (x // 0).tolist()[:2] == [math.inf, -math.inf] and math.isnan((x // 0).tolist()[2])
    assert all(math.isnan(v) for v in (x % 0).tolist())
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


@pytest.mark.parametrize("op", [operator.floordiv, operator.mod, mt.fmod,
                                lambda a, b: mt.div(a, b, rounding_mode="trunc")])
def test_integer_division_by_zero_raises(op):
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        op(mt.tensor([3, 4]), mt.tensor([1, 0]))


def test_two_bool_tensors_are_refused():
    with pytest.raises(NotImplementedError, match="bool"):
        mt.tensor([True]) % mt.tensor([True])


def test_unknown_rounding_mode_names_the_choices():
    with pytest.raises(ValueError, match="'trunc', or 'floor'"):
        mt.div(mt.tensor([1.0]), 2, rounding_mode="round")


def test_in_place_forms_write_into_the_tensor():
    t = mt.tensor([7, -7])
    alias = t
    t %= 3
    assert t is alias and t.tolist() == [1, 2]
    t //= 2
    assert t is alias and t.tolist() == [0, 1]
    u = mt.tensor([-7.0, 7.0])
    assert u.fmod_(3) is u and u.tolist() == [-1.0, 1.0]
    assert u.remainder_(-3) is u and u.tolist() == [-1.0, -2.0]
    with pytest.raises(RuntimeError):
        mt.tensor([7]).remainder_(2.5)  # a float result does not fit an int64 tensor


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_remainder_gradients_by_central_differences_and_closed_forms(data):
    shape_a, shape_b = data.draw(broadcastable_shapes())
    out_shape = np.broadcast_shapes(shape_a, shape_b)
    b = np.array(data.draw(st.lists(st.floats(0.5, 3.0), min_size=int(np.prod(shape_b)),
                                    max_size=int(np.prod(shape_b)))), dtype=np.float64).reshape(shape_b)
    b = np.where(np.arange(b.size).reshape(shape_b) % 2 == 0, b, -b)
    a = np.array(data.draw(st.lists(st.floats(-6.0, 6.0), min_size=int(np.prod(shape_a)),
                                    max_size=int(np.prod(shape_a)))), dtype=np.float64).reshape(shape_a)
    ratio = np.broadcast_to(a, out_shape) / np.broadcast_to(b, out_shape)
    distance = np.abs(ratio - np.round(ratio))
    assume(np.all(distance > 1e-3))  # central differences (eps 1e-6) between the jumps, not across one
    for op, rounded in ((mt.remainder, np.floor), (mt.fmod, np.trunc)):
        ta, tb = check_gradients(op, a, b)
        out = op(ta, tb)
        ga, gb = mt.autograd.grad(out.sum(), (ta, tb))
        expected_b = -rounded(ratio)
        extra = len(out_shape) - len(shape_b)
        summed = expected_b.sum(axis=tuple(range(extra))) if extra else expected_b
        axes = tuple(i for i, s in enumerate(shape_b) if s == 1 and summed.shape[i] != 1)
        np.testing.assert_allclose(gb.data, summed.sum(axis=axes, keepdims=True) if axes else summed, atol=1e-12)
        ones = np.ones(out_shape)
        extra_a = len(out_shape) - len(shape_a)
        summed_a = ones.sum(axis=tuple(range(extra_a))) if extra_a else ones
        axes_a = tuple(i for i, s in enumerate(shape_a) if s == 1 and summed_a.shape[i] != 1)
        np.testing.assert_allclose(ga.data, summed_a.sum(axis=axes_a, keepdims=True) if axes_a else summed_a)


def test_rounded_quotients_have_a_zero_gradient_and_floor_divide_none():
    x = mt.tensor([-7.5, 7.5, 3.0], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([2.0, -2.0, 4.0], dtype=mt.float64, requires_grad=True)
    for mode in ("trunc", "floor"):
        gx, gy = mt.autograd.grad(mt.div(x, y, rounding_mode=mode).sum(), (x, y))
        assert gx.tolist() == [0.0, 0.0, 0.0] and gy.tolist() == [0.0, 0.0, 0.0]
    quotient = x // 2
    assert quotient.requires_grad and quotient.tolist() == [-4.0, 3.0, 1.0]
    with pytest.raises(RuntimeError, match="derivative for floor_divide"):
        quotient.sum().backward()


def test_remainder_second_derivative_is_zero():
    x = mt.tensor([1.3, -2.6], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad((x % 1.0).sum() + (x * x).sum(), (x,), create_graph=True)
    (h,) = mt.autograd.grad(g.sum(), (x,))
    assert h.tolist() == [2.0, 2.0]


@pytest.mark.parametrize("expression, expected", [
    # PyTorch wraps a Python int outside an integer tensor's range into its dtype for these ops, as
    # for + - *: 300 is 44 in int8 (300 - 256), -300 is -44; Python's own // % and C's fmod then apply.
    (lambda a: a % 300, [1 % 44, 2 % 44, -3 % 44]),
    (lambda a: a // -300, [1 // -44, 2 // -44, -3 // -44]),
    (lambda a: 300 // a, [44 // 1, 44 // 2, -15]),  # 44 / -3 = -14.67, floor -15
    (lambda a: mt.fmod(a, 300), [1, 2, -3]),
    (lambda a: mt.div(a, 300, rounding_mode="floor"), [0, 0, -1]),
    (lambda a: mt.div(a, 300, rounding_mode="trunc"), [0, 0, 0]),
], ids=["remainder", "floor_divide", "reflected_floor_divide", "fmod", "div_floor", "div_trunc"])
def test_out_of_range_python_ints_wrap_into_the_integer_dtype(expression, expected):
    result = expression(mt.tensor([1, 2, -3], dtype=mt.int8))
    assert result.dtype == mt.int8
    assert result.tolist() == expected


def test_wrapping_an_int_to_zero_divides_by_zero_and_a_huge_int_overflows():
    a = mt.tensor([1, 2], dtype=mt.int8)
    with pytest.raises(RuntimeError, match="remainder: ZeroDivisionError"):
        a % 2**40  # wraps to 0 in int8
    with pytest.raises(OverflowError, match="does not fit in 64 bits"):
        a % 2**70


def test_in_place_div_takes_a_rounding_mode():
    a = mt.tensor([7, -7])
    a.div_(2, rounding_mode="floor")
    assert a.tolist() == [3, -4] and a.dtype == mt.int64
    b = mt.tensor([7, -7], dtype=mt.int8)
    b.div_(300, rounding_mode="trunc")  # 300 wraps to 44
    assert b.tolist() == [0, 0]


def test_second_derivative_of_one_over_x_at_zero_is_inf_quietly(recwarn):
    # d/dx 1/x = -1/x^2, d2/dx2 = 2/x^3: +inf at x = 0+ (PyTorch's value), with no numpy warning
    x = mt.tensor([0.0, 1.0, -2.0], dtype=mt.float64, requires_grad=True)
    (first,) = mt.autograd.grad((1 / x).sum(), x, create_graph=True)
    (second,) = mt.autograd.grad(first.sum(), x)
    np.testing.assert_array_equal(first.data, [-np.inf, -1.0, -0.25])
    np.testing.assert_array_equal(second.data, [np.inf, 2.0, -0.25])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]
