"""``out=`` on ``mt.<op>`` (PyTorch's rules): the result is written into ``out`` and ``out`` is
returned; another shape is resized (with PyTorch's warning unless ``out`` was empty); the
result must cast to ``out``'s dtype (same kind); autograd does not go through ``out=``; the
write bumps ``out``'s version and goes through to the base of a view. Tensor methods take
no ``out=``, as in PyTorch."""
import inspect
import warnings

import numpy as np
import pytest

import microtensor as mt

A = np.array([[0.5, -1.5, 2.0], [1.25, 0.75, -0.25]], dtype=np.float32)
B = np.array([2.0, -0.5, 1.5], dtype=np.float32)
POSITIVE = np.abs(A) + 0.5


def t(array):
    return mt.tensor(array)


# name -> the call (keyword arguments go to the op, e.g. out=)
OPS = {
    "add": lambda **kw: mt.add(t(A), t(B), alpha=2, **kw),
    "sub": lambda **kw: mt.sub(t(A), t(B), **kw),
    "mul": lambda **kw: mt.mul(t(A), 3, **kw),
    "div": lambda **kw: mt.div(t(A), t(B), **kw),
    "pow": lambda **kw: mt.pow(t(POSITIVE), 1.5, **kw),
    "neg": lambda **kw: mt.neg(t(A), **kw),
    "exp": lambda **kw: mt.exp(t(A), **kw),
    "log": lambda **kw: mt.log(t(POSITIVE), **kw),
    "log10": lambda **kw: mt.log10(t(POSITIVE), **kw),
    "log2": lambda **kw: mt.log2(t(POSITIVE), **kw),
    "log1p": lambda **kw: mt.log1p(t(POSITIVE), **kw),
    "expm1": lambda **kw: mt.expm1(t(A), **kw),
    "sqrt": lambda **kw: mt.sqrt(t(POSITIVE), **kw),
    "abs": lambda **kw: mt.abs(t(A), **kw),
    "sin": lambda **kw: mt.sin(t(A), **kw),
    "cos": lambda **kw: mt.cos(t(A), **kw),
    "sign": lambda **kw: mt.sign(t(A), **kw),
    "square": lambda **kw: mt.square(t(A), **kw),
    "reciprocal": lambda **kw: mt.reciprocal(t(POSITIVE), **kw),
    "floor": lambda **kw: mt.floor(t(A), **kw),
    "ceil": lambda **kw: mt.ceil(t(A), **kw),
    "trunc": lambda **kw: mt.trunc(t(A), **kw),
    "round": lambda **kw: mt.round(t(A), decimals=1, **kw),
    "frac": lambda **kw: mt.frac(t(A), **kw),
    "nan_to_num": lambda **kw: mt.nan_to_num(t(A), **kw),
    "clamp": lambda **kw: mt.clamp(t(A), -1.0, 1.0, **kw),
    "maximum": lambda **kw: mt.maximum(t(A), t(B), **kw),
    "minimum": lambda **kw: mt.minimum(t(A), t(B), **kw),
    "sum": lambda **kw: mt.sum(t(A), 1, **kw),
    "mean": lambda **kw: mt.mean(t(A), 0, keepdim=True, **kw),
    "prod": lambda **kw: mt.prod(t(A), 1, **kw),
    "amax": lambda **kw: mt.amax(t(A), 0, **kw),
    "amin": lambda **kw: mt.amin(t(A), **kw),
    "max": lambda **kw: mt.max(t(A), **kw),
    "std": lambda **kw: mt.std(t(A), 1, **kw),
    "var": lambda **kw: mt.var(t(A), 0, **kw),
    "argmax": lambda **kw: mt.argmax(t(A), 1, **kw),
    "any": lambda **kw: mt.any(t(A) > 1, 1, **kw),
    "cumsum": lambda **kw: mt.cumsum(t(A), 1, **kw),
    "cumprod": lambda **kw: mt.cumprod(t(A), 0, **kw),
    "logcumsumexp": lambda **kw: mt.logcumsumexp(t(A), 1, **kw),
    "norm": lambda **kw: mt.norm(t(A), p=1, dim=1, **kw),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_out_receives_the_result_and_is_returned(name):
    expected = OPS[name]()
    out = mt.full(expected.shape, 7, dtype=expected.dtype)
    version = out._version
    returned = OPS[name](out=out)
    assert returned is out
    assert out.dtype == expected.dtype and out.shape == expected.shape
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
    assert out._version == version + 1


@pytest.mark.parametrize("name, pair", [("max", mt.max), ("min", mt.min), ("cummax", mt.cummax), ("cummin", mt.cummin)])
def test_ops_with_two_results_fill_a_pair_of_outs(name, pair):
    x = t(A)
    expected = pair(x, 1)
    values, indices = mt.empty(0), mt.empty(0, dtype=mt.int64)
    returned = pair(x, 1, out=(values, indices))
    assert type(returned) is type(expected) and returned.values is values and returned.indices is indices
    np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
    with pytest.raises(TypeError, match=r"out must be a tuple of 2 tensors"):
        pair(x, 1, out=values)


def test_an_out_of_another_shape_is_resized_with_pytorchs_warning():
    out = mt.zeros(7)
    with pytest.warns(UserWarning, match=r"add\(\): An output with one or more elements was resized since it had "
                                         r"shape \[7\], which does not match the required output shape \[2, 3\]"):
        mt.add(t(A), 1, out=out)
    assert out.shape == (2, 3)
    np.testing.assert_array_equal(out.numpy(), A + 1)


def test_an_empty_out_is_resized_silently():
    out = mt.empty(0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.exp(t(A), out=out)
    np.testing.assert_allclose(out.numpy(), np.exp(A), rtol=1e-6)


def test_the_result_is_cast_to_outs_dtype_within_its_kind():
    wide = mt.empty(A.shape, dtype=mt.float64)
    mt.mul(t(A), 2, out=wide)
    assert wide.dtype == mt.float64
    np.testing.assert_array_equal(wide.numpy(), A.astype(np.float64) * 2)
    floats = mt.empty(2)
    mt.argmax(t(A), 1, out=floats)  # int64 -> float is allowed, as in PyTorch
    assert floats.tolist() == [2.0, 0.0]
    narrow_int = mt.empty(3, dtype=mt.int32)
    mt.add(mt.tensor([1, 2, 3]), 1, out=narrow_int)
    assert narrow_int.dtype == mt.int32 and narrow_int.tolist() == [2, 3, 4]


@pytest.mark.parametrize("dtype, name", [(mt.int64, "Long"), (mt.bool, "Bool"), (mt.int32, "Int")])
def test_a_float_result_cannot_go_into_an_integer_or_bool_out(dtype, name):
    out = mt.zeros(A.shape, dtype=dtype)
    with pytest.raises(RuntimeError, match=rf"add\(\): result type Float can't be cast to the desired output type {name}"):
        mt.add(t(A), 0.5, out=out)
    assert not out.numpy().any() and out._version == 0  # nothing was written


def test_out_refuses_autograd_as_pytorch_does():
    x = mt.tensor(A, requires_grad=True)
    message = r"functions with out=\.\.\. arguments don't support automatic differentiation, but one of the arguments requires grad"
    with pytest.raises(RuntimeError, match=r"exp\(\): " + message):
        mt.exp(x, out=mt.empty(A.shape))
    with pytest.raises(RuntimeError, match=r"sum\(\): " + message):
        mt.sum(x, 0, out=mt.empty(3))
    with pytest.raises(RuntimeError, match=message):
        mt.add(t(A), 1, out=mt.zeros(A.shape, requires_grad=True))
    with mt.no_grad():
        out = mt.exp(x, out=mt.empty(A.shape))
        leaf = mt.zeros(A.shape, requires_grad=True)
        mt.add(t(A), 1, out=leaf)
    np.testing.assert_allclose(out.numpy(), np.exp(A), rtol=1e-6)
    assert not out.requires_grad and leaf.requires_grad and leaf.grad_fn is None
    np.testing.assert_array_equal(leaf.detach().numpy(), A + 1)


def test_writing_into_a_view_writes_through_to_its_base():
    base = mt.zeros(3, 2)
    mt.add(t(A), 1, out=base.T)  # a non-contiguous view
    np.testing.assert_array_equal(base.numpy(), (A + 1).T)
    row = base[1]
    mt.mul(t(B[:2]), 2, out=row)
    np.testing.assert_array_equal(base.numpy()[1], B[:2] * 2)
    assert base._version == 2 and row._version == 2
    with pytest.raises(RuntimeError, match=r"a view cannot be resized"):
        mt.add(t(A), 1, out=base[0])


def test_out_may_be_an_input():
    x = t(A)
    assert mt.mul(x, x, out=x) is x
    np.testing.assert_array_equal(x.numpy(), A * A)


def test_a_saved_tensor_overwritten_through_out_is_detected_on_backward():
    x = mt.tensor(A, requires_grad=True)
    y = mt.exp(x)  # saves its output
    with mt.no_grad():
        mt.add(t(A), 1, out=y)
    with pytest.raises(RuntimeError, match=r"modified by an inplace operation"):
        y.sum().backward()


def test_out_must_be_a_tensor():
    with pytest.raises(TypeError, match=r"add\(\): argument 'out' must be Tensor, not ndarray"):
        mt.add(t(A), 1, out=np.zeros(A.shape, dtype=np.float32))


def test_out_is_keyword_only_on_mt_functions_and_absent_from_methods():
    for name in ("add", "sum", "cumsum", "norm", "clamp"):
        parameter = inspect.signature(getattr(mt, name)).parameters["out"]
        assert parameter.kind is inspect.Parameter.KEYWORD_ONLY and parameter.default is None
    assert inspect.signature(mt.add).parameters["alpha"].default == 1
    assert getattr(mt.Tensor, "add") is mt.add.__wrapped__  # the method is the bare op
    with pytest.raises(TypeError):
        t(A).add(1, out=mt.empty(0))  # PyTorch's methods take no out= either
    with pytest.raises(TypeError):
        mt.exp(t(A), mt.empty(0))  # out is keyword-only


def test_out_follows_pytorchs_cast_rule_not_numpys_same_kind():
    """PyTorch refuses only floating -> integer/bool and integer -> bool; int8 -> uint8 wraps (numpy's
    same_kind refuses it), and a float64 result beyond float32's range becomes inf without a warning."""
    unsigned = mt.zeros(2, dtype=mt.uint8)
    mt.add(mt.tensor([1, -3], dtype=mt.int8), mt.tensor([3, 1], dtype=mt.int8), out=unsigned)
    assert unsigned.tolist() == [4, 254]
    narrow = mt.zeros(2, dtype=mt.float32)
    mt.add(mt.tensor([1e300, 2.0], dtype=mt.float64), 1.0, out=narrow)
    assert narrow.tolist() == [float("inf"), 3.0]
    with pytest.raises(RuntimeError, match="result type Long can't be cast to the desired output type Bool"):
        mt.add(mt.tensor([1, 2]), 1, out=mt.zeros(2, dtype=mt.bool))
