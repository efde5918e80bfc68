"""The public API contract (API.md, shared with the project's engineers), item by item, used exactly as written there.

Each test names the API.md line (or the PyTorch idiom) it checks. Oracles are
hand-written numpy, closed forms and PyTorch's documented behaviour (quoted where
it matters); no PyTorch is needed. The whole file runs in a few seconds.
"""
import math
import os

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn as nn
import microtensor.nn.functional as F


def arr(t):
    """The values of a tensor as a numpy array (via the documented ``.detach().numpy()``)."""
    return t.detach().numpy() if isinstance(t, mt.Tensor) else np.asarray(t)


# --------------------------------------------------------------------------------------
# Tensors: construction
# --------------------------------------------------------------------------------------

def test_tensor_constructors_signatures():
    a = mt.Tensor([1.0, 2.0], requires_grad=True)
    assert a.requires_grad and a.dtype == mt.float32
    b = mt.tensor([1.0, 2.0], dtype=None, requires_grad=False)
    assert not b.requires_grad and b.dtype == mt.float32
    c = mt.tensor([[1, 2]], dtype=mt.float64, requires_grad=True)
    assert c.dtype == mt.float64 and c.requires_grad and c.shape == (1, 2)


def test_Tensor_behaves_like_tensor():
    # API.md: `mt.Tensor(data)` behaves like `mt.tensor(data)` (ints stay int64).
    for data in ([1, 2, 3], [1.5, 2.0], [True, False], 3, 2.5, np.arange(3.0)):
        a, b = mt.Tensor(data), mt.tensor(data)
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(arr(a), arr(b))


def test_python_data_dtypes_follow_pytorch():
    assert mt.tensor(1.5).dtype == mt.float32
    assert mt.tensor([1.0, 2.0]).dtype == mt.float32
    assert mt.tensor([1, 2]).dtype == mt.int64
    assert mt.tensor(3).dtype == mt.int64
    assert mt.tensor([True, False]).dtype == mt.bool
    assert mt.tensor([1, 2.5]).dtype == mt.float32  # mixed ints and floats -> default float
    assert mt.tensor(np.zeros(2, np.float64)).dtype == mt.float64
    assert mt.tensor(np.zeros(2, np.float32)).dtype == mt.float32
    assert mt.tensor(np.zeros(2, np.int32)).dtype == np.dtype("int32")


def test_tensor_copies_its_data():
    a = np.array([1.0, 2.0])
    t = mt.tensor(a)
    a[0] = 100.0
    assert t.tolist() == [1.0, 2.0]


def test_from_numpy_shares_memory_and_keeps_dtype():
    a = np.array([1.0, 2.0, 3.0])
    t = mt.from_numpy(a)
    assert t.dtype == mt.float64
    a[0] = 10.0
    assert t.tolist()[0] == 10.0
    t.data[1] = 20.0
    assert a[1] == 20.0


def test_tensor_from_numpy_with_dtype_idiom():
    # torch.tensor(np_array, dtype=torch.float32)
    x = mt.tensor(np.arange(6.0).reshape(2, 3), dtype=mt.float32)
    assert x.dtype == mt.float32 and x.shape == (2, 3)
    y = mt.tensor(np.array([0, 1, 2]), dtype=mt.long)
    assert y.dtype == mt.int64


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
def test_zeros_ones_empty_shape_forms(name):
    fn = getattr(mt, name)
    for t in (fn(2, 3), fn((2, 3)), fn([2, 3])):
        assert t.shape == (2, 3) and t.dtype == mt.float32
    assert fn(4).shape == (4,)
    assert fn(()).shape == ()
    if name != "empty":
        np.testing.assert_array_equal(arr(fn(2, 3)), np.full((2, 3), 1.0 if name == "ones" else 0.0))


def test_full_infers_dtype_from_the_value():
    t = mt.full((2, 3), 1.5)
    assert t.shape == (2, 3) and t.dtype == mt.float32 and np.all(arr(t) == 1.5)
    assert mt.full((2,), 7).dtype == mt.int64  # PyTorch >= 1.8: integer fill gives long
    assert mt.full((2,), True).dtype == mt.bool
    assert mt.full((2,), 7, dtype=mt.float64).dtype == mt.float64


def test_like_functions():
    x = mt.tensor([[1, 2], [3, 4]], dtype=mt.float64)
    for fn, value in ((mt.zeros_like, 0.0), (mt.ones_like, 1.0)):
        t = fn(x)
        assert t.shape == (2, 2) and t.dtype == mt.float64 and np.all(arr(t) == value)
        assert fn(x, dtype=mt.float32).dtype == mt.float32
        assert fn(x, requires_grad=True).requires_grad


def test_arange_like_pytorch():
    assert mt.arange(5).tolist() == [0, 1, 2, 3, 4] and mt.arange(5).dtype == mt.int64
    assert mt.arange(2, 8, 2).tolist() == [2, 4, 6]
    t = mt.arange(0, 1, 0.25)
    assert t.dtype == mt.float32
    np.testing.assert_allclose(arr(t), [0.0, 0.25, 0.5, 0.75])
    assert mt.arange(5.0).dtype == mt.float32
    assert mt.arange(3, dtype=mt.float64).dtype == mt.float64
    assert mt.arange(5, 0, -2).tolist() == [5, 3, 1]


def test_eye_linspace():
    np.testing.assert_array_equal(arr(mt.eye(3)), np.eye(3))
    assert mt.eye(3).dtype == mt.float32
    np.testing.assert_array_equal(arr(mt.eye(2, 3)), np.eye(2, 3))
    t = mt.linspace(0, 1, 5)
    assert t.dtype == mt.float32
    np.testing.assert_allclose(arr(t), [0, 0.25, 0.5, 0.75, 1.0])
    assert mt.linspace(-1, 1, steps=3).tolist() == [-1.0, 0.0, 1.0]


def test_rand_randn_randint_manual_seed():
    mt.manual_seed(0)
    a, b, c = mt.rand(3, 4), mt.randn(2, 3), mt.randint(0, 10, (5,))
    mt.manual_seed(0)
    a2, b2, c2 = mt.rand(3, 4), mt.randn((2, 3)), mt.randint(0, 10, (5,))
    np.testing.assert_array_equal(arr(a), arr(a2))
    np.testing.assert_array_equal(arr(b), arr(b2))
    np.testing.assert_array_equal(arr(c), arr(c2))
    assert a.shape == (3, 4) and a.dtype == mt.float32 and np.all((arr(a) >= 0) & (arr(a) < 1))
    assert b.shape == (2, 3) and b.dtype == mt.float32
    assert c.shape == (5,) and c.dtype == mt.int64 and np.all((arr(c) >= 0) & (arr(c) < 10))
    big = mt.randint(3, 5, size=(200,))
    assert set(big.tolist()) == {3, 4}
    assert mt.randint(10, (4,)).shape == (4,)  # torch.randint(high, size)


CREATION_CALLS = {
    "tensor": lambda **kw: mt.tensor([1.0, 2.0], **kw),
    "zeros": lambda **kw: mt.zeros(2, 3, **kw),
    "ones": lambda **kw: mt.ones(2, **kw),
    "empty": lambda **kw: mt.empty(2, **kw),
    "full": lambda **kw: mt.full((2,), 1.0, **kw),
    "zeros_like": lambda **kw: mt.zeros_like(mt.ones(2), **kw),
    "ones_like": lambda **kw: mt.ones_like(mt.ones(2), **kw),
    "arange": lambda **kw: mt.arange(0.0, 3.0, **kw),
    "eye": lambda **kw: mt.eye(2, **kw),
    "rand": lambda **kw: mt.rand(2, **kw),
    "randn": lambda **kw: mt.randn(2, **kw),
    "linspace": lambda **kw: mt.linspace(0, 1, 3, **kw),
}


@pytest.mark.parametrize("name", sorted(CREATION_CALLS))
def test_every_creation_function_takes_dtype_requires_grad_device(name):
    make = CREATION_CALLS[name]
    t = make(dtype=mt.float64, requires_grad=True, device="cpu")
    assert t.dtype == mt.float64 and t.requires_grad and t.is_leaf
    t = make(dtype=mt.float32, device=mt.device("cpu"))
    assert t.dtype == mt.float32 and not t.requires_grad
    with pytest.raises(RuntimeError, match="cpu"):
        make(device="cuda")


def test_randint_takes_dtype_and_device():
    assert mt.randint(0, 5, (3,), dtype=mt.int32, device="cpu").dtype == np.dtype("int32")
    with pytest.raises(RuntimeError):
        mt.randint(0, 5, (3,), device="cuda:0")


def test_integer_tensor_cannot_require_grad():
    # PyTorch: "Only Tensors of floating point and complex dtype can require gradients"
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 2], requires_grad=True)
    with pytest.raises(RuntimeError):
        mt.arange(3).requires_grad_()


# --------------------------------------------------------------------------------------
# dtypes
# --------------------------------------------------------------------------------------

def test_dtype_names_and_aliases():
    assert mt.float32 is np.dtype("float32") or mt.float32 == np.dtype("float32")
    assert mt.float64 == np.dtype("float64")
    assert mt.int64 == np.dtype("int64")
    assert mt.bool == np.dtype("bool")
    assert mt.float == mt.float32 and mt.double == mt.float64 and mt.long == mt.int64


def test_default_dtype_get_set():
    assert mt.get_default_dtype() == mt.float32
    mt.set_default_dtype(mt.float64)
    try:
        assert mt.get_default_dtype() == mt.float64
        assert mt.tensor([1.0]).dtype == mt.float64
        assert mt.zeros(2).dtype == mt.float64
        assert mt.randn(2).dtype == mt.float64
        assert mt.tensor([1]).dtype == mt.int64
    finally:
        mt.set_default_dtype(mt.float32)
    assert mt.tensor([1.0]).dtype == mt.float32


def test_type_promotion_like_pytorch():
    i = mt.tensor([1, 2])
    f32 = mt.tensor([1.0, 2.0])
    f64 = mt.tensor([1.0, 2.0], dtype=mt.float64)
    assert (i / i).dtype == mt.float32  # true division of ints gives the default float
    assert (i + f32).dtype == mt.float32
    assert (i + 1.5).dtype == mt.float32  # int tensor + Python float -> default float
    assert (i * 2).dtype == mt.int64
    assert (f32 + 2.0).dtype == mt.float32
    assert (f32 + f64).dtype == mt.float64
    assert (f32 + mt.tensor(1.0, dtype=mt.float64)).dtype == mt.float32  # 0-d does not promote dims
    assert (f32 * np.float64(2.0)).dtype == mt.float32
    b = mt.tensor([True, False])
    assert (b + 1).dtype == mt.int64
    assert (b + 1.0).dtype == mt.float32


def test_float_double_long_to_dtype_conversions():
    x = mt.tensor([1, 2, 3])
    assert x.float().dtype == mt.float32
    assert x.double().dtype == mt.float64
    assert mt.tensor([1.7, -1.7]).long().tolist() == [1, -1]  # truncation, like PyTorch
    assert x.to(mt.float64).dtype == mt.float64
    assert x.to(dtype=mt.float32).dtype == mt.float32
    assert x.float().to("cpu").dtype == mt.float32
    assert x.to(mt.device("cpu")) is not None
    assert x.cpu().tolist() == [1, 2, 3]
    with pytest.raises(RuntimeError, match="cpu"):
        x.to("cuda")
    with pytest.raises(RuntimeError):
        x.to(mt.device("cuda")) if _device_constructs("cuda") else x.to("cuda:0")


def _device_constructs(name):
    try:
        mt.device(name)
    except RuntimeError:
        return False
    return True


def test_device_cpu():
    d = mt.device("cpu")
    assert d == mt.device("cpu") and d.type == "cpu"
    assert str(d) == "cpu"
    assert mt.ones(2).device == d


def test_to_dtype_is_differentiable():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(mt.float64)
    assert y.dtype == mt.float64
    (y * y).sum().backward()
    assert x.grad.dtype == mt.float32
    np.testing.assert_allclose(arr(x.grad), [2.0, 4.0])


# --------------------------------------------------------------------------------------
# Tensors: attributes
# --------------------------------------------------------------------------------------

def test_attributes():
    t = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert isinstance(t.data, mt.Tensor) and t.data.shape == (2, 3) and t.data.requires_grad is False
    assert np.shares_memory(t.data.numpy(), t.detach().numpy())
    assert t.grad is None and t.requires_grad and t.is_leaf and t.grad_fn is None
    assert t.shape == (2, 3) and isinstance(t.shape, tuple)
    assert t.ndim == 2 and t.dtype == mt.float32
    assert t.size() == (2, 3) and t.size(0) == 2 and t.size(1) == 3 and t.size(-1) == 3
    assert t.size(dim=0) == 2
    assert t.T.shape == (3, 2)
    np.testing.assert_array_equal(arr(t.T), arr(t).T)
    assert len(t) == 2
    assert mt.tensor(2.5).item() == 2.5 and isinstance(mt.tensor(2.5).item(), float)
    assert mt.tensor(3).item() == 3 and isinstance(mt.tensor(3).item(), int)
    assert mt.tensor([True]).item() is True
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert mt.tensor(4.0).tolist() == 4.0
    n = t.detach().numpy()
    assert isinstance(n, np.ndarray) and n.shape == (2, 3)
    assert isinstance(np.asarray(t.detach()), np.ndarray)
    np.testing.assert_array_equal(np.asarray(t.detach()), n)
    y = t * 2
    assert not y.is_leaf and y.grad_fn is not None and y.requires_grad


def test_size_out_of_range_is_index_error():
    with pytest.raises(IndexError):
        mt.zeros(2, 3).size(2)


def test_len_of_0d_is_type_error():
    with pytest.raises(TypeError):
        len(mt.tensor(1.0))


def test_item_of_many_elements_raises():
    with pytest.raises((RuntimeError, ValueError)):
        mt.tensor([1.0, 2.0]).item()


def test_numpy_of_tensor_requiring_grad_raises_like_pytorch():
    # PyTorch: "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
    with pytest.raises(RuntimeError, match="detach"):
        mt.tensor([1.0], requires_grad=True).numpy()


def test_repr_like_pytorch():
    assert repr(mt.tensor([1.0, 2.0, 3.0])) == "tensor([1., 2., 3.])"
    assert repr(mt.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mt.tensor(3.0)) == "tensor(3.)"
    assert repr(mt.tensor([1.0, 2.0], requires_grad=True)) == "tensor([1., 2.], requires_grad=True)"
    assert repr(mt.tensor([True, False])) == "tensor([ True, False])"
    r = repr(mt.tensor([1.0], dtype=mt.float64))
    assert r.startswith("tensor([1.], dtype=") and "float64" in r
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    r = repr((x * 2).sum())
    assert r.startswith("tensor(6., grad_fn=<") and "Backward" in r
    r = repr(mt.tensor([[1.0, 2.0], [3.0, 4.0]]))
    assert r == "tensor([[1., 2.],\n        [3., 4.]])"


# --------------------------------------------------------------------------------------
# .grad semantics
# --------------------------------------------------------------------------------------

def test_grad_accumulates_until_zeroed_and_is_assignable():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (x * 3).sum().backward()
    assert isinstance(x.grad, mt.Tensor)
    np.testing.assert_allclose(arr(x.grad), [3.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [5.0, 7.0])
    x.grad = None
    assert x.grad is None
    (x * 3).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [3.0, 3.0])
    x.grad.zero_()
    np.testing.assert_allclose(arr(x.grad), [0.0, 0.0])
    x.grad = mt.tensor([10.0, 20.0])
    (x * 1).sum().backward()
    np.testing.assert_allclose(arr(x.grad), [11.0, 21.0])


def test_grad_assignment_of_wrong_shape_raises():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError):
        x.grad = mt.tensor([1.0, 2.0, 3.0])


# --------------------------------------------------------------------------------------
# in-place arithmetic, setitem
# --------------------------------------------------------------------------------------

def test_inplace_arithmetic_on_plain_tensors():
    t = mt.tensor([1.0, 2.0, 3.0])
    t += 1
    t -= mt.tensor([1.0, 1.0, 1.0])
    t *= 2
    t /= 4
    np.testing.assert_allclose(arr(t), [0.5, 1.0, 1.5])
    assert t.add_(1).tolist() == [1.5, 2.0, 2.5]
    t.sub_(0.5)
    t.mul_(2)
    t.div_(mt.tensor(2.0))
    np.testing.assert_allclose(arr(t), [1.0, 1.5, 2.0])
    assert t.zero_().tolist() == [0.0, 0.0, 0.0]
    assert t.fill_(7).tolist() == [7.0, 7.0, 7.0]
    t.copy_(mt.tensor([1.0, 2.0, 3.0]))
    assert t.tolist() == [1.0, 2.0, 3.0]
    assert t.dtype == mt.float32


def test_inplace_returns_self_and_keeps_identity():
    t = mt.ones(2)
    assert t.add_(1) is t and t.zero_() is t and t.fill_(1.0) is t and t.mul_(2) is t
    before = id(t)
    t += 1
    assert id(t) == before


def test_setitem_mask_and_index():
    t = mt.tensor([1.0, -2.0, 3.0, -4.0])
    t[t < 0] = 0.0
    assert t.tolist() == [1.0, 0.0, 3.0, 0.0]
    t[0] = 5
    t[1:3] = mt.tensor([8.0, 9.0])
    assert t.tolist() == [5.0, 8.0, 9.0, 0.0]
    t[[0, 3]] = -1.0
    assert t.tolist() == [-1.0, 8.0, 9.0, -1.0]
    m = mt.zeros(2, 3)
    m[:, 1] = 1.0
    m[mt.tensor([1])] = 2.0
    assert m.tolist() == [[0.0, 1.0, 0.0], [2.0, 2.0, 2.0]]


@pytest.mark.parametrize(
    "op",
    [
        lambda t: t.__iadd__(1),
        lambda t: t.__isub__(1),
        lambda t: t.__imul__(2),
        lambda t: t.__itruediv__(2),
        lambda t: t.add_(1),
        lambda t: t.sub_(1),
        lambda t: t.mul_(2),
        lambda t: t.div_(2),
        lambda t: t.zero_(),
        lambda t: t.fill_(1.0),
        lambda t: t.copy_(mt.zeros(2)),
        lambda t: t.__setitem__(t.detach() > 0, 0.0),
        lambda t: t.__setitem__(0, 3.0),
    ],
)
def test_inplace_on_leaf_requiring_grad_only_under_no_grad(op):
    t = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        op(t)
    with mt.no_grad():
        op(t)
    assert t.requires_grad and t.is_leaf


def test_sgd_by_hand_idiom_under_no_grad():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with mt.no_grad():
        w -= 0.1 * w.grad
    w.grad.zero_()
    np.testing.assert_allclose(arr(w), [0.8, 1.6], rtol=1e-6)
    assert w.is_leaf and w.requires_grad
    (w * w).sum().backward()
    np.testing.assert_allclose(arr(w.grad), [1.6, 3.2], rtol=1e-6)


def test_clone_mm_t():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    c = x.clone()
    assert c.requires_grad and not c.is_leaf
    c.sum().backward()
    np.testing.assert_allclose(arr(x.grad), np.ones((2, 2)))
    d = x.clone().detach()
    assert not d.requires_grad and d.is_leaf
    d[0, 0] = 100.0
    assert x.tolist()[0][0] == 1.0
    a = np.arange(6.0).reshape(2, 3)
    b = np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(arr(mt.tensor(a).mm(mt.tensor(b))), a @ b)
    np.testing.assert_allclose(arr(mt.mm(mt.tensor(a), mt.tensor(b))), a @ b)
    np.testing.assert_allclose(arr(mt.tensor(a).t()), a.T)
    v = mt.tensor([1.0, 2.0])
    assert v.t().shape == (2,)  # PyTorch: t() of a 1-D tensor returns it as is


# --------------------------------------------------------------------------------------
# Operations
# --------------------------------------------------------------------------------------

def test_arithmetic_and_reflected_forms():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = mt.tensor(a)
    cases = [
        (x + 2, a + 2), (2 + x, 2 + a), (x - 2, a - 2), (2 - x, 2 - a), (x * 3, a * 3), (3 * x, 3 * a),
        (x / 2, a / 2), (2 / x, 2 / a), (x ** 2, a ** 2), (2 ** x, 2 ** a), (-x, -a),
        (x @ x, a @ a), (x + a, a + a), (x * a, a * a), (x @ a, a @ a),
    ]
    for got, want in cases:
        assert isinstance(got, mt.Tensor)
        np.testing.assert_allclose(arr(got), want)
        assert got.dtype == mt.float64


def test_reflected_with_numpy_array_on_the_left_gives_tensor():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0]) * x
    assert isinstance(y, mt.Tensor) and y.requires_grad
    y.sum().backward()
    np.testing.assert_allclose(arr(x.grad), [3.0, 4.0])
    z = np.array([1.0, 1.0]) - x
    assert isinstance(z, mt.Tensor)
    np.testing.assert_allclose(arr(z), [0.0, -1.0])


def test_matmul_shapes():
    rng = np.random.default_rng(0)
    v = rng.standard_normal(3)
    m = rng.standard_normal((4, 3))
    b = rng.standard_normal((2, 3, 5))
    b2 = rng.standard_normal((2, 4, 3))
    r = mt.matmul(mt.tensor(v), mt.tensor(v))
    assert r.shape == () and np.isclose(r.item(), v @ v)
    np.testing.assert_allclose(arr(mt.matmul(mt.tensor(m), mt.tensor(v))), m @ v)
    np.testing.assert_allclose(arr(mt.matmul(mt.tensor(v), mt.tensor(m.T))), v @ m.T)
    np.testing.assert_allclose(arr(mt.matmul(mt.tensor(b2), mt.tensor(b))), b2 @ b)
    np.testing.assert_allclose(arr(mt.matmul(mt.tensor(m), mt.tensor(b))), m @ b)  # broadcast batch
    with pytest.raises(RuntimeError):
        mt.matmul(mt.tensor(m), mt.tensor(m))


def test_matmul_gradcheck_batched():
    rng = np.random.default_rng(1)
    a = mt.tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    b = mt.tensor(rng.standard_normal((4, 2)), requires_grad=True)
    v = mt.tensor(rng.standard_normal(4), requires_grad=True)
    assert mt.autograd.gradcheck(lambda a, b: mt.matmul(a, b), (a, b))
    assert mt.autograd.gradcheck(lambda a, v: mt.matmul(a, v), (a, v))


@pytest.mark.parametrize(
    "name,fn,values",
    [
        ("abs", np.abs, [-2.0, -0.5, 0.5, 3.0]),
        ("exp", np.exp, [-2.0, 0.0, 1.5]),
        ("log", np.log, [0.5, 1.0, 3.0]),
        ("sqrt", np.sqrt, [0.25, 1.0, 4.0]),
        ("sin", np.sin, [-1.0, 0.0, 2.0]),
        ("cos", np.cos, [-1.0, 0.0, 2.0]),
        ("relu", lambda a: np.maximum(a, 0), [-1.0, 0.5, 2.0]),
        ("sigmoid", lambda a: 1 / (1 + np.exp(-a)), [-3.0, 0.0, 2.0]),
        ("tanh", np.tanh, [-3.0, 0.0, 2.0]),
    ],
)
def test_unary_ops_method_and_function_forms(name, fn, values):
    a = np.array(values)
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_allclose(arr(getattr(mt, name)(x)), fn(a), rtol=1e-12)
    np.testing.assert_allclose(arr(getattr(x, name)()), fn(a), rtol=1e-12)
    assert mt.autograd.gradcheck(getattr(mt, name), (x,))
    x32 = mt.tensor(a.astype(np.float32), requires_grad=True)
    y = getattr(mt, name)(x32)
    assert y.dtype == mt.float32
    y.sum().backward()
    assert x32.grad.dtype == mt.float32


def test_relu_and_abs_gradient_at_zero_is_zero():
    x = mt.tensor([0.0, 0.0], requires_grad=True)
    (mt.relu(x) + mt.abs(x)).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]


def test_clamp_signature_and_gradient():
    x = mt.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    assert mt.clamp(x, min=-1.0, max=1.0).tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    assert x.clamp(min=0).tolist() == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert x.clamp(max=0).tolist() == [-2.0, -1.0, 0.0, 0.0, 0.0]
    assert x.clamp(-1, 1).tolist() == [-1.0, -1.0, 0.0, 1.0, 1.0]
    x.clamp(min=-1.0, max=1.0).sum().backward()
    # PyTorch: the gradient flows where min <= x <= max (boundaries included).
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 1.0, 0.0]
    with pytest.raises((RuntimeError, ValueError)):
        mt.clamp(x, min=None, max=None)


def test_maximum_minimum_where():
    a = mt.tensor([1.0, 5.0, 3.0], requires_grad=True)
    b = mt.tensor([2.0, 4.0, 3.0], requires_grad=True)
    assert mt.maximum(a, b).tolist() == [2.0, 5.0, 3.0]
    assert mt.minimum(a, b).tolist() == [1.0, 4.0, 3.0]
    mt.maximum(a, b).sum().backward()
    # PyTorch splits the gradient evenly on ties.
    assert a.grad.tolist() == [0.0, 1.0, 0.5] and b.grad.tolist() == [1.0, 0.0, 0.5]
    a.grad = None
    b.grad = None
    w = mt.where(a > 2.0, a, b)
    assert w.tolist() == [2.0, 5.0, 3.0]
    w.sum().backward()
    assert a.grad.tolist() == [0.0, 1.0, 1.0] and b.grad.tolist() == [1.0, 0.0, 0.0]
    assert mt.where(a > 2.0, a, 0.0).tolist() == [0.0, 5.0, 3.0]
    assert mt.where(a > 2.0, 1.0, 0.0).tolist() == [0.0, 1.0, 1.0]


def test_broadcasting_with_gradients():
    rng = np.random.default_rng(2)
    a = mt.tensor(rng.standard_normal((3, 1)), requires_grad=True)
    b = mt.tensor(rng.standard_normal((1, 4)), requires_grad=True)
    (a * b + a - b).sum().backward()
    assert a.grad.shape == (3, 1) and b.grad.shape == (1, 4)
    np.testing.assert_allclose(arr(a.grad), arr(b).sum() + 4.0 * np.ones((3, 1)))
    np.testing.assert_allclose(arr(b.grad), arr(a).sum() - 3.0 * np.ones((1, 4)))
    with pytest.raises(RuntimeError):
        mt.ones(2, 3) + mt.ones(4)


def test_activations_functional():
    a = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_allclose(arr(F.leaky_relu(x)), np.where(a > 0, a, 0.01 * a))
    np.testing.assert_allclose(arr(F.leaky_relu(x, negative_slope=0.2)), np.where(a > 0, a, 0.2 * a))
    np.testing.assert_allclose(arr(F.leaky_relu(x, 0.2)), np.where(a > 0, a, 0.2 * a))
    erf = np.vectorize(math.erf)
    np.testing.assert_allclose(arr(F.gelu(x)), 0.5 * a * (1 + erf(a / math.sqrt(2))), rtol=1e-12, atol=1e-15)
    tanh_form = 0.5 * a * (1 + np.tanh(math.sqrt(2 / math.pi) * (a + 0.044715 * a ** 3)))
    np.testing.assert_allclose(arr(F.gelu(x, approximate="tanh")), tanh_form, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(arr(F.gelu(x, approximate="none")), arr(F.gelu(x)))
    assert mt.autograd.gradcheck(lambda t: F.gelu(t), (x,))
    assert mt.autograd.gradcheck(lambda t: F.gelu(t, approximate="tanh"), (x,))
    assert mt.autograd.gradcheck(lambda t: F.leaky_relu(t, 0.1), (mt.tensor([-1.0, 2.0], dtype=mt.float64, requires_grad=True),))
    np.testing.assert_allclose(arr(F.relu(x)), np.maximum(a, 0))
    np.testing.assert_allclose(arr(F.sigmoid(x)), 1 / (1 + np.exp(-a)))
    np.testing.assert_allclose(arr(F.tanh(x)), np.tanh(a))


def test_softmax_log_softmax_functional():
    rng = np.random.default_rng(3)
    a = rng.standard_normal((3, 4))
    x = mt.tensor(a, requires_grad=True)
    e = np.exp(a - a.max(axis=1, keepdims=True))
    sm = e / e.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(arr(F.softmax(x, dim=1)), sm, rtol=1e-12)
    np.testing.assert_allclose(arr(F.softmax(x, 1)), sm, rtol=1e-12)
    np.testing.assert_allclose(arr(F.log_softmax(x, dim=-1)), np.log(sm), rtol=1e-12)
    e0 = np.exp(a - a.max(axis=0, keepdims=True))
    np.testing.assert_allclose(arr(F.softmax(x, dim=0)), e0 / e0.sum(axis=0, keepdims=True), rtol=1e-12)
    assert mt.autograd.gradcheck(lambda t: F.log_softmax(t, dim=1), (x,))
    big = mt.tensor([[1000.0, 0.0, -1000.0]])
    ls = F.log_softmax(big, dim=1)
    assert np.all(np.isfinite(arr(ls[:, :2])))
    np.testing.assert_allclose(arr(F.softmax(big, dim=1)), [[1.0, 0.0, 0.0]])
    assert mt.softmax(x, dim=1).shape == (3, 4) and x.softmax(dim=1).shape == (3, 4)
    assert x.log_softmax(1).shape == (3, 4)


# --------------------------------------------------------------------------------------
# Reductions
# --------------------------------------------------------------------------------------

def test_sum_mean_dims_and_aliases():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mt.tensor(a)
    assert x.sum().shape == () and x.sum().item() == a.sum()
    np.testing.assert_allclose(arr(x.sum(dim=1)), a.sum(axis=1))
    np.testing.assert_allclose(arr(x.sum(1)), a.sum(axis=1))
    np.testing.assert_allclose(arr(x.sum(dim=(0, 2))), a.sum(axis=(0, 2)))
    np.testing.assert_allclose(arr(x.sum(dim=1, keepdim=True)), a.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(arr(x.sum(axis=1, keepdims=True)), a.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(arr(mt.sum(x, dim=-1)), a.sum(axis=-1))
    np.testing.assert_allclose(arr(x.mean(dim=0)), a.mean(axis=0))
    np.testing.assert_allclose(arr(mt.mean(x, dim=2, keepdim=True)), a.mean(axis=2, keepdims=True))
    np.testing.assert_allclose(arr(x.mean(axis=(1, 2))), a.mean(axis=(1, 2)))
    assert mt.mean(x).item() == a.mean()
    with pytest.raises(IndexError):
        x.sum(dim=3)


def test_sum_of_int_and_bool_tensors_is_int64():
    assert mt.tensor([1, 2, 3], dtype=mt.int32).sum().dtype == mt.int64
    assert mt.tensor([True, True, False]).sum().dtype == mt.int64
    assert mt.tensor([True, True, False]).sum().item() == 2


def test_mean_of_int_tensor_raises_like_pytorch():
    # PyTorch: "mean(): could not infer output dtype. Input dtype must be either a floating point or complex dtype"
    with pytest.raises(RuntimeError, match="dtype"):
        mt.tensor([1, 2, 3]).mean()


def test_var_signature_and_default_unbiased():
    a = np.array([[1.0, 2.0, 4.0], [3.0, 5.0, 9.0]])
    x = mt.tensor(a, requires_grad=True)
    assert np.isclose(x.var().item(), a.var(ddof=1))
    assert np.isclose(mt.var(x).item(), a.var(ddof=1))
    np.testing.assert_allclose(arr(x.var(dim=1)), a.var(axis=1, ddof=1))
    np.testing.assert_allclose(arr(x.var(1)), a.var(axis=1, ddof=1))
    np.testing.assert_allclose(arr(x.var(dim=0, unbiased=False)), a.var(axis=0))
    np.testing.assert_allclose(arr(x.var(dim=1, keepdim=True)), a.var(axis=1, ddof=1, keepdims=True))
    np.testing.assert_allclose(arr(x.var(None, False, True)), a.var(keepdims=True))  # (dim, unbiased, keepdim)
    np.testing.assert_allclose(arr(x.var(dim=None, keepdim=False, unbiased=False)), a.var())
    np.testing.assert_allclose(arr(x.var(axis=0, keepdims=True)), a.var(axis=0, ddof=1, keepdims=True))
    assert mt.autograd.gradcheck(lambda t: t.var(dim=1), (x,))


def test_max_min_with_and_without_dim():
    a = np.array([[1.0, 7.0, 3.0], [9.0, 2.0, 9.0]])
    x = mt.tensor(a)
    m = x.max()
    assert isinstance(m, mt.Tensor) and m.shape == () and m.item() == 9.0
    assert mt.min(x).shape == () and mt.min(x).item() == 1.0
    r = x.max(dim=1)
    assert r.values.tolist() == [7.0, 9.0] and r.indices.tolist() == [1, 0]
    assert r.indices.dtype == mt.int64
    values, indices = mt.max(x, dim=1)
    assert values.tolist() == [7.0, 9.0] and indices.tolist() == [1, 0]
    values, indices = x.max(1)
    assert values.tolist() == [7.0, 9.0]
    assert r[0].tolist() == [7.0, 9.0] and r[1].tolist() == [1, 0]
    r = mt.min(x, dim=0, keepdim=True)
    assert r.values.tolist() == [[1.0, 2.0, 3.0]] and r.indices.tolist() == [[0, 1, 0]]
    r = x.min(dim=-1)
    assert r.values.tolist() == [1.0, 2.0] and r.indices.tolist() == [0, 1]
    # torch.max(a, b) is the elementwise maximum
    assert mt.max(mt.tensor([1.0, 5.0]), mt.tensor([3.0, 2.0])).tolist() == [3.0, 5.0]
    assert mt.min(mt.tensor([1.0, 5.0]), mt.tensor([3.0, 2.0])).tolist() == [1.0, 2.0]


def test_max_gradients_like_pytorch():
    x = mt.tensor([[1.0, 7.0, 7.0], [9.0, 2.0, 3.0]], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]
    x.grad = None
    x.max(dim=1).values.sum().backward()
    # with dim, the gradient goes to the returned index
    assert x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    y = mt.tensor([2.0, 5.0, 5.0], requires_grad=True)
    y.max().backward()
    # PyTorch's full max() reduction distributes the gradient evenly between ties
    assert y.grad.tolist() == [0.0, 0.5, 0.5]


def test_amax_amin_argmax_argmin_logsumexp():
    a = np.array([[1.0, 7.0, 3.0], [9.0, 2.0, 4.0]])
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(arr(x.amax(dim=1)), a.max(axis=1))
    np.testing.assert_array_equal(arr(mt.amax(x, dim=0, keepdim=True)), a.max(axis=0, keepdims=True))
    np.testing.assert_array_equal(arr(x.amin(1)), a.min(axis=1))
    np.testing.assert_array_equal(arr(mt.amin(x, dim=(0, 1))), a.min())
    assert x.amax().item() == 9.0
    assert x.argmax().item() == 3 and x.argmin().item() == 0  # flattened index, like PyTorch
    assert x.argmax(dim=1).tolist() == [1, 0] and x.argmax(dim=1).dtype == mt.int64
    assert mt.argmax(x, dim=0).tolist() == [1, 0, 1]
    assert x.argmin(dim=1, keepdim=True).tolist() == [[0], [1]]
    lse = np.log(np.exp(a).sum(axis=1))
    np.testing.assert_allclose(arr(x.logsumexp(1)), lse)
    np.testing.assert_allclose(arr(mt.logsumexp(x, dim=1)), lse)
    np.testing.assert_allclose(arr(mt.logsumexp(x, dim=1, keepdim=True)), lse[:, None])
    np.testing.assert_allclose(arr(mt.logsumexp(mt.tensor([1000.0, 1000.0]), dim=0)), 1000.0 + math.log(2))
    assert mt.autograd.gradcheck(lambda t: t.logsumexp(dim=0), (x,))


def test_accuracy_idiom():
    logits = mt.tensor([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    y = mt.tensor([1, 0, 0])
    pred = logits.argmax(dim=1)
    acc = (pred == y).float().mean()
    assert acc.dtype == mt.float32 and np.isclose(acc.item(), 2 / 3)
    assert (pred == y).sum().item() == 2


# --------------------------------------------------------------------------------------
# Shape
# --------------------------------------------------------------------------------------

def test_reshape_view():
    a = np.arange(8.0)
    x = mt.tensor(a, requires_grad=True)
    assert x.view(-1, 4).shape == (2, 4)
    assert x.view(2, 4).shape == (2, 4) and x.view((4, 2)).shape == (4, 2)
    assert x.reshape(2, -1).shape == (2, 4) and x.reshape((2, 2, 2)).shape == (2, 2, 2)
    assert mt.reshape(x, (4, 2)).shape == (4, 2)
    (x.view(2, 4) * mt.tensor(np.arange(8.0).reshape(2, 4))).sum().backward()
    np.testing.assert_array_equal(arr(x.grad), a)
    with pytest.raises(RuntimeError):
        x.view(3, 3)


def test_flatten_defaults():
    x = mt.zeros(2, 3, 4, 5)
    assert x.flatten().shape == (120,)
    assert mt.flatten(x).shape == (120,)
    assert x.flatten(1).shape == (2, 60)
    assert x.flatten(start_dim=1, end_dim=2).shape == (2, 12, 5)
    assert x.flatten(0, -2).shape == (24, 5)
    assert mt.flatten(x, start_dim=2).shape == (2, 3, 20)
    assert mt.tensor(3.0).flatten().shape == (1,)


def test_transpose_permute_unsqueeze_squeeze_expand():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(arr(x.transpose(0, 2)), a.transpose(2, 1, 0))
    np.testing.assert_array_equal(arr(mt.transpose(x, 1, 2)), a.transpose(0, 2, 1))
    np.testing.assert_array_equal(arr(x.permute(2, 0, 1)), a.transpose(2, 0, 1))
    np.testing.assert_array_equal(arr(x.permute((2, 0, 1))), a.transpose(2, 0, 1))
    np.testing.assert_array_equal(arr(mt.permute(x, (1, 0, 2))), a.transpose(1, 0, 2))
    assert x.unsqueeze(1).shape == (2, 1, 3, 4) and mt.unsqueeze(x, -1).shape == (2, 3, 4, 1)
    assert x.unsqueeze(0).shape == (1, 2, 3, 4)
    y = mt.zeros(1, 3, 1)
    assert y.squeeze().shape == (3,) and y.squeeze(0).shape == (3, 1) and mt.squeeze(y, 2).shape == (1, 3)
    assert y.squeeze(1).shape == (1, 3, 1)  # PyTorch: squeezing a non-1 dim is a no-op
    v = mt.tensor([[1.0], [2.0]], requires_grad=True)
    e = v.expand(2, 3)
    assert e.tolist() == [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]]
    assert v.expand(-1, 4).shape == (2, 4) and v.expand((3, 2, 2)).shape == (3, 2, 2)
    e.sum().backward()
    assert v.grad.tolist() == [[3.0], [3.0]]
    with pytest.raises(IndexError):
        x.transpose(0, 3)
    with pytest.raises(RuntimeError):
        x.permute(0, 1)


def test_getitem_forms_and_accumulating_gradients():
    a = np.arange(24.0).reshape(2, 3, 4)
    x = mt.tensor(a, requires_grad=True)
    for index in [1, (0, 2), slice(1, None), (slice(None), 1), (None, 0), (Ellipsis, 1), (0, Ellipsis, None),
                  ([0, 1, 1],), (slice(None), [2, 0])]:
        np.testing.assert_array_equal(arr(x[index]), a[index])
    np.testing.assert_array_equal(arr(x[mt.tensor([1, 0])]), a[[1, 0]])
    np.testing.assert_array_equal(arr(x[np.array([1, 1])]), a[[1, 1]])
    mask = a > 10
    np.testing.assert_array_equal(arr(x[mt.tensor(mask)]), a[mask])
    np.testing.assert_array_equal(arr(x[x > 10]), a[mask])
    assert x[0, 1, 2].shape == () and x[0, 1, 2].item() == a[0, 1, 2]
    v = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v[[0, 0, 2, 0]].sum().backward()
    assert v.grad.tolist() == [3.0, 0.0, 1.0]
    v.grad = None
    v[mt.tensor([1, 1])].sum().backward()
    assert v.grad.tolist() == [0.0, 2.0, 0.0]
    with pytest.raises(IndexError):
        x[2]


def test_cat_stack():
    a = mt.tensor([[1.0, 2.0]], requires_grad=True)
    b = mt.tensor([[3.0, 4.0]], requires_grad=True)
    assert mt.cat([a, b]).tolist() == [[1.0, 2.0], [3.0, 4.0]]
    assert mt.cat((a, b), dim=1).tolist() == [[1.0, 2.0, 3.0, 4.0]]
    assert mt.cat([a, b], dim=-1).shape == (1, 4)
    s = mt.stack([a, b])
    assert s.shape == (2, 1, 2)
    assert mt.stack((a, b), dim=1).shape == (1, 2, 2) and mt.stack([a, b], dim=-1).shape == (1, 2, 2)
    (mt.cat([a, b], dim=1) * mt.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    assert a.grad.tolist() == [[1.0, 2.0]] and b.grad.tolist() == [[3.0, 4.0]]
    with pytest.raises(RuntimeError):
        mt.cat([mt.zeros(2, 3), mt.zeros(2, 4)], dim=0)
    with pytest.raises(RuntimeError):
        mt.stack([mt.zeros(2), mt.zeros(3)])


def test_comparisons_give_bool_without_grad():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = mt.tensor([3.0, 2.0, 1.0])
    for r, want in ((x < y, [True, False, False]), (x <= y, [True, True, False]), (x > y, [False, False, True]),
                    (x >= y, [False, True, True]), (x == y, [False, True, False]), (x != y, [True, False, True]),
                    (x > 1.5, [False, True, True])):
        assert r.dtype == mt.bool and not r.requires_grad and r.grad_fn is None
        assert r.tolist() == want


# --------------------------------------------------------------------------------------
# Autograd
# --------------------------------------------------------------------------------------

def test_backward_signature():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.backward(gradient=mt.tensor([1.0, 0.5]), retain_graph=True)
    assert x.grad.tolist() == [2.0, 2.0]
    y.backward(mt.tensor([1.0, 1.0]))
    assert x.grad.tolist() == [4.0, 6.0]
    z = (x * 2).sum()
    z.backward(gradient=None, retain_graph=False)
    assert x.grad.tolist() == [6.0, 8.0]


def test_backward_of_nonscalar_needs_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="scalar"):
        (x * 2).backward()


def test_second_backward_without_retain_graph_names_the_fix():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match=r"retain_graph=True"):
        y.backward()
    z = (x.exp() * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    np.testing.assert_allclose(arr(x.grad), np.array([2.0, 4.0]) + 2 * (np.exp([1.0, 2.0]) * (1 + np.array([1.0, 2.0]))),
                               rtol=1e-6)


def test_backward_on_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="grad"):
        mt.tensor(1.0).backward()


def test_no_grad_enable_grad_context_and_decorator():
    x = mt.tensor([1.0], requires_grad=True)
    assert mt.is_grad_enabled()
    with mt.no_grad():
        assert not mt.is_grad_enabled()
        y = x * 2
        assert not y.requires_grad and y.grad_fn is None
        with mt.enable_grad():
            assert mt.is_grad_enabled()
            assert (x * 2).requires_grad
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()

    @mt.no_grad()
    def f(t):
        assert not mt.is_grad_enabled()
        return t * 2

    assert not f(x).requires_grad and mt.is_grad_enabled()

    @mt.enable_grad()
    def g(t):
        return t * 2

    with mt.no_grad():
        assert g(x).requires_grad


def test_no_grad_restores_state_on_exception():
    with pytest.raises(ValueError):
        with mt.no_grad():
            raise ValueError("boom")
    assert mt.is_grad_enabled()


def test_detach_and_requires_grad_():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf and d.grad_fn is None
    d.data[0] = 5.0  # shares storage, as in PyTorch
    assert x.tolist()[0] == 5.0
    w = mt.tensor([1.0])
    assert w.requires_grad_() is w and w.requires_grad
    w.requires_grad_(False)
    assert not w.requires_grad
    # y = f(x.detach()) carries no gradient back to x
    x.grad = None
    (x * x.detach()).sum().backward()
    assert x.grad.tolist() == [5.0, 2.0]


class _Exp(mt.autograd.Function):
    @staticmethod
    def forward(ctx, i):
        result = i.exp()
        ctx.save_for_backward(result)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (result,) = ctx.saved_tensors
        return grad_output * result


class _MulAdd(mt.autograd.Function):
    @staticmethod
    def forward(ctx, a, b, k):
        ctx.save_for_backward(a, b)
        ctx.k = k
        return a * b + k

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return grad_output * b, grad_output * a, None


def test_custom_function_pytorch_tutorial():
    a = np.array([0.5, -1.0, 2.0])
    x = mt.tensor(a, requires_grad=True)
    y = _Exp.apply(x)
    assert isinstance(y, mt.Tensor) and y.requires_grad and y.grad_fn is not None
    np.testing.assert_allclose(arr(y), np.exp(a))
    y.sum().backward()
    np.testing.assert_allclose(arr(x.grad), np.exp(a))
    assert mt.autograd.gradcheck(_Exp.apply, (mt.tensor(a, requires_grad=True),))
    p = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    q = mt.tensor([3.0, 4.0], dtype=mt.float64, requires_grad=True)
    out = _MulAdd.apply(p, q, 10.0)
    assert out.tolist() == [13.0, 18.0]
    out.sum().backward()
    assert p.grad.tolist() == [3.0, 4.0] and q.grad.tolist() == [1.0, 2.0]
    assert mt.autograd.gradcheck(lambda p, q: _MulAdd.apply(p, q, 2.0), (p, q))


def test_custom_function_second_derivative():
    x = mt.tensor([0.3, 1.2], dtype=mt.float64, requires_grad=True)
    (g,) = mt.autograd.grad(_Exp.apply(x).sum(), x, create_graph=True)
    (gg,) = mt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(arr(gg), np.exp([0.3, 1.2]))


def test_autograd_grad_signature_and_higher_order():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([3.0], dtype=mt.float64, requires_grad=True)
    out = (x ** 3).sum() * y.sum()
    grads = mt.autograd.grad(out, [x, y], grad_outputs=None, retain_graph=True, create_graph=False)
    assert isinstance(grads, tuple) and len(grads) == 2
    assert all(isinstance(g, mt.Tensor) for g in grads)
    np.testing.assert_allclose(arr(grads[0]), 3 * np.array([1.0, 4.0]) * 3.0)
    np.testing.assert_allclose(arr(grads[1]), [9.0])
    assert x.grad is None and y.grad is None  # grad() does not accumulate into .grad
    (gx,) = mt.autograd.grad(outputs=(x ** 3).sum(), inputs=x, create_graph=True)
    assert gx.requires_grad
    (gxx,) = mt.autograd.grad(gx.sum(), x, create_graph=True)
    np.testing.assert_allclose(arr(gxx), 6 * np.array([1.0, 2.0]))
    (gxxx,) = mt.autograd.grad(gxx.sum(), x)
    np.testing.assert_allclose(arr(gxxx), [6.0, 6.0])
    v = x * 2
    (gv,) = mt.autograd.grad(v, x, grad_outputs=mt.tensor([1.0, 3.0], dtype=mt.float64))
    assert gv.tolist() == [2.0, 6.0]


def test_autograd_grad_frees_graph_unless_retained():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    mt.autograd.grad(y, x)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        mt.autograd.grad(y, x)


def test_gradcheck_signature_success_and_failure():
    x = mt.tensor(np.array([0.1, 0.5, -0.7]), requires_grad=True)
    assert mt.autograd.gradcheck(mt.tanh, (x,), eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True) is True
    assert mt.autograd.gradcheck(lambda t: (t * t).sum(), (x,)) is True

    class _Wrong(mt.autograd.Function):
        @staticmethod
        def forward(ctx, t):
            ctx.save_for_backward(t)
            return t * t

        @staticmethod
        def backward(ctx, g):
            (t,) = ctx.saved_tensors
            return g * t * 3.0  # wrong: should be 2 t

    with pytest.raises(RuntimeError) as info:
        mt.autograd.gradcheck(_Wrong.apply, (x,))
    msg = str(info.value)
    assert "0" in msg and any(name in msg for name in ("input", "Input"))
    assert mt.autograd.gradcheck(_Wrong.apply, (x,), raise_exception=False) is False


def test_gradcheck_only_checks_inputs_that_require_grad():
    x = mt.tensor([0.2, 0.4], dtype=mt.float64, requires_grad=True)
    c = mt.tensor([1.0, 2.0], dtype=mt.float64)
    assert mt.autograd.gradcheck(lambda a, b: a * b, (x, c))


def test_deep_graph_has_no_recursion_error():
    x = mt.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5000):
        y = y * 1.0
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


# --------------------------------------------------------------------------------------
# nn.Module
# --------------------------------------------------------------------------------------

class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 3, bias=False)
        self.scale = nn.Parameter(mt.ones(1))

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x))) * self.scale


def test_module_api():
    mt.manual_seed(0)
    net = _Net()
    names = [n for n, _ in net.named_parameters()]
    # PyTorch lists a module's own parameters first, then its children's, recursively.
    assert names == ["scale", "fc1.weight", "fc1.bias", "fc2.weight"]
    assert list(net.state_dict()) == names
    params = list(net.parameters())
    assert len(params) == 4 and all(isinstance(p, nn.Parameter) and isinstance(p, mt.Tensor) for p in params)
    assert all(p.requires_grad and p.is_leaf for p in params)
    assert sum(p.numel() for p in net.parameters()) == 4 * 8 + 8 + 8 * 3 + 1
    assert [type(c).__name__ for c in net.children()] == ["Linear", "ReLU", "Linear"]
    mods = list(net.modules())
    assert mods[0] is net and len(mods) == 4
    x = mt.randn(5, 4)
    out = net(x)
    assert out.shape == (5, 3)
    np.testing.assert_allclose(arr(net.forward(x)), arr(out))
    out.sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None or np.all(arr(p.grad) == 0) for p in net.parameters())


def test_train_eval_training_flag():
    net = nn.Sequential(nn.Linear(2, 2), nn.Dropout(0.5))
    assert net.training and net[1].training
    assert net.eval() is net
    assert not net.training and not net[1].training
    assert net.train() is net and net.training and net[1].training
    net.train(False)
    assert not net[1].training


def test_state_dict_and_load_state_dict_strict():
    mt.manual_seed(0)
    a = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    sd = a.state_dict()
    assert list(sd.keys()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert all(isinstance(v, mt.Tensor) for v in sd.values())
    b = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    b.load_state_dict(sd)
    x = mt.randn(2, 3)
    np.testing.assert_array_equal(arr(a(x)), arr(b(x)))
    sd["0.weight"].data[...] = 0  # a state dict is a snapshot-independent copy? PyTorch shares; only check load
    missing = dict(sd)
    del missing["2.bias"]
    with pytest.raises(RuntimeError, match="2.bias"):
        b.load_state_dict(missing)
    extra = dict(sd)
    extra["3.weight"] = mt.zeros(1)
    with pytest.raises(RuntimeError, match="3.weight"):
        b.load_state_dict(extra, strict=True)
    result = b.load_state_dict(missing, strict=False)
    assert list(result.missing_keys) == ["2.bias"] and list(result.unexpected_keys) == []
    bad = dict(sd)
    bad["0.weight"] = mt.zeros(5, 5)
    with pytest.raises(RuntimeError, match="size"):
        b.load_state_dict(bad)


def test_load_state_dict_copies_values():
    a = nn.Linear(2, 2)
    b = nn.Linear(2, 2)
    b.load_state_dict(a.state_dict())
    with mt.no_grad():
        a.weight.fill_(3.0)
    assert not np.all(arr(b.weight) == 3.0)


def test_module_to_double_float():
    net = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
    assert net.double() is net
    assert all(p.dtype == mt.float64 for p in net.parameters())
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())
    out = net(mt.randn(4, 2, dtype=mt.float64))
    assert out.dtype == mt.float64
    assert net.float() is net and all(p.dtype == mt.float32 for p in net.parameters())
    assert net.to(mt.float64) is net and all(p.dtype == mt.float64 for p in net.parameters())
    assert net.to("cpu") is net
    net.to(mt.float32)
    opt = mt.optim.SGD(net.parameters(), lr=0.1)
    net(mt.randn(4, 2)).sum().backward()
    opt.step()  # converted parameters are still the ones the optimizer holds


def test_parameter_registers_on_assignment():
    m = nn.Module()
    m.w = nn.Parameter(mt.zeros(2, 2))
    m.sub = nn.Linear(2, 1)
    m.plain = mt.zeros(3)
    assert [n for n, _ in m.named_parameters()] == ["w", "sub.weight", "sub.bias"]
    p = nn.Parameter(mt.tensor([1.0]))
    assert p.requires_grad and p.is_leaf and isinstance(p, mt.Tensor)
    assert not nn.Parameter(mt.tensor([1.0]), requires_grad=False).requires_grad


def test_module_repr_like_pytorch():
    net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1, bias=False))
    assert repr(net) == (
        "Sequential(\n"
        "  (0): Linear(in_features=2, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Linear(in_features=3, out_features=1, bias=False)\n"
        ")"
    )
    assert repr(_Net()) == (
        "_Net(\n"
        "  (fc1): Linear(in_features=4, out_features=8, bias=True)\n"
        "  (act): ReLU()\n"
        "  (fc2): Linear(in_features=8, out_features=3, bias=False)\n"
        ")"
    )


# --------------------------------------------------------------------------------------
# Layers
# --------------------------------------------------------------------------------------

def test_linear_default_init_and_math():
    mt.manual_seed(0)
    lin = nn.Linear(100, 50)
    assert lin.weight.shape == (50, 100) and lin.bias.shape == (50,)
    assert lin.in_features == 100 and lin.out_features == 50
    bound = 1 / math.sqrt(100)  # kaiming_uniform_(a=sqrt(5)) and the bias both give U(-1/sqrt(in), 1/sqrt(in))
    w, b = arr(lin.weight), arr(lin.bias)
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.9 * bound and np.isclose(w.std(), bound / math.sqrt(3), rtol=0.1)
    assert lin.weight.dtype == mt.float32
    x = mt.randn(7, 100)
    np.testing.assert_allclose(arr(lin(x)), arr(x) @ w.T + b, rtol=1e-5, atol=1e-6)
    nb = nn.Linear(3, 2, bias=False)
    assert nb.bias is None and len(list(nb.parameters())) == 1
    assert nn.Linear(3, 2)(mt.randn(4, 5, 3)).shape == (4, 5, 2)
    assert nn.Linear(3, 2)(mt.randn(3)).shape == (2,)


def test_sequential_indexable_and_len():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3
    assert isinstance(seq[0], nn.Linear) and isinstance(seq[-1], nn.Linear) and isinstance(seq[1], nn.ReLU)
    sub = seq[1:]
    assert isinstance(sub, nn.Sequential) and len(sub) == 2
    assert [type(m).__name__ for m in seq] == ["Linear", "ReLU", "Linear"]
    x = mt.randn(4, 2)
    np.testing.assert_allclose(arr(seq(x)), arr(seq[2](seq[1](seq[0](x)))))
    with pytest.raises(IndexError):
        seq[3]


def test_activation_modules():
    a = np.array([[-2.0, -0.5, 0.0, 1.5]])
    x = mt.tensor(a)
    np.testing.assert_allclose(arr(nn.ReLU()(x)), np.maximum(a, 0))
    np.testing.assert_allclose(arr(nn.Sigmoid()(x)), 1 / (1 + np.exp(-a)), rtol=1e-6)
    np.testing.assert_allclose(arr(nn.Tanh()(x)), np.tanh(a), rtol=1e-6)
    np.testing.assert_allclose(arr(nn.LeakyReLU()(x)), np.where(a > 0, a, 0.01 * a), rtol=1e-6)
    np.testing.assert_allclose(arr(nn.LeakyReLU(0.2)(x)), np.where(a > 0, a, 0.2 * a), rtol=1e-6)
    np.testing.assert_allclose(arr(nn.LeakyReLU(negative_slope=0.2)(x)), np.where(a > 0, a, 0.2 * a), rtol=1e-6)
    np.testing.assert_allclose(arr(nn.GELU()(x)), arr(F.gelu(x)))
    np.testing.assert_allclose(arr(nn.GELU(approximate="tanh")(x)), arr(F.gelu(x, approximate="tanh")))
    np.testing.assert_allclose(arr(nn.Softmax(dim=1)(x)), arr(F.softmax(x, dim=1)))
    np.testing.assert_allclose(arr(nn.Softmax(1)(x)), arr(F.softmax(x, dim=1)))
    np.testing.assert_allclose(arr(nn.Softmax(0)(x)), np.ones_like(a))
    np.testing.assert_allclose(arr(nn.LogSoftmax(1)(x)), arr(F.log_softmax(x, dim=1)))
    np.testing.assert_allclose(arr(nn.LogSoftmax(dim=-1)(x)), arr(F.log_softmax(x, dim=1)))
    assert nn.Identity()(x) is x or np.array_equal(arr(nn.Identity()(x)), a)
    assert nn.Flatten()(mt.zeros(2, 3, 4)).shape == (2, 12)
    assert nn.Flatten(0)(mt.zeros(2, 3, 4)).shape == (24,)
    assert nn.Flatten(start_dim=1, end_dim=-1)(mt.zeros(2, 3, 4, 5)).shape == (2, 60)


def test_dropout_train_and_eval():
    mt.manual_seed(0)
    d = nn.Dropout(p=0.25)
    x = mt.ones(400, 100)
    y = arr(d(x))
    kept = y != 0
    assert 0.7 < kept.mean() < 0.8
    np.testing.assert_allclose(y[kept], 1 / 0.75, rtol=1e-6)  # inverted dropout
    d.eval()
    np.testing.assert_array_equal(arr(d(x)), arr(x))
    assert nn.Dropout().p == 0.5
    d0 = nn.Dropout(0.0)
    np.testing.assert_array_equal(arr(d0(x)), arr(x))
    with pytest.raises(ValueError):
        nn.Dropout(1.5)
    xg = mt.ones(10, requires_grad=True)
    d1 = nn.Dropout(0.5)
    out = d1(xg)
    out.sum().backward()
    np.testing.assert_allclose(arr(xg.grad), arr(out.detach()))  # gradient uses the same mask


# --------------------------------------------------------------------------------------
# Losses
# --------------------------------------------------------------------------------------

def _reduce(v, reduction):
    return {"mean": v.mean(), "sum": v.sum(), "none": v}[reduction]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(reduction):
    rng = np.random.default_rng(4)
    p, t = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    P, T = mt.tensor(p, requires_grad=True), mt.tensor(t)
    for mod, fn, want in ((nn.MSELoss, F.mse_loss, (p - t) ** 2), (nn.L1Loss, F.l1_loss, np.abs(p - t))):
        np.testing.assert_allclose(arr(mod(reduction=reduction)(P, T)), _reduce(want, reduction), rtol=1e-12)
        np.testing.assert_allclose(arr(fn(P, T, reduction=reduction)), _reduce(want, reduction), rtol=1e-12)
        assert mt.autograd.gradcheck(lambda a: fn(a, T, reduction=reduction), (P,))
    assert nn.MSELoss()(P, T).shape == ()


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_losses(reduction):
    rng = np.random.default_rng(5)
    z = rng.standard_normal((4, 3))
    y = (rng.random((4, 3)) > 0.5).astype(np.float64)
    p = 1 / (1 + np.exp(-z))
    want = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    P, Z, Y = mt.tensor(p, requires_grad=True), mt.tensor(z, requires_grad=True), mt.tensor(y)
    np.testing.assert_allclose(arr(nn.BCELoss(reduction=reduction)(P, Y)), _reduce(want, reduction), rtol=1e-10)
    np.testing.assert_allclose(arr(F.binary_cross_entropy(P, Y, reduction=reduction)), _reduce(want, reduction), rtol=1e-10)
    np.testing.assert_allclose(arr(nn.BCEWithLogitsLoss(reduction=reduction)(Z, Y)), _reduce(want, reduction), rtol=1e-10)
    np.testing.assert_allclose(
        arr(F.binary_cross_entropy_with_logits(Z, Y, reduction=reduction)), _reduce(want, reduction), rtol=1e-10
    )
    assert mt.autograd.gradcheck(lambda a: F.binary_cross_entropy_with_logits(a, Y, reduction=reduction), (Z,))
    assert mt.autograd.gradcheck(lambda a: F.binary_cross_entropy(a, Y, reduction=reduction), (P,))


def test_bce_stable_and_clamped_like_pytorch():
    z = mt.tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    y = mt.tensor([1.0, 0.0, 0.0, 1.0])
    loss = nn.BCEWithLogitsLoss(reduction="none")(z, y)
    np.testing.assert_allclose(arr(loss), [0.0, 0.0, 1000.0, 1000.0])
    loss.sum().backward()
    np.testing.assert_allclose(arr(z.grad), [0.0, 0.0, 1.0, -1.0])
    # PyTorch clamps BCELoss's log to >= -100, so a certain wrong prediction costs 100, not inf.
    p = mt.tensor([0.0, 1.0])
    np.testing.assert_allclose(arr(nn.BCELoss(reduction="none")(p, mt.tensor([1.0, 0.0]))), [100.0, 100.0])
    assert np.isfinite(nn.BCELoss()(mt.tensor([0.0, 1.0]), mt.tensor([0.0, 1.0])).item())


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_and_nll(reduction):
    rng = np.random.default_rng(6)
    z = rng.standard_normal((5, 4))
    y = np.array([0, 3, 1, 1, 2])
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    want = -logp[np.arange(5), y]
    Z, Y = mt.tensor(z, requires_grad=True), mt.tensor(y)
    np.testing.assert_allclose(arr(nn.CrossEntropyLoss(reduction=reduction)(Z, Y)), _reduce(want, reduction), rtol=1e-10)
    np.testing.assert_allclose(arr(F.cross_entropy(Z, Y, reduction=reduction)), _reduce(want, reduction), rtol=1e-10)
    L = mt.tensor(logp, requires_grad=True)
    np.testing.assert_allclose(arr(nn.NLLLoss(reduction=reduction)(L, Y)), _reduce(want, reduction), rtol=1e-10)
    np.testing.assert_allclose(arr(F.nll_loss(L, Y, reduction=reduction)), _reduce(want, reduction), rtol=1e-10)
    assert mt.autograd.gradcheck(lambda a: F.cross_entropy(a, Y, reduction=reduction), (Z,))
    assert mt.autograd.gradcheck(lambda a: F.nll_loss(a, Y, reduction=reduction), (L,))
    if reduction == "none":
        assert nn.CrossEntropyLoss(reduction="none")(Z, Y).shape == (5,)


def test_cross_entropy_stable_for_large_logits_and_defaults():
    z = mt.tensor([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]], requires_grad=True)
    y = mt.tensor([0, 0])
    loss = nn.CrossEntropyLoss()(z, y)
    np.testing.assert_allclose(loss.item(), 1000.0, rtol=1e-6)
    loss.backward()
    assert np.all(np.isfinite(arr(z.grad)))
    np.testing.assert_allclose(arr(z.grad), [[0.0, 0.0, 0.0], [-0.5, 0.5, 0.0]], atol=1e-6)
    assert loss.dtype == mt.float32
    for cls in (nn.MSELoss, nn.L1Loss, nn.BCELoss, nn.BCEWithLogitsLoss, nn.CrossEntropyLoss, nn.NLLLoss):
        assert cls().reduction == "mean"
    with pytest.raises(ValueError):
        nn.MSELoss(reduction="avg")(mt.zeros(2), mt.zeros(2))


def test_loss_shape_mismatch_is_an_error_not_broadcast():
    with pytest.raises((RuntimeError, ValueError)):
        nn.CrossEntropyLoss()(mt.zeros(3, 4), mt.tensor([0, 1]))


# --------------------------------------------------------------------------------------
# optim
# --------------------------------------------------------------------------------------

def _param(values, grad):
    p = nn.Parameter(mt.tensor(values, dtype=mt.float64))
    p.grad = mt.tensor(grad, dtype=mt.float64)
    return p


def test_sgd_signature_and_pytorch_update_rule():
    import inspect

    sig = inspect.signature(mt.optim.SGD)
    for name, default in (("momentum", 0), ("dampening", 0), ("weight_decay", 0), ("nesterov", False)):
        assert sig.parameters[name].default == default
    w0 = np.array([1.0, -2.0])
    grads = [np.array([0.5, 1.0]), np.array([-1.0, 0.25]), np.array([0.3, 0.3])]
    for momentum, dampening, wd, nesterov in ((0, 0, 0, False), (0.9, 0.1, 0.01, False), (0.9, 0, 0.1, True)):
        p = _param(w0, grads[0])
        opt = mt.optim.SGD([p], lr=0.1, momentum=momentum, dampening=dampening, weight_decay=wd, nesterov=nesterov)
        w, buf = w0.copy(), None
        for g in grads:
            p.grad = mt.tensor(g)
            opt.step()
            d = g + wd * w
            if momentum:
                buf = d.copy() if buf is None else momentum * buf + (1 - dampening) * d
                d = d + momentum * buf if nesterov else buf
            w = w - 0.1 * d
            np.testing.assert_allclose(arr(p), w, rtol=1e-12)
    p = _param(w0, grads[0])
    mt.optim.SGD([p], 0.5).step()  # lr positional
    np.testing.assert_allclose(arr(p), w0 - 0.5 * grads[0])


def test_sgd_skips_params_without_grad_and_zero_grad():
    p = nn.Parameter(mt.tensor([1.0, 2.0]))
    opt = mt.optim.SGD([p], lr=0.1)
    opt.step()
    assert p.tolist() == [1.0, 2.0]
    (p * p).sum().backward()
    opt.zero_grad()
    assert p.grad is None or np.all(arr(p.grad) == 0)
    assert p.dtype == mt.float32


def _adam_reference(w, grads, lr, betas, eps, wd, decoupled, amsgrad=False):
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    out = []
    for t, g in enumerate(grads, 1):
        if decoupled:
            w = w * (1 - lr * wd)
        else:
            g = g + wd * w
        m = betas[0] * m + (1 - betas[0]) * g
        v = betas[1] * v + (1 - betas[1]) * g * g
        mhat = m / (1 - betas[0] ** t)
        vhat = v / (1 - betas[1] ** t)
        w = w - lr * mhat / (np.sqrt(vhat) + eps)
        out.append(w.copy())
    return out


def test_adam_adamw_signatures_and_update_rules():
    import inspect

    sig = inspect.signature(mt.optim.Adam)
    assert sig.parameters["lr"].default == 1e-3
    assert tuple(sig.parameters["betas"].default) == (0.9, 0.999)
    assert sig.parameters["eps"].default == 1e-8 and sig.parameters["weight_decay"].default == 0
    sig = inspect.signature(mt.optim.AdamW)
    assert sig.parameters["lr"].default == 1e-3 and sig.parameters["weight_decay"].default == 1e-2
    assert tuple(sig.parameters["betas"].default) == (0.9, 0.999) and sig.parameters["eps"].default == 1e-8
    w0 = np.array([1.0, -2.0, 0.5])
    grads = [np.array([0.5, 1.0, -1e-3]), np.array([-1.0, 0.25, 0.0]), np.array([0.3, 0.3, 2.0])]
    for cls, kwargs, decoupled in (
        (mt.optim.Adam, {}, False),
        (mt.optim.Adam, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1), False),
        (mt.optim.AdamW, {}, True),
        (mt.optim.AdamW, dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1), True),
    ):
        p = _param(w0, grads[0])
        opt = cls([p], **kwargs)
        full = dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, wd=1e-2 if decoupled else 0)
        full.update({("wd" if k == "weight_decay" else k): v for k, v in kwargs.items()})
        want = _adam_reference(w0, grads, full["lr"], full["betas"], full["eps"], full["wd"], decoupled)
        for g, w in zip(grads, want):
            p.grad = mt.tensor(g)
            opt.step()
            np.testing.assert_allclose(arr(p), w, rtol=1e-12)


def test_rmsprop_defaults_and_update_rule():
    import inspect

    sig = inspect.signature(mt.optim.RMSprop)
    defaults = {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0, "momentum": 0, "centered": False}
    for name, value in defaults.items():
        assert sig.parameters[name].default == value, name
    w0 = np.array([1.0, -2.0])
    grads = [np.array([0.5, 1.0]), np.array([-1.0, 0.25]), np.array([0.3, 0.3])]
    for momentum, centered, wd in ((0, False, 0), (0.9, False, 0.1), (0.5, True, 0.0), (0, True, 0.01)):
        p = _param(w0, grads[0])
        opt = mt.optim.RMSprop([p], lr=0.01, alpha=0.9, eps=1e-8, weight_decay=wd, momentum=momentum, centered=centered)
        w = w0.copy()
        sq = np.zeros(2)
        gavg = np.zeros(2)
        buf = np.zeros(2)
        for g in grads:
            p.grad = mt.tensor(g)
            opt.step()
            g = g + wd * w
            sq = 0.9 * sq + 0.1 * g * g
            if centered:
                gavg = 0.9 * gavg + 0.1 * g
                avg = np.sqrt(sq - gavg * gavg) + 1e-8
            else:
                avg = np.sqrt(sq) + 1e-8
            if momentum:
                buf = momentum * buf + g / avg
                w = w - 0.01 * buf
            else:
                w = w - 0.01 * g / avg
            np.testing.assert_allclose(arr(p), w, rtol=1e-12)


def test_param_groups_lr_read_and_set():
    a = _param([1.0], [1.0])
    b = _param([1.0], [1.0])
    opt = mt.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 0.5
    assert opt.param_groups[1]["momentum"] == 0.0
    opt.step()
    np.testing.assert_allclose(arr(a), [0.9])
    np.testing.assert_allclose(arr(b), [0.5])
    opt.param_groups[0]["lr"] = 1.0
    for g in opt.param_groups:
        g["lr"] = g["lr"] * 0.5
    opt.step()
    np.testing.assert_allclose(arr(a), [0.4])
    np.testing.assert_allclose(arr(b), [0.25])
    opt.add_param_group({"params": [_param([0.0], [1.0])], "lr": 2.0})
    assert len(opt.param_groups) == 3


def test_optimizer_state_dict_roundtrip_resumes_identically():
    def run(split):
        mt.manual_seed(0)
        model = nn.Linear(3, 2)
        opt = mt.optim.Adam(model.parameters(), lr=0.1)
        x = mt.randn(8, 3)
        for i in range(4):
            if i == split:
                sd_m, sd_o = model.state_dict(), opt.state_dict()
                model = nn.Linear(3, 2)
                model.load_state_dict(sd_m)
                opt = mt.optim.Adam(model.parameters(), lr=0.1)
                opt.load_state_dict(sd_o)
            opt.zero_grad()
            loss = (model(x) ** 2).mean()
            loss.backward()
            opt.step()
        return arr(model.weight).copy()

    np.testing.assert_allclose(run(split=None), run(split=2), rtol=1e-6)


def test_optimizer_state_dict_layout_like_pytorch():
    p = _param([1.0], [1.0])
    opt = mt.optim.SGD([p], lr=0.1, momentum=0.9)
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sd["param_groups"][0]["params"] == [0] and sd["param_groups"][0]["lr"] == 0.1
    assert 0 in sd["state"] and "momentum_buffer" in sd["state"][0]


def test_schedulers():
    def make():
        return mt.optim.SGD([_param([1.0], [0.0])], lr=1.0)

    opt = make()
    s = mt.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        s.step()
    np.testing.assert_allclose(lrs, [1.0, 1.0, 0.5, 0.5, 0.25, 0.25])
    assert s.get_last_lr() == [opt.param_groups[0]["lr"]]
    opt = make()
    s = mt.optim.lr_scheduler.StepLR(opt, 3)  # gamma defaults to 0.1
    for _ in range(3):
        s.step()
    np.testing.assert_allclose(opt.param_groups[0]["lr"], 0.1)
    opt = make()
    s = mt.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)
    for _ in range(3):
        opt.step()
        s.step()
    np.testing.assert_allclose(opt.param_groups[0]["lr"], 0.9 ** 3)
    opt = make()
    s = mt.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=0.1)
    got = []
    for _ in range(10):
        opt.step()
        s.step()
        got.append(opt.param_groups[0]["lr"])
    want = [0.1 + 0.9 * (1 + math.cos(math.pi * t / 10)) / 2 for t in range(1, 11)]
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    opt = make()
    mt.optim.lr_scheduler.CosineAnnealingLR(opt, 5)  # eta_min defaults to 0
    assert opt.param_groups[0]["lr"] == 1.0
    assert hasattr(mt.optim.lr_scheduler, "StepLR") and hasattr(mt.optim, "lr_scheduler")


# --------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------

def test_tensor_dataset_and_dataloader_defaults():
    from microtensor.utils.data import DataLoader, TensorDataset

    X = mt.arange(10.0).reshape(10, 1) if False else mt.tensor(np.arange(20.0).reshape(10, 2))
    y = mt.arange(10)
    ds = TensorDataset(X, y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert xi.tolist() == [6.0, 7.0] and yi.item() == 3
    dl = DataLoader(ds)
    assert len(dl) == 10
    batches = list(dl)
    assert len(batches) == 10 and batches[0][0].shape == (1, 2) and batches[0][1].shape == (1,)
    dl = DataLoader(ds, batch_size=4, shuffle=False, drop_last=False)
    batches = list(dl)
    assert len(dl) == 3 and [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert isinstance(batches[0][0], mt.Tensor) and batches[0][0].dtype == mt.float64
    dl = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(dl) == 2 and len(list(dl)) == 2
    mt.manual_seed(0)
    dl = DataLoader(ds, batch_size=3, shuffle=True)
    seen = sorted(int(v) for _, yb in dl for v in yb.tolist())
    assert seen == list(range(10))
    orders = [[v for _, yb in dl for v in yb.tolist()] for _ in range(3)]
    assert any(o != list(range(10)) for o in orders)
    assert isinstance(mt.utils.data.DataLoader(ds), DataLoader)


def test_tensor_dataset_length_mismatch_raises():
    from microtensor.utils.data import TensorDataset

    with pytest.raises((ValueError, RuntimeError, AssertionError)):
        TensorDataset(mt.zeros(3, 2), mt.zeros(4))


# --------------------------------------------------------------------------------------
# Files
# --------------------------------------------------------------------------------------

def test_save_load_nested_roundtrip(tmp_path):
    obj = {
        "t": mt.tensor([1.0, 2.0]),
        "t64": mt.tensor([[1, 2]], dtype=mt.int64),
        "a": np.arange(3, dtype=np.int32),
        "af": np.ones((2, 2), dtype=np.float64),
        "n": [1, 2.5, "s", True, False, None, [mt.tensor(3.0), {"x": np.float32(1.5)}]],
        "nested": {"k": {"deep": mt.tensor([True, False])}},
        "int": 7,
        "float": 0.1,
        "str": "hello",
        "none": None,
    }
    path = tmp_path / "obj.mt"
    mt.save(obj, path)
    back = mt.load(path)
    assert set(back) == set(obj)
    assert isinstance(back["t"], mt.Tensor) and back["t"].tolist() == [1.0, 2.0] and back["t"].dtype == mt.float32
    assert isinstance(back["t64"], mt.Tensor) and back["t64"].dtype == mt.int64
    assert isinstance(back["a"], np.ndarray) and not isinstance(back["a"], mt.Tensor) and back["a"].dtype == np.int32
    np.testing.assert_array_equal(back["af"], obj["af"])
    n = back["n"]
    assert n[:6] == [1, 2.5, "s", True, False, None]
    assert type(n[0]) is int and type(n[1]) is float and type(n[3]) is bool
    assert isinstance(n[6][0], mt.Tensor) and n[6][0].item() == 3.0
    assert float(n[6][1]["x"]) == 1.5
    assert back["nested"]["k"]["deep"].tolist() == [True, False]
    assert back["int"] == 7 and back["float"] == 0.1 and back["str"] == "hello" and back["none"] is None
    mt.save([1, 2], str(tmp_path / "as_str.mt"))
    assert mt.load(str(tmp_path / "as_str.mt")) == [1, 2]


def test_save_load_model_and_optimizer_state(tmp_path):
    mt.manual_seed(1)
    model = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    opt = mt.optim.Adam(model.parameters(), lr=0.01)
    model(mt.randn(5, 3)).sum().backward()
    opt.step()
    mt.save({"model": model.state_dict(), "opt": opt.state_dict(), "epoch": 3}, tmp_path / "ckpt.pt")
    ck = mt.load(tmp_path / "ckpt.pt")
    model2 = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 2))
    model2.load_state_dict(ck["model"])
    opt2 = mt.optim.Adam(model2.parameters(), lr=0.01)
    opt2.load_state_dict(ck["opt"])
    x = mt.randn(2, 3)
    np.testing.assert_array_equal(arr(model(x)), arr(model2(x)))
    assert ck["epoch"] == 3
    for m, o in ((model, opt), (model2, opt2)):
        o.zero_grad()
        m(x).sum().backward()
        o.step()
    np.testing.assert_array_equal(arr(model[0].weight), arr(model2[0].weight))


def test_load_refuses_pickles(tmp_path):
    import pickle

    path = tmp_path / "evil.pkl"
    with open(path, "wb") as f:
        pickle.dump({"a": 1}, f)
    with pytest.raises(Exception) as info:
        mt.load(path)
    assert not isinstance(info.value, (AssertionError, KeyboardInterrupt))
    path = tmp_path / "obj.npy"
    np.save(path, np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(Exception):
        mt.load(path)


def test_save_refuses_unsupported_objects(tmp_path):
    with pytest.raises((TypeError, ValueError)):
        mt.save({"f": lambda: 1}, tmp_path / "x.mt")
    with pytest.raises((TypeError, ValueError)):
        mt.save({"o": np.array([object()], dtype=object)}, tmp_path / "y.mt")


def test_save_is_atomic(tmp_path, monkeypatch):
    path = tmp_path / "state.mt"
    mt.save({"v": mt.tensor([1.0])}, path)
    before = path.read_bytes()

    class Boom(Exception):
        pass

    real_replace = os.replace

    def failing_replace(*args, **kwargs):
        raise Boom("crash mid-save")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(Boom):
        mt.save({"v": mt.tensor([2.0, 3.0])}, path)
    monkeypatch.setattr(os, "replace", real_replace)
    assert path.read_bytes() == before
    assert mt.load(path)["v"].tolist() == [1.0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.mt"]


# --------------------------------------------------------------------------------------
# A whole tutorial-style training loop (PyTorch idioms)
# --------------------------------------------------------------------------------------

def test_tutorial_training_loop_idioms():
    from microtensor.utils.data import DataLoader, TensorDataset

    mt.manual_seed(0)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 4)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    loader = DataLoader(TensorDataset(mt.tensor(X, dtype=mt.float32), mt.from_numpy(y)), batch_size=16, shuffle=True)
    model = nn.Sequential(nn.Linear(4, 16), nn.ReLU(), nn.Dropout(0.1), nn.Linear(16, 2))
    criterion = nn.CrossEntropyLoss()
    optimizer = mt.optim.SGD(model.parameters(), lr=0.5, momentum=0.9)
    scheduler = mt.optim.lr_scheduler.StepLR(optimizer, step_size=10, gamma=0.5)
    first = None
    for epoch in range(15):
        model.train()
        for xb, yb in loader:
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            if first is None:
                first = loss.item()
        scheduler.step()
    model.eval()
    with mt.no_grad():
        logits = model(mt.tensor(X))
        acc = (logits.argmax(dim=1) == mt.tensor(y)).float().mean().item()
        final = F.cross_entropy(logits, mt.tensor(y)).item()
    assert isinstance(first, float) and final < first and acc > 0.9
    assert not logits.requires_grad
    n = sum(p.numel() for p in model.parameters())
    assert n == 4 * 16 + 16 + 16 * 2 + 2
    assert x_unsq_shape(mt.tensor(y)) == (64, 1)


def x_unsq_shape(t):
    return t.unsqueeze(1).shape


# --------------------------------------------------------------------------------------
# Fixes from this audit (PyTorch spellings that used to fail)
# --------------------------------------------------------------------------------------

def test_creation_size_keyword_like_pytorch():
    # torch.zeros(size=(2, 3)), torch.rand(size=(4,)) are valid PyTorch calls.
    assert mt.zeros(size=(2, 3)).shape == (2, 3)
    assert mt.ones(size=[4]).shape == (4,) and np.all(arr(mt.ones(size=[4])) == 1)
    assert mt.empty(size=(1, 2), dtype=mt.float64).dtype == mt.float64
    assert mt.rand(size=(3,)).shape == (3,)
    assert mt.randn(size=(2, 2), requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="size"):
        mt.zeros(2, size=(2,))
    with pytest.raises(TypeError, match="unexpected keyword"):
        mt.ones(2, shape=(2,))


def test_arange_end_keyword():
    assert mt.arange(end=3).tolist() == [0, 1, 2]
    assert mt.arange(start=1, end=4).tolist() == [1, 2, 3]
    assert mt.arange(0, end=2.0, step=0.5).tolist() == [0.0, 0.5, 1.0, 1.5]
    with pytest.raises(TypeError):
        mt.arange()


def test_module_cuda_raises_clear_error():
    lin = nn.Linear(2, 2)
    with pytest.raises(RuntimeError, match="CPU only"):
        lin.cuda()
    with pytest.raises(RuntimeError, match="cuda:0"):
        lin.cuda(0)
    assert lin.cpu() is lin


# --------------------------------------------------------------------------------------
# Gaps the audit found in the core (tensor.py, autograd/, arithmetic.py), now fixed.
# --------------------------------------------------------------------------------------

def test_inplace_mul_on_nonleaf_by_tensor_requiring_grad():
    # PyTorch saves a copy of the original self for x.mul_(b); this works there.
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    x = a + 0
    x *= b
    x.sum().backward()
    assert a.grad.tolist() == [3.0, 4.0] and b.grad.tolist() == [1.0, 2.0]


def test_format_spec_on_0d_tensor():
    # PyTorch: Tensor.__format__ formats a 0-d tensor as its item (f"{loss:.4f}").
    assert f"{mt.tensor(1.5):.2f}" == "1.50"


def test_no_grad_as_bare_decorator():
    # PyTorch >= 2.0 documents `@torch.no_grad` without parentheses.
    @mt.no_grad
    def tripler(t):
        return t * 3

    assert not tripler(mt.tensor([1.0], requires_grad=True)).requires_grad


def test_python_int_overflow_raises():
    # PyTorch: RuntimeError "Overflow when unpacking long"; a silent wrap is a wrong answer.
    with pytest.raises((RuntimeError, OverflowError)):
        mt.tensor(2 ** 63)


def test_assigning_a_tensor_to_data():
    # PyTorch idiom: p.data = new_tensor (e.g. weight tying, manual resets).
    p = nn.Parameter(mt.zeros(2))
    p.data = mt.tensor([1.0, 2.0])
    assert isinstance(p.data, mt.Tensor) and p.data.requires_grad is False
    assert p.tolist() == [1.0, 2.0] and "1." in repr(p)


def test_int_tensor_to_negative_int_power_is_runtime_error():
    # PyTorch: RuntimeError "Integers to negative integer powers are not allowed."
    with pytest.raises(RuntimeError, match="negative"):
        mt.tensor([2]) ** -1


def test_permute_dims_and_expand_size_keywords():
    # PyTorch's schemas: permute(int[] dims), expand(SymInt[] size); both accept the keyword.
    a = np.arange(6.0).reshape(2, 3)
    x = mt.tensor(a, requires_grad=True)
    np.testing.assert_array_equal(arr(x.permute(dims=(1, 0))), a.T)
    np.testing.assert_array_equal(arr(mt.permute(x, dims=[1, 0])), a.T)
    e = mt.tensor([[1.0, 2.0, 3.0]]).expand(size=(2, 3))
    assert e.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]
    with pytest.raises(TypeError):
        x.permute(1, 0, dims=(1, 0))
    with pytest.raises(TypeError):
        x.permute(order=(1, 0))
    x.permute(dims=(1, 0)).sum().backward()
    assert x.grad.shape == (2, 3)


def test_failed_save_leaves_the_old_file_and_no_temporaries(tmp_path):
    path = tmp_path / "ckpt.mt"
    mt.save({"w": mt.ones(2)}, path)
    with pytest.raises(TypeError, match=r"obj\['b'\]\[2\]\['c'\]"):
        mt.save({"w": mt.zeros(1000), "b": [1, 2, {"c": object()}]}, path)
    assert mt.load(path)["w"].tolist() == [1.0, 1.0]
    assert [p.name for p in tmp_path.iterdir()] == ["ckpt.mt"]


def test_manual_seed_makes_shuffle_and_dropout_reproducible():
    from microtensor.utils.data import DataLoader, TensorDataset

    ds = TensorDataset(mt.arange(10))

    def run():
        mt.manual_seed(5)
        loader = DataLoader(ds, batch_size=4, shuffle=True)
        epochs = [[b[0].tolist() for b in loader] for _ in range(2)]
        mask = nn.Dropout(0.5)(mt.ones(20)).tolist()
        return epochs, mask

    first, second = run(), run()
    assert first == second
    assert first[0][0] != first[0][1]  # a new order every epoch, as in PyTorch
