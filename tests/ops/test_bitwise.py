"""Bitwise ops ``& | ^ ~ << >>``: bits of integers (against Python's own int operators),
truth values of bools, PyTorch's dtypes, and the refusal of float tensors."""
import operator

import numpy as np
import pytest

import microtensor as mt

VALUES = [-9, -1, 0, 1, 5, 6, 12, 255]
BINARY = [operator.and_, operator.or_, operator.xor]


@pytest.mark.parametrize("op", BINARY, ids=["and", "or", "xor"])
def test_integer_bits_match_python(op):
    a = mt.tensor(VALUES)
    for other in (3, -4, 0):
        assert op(a, other).tolist() == [op(v, other) for v in VALUES]
        assert op(other, a).tolist() == [op(other, v) for v in VALUES]
        assert op(a, mt.tensor([other] * len(VALUES))).tolist() == [op(v, other) for v in VALUES]
        assert op(a, other).dtype == mt.int64


def test_invert_and_shifts_match_python():
    a = mt.tensor(VALUES)
    assert (~a).tolist() == [~v for v in VALUES]
    assert (a << 2).tolist() == [v << 2 for v in VALUES]
    assert (a >> 1).tolist() == [v >> 1 for v in VALUES]
    assert (~mt.tensor([0, 5], dtype=mt.uint8)).tolist() == [255, 250]
    assert mt.bitwise_not(a).tolist() == [~v for v in VALUES]
    assert mt.bitwise_left_shift(a, 1).tolist() == [v << 1 for v in VALUES]


def test_bool_tensors_combine_truth_values():
    p, q = mt.tensor([True, True, False, False]), mt.tensor([True, False, True, False])
    assert (p & q).tolist() == [True, False, False, False] and (p & q).dtype == mt.bool
    assert (p | q).tolist() == [True, True, True, False]
    assert (p ^ q).tolist() == [False, True, True, False]
    assert (~p).tolist() == [False, False, True, True] and (~p).dtype == mt.bool
    assert (p ^ True).tolist() == [False, False, True, True]
    assert (mt.tensor([True]) & 3).dtype == mt.int64  # a Python int is of a higher kind than bool


def test_dtypes_promote_as_in_pytorch():
    assert (mt.tensor([6], dtype=mt.int32) & mt.tensor([3])).dtype == mt.int64
    assert (mt.tensor([6], dtype=mt.int32) & 3).dtype == mt.int32
    assert (mt.tensor([6], dtype=mt.uint8) | mt.tensor([1], dtype=mt.int8)).dtype == mt.int16


def test_float_tensors_are_refused_with_the_logical_alternative():
    with pytest.raises(NotImplementedError, match="logical_and"):
        mt.tensor([1.0]) & mt.tensor([1.0])
    with pytest.raises(NotImplementedError, match="logical_not"):  # PyTorch: NotImplementedError for 'Float'
        ~mt.tensor([1.0])
    with pytest.raises(NotImplementedError, match="float"):
        mt.tensor([6]) & 1.5
    # the logical ops still take any dtype
    assert mt.logical_and(mt.tensor([1.0, 0.0]), mt.tensor([2.0, 2.0])).tolist() == [True, False]


def test_numpy_calls_and_methods_dispatch_here():
    a = mt.tensor([6, 5])
    assert isinstance(np.bitwise_and(a, 3), mt.Tensor) and np.bitwise_and(a, 3).tolist() == [2, 1]
    assert np.invert(a).tolist() == [-7, -6]
    assert a.bitwise_xor(1).tolist() == [7, 4]
    assert np.logical_not(mt.tensor([0.0, 2.0])).tolist() == [True, False]


def test_in_place_forms_write_into_the_tensor():
    a = mt.tensor([6, 5])
    alias = a
    a &= 3
    assert a is alias and a.tolist() == [2, 1]
    a |= 8
    a ^= 1
    assert a is alias and a.tolist() == [11, 8]
    a <<= 1
    assert a.tolist() == [22, 16]
    assert a.bitwise_not_() is a and a.tolist() == [-23, -17]
    mask = mt.tensor([True, False])
    mask &= mt.tensor([True, True])
    assert mask.tolist() == [True, False] and mask.dtype == mt.bool


def test_shapes_must_broadcast():
    with pytest.raises(RuntimeError, match="bitwise_and.*must match"):
        mt.tensor([1, 2, 3]) & mt.tensor([1, 2])


def test_out_of_range_python_ints_wrap_as_in_pytorch():
    a = mt.tensor([1, 2, -3], dtype=mt.int8)  # 300 is 44 in int8 (0b00101100)
    assert (a & 300).tolist() == [1 & 44, 2 & 44, -3 & 44]
    assert (a | 300).tolist() == [1 | 44, 2 | 44, -3 | 44]
    assert (a ^ 300).tolist() == [1 ^ 44, 2 ^ 44, -3 ^ 44]
    assert (a & 300).dtype == mt.int8
    b = a.clone()
    b ^= 300
    assert b.tolist() == [1 ^ 44, 2 ^ 44, -3 ^ 44]
