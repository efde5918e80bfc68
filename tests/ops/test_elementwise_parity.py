"""PyTorch's behaviour of the elementwise ops at their edges: bool and integer operands, mixed
precision, in-place result dtypes, and values and gradients at 0, +-inf and nan.
Expected values are closed forms or numpy/scipy formulas."""
import math

import pytest

import microtensor as mt

inf, nan = math.inf, math.nan
BOOL_SUB = r"sub: Subtraction, the `-` operator, with a bool tensor is not supported\. If you are trying to invert a mask"


@pytest.mark.parametrize("make", [
    lambda: mt.tensor([True]) - 1,
    lambda: 1 - mt.tensor([True, False]),
    lambda: mt.tensor([1, 2]) - mt.tensor([True, False]),
    lambda: mt.tensor([True]) - mt.tensor([1.5]),
    lambda: mt.tensor([1.5]) - True,
    lambda: mt.tensor([2.0]) - mt.tensor(True),
    lambda: mt.sub(mt.tensor([1.0]), mt.tensor([True]), alpha=2),
    lambda: True - mt.tensor([1, 2]),
], ids=["bool-int", "int-bool", "int-booltensor", "bool-float", "float-pybool", "float-0d-bool", "alpha", "rsub"])
def test_subtraction_with_a_bool_operand_is_refused(make):
    with pytest.raises(RuntimeError, match=BOOL_SUB):
        make()


def test_subtraction_of_two_bool_tensors_has_its_own_message():
    with pytest.raises(RuntimeError, match=r"with two bool tensors is not supported\. Use the `\^` or `logical_xor\(\)`"):
        mt.tensor([True]) - mt.tensor([False])
