"""F.threshold, F.hardshrink, F.softshrink and F.prelu as fused ops: values against numpy
formulas written here, nan passing through, gradients by central differences, and second
derivatives (zero with respect to the input, the channel mask with respect to prelu's weight)."""
import numpy as np
import pytest
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
import microtensor.nn.functional as F
from tests.strategies import check_gradients

EDGES = np.array([np.nan, np.inf, -np.inf, 0.5, -0.5, 0.0, 1.0, -1.0, 0.2, -0.3])


def expected(name, x, lambd=0.5, threshold=0.5, value=7.0):
    if name == "threshold":
        return np.array([value if v <= threshold else v for v in x])
    if name == "hardshrink":
        return np.array([0.0 if -lambd <= v <= lambd else v for v in x])
    return np.array([v - lambd if v > lambd else v + lambd if v < -lambd else v * 0.0 for v in x])


def run(name, x):
    if name == "threshold":
        return F.threshold(x, 0.5, 7.0)
    return getattr(F, name)(x, 0.5)


@pytest.mark.parametrize("name", ["threshold", "hardshrink", "softshrink"])
def test_values_at_the_edges_nan_passes_through(name):
    out = run(name, mt.tensor(EDGES))
    np.testing.assert_array_equal(out.numpy(), expected(name, EDGES))
    assert np.isnan(out.numpy()[0])


@pytest.mark.parametrize("name", ["threshold", "hardshrink", "softshrink"])
def test_first_gradient_is_the_kept_mask(name):
    x = mt.tensor(EDGES, requires_grad=True)
    run(name, x).sum().backward()
    kept = EDGES > 0.5 if name == "threshold" else np.abs(EDGES) > 0.5
    if name == "threshold":
        kept = kept | np.isnan(EDGES)  # x <= threshold is False for nan: it passes, with its gradient
    np.testing.assert_array_equal(x.grad.numpy(), kept.astype(float))


@pytest.mark.parametrize("name", ["threshold", "hardshrink", "softshrink"])
def test_second_derivative_with_respect_to_the_input_is_zero(name):
    x = mt.tensor([-2.0, -0.1, 0.3, 1.5], requires_grad=True)
    (grad,) = mt.autograd.grad(run(name, x).pow(2).sum(), x, create_graph=True)
    (second,) = mt.autograd.grad(grad.sum(), x)
    y = expected(name, x.detach().numpy())
    kept = (x.detach().numpy() > 0.5) if name == "threshold" else np.abs(x.detach().numpy()) > 0.5
    # d/dx of 2 y y' with y' the 0/1 mask: 2 y'^2 (the mask's own derivative is 0)
    np.testing.assert_allclose(grad.detach().numpy(), 2 * y * kept)
    np.testing.assert_allclose(second.numpy(), 2 * kept.astype(float))


def test_gradient_of_the_gradient_alone_is_zeros_not_an_error():
    x = mt.tensor([-2.0, 0.1, 1.5], requires_grad=True)
    for name in ("threshold", "hardshrink", "softshrink"):
        (grad,) = mt.autograd.grad(run(name, x).sum(), x, create_graph=True)
        (second,) = mt.autograd.grad(grad.sum(), x)
        np.testing.assert_array_equal(second.numpy(), np.zeros(3))


away_from_kinks = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                             elements=st.floats(-3, 3).filter(lambda v: min(abs(abs(v) - 0.5), abs(v - 0.5)) > 1e-2))


@given(away_from_kinks)
def test_gradcheck(x):
    check_gradients(lambda t: F.threshold(t, 0.5, -1.0), x)
    check_gradients(lambda t: F.hardshrink(t, 0.5), x)
    check_gradients(lambda t: F.softshrink(t, 0.5), x)


def test_threshold_keeps_an_integer_dtype_and_float32():
    assert F.threshold(mt.tensor([1, 2, 3]), 1.5, 7.0).tolist() == [7, 2, 3]
    assert F.threshold(mt.tensor([1, 2, 3]), 1.5, 7.0).dtype == mt.int64
    assert F.threshold(mt.tensor([-1.0, 2.0]), 0.5, 7.25).dtype == mt.float32


def test_in_place_threshold_writes_into_the_input_and_differentiates():
    leaf = mt.tensor([0.2, 0.75, -1.0], requires_grad=True)
    h = leaf * 1
    F.threshold_(h, 0.5, 0.0)
    assert h.tolist() == [0.0, 0.75, 0.0]
    h.sum().backward()
    assert leaf.grad.tolist() == [0.0, 1.0, 0.0]


@pytest.mark.parametrize("name", ["hardshrink", "softshrink"])
def test_shrinks_refuse_integer_tensors(name):
    with pytest.raises(RuntimeError, match=f'"{name}" not implemented for \'Long\''):
        getattr(F, name)(mt.tensor([1, 2]), 0.5)


def test_prelu_values_and_gradients_per_channel():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 4))
    w = np.array([0.1, -0.4, 0.7])
    out = F.prelu(mt.tensor(x), mt.tensor(w))
    np.testing.assert_allclose(out.numpy(), np.where(x > 0, x, w[:, None] * x))
    check_gradients(F.prelu, x, w)
    check_gradients(F.prelu, x[0, 0], np.array([0.3]))


def test_prelu_second_derivatives():
    x = mt.tensor([[-2.0, 0.5], [1.5, -0.25]], requires_grad=True)
    w = mt.tensor([0.3, -0.6], requires_grad=True)
    grad_x, grad_w = mt.autograd.grad(F.prelu(x, w).sum(), (x, w), create_graph=True)
    negative = x.detach().numpy() <= 0
    np.testing.assert_allclose(grad_x.detach().numpy(), np.where(negative, w.detach().numpy(), 1.0))
    np.testing.assert_allclose(grad_w.detach().numpy(), (x.detach().numpy() * negative).sum(axis=0))
    dx, dw = mt.autograd.grad(grad_x.sum(), (x, w), retain_graph=True)
    np.testing.assert_array_equal(dx.numpy(), np.zeros((2, 2)))   # the mask does not move with x
    np.testing.assert_array_equal(dw.numpy(), negative.sum(axis=0))  # d/dw of w where x <= 0
    (dx2,) = mt.autograd.grad(grad_w.sum(), x)
    np.testing.assert_array_equal(dx2.numpy(), negative.astype(float))


def test_prelu_refuses_mixed_dtypes_and_nan_takes_the_weight():
    with pytest.raises(RuntimeError, match="prelu: Type promoting not supported. Got Float and Double"):
        F.prelu(mt.randn(2, 3), mt.ones(3, dtype=mt.float64))
    x = mt.tensor([np.nan, 2.0], requires_grad=True)
    w = mt.tensor([0.25], requires_grad=True)
    F.prelu(x, w).sum().backward()
    assert x.grad.tolist() == [0.25, 1.0]
    assert np.isnan(w.grad.item())
