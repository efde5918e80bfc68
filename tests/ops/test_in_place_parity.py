"""In-place forms of the elementwise ops, PyTorch's long method names and the top-level in-place
functions: values equal the out-of-place op's, writes through a view reach the base with the
right gradient, ops without a gradient cut the history, and the names and signatures match."""
import inspect

import numpy as np
import pytest

import microtensor as mt

# in-place method, out-of-place function, arguments after the tensor, (low, high) of its values
CASES = [
    ("tan_", mt.tan, (), (-1.0, 1.0)), ("arcsin_", mt.asin, (), (-0.9, 0.9)), ("atanh_", mt.atanh, (), (-0.9, 0.9)),
    ("cosh_", mt.cosh, (), (-2, 2)), ("erf_", mt.erf, (), (-2, 2)), ("rsqrt_", mt.rsqrt, (), (0.5, 2)),
    ("logit_", mt.logit, (), (0.1, 0.9)), ("fix_", mt.trunc, (), (-3, 3)), ("deg2rad_", mt.deg2rad, (), (-90, 90)),
    ("lgamma_", mt.lgamma, (), (0.5, 3)), ("erfinv_", mt.erfinv, (), (-0.9, 0.9)), ("sinc_", mt.sinc, (), (-2, 2)),
    ("atan2_", mt.atan2, (0.7,), (-2, 2)), ("hypot_", mt.hypot, (1.5,), (-2, 2)), ("xlogy_", mt.xlogy, (2.0,), (-2, 2)),
    ("copysign_", mt.copysign, (-1.0,), (-2, 2)), ("ldexp_", mt.ldexp, (mt.tensor([2.0]),), (-2, 2)),
    ("clamp_min_", mt.clamp_min, (0.1,), (-1, 1)), ("nan_to_num_", mt.nan_to_num, (), (-1, 1)),
    ("lerp_", mt.lerp, (mt.tensor([1.0]), 0.25), (-2, 2)),
    ("addcmul_", lambda t, a, b, value: mt.addcmul(t, a, b, value=value), (mt.tensor([2.0]), mt.tensor([3.0]), 0.5), (-2, 2)),
    ("cumsum_", lambda t, dim: mt.cumsum(t, dim), (0,), (-2, 2)),
    ("absolute_", mt.abs, (), (-2, 2)), ("negative_", mt.neg, (), (-2, 2)), ("multiply_", mt.mul, (3.0,), (-2, 2)),
    ("subtract_", mt.sub, (3.0,), (-2, 2)), ("true_divide_", mt.div, (4.0,), (-2, 2)),
]


def _values(low, high):
    return np.linspace(low, high, 6).reshape(2, 3)


@pytest.mark.parametrize("name, function, arguments, domain", CASES, ids=[case[0] for case in CASES])
def test_in_place_form_through_a_view_matches_the_op_with_its_gradient(name, function, arguments, domain):
    values = _values(*domain)
    if name == "addcmul_":
        method_arguments, keywords = arguments[:2], {"value": arguments[2]}
    else:
        method_arguments, keywords = arguments, {}
    leaf = mt.tensor(values, dtype=mt.float64, requires_grad=True)
    base = leaf * 1
    row = base[1]
    assert getattr(row, name)(*method_arguments, **keywords) is row
    reference_leaf = mt.tensor(values, dtype=mt.float64, requires_grad=True)
    expected_row = function(reference_leaf[1], *arguments)
    np.testing.assert_allclose(base.detach().numpy()[1], expected_row.detach().numpy(), rtol=1e-12)  # the base sees the write
    np.testing.assert_array_equal(base.detach().numpy()[0], values[0])
    weights = mt.tensor(np.arange(1.0, 7.0).reshape(2, 3))
    (base * weights).sum().backward()
    (mt.cat([reference_leaf[0], expected_row]).reshape(2, 3) * weights).sum().backward()
    np.testing.assert_allclose(leaf.grad.numpy(), reference_leaf.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("name, other", [
    ("eq_", 1.0), ("ne_", 1.0), ("lt_", 0.5), ("ge_", 0.5), ("greater_", 0.5), ("less_equal_", 0.5),
    ("not_equal_", 1.0), ("logical_and_", 0.0), ("logical_or_", 0.0), ("logical_xor_", 1.0), ("logical_not_", None),
])
def test_comparisons_in_place_write_zeros_and_ones_with_derivative_zero(name, other):
    leaf = mt.tensor([0.0, 1.0, 2.0], requires_grad=True)
    x = leaf * 1
    arguments = () if other is None else (other,)
    getattr(x, name)(*arguments)
    plain = getattr(mt, name[:-1])(mt.tensor([0.0, 1.0, 2.0]), *arguments)
    assert x.dtype == mt.float32 and x.detach().numpy().tolist() == plain.numpy().astype(np.float32).tolist()
    (x * 5).sum().backward()
    assert leaf.grad.numpy().tolist() == [0.0, 0.0, 0.0]


def test_in_place_forms_with_their_own_arguments_and_dtype_rules():
    assert mt.tensor([1.0, 2.0]).polygamma_(1).numpy() == pytest.approx([np.pi ** 2 / 6, np.pi ** 2 / 6 - 1])
    assert mt.tensor([2.5]).mvlgamma_(2).numpy() == pytest.approx(mt.mvlgamma(mt.tensor([2.5]), 2).numpy())
    assert mt.tensor([2.0], dtype=mt.float64).float_power_(3).item() == 8.0
    assert mt.tensor([12, 18]).gcd_(mt.tensor([8, 27])).numpy().tolist() == [4, 9]
    assert mt.tensor([4.0]).divide_(3, rounding_mode="floor").item() == 1.0
    assert mt.tensor([-1.0, 0.0]).heaviside_(mt.tensor([0.5])).numpy().tolist() == [0.0, 0.5]
    t = mt.tensor([1, 2])
    assert t.eq_(2) is t and t.dtype == mt.int64 and t.numpy().tolist() == [0, 1]
    with pytest.raises(RuntimeError, match="can't be cast"):
        mt.tensor([1, 2]).tan_()
    version = mt.tensor([1.0])
    before = version._version
    version.sinh_()
    assert version._version == before + 1


def test_method_aliases_are_the_ops():
    t, u = mt.tensor([1.0, -2.0]), mt.tensor([2.0, 2.0])
    assert t.absolute().numpy().tolist() == [1.0, 2.0]
    for alias, op in [("multiply", mt.mul), ("divide", mt.div), ("subtract", mt.sub),
                      ("true_divide", mt.div), ("greater", mt.gt), ("greater_equal", mt.ge), ("less", mt.lt),
                      ("less_equal", mt.le), ("not_equal", mt.ne)]:
        arguments = (u,)
        assert getattr(t, alias)(*arguments).numpy().tolist() == op(t, *arguments).numpy().tolist(), alias
        assert getattr(mt, alias)(t, *arguments).numpy().tolist() == op(t, *arguments).numpy().tolist(), alias
    assert t.negative().numpy().tolist() == [-1.0, 2.0]
    assert t.subtract(u, alpha=2).numpy().tolist() == [-3.0, -6.0]


def test_top_level_in_place_functions_are_the_methods():
    t = mt.tensor([-1.0, 4.0])
    assert mt.relu_(t) is t and t.numpy().tolist() == [0.0, 4.0]
    assert mt.sqrt_(t).numpy().tolist() == [0.0, 2.0]
    assert mt.clamp_(t, min=1.0).numpy().tolist() == [1.0, 2.0]
    assert mt.fill_(t, 3.0).numpy().tolist() == [3.0, 3.0]
    assert mt.zero_(t).numpy().tolist() == [0.0, 0.0]
    assert mt.gcd_(mt.tensor([4]), mt.tensor([6])).item() == 2
    leaf = mt.tensor([1.0], requires_grad=True)
    y = leaf * 2
    assert mt.detach_(y) is y and not y.requires_grad
    parameters = list(inspect.signature(mt.addmv_).parameters)
    assert parameters[:3] == ["input", "mat", "vec"] and inspect.signature(mt.Tensor.addcmul_).parameters["value"].kind \
        is inspect.Parameter.KEYWORD_ONLY
    for name in ("abs_", "tanh_", "sigmoid_", "exp_", "neg_", "negative_", "xlogy_", "nan_to_num_", "i0_", "sinc_"):
        assert callable(getattr(mt, name)), name
