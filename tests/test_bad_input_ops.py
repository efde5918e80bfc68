"""Bad input to the core ops and creation functions gets PyTorch's exception type and a message
naming the op and the value (same table form as tests/test_bad_input.py).

``python tests/test_bad_input_ops.py`` prints each message in full.
"""
import numpy as np
import pytest

import microtensor as mt

INT8 = mt.tensor([1, 2], dtype=mt.int8)

BAD_INPUTS = [
    # creation
    ("eye with negative n", lambda: mt.eye(-1), RuntimeError, r"eye: n must be greater or equal to 0, got -1"),
    ("eye with negative m", lambda: mt.eye(2, -3), RuntimeError, r"eye: m must be greater or equal to 0, got -3"),
    ("eye with a float size", lambda: mt.eye(2.5), TypeError, r"eye\(\): argument 'n' must be int, not float \(2.5\)"),
    ("arange with step 0", lambda: mt.arange(0, 5, 0), RuntimeError, r"arange: step must be nonzero.*step=0"),
    ("arange with a step of the wrong sign", lambda: mt.arange(0, 5, -1), RuntimeError,
     r"arange: upper bound and lower bound inconsistent with step sign \(start=0, end=5, step=-1\)"),
    ("arange to infinity", lambda: mt.arange(0, float("inf")), RuntimeError, r"arange: unsupported range: 0 -> inf"),
    ("arange with a nan step", lambda: mt.arange(0, 5, float("nan")), RuntimeError, r"arange: .*step nan.*finite"),
    ("arange of a string", lambda: mt.arange("a"), TypeError, r"arange\(\): argument 'end' must be a number, not str"),
    ("linspace with negative steps", lambda: mt.linspace(0, 1, -1), RuntimeError, r"linspace: .*non-negative.*-1"),
    ("full with a negative size", lambda: mt.full(-1, 1.0), RuntimeError, r"full: .*negative dimension -1"),
    ("full with a float size", lambda: mt.full((2.5,), 1.0), TypeError, r"full: size must be ints, got \(2.5,\)"),
    ("full with a value beyond int8", lambda: mt.full((2,), 1000, dtype=mt.int8), RuntimeError,
     r"full: value 1000 cannot be converted to type int8 without overflow"),
    ("full_like with a value beyond uint8", lambda: mt.full_like(mt.zeros(2, dtype=mt.uint8), -256), RuntimeError,
     r"full_like: value -256 cannot be converted to type uint8 without overflow \(it takes -255 to 255\)"),
    ("tensor of ints beyond uint8", lambda: mt.tensor([1, 300], dtype=mt.uint8), RuntimeError,
     r"tensor: value 300 cannot be converted to type uint8 without overflow"),
    ("tensor of ints beyond int8", lambda: mt.tensor([[-129], [0]], dtype=mt.int8), RuntimeError,
     r"tensor: value -129 cannot be converted to type int8"),
    ("unsigned int to a negative power", lambda: mt.tensor([1, 2], dtype=mt.uint8) ** -1, RuntimeError,
     r"pow: Integers to negative integer powers are not allowed"),
    ("tensor of ints beyond int64", lambda: mt.tensor([1, 2**63]), RuntimeError,
     r"Overflow when unpacking long: \[1, 9223372036854775808\]"),
    ("nested tensor of ints beyond int64", lambda: mt.tensor([[1], [-(2**63) - 1]]), RuntimeError,
     r"Overflow when unpacking long"),
    ("from_numpy of a big-endian array", lambda: mt.from_numpy(np.arange(3, dtype=">f8")), ValueError,
     r"from_numpy: .*non-native byte order.*'>f8'.*mt.tensor\(array\)"),
    # integer arithmetic with Python ints PyTorch does not wrap
    ("int64 plus an int beyond 64 bits", lambda: mt.tensor([1, 2]) + 2**64, OverflowError,
     r"add: the Python int 18446744073709551616 does not fit in 64 bits"),
    ("int64 times an int below -2**63", lambda: mt.tensor([1, 2]) * (-(2**63) - 1), OverflowError,
     r"mul: the Python int -9223372036854775809 does not fit in 64 bits"),
    ("int8 to a power beyond int8", lambda: INT8**1000, RuntimeError,
     r"pow: value 1000 cannot be converted to type int8 without overflow"),
    ("int8 add with alpha beyond int8", lambda: INT8.add(1, alpha=1000), RuntimeError,
     r"add\(alpha=...\): value 1000 cannot be converted to type int8"),
]


@pytest.mark.parametrize("what, call, error, pattern", BAD_INPUTS, ids=[row[0] for row in BAD_INPUTS])
def test_bad_input_gets_a_clear_error(what, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_valid_neighbours_of_the_bad_inputs_still_work():
    assert mt.eye(0).shape == (0, 0)
    assert mt.eye(2, 0).shape == (2, 0)
    assert mt.arange(mt.tensor(3)).tolist() == [0, 1, 2]
    assert mt.arange(5, 0, -2).tolist() == [5, 3, 1]
    assert mt.full((2,), -128, dtype=mt.int8).tolist() == [-128, -128]
    assert (mt.tensor([1, 2]) + (2**64 - 1)).tolist() == [0, 1]  # uint64 range: wraps as PyTorch does
    assert (INT8**3).tolist() == [1, 8]
    # PyTorch's checked conversion to an unsigned type lets negatives down to -max wrap
    assert mt.full((2,), -1, dtype=mt.uint8).tolist() == [255, 255]
    assert mt.tensor([-1, -200, 255], dtype=mt.uint8).tolist() == [255, 56, 255]
    assert mt.tensor([-128, 127], dtype=mt.int8).tolist() == [-128, 127]
    assert (mt.tensor([1, 2]) - (2**63 + 1)).tolist() == [-(2**63), -(2**63) + 1]  # wraps, as in PyTorch


if __name__ == "__main__":
    for what, call, error, _ in BAD_INPUTS:
        try:
            call()
        except Exception as caught:  # noqa: BLE001 - printing the table
            print(f"- {what}\n    {type(caught).__name__}: {caught}\n")
