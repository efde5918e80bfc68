"""Linear algebra cases where microtensor once differed from PyTorch; expected values from numpy and
central differences (``mt.autograd.gradcheck``)."""
import math

import numpy as np
import pytest

import microtensor as mt


def _t(a, grad=False):
    return mt.tensor(np.asarray(a, dtype=np.float64), requires_grad=grad)


def test_lu_solve_adjoint_and_right_side():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(3, 3)) + 3 * np.eye(3), rng.normal(size=(3, 2))
    LU, pivots = mt.linalg.lu_factor(_t(a))
    np.testing.assert_allclose(mt.linalg.lu_solve(LU, pivots, _t(b), adjoint=True).numpy(), np.linalg.solve(a.T, b))
    np.testing.assert_allclose(mt.linalg.lu_solve(LU, pivots, _t(b.T), left=False).numpy(), np.linalg.solve(a.T, b).T)
    with pytest.raises(RuntimeError, match="lu_solve.*at least 2 dimensions"):
        mt.linalg.lu_solve(LU, pivots, _t(b[:, 0]))
    with pytest.raises(RuntimeError, match="lu_solve: Incompatible shapes"):
        mt.linalg.lu_solve(LU, pivots, _t(rng.normal(size=(4, 2))))
    assert mt.autograd.gradcheck(lambda x, y: mt.linalg.lu_solve(*mt.linalg.lu_factor(x), y, adjoint=True),
                                 (_t(a, True), _t(b, True)))


def test_lu_factor_ex_reports_zero_pivots():
    singular = np.array([[1.0, 2, 3], [2, 4, 6], [1, 0, 1]])
    result = mt.linalg.lu_factor_ex(_t(np.stack([np.eye(3), singular])))
    assert type(result).__name__ == "linalg_lu_factor_ex" and result.info.tolist() == [0, 3]
    assert result.info.dtype == mt.int32
    with pytest.raises(RuntimeError, match="lu_factor_ex: U\\[3,3\\] is zero"):
        mt.linalg.lu_factor_ex(_t(singular), check_errors=True)


def test_lstsq_drivers_fill_their_fields():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(4, 3)), rng.normal(size=(4, 2))
    x = np.linalg.lstsq(a, b, rcond=None)[0]
    gelsd = mt.linalg.lstsq(_t(a), _t(b), driver="gelsd")
    np.testing.assert_allclose(gelsd.residuals.numpy(), ((a @ x - b) ** 2).sum(0))
    np.testing.assert_allclose(gelsd.singular_values.numpy(), np.linalg.svd(a, compute_uv=False))
    default = mt.linalg.lstsq(_t(a), _t(b))
    assert default.residuals.shape == (0,) and default.rank.item() == 3
    assert mt.linalg.lstsq(_t(a), _t(b), driver="gels").rank.shape == (0,)
    with pytest.raises(RuntimeError, match="driver"):
        mt.linalg.lstsq(_t(a), _t(b), driver="nope")


def test_slogdet_names_and_singular_gradient():
    assert type(mt.slogdet(_t(np.eye(2)))).__name__ == "slogdet"
    assert type(mt.linalg.slogdet(_t(np.eye(2)))).__name__ == "linalg_slogdet"
    x = _t([[1.0, 2.0], [2.0, 4.0]], True)
    mt.linalg.slogdet(x).logabsdet.backward()  # A^-T = cof(A) / det(A): infinite, not a numpy error
    assert np.isinf(x.grad.numpy()).all()


def test_error_names_of_ex_forms():
    bad = _t(-np.eye(2))
    with pytest.raises(RuntimeError, match="^linalg.cholesky_ex:"):
        mt.linalg.cholesky_ex(bad, check_errors=True)
    with pytest.raises(RuntimeError, match="^linalg.inv_ex:"):
        mt.linalg.inv_ex(_t(np.zeros((2, 2))), check_errors=True)


def test_matrix_norms_of_empty_matrices():
    empty = _t(np.zeros((2, 3, 0)))
    for ord in (1, 2, math.inf, "fro", "nuc"):
        assert mt.linalg.matrix_norm(empty, ord).tolist() == [0.0, 0.0]
    with pytest.raises(IndexError):
        mt.linalg.matrix_norm(empty, -1)


def test_vector_one_norm_gradient_at_nan_is_abs_gradient():
    x = _t([1.0, math.nan, -2.0], True)
    mt.linalg.vector_norm(x, 1).backward()
    assert x.grad.tolist() == [1.0, 0.0, -1.0]


def test_bool_products_and_integer_scalars():
    b = mt.tensor([[True, False], [True, True]])
    with pytest.raises(NotImplementedError, match="Bool"):
        b @ b
    with pytest.raises(NotImplementedError, match="dot: not implemented for 'Bool'"):
        mt.dot(b[0], b[1])
    assert mt.einsum("ij->", b).dtype == mt.int64 and mt.einsum("ij->", b).item() == 3
    with pytest.raises(NotImplementedError, match="Bool"):
        mt.einsum("ij,jk->ik", b, b)
    i = mt.tensor([[1, 2], [3, 4]])
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        mt.addmm(i, i, i, alpha=1.5)


def test_addmm_beta_zero_keeps_input_in_graph():
    x = _t(np.full((2, 2), np.nan), True)
    out = mt.addmm(x, _t(np.eye(2)), _t(np.eye(2)), beta=0)
    out.sum().backward()
    assert out.tolist() == [[1.0, 0.0], [0.0, 1.0]] and x.grad.tolist() == [[0.0, 0.0], [0.0, 0.0]]
