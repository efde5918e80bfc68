"""matmul / mm / dot / outer: values against np.matmul, gradients against central
differences (float64) over every 1-D / 2-D / batched / broadcast case, dtypes, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
from tests.strategies import check_gradients, float_arrays, leaf

sides = st.integers(1, 3)


@st.composite
def matmul_shapes(draw):
    """A pair of shapes np.matmul accepts: every 1-D/2-D combination and batched ones
    whose batch dims broadcast (missing and size-1 batch dims included)."""
    n, k, m = draw(sides), draw(sides), draw(sides)
    kind = draw(st.sampled_from(["1x1", "2x1", "1x2", "2x2", "batched", "1xbatched", "batchedx1"]))
    if kind == "1x1":
        return (k,), (k,)
    if kind == "2x1":
        return (n, k), (k,)
    if kind == "1x2":
        return (k,), (k, m)
    if kind == "2x2":
        return (n, k), (k, m)
    batch_a, batch_b = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=2, max_side=3).map(lambda r: r.input_shapes)
    )
    if kind == "1xbatched":
        return (k,), batch_b + (k, m)
    if kind == "batchedx1":
        return batch_a + (n, k), (k,)
    return batch_a + (n, k), batch_b + (k, m)


@settings(max_examples=40)
@given(data=st.data())
def test_matmul_matches_numpy_and_gradcheck(data):
    shape_a, shape_b = data.draw(matmul_shapes())
    a = data.draw(float_arrays(shape_a))
    b = data.draw(float_arrays(shape_b))
    expected = np.matmul(a, b)
    out = mt.matmul(leaf(a), leaf(b))
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose((mt.tensor(a) @ mt.tensor(b)).data, expected, rtol=1e-12, atol=1e-12)
    weights = mt.tensor(np.arange(1.0, expected.size + 1).reshape(expected.shape))
    check_gradients(lambda x, y: (x @ y) * weights, a, b)


@pytest.mark.parametrize(
    "shape_a, shape_b",
    [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)),
     ((5, 1, 2, 3), (4, 3, 2)), ((3,), (2, 3, 4)), ((2, 2, 3), (3,)), ((1, 2, 3), (4, 3, 1))],
)
def test_matmul_listed_cases(shape_a, shape_b):
    rng = np.random.default_rng(sum(shape_a) * 7 + sum(shape_b))
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    out = mt.tensor(a) @ mt.tensor(b)
    np.testing.assert_allclose(out.data, a @ b, rtol=1e-12)
    weights = mt.tensor(rng.normal(size=out.shape))
    check_gradients(lambda x, y: mt.matmul(x, y) * weights, a, b)


def test_matmul_gradients_by_hand():
    a = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = mt.tensor([[5.0, 6.0], [7.0, 8.0]], requires_grad=True)
    (a @ b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, np.ones((2, 2)) @ b.detach().numpy().T)
    np.testing.assert_array_equal(b.grad.data, a.detach().numpy().T @ np.ones((2, 2)))
    v = mt.tensor([1.0, -1.0], requires_grad=True)
    (v @ v).backward()
    np.testing.assert_array_equal(v.grad.data, [2.0, -2.0])


def test_matmul_error_messages():
    with pytest.raises(RuntimeError) as info:
        mt.ones(2, 3) @ mt.ones(4, 5)
    assert str(info.value) == "matmul: cannot multiply (2, 3) by (4, 5): inner sizes 3 and 4 differ"
    with pytest.raises(RuntimeError, match=r"matmul: cannot multiply \(3,\) by \(4,\): inner sizes 3 and 4 differ"):
        mt.matmul(mt.ones(3), mt.ones(4))
    with pytest.raises(RuntimeError, match=r"matmul: cannot multiply \(2, 3\) by \(2,\)"):
        mt.ones(2, 3) @ mt.ones(2)
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        mt.tensor(2.0) @ mt.ones(3)
    with pytest.raises(RuntimeError, match="both arguments to matmul need to be at least 1D"):
        mt.matmul(mt.ones(3), mt.tensor(1.0))
    with pytest.raises(RuntimeError, match="batch dims"):
        mt.ones(2, 2, 3) @ mt.ones(3, 3, 4)


def test_matmul_dtypes():
    a32 = mt.ones(2, 3, dtype=mt.float32, requires_grad=True)
    b32 = mt.ones(4, 3, 5, dtype=mt.float32, requires_grad=True)
    out = a32 @ b32
    assert out.dtype == mt.float32
    out.sum().backward()
    assert a32.grad.dtype == mt.float32 and b32.grad.dtype == mt.float32
    assert (mt.ones(2, 3, dtype=mt.int64) @ mt.ones(3, dtype=mt.float32)).dtype == mt.float32
    assert (mt.ones(2, 3, dtype=mt.float32) @ mt.ones(3, dtype=mt.float64)).dtype == mt.float64
    ints = mt.tensor([[1, 2], [3, 4]]) @ mt.tensor([1, 1])
    assert ints.dtype == mt.int64 and ints.tolist() == [3, 7]


def test_matmul_with_numpy_operands():
    a = np.arange(6.0).reshape(2, 3)
    t = mt.tensor(np.ones((3, 2)), requires_grad=True)
    out = a @ t
    assert isinstance(out, mt.Tensor)
    np.testing.assert_array_equal(out.data, a @ np.ones((3, 2)))
    np.testing.assert_array_equal(np.matmul(t, a).data, np.ones((3, 2)) @ a)
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.data, a.T @ np.ones((2, 2)))


def test_matmul_second_derivatives():
    rng = np.random.default_rng(0)
    b = mt.tensor(rng.normal(size=(3, 2)))

    def first(a):
        (grad,) = mt.autograd.grad(((a @ b) ** 2).sum(), a, create_graph=True)
        return grad

    check_gradients(first, rng.normal(size=(4, 3)))

    def first_batched(a, w):
        grads = mt.autograd.grad(((a @ w) ** 3).sum(), (a, w), create_graph=True)
        return grads[0].sum() * 2 + (grads[1] ** 2).sum()

    check_gradients(first_batched, rng.normal(size=(2, 3, 4)), rng.normal(size=(4,)))


def test_mm_dot_outer():
    rng = np.random.default_rng(5)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 4))
    np.testing.assert_allclose(mt.mm(mt.tensor(a), mt.tensor(b)).data, a @ b)
    np.testing.assert_allclose(mt.tensor(a).mm(mt.tensor(b)).data, a @ b)
    check_gradients(lambda x, y: x.mm(y), a, b)
    with pytest.raises(RuntimeError, match=r"mm: self must be a matrix.*shape \(3,\)"):
        mt.mm(mt.ones(3), mt.ones(3, 2))
    with pytest.raises(RuntimeError, match=r"mm: mat2 must be a matrix"):
        mt.mm(mt.ones(2, 3), mt.ones(2, 3, 2))
    with pytest.raises(RuntimeError, match=r"mm: cannot multiply \(2, 3\) by \(2, 3\): inner sizes 3 and 2 differ"):
        mt.mm(mt.ones(2, 3), mt.ones(2, 3))
    u, v = rng.normal(size=3), rng.normal(size=4)
    assert np.isclose(mt.dot(mt.tensor(u), mt.tensor(u)).item(), u @ u)
    check_gradients(lambda x, y: mt.dot(x, y), u, rng.normal(size=3))
    with pytest.raises(RuntimeError, match="dot: inconsistent tensor size"):
        mt.dot(mt.tensor(u), mt.tensor(v))
    with pytest.raises(RuntimeError, match="1D tensors expected"):
        mt.dot(mt.tensor(a), mt.tensor(u))
    np.testing.assert_allclose(mt.outer(mt.tensor(u), mt.tensor(v)).data, np.outer(u, v))
    check_gradients(lambda x, y: mt.outer(x, y) * mt.tensor(np.arange(12.0).reshape(3, 4)), u, v)
