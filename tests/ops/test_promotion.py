"""PyTorch's type promotion through the arithmetic ops, and broadcasting errors.

PyTorch's rules (https://pytorch.org/docs/stable/tensor_attributes.html#type-promotion-doc):
operands are ranked in three priority groups, tensors with dimensions > 0-d tensors >
Python numbers. The result's category (bool < integer < floating point) is the highest
category of all operands; within that category the dtype comes from the strongest
group that has an operand of that category. Python floats take the default dtype,
and true division of integers or bools gives the default float dtype.
Expected dtypes below are written out by hand from these rules.
"""
import operator

import numpy as np
import pytest

import microtensor as mt


def nd(dtype):
    """A tensor with dimensions, of ``dtype``."""
    return mt.tensor(np.array([1, 2, 3]).astype(dtype))


def zd(dtype):
    """A 0-d tensor of ``dtype``."""
    return mt.tensor(np.array(2).astype(dtype))


i8, u8, i32, i64 = np.int8, np.uint8, np.int32, np.int64
f32, f64, b = np.float32, np.float64, np.bool_

# (description, left operand, right operand, dtype of add/sub/mul, dtype of div)
CASES = [
    ("int64 + float32", nd(i64), nd(f32), f32, f32),
    ("float32 + int64", nd(f32), nd(i64), f32, f32),
    ("int64 / int64", nd(i64), nd(i64), i64, f32),
    ("int32 / int32", nd(i32), nd(i32), i32, f32),
    ("float32 * 2.5", nd(f32), 2.5, f32, f32),
    ("2.5 * float32", 2.5, nd(f32), f32, f32),
    ("int64 * 2.5", nd(i64), 2.5, f32, f32),
    ("2.5 * int64", 2.5, nd(i64), f32, f32),
    ("int32 * 2.5", nd(i32), 2.5, f32, f32),
    ("int64 * 2", nd(i64), 2, i64, f32),
    ("int32 * 2", nd(i32), 2, i32, f32),
    ("float64 * 2.5", nd(f64), 2.5, f64, f64),
    ("float32 nd + float64 0-d", nd(f32), zd(f64), f32, f32),
    ("float64 0-d + float32 nd", zd(f64), nd(f32), f32, f32),
    ("int64 nd + float64 0-d", nd(i64), zd(f64), f64, f64),
    ("int32 nd + float32 0-d", nd(i32), zd(f32), f32, f32),
    ("int32 nd + int64 0-d", nd(i32), zd(i64), i32, f32),
    ("float32 0-d + float64 0-d", zd(f32), zd(f64), f64, f64),
    ("int64 0-d + 2.5", zd(i64), 2.5, f32, f32),
    ("float64 0-d + 2.5", zd(f64), 2.5, f64, f64),
    ("float64 nd + float32 nd", nd(f64), nd(f32), f64, f64),
    ("uint8 + int8", nd(u8), nd(i8), np.int16, f32),
    ("int8 + int32", nd(i8), nd(i32), i32, f32),
    ("bool + bool", nd(b), nd(b), b, f32),
    ("bool + 1", nd(b), 1, i64, f32),
    ("bool + 1.5", nd(b), 1.5, f32, f32),
    ("bool nd + int32 0-d", nd(b), zd(i32), i32, f32),
    ("int32 + True", nd(i32), True, i32, f32),
    ("float32 + numpy float64 array", nd(f32), np.array([1.0, 2.0, 3.0]), f64, f64),
    ("numpy int64 array + float32", np.array([1, 2, 3]), nd(f32), f32, f32),
    ("float32 + numpy float64 0-d array", nd(f32), np.array(2.0), f32, f32),
    ("float32 + numpy float64 scalar", nd(f32), np.float64(2.0), f32, f32),
    ("int64 + numpy float32 array", nd(i64), np.array([1.0, 2.0, 3.0], dtype=f32), f32, f32),
]
IDS = [case[0] for case in CASES]


def as_float64(value):
    return np.asarray(value, dtype=np.float64)


@pytest.mark.parametrize("description, left, right, arith_dtype, div_dtype", CASES, ids=IDS)
@pytest.mark.parametrize(
    "op, name", [(operator.add, "add"), (operator.mul, "mul"), (mt.add, "mt.add"), (mt.mul, "mt.mul")],
    ids=["+", "*", "mt.add", "mt.mul"],
)
def test_add_and_mul_follow_pytorch_promotion(description, left, right, arith_dtype, div_dtype, op, name):
    result = op(left, right)
    assert isinstance(result, mt.Tensor)
    assert result.dtype == np.dtype(arith_dtype), f"{description}: got {result.dtype}, PyTorch gives {np.dtype(arith_dtype)}"
    expected = op(as_float64(left), as_float64(right))
    if arith_dtype is b:
        expected = op(np.asarray(left), np.asarray(right))
    np.testing.assert_allclose(result.numpy().astype(np.float64), expected, rtol=1e-6)


@pytest.mark.parametrize("description, left, right, arith_dtype, div_dtype", CASES, ids=IDS)
def test_sub_follows_pytorch_promotion(description, left, right, arith_dtype, div_dtype):
    if any(getattr(value, "dtype", None) == b or value is True for value in (left, right)):
        with pytest.raises(RuntimeError, match="sub: Subtraction, the `-` operator, with"):  # PyTorch refuses a bool operand
            mt.sub(left, right)
        return
    result = mt.sub(left, right)
    assert result.dtype == np.dtype(arith_dtype)
    np.testing.assert_allclose(result.numpy().astype(np.float64), as_float64(left) - as_float64(right), rtol=1e-6)


@pytest.mark.parametrize("description, left, right, arith_dtype, div_dtype", CASES, ids=IDS)
@pytest.mark.parametrize("op", [operator.truediv, mt.div], ids=["/", "mt.div"])
def test_true_division_follows_pytorch_promotion(description, left, right, arith_dtype, div_dtype, op):
    result = op(left, right)
    assert isinstance(result, mt.Tensor)
    assert result.dtype == np.dtype(div_dtype), f"{description}: got {result.dtype}, PyTorch gives {np.dtype(div_dtype)}"
    np.testing.assert_allclose(result.data, as_float64(left) / as_float64(right), rtol=1e-6)


def test_default_dtype_decides_where_python_floats_and_int_division_land():
    mt.set_default_dtype(mt.float64)
    assert (nd(i64) * 2.5).dtype == mt.float64
    assert (nd(i64) / nd(i64)).dtype == mt.float64
    assert (nd(b) + 1.5).dtype == mt.float64
    assert (nd(f32) * 2.5).dtype == mt.float32  # a float tensor keeps its own dtype
    assert (nd(f32) + zd(f64)).dtype == mt.float32


def test_other_ops_promote_the_same_way():
    assert mt.maximum(nd(i64), nd(f32)).dtype == mt.float32
    assert mt.minimum(nd(f32), zd(f64)).dtype == mt.float32
    assert mt.maximum(nd(i64), 0.5).dtype == mt.float32
    assert mt.where(nd(i64) > 1, nd(i64), 2.5).dtype == mt.float32
    assert mt.where(nd(i64) > 1, nd(f32), nd(f64)).dtype == mt.float64
    assert mt.where(nd(i64) > 1, nd(f32), zd(f64)).dtype == mt.float32
    assert (nd(i64) ** 2).dtype == mt.int64
    assert (nd(i64) ** 0.5).dtype == mt.float32
    assert (2.0 ** nd(i64)).dtype == mt.float32
    assert (nd(f32) ** zd(f64)).dtype == mt.float32


def test_gradients_come_back_in_each_input_dtype_after_promotion():
    x = mt.tensor([1.0, 2.0], dtype=mt.float32, requires_grad=True)
    y = mt.tensor(3.0, dtype=mt.float64, requires_grad=True)
    out = x * y  # float32: the 0-d float64 tensor does not widen the result
    assert out.dtype == mt.float32
    out.backward(np.ones(2, dtype=np.float32))
    assert x.grad.dtype == mt.float32 and y.grad.dtype == mt.float64
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])
    assert y.grad.item() == pytest.approx(3.0)
    z = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    x.grad = None
    wide = x / z  # float64: both have dimensions
    assert wide.dtype == mt.float64
    wide.backward(np.ones(2))
    assert x.grad.dtype == mt.float32 and z.grad.dtype == mt.float64
    np.testing.assert_allclose(z.grad.data, [-1.0, -0.5])


BROADCAST_FAILURES = [
    ("add", lambda a, c: a + c), ("sub", lambda a, c: a - c), ("mul", lambda a, c: a * c),
    ("div", lambda a, c: a / c), ("pow", lambda a, c: a**c), ("maximum", mt.maximum), ("minimum", mt.minimum),
    ("eq", lambda a, c: a == c), ("lt", lambda a, c: a < c), ("ge", mt.ge),
]


@pytest.mark.parametrize("name, op", BROADCAST_FAILURES, ids=[c[0] for c in BROADCAST_FAILURES])
def test_broadcast_mismatch_raises_runtime_error_naming_op_and_both_shapes(name, op):
    a = mt.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError) as info:
        op(a, mt.ones(4))
    message = str(info.value)
    assert name in message and "(2, 3)" in message and "(4,)" in message
    with pytest.raises(RuntimeError) as reflected:
        op(np.ones(4, dtype=np.float32), a)
    assert name in str(reflected.value) and "(4,)" in str(reflected.value) and "(2, 3)" in str(reflected.value)
