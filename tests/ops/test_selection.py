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


# ------------------------------------------------------------ masked_scatter
def test_masked_scatter_fills_the_mask_in_row_major_order_from_the_source():
    array = np.arange(6.0).reshape(2, 3) / 4
    mask = np.array([True, False, True])  # broadcast over both rows
    source = np.arange(10.0, 17.0)
    expected, read = array.copy(), 0
    for index in np.ndindex(2, 3):
        if mask[index[1]]:
            expected[index], read = source[read], read + 1
    out = mt.tensor(array).masked_scatter(mt.tensor(mask), mt.tensor(source))
    np.testing.assert_array_equal(out._data, expected)
    t = mt.tensor(array)
    assert t.masked_scatter_(mt.tensor(mask), mt.tensor(source)) is t and t.tolist() == expected.tolist()
    x, s = mt.tensor(array, requires_grad=True), mt.tensor(source, requires_grad=True)
    weights = np.arange(1.0, 7.0).reshape(2, 3)
    (mt.masked_scatter(x, mt.tensor(mask), s) * mt.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad._data, np.where(mask, 0.0, weights))
    np.testing.assert_array_equal(s.grad._data, [1.0, 3.0, 4.0, 6.0, 0.0, 0.0, 0.0])  # unread: 0

    def weighted(x, s):
        return mt.masked_scatter(x, mt.tensor(mask), s) ** 2 * mt.tensor(weights)

    assert mt.autograd.gradcheck(weighted, (mt.tensor(array, requires_grad=True), mt.tensor(source, requires_grad=True)))

    def first_derivatives(x, s):  # differentiated again by gradcheck: the backward is itself recorded
        return mt.autograd.grad(weighted(x, s).sum(), (x, s), create_graph=True)

    assert mt.autograd.gradcheck(first_derivatives, (mt.tensor(array, requires_grad=True),
                                                     mt.tensor(source, requires_grad=True)))


def test_masked_scatter_errors():
    mask = mt.tensor([[True, False], [True, True]])
    with pytest.raises(RuntimeError, match=r"masked_scatter: Number of elements of source < number of ones in mask \(2 < 3\)"):
        mt.zeros(2, 2).masked_scatter(mask, mt.ones(2))
    with pytest.raises(RuntimeError, match="masked_scatter: expected self and source to have same dtypes"):
        mt.zeros(2, 2).masked_scatter(mask, mt.ones(4, dtype=mt.int64))
    with pytest.raises(RuntimeError, match="masked_scatter: expected mask to be a boolean"):
        mt.zeros(2, 2).masked_scatter(mask.long(), mt.ones(4))
    with pytest.raises(TypeError, match="masked_scatter.*source"):
        mt.zeros(2, 2).masked_scatter(mask, 1.0)
