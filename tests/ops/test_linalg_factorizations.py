"""mt.linalg.qr, eigh, eigvalsh, svd, svdvals and pinv (ops/orthogonal_factorizations.py): the
factors' defining properties (orthonormal columns, triangular R, A V = V diag(w), U diag(S) Vh = A,
the four Penrose conditions), gradients by central differences in float64 for losses that do not
depend on the factors' arbitrary signs, over hypothesis shapes with batch dims, and PyTorch's errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.ops.test_linalg_decompositions import matrix_shapes, orthogonal, second_derivatives_agree
from tests.strategies import check_gradients


@st.composite
def rectangular_shapes(draw, max_side=3):
    batch = tuple(draw(st.lists(st.integers(1, 2), max_size=1)))
    return batch + (draw(st.integers(1, max_side)), draw(st.integers(1, max_side)))


def with_spectrum(rng, shape, values):
    """``Q1 diag(values) Q2^T`` of ``shape`` (..., m, n) with orthogonal Q1, Q2: chosen singular values."""
    m, n = shape[-2:]
    q1, q2 = orthogonal(rng, shape[:-2] + (m, m)), orthogonal(rng, shape[:-2] + (n, n))
    k = min(m, n)
    return (q1[..., :k] * values[..., None, :]) @ np.swapaxes(q2[..., :k], -1, -2)


def distinct_values(rng, shape):
    """k = min(m, n) well-separated values in [0.5, 3], descending, per matrix of the batch."""
    k = min(shape[-2:])
    return np.sort(0.5 + np.cumsum(rng.uniform(0.3, 0.6, size=shape[:-2] + (k,)), axis=-1), axis=-1)[..., ::-1]


def _unit_columns(matrices):
    return np.swapaxes(matrices, -1, -2) @ matrices


# ----------------------------------------------------------------------- QR
@settings(max_examples=8, deadline=None)
@given(shape=rectangular_shapes(), seed=st.integers(0, 2**16))
def test_qr_factors_and_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    a = with_spectrum(rng, shape, distinct_values(rng, shape)) if min(shape[-2:]) else rng.normal(size=shape)
    q, r = mt.linalg.qr(mt.tensor(a))
    k = min(shape[-2:])
    assert q.shape == shape[:-2] + (shape[-2], k) and r.shape == shape[:-2] + (k, shape[-1])
    np.testing.assert_allclose(_unit_columns(q.numpy()), np.broadcast_to(np.eye(k), shape[:-2] + (k, k)), atol=1e-12)
    np.testing.assert_array_equal(r.numpy(), np.triu(r.numpy()))
    np.testing.assert_allclose(q.numpy() @ r.numpy(), a, atol=1e-12)
    wq, wr = mt.tensor(rng.normal(size=q.shape)), mt.tensor(rng.normal(size=r.shape))

    def loss(x):  # Q R is unique once R's diagonal signs are fixed: compare sign-fixed factors
        q, r = mt.linalg.qr(x)
        signs = mt.sign(mt.diagonal(r, 0, -2, -1))
        return (q * signs.unsqueeze(-2) * wq).sum() + (r * signs.unsqueeze(-1) * wr).sum()

    check_gradients(loss, a)


def test_qr_modes_and_errors():
    rng = np.random.default_rng(1)
    a = mt.tensor(rng.normal(size=(4, 3)), requires_grad=True)
    q, r = mt.linalg.qr(a, mode="complete")
    assert q.shape == (4, 4) and r.shape == (4, 3) and type(mt.linalg.qr(a)).__name__ == "linalg_qr"
    with pytest.raises(RuntimeError, match="not differentiable when mode='complete' and nrows > ncols"):
        q.sum().backward()
    q, r = mt.linalg.qr(a, mode="r")
    assert q.shape == (0,) and r.shape == (3, 3) and not r.requires_grad
    with pytest.raises(RuntimeError, match="qr received unrecognized mode 'x'"):
        mt.linalg.qr(a, mode="x")
    with pytest.raises(RuntimeError, match="linalg.qr: The input tensor A must have at least 2 dimensions."):
        mt.linalg.qr(mt.ones(3))
    with pytest.raises(RuntimeError, match="linalg.qr: Expected a floating point or complex tensor as input. Got Long"):
        mt.linalg.qr(mt.ones(3, 3, dtype=mt.int64))


# --------------------------------------------------------------------- eigh
@settings(max_examples=8, deadline=None)
@given(shape=matrix_shapes(), seed=st.integers(0, 2**16))
def test_eigh_factors_and_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    values = distinct_values(rng, shape)[..., ::-1] - 1.5  # ascending, some negative
    q = orthogonal(rng, shape)
    a = (q * values[..., None, :]) @ np.swapaxes(q, -1, -2)
    w, v = mt.linalg.eigh(mt.tensor(a))
    np.testing.assert_allclose(w.numpy(), values, atol=1e-12)
    np.testing.assert_allclose(a @ v.numpy(), v.numpy() * w.numpy()[..., None, :], atol=1e-12)
    ww, wv = mt.tensor(rng.normal(size=w.shape)), mt.tensor(rng.normal(size=shape))

    def loss(x):  # a symmetric input, and each eigenvector only through its square (its sign is arbitrary)
        w, v = mt.linalg.eigh((x + x.mT) * 0.5)
        return (w * ww).sum() + (v * v * wv).sum()

    check_gradients(loss, a)


def test_eigh_uplo_eigvalsh_second_derivatives_and_errors():
    rng = np.random.default_rng(7)
    q = orthogonal(rng, (3, 3))
    a = (q * np.array([-1.0, 0.5, 2.0])) @ q.T
    upper_only = np.triu(a) + np.tril(np.full((3, 3), 9.0), -1)
    np.testing.assert_allclose(mt.linalg.eigh(mt.tensor(upper_only), UPLO="U").eigenvalues.numpy(), [-1, 0.5, 2])
    np.testing.assert_allclose(mt.linalg.eigvalsh(mt.tensor(a)).numpy(), [-1.0, 0.5, 2.0], atol=1e-12)
    assert mt.linalg.eigh(mt.tensor(a))._fields == ("eigenvalues", "eigenvectors")
    x = mt.tensor(a, requires_grad=True)
    (mt.linalg.eigvalsh(x) * mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64)).sum().backward()  # V diag(g) V^T
    np.testing.assert_allclose(x.grad.numpy(), (q * np.array([1.0, 2.0, 3.0])) @ q.T, atol=1e-12)
    second_derivatives_agree(lambda x: mt.linalg.eigvalsh((x + x.mT) * 0.5), a, mt.tensor([1.0, -2.0, 0.5]))
    with pytest.raises(RuntimeError, match="Expected UPLO argument to be 'L' or 'U', but got X"):
        mt.linalg.eigh(mt.eye(2), UPLO="X")
    with pytest.raises(RuntimeError, match="linalg.eigh: A must be batches of square matrices, but they are 2 by 3"):
        mt.linalg.eigh(mt.ones(2, 3))


# ---------------------------------------------------------------------- SVD
@settings(max_examples=8, deadline=None)
@given(shape=rectangular_shapes(), seed=st.integers(0, 2**16))
def test_svd_factors_and_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    values = distinct_values(rng, shape)
    a = with_spectrum(rng, shape, values)
    u, s, vh = mt.linalg.svd(mt.tensor(a), full_matrices=False)
    np.testing.assert_allclose(s.numpy(), values, atol=1e-12)
    np.testing.assert_allclose((u.numpy() * s.numpy()[..., None, :]) @ vh.numpy(), a, atol=1e-12)
    np.testing.assert_allclose(mt.linalg.svdvals(mt.tensor(a)).numpy(), values, atol=1e-12)
    wu, ws, wv = (mt.tensor(rng.normal(size=t.shape)) for t in (u, s, vh))

    def loss(x):  # singular vectors enter in sign-free combinations: u_i v_i^T and squares
        u, s, vh = mt.linalg.svd(x, full_matrices=False)
        return (s * ws).sum() + (u * u * wu).sum() + (vh * vh * wv).sum() + ((u * s.unsqueeze(-2)) @ vh).sum()

    check_gradients(loss, a)
    check_gradients(lambda x: mt.linalg.svdvals(x) * ws, a)


def test_svd_full_matrices_and_errors():
    rng = np.random.default_rng(9)
    a = with_spectrum(rng, (4, 2), np.array([2.0, 1.0]))
    u, s, vh = mt.linalg.svd(mt.tensor(a))
    assert u.shape == (4, 4) and s.shape == (2,) and vh.shape == (2, 2)
    assert type(mt.linalg.svd(mt.tensor(a))).__name__ == "linalg_svd"
    check_gradients(lambda x: mt.linalg.svd(x).S * mt.tensor([1.0, -3.0], dtype=mt.float64), a)
    with pytest.raises(RuntimeError, match="linalg.svd: The input tensor A must have at least 2 dimensions."):
        mt.linalg.svd(mt.ones(3))
    with pytest.raises(RuntimeError, match="linalg.svd: Expected a floating point or complex tensor as input. Got Long"):
        mt.linalg.svd(mt.ones(3, 3, dtype=mt.int64))


# --------------------------------------------------------------------- pinv
@settings(max_examples=8, deadline=None)
@given(shape=rectangular_shapes(), seed=st.integers(0, 2**16))
def test_pinv_penrose_conditions_and_gradients(shape, seed):
    rng = np.random.default_rng(seed)
    a = with_spectrum(rng, shape, distinct_values(rng, shape))
    p = mt.linalg.pinv(mt.tensor(a)).numpy()
    t = lambda m: np.swapaxes(m, -1, -2)  # noqa: E731
    np.testing.assert_allclose(a @ p @ a, a, atol=1e-12)
    np.testing.assert_allclose(p @ a @ p, p, atol=1e-12)
    np.testing.assert_allclose(t(a @ p), a @ p, atol=1e-12)
    np.testing.assert_allclose(t(p @ a), p @ a, atol=1e-12)
    weights = mt.tensor(rng.normal(size=p.shape))
    check_gradients(lambda x: mt.linalg.pinv(x) * weights, a)


def test_pinv_cutoff_rank_deficient_and_errors():
    rank_one = np.array([[1.0, 2.0], [2.0, 4.0]])
    np.testing.assert_allclose(mt.linalg.pinv(mt.tensor(rank_one)).numpy(), rank_one / 25, atol=1e-15)
    diagonal = mt.tensor([[1.0, 0.0], [0.0, 1e-3]], dtype=mt.float64)
    np.testing.assert_allclose(mt.linalg.pinv(diagonal, rtol=1e-2).numpy(), [[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(mt.linalg.pinv(diagonal, atol=1e-2).numpy(), [[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_allclose(mt.linalg.pinv(diagonal).numpy(), [[1.0, 0.0], [0.0, 1e3]])
    near_singular = mt.tensor([[1.0, 0.0], [0.0, 1e-16]], dtype=mt.float64)
    np.testing.assert_array_equal(mt.pinverse(near_singular).numpy(), [[1.0, 0.0], [0.0, 0.0]])
    np.testing.assert_array_equal(near_singular.pinverse(rcond=1e-20).numpy(), [[1.0, 0.0], [0.0, 1e16]])
    second_derivatives_agree(mt.linalg.pinv, np.array([[2.0, 0.5], [0.3, 1.0], [0.1, -1.0]]),
                             mt.tensor(np.arange(6.0).reshape(2, 3)))
    with pytest.raises(RuntimeError, match=r"linalg.pinv\(Float\{\[3\]\}\): expected a tensor with 2 or more dim"):
        mt.linalg.pinv(mt.ones(3))
    with pytest.raises(RuntimeError, match=r"linalg.pinv\(Long\{\[3, 3\]\}\)"):
        mt.linalg.pinv(mt.ones(3, 3, dtype=mt.int64))


# ------------------------------------------------------- rank and condition
def test_matrix_rank():
    assert mt.linalg.matrix_rank(mt.tensor([[1.0, 2.0], [2.0, 4.0]])).item() == 1
    ranks = mt.linalg.matrix_rank(mt.tensor(np.stack([np.eye(3), np.ones((3, 3)), np.zeros((3, 3))])))
    assert ranks.tolist() == [3, 1, 0] and ranks.dtype == mt.int64
    tiny = mt.tensor([[1.0, 0.0], [0.0, 1e-3]], dtype=mt.float64)
    assert mt.linalg.matrix_rank(tiny).item() == 2 and mt.linalg.matrix_rank(tiny, atol=1e-2).item() == 1
    assert mt.linalg.matrix_rank(tiny, rtol=1e-2).item() == 1 and mt.linalg.matrix_rank(mt.ones(2, 3)).item() == 1


def test_cond_values_and_gradients():
    rng = np.random.default_rng(12)
    a = with_spectrum(rng, (2, 3, 3), np.array([[3.0, 1.5, 0.5], [2.0, 1.0, 0.8]]))
    np.testing.assert_allclose(mt.linalg.cond(mt.tensor(a)).numpy(), [6.0, 2.5], rtol=1e-12)
    np.testing.assert_allclose(mt.linalg.cond(mt.tensor(a), -2).numpy(), [1 / 6, 0.4], rtol=1e-12)
    inverse = np.linalg.inv(a)
    for p, norm in (("fro", lambda m: np.sqrt((m ** 2).sum((-2, -1)))),
                    (1, lambda m: np.abs(m).sum(-2).max(-1)), (np.inf, lambda m: np.abs(m).sum(-1).max(-1))):
        np.testing.assert_allclose(mt.linalg.cond(mt.tensor(a), p).numpy(), norm(a) * norm(inverse), rtol=1e-10)
    np.testing.assert_allclose(mt.linalg.cond(mt.tensor(a), "nuc").numpy(), [5 * (1 / 3 + 1 / 1.5 + 2), 3.8 * 2.75],
                               rtol=1e-12)
    check_gradients(lambda x: mt.linalg.cond(x) * mt.tensor([1.0, 2.0], dtype=mt.float64), a)
    check_gradients(lambda x: mt.linalg.cond(x, "fro"), a)
    singular = mt.tensor(np.stack([np.eye(2), [[1.0, 2.0], [2.0, 4.0]]]))
    np.testing.assert_allclose(mt.linalg.cond(singular, "fro").numpy(), [2.0, np.inf], rtol=1e-6)
    assert mt.linalg.cond(mt.zeros(2, 0, 0)).tolist() == [0.0, 0.0] and mt.linalg.cond(mt.zeros(0, 0), "fro").item() == 0
    with pytest.raises(RuntimeError, match="linalg.cond got an invalid norm type: 3"):
        mt.linalg.cond(mt.eye(2), 3)
