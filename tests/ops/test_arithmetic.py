"""Arithmetic ops (+ - * / ** and negation): values against numpy, gradients against
central differences over broadcasting shapes, reflected forms with Python numbers and
numpy arrays on either side, dtypes, and higher-order derivatives."""
import operator

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.strategies import broadcastable_shapes, check_gradients, float_arrays, leaf, shapes

# name, op, numpy reference, (low, high, gap) for a, (low, high, gap) for b
BINARY = [
    ("add", operator.add, np.add, (-3, 3, 0), (-3, 3, 0)),
    ("sub", operator.sub, np.subtract, (-3, 3, 0), (-3, 3, 0)),
    ("mul", operator.mul, np.multiply, (-3, 3, 0), (-3, 3, 0)),
    ("div", operator.truediv, np.true_divide, (-3, 3, 0), (-3, 3, 0.3)),
    ("pow", operator.pow, np.power, (0.3, 3, 0), (-2, 2, 0)),
    ("mt.add", mt.add, np.add, (-3, 3, 0), (-3, 3, 0)),
    ("mt.sub", mt.sub, np.subtract, (-3, 3, 0), (-3, 3, 0)),
    ("mt.mul", mt.mul, np.multiply, (-3, 3, 0), (-3, 3, 0)),
    ("mt.div", mt.div, np.true_divide, (-3, 3, 0), (-3, 3, 0.3)),
    ("mt.pow", mt.pow, np.power, (0.3, 3, 0), (-2, 2, 0)),
]
IDS = [case[0] for case in BINARY]


def grads(output, inputs):
    return mt.autograd.grad(output, inputs, grad_outputs=np.ones(output.shape, dtype=output.dtype), retain_graph=True)


def sum_to(array, shape):
    """Hand-written reduction of a broadcast gradient back to ``shape``."""
    array = np.asarray(array)
    extra = array.ndim - len(shape)
    if extra:
        array = array.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and array.shape[i] != 1)
    return array.sum(axis=axes, keepdims=True) if axes else array


@pytest.mark.parametrize("name, op, reference, a_range, b_range", BINARY, ids=IDS)
@given(pair=broadcastable_shapes(), data=st.data())
def test_binary_broadcasting_values_and_gradients(name, op, reference, a_range, b_range, pair, data):
    a = data.draw(float_arrays(pair[0], a_range[0], a_range[1], away_from_zero=a_range[2]))
    b = data.draw(float_arrays(pair[1], b_range[0], b_range[1], away_from_zero=b_range[2]))
    ta, tb = check_gradients(op, a, b)
    out = op(ta, tb)
    expected = reference(a, b)
    assert out.shape == np.shape(expected) and out.dtype == mt.float64
    np.testing.assert_allclose(out.data, expected, rtol=1e-13)
    # the gradients against the closed forms, summed over broadcast dimensions by hand
    ga, gb = grads(out, (ta, tb))
    ones = np.ones(np.shape(expected))
    closed_forms = {  # lambdas: only the op under test is evaluated (others may divide by 0)
        "add": lambda: (ones, ones),
        "sub": lambda: (ones, -ones),
        "mul": lambda: (ones * b, ones * a),
        "div": lambda: (ones / b, -a / b**2 * ones),
        "pow": lambda: (b * a ** (b - 1) * ones, a**b * np.log(a) * ones),
    }
    da, db = closed_forms[name.replace("mt.", "")]()
    np.testing.assert_allclose(ga.data, sum_to(da, a.shape), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gb.data, sum_to(db, b.shape), rtol=1e-12, atol=1e-12)


SCALAR_FORMS = [
    ("t + 2.5", lambda t: t + 2.5, lambda x: x + 2.5, lambda x: np.ones_like(x)),
    ("2.5 + t", lambda t: 2.5 + t, lambda x: 2.5 + x, lambda x: np.ones_like(x)),
    ("t - 2", lambda t: t - 2, lambda x: x - 2, lambda x: np.ones_like(x)),
    ("2 - t", lambda t: 2 - t, lambda x: 2 - x, lambda x: -np.ones_like(x)),
    ("t * -1.5", lambda t: t * -1.5, lambda x: x * -1.5, lambda x: np.full_like(x, -1.5)),
    ("-1.5 * t", lambda t: -1.5 * t, lambda x: -1.5 * x, lambda x: np.full_like(x, -1.5)),
    ("t / 4", lambda t: t / 4, lambda x: x / 4, lambda x: np.full_like(x, 0.25)),
    ("3 / t", lambda t: 3 / t, lambda x: 3 / x, lambda x: -3 / x**2),
    ("t ** 3", lambda t: t**3, lambda x: x**3, lambda x: 3 * x**2),
    ("t ** 0.5", lambda t: t**0.5, lambda x: x**0.5, lambda x: 0.5 * x**-0.5),
    ("2 ** t", lambda t: 2**t, lambda x: 2.0**x, lambda x: 2.0**x * np.log(2)),
    ("-t", lambda t: -t, lambda x: -x, lambda x: -np.ones_like(x)),
    ("mt.neg", mt.neg, lambda x: -x, lambda x: -np.ones_like(x)),
    ("np.negative", np.negative, lambda x: -x, lambda x: -np.ones_like(x)),
    ("add alpha", lambda t: mt.add(1.0, t, alpha=3), lambda x: 1 + 3 * x, lambda x: np.full_like(x, 3.0)),
    ("sub alpha", lambda t: t.sub(t * t, alpha=2), lambda x: x - 2 * x * x, lambda x: 1 - 4 * x),
]


# The forms tests check each way of writing an op (which side the number or array is on, what comes back);
# the op's values and gradients over many shapes are test_binary_broadcasting_values_and_gradients' job, so a
# few examples per form suffice.
@pytest.mark.parametrize("name, op, forward, deriv", SCALAR_FORMS, ids=[c[0] for c in SCALAR_FORMS])
@settings(max_examples=8)
@given(data=st.data())
def test_forms_with_python_numbers(name, op, forward, deriv, data):
    # positive values keep t ** 0.5 real and 3 / t away from its pole
    array = data.draw(shapes().flatmap(lambda s: float_arrays(s, 0.3, 3)))
    (x,) = check_gradients(op, array)
    out = op(x)
    assert isinstance(out, mt.Tensor) and out.dtype == mt.float64
    np.testing.assert_allclose(out.data, forward(array), rtol=1e-13)
    (g,) = grads(out, x)
    np.testing.assert_allclose(g.data, deriv(array), rtol=1e-12)


ARRAY_FORMS = [
    ("t + arr", lambda t, arr: t + arr, np.add), ("arr + t", lambda t, arr: arr + t, lambda x, a: a + x),
    ("t - arr", lambda t, arr: t - arr, np.subtract), ("arr - t", lambda t, arr: arr - t, lambda x, a: a - x),
    ("t * arr", lambda t, arr: t * arr, np.multiply), ("arr * t", lambda t, arr: arr * t, lambda x, a: a * x),
    ("t / arr", lambda t, arr: t / arr, np.true_divide), ("arr / t", lambda t, arr: arr / t, lambda x, a: a / x),
    ("t ** arr", lambda t, arr: t**arr, np.power), ("arr ** t", lambda t, arr: arr**t, lambda x, a: a**x),
]


@pytest.mark.parametrize("name, op, reference", ARRAY_FORMS, ids=[c[0] for c in ARRAY_FORMS])
@settings(max_examples=8)
@given(pair=broadcastable_shapes(), data=st.data())
def test_forms_with_numpy_arrays_on_either_side(name, op, reference, pair, data):
    x_values = data.draw(float_arrays(pair[0], 0.3, 3))
    constant = data.draw(float_arrays(pair[1], 0.3, 3))
    (x,) = check_gradients(lambda t: op(t, constant), x_values)
    out = op(x, constant)
    assert isinstance(out, mt.Tensor), f"{name} gave {type(out).__name__}, not a Tensor"
    assert out.requires_grad and out.grad_fn is not None
    np.testing.assert_allclose(out.data, reference(x_values, constant), rtol=1e-13)


def test_reflected_forms_keep_float32_and_give_float32_gradients():
    x = mt.tensor([0.5, 1.0, 2.0], dtype=mt.float32, requires_grad=True)
    array = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    outputs = [x + 1, 1 - x, 2.5 * x, 1 / x, x**2, 2**x, x / 3, array - x, x * array, array / x, -x]
    for out in outputs:
        assert out.dtype == mt.float32
        (g,) = grads(out, x)
        assert g.dtype == mt.float32
    total = outputs[0]
    for out in outputs[1:]:
        total = total + out
    total.backward(np.ones(3, dtype=np.float32))
    x64 = np.array([0.5, 1.0, 2.0])
    expected = 1 - 1 + 2.5 - 1 / x64**2 + 2 * x64 + 2**x64 * np.log(2) + 1 / 3 - 1 + array - array / x64**2 - 1
    assert x.grad.dtype == mt.float32
    np.testing.assert_allclose(x.grad.data, expected, rtol=1e-5)


def test_same_tensor_on_both_sides_accumulates_both_paths():
    x = leaf([1.5, -2.0])
    (g,) = grads(x * x + x / x + (x - x), x)
    np.testing.assert_allclose(g.data, 2 * np.array([1.5, -2.0]), rtol=1e-14)


def test_pow_exponent_gradient_is_zero_where_base_is_not_positive():
    a = leaf([0.0, 2.0])
    b = leaf([2.0, 3.0])
    ga, gb = grads(a**b, (a, b))
    np.testing.assert_allclose(ga.data, [0.0, 12.0])
    np.testing.assert_allclose(gb.data, [0.0, 8 * np.log(2)])


def test_integer_arithmetic_follows_pytorch():
    a = mt.tensor([7, -7])
    b = mt.tensor([2, 2])
    assert (a + b).dtype == mt.int64 and (a + b).tolist() == [9, -5]
    assert (a * b).dtype == mt.int64
    assert (a / b).dtype == mt.float32 and (a / b).tolist() == [3.5, -3.5]
    assert (a**2).tolist() == [49, 49] and (a**2).dtype == mt.int64
    with pytest.raises(RuntimeError, match="neg"):
        -mt.tensor([True, False])


def test_second_and_third_derivatives_of_polynomial_and_quotient():
    values = np.array([-1.5, 0.5, 2.0])
    x = leaf(values)
    ones = np.ones(3)
    y = x**4 - 3 * x * x + 1 / x
    (d1,) = mt.autograd.grad(y, x, grad_outputs=ones, create_graph=True)
    (d2,) = mt.autograd.grad(d1, x, grad_outputs=ones, create_graph=True)
    (d3,) = mt.autograd.grad(d2, x, grad_outputs=ones)
    v = values
    np.testing.assert_allclose(d1.data, 4 * v**3 - 6 * v - 1 / v**2, rtol=1e-12)
    np.testing.assert_allclose(d2.data, 12 * v**2 - 6 + 2 / v**3, rtol=1e-12)
    np.testing.assert_allclose(d3.data, 24 * v - 6 / v**4, rtol=1e-12)


@pytest.mark.parametrize("name, op, reference, a_range, b_range", BINARY[:5], ids=IDS[:5])
@settings(max_examples=8)
@given(shape=shapes(max_dims=2, max_side=3), data=st.data())
def test_binary_second_derivatives_match_finite_differences(name, op, reference, a_range, b_range, shape, data):
    # same shapes for both so that the gradient graph needs no broadcasting reduction
    a = data.draw(float_arrays(shape, a_range[0], a_range[1], away_from_zero=a_range[2]))
    b = data.draw(float_arrays(shape, b_range[0], b_range[1], away_from_zero=b_range[2]))

    def first_derivatives(ta, tb):
        out = op(ta, tb)
        return mt.autograd.grad(out, (ta, tb), grad_outputs=np.ones(out.shape), create_graph=True, allow_unused=True)

    if name in ("add", "sub"):
        # their gradients are constants: nothing to differentiate, but they must be exactly 1 / -1
        ga, gb = first_derivatives(leaf(a), leaf(b))
        assert np.all(ga.detach().numpy() == 1) and np.all(gb.detach().numpy() == (1 if name == "add" else -1))
        return
    check_gradients(lambda ta, tb: first_derivatives(ta, tb)[0] + first_derivatives(ta, tb)[1] * 2, a, b)


def test_alpha_is_checked_against_the_result_dtype_as_in_pytorch():
    a, b = mt.tensor([1, 2]), mt.tensor([3, 4])
    for call in (lambda: mt.add(a, b, alpha=0.5), lambda: mt.sub(a, b, alpha=1.0), lambda: a.add_(b, alpha=2.5)):
        with pytest.raises(RuntimeError, match="For integral input tensors, argument alpha must not be a floating"):
            call()
    with pytest.raises(RuntimeError, match="Boolean alpha only supported for Boolean results"):
        mt.add(a.float(), b, alpha=True)
    assert mt.add(a, b, alpha=2).tolist() == [7, 10]
    assert mt.add(a.float(), b, alpha=0.5).tolist() == [2.5, 4.0]
    flags = mt.tensor([True, False])
    assert mt.add(flags, mt.tensor([False, False]), alpha=2).tolist() == [True, False]  # bool stays bool
