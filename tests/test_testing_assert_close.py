"""mt.testing.assert_close (tolerances, containers, PyTorch's message layout) and make_tensor."""
import math
import re

import numpy as np
import pytest

import microtensor as mt
from microtensor.testing import assert_close, make_tensor


def _message(actual, expected, **options):
    with pytest.raises(AssertionError) as caught:
        assert_close(actual, expected, **options)
    return str(caught.value)


@pytest.mark.parametrize("dtype, rtol, atol", [
    (mt.float16, 1e-3, 1e-5), (mt.float32, 1.3e-6, 1e-5), (mt.float64, 1e-7, 1e-7),
])
def test_default_tolerances_per_dtype(dtype, rtol, atol):
    base = np.array([0.0, 1.0, 100.0])
    inside = base + 0.5 * (atol + rtol * np.abs(base))
    outside = base + 3.0 * (atol + rtol * np.abs(base))
    assert_close(mt.tensor(inside, dtype=dtype), mt.tensor(base, dtype=dtype))
    message = _message(mt.tensor(outside, dtype=dtype), mt.tensor(base, dtype=dtype))
    assert f"(up to {atol} allowed)" in message and f"(up to {rtol} allowed)" in message


def test_integers_compare_exactly_and_say_equal():
    assert_close(mt.tensor([1, 2, 3]), mt.tensor([1, 2, 3]))
    message = _message(mt.tensor([1, 2, 3]), mt.tensor([1, 2, 4]))
    assert message == (
        "Tensor-likes are not equal!\n\n"
        "Mismatched elements: 1 / 3 (33.3%)\n"
        "Greatest absolute difference: 1 at index (2,)\n"
        "Greatest relative difference: 0.25 at index (2,)\n"
        "Values at index (2,): actual 3, expected 4"
    )


def test_float_message_layout_with_indices():
    actual = mt.tensor([[0.1, 2.0], [3.0, 4.0]], dtype=mt.float64)
    expected = mt.tensor([[0.2, 2.0], [3.0, 5.0]], dtype=mt.float64)
    lines = _message(actual, expected).splitlines()
    assert lines[0] == "Tensor-likes are not close!"
    assert lines[2] == "Mismatched elements: 2 / 4 (50.0%)"
    assert lines[3] == "Greatest absolute difference: 1.0 at index (1, 1) (up to 1e-07 allowed)"
    assert re.fullmatch(r"Greatest relative difference: 0\.5 at index \(0, 0\) \(up to 1e-07 allowed\)",
                        lines[4])
    assert lines[5] == "Values at index (1, 1): actual 4.0, expected 5.0"


def test_nan_and_infinity_handling():
    nan = mt.tensor([1.0, math.nan])
    assert "nan at index (1,)" in _message(nan, mt.tensor([1.0, 2.0]))
    assert "Mismatched elements: 1 / 2" in _message(nan, nan)
    assert_close(nan, nan, equal_nan=True)
    assert_close(mt.tensor([math.inf, -math.inf]), mt.tensor([math.inf, -math.inf]))
    assert "inf at index (1,)" in _message(mt.tensor([0.0, 1.0]), mt.tensor([0.0, math.inf]))


def test_attribute_checks_come_first():
    assert _message(mt.ones(2), mt.ones(3)) == (
        "The values for attribute 'shape' do not match: microtensor.Size([2]) != microtensor.Size([3])."
    )
    assert "'dtype' do not match: microtensor.float32 != microtensor.float64" in _message(
        mt.ones(2), mt.ones(2, dtype=mt.float64))
    assert_close(mt.tensor([1, 2]), mt.tensor([1.0, 2.0]), check_dtype=False)
    square = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert_close(square.t(), square.t().contiguous())
    assert "'stride()' do not match: (1, 2) != (2, 1)" in _message(square.t(), square.t().contiguous(),
                                                                   check_stride=True)


def test_scalars_numbers_and_zero_dim_tensors():
    assert _message(1.0, 1.1).startswith("Scalars are not close!\n\nExpected 1.1 but got 1.0.\n")
    assert "Absolute difference: 1\nRelative difference: 0.5" in _message(1, 2)
    assert "(d)types do not match: <class 'int'> != <class 'float'>" in _message(1, 1.0)
    assert _message(True, False) == "Booleans mismatch: True is not False"
    assert _message(mt.tensor(1.0), mt.tensor(2.0)).startswith("Scalars are not close!\n\nExpected 2.0 but got 1.0.")
    assert_close(np.float64(1.0), 1.0)
    assert_close(1.0, 1.0 + 1e-8)


def test_containers_report_the_failing_item():
    actual = {"weight": [mt.tensor([1.0]), (2.0, 3.0)]}
    expected = {"weight": [mt.tensor([1.0]), (2.0, 4.0)]}
    assert _message(actual, expected).endswith("\n\nThe failure occurred for item ['weight'][1][1]")
    assert "The length of the sequences mismatch: 2 != 3" in _message([1, 2], [1, 2, 3])
    assert _message({"a": 1}, {"b": 1}) == (
        "The keys of the mappings do not match:\nMissing keys in the actual mapping: ['b']\n"
        "Additional keys in the actual mapping: ['a']"
    )
    assert_close((mt.ones(2), [np.zeros(1)]), [mt.ones(2), (np.zeros(1),)])


def test_numpy_arrays_gradients_and_empty_tensors():
    assert_close(np.array([1.0, 2.0]), np.array([1.0, 2.0]))
    assert "Mismatched elements: 1 / 1" in _message(np.array([1.0]), np.array([1.0001]))
    leaf = mt.tensor([1.0, 2.0], requires_grad=True)
    assert_close(leaf * 2, mt.tensor([2.0, 4.0]))
    assert_close(mt.zeros(0), mt.zeros(0))
    assert "Values at index (0,): actual True, expected False" in _message(mt.tensor([True]), mt.tensor([False]))
    assert "Greatest absolute difference: 1 at index (0,)" in _message(
        mt.tensor([1, 2], dtype=mt.uint8), mt.tensor([2, 1], dtype=mt.uint8))


def test_options_and_bad_input():
    assert_close(mt.tensor([1.0]), mt.tensor([1.1]), rtol=0.0, atol=0.2)
    assert _message(mt.tensor([1.0]), mt.tensor([2.0]), msg="custom") == "custom"
    assert _message(mt.tensor([1.0]), mt.tensor([2.0]), msg=lambda text: "grad of w: " + text).startswith(
        "grad of w: Tensor-likes are not close!")
    assert "not equal" in _message(mt.tensor([1.0, 2.0]), mt.tensor([1.0, 2.1]), rtol=0, atol=0)
    with pytest.raises(ValueError, match="Both 'rtol' and 'atol' must be either specified or omitted, but got no atol"):
        assert_close(mt.ones(1), mt.ones(1), rtol=0.1)
    with pytest.raises(TypeError, match="mt.as_tensor"):
        assert_close(mt.ones(1), np.ones(1))
    with pytest.raises(TypeError, match="tensor.item"):
        assert_close(mt.tensor(1.0), 1.0)
    with pytest.raises(TypeError, match="No comparison pair"):
        assert_close("a", "a")


def test_make_tensor_ranges_dtypes_and_flags():
    mt.manual_seed(0)
    floats = make_tensor(200, dtype=mt.float64, device="cpu")
    assert floats.dtype == mt.float64 and floats.shape == (200,)
    assert -9 <= floats.min().item() and floats.max().item() < 9
    ints = make_tensor((3, 50), dtype=mt.int64, device="cpu", low=0, high=2)
    assert ints.shape == (3, 50) and set(np.unique(ints.numpy())) == {0, 1}
    assert make_tensor(50, dtype=mt.uint8, device="cpu", low=-5).min().item() >= 0
    assert make_tensor(50, dtype=mt.int8, device="cpu", low=-500).min().item() >= -128
    assert make_tensor(dtype=mt.float32, device="cpu").shape == ()
    assert make_tensor(4, dtype=mt.bool, device="cpu").dtype == mt.bool
    view = make_tensor(2, 3, dtype=mt.float64, device="cpu", noncontiguous=True, requires_grad=True)
    assert view.shape == (2, 3) and not view.is_contiguous() and view.requires_grad and view.is_leaf
    assert (make_tensor(100, dtype=mt.int64, device="cpu", low=-1, high=2, exclude_zero=True) != 0).all()
    mt.manual_seed(3)
    first = make_tensor(4, dtype=mt.float32, device="cpu")
    mt.manual_seed(3)
    assert_close(make_tensor(4, dtype=mt.float32, device="cpu"), first, rtol=0, atol=0)


@pytest.mark.parametrize("options, error, text", [
    (dict(low=5, high=1), ValueError, "`low` must be less than `high`, but got 5 >= 1"),
    (dict(low=math.nan), ValueError, "cannot be NaN, but got low=nan and high=9"),
    (dict(dtype=mt.int64, requires_grad=True), ValueError, "not supported for boolean and integral dtypes"),
])
def test_make_tensor_errors(options, error, text):
    with pytest.raises(error, match=re.escape(text)):
        make_tensor(2, **{"dtype": mt.float32, "device": "cpu", **options})
    with pytest.raises(TypeError):
        make_tensor(2, dtype=mt.float32)  # device is required, as in PyTorch
