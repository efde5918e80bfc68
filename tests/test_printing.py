"""How tensors print: PyTorch's layout rules (one width per tensor, integer and scientific
modes, wrapping at the line width, summaries of big tensors, suffixes) and set_printoptions.
The expected strings are written out from those rules by hand."""
import pytest

import microtensor as mt
from microtensor import _format


@pytest.fixture(autouse=True)
def default_print_options():
    mt.set_printoptions(profile="default")
    yield
    mt.set_printoptions(profile="default")


def test_float_modes():
    assert repr(mt.tensor([1.0, 2.5, -3.25])) == "tensor([ 1.0000,  2.5000, -3.2500])"
    assert repr(mt.tensor([1.0, -20.0])) == "tensor([  1., -20.])"  # whole numbers: integer mode
    # more than 1000 between the smallest and largest non-zero magnitude: scientific
    assert repr(mt.tensor([123456.0, 1.5])) == "tensor([1.2346e+05, 1.5000e+00])"
    assert repr(mt.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(mt.tensor([0.0, 5.0])) == "tensor([0., 5.])"  # zeros do not count
    assert repr(mt.tensor([float("nan"), 1.5, float("-inf")])) == "tensor([   nan, 1.5000,   -inf])"
    assert repr(mt.tensor(2.5)) == "tensor(2.5000)" and repr(mt.tensor(7)) == "tensor(7)"


def test_rows_wrap_at_80_characters():
    # "12." is 3 wide: (80 - len("tensor(")) // (3 + 2) = 14 elements per line
    expected = ("tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
                "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
                "        28., 29.])")
    assert repr(mt.arange(30.0)) == expected
    assert all(len(line) <= 80 for line in repr(mt.ones(3, 12) / 3).splitlines())


def test_big_tensors_are_summarised_from_their_edges():
    assert repr(mt.arange(1500)) == "tensor([   0,    1,    2,  ..., 1497, 1498, 1499])"
    # the edges 0, 1, 2, 1997, 1998, 1999 span more than 1000: scientific
    assert repr(mt.arange(2000.0)) == ("tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
                                       "        1.9990e+03])")
    lines = repr(mt.arange(2000).reshape(40, 50)).splitlines()
    assert len(lines) == 7 and lines[3] == "        ...,"


def test_suffixes_and_empty_tensors():
    assert repr(mt.tensor([], dtype=mt.int64)) == "tensor([], dtype=microtensor.int64)"
    assert repr(mt.tensor([])) == "tensor([])"
    assert repr(mt.zeros(2, 0, dtype=mt.float64)) == "tensor([], size=(2, 0), dtype=microtensor.float64)"
    # a suffix that would pass the line width goes to a new line, under the first bracket
    text = repr(mt.arange(11.0, dtype=mt.float64).requires_grad_() * 1.123456)
    assert text.endswith("11.2346], dtype=microtensor.float64,\n       grad_fn=<MulBackward>)")


def test_set_printoptions():
    mt.set_printoptions(precision=2)
    assert repr(mt.tensor([1.23456, 2.0])) == "tensor([1.23, 2.00])"
    mt.set_printoptions(sci_mode=False)
    assert repr(mt.tensor([1e-6, 1.0])) == "tensor([0.00, 1.00])"  # precision stays 2
    mt.set_printoptions(threshold=5, edgeitems=1)
    assert repr(mt.arange(10)) == "tensor([0,  ..., 9])"
    mt.set_printoptions(profile="full")
    assert "..." not in repr(mt.arange(1200))
    mt.set_printoptions(profile="default")
    assert _format.OPTIONS == {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None}
    with pytest.raises(ValueError, match="profile"):
        mt.set_printoptions(profile="wide")


def test_no_edge_items_prints_the_size_instead():
    mt.set_printoptions(edgeitems=0, threshold=5)
    try:
        assert repr(mt.arange(10)) == "tensor([...], size=(10,))"
        assert repr(mt.arange(3, dtype=mt.int8)) == "tensor([0, 1, 2], size=(3,), dtype=microtensor.int8)"  # not summarised
        assert repr(mt.tensor(2.5)) == "tensor(2.5000, size=())"
        assert repr(mt.zeros(3, 20, requires_grad=True)) == "tensor([...], size=(3, 20), requires_grad=True)"
    finally:
        mt.set_printoptions(profile="default")
