"""What a tensor tells about itself (ndimension, nelement, element_size, nbytes, itemsize, dtype kinds,
``v in t``) and the one-sided clamps ``clamp_min`` / ``clamp_max`` with their gradients."""
import numpy as np
import pytest

import microtensor as mt
from tests.strategies import check_gradients


def test_sizes_and_bytes():
    x = mt.zeros(2, 3)
    assert x.ndimension() == 2 and x.nelement() == 6
    assert x.element_size() == 4 and x.itemsize == 4 and x.nbytes == 24
    assert mt.zeros(5, dtype=mt.int64).nbytes == 40 and mt.zeros(3, dtype=mt.bool).element_size() == 1
    assert x[:, :2].nbytes == 16  # a view counts its own elements
    assert mt.tensor(1.0, dtype=mt.float64).nbytes == 8


def test_dtype_kinds():
    assert mt.zeros(1).is_floating_point() and mt.is_floating_point(mt.zeros(1, dtype=mt.float16))
    assert not mt.zeros(1, dtype=mt.int64).is_floating_point() and not mt.tensor([True]).is_floating_point()
    assert not mt.is_complex(mt.zeros(1)) and not mt.zeros(1).is_complex()
    assert mt.zeros(1, dtype=mt.int8).is_signed() and not mt.zeros(1, dtype=mt.uint8).is_signed()
    assert not mt.tensor([True]).is_signed()


def test_membership():
    x = mt.tensor([[1.0, 5.0], [2.5, -3.0]])
    assert 5.0 in x and 5 in x and -3 in x and mt.tensor(2.5) in x
    assert 4.0 not in x
    assert True in mt.tensor([False, True]) and 7 not in mt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="Tensor or scalar"):
        "a" in x


def test_one_sided_clamps_match_numpy_and_gradcheck():
    values = np.array([[-2.0, -0.4, 0.3], [0.9, 1.7, -1.1]])
    x = mt.tensor(values)
    np.testing.assert_array_equal(x.clamp_min(0.0).numpy(), np.maximum(values, 0.0))
    np.testing.assert_array_equal(mt.clamp_max(x, 0.5).numpy(), np.minimum(values, 0.5))
    bound = np.array([0.1, -0.5, 0.0])
    np.testing.assert_array_equal(x.clamp_min(mt.tensor(bound)).numpy(), np.maximum(values, bound))
    check_gradients(lambda t: t.clamp_min(0.0), values)
    check_gradients(lambda t, b: mt.clamp_max(t, b), values, bound)
    leaf = mt.tensor(values, requires_grad=True)
    leaf.clamp_max(0.5).sum().backward()
    np.testing.assert_array_equal(leaf.grad.numpy(), (values <= 0.5).astype(float))
