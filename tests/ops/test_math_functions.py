"""Trigonometry's inverses, hyperbolic and special functions, fused products and reduction variants:
values against numpy / Python's math module, gradients by central differences over hypothesis
shapes (views included) and a second-order check, dtypes, and the finfo / iinfo limits."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.strategies import check_gradients, shapes

# name, function, numpy reference, (low, high) of the inputs where the function is smooth
UNARY = [
    ("tan", mt.tan, np.tan, (-1.2, 1.2)),
    ("asin", mt.asin, np.arcsin, (-0.9, 0.9)),
    ("acos", mt.acos, np.arccos, (-0.9, 0.9)),
    ("atan", mt.atan, np.arctan, (-3, 3)),
    ("sinh", mt.sinh, np.sinh, (-3, 3)),
    ("cosh", mt.cosh, np.cosh, (-3, 3)),
    ("asinh", mt.asinh, np.arcsinh, (-3, 3)),
    ("acosh", mt.acosh, np.arccosh, (1.1, 4)),
    ("atanh", mt.atanh, np.arctanh, (-0.9, 0.9)),
    ("erf", mt.erf, np.vectorize(math.erf), (-2, 2)),
    ("erfc", mt.erfc, np.vectorize(math.erfc), (-2, 2)),
    ("logit", mt.logit, lambda p: np.log(p / (1 - p)), (0.05, 0.95)),
    ("rsqrt", mt.rsqrt, lambda x: 1 / np.sqrt(x), (0.2, 4)),
    ("exp2", mt.exp2, np.exp2, (-3, 3)),
    ("deg2rad", mt.deg2rad, np.deg2rad, (-360, 360)),
    ("rad2deg", mt.rad2deg, np.rad2deg, (-4, 4)),
]
BINARY = [
    ("atan2", mt.atan2, np.arctan2, (-2, 2), (0.3, 2)),
    ("hypot", mt.hypot, np.hypot, (0.3, 2), (-2, 2)),
    ("xlogy", mt.xlogy, lambda x, y: x * np.log(y), (-2, 2), (0.2, 3)),
    ("logaddexp", mt.logaddexp, np.logaddexp, (-3, 3), (-3, 3)),
    ("logaddexp2", mt.logaddexp2, np.logaddexp2, (-3, 3), (-3, 3)),
]


def _array(data, shape, low, high):
    size = int(np.prod(shape))
    values = data.draw(st.lists(st.floats(low, high), min_size=size, max_size=size))
    return np.array(values, dtype=np.float64).reshape(shape)


@pytest.mark.parametrize("name, function, reference, domain", UNARY, ids=[case[0] for case in UNARY])
@settings(max_examples=8, deadline=None)
@given(shape=shapes(max_dims=2), data=st.data())
def test_unary_values_and_gradients(name, function, reference, domain, shape, data):
    x = _array(data, shape, *domain)
    np.testing.assert_allclose(function(mt.tensor(x)).numpy(), reference(x), rtol=1e-12, atol=1e-12)
    (leaf,) = check_gradients(function, x)
    (grad,) = mt.autograd.grad(function(leaf).sum(), (leaf,), create_graph=True)
    assert mt.autograd.gradcheck(lambda t: mt.autograd.grad(function(t).sum(), (t,), create_graph=True)[0], (leaf,))
    if x.ndim == 2 and x.shape[0] > 1:  # through a view: a transposed leaf
        check_gradients(lambda t: function(t.T), x)
    assert grad.shape == x.shape


@pytest.mark.parametrize("name, function, reference, a_domain, b_domain", BINARY, ids=[case[0] for case in BINARY])
@settings(max_examples=8, deadline=None)
@given(data=st.data())
def test_binary_values_and_broadcast_gradients(name, function, reference, a_domain, b_domain, data):
    a = _array(data, (2, 3), *a_domain)
    b = _array(data, (3,), *b_domain)
    np.testing.assert_allclose(function(mt.tensor(a), mt.tensor(b)).numpy(), reference(a, b), rtol=1e-12, atol=1e-12)
    check_gradients(function, a, b)


def test_integer_inputs_give_the_default_float_dtype():
    for function in (mt.tan, mt.asin, mt.sinh, mt.erf, mt.rsqrt, mt.deg2rad):
        assert function(mt.tensor([1, 0])).dtype == mt.float32
    assert mt.atan2(mt.tensor([1]), mt.tensor([1])).tolist() == pytest.approx([math.pi / 4])
    assert mt.xlogy(mt.tensor([2]), mt.tensor([3])).dtype == mt.float32
    assert mt.atan2(mt.tensor([1.0], dtype=mt.float64), mt.tensor([2])).dtype == mt.float64


def test_edges_follow_pytorch():
    assert math.isnan(mt.asin(mt.tensor([2.0])).item()) and math.isnan(mt.acosh(mt.tensor([0.5])).item())
    assert mt.xlogy(mt.tensor([0.0, 0.0]), mt.tensor([0.0, 5.0])).tolist() == [0.0, 0.0]  # 0 log 0 = 0
    assert math.isnan(mt.xlogy(mt.tensor([0.0]), mt.tensor([float("nan")])).item())
    assert mt.logaddexp(mt.tensor([1000.0]), mt.tensor([1000.0])).item() == pytest.approx(1000 + math.log(2))
    assert mt.logit(mt.tensor([0.0, 1.0], dtype=mt.float64), eps=1e-6).tolist() == pytest.approx(
        [math.log(1e-6 / (1 - 1e-6)), math.log((1 - 1e-6) / 1e-6)])
    p = mt.tensor([0.0, 0.5], dtype=mt.float64, requires_grad=True)
    mt.logit(p, eps=0.1).sum().backward()
    assert p.grad.tolist() == [0.0, 4.0]  # 0 where the clamp holds p; 1 / (p (1 - p)) elsewhere
    assert mt.tensor([0.25]).arcsin().item() == pytest.approx(math.asin(0.25))


def test_fused_products_match_their_formulas():
    rng = np.random.default_rng(0)
    c, a, b = rng.standard_normal(4), rng.standard_normal((2, 3)), rng.standard_normal((3, 4))
    v = rng.standard_normal(3)
    np.testing.assert_allclose(mt.addmm(mt.tensor(c), mt.tensor(a), mt.tensor(b), beta=0.5, alpha=2).numpy(),
                               0.5 * c + 2 * a @ b)
    np.testing.assert_allclose(mt.addmv(mt.tensor(c[:2]), mt.tensor(a), mt.tensor(v)).numpy(), c[:2] + a @ v)
    b1, b2 = rng.standard_normal((2, 2, 3)), rng.standard_normal((2, 3, 2))
    m = rng.standard_normal((2, 2))
    np.testing.assert_allclose(mt.baddbmm(mt.tensor(m), mt.tensor(b1), mt.tensor(b2)).numpy(), m + b1 @ b2)
    np.testing.assert_allclose(mt.addbmm(mt.tensor(m), mt.tensor(b1), mt.tensor(b2)).numpy(), m + (b1 @ b2).sum(0))
    np.testing.assert_allclose(mt.addcdiv(mt.tensor(v), mt.tensor(v), mt.tensor(v + 5), value=0.1).numpy(),
                               v + 0.1 * v / (v + 5))
    np.testing.assert_allclose(mt.lerp(mt.tensor(v), mt.tensor(2 * v), 0.25).numpy(), v + 0.25 * v)
    np.testing.assert_allclose(mt.inner(mt.tensor(a), mt.tensor(b1)).numpy(), np.inner(a, b1))
    np.testing.assert_allclose(mt.tensor(a).mv(mt.tensor(v)).numpy(), a @ v)
    check_gradients(lambda x, y, z: mt.addmm(x, y, z, beta=0.5, alpha=2), c, a, b)
    check_gradients(lambda x, y, z: mt.baddbmm(x, y, z, alpha=0.3), m, b1, b2)
    check_gradients(lambda x, y, z: x.addcmul(y, z, value=3), v, v, v)
    check_gradients(lambda x, y: mt.inner(x, y), a, b1)
    # beta = 0 ignores the input, nan included; its shape must still fit
    assert mt.addmm(mt.tensor([float("nan")]), mt.ones(1, 2), mt.ones(2, 1), beta=0).tolist() == [[2.0]]
    with pytest.raises(RuntimeError, match="addmm: input of shape"):
        mt.addmm(mt.ones(3), mt.ones(2, 2), mt.ones(2, 2))
    with pytest.raises(RuntimeError, match="mv: vec must be a 1-D tensor"):
        mt.mv(mt.ones(2, 2), mt.ones(2, 1))


def test_reduction_variants():
    x = mt.tensor([[1.0, float("nan")], [3.0, 4.0]], requires_grad=True)
    total = mt.nansum(x)
    assert total.item() == 8.0
    total.backward()
    assert x.grad.tolist() == [[1.0, 0.0], [1.0, 1.0]]
    assert mt.nanmean(x, dim=1).tolist() == [1.0, 3.5] and math.isnan(mt.nanmean(mt.tensor([float("nan")])).item())
    assert mt.count_nonzero(mt.tensor([[0, 1], [2, 0]]), dim=0).tolist() == [1, 1]
    assert mt.count_nonzero(mt.tensor([0.0, 2.0])).item() == 1
    low, high = mt.aminmax(mt.tensor([[3, 1], [2, 5]]), dim=1)
    assert low.tolist() == [1, 2] and high.tolist() == [3, 5]
    assert mt.aminmax(mt.tensor([3, 1])).max.item() == 3
    values = np.array([1.0, 2.0, 3.0, 4.0])
    std, mean = mt.std_mean(mt.tensor(values))
    assert std.item() == pytest.approx(values.std(ddof=1)) and mean.item() == 2.5
    var, mean = mt.var_mean(mt.tensor([[1.0, 2.0], [3.0, 5.0]]), dim=1, correction=0)
    assert var.tolist() == [0.25, 1.0] and mean.tolist() == [1.5, 4.0]


def test_finfo_and_iinfo():
    assert mt.finfo(mt.float32).eps == float(np.finfo(np.float32).eps)
    assert mt.finfo().max == float(np.finfo(np.float32).max)  # the default dtype
    assert mt.finfo(mt.float64).tiny == 2.2250738585072014e-308 and mt.finfo(mt.float16).bits == 16
    assert isinstance(mt.finfo(mt.float32).eps, float)
    assert mt.iinfo(mt.int64).max == 2**63 - 1 and mt.iinfo(mt.uint8).min == 0 and mt.iinfo(mt.int8).bits == 8
    with pytest.raises(TypeError, match="iinfo"):
        mt.finfo(mt.int32)
    with pytest.raises(TypeError, match="finfo"):
        mt.iinfo(mt.float32)
