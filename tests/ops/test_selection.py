"""The positions of nonzero elements (``nonzero``, ``argwhere``, one-argument ``where``) and writing
a mask's positions from a source (``masked_scatter``). Expected values are built with loops over
``np.ndindex``, never with the numpy function the op uses."""
import itertools

import numpy as np
import pytest

import microtensor as mt


def positions_by_loop(array):
    """The row-major positions of the nonzero elements of ``array`` (NaN is nonzero), one tuple each."""
    return [index for index in np.ndindex(*array.shape) if array[index] != 0 or array[index] != array[index]]


@pytest.mark.parametrize("array", [
    np.array([[0.0, 1.5, 0.0], [np.nan, 0.0, -0.0], [2.0, 0.0, 3.0]]),
    np.array([[[True, False], [False, True]], [[True, True], [False, False]]]),
    np.arange(-3, 3).reshape(2, 3),
    np.zeros((0, 3)),
    np.zeros((2, 2)),
])
def test_nonzero_and_argwhere_list_positions_in_row_major_order(array):
    expected = positions_by_loop(array)
    for out in (mt.nonzero(mt.tensor(array)), mt.tensor(array).nonzero(), mt.argwhere(mt.tensor(array))):
        assert out.dtype == mt.int64 and out.shape == (len(expected), array.ndim)
        assert [tuple(row) for row in out.tolist()] == expected
    columns = mt.tensor(array).nonzero(as_tuple=True)
    assert len(columns) == array.ndim and all(c.dtype == mt.int64 for c in columns)
    assert list(zip(*[c.tolist() for c in columns])) == expected or (not expected and all(c.numel() == 0 for c in columns))
    where = mt.where(mt.tensor(array))  # one argument: nonzero(as_tuple=True), any dtype
    assert [c.tolist() for c in where] == [c.tolist() for c in columns]


def test_nonzero_of_a_0d_tensor():
    assert mt.tensor(3.0).nonzero().shape == (1, 0) and mt.tensor(0.0).nonzero().shape == (0, 0)
    assert [c.tolist() for c in mt.tensor(3.0).nonzero(as_tuple=True)] == [[0]]  # counted as 1-D
    assert [c.tolist() for c in mt.tensor(False).nonzero(as_tuple=True)] == [[]]


def test_nonzero_as_tuple_indexes_the_nonzero_elements():
    x = mt.tensor([[0.0, 2.0], [3.0, 0.0]])
    assert x[x.nonzero(as_tuple=True)].tolist() == [2.0, 3.0]
    assert list(itertools.chain(*x.nonzero().tolist())) == [0, 1, 1, 0]
    with pytest.raises(TypeError, match="nonzero"):
        mt.nonzero(x, True)  # as_tuple is keyword-only, as in PyTorch
