"""mt.linalg's inverse, determinants and Cholesky factor (ops/decompositions.py): values against
independent numpy oracles (A @ inv(A) = I, the Leibniz permutation sum, L L^T = A), gradients by
central differences in float64 over hypothesis shapes with batch dims (well-conditioned matrices
built from orthogonal factors and singular values in [0.5, 2]), second derivatives of inv and det,
and PyTorch's errors."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.strategies import check_gradients, leaf


def orthogonal(rng, shape):
    """Random orthogonal (..., n, n) matrices: the Q of a QR factorisation of Gaussian noise."""
    q, r = np.linalg.qr(rng.normal(size=shape))
    return q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]


def well_conditioned(rng, shape, symmetric_positive=False):
    """``Q1 diag(s) Q2^T`` with s in [0.5, 2] (random signs unless ``symmetric_positive``: then Q2 = Q1)."""
    n = shape[-1]
    s = rng.uniform(0.5, 2.0, size=shape[:-1])
    q1 = orthogonal(rng, shape)
    if symmetric_positive:
        return (q1 * s[..., None, :]) @ np.swapaxes(q1, -1, -2)
    s = s * rng.choice([-1.0, 1.0], size=s.shape)
    q2 = orthogonal(rng, shape)
    return (q1 * s[..., None, :]) @ np.swapaxes(q2, -1, -2) if n else np.zeros(shape)


@st.composite
def matrix_shapes(draw, max_batch_dims=1, min_side=1, max_side=3):
    """(..., n, n): zero to ``max_batch_dims`` batch dims of size 1-2 and n in [min_side, max_side]."""
    batch = tuple(draw(st.lists(st.integers(1, 2), max_size=max_batch_dims)))
    n = draw(st.integers(min_side, max_side))
    return batch + (n, n)


def leibniz_det(matrices):
    """Determinants by the permutation sum (independent of any factorisation), for each matrix of a batch."""
    matrices = np.asarray(matrices)
    n = matrices.shape[-1]
    total = np.zeros(matrices.shape[:-2])
    for permutation in itertools.permutations(range(n)):
        inversions = sum(1 for i, j in itertools.combinations(range(n), 2) if permutation[i] > permutation[j])
        term = np.ones(matrices.shape[:-2])
        for row, column in enumerate(permutation):
            term = term * matrices[..., row, column]
        total = total + (-1) ** inversions * term
    return total


def second_derivatives_agree(fn, array, weights):
    """gradcheck of x -> d(sum(weights * fn(x)))/dx, taken with create_graph=True."""

    def first(x):
        (grad,) = mt.autograd.grad((fn(x) * weights).sum(), x, create_graph=True)
        return grad

    check_gradients(first, array)


# ------------------------------------------------------------------ inverse
@settings(max_examples=8, deadline=None)
@given(shape=matrix_shapes(), seed=st.integers(0, 2**16))
def test_inv_values_and_gradients(shape, seed):
    a = well_conditioned(np.random.default_rng(seed), shape)
    out = mt.linalg.inv(leaf(a))
    assert out.shape == shape and out.dtype == mt.float64
    np.testing.assert_allclose(a @ out.detach().numpy(), np.broadcast_to(np.eye(shape[-1]), shape), atol=1e-12)
    weights = mt.tensor(np.random.default_rng(seed + 1).normal(size=shape))
    check_gradients(lambda x: mt.linalg.inv(x) * weights, a)


def test_inv_aliases_second_derivatives_and_float32():
    rng = np.random.default_rng(3)
    a = well_conditioned(rng, (2, 3, 3))
    np.testing.assert_array_equal(mt.inverse(mt.tensor(a)).numpy(), mt.linalg.inv(mt.tensor(a)).numpy())
    np.testing.assert_array_equal(mt.tensor(a).inverse().numpy(), mt.linalg.inv(mt.tensor(a)).numpy())
    second_derivatives_agree(mt.linalg.inv, a, mt.tensor(rng.normal(size=a.shape)))
    single = mt.tensor(a, dtype=mt.float32, requires_grad=True)
    out = mt.linalg.inv(single)
    out.sum().backward()
    assert out.dtype == mt.float32 and single.grad.dtype == mt.float32
    assert mt.linalg.inv(mt.zeros(0, 0)).shape == (0, 0)


def test_inv_errors_name_the_zero_pivot_and_batch_element():
    singular = mt.tensor([[1.0, 2.0], [2.0, 4.0]])
    message = ("linalg.inv: The diagonal element 2 is zero, the inversion could not be completed because the "
               "input matrix is singular.")
    with pytest.raises(mt.linalg.LinAlgError) as info:
        mt.linalg.inv(singular)
    assert str(info.value) == message and isinstance(info.value, RuntimeError)
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): The diagonal element 2 is zero"):
        mt.linalg.inv(mt.stack([mt.eye(2), singular]))
    with pytest.raises(RuntimeError, match=r"\(Batch element 3\): The diagonal element 1 is zero"):
        mt.linalg.inv(mt.stack([mt.eye(2)] * 3 + [mt.zeros(2, 2)]).reshape(2, 2, 2, 2))
    with pytest.raises(RuntimeError, match="A must be batches of square matrices, but they are 2 by 3 matrices"):
        mt.linalg.inv(mt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="linalg.inv: The input tensor A must have at least 2 dimensions."):
        mt.linalg.inv(mt.ones(3))
    with pytest.raises(RuntimeError, match="linalg.inv: Expected a floating point or complex tensor as input. Got Long"):
        mt.inverse(mt.eye(2, dtype=mt.int64))
    with pytest.raises(NotImplementedError, match="'Half'"):
        mt.linalg.inv(mt.eye(2, dtype=mt.float16))


def test_first_zero_pivot_follows_partial_pivoting():
    from microtensor.ops.decompositions import first_zero_pivot

    assert first_zero_pivot(np.array([[0.0, 1.0], [1.0, 0.0]])) is None  # a row swap, not singular
    assert first_zero_pivot(np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [0.0, 0.0, 1.0]])) == 2
    assert first_zero_pivot(np.array([[1.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]])) == 2
    assert first_zero_pivot(np.array([[1.0, 0.0], [0.0, 0.0]])) == 2


# ------------------------------------------------------------- determinants
@settings(max_examples=8, deadline=None)
@given(shape=matrix_shapes(), seed=st.integers(0, 2**16))
def test_det_and_slogdet_values_and_gradients(shape, seed):
    a = well_conditioned(np.random.default_rng(seed), shape)
    expected = leibniz_det(a)
    det = mt.linalg.det(leaf(a))
    assert det.shape == shape[:-2]
    np.testing.assert_allclose(det.detach().numpy(), expected, rtol=1e-10)
    sign, logabsdet = mt.linalg.slogdet(mt.tensor(a))
    np.testing.assert_array_equal(sign.numpy(), np.sign(expected))
    np.testing.assert_allclose(logabsdet.numpy(), np.log(np.abs(expected)), atol=1e-10)
    weights = mt.tensor(np.random.default_rng(seed + 1).normal(size=shape[:-2]))
    check_gradients(lambda x: mt.linalg.det(x) * weights, a)
    check_gradients(lambda x: mt.linalg.slogdet(x).logabsdet * weights, a)


def test_det_gradient_is_the_cofactor_matrix():
    a = np.array([[2.0, -1.0, 0.5], [0.3, 1.0, 2.0], [1.0, 0.0, -1.5]])
    x = leaf(a)
    mt.det(x).backward()
    cofactors = [[(-1) ** (i + j) * leibniz_det(np.delete(np.delete(a, i, 0), j, 1)) for j in range(3)]
                 for i in range(3)]
    np.testing.assert_allclose(x.grad.numpy(), cofactors, rtol=1e-12)
    singular = leaf([[1.0, 2.0], [2.0, 4.0]])  # rank 1: the cofactors [[d, -c], [-b, a]] are not zero
    singular.det().backward()
    np.testing.assert_allclose(singular.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    batch = leaf(np.stack([np.zeros((2, 2)), [[1.0, 2.0], [3.0, 4.0]]]))
    mt.det(batch).sum().backward()
    np.testing.assert_allclose(batch.grad.numpy(), [[[0.0, 0.0], [0.0, 0.0]], [[4.0, -3.0], [-2.0, 1.0]]], atol=1e-12)


def test_det_second_derivatives_and_edges():
    rng = np.random.default_rng(11)
    a = well_conditioned(rng, (2, 3, 3))
    second_derivatives_agree(mt.linalg.det, a, mt.tensor(rng.normal(size=2)))
    second_derivatives_agree(lambda x: mt.linalg.slogdet(x).logabsdet, a, mt.tensor(rng.normal(size=2)))
    assert mt.det(mt.zeros(0, 0)).item() == 1.0
    assert mt.det(mt.eye(3, dtype=mt.float32)).dtype == mt.float32
    with pytest.raises(RuntimeError, match="linalg.det: A must be batches of square matrices, but they are 2 by 3"):
        mt.det(mt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="linalg.det: Expected a floating point or complex tensor as input. Got Long"):
        mt.linalg.det(mt.eye(2, dtype=mt.int64))


def test_slogdet_and_logdet_signs():
    result = mt.linalg.slogdet(-mt.eye(3, dtype=mt.float64))
    assert type(result).__name__ == "linalg_slogdet" and result._fields == ("sign", "logabsdet")
    assert result.sign.item() == -1.0 and result.logabsdet.item() == 0.0 and not result.sign.requires_grad
    x = mt.tensor([[0.0, 2.0], [1.0, 0.0]], requires_grad=True)
    sign = mt.linalg.slogdet(x).sign  # in x's graph with a zero gradient, as in PyTorch
    assert sign.item() == -1.0 and sign.requires_grad
    sign.backward()
    assert x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
    singular = mt.linalg.slogdet(mt.tensor([[1.0, 2.0], [2.0, 4.0]]))
    assert singular.sign.item() == 0.0 and singular.logabsdet.item() == -np.inf
    assert np.isnan(mt.logdet(-mt.eye(3)).item()) and mt.logdet(mt.zeros(2, 2)).item() == -np.inf
    x = leaf([[2.0, 1.0], [1.0, 3.0]])
    mt.logdet(x).backward()  # d log det / dA = A^-T
    np.testing.assert_allclose(x.grad.numpy(), np.array([[3.0, -1.0], [-1.0, 2.0]]) / 5, rtol=1e-12)
    mixed = mt.logdet(mt.tensor(np.stack([np.eye(2), np.diag([1.0, -1.0])]), requires_grad=True))
    assert mixed[0].item() == 0.0 and np.isnan(mixed[1].item()) and mixed.requires_grad
    with pytest.raises(RuntimeError, match="linalg.slogdet: A must be batches of square matrices"):
        mt.linalg.slogdet(mt.zeros(2, 3))


# ------------------------------------------------------------------ Cholesky
def _spd_from(x):
    """A symmetric positive-definite matrix built from any square x: x x^T + n I."""
    return x @ x.mT + x.shape[-1] * mt.eye(x.shape[-1], dtype=x.dtype)


@settings(max_examples=8, deadline=None)
@given(shape=matrix_shapes(), seed=st.integers(0, 2**16), upper=st.booleans())
def test_cholesky_values_and_gradients(shape, seed, upper):
    rng = np.random.default_rng(seed)
    a = well_conditioned(rng, shape, symmetric_positive=True)
    factor = mt.linalg.cholesky(mt.tensor(a), upper=upper).numpy()
    lower = np.swapaxes(factor, -1, -2) if upper else factor
    np.testing.assert_array_equal(lower, np.tril(lower))
    assert np.all(np.diagonal(lower, axis1=-2, axis2=-1) > 0)
    np.testing.assert_allclose(lower @ np.swapaxes(lower, -1, -2), a, atol=1e-12)
    weights = mt.tensor(rng.normal(size=shape))
    check_gradients(lambda x: mt.linalg.cholesky(_spd_from(x), upper=upper) * weights, rng.normal(size=shape))


def test_cholesky_gradient_is_symmetric_and_reads_the_lower_triangle():
    a = np.array([[4.0, 2.0], [2.0, 3.0]])
    x = leaf(a)
    (mt.linalg.cholesky(x) * mt.tensor([[1.0, 0.0], [2.0, -1.0]], dtype=mt.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), x.grad.numpy().T, atol=1e-15)
    junk_above = a + np.triu(np.full((2, 2), 7.0), 1)
    np.testing.assert_array_equal(mt.linalg.cholesky(mt.tensor(junk_above)).numpy(), np.linalg.cholesky(a))
    np.testing.assert_array_equal(mt.cholesky(mt.tensor(a), True).numpy(), mt.tensor(a).cholesky(upper=True).numpy())
    rng = np.random.default_rng(2)
    second_derivatives_agree(lambda x: mt.linalg.cholesky(_spd_from(x)), rng.normal(size=(2, 2)),
                             mt.tensor(rng.normal(size=(2, 2))))


def test_cholesky_errors():
    with pytest.raises(mt.linalg.LinAlgError) as info:
        mt.linalg.cholesky(mt.tensor([[1.0, 2.0], [2.0, 1.0]]))
    assert str(info.value) == (
        "linalg.cholesky: The factorization could not be completed because the input is not positive-definite "
        "(the leading minor of order 2 is not positive-definite).")
    with pytest.raises(RuntimeError, match=r"\(Batch element 1\): .* leading minor of order 1 is not positive"):
        mt.linalg.cholesky(mt.stack([mt.eye(2), -mt.eye(2)]))
    with pytest.raises(RuntimeError, match="linalg.cholesky: A must be batches of square matrices"):
        mt.linalg.cholesky(mt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="linalg.cholesky: Expected a floating point or complex tensor"):
        mt.linalg.cholesky(mt.eye(2, dtype=mt.int64))


# ------------------------------------------------------------ the _ex forms
def test_cholesky_ex_and_inv_ex_report_instead_of_raising():
    batch = mt.tensor(np.stack([np.array([[4.0, 2.0], [2.0, 3.0]]), -np.eye(2), np.array([[1.0, 2.0], [2.0, 1.0]])]))
    result = mt.linalg.cholesky_ex(batch)
    assert type(result).__name__ == "linalg_cholesky_ex" and result.info.tolist() == [0, 1, 2]
    assert result.info.dtype == mt.int32
    np.testing.assert_allclose(result.L[0].numpy(), np.linalg.cholesky(np.array([[4.0, 2.0], [2.0, 3.0]])))
    assert np.isnan(result.L[1:].numpy()).all()
    np.testing.assert_allclose(mt.linalg.cholesky_ex(batch[0], upper=True).L.numpy(),
                               np.linalg.cholesky(batch[0].numpy()).T)
    with pytest.raises(mt.linalg.LinAlgError, match=r"\(Batch element 1\)"):
        mt.linalg.cholesky_ex(batch, check_errors=True)
    x = mt.tensor(np.stack([np.array([[2.0, 1.0], [1.0, 3.0]]), np.zeros((2, 2))]), requires_grad=True)
    inverse, info = mt.linalg.inv_ex(x)
    assert info.tolist() == [0, 1] and np.isnan(inverse[1].detach().numpy()).all()
    np.testing.assert_allclose(inverse[0].detach().numpy(), np.array([[3.0, -1.0], [-1.0, 2.0]]) / 5)
    inverse[0].sum().backward()  # the good matrix still has its gradient, the failed one gets none
    assert np.isfinite(x.grad.numpy()).all() and not x.grad[1].numpy().any()
    assert mt.linalg.inv_ex(mt.eye(3)).info.item() == 0
    with pytest.raises(mt.linalg.LinAlgError, match="The diagonal element 1 is zero"):
        mt.linalg.inv_ex(mt.zeros(2, 2), check_errors=True)
