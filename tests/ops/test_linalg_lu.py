"""mt.linalg.lu_factor, lu and lu_solve (ops/lu_factorization.py): P L U = A with unit lower L,
upper U and the largest pivot in each column, LAPACK's 1-based pivots, A X = B, gradients by central
differences in float64 (batched), and the errors."""
import numpy as np
import pytest

import microtensor as mt
from tests.ops.test_linalg_decompositions import well_conditioned
from tests.strategies import check_gradients


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4), (3, 5), (5, 3), (1, 1)])
def test_lu_factors(shape):
    a = np.random.default_rng(sum(shape)).normal(size=shape)
    p, lower, upper = (t.numpy() for t in mt.linalg.lu(mt.tensor(a)))
    np.testing.assert_allclose(p @ lower @ upper, a, atol=1e-12)
    k = min(shape[-2:])
    np.testing.assert_array_equal(np.diagonal(lower, axis1=-2, axis2=-1), np.ones(shape[:-2] + (k,)))
    np.testing.assert_array_equal(lower, np.tril(lower))
    np.testing.assert_array_equal(upper, np.triu(upper))
    assert np.all(np.abs(lower) <= 1 + 1e-15)  # partial pivoting: no multiplier above 1 in size
    packed, pivots = mt.linalg.lu_factor(mt.tensor(a))
    assert pivots.dtype == mt.int32 and pivots.shape == shape[:-2] + (k,)
    np.testing.assert_allclose(np.triu(packed.numpy()[..., :k, :]), upper)


def test_lu_pivots_by_hand_and_singular_matrices():
    a = mt.tensor([[1.0, 2.0, 0.0], [3.0, 1.0, 1.0], [0.0, 2.0, 5.0]])
    assert mt.linalg.lu_factor(a).pivots.tolist() == [2, 3, 3]  # row 1 holds the 3, then row 3 the 2 (1-based)
    assert mt.linalg.lu(a).P.tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    singular = mt.tensor([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(RuntimeError, match=r"torch.linalg.lu_factor: U\[2,2\] is zero"):
        mt.linalg.lu_factor(singular)
    p, lower, upper = mt.linalg.lu(singular)
    np.testing.assert_allclose((p @ lower @ upper).numpy(), singular.numpy())
    with pytest.raises(RuntimeError, match="at least 2 dimensions"):
        mt.linalg.lu(mt.ones(3))


def test_lu_solve_and_gradients():
    rng = np.random.default_rng(5)
    a, b = well_conditioned(rng, (2, 3, 3)), rng.normal(size=(2, 3, 2))
    x = mt.linalg.lu_solve(*mt.linalg.lu_factor(mt.tensor(a)), mt.tensor(b)).numpy()
    np.testing.assert_allclose(a @ x, b, atol=1e-12)
    weights = mt.tensor(rng.normal(size=(2, 3, 2)))
    check_gradients(lambda p, q: mt.linalg.lu_solve(*mt.linalg.lu_factor(p), q) * weights, a, b)
    factor_weights = mt.tensor(rng.normal(size=(2, 3, 3)))
    check_gradients(lambda p: mt.linalg.lu_factor(p).LU * factor_weights, a)
    check_gradients(lambda p: (mt.linalg.lu(p).L * 2 + mt.linalg.lu(p).U) * factor_weights, a)
    for shape in ((4, 3), (3, 4)):  # wide and tall matrices too, as in PyTorch
        wide_weights = mt.tensor(rng.normal(size=shape))
        check_gradients(lambda p: mt.linalg.lu_factor(p).LU * wide_weights, rng.normal(size=shape))
