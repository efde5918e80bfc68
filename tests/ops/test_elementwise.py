"""Elementwise ops: values against numpy, gradients against central differences and
hand-derived derivatives, PyTorch's subgradients at kinks, dtypes, and the
non-differentiable comparisons and logical ops."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
from tests.strategies import broadcastable_shapes, check_gradients, float_arrays, leaf, shapes


def derivative(fn, x, create_graph=False):
    """d fn(x) / dx for an elementwise fn (grad_output of ones)."""
    y = fn(x)
    return mt.autograd.grad(y, x, grad_outputs=np.ones(y.shape, dtype=y.dtype), create_graph=create_graph)[0]


# name, op, numpy forward, numpy derivative, value range, distance kept from 0
UNARY = [
    ("exp", mt.exp, np.exp, np.exp, (-3, 3), 0),
    ("log", mt.log, np.log, lambda x: 1 / x, (0.2, 5), 0),
    ("sqrt", mt.sqrt, np.sqrt, lambda x: 0.5 / np.sqrt(x), (0.2, 5), 0),
    ("abs", mt.abs, np.abs, np.sign, (-3, 3), 0.1),
    ("sin", mt.sin, np.sin, np.cos, (-4, 4), 0),
    ("cos", mt.cos, np.cos, lambda x: -np.sin(x), (-4, 4), 0),
    ("sign", mt.sign, np.sign, np.zeros_like, (-3, 3), 0.1),
    ("square", mt.square, np.square, lambda x: 2 * x, (-3, 3), 0),
    ("reciprocal", mt.reciprocal, np.reciprocal, lambda x: -1 / x**2, (-3, 3), 0.3),
]
UNARY_IDS = [case[0] for case in UNARY]


@pytest.mark.parametrize("name, op, forward, deriv, bounds, gap", UNARY, ids=UNARY_IDS)
@given(data=st.data())
def test_unary_values_and_gradients_match_numpy_and_finite_differences(name, op, forward, deriv, bounds, gap, data):
    array = data.draw(shapes().flatmap(lambda s: float_arrays(s, *bounds, away_from_zero=gap)))
    (x,) = check_gradients(op, array)
    y = op(x)
    assert y.dtype == np.float64 and y.shape == array.shape
    np.testing.assert_allclose(y.data, forward(array), rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(derivative(op, x).data, deriv(array), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name, op, forward, deriv, bounds, gap", UNARY, ids=UNARY_IDS)
def test_unary_float32_stays_float32_in_values_and_gradients(name, op, forward, deriv, bounds, gap):
    array = np.linspace(*bounds, 7).astype(np.float32)
    array = np.where(np.abs(array) < gap, np.float32(gap), array)
    x = mt.tensor(array, requires_grad=True)
    y = op(x)
    assert y.dtype == mt.float32
    np.testing.assert_allclose(y.data, forward(array), rtol=1e-6)
    y.backward(np.ones(7, dtype=np.float32))
    assert x.grad.dtype == mt.float32
    np.testing.assert_allclose(x.grad.data, deriv(array.astype(np.float64)), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    "name, op, gap",
    [("exp", mt.exp, 0), ("log", mt.log, 0), ("sqrt", mt.sqrt, 0), ("sin", mt.sin, 0), ("cos", mt.cos, 0),
     ("square", mt.square, 0), ("reciprocal", mt.reciprocal, 0.3), ("abs", mt.abs, 0.1)],
    ids=lambda v: v if isinstance(v, str) else "",
)
@settings(max_examples=8)
@given(data=st.data())
def test_unary_second_derivatives_match_finite_differences_of_first(name, op, gap, data):
    low = 0.3 if name in ("log", "sqrt") else -2.0
    array = data.draw(shapes(max_dims=2, max_side=3).flatmap(lambda s: float_arrays(s, low, 2.0, away_from_zero=gap)))
    check_gradients(lambda x: derivative(op, x, create_graph=True), array)


def test_unary_ops_methods_numpy_ufuncs_and_python_numbers_agree():
    x = mt.tensor([0.5, 1.5, 2.5])
    for name in ("exp", "log", "sqrt", "abs", "sin", "cos", "sign", "square", "reciprocal"):
        expected = getattr(np, name)(x.numpy())
        np.testing.assert_allclose(getattr(x, name)().data, expected, rtol=1e-6)
        np.testing.assert_allclose(getattr(mt, name)(x).data, expected, rtol=1e-6)
        dispatched = getattr(np, name)(x)
        assert isinstance(dispatched, mt.Tensor)
        np.testing.assert_allclose(dispatched.data, expected, rtol=1e-6)
    scalar = mt.exp(1.0)
    assert isinstance(scalar, mt.Tensor) and scalar.shape == () and scalar.dtype == mt.float32
    np.testing.assert_allclose(scalar.item(), np.e, rtol=1e-6)
    from_numpy = mt.sin(np.array([0.25, 0.5]))
    assert isinstance(from_numpy, mt.Tensor) and from_numpy.dtype == mt.float64


def test_integer_inputs_give_default_float_for_real_valued_ops_and_keep_int_otherwise():
    ints = mt.tensor([1, 2, 4])
    for op in (mt.exp, mt.log, mt.sqrt, mt.sin, mt.cos, mt.reciprocal):
        assert op(ints).dtype == mt.float32
    np.testing.assert_allclose(mt.sqrt(ints).data, [1, np.sqrt(2), 2], rtol=1e-6)
    for op in (mt.abs, mt.sign, mt.square):
        assert op(mt.tensor([-3, 0, 2])).dtype == mt.int64
    assert mt.abs(mt.tensor([-3, 0, 2])).tolist() == [3, 0, 2]
    mt.set_default_dtype(mt.float64)
    assert mt.exp(ints).dtype == mt.float64


def test_unary_op_rejects_non_numeric_input_with_type_error_naming_the_op():
    with pytest.raises(TypeError, match="exp"):
        mt.exp("not a number")
    with pytest.raises(TypeError, match="sqrt"):
        mt.sqrt(object())


def test_poles_and_domain_errors_return_inf_and_nan_silently_like_pytorch():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for dtype in (mt.float32, mt.float64):
            x = mt.tensor([0.0, -1.0, 4.0], dtype=dtype, requires_grad=True)
            log = mt.log(x).detach().numpy()
            assert log[0] == -np.inf and np.isnan(log[1]) and log[2] == pytest.approx(np.log(4))
            sqrt = mt.sqrt(x).detach().numpy()
            assert sqrt[0] == 0 and np.isnan(sqrt[1]) and sqrt[2] == 2
            inverse = mt.reciprocal(x).detach().numpy()
            assert inverse[0] == np.inf and inverse[1] == -1
            assert mt.exp(mt.tensor([1000.0], dtype=dtype)).numpy()[0] == np.inf
            assert mt.exp(mt.tensor([-1000.0], dtype=dtype)).numpy()[0] == 0
            assert np.isnan(mt.sin(mt.tensor([np.inf], dtype=dtype)).numpy()[0])
            # PyTorch's gradients at the poles: d log(0) = +inf, d sqrt(0) = +inf.
            assert derivative(mt.log, x).detach().numpy()[0] == np.inf
            assert derivative(mt.sqrt, x).detach().numpy()[0] == np.inf
            assert derivative(mt.sqrt, x).detach().numpy()[2] == pytest.approx(0.25)


def test_subgradients_at_kinks_match_pytorch():
    x = leaf([0.0, -2.0, 3.0])
    np.testing.assert_array_equal(derivative(mt.abs, x).data, [0.0, -1.0, 1.0])  # abs'(0) = 0
    np.testing.assert_array_equal(derivative(mt.sign, x).data, [0.0, 0.0, 0.0])  # sign' = 0
    # clamp passes the gradient on the boundary itself
    np.testing.assert_array_equal(derivative(lambda t: mt.clamp(t, -2.0, 3.0), x).data, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(derivative(lambda t: mt.clamp(t, min=0.0), x).data, [1.0, 0.0, 1.0])
    np.testing.assert_array_equal(derivative(lambda t: mt.clamp(t, max=0.0), x).data, [1.0, 1.0, 0.0])
    np.testing.assert_array_equal(derivative(lambda t: mt.clamp(t, -1.0, 1.0), x).data, [1.0, 0.0, 0.0])


def test_sign_gradient_is_zero_even_through_autograd_grad():
    x = leaf([-1.5, 2.0])
    (g,) = mt.autograd.grad(mt.sign(x) * x, x, grad_outputs=np.ones(2))
    np.testing.assert_array_equal(g.data, [-1.0, 1.0])  # d(sign(x) * x) = sign(x) + 0 * x


# ----------------------------------------------------------------------- clamp
@given(data=st.data())
def test_clamp_with_number_bounds_matches_numpy_and_gradcheck(data):
    array = data.draw(shapes().flatmap(lambda s: float_arrays(s, -3, 3)))
    lo, hi = -1.0, 1.5
    # keep values away from the boundaries, where the derivative jumps
    array = np.where(np.abs(array - lo) < 0.05, array - 0.1, array)
    array = np.where(np.abs(array - hi) < 0.05, array + 0.1, array)
    for kwargs in ({"min": lo, "max": hi}, {"min": lo}, {"max": hi}):
        (x,) = check_gradients(lambda t: mt.clamp(t, **kwargs), array)
        expected = np.clip(array, kwargs.get("min"), kwargs.get("max"))
        np.testing.assert_array_equal(mt.clamp(x, **kwargs).data, expected)
        inside = np.ones_like(array, dtype=bool)
        if "min" in kwargs:
            inside &= array >= lo
        if "max" in kwargs:
            inside &= array <= hi
        np.testing.assert_array_equal(derivative(lambda t: mt.clamp(t, **kwargs), x).data, inside.astype(float))


@settings(max_examples=15)
@given(shapes3=broadcastable_shapes(num_shapes=3, max_dims=2, max_side=3), data=st.data())
def test_clamp_with_tensor_bounds_broadcasts_and_differentiates_all_three(shapes3, data):
    x_shape, lo_shape, hi_shape = shapes3
    # three interleaved grids (offsets 0.25, 0 and 0.125 on a 0.5 spacing), so that x never
    # sits on a bound and min never equals max (both are kinks of the derivative)
    grid = lambda shape, offset: data.draw(hnp.arrays(np.float64, shape, elements=st.integers(-4, 4))) * 0.5 + offset
    x_values = grid(x_shape, 0.25)
    lo_values = grid(lo_shape, -1.0)
    hi_values = grid(hi_shape, 1.125)
    check_gradients(lambda x, lo, hi: mt.clamp(x, min=lo, max=hi), x_values, lo_values, hi_values)
    out = mt.clamp(mt.tensor(x_values), mt.tensor(lo_values), mt.tensor(hi_values))
    np.testing.assert_array_equal(out.data, np.minimum(np.maximum(x_values, lo_values), hi_values))


def test_clamp_min_above_max_gives_max_and_sends_gradient_to_max():
    x = leaf([0.0, 5.0, -5.0])
    lo = leaf(2.0)
    hi = leaf(1.0)
    out = mt.clamp(x, lo, hi)
    np.testing.assert_array_equal(out.data, [1.0, 1.0, 1.0])
    gx, glo, ghi = mt.autograd.grad(out, (x, lo, hi), grad_outputs=np.ones(3))
    np.testing.assert_array_equal(gx.data, [0, 0, 0])
    assert glo.item() == 0 and ghi.item() == 3


def test_clamp_argument_errors_dtypes_and_aliases():
    with pytest.raises(RuntimeError, match="at least one of 'min' or 'max'"):
        mt.clamp(mt.tensor([1.0]))
    with pytest.raises(RuntimeError, match=r"clamp.*\(2, 3\)"):
        mt.clamp(mt.zeros(2, 3), min=mt.zeros(4))
    ints = mt.tensor([-3, 0, 7])
    assert mt.clamp(ints, 0, 5).dtype == mt.int64
    assert mt.clamp(ints, 0, 5).tolist() == [0, 0, 5]
    assert mt.clamp(ints, min=0.5).dtype == mt.float32
    x = mt.tensor([-2.0, 0.5, 2.0])
    np.testing.assert_array_equal(mt.clip(x, -1, 1).data, [-1, 0.5, 1])
    np.testing.assert_array_equal(x.clamp(max=0).data, [-2, 0, 0])
    np.testing.assert_array_equal(np.clip(x, -1, 1).data, [-1, 0.5, 1])
    assert mt.clamp(mt.tensor([1.0, 2.0], dtype=mt.float32), 0, 1.5).dtype == mt.float32


# -------------------------------------------------------------- maximum, minimum
def _off_grid(shape, offset):
    return hnp.arrays(np.float64, shape, elements=st.integers(-5, 5)).map(lambda a: a + offset)


@given(pair=broadcastable_shapes(), data=st.data())
def test_maximum_minimum_broadcast_match_numpy_and_gradcheck(pair, data):
    # a sits on the integers + 0.25 and b on the integers + 0.75, so they never tie
    a = data.draw(_off_grid(pair[0], 0.25))
    b = data.draw(_off_grid(pair[1], 0.75))
    for op, reference in ((mt.maximum, np.maximum), (mt.minimum, np.minimum)):
        ta, tb = check_gradients(op, a, b)
        out = op(ta, tb)
        np.testing.assert_array_equal(out.data, reference(a, b))
        ga, gb = mt.autograd.grad(out, (ta, tb), grad_outputs=np.ones(out.shape))
        a_wins = (np.broadcast_to(a, out.shape) == out.detach().numpy()).astype(float)
        np.testing.assert_array_equal(ga.data, _sum_to(a_wins, a.shape))
        np.testing.assert_array_equal(gb.data, _sum_to(1 - a_wins, b.shape))


def test_maximum_and_minimum_split_the_gradient_evenly_at_ties():
    for op in (mt.maximum, mt.minimum):
        a = leaf([1.0, 2.0, 3.0])
        b = leaf([1.0, 0.0, 5.0])
        ga, gb = mt.autograd.grad(op(a, b), (a, b), grad_outputs=np.ones(3))
        big = op is mt.maximum
        np.testing.assert_array_equal(ga.data, [0.5, 1.0 if big else 0.0, 0.0 if big else 1.0])
        np.testing.assert_array_equal(gb.data, [0.5, 0.0 if big else 1.0, 1.0 if big else 0.0])


def test_maximum_with_numbers_and_arrays_and_dtypes():
    x = mt.tensor([-1.0, 2.0])
    np.testing.assert_array_equal(mt.maximum(x, 0).data, [0, 2])
    np.testing.assert_array_equal(mt.minimum(0.5, x).data, [-1, 0.5])
    np.testing.assert_array_equal(np.maximum(np.array([0.0, 3.0]), x).data, [0, 3])
    assert mt.maximum(x, 0).dtype == mt.float32
    assert mt.maximum(mt.tensor([1, 5]), mt.tensor([2.0, 3.0])).dtype == mt.float32
    assert x.maximum(mt.tensor([0.0, 0.0])).tolist() == [0.0, 2.0]
    with pytest.raises(RuntimeError, match=r"maximum.*\(2,\).*\(3,\)"):
        mt.maximum(x, mt.zeros(3))


def test_maximum_second_derivative_through_create_graph():
    a = leaf([1.0, -2.0])
    (g,) = mt.autograd.grad(mt.maximum(a * a, a), a, grad_outputs=np.ones(2), create_graph=True)
    np.testing.assert_allclose(g.data, [1.5, -4.0])  # tie at a=1: half of 2a + half of 1
    (gg,) = mt.autograd.grad(g, a, grad_outputs=np.ones(2))
    np.testing.assert_allclose(gg.data, [1.0, 2.0])


# --------------------------------------------------------------------- where
@settings(max_examples=20)
@given(shapes3=broadcastable_shapes(num_shapes=3), data=st.data())
def test_where_broadcasts_selects_and_routes_gradient_to_chosen_branch(shapes3, data):
    c_shape, a_shape, b_shape = shapes3
    condition = data.draw(hnp.arrays(np.bool_, c_shape))
    a = data.draw(float_arrays(a_shape))
    b = data.draw(float_arrays(b_shape))
    ta, tb = check_gradients(lambda x, y: mt.where(condition, x, y), a, b)
    out = mt.where(mt.tensor(condition), ta, tb)
    np.testing.assert_array_equal(out.data, np.where(condition, a, b))
    ga, gb = mt.autograd.grad(out, (ta, tb), grad_outputs=np.ones(out.shape))
    full = np.ones(out.shape)
    expected_a = np.where(condition, full, 0)
    expected_b = np.where(condition, 0, full)
    np.testing.assert_array_equal(ga.data, _sum_to(expected_a, a.shape))
    np.testing.assert_array_equal(gb.data, _sum_to(expected_b, b.shape))


def _sum_to(array, shape):
    extra = array.ndim - len(shape)
    array = array.sum(axis=tuple(range(extra))) if extra else array
    axes = tuple(i for i, size in enumerate(shape) if size == 1 and array.shape[i] != 1)
    return array.sum(axis=axes, keepdims=True) if axes else array


def test_where_with_numbers_dtypes_index_form_and_errors():
    x = mt.tensor([-1.0, 2.0, -3.0], requires_grad=True)
    out = mt.where(x > 0, x, 0.0)
    assert out.dtype == mt.float32
    np.testing.assert_array_equal(out.data, [0, 2, 0])
    out.backward(np.ones(3, dtype=np.float32))
    np.testing.assert_array_equal(x.grad.data, [0, 1, 0])
    assert mt.where(mt.tensor([True, False]), 1.0, 0.0).dtype == mt.float32
    assert mt.where(mt.tensor([True, False]), 1, 0).dtype == mt.int64
    assert mt.where(mt.tensor([True]), mt.tensor([1]), 2.5).dtype == mt.float32
    assert mt.where(mt.tensor([True]), mt.ones(1), mt.ones(1, dtype=mt.float64)).dtype == mt.float64
    np.testing.assert_array_equal(x.where(x < 0, 5.0).data, [-1, 5, -3])
    np.testing.assert_array_equal(np.where(np.array([True, False, True]), x, 0).data, [-1, 0, -3])
    rows, cols = mt.where(mt.tensor([[True, False], [False, True]]))
    assert rows.tolist() == [0, 1] and cols.tolist() == [0, 1] and rows.dtype == mt.int64
    with pytest.raises(RuntimeError, match="boolean"):
        mt.where(mt.tensor([1.0, 0.0]), mt.ones(2), 0.0)
    with pytest.raises(RuntimeError, match=r"where.*\(2,\).*\(3,\)"):
        mt.where(mt.tensor([True, False]), mt.ones(3), 0.0)


# ---------------------------------------------------------------- masked_fill
@given(data=st.data())
def test_masked_fill_values_gradient_and_tensor_value(data):
    shape = data.draw(shapes(min_dims=1))
    array = data.draw(float_arrays(shape))
    mask = data.draw(hnp.arrays(np.bool_, shape))
    (x,) = check_gradients(lambda t: mt.masked_fill(t, mask, -7.0), array)
    np.testing.assert_array_equal(mt.masked_fill(x, mask, -7.0).data, np.where(mask, -7.0, array))
    x, value = check_gradients(lambda t, v: t.masked_fill(mt.tensor(mask), v), array, 2.5)
    (gv,) = mt.autograd.grad(mt.masked_fill(x, mask, value), value, grad_outputs=np.ones(shape))
    assert gv.item() == mask.sum()


def test_masked_fill_keeps_dtype_broadcasts_mask_and_validates():
    x = mt.tensor([[1, 2], [3, 4]])
    out = x.masked_fill(mt.tensor([True, False]), 2.7)
    assert out.dtype == mt.int64 and out.tolist() == [[2, 2], [2, 4]]
    assert mt.masked_fill(mt.ones(2, dtype=mt.float32), mt.tensor([True, False]), 0.5).dtype == mt.float32
    with pytest.raises(RuntimeError, match="0-dimensional"):
        mt.masked_fill(mt.ones(2), mt.tensor([True, False]), mt.ones(2))
    widened = mt.masked_fill(mt.ones(2), mt.tensor([[True, False], [False, False]]), 0.0)
    assert widened.tolist() == [[0.0, 1.0], [1.0, 1.0]]  # out of place, the input broadcasts to the mask (PyTorch)
    with pytest.raises(RuntimeError, match="boolean"):
        mt.masked_fill(mt.ones(2), mt.ones(2), 0.0)


# ------------------------------------------------------- cast, clone, fill_, copy_
def test_cast_is_differentiable_between_floats_and_gradient_keeps_input_dtype():
    x = mt.tensor([1.5, -2.0], dtype=mt.float32, requires_grad=True)
    y = mt.cast(x, mt.float64)
    assert y.dtype == mt.float64 and y.grad_fn is not None
    (y * mt.tensor([3.0, 4.0], dtype=mt.float64)).backward(np.ones(2))
    assert x.grad.dtype == mt.float32
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])
    as_int = mt.cast(x, mt.int64)
    assert as_int.dtype == mt.int64 and as_int.grad_fn is None and not as_int.requires_grad
    assert x.double().dtype == mt.float64 and x.long().tolist() == [1, -2]
    # float32 rounding is ~1e-7, so a wide step keeps central differences meaningful
    check_gradients(lambda t: mt.cast(t, mt.float32) * 2, [0.5, 1.0], eps=1e-2)


def test_clone_copies_memory_and_passes_gradient():
    x = leaf([1.0, 2.0])
    y = mt.clone(x)
    assert not np.shares_memory(x.detach().numpy(), y.detach().numpy())
    y2 = x.clone()
    (g,) = mt.autograd.grad(y2 * 3, x, grad_outputs=np.ones(2))
    np.testing.assert_array_equal(g.data, [3, 3])
    check_gradients(mt.clone, np.array([[1.0, -2.0]]))


def test_full_like_value_cuts_gradient_to_input_but_not_to_tensor_value():
    x = leaf([1.0, 2.0, 3.0])
    filled = mt.full_like_value(x, 4.0)
    assert filled.dtype == x.dtype and filled.tolist() == [4.0, 4.0, 4.0]
    (g,) = mt.autograd.grad(filled * x, x, grad_outputs=np.ones(3))
    np.testing.assert_array_equal(g.data, [4, 4, 4])  # only through the product's second factor
    value = leaf(2.0)
    (gv,) = mt.autograd.grad(mt.full_like_value(x, value), value, grad_outputs=np.ones(3))
    assert gv.item() == 3
    y = x * 2
    y.fill_(5.0)
    y.backward(np.ones(3))
    np.testing.assert_array_equal(x.grad.data, [0, 0, 0])


def test_copy_from_broadcasts_casts_and_sends_gradient_to_source_only():
    target = mt.zeros(2, 3, dtype=mt.float32)
    source = leaf([1.0, 2.0, 3.0])
    out = mt.copy_from(target, source)
    assert out.shape == (2, 3) and out.dtype == mt.float32
    (g,) = mt.autograd.grad(out, source, grad_outputs=np.ones((2, 3), dtype=np.float32))
    assert g.dtype == mt.float64
    np.testing.assert_array_equal(g.data, [2, 2, 2])
    x = leaf([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]])
    y = x * 1
    y.copy_(source)
    y.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(x.grad.data, np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match=r"copy_.*\(4,\).*\(2, 3\)"):
        mt.copy_from(target, mt.zeros(4))


def test_copy_into_a_transposed_view_casts_and_takes_non_blocking():
    base = mt.zeros(2, 3, dtype=mt.int64)
    assert base.t().copy_(mt.tensor([[1.7, -2.7], [3.2, 4.9], [5.5, 6.1]]), non_blocking=True)._base is base
    np.testing.assert_array_equal(np.asarray(base), [[1, 3, 5], [-2, 4, 6]])  # cast toward zero, as C does
    assert base._version == 1


# ------------------------------------------------- higher-order derivatives
def test_second_and_third_derivative_of_x_cubed_sin_x():
    values = np.array([-2.0, -0.5, 0.3, 1.7])
    x = leaf(values)
    f = lambda t: t**3 * mt.sin(t)
    d1 = derivative(f, x, create_graph=True)
    ones = np.ones(4)
    (d2,) = mt.autograd.grad(d1, x, grad_outputs=ones, create_graph=True)
    (d3,) = mt.autograd.grad(d2, x, grad_outputs=ones)
    s, c = np.sin(values), np.cos(values)
    v = values
    np.testing.assert_allclose(d1.data, 3 * v**2 * s + v**3 * c, rtol=1e-12)
    np.testing.assert_allclose(d2.data, 6 * v * s + 6 * v**2 * c - v**3 * s, rtol=1e-12)
    np.testing.assert_allclose(d3.data, 6 * s + 18 * v * c - 9 * v**2 * s - v**3 * c, rtol=1e-12)


def test_exp_log_sqrt_higher_derivatives_match_formulas():
    values = np.array([0.5, 1.0, 2.5])
    x = leaf(values)
    ones = np.ones(3)
    (d1,) = mt.autograd.grad(mt.log(x), x, grad_outputs=ones, create_graph=True)
    (d2,) = mt.autograd.grad(d1, x, grad_outputs=ones, create_graph=True)
    (d3,) = mt.autograd.grad(d2, x, grad_outputs=ones)
    np.testing.assert_allclose(d3.data, 2 / values**3, rtol=1e-12)
    (e1,) = mt.autograd.grad(mt.exp(x * 2), x, grad_outputs=ones, create_graph=True)
    (e2,) = mt.autograd.grad(e1, x, grad_outputs=ones)
    np.testing.assert_allclose(e2.data, 4 * np.exp(2 * values), rtol=1e-12)
    (s1,) = mt.autograd.grad(mt.sqrt(x), x, grad_outputs=ones, create_graph=True)
    (s2,) = mt.autograd.grad(s1, x, grad_outputs=ones)
    np.testing.assert_allclose(s2.data, -0.25 * values**-1.5, rtol=1e-12)


# ------------------------------------------------------ comparisons and logic
COMPARISONS = [
    (mt.eq, np.equal, lambda a, b: a == b), (mt.ne, np.not_equal, lambda a, b: a != b),
    (mt.lt, np.less, lambda a, b: a < b), (mt.le, np.less_equal, lambda a, b: a <= b),
    (mt.gt, np.greater, lambda a, b: a > b), (mt.ge, np.greater_equal, lambda a, b: a >= b),
]


@given(pair=broadcastable_shapes(), data=st.data())
def test_comparisons_give_bool_tensors_without_grad_and_match_numpy(pair, data):
    ints = lambda shape: hnp.arrays(np.float64, shape, elements=st.integers(-2, 2))
    a = data.draw(ints(pair[0]))
    b = data.draw(ints(pair[1]))
    ta = mt.tensor(a, requires_grad=True)
    tb = mt.tensor(b)
    for function, reference, operator in COMPARISONS:
        for result in (function(ta, tb), operator(ta, tb), operator(ta, b), function(a, tb)):
            assert isinstance(result, mt.Tensor)
            assert result.dtype == mt.bool
            assert result.grad_fn is None and not result.requires_grad
            np.testing.assert_array_equal(result.data, reference(a, b))


def test_comparisons_with_numbers_reflected_and_errors():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    assert (x > 1.5).tolist() == [False, True, True]
    assert (2 < x).tolist() == [False, False, True]
    assert (x == 2).tolist() == [False, True, False]
    assert (np.array([1.0, 0.0, 5.0]) < x).tolist() == [False, True, False]
    assert x.ge(2).tolist() == [False, True, True]
    assert mt.tensor(3) <= 3
    with pytest.raises(RuntimeError, match=r"lt.*\(3,\).*\(2,\)"):
        x < mt.zeros(2)
    with pytest.raises(TypeError, match="eq"):
        mt.eq(x, "a")


def test_logical_ops_isnan_isfinite():
    a = mt.tensor([True, True, False, False])
    b = mt.tensor([True, False, True, False])
    assert mt.logical_and(a, b).tolist() == [True, False, False, False]
    assert mt.logical_or(a, b).tolist() == [True, True, True, False]
    assert mt.logical_xor(a, b).tolist() == [False, True, True, False]
    assert mt.logical_not(a).tolist() == [False, False, True, True]
    assert (~a).tolist() == [False, False, True, True]
    assert (a & b).tolist() == [True, False, False, False] and (a | b).tolist() == [True, True, True, False]
    assert mt.logical_not(mt.tensor([0.0, 2.0])).tolist() == [True, False]
    v = mt.tensor([1.0, np.nan, np.inf, -np.inf])
    assert mt.isnan(v).tolist() == [False, True, False, False]
    assert mt.isfinite(v).tolist() == [True, False, False, False]
    assert mt.isinf(v).tolist() == [False, False, True, True]
    for result in (mt.isnan(v), mt.logical_and(a, b)):
        assert result.dtype == mt.bool and result.grad_fn is None


def test_allclose_and_equal_return_python_bools():
    x = mt.tensor([1.0, 2.0])
    assert mt.allclose(x, mt.tensor([1.0, 2.0 + 1e-7])) is True
    assert mt.allclose(x, mt.tensor([1.0, 2.1])) is False
    assert mt.allclose(x, [1.0, 2.1], atol=0.2) is True
    assert mt.allclose(x, mt.tensor(1.0)) is False and mt.allclose(mt.ones(3), 1.0) is True
    assert mt.allclose(mt.tensor([np.nan]), mt.tensor([np.nan])) is False
    assert mt.allclose(mt.tensor([np.nan]), mt.tensor([np.nan]), equal_nan=True) is True
    with pytest.raises(RuntimeError, match="allclose"):
        mt.allclose(mt.ones(2), mt.ones(3))
    assert mt.equal(x, mt.tensor([1.0, 2.0])) is True
    assert mt.equal(x, mt.tensor([1.0, 3.0])) is False
    assert mt.equal(x, mt.tensor([[1.0, 2.0]])) is False  # shapes differ: no broadcasting


def test_selection_ops_keep_float32_in_values_and_gradients():
    x = mt.tensor([[-2.0, 0.5, 3.0]], dtype=mt.float32, requires_grad=True)
    other = mt.tensor([[1.0], [0.25]], dtype=mt.float32, requires_grad=True)
    ops = [
        lambda: mt.maximum(x, other), lambda: mt.minimum(other, x), lambda: mt.where(x.data > 0, x, other),
        lambda: mt.clamp(x, min=other), lambda: mt.clamp(x, -1.0, 1.0), lambda: mt.masked_fill(x, x.data > 1, 0.0),
    ]
    for make in ops:
        out = make()
        assert out.dtype == mt.float32
        needed = (x, other) if out.shape == (2, 3) else (x,)
        for g in mt.autograd.grad(out, needed, grad_outputs=np.ones(out.shape, dtype=np.float32)):
            assert g.dtype == mt.float32


def test_clamp_converts_int_bounds_of_integer_tensors_as_pytorch():
    u = mt.tensor([1, 2, 3], dtype=mt.uint8)
    assert u.clamp(min=-1).tolist() == [255, 255, 255]  # -1 is 255 in uint8, PyTorch's checked conversion
    assert u.clamp(min=-1).dtype == mt.uint8
    with pytest.raises(RuntimeError, match=r"clamp: value -300 cannot be converted to type uint8"):
        u.clamp(min=-300)
    with pytest.raises(RuntimeError, match=r"clamp: value 300 cannot be converted to type int8"):
        mt.tensor([1, 2], dtype=mt.int8).clamp_(max=300)
    assert mt.tensor([1, 2, 3], dtype=mt.int8).clamp(max=300.0).dtype == mt.float32  # a float bound promotes
