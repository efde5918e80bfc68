"""PyTorch's rules for making tensors from data, fill values, spaced values, dtype info and the
Python-number protocols (``int(t)``, ``operator.index(t)`` ...)."""

import numpy as np
import pytest

import microtensor as mt


# ------------------------------------------------ mt.tensor: dtypes of numpy scalars inside lists
@pytest.mark.parametrize("data, dtype", [
    ([np.float32(1), 2.0], mt.float32),
    ([np.float64(1), 2.0], mt.float64),         # a float64 scalar is not a Python float
    ([1, np.float64(2)], mt.float64),
    ([np.float16(1)], mt.float16),
    ([np.float16(1), 2.0], mt.float32),         # float16 with the default float32
    ([np.int32(1)], mt.int32),
    ([np.uint8(1)], mt.uint8),
    ([np.uint8(1), np.int8(2)], mt.int16),      # numpy's rule within a kind
    ([np.int8(1), 2], mt.int64),                # a Python int is int64
    ([np.int32(1), 2.0], mt.float32),           # the highest kind wins with its own width
    ([np.float32(1), np.int64(2)], mt.float32),
    ([np.float64(1), np.float32(2)], mt.float64),
    ([[np.float32(1)], [2]], mt.float32),
    ([True, 2], mt.int64),
    ([True, 2.5], mt.float32),
    ([np.bool_(True)], mt.bool),
    ([np.array([1, 2], dtype=np.int32)], mt.int32),
    ([[], []], mt.float32),
])
def test_tensor_promotes_the_dtypes_of_its_elements(data, dtype):
    t = mt.tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.array(data, dtype=np.float64).astype(dtype))


def test_tensor_of_a_list_holding_tensors_keeps_their_dtype():
    assert mt.tensor([mt.tensor(1.0, dtype=mt.float64), 2]).dtype == mt.float64
    assert mt.tensor([mt.tensor([1, 2], dtype=mt.int16)]).dtype == mt.int16


@pytest.mark.parametrize("scalar", [np.float64(1.5), np.float32(1.5), np.int32(3), np.int16(3), np.uint8(3), np.bool_(1)])
def test_tensor_of_a_numpy_scalar_keeps_its_dtype(scalar):
    t = mt.tensor(scalar)
    assert (t.dtype, t.shape, t.item()) == (scalar.dtype, (), scalar.item())


def test_tensor_beyond_a_float_dtype_is_inf_without_a_warning():
    assert mt.tensor([np.float64(1e40)], dtype=mt.float32).item() == np.inf
    assert mt.tensor([1e40], dtype=mt.float32).item() == np.inf
    assert mt.tensor([np.float64(1e40), 1.0]).dtype == mt.float64
