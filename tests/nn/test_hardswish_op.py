"""F.hardswish as a fused op: values and gradients against the piecewise formulas written here,
PyTorch's gradient at +-inf (not the composition's nan), central differences, second derivative."""
import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
import microtensor.nn.functional as F
from tests.strategies import check_gradients


def formula(x):
    return np.where(x <= -3, 0.0, np.where(x >= 3, x, x * (x + 3) / 6))


def slope(x):
    return np.where(x <= -3, 0.0, np.where(x >= 3, 1.0, x / 3 + 0.5))


def test_values_and_gradient_including_infinities():
    values = np.array([np.inf, -np.inf, -3.0, 3.0, -1.0, 0.0, 2.0, 5.0, -5.0])
    x = mt.tensor(values, requires_grad=True)
    y = F.hardswish(x)
    np.testing.assert_allclose(y.detach().numpy()[[0, 2, 3, 4, 5, 6, 7, 8]], formula(values)[[0, 2, 3, 4, 5, 6, 7, 8]])
    assert np.isnan(y.detach().numpy()[1])  # -inf * 0, as in PyTorch
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), slope(values))  # 1 at +inf and 0 at -inf, no nan


def test_second_derivative_is_a_third_inside():
    x = mt.tensor([-5.0, -1.0, 0.5, 2.5, 4.0], requires_grad=True)
    (grad,) = mt.autograd.grad(F.hardswish(x).sum(), x, create_graph=True)
    (second,) = mt.autograd.grad(grad.sum(), x)
    np.testing.assert_allclose(second.numpy(), [0.0, 1 / 3, 1 / 3, 1 / 3, 0.0])


@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                  elements=st.floats(-6, 6).filter(lambda v: abs(abs(v) - 3) > 1e-2)))
def test_gradcheck(x):
    check_gradients(F.hardswish, x)
    np.testing.assert_allclose(F.hardswish(mt.tensor(x)).numpy(), formula(x), atol=1e-15)


def test_float32_stays_float32_and_in_place_form():
    t = mt.tensor([1.0, -4.0, 4.0])
    assert F.hardswish(t).dtype == mt.float32
    F.hardswish(t, inplace=True)
    np.testing.assert_allclose(t.numpy(), [2 / 3, 0.0, 4.0], rtol=1e-6)
