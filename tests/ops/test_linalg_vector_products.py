"""mt.linalg.cross / mt.cross, mt.linalg.vecdot and mt.linalg.diagonal (ops/vector_products.py,
linalg.py): values against the component formula of the cross product and numpy sums, gradients by
central differences in float64 with broadcasting, and PyTorch's errors."""
import numpy as np
import pytest

import microtensor as mt
from tests.strategies import check_gradients


def _cross_by_components(a, b):
    a, b = np.broadcast_arrays(a, b)
    return np.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                     a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                     a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], axis=-1)


@pytest.mark.parametrize("shape_a, shape_b", [((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (1, 3)), ((4, 1, 3), (1, 2, 3))])
def test_linalg_cross_values_and_gradients(shape_a, shape_b):
    rng = np.random.default_rng(len(shape_a) + len(shape_b))
    a, b = rng.normal(size=shape_a), rng.normal(size=shape_b)
    np.testing.assert_allclose(mt.linalg.cross(mt.tensor(a), mt.tensor(b)).numpy(), _cross_by_components(a, b),
                               rtol=1e-12)
    weights = mt.tensor(rng.normal(size=np.broadcast_shapes(shape_a, shape_b)))
    check_gradients(lambda x, y: mt.linalg.cross(x, y) * weights, a, b)


def test_cross_dims_integers_and_errors():
    a, b = mt.tensor([[1, 0], [0, 1], [0, 0]]), mt.tensor([[0, 0], [1, 0], [0, 1]])  # vectors in the columns
    assert mt.cross(a, b).tolist() == [[0, 1], [0, 0], [1, 0]]  # the first dim of size 3: e1 x e2 = e3, e2 x e3 = e1
    assert a.cross(b, dim=0).tolist() == mt.linalg.cross(a, b, dim=0).tolist()
    e = mt.eye(3)
    assert mt.linalg.cross(e[0], e[1]).tolist() == [0.0, 0.0, 1.0]
    with pytest.raises(RuntimeError, match="linalg.cross: inputs dimension -1 must have length 3. Got 4 and 4"):
        mt.linalg.cross(mt.ones(4), mt.ones(4))
    with pytest.raises(RuntimeError, match="linalg.cross: inputs must have the same number of dimensions"):
        mt.linalg.cross(mt.ones(2, 3), mt.ones(3))
    with pytest.raises(RuntimeError, match="same dtype"):
        mt.linalg.cross(mt.ones(3), mt.ones(3, dtype=mt.float64))


def test_vecdot_and_diagonal():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(2, 3)), rng.normal(size=(3,))
    np.testing.assert_allclose(mt.linalg.vecdot(mt.tensor(x), mt.tensor(y)).numpy(), (x * y).sum(-1), rtol=1e-12)
    np.testing.assert_allclose(mt.linalg.vecdot(mt.tensor(x), mt.tensor(x), dim=0).numpy(), (x * x).sum(0))
    check_gradients(lambda p, q: mt.linalg.vecdot(p, q) * mt.tensor([1.0, -2.0], dtype=mt.float64), x, y)
    with pytest.raises(RuntimeError, match="Expected x and y to have the same dtype, but found x of type Float"):
        mt.linalg.vecdot(mt.ones(3), mt.ones(3, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="linalg.vecdot: Expected a floating point or complex tensor as input"):
        mt.linalg.vecdot(mt.ones(3, dtype=mt.int64), mt.ones(3, dtype=mt.int64))
    batch = np.arange(18.0).reshape(2, 3, 3)
    np.testing.assert_array_equal(mt.linalg.diagonal(mt.tensor(batch)).numpy(), np.diagonal(batch, 0, -2, -1))
    np.testing.assert_array_equal(mt.linalg.diagonal(mt.tensor(batch), offset=1).numpy(), np.diagonal(batch, 1, -2, -1))
