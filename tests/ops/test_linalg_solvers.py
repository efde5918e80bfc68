"""mt.linalg.solve, matrix_power and multi_dot (ops/solvers.py): values against numpy (A X = B,
repeated products), PyTorch's vector/matrix rule for B with broadcast batch dims, gradients by
central differences in float64 over hypothesis shapes, and PyTorch's errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.ops.test_linalg_decompositions import matrix_shapes, second_derivatives_agree, well_conditioned
from tests.strategies import check_gradients


@st.composite
def right_hand_sides(draw, a_shape):
    """A B for A of ``a_shape``: a vector, one vector per matrix, or matrices with broadcast batch dims."""
    n, batch = a_shape[-1], a_shape[:-2]
    kind = draw(st.sampled_from(["vector", "batched vectors", "matrices", "broadcast matrices"]))
    if kind == "vector":
        return (n,), True
    if kind == "batched vectors" and batch:
        return batch + (n,), True
    k = draw(st.integers(1, 2))
    if kind == "broadcast matrices":
        return (2,) + tuple(1 for _ in batch) + (n, k), False
    return batch + (n, k), False


@settings(max_examples=10, deadline=None)
@given(a_shape=matrix_shapes(), seed=st.integers(0, 2**16), data=st.data())
def test_solve_values_shapes_and_gradients(a_shape, seed, data):
    rng = np.random.default_rng(seed)
    b_shape, vector = data.draw(right_hand_sides(a_shape))
    a, b = well_conditioned(rng, a_shape), rng.normal(size=b_shape)
    x = mt.linalg.solve(mt.tensor(a), mt.tensor(b)).numpy()
    columns = b[..., None] if vector else b
    expected_shape = np.broadcast_shapes(a_shape[:-2], columns.shape[:-2]) + columns.shape[-2:]
    assert x.shape == (expected_shape[:-1] if vector else expected_shape)
    np.testing.assert_allclose(a @ (x[..., None] if vector else x), np.broadcast_to(columns, expected_shape),
                               atol=1e-12)
    weights = mt.tensor(rng.normal(size=x.shape))
    check_gradients(lambda p, q: mt.linalg.solve(p, q) * weights, a, b)


def test_solve_second_derivatives_and_dtypes():
    rng = np.random.default_rng(4)
    a, b = well_conditioned(rng, (3, 3)), mt.tensor(rng.normal(size=(3, 2)))
    second_derivatives_agree(lambda p: mt.linalg.solve(p, b), a, mt.tensor(rng.normal(size=(3, 2))))
    single = mt.linalg.solve(mt.tensor(a, dtype=mt.float32), mt.ones(3))
    assert single.dtype == mt.float32 and single.shape == (3,)


def test_solve_errors():
    with pytest.raises(mt.linalg.LinAlgError, match="linalg.solve: The solver failed because the input matrix is "
                                                    "singular."):
        mt.linalg.solve(mt.tensor([[1.0, 2.0], [2.0, 4.0]]), mt.ones(2))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)"):
        mt.linalg.solve(mt.eye(2), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x4\)"):
        mt.linalg.solve(mt.eye(2), mt.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match=r"\(3x3 and 4x3\)"):  # batch dims 2 and 4 do not broadcast
        mt.linalg.solve(mt.ones(2, 3, 3), mt.ones(4, 3))
    with pytest.raises(RuntimeError, match="Expected A and B to have the same dtype, but found A of type Float and B "
                                           "of type Double"):
        mt.linalg.solve(mt.eye(2), mt.ones(2, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="linalg.solve: Expected a floating point or complex tensor as input. Got "
                                           "Long"):
        mt.linalg.solve(mt.eye(2, dtype=mt.int64), mt.ones(2, dtype=mt.int64))
    with pytest.raises(RuntimeError, match="linalg.solve: The input tensor A must have at least 2 dimensions."):
        mt.linalg.solve(mt.ones(3), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"equation XA = B \(3x3 and 3x1\)"):  # left=False takes matrices only
        mt.linalg.solve(mt.eye(3), mt.ones(3), left=False)


def test_solve_on_the_right_solves_x_a_equals_b_with_gradients():
    rng = np.random.default_rng(3)
    a = well_conditioned(rng, (2, 3, 3))
    b = rng.standard_normal((4, 3))  # broadcast over A's batch: X is (2, 4, 3)
    x = mt.linalg.solve(mt.tensor(a), mt.tensor(b), left=False)
    assert x.shape == (2, 4, 3)
    np.testing.assert_allclose(x.data @ a, np.broadcast_to(b, (2, 4, 3)), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(x.data, b @ np.linalg.inv(a), rtol=1e-10, atol=1e-10)
    check_gradients(lambda A, B: mt.linalg.solve(A, B, left=False), a, b)


# ------------------------------------------------------------ matrix powers
@settings(max_examples=8, deadline=None)
@given(shape=matrix_shapes(), seed=st.integers(0, 2**16), n=st.integers(-3, 5))
def test_matrix_power_values_and_gradients(shape, seed, n):
    rng = np.random.default_rng(seed)
    a = well_conditioned(rng, shape)
    expected = np.broadcast_to(np.eye(shape[-1]), shape)
    base = a if n >= 0 else np.linalg.solve(a, np.broadcast_to(np.eye(shape[-1]), shape))
    for _ in range(abs(n)):
        expected = expected @ base
    np.testing.assert_allclose(mt.linalg.matrix_power(mt.tensor(a), n).numpy(), expected, atol=1e-10)
    if n:
        weights = mt.tensor(rng.normal(size=shape))
        check_gradients(lambda x: mt.linalg.matrix_power(x, n) * weights, a)


def test_matrix_power_integers_identity_and_errors():
    ints = mt.tensor([[1, 1], [1, 0]])
    assert ints.matrix_power(10).tolist() == [[89, 55], [55, 34]] and ints.matrix_power(10).dtype == mt.int64
    assert mt.matrix_power(mt.ones(2, 3, 3), 0).tolist() == [np.eye(3).tolist()] * 2
    x = mt.tensor([[1.0, np.inf], [2.0, 3.0]], requires_grad=True)
    identity = mt.linalg.matrix_power(x, 0)  # in x's graph with a zero gradient, as in PyTorch
    assert identity.requires_grad and identity.tolist() == [[1.0, 0.0], [0.0, 1.0]]
    identity.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    with pytest.raises(RuntimeError, match="linalg.inv: Expected a floating point"):
        mt.linalg.matrix_power(ints, -1)
    with pytest.raises(mt.linalg.LinAlgError, match="linalg.inv: The diagonal element 2 is zero"):
        mt.linalg.matrix_power(mt.tensor([[1.0, 2.0], [2.0, 4.0]]), -2)
    with pytest.raises(TypeError, match=r"argument 'n' \(position 2\) must be int, not float"):
        mt.linalg.matrix_power(mt.eye(2), 1.5)
    with pytest.raises(RuntimeError, match="linalg.matrix_power: A must be batches of square matrices, but they are "
                                           "2 by 3"):
        mt.linalg.matrix_power(mt.zeros(2, 3), 2)
    with pytest.raises(RuntimeError, match="linalg.matrix_power: The input tensor A must have at least 2 dimensions"):
        mt.linalg.matrix_power(mt.ones(3), 2)


# ---------------------------------------------------------------- multi_dot
@pytest.mark.parametrize("shapes", [
    [(2, 3), (3, 4)], [(3,), (3, 4), (4, 2)], [(2, 3), (3, 4), (4,)], [(3,), (3, 2), (2,)], [(3,), (3,)],
    [(2, 3), (3, 1), (1, 4), (4, 2)],
])
def test_multi_dot_values_and_gradients(shapes):
    rng = np.random.default_rng(len(shapes) * 10 + sum(map(len, shapes)))
    arrays = [rng.normal(size=shape) for shape in shapes]
    expected = arrays[0]
    for array in arrays[1:]:
        expected = np.matmul(expected, array)
    out = mt.linalg.multi_dot([mt.tensor(array) for array in arrays])
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-12)
    check_gradients(lambda *xs: mt.linalg.multi_dot(list(xs)) * 1.5, *arrays)


def test_multi_dot_errors():
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): expected at least 2 tensors but got 1"):
        mt.linalg.multi_dot([mt.ones(3)])
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): the first tensor must be 1D or 2D but got 3D"):
        mt.linalg.multi_dot([mt.ones(3, 3, 3), mt.ones(3, 3)])
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): the last tensor must be 1D or 2D but got 3D"):
        mt.linalg.multi_dot([mt.ones(2, 3), mt.ones(3, 3, 2)])
    with pytest.raises(RuntimeError, match=r"multi_dot\(\): tensor 1 must be 2D but got 1D"):
        mt.linalg.multi_dot([mt.ones(2, 3), mt.ones(3), mt.ones(3)])
    with pytest.raises(RuntimeError, match=r"tensors 0 and 1 with shapes \[2, 3\] and \[2, 2\] cannot be multiplied"):
        mt.linalg.multi_dot([mt.ones(2, 3), mt.ones(2, 2)])
    with pytest.raises(RuntimeError, match="all tensors must have be the same dtype"):
        mt.linalg.multi_dot([mt.ones(2, 3), mt.ones(3, 2, dtype=mt.float64)])


# ------------------------------------------------------- triangular systems
@settings(max_examples=8, deadline=None)
@given(shape=matrix_shapes(), seed=st.integers(0, 2**16), upper=st.booleans(), unit=st.booleans(),
       left=st.booleans(), k=st.integers(1, 2))
def test_solve_triangular_values_and_gradients(shape, seed, upper, unit, left, k):
    rng = np.random.default_rng(seed)
    n = shape[-1]
    a = rng.normal(size=shape) * 0.3 + np.eye(n) * rng.uniform(1.0, 2.0, size=shape[:-1])[..., None]  # junk both sides
    b = rng.normal(size=shape[:-2] + ((n, k) if left else (k, n)))
    triangle = np.triu(a) if upper else np.tril(a)
    if unit:
        triangle = triangle - np.diagonal(triangle, axis1=-2, axis2=-1)[..., None] * np.eye(n) + np.eye(n)
    x = mt.linalg.solve_triangular(mt.tensor(a), mt.tensor(b), upper=upper, left=left, unitriangular=unit).numpy()
    np.testing.assert_allclose(triangle @ x if left else x @ triangle, b, atol=1e-12)
    weights = mt.tensor(rng.normal(size=x.shape))

    def solved(p, q):
        return mt.linalg.solve_triangular(p, q, upper=upper, left=left, unitriangular=unit) * weights

    check_gradients(solved, a, b)


def test_solve_triangular_reads_only_its_triangle_second_derivatives_and_errors():
    lower = leaf_gradient_of(lambda a: mt.linalg.solve_triangular(a, mt.ones(2, 1, dtype=mt.float64), upper=False),
                             np.array([[2.0, 7.0], [1.0, 3.0]]))
    assert lower[0, 1] == 0.0 and lower[1, 0] != 0.0
    unit = leaf_gradient_of(lambda a: mt.linalg.solve_triangular(a, mt.ones(2, 1, dtype=mt.float64), upper=True,
                                                                  unitriangular=True), np.array([[2.0, 7.0], [1.0, 3.0]]))
    assert unit[0, 0] == unit[1, 1] == unit[1, 0] == 0.0 and unit[0, 1] != 0.0
    zero_pivot = mt.linalg.solve_triangular(mt.tensor([[2.0, 0.0], [1.0, 0.0]]), mt.ones(2, 1), upper=False)
    assert zero_pivot[0, 0].item() == 0.5 and zero_pivot[1, 0].item() == np.inf
    rng = np.random.default_rng(8)
    b = mt.tensor(rng.normal(size=(3, 2)))
    second_derivatives_agree(lambda a: mt.linalg.solve_triangular(a, b, upper=True),
                             np.triu(rng.normal(size=(3, 3))) + 2 * np.eye(3), mt.tensor(rng.normal(size=(3, 2))))
    with pytest.raises(RuntimeError, match="linalg.solve_triangular: The input tensor B must have at least 2 dim"):
        mt.linalg.solve_triangular(mt.eye(2), mt.ones(2), upper=False)
    with pytest.raises(RuntimeError, match=r"Incompatible shapes of A and B for the equation AX = B \(2x2 and 3x1\)"):
        mt.linalg.solve_triangular(mt.eye(2), mt.ones(3, 1), upper=False)
    with pytest.raises(TypeError, match="upper"):
        mt.linalg.solve_triangular(mt.eye(2), mt.ones(2, 1))


def leaf_gradient_of(fn, array):
    x = mt.tensor(array, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


# ------------------------------------------------------------ least squares
@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 2**16), m=st.integers(1, 4), n=st.integers(1, 4), vector=st.booleans(),
       batch=st.sampled_from([(), (2,)]))
def test_lstsq_solves_the_normal_equations(seed, m, n, vector, batch):
    rng = np.random.default_rng(seed)
    a = well_conditioned(rng, batch + (max(m, n),) * 2)[..., :m, :n]  # full rank, singular values >= 0.5
    b = rng.normal(size=batch + ((m,) if vector else (m, 2)))
    result = mt.linalg.lstsq(mt.tensor(a), mt.tensor(b))
    x = result.solution.numpy()
    columns, xs = (b[..., None], x[..., None]) if vector else (b, x)
    at = np.swapaxes(a, -1, -2)
    if m >= n:  # A^T (A x - b) = 0
        np.testing.assert_allclose(at @ (a @ xs - columns), 0, atol=1e-10)
    else:  # an exact solution with the smallest norm: in A's row space
        np.testing.assert_allclose(a @ xs, columns, atol=1e-10)
        np.testing.assert_allclose(xs, at @ np.linalg.solve(a @ at, columns), atol=1e-10)
    assert result.rank.tolist() == np.full(batch, min(m, n)).tolist() and result.rank.dtype == mt.int64
    assert result.residuals.shape == (0,) and result.singular_values.shape == (0,)
    weights = mt.tensor(rng.normal(size=x.shape))
    check_gradients(lambda p, q: mt.linalg.lstsq(p, q).solution * weights, a, b)


def test_lstsq_fits_a_line_and_errors():
    design = mt.tensor([[1.0, 0.0], [1.0, 1.0], [1.0, 2.0]])
    fit = mt.linalg.lstsq(design, mt.tensor([1.0, 2.0, 2.0]))
    np.testing.assert_allclose(fit.solution.numpy(), [7 / 6, 0.5], rtol=1e-6)  # intercept and slope by hand
    assert type(fit).__name__ == "linalg_lstsq"
    assert mt.linalg.lstsq(mt.tensor([[1.0, 2.0], [2.0, 4.0]]), mt.ones(2, 1)).rank.item() == 1
    with pytest.raises(RuntimeError, match="Expected input and other to have the same dtype, but got input's dtype "
                                           "Double and other's dtype Float"):
        mt.linalg.lstsq(design.double(), mt.ones(3, 1))
    with pytest.raises(RuntimeError, match=r"input.size\(-2\) should match other.size\(-2\)"):
        mt.linalg.lstsq(mt.ones(3, 2), mt.ones(4, 1))


def test_cholesky_solve_uses_the_factor():
    rng = np.random.default_rng(13)
    a = well_conditioned(rng, (2, 3, 3), symmetric_positive=True)
    b = rng.normal(size=(2, 3, 2))
    lower = np.linalg.cholesky(a)
    np.testing.assert_allclose(a @ mt.cholesky_solve(mt.tensor(b), mt.tensor(lower)).numpy(), b, atol=1e-12)
    upper = mt.tensor(np.swapaxes(lower, -1, -2))
    np.testing.assert_allclose(a @ mt.tensor(b).cholesky_solve(upper, upper=True).numpy(), b, atol=1e-12)
    check_gradients(lambda q, f: mt.cholesky_solve(q, f) * 0.5, b, lower)
    with pytest.raises(RuntimeError, match="b should have at least 2 dimensions, but has 1 dimensions instead"):
        mt.cholesky_solve(mt.ones(2), mt.eye(2))
