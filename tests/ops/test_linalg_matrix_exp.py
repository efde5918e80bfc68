"""mt.linalg.matrix_exp (ops/matrix_exponential.py): closed forms (a rotation generator gives cos and
sin, a diagonal matrix exp of its entries, a nilpotent one its finite series, exp(A) exp(-A) = I),
gradients and second derivatives by central differences in float64, batched, and the errors."""
import numpy as np
import pytest

import microtensor as mt
from tests.ops.test_linalg_decompositions import second_derivatives_agree
from tests.strategies import check_gradients


def test_matrix_exp_closed_forms():
    angles = np.array([0.3, 2.0, 7.5])
    generators = np.zeros((3, 2, 2))
    generators[:, 0, 1], generators[:, 1, 0] = -angles, angles
    rotations = mt.linalg.matrix_exp(mt.tensor(generators)).numpy()
    np.testing.assert_allclose(rotations[:, 0, 0], np.cos(angles), atol=1e-13)
    np.testing.assert_allclose(rotations[:, 1, 0], np.sin(angles), atol=1e-13)
    np.testing.assert_allclose(mt.matrix_exp(mt.tensor(np.diag([-3.0, 0.0, 12.0]))).numpy(), np.diag(np.exp([-3, 0, 12])),
                               rtol=1e-13)
    nilpotent = np.array([[0.0, 2.0, 5.0], [0.0, 0.0, 3.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(mt.tensor(nilpotent).matrix_exp().numpy(),
                               np.eye(3) + nilpotent + nilpotent @ nilpotent / 2, atol=1e-14)
    a = np.random.default_rng(0).normal(size=(2, 3, 3)) * 2
    product = mt.linalg.matrix_exp(mt.tensor(a)).numpy() @ mt.linalg.matrix_exp(mt.tensor(-a)).numpy()
    np.testing.assert_allclose(product, np.broadcast_to(np.eye(3), (2, 3, 3)), atol=1e-10)
    assert mt.linalg.matrix_exp(mt.zeros(2, 2)).dtype == mt.float32
    assert mt.linalg.matrix_exp(mt.zeros(0, 0)).shape == (0, 0)


def test_matrix_exp_gradients_and_errors():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(2, 3, 3))
    weights = mt.tensor(rng.normal(size=(2, 3, 3)))
    check_gradients(lambda x: mt.linalg.matrix_exp(x) * weights, a)
    check_gradients(lambda x: mt.linalg.matrix_exp(x * 3) * weights, a[0])  # squarings on the way
    second_derivatives_agree(mt.linalg.matrix_exp, a[0], weights[0])
    with pytest.raises(RuntimeError, match="linalg.matrix_exp: A must be batches of square matrices"):
        mt.linalg.matrix_exp(mt.ones(2, 3))
    with pytest.raises(RuntimeError, match="linalg.matrix_exp: Expected a floating point"):
        mt.linalg.matrix_exp(mt.ones(2, 2, dtype=mt.int64))
