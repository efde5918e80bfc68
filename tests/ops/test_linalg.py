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


# ------------------------------------------------------------------------- bmm
def test_bmm_against_a_loop_of_matrix_products_and_errors():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(3, 2, 4)), rng.normal(size=(3, 4, 2))
    out = mt.bmm(mt.tensor(a), mt.tensor(b))
    np.testing.assert_allclose(out.data, np.stack([a[i] @ b[i] for i in range(3)]), rtol=1e-12)
    assert mt.tensor(a).bmm(mt.tensor(b)).shape == (3, 2, 2)
    check_gradients(lambda x, y: mt.bmm(x, y) * mt.tensor(np.arange(12.0).reshape(3, 2, 2)), a, b)
    assert mt.bmm(mt.ones(2, 2, 3, dtype=mt.int64), mt.ones(2, 3, 1, dtype=mt.int64)).dtype == mt.int64
    with pytest.raises(RuntimeError, match=r"bmm: batch1 must be a 3D tensor"):
        mt.bmm(mt.zeros(2, 3), mt.zeros(3, 2))
    with pytest.raises(RuntimeError, match=r"bmm: batch2 must be a 3D tensor"):
        mt.bmm(mt.zeros(2, 2, 3), mt.zeros(3, 2))
    with pytest.raises(RuntimeError, match=r"first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[3, 3\]"):
        mt.bmm(mt.zeros(2, 2, 3), mt.zeros(3, 3, 2))
    with pytest.raises(RuntimeError, match=r"to be: \[2, 3\] but got: \[2, 4\]"):
        mt.bmm(mt.zeros(2, 2, 3), mt.zeros(2, 4, 2))


def test_ger_is_outer():
    assert mt.ger(mt.tensor([1, 2]), mt.tensor([1, 2])).tolist() == [[1, 2], [2, 4]]
    assert mt.tensor([1.0, 2.0]).ger(mt.tensor([3.0])).tolist() == [[3.0], [6.0]]


# ------------------------------------------------------------------ diag / trace
@settings(max_examples=10)
@given(data=st.data())
def test_diag_both_directions_against_loops(data):
    k = data.draw(st.integers(-3, 3))
    n = data.draw(st.integers(0, 4))
    vector = data.draw(float_arrays((n,)))
    side = n + abs(k)
    matrix = np.zeros((side, side))
    for i in range(n):
        matrix[i + max(-k, 0), i + max(k, 0)] = vector[i]
    np.testing.assert_array_equal(mt.diag(mt.tensor(vector), k).data, matrix)
    check_gradients(lambda v: mt.diag(v, k) * mt.tensor(np.arange(side * side, dtype=float).reshape(side, side)), vector)
    rows, cols = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    array = data.draw(float_arrays((rows, cols)))
    expected = [array[i, i + k] for i in range(rows) if 0 <= i + k < cols]
    out = mt.tensor(array).diag(diagonal=k)
    np.testing.assert_array_equal(out.data, expected)
    check_gradients(lambda m: mt.diag(m, k) * mt.tensor(np.arange(1.0, len(expected) + 1)), array)
    check_gradients(lambda m: mt.diag(m.t(), k).sum() * 2, np.ascontiguousarray(array.T))  # a transposed input


def test_diag_trace_copies_dtypes_second_order_and_errors():
    m = mt.arange(6.0).reshape(2, 3)
    d = mt.diag(m)
    m.add_(1.0)
    assert d.tolist() == [0.0, 4.0]  # a new tensor, not a view
    assert mt.diag(mt.tensor([1, 2])).dtype == mt.int64 and mt.diag(mt.zeros(0)).shape == (0, 0)
    check_gradients(lambda v: mt.autograd.grad((mt.diag(v, 1) ** 3).sum(), v, create_graph=True)[0], np.array([0.5, -1.0]))
    rng = np.random.default_rng(2)
    array = rng.normal(size=(3, 4))
    assert np.isclose(mt.trace(mt.tensor(array)).item(), sum(array[i, i] for i in range(3)))
    check_gradients(lambda x: mt.trace(x) * 3, array)
    check_gradients(lambda x: mt.autograd.grad(mt.trace(x) ** 2, x, create_graph=True)[0], array)
    assert mt.tensor([[1, 2], [3, 4]], dtype=mt.int32).trace().dtype == mt.int64
    assert mt.trace(mt.ones(2, 2, dtype=mt.float32)).dtype == mt.float32
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors. Got 3D"):
        mt.diag(mt.zeros(2, 2, 2))
    with pytest.raises(RuntimeError, match=r"diag\(\): Supports 1D or 2D tensors. Got 0D"):
        mt.diag(mt.tensor(1.0))
    with pytest.raises(RuntimeError, match="trace: expected a matrix, but got tensor with dim 1"):
        mt.trace(mt.ones(2))
    with pytest.raises(NotImplementedError, match="Bool"):
        mt.trace(mt.ones(2, 2, dtype=mt.bool))


# ------------------------------------------------------------------------ einsum
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("ba", [(2, 3)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ij->", [(2, 3)]),
    ("ij,ij->ij", [(1, 3), (2, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...ij,...jk->...ik", [(1, 2, 3), (4, 3, 2)]),
    ("...ij,...jk->...ik", [(2, 3), (4, 3, 2)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("...i->i", [(2, 3)]),  # PyTorch sums the ellipsis dims; numpy refuses (oracle: "ai->i")
    ("i...->...", [(2, 3, 1)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("i,i,i->i", [(3,), (1,), (3,)]),
    ("ab,bc,ca->", [(2, 3), (3, 2), (2, 2)]),
    ("iJ,Jk->ik", [(2, 3), (3, 2)]),
    (",->", [(), ()]),
    ("i,->i", [(3,), ()]),
]


NUMPY_FORM = {"...i->i": "ai->i"}


@pytest.mark.parametrize("equation, operand_shapes", EINSUM_CASES)
def test_einsum_against_np_einsum_and_gradcheck(equation, operand_shapes):
    rng = np.random.default_rng(len(equation) * 31 + len(operand_shapes))
    arrays = [rng.normal(size=shape) for shape in operand_shapes]
    expected = np.einsum(NUMPY_FORM.get(equation, equation), *arrays)
    out = mt.einsum(equation, *[mt.tensor(a) for a in arrays])
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)
    weights = mt.tensor(rng.normal(size=np.shape(expected)))
    check_gradients(lambda *ts: mt.einsum(equation, *ts) * weights, *arrays)


@st.composite
def einsum_equations(draw):
    """An explicit equation over letters a-d (repeats within an operand allowed) and matching shapes."""
    sizes = {letter: draw(st.integers(1, 3)) for letter in "abcd"}
    terms = [draw(st.lists(st.sampled_from("abcd"), max_size=3)) for _ in range(draw(st.integers(1, 3)))]
    used = sorted({letter for term in terms for letter in term})
    output = draw(st.permutations(used).flatmap(lambda p: st.integers(0, len(p)).map(lambda n: p[:n])))
    equation = ",".join("".join(term) for term in terms) + "->" + "".join(output)
    return equation, [tuple(sizes[letter] for letter in term) for term in terms]


@settings(max_examples=10)
@given(case=einsum_equations(), data=st.data())
def test_einsum_random_equations(case, data):
    equation, operand_shapes = case
    arrays = [data.draw(float_arrays(shape)) for shape in operand_shapes]
    out = mt.einsum(equation, [mt.tensor(a) for a in arrays])  # the operands-as-list form
    expected = np.einsum(equation, *arrays)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-10)
    weights = mt.tensor(np.arange(1.0, np.size(expected) + 1).reshape(np.shape(expected)))
    check_gradients(lambda *ts: mt.einsum(equation, *ts) * weights, *arrays)


def test_einsum_second_derivatives_non_contiguous_forms_and_dtypes():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=(2, 3)), rng.normal(size=(3, 3))

    def first(x, y):
        grads = mt.autograd.grad((mt.einsum("ij,jk->ik", x, y) ** 2).sum(), (x, y), create_graph=True)
        return grads[0].sum() + (grads[1] ** 2).sum()

    check_gradients(first, a, b)
    check_gradients(lambda y: mt.autograd.grad((mt.einsum("ii->i", y) ** 3).sum(), y, create_graph=True)[0], b)
    check_gradients(lambda y: mt.einsum("ij,jk->ik", y.t(), y) * mt.tensor(b), np.ascontiguousarray(b.T))
    x, y = mt.tensor(a), mt.tensor(b)
    np.testing.assert_allclose(mt.einsum(x, [0, 1], y, [1, 2], [0, 2]).data, a @ b)  # PyTorch's sublist form
    np.testing.assert_allclose(mt.einsum(x, [Ellipsis, 1], y, [1, 2], [Ellipsis, 2]).data, a @ b)
    np.testing.assert_allclose(mt.einsum(" ij , jk -> ik ", x, y).data, a @ b)
    transposed = mt.einsum("ij->ji", x)
    x.add_(1.0)
    np.testing.assert_array_equal(transposed.data, a.T)  # a new tensor even where numpy gives a view
    assert mt.einsum("ij,jk->ik", mt.ones(2, 3, dtype=mt.int64), mt.ones(3, 2, dtype=mt.int64)).dtype == mt.int64
    assert mt.einsum("i,i->", mt.ones(2, dtype=mt.float32), mt.ones(2, dtype=mt.float32)).dtype == mt.float32
    assert mt.einsum("i,i->", mt.ones(2, dtype=mt.int64), mt.ones(2, dtype=mt.float32)).dtype == mt.float32


def test_einsum_errors():
    a, b = mt.zeros(2, 3), mt.zeros(3, 4)
    cases = [
        (("ij,jk->ik", a), "fewer operands were provided than specified"),
        (("ij->ij", a, b), "more operands were provided than specified"),
        (("ijk,jk->ik", a, b), r"number of subscripts in the equation \(3\) does not match the number of dimensions \(2\)"),
        (("ij,ik->jk", a, b), "subscript i has size 3 for operand 1 which does not broadcast with previously seen size 2"),
        (("i->ii", mt.zeros(3)), "output subscript i appears more than once"),
        (("i->j", mt.zeros(3)), "output subscript j does not appear in the equation"),
        (("i1->i", a), "invalid subscript given at index 1"),
        (("ii->i", a), "subscript i is repeated for operand 0 but the sizes don't match, 3 != 2"),
        (("......->", mt.zeros(2)), "ellipsis"),
    ]
    for args, message in cases:
        with pytest.raises(RuntimeError, match=message):
            mt.einsum(*args)
    with pytest.raises(ValueError, match="at least one operand"):
        mt.einsum("i->i")
