"""PyTorch's indexing rules for ``t[index]``, ``t[index] = v`` and their gradients.

Where PyTorch and numpy differ (an int is a select, not an advanced index; uint8
tensors are masks; a short list holding sequences is a tuple of indices), the
expected results are built element by element with loops and ``np.stack``, never by
numpy fancy indexing of the same index. Gradients: central differences in float64.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.ops.indexing import GetItem

X = np.arange(210.0).reshape(5, 6, 7) / 50 - 2.0
Y = np.arange(360.0).reshape(3, 4, 5, 6) / 90 - 2.0


def leaf(array):
    return mt.tensor(np.array(array, dtype=np.float64), requires_grad=True)


def check(index, expected, array=X):
    """Value and shape of ``t[index]`` against ``expected``; gradient by central differences."""
    out = mt.tensor(array)[index]
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out._data, expected)
    weights = mt.tensor(np.arange(1.0, expected.size + 1).reshape(expected.shape))
    assert mt.autograd.gradcheck(lambda t: t[index] * weights, (leaf(array),))


def columns(matrix, positions):
    """``matrix[:, positions]`` of a 2-d array, one column at a time."""
    out = np.empty((matrix.shape[0], len(positions)))
    for k, position in enumerate(positions):
        out[:, k] = matrix[:, position]
    return out


# ------------------------------------------------- ints are selects, not advanced
def test_int_then_slice_then_list_keeps_the_list_dim_in_place():
    check((1, slice(None), [0, 3]), np.stack([X[1, :, 0], X[1, :, 3]], axis=1))  # numpy: (2, 6)
    check((1, Ellipsis, [0, 3]), np.stack([X[1, :, 0], X[1, :, 3]], axis=1))
    check((mt.tensor(1), slice(None), [0, 3]), np.stack([X[1, :, 0], X[1, :, 3]], axis=1))
    check((np.int64(1), slice(None), mt.tensor([0, 3])), np.stack([X[1, :, 0], X[1, :, 3]], axis=1))
    check(([0, 3], slice(None), 1), np.stack([X[0, :, 1], X[3, :, 1]]))
    check((slice(None), 2, [6, 0]), np.stack([X[:, 2, 6], X[:, 2, 0]], axis=1))
    check((1, None, [0, 3]), np.stack([X[1, 0], X[1, 3]])[None])  # numpy: (2, 1, 7)
    check(([4, 1], 2, [3, 6]), np.array([X[4, 2, 3], X[1, 2, 6]]))


def test_int_then_slice_then_adjacent_lists():
    expected = np.stack([Y[0, :, 1, 0], Y[0, :, 2, 4]], axis=1)  # numpy: (2, 4)
    check((0, slice(None), [1, 2], [0, 4]), expected, Y)
    check((2, 3, slice(None), [1, 5]), columns(Y[2, 3], [1, 5]), Y)


def test_separated_lists_put_the_broadcast_dims_first():
    check(([0, 2], slice(None), [1, 3]), np.stack([X[0, :, 1], X[2, :, 3]]))
    check(([[0], [2]], slice(None), [1, 3]),
          np.array([[X[i, :, j] for j in (1, 3)] for i in (0, 2)]))
    check(([0, 2], 1, slice(None), [1, 3]), np.stack([Y[0, 1, :, 1], Y[2, 1, :, 3]]), Y)
    check(([0, 2], slice(None), 1, [1, 3]), np.stack([Y[0, :, 1, 1], Y[2, :, 1, 3]]), Y)


def test_adjacent_lists_stay_in_place():
    check((slice(None), [0, 2], [1, 3]), np.stack([X[:, 0, 1], X[:, 2, 3]], axis=1))
    check((slice(None), [[0, 5]], [1]), np.stack([X[:, 0, 1], X[:, 5, 1]], axis=1)[:, None, :])


# ------------------------------------------------------------------- masks
def test_bool_masks_index_their_true_positions():
    mask = (np.arange(30).reshape(5, 6) % 4) == 1
    check(mask, np.stack([X[i, j] for i in range(5) for j in range(6) if mask[i, j]]))
    check(mt.tensor(mask), np.stack([X[i, j] for i in range(5) for j in range(6) if mask[i, j]]))
    check([True, False, True, False, True], np.stack([X[0], X[2], X[4]]))
    last = np.array([True, False, False, True, True, False, False])
    check((1, slice(None), last), columns(X[1], [0, 3, 4]))  # numpy: (3, 6)
    check((1, slice(None), np.zeros(7, dtype=bool)), np.zeros((6, 0)))


def test_zero_dim_bools_add_a_dim_of_size_one_or_zero():
    check(True, X[None])
    check(mt.tensor(True), X[None])
    check(False, np.zeros((0, 5, 6, 7)))
    check((0, True), X[0][None])
    check((slice(None), mt.tensor(False), 2), np.zeros((5, 0, 7)))


def test_uint8_tensors_are_masks_not_positions():
    mask = np.array([1, 0, 1, 0, 0], dtype=np.uint8)
    check(mt.tensor(mask), np.stack([X[0], X[2]]))
    check(mask, np.stack([X[0], X[2]]))
    check((2, slice(None), np.array([0, 0, 0, 0, 0, 0, 1], dtype=np.uint8)), columns(X[2], [6]))
    check(mt.tensor(np.uint8(1)), X[None])


# ------------------------------------------------------- lists, ranges, tensors
def test_ranges_and_integer_tensors_are_index_lists():
    check(range(1, 4), np.stack([X[1], X[2], X[3]]))
    check((slice(None), range(0, 6, 2)), np.stack([X[:, 0], X[:, 2], X[:, 4]], axis=1))
    check((2, slice(None), range(3)), columns(X[2], [0, 1, 2]))
    check(range(0), np.zeros((0, 6, 7)))
    check(mt.tensor([3, 0], dtype=mt.int32), np.stack([X[3], X[0]]))
    check(mt.tensor([[3], [0]], dtype=mt.int64), np.stack([X[3], X[0]])[:, None])
    check(np.array([4, 4, 1], dtype=np.int32), np.stack([X[4], X[4], X[1]]))


def test_a_list_of_ints_is_one_index_a_tuple_is_several():
    check([0, 1], np.stack([X[0], X[1]]))
    check((0, 1), X[0, 1])
    check(([[0, 1], [1, 1]],), np.array([[X[0], X[1]], [X[1], X[1]]]))
    check([], np.zeros((0, 6, 7)))


def test_a_short_list_holding_sequences_or_slices_is_a_tuple_as_in_pytorch():
    check([[0, 1], [1, 1]], np.stack([X[0, 1], X[1, 1]]))
    check([0, slice(None), 1], X[0, :, 1])
    check([mt.tensor(2), None], X[2][None])


def test_repeated_positions_accumulate_in_the_gradient():
    x = leaf(X)
    x[1, :, [0, 0, 5]].sum().backward()
    expected = np.zeros_like(X)
    expected[1, :, 0] = 2.0
    expected[1, :, 5] = 1.0
    np.testing.assert_array_equal(x.grad._data, expected)
    check((1, slice(None), [0, 0, 5]), columns(X[1], [0, 0, 5]))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_int_slice_list(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=3, max_size=3)))
    array = np.random.default_rng(data.draw(st.integers(0, 2**16))).normal(size=shape)
    first = data.draw(st.integers(-shape[0], shape[0] - 1))
    positions = data.draw(st.lists(st.integers(-shape[2], shape[2] - 1), min_size=1, max_size=4))
    check((first, slice(None), positions), columns(array[first], positions), array)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_list_slice_list(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=3, max_size=3)))
    array = np.random.default_rng(data.draw(st.integers(0, 2**16))).normal(size=shape)
    count = data.draw(st.integers(1, 4))
    rows = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=count, max_size=count))
    cols = data.draw(st.lists(st.integers(-shape[2], shape[2] - 1), min_size=count, max_size=count))
    check((rows, slice(None), cols), np.stack([array[r, :, c] for r, c in zip(rows, cols)]), array)


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_int_slice_mask(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=3, max_size=3)))
    array = np.random.default_rng(data.draw(st.integers(0, 2**16))).normal(size=shape)
    first = data.draw(st.integers(0, shape[0] - 1))
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=shape[2], max_size=shape[2])))
    as_uint8 = data.draw(st.booleans())
    index_mask = mask.astype(np.uint8) if as_uint8 else mask
    check((first, slice(None), index_mask), columns(array[first], np.flatnonzero(mask)), array)


# ------------------------------------------------------------------- views
def test_basic_indexing_returns_views_even_for_one_element():
    t = mt.tensor(np.arange(6.0).reshape(2, 3))
    element = t[0, 1]
    assert element.shape == ()
    assert element._data.shape == () and isinstance(element._data, np.ndarray)
    assert np.shares_memory(element._data, t._data)
    assert np.shares_memory(t[1]._data, t._data)
    assert np.shares_memory(t[:, 1:]._data, t._data)
    assert np.shares_memory(t[None, ..., 2]._data, t._data)
    assert np.shares_memory(t[mt.tensor(1), 2]._data, t._data)
    assert not np.shares_memory(t[[0, 1]]._data, t._data)
    assert not np.shares_memory(t[0, [1, 2]]._data, t._data)
    assert GetItem.view_of == 0


# ----------------------------------------------------------------- setitem
def test_setitem_uses_the_same_dimension_rules():
    t = mt.zeros(5, 6, 7, dtype=mt.float64)
    value = np.arange(12.0).reshape(6, 2)  # numpy would want (2, 6)
    t[1, :, [0, 3]] = value
    expected = np.zeros((5, 6, 7))
    expected[1, :, 0] = value[:, 0]
    expected[1, :, 3] = value[:, 1]
    np.testing.assert_array_equal(t._data, expected)

    t = mt.zeros(5, 6, 7, dtype=mt.float64)
    t[1, :, [0, 3]] = mt.tensor([10.0, 20.0])  # broadcast over the 6 rows
    expected = np.zeros((5, 6, 7))
    expected[1, :, 0], expected[1, :, 3] = 10.0, 20.0
    np.testing.assert_array_equal(t._data, expected)

    t = mt.zeros(5, 6, 7, dtype=mt.float64)
    t[[0, 2], :, [1, 3]] = np.array([[1.0], [2.0]])  # indexed shape (2, 6)
    expected = np.zeros((5, 6, 7))
    expected[0, :, 1], expected[2, :, 3] = 1.0, 2.0
    np.testing.assert_array_equal(t._data, expected)


def test_setitem_with_masks_ranges_and_zero_dim_bools():
    t = mt.zeros(5, 3)
    t[mt.tensor(np.array([0, 1, 0, 0, 1], dtype=np.uint8))] = mt.tensor([1.0, 2.0, 3.0])
    t[range(2, 4), 1] = 7.0
    t[0, mt.tensor([True, False, True])] = -1.0
    expected = np.zeros((5, 3), dtype=np.float32)
    expected[1] = expected[4] = [1.0, 2.0, 3.0]
    expected[2, 1] = expected[3, 1] = 7.0
    expected[0, 0] = expected[0, 2] = -1.0
    np.testing.assert_array_equal(t._data, expected)
    t[True] = 5.0
    np.testing.assert_array_equal(t._data, np.full((5, 3), 5.0))
    t[False] = 9.0
    np.testing.assert_array_equal(t._data, np.full((5, 3), 5.0))


def test_setitem_repeated_positions_write_one_of_the_values():
    t = mt.zeros(3, 2)
    t[[0, 0, 2]] = mt.tensor([[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    rows = t._data.tolist()
    assert rows[0] in ([1.0, 1.0], [2.0, 2.0])
    assert rows[1] == [0.0, 0.0] and rows[2] == [3.0, 3.0]


def test_index_put_gradients_follow_the_same_rules():
    index = (1, slice(None), [0, 3])
    value = np.arange(12.0).reshape(6, 2) / 7

    def function(x, v):
        return mt.index_put(x, index, v) * mt.tensor(np.arange(210.0).reshape(5, 6, 7))

    assert mt.autograd.gradcheck(function, (leaf(X), leaf(value)))
    assert mt.autograd.gradcheck(lambda x, v: mt.index_put(x, index, v) ** 2, (leaf(X), leaf([0.5, -1.5])))
    x, v = leaf(X), leaf(value)
    weights = np.arange(210.0).reshape(5, 6, 7)
    (mt.index_put(x, index, v) * mt.tensor(weights)).sum().backward()
    expected_x = weights.copy()
    expected_x[1, :, 0] = expected_x[1, :, 3] = 0.0
    np.testing.assert_array_equal(x.grad._data, expected_x)
    np.testing.assert_array_equal(v.grad._data, np.stack([weights[1, :, 0], weights[1, :, 3]], axis=1))


@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_random_index_put_int_slice_mask(data):
    shape = tuple(data.draw(st.lists(st.integers(1, 4), min_size=3, max_size=3)))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    array = rng.normal(size=shape)
    first = data.draw(st.integers(0, shape[0] - 1))
    mask = np.array(data.draw(st.lists(st.booleans(), min_size=shape[2], max_size=shape[2])))
    value = rng.normal(size=(shape[1], int(mask.sum())))
    expected = array.copy()
    for column, position in enumerate(np.flatnonzero(mask)):
        expected[first, :, position] = value[:, column]
    index = (first, slice(None), mt.tensor(mask))
    np.testing.assert_array_equal(mt.index_put(mt.tensor(array), index, value)._data, expected)
    assert mt.autograd.gradcheck(lambda x, v: mt.index_put(x, index, v) * 3.0, (leaf(array), leaf(value)))


def test_setitem_value_must_broadcast_to_the_indexed_shape():
    t = mt.zeros(5, 6, 7)
    with pytest.raises(RuntimeError, match=r"shape mismatch: value tensor of shape \[2, 6\] cannot be broadcast "
                                           r"to indexing result of shape \[6, 2\]"):
        t[1, :, [0, 3]] = np.zeros((2, 6))
    with pytest.raises(RuntimeError, match="shape mismatch"):
        t[0] = np.zeros((2, 7))
    t[0] = np.ones((1, 1, 6, 7))  # leading 1-dims of the value are ignored
    np.testing.assert_array_equal(t._data[0], np.ones((6, 7)))


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "index, message",
    [
        (5, "index 5 is out of bounds for dimension 0 with size 5"),
        (-6, "index -6 is out of bounds for dimension 0 with size 5"),
        ((0, slice(None), 7), "index 7 is out of bounds for dimension 2 with size 7"),
        ((slice(None), [0, 6]), "index 6 is out of bounds for dimension 1 with size 6"),
        ((1, slice(None), [-8]), "index -8 is out of bounds for dimension 2 with size 7"),
        (range(6), "index 5 is out of bounds for dimension 0 with size 5"),
        (mt.tensor([[9]]), "index 9 is out of bounds for dimension 0 with size 5"),
        ((0, 0, 0, 0), "too many indices for tensor of dimension 3"),
        ((Ellipsis, 0, Ellipsis), r"an index can only have a single ellipsis \('...'\)"),
        (np.ones(4, dtype=bool), r"The shape of the mask \[4\] at index 0 does not match the shape of the indexed "
                                 r"tensor \[5, 6, 7\] at index 0"),
        (([0, 1], slice(None), [0, 1, 2]), r"shape mismatch: indexing tensors could not be broadcast together "
                                           r"with shapes \[2\], \[3\]"),
        (1.5, r"only integers, slices \(`:`\), ellipsis \(`...`\), None and long or bool tensors are valid indices"),
        ("a", "only integers, slices"),
        ({0}, "only integers, slices"),
        (mt.tensor([0.0, 1.0]), "tensors used as indices must be long, int or bool tensors"),
        ([0.5], "tensors used as indices must be long, int or bool tensors"),
        (np.array([0, 1], dtype=np.int16), "tensors used as indices must be long, int or bool tensors"),
    ],
)
def test_index_errors_are_clear_index_errors(index, message):
    t = mt.tensor(X)
    with pytest.raises(IndexError, match=message):
        t[index]
    with pytest.raises(IndexError, match=message):
        t[index] = 0.0
    np.testing.assert_array_equal(t._data, X)


def test_indexing_a_zero_dim_tensor():
    t = mt.tensor(3.0)
    assert t[()].shape == () and np.shares_memory(t[()]._data, t._data)
    assert t[None].shape == (1,)
    assert t[True].shape == (1,)
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        t[0]


# ------------------------------------------------------- index_put(accumulate=True)
def test_index_put_accumulate_adds_repeated_positions():
    x = np.arange(12.0).reshape(3, 4)
    rows, columns_ = np.array([0, 2, 0, 0]), np.array([1, 3, 1, 2])
    value = np.array([10.0, 20.0, 30.0, 40.0])
    expected = x.copy()
    for row, column, add in zip(rows, columns_, value):  # one write at a time: the repeats add up
        expected[row, column] += add
    index = (mt.tensor(rows), mt.tensor(columns_))
    np.testing.assert_array_equal(mt.index_put(mt.tensor(x), index, mt.tensor(value), accumulate=True)._data, expected)
    np.testing.assert_array_equal(mt.tensor(x).index_put(index, mt.tensor(value), True)._data, expected)
    t = mt.tensor(x)
    assert t.index_put_(index, mt.tensor(value), accumulate=True) is t
    np.testing.assert_array_equal(t._data, expected)
    last_write = mt.index_put(mt.tensor(x), index, mt.tensor(value))._data  # without accumulate: one write each
    assert last_write[0, 1] in (10.0, 30.0) and last_write[0, 2] == 40.0


def test_index_put_accumulate_broadcasts_rows_and_masks():
    t = mt.zeros(3, 4)
    t.index_put_((mt.tensor([0, 2, 0]),), mt.tensor([1.0, 2.0, 3.0, 4.0]), accumulate=True)
    np.testing.assert_array_equal(t._data, [[2, 4, 6, 8], [0, 0, 0, 0], [1, 2, 3, 4]])
    t.index_put_((mt.tensor([True, False, True]), mt.tensor([1, 1])), mt.tensor(0.5), accumulate=True)
    np.testing.assert_array_equal(t._data[:, 1], [4.5, 0.0, 2.5])
    counts = mt.zeros(3, dtype=mt.int64).index_put_((mt.tensor([1, 1, 2]),), mt.tensor(1), accumulate=True)
    assert counts.dtype == mt.int64 and counts.tolist() == [0, 2, 1]


def test_index_put_accumulate_gradients():
    index = (mt.tensor([0, 2, 0]), slice(None), mt.tensor([1, 1, 1]))
    weights = mt.tensor(np.arange(210.0).reshape(5, 6, 7))
    value = np.arange(18.0).reshape(3, 6) / 7

    def function(x, v):
        return mt.index_put(x, index, v, accumulate=True) * weights

    assert mt.autograd.gradcheck(function, (leaf(X), leaf(value)))
    x, v = leaf(X), leaf(value)
    function(x, v).sum().backward()
    np.testing.assert_array_equal(x.grad._data, weights._data)  # every position keeps its gradient
    np.testing.assert_array_equal(v.grad._data, np.stack([weights._data[p, :, 1] for p in (0, 2, 0)]))


def test_setitem_casts_like_copy_for_a_basic_index_and_refuses_another_dtype_for_positions():
    t = mt.zeros(2, 3, dtype=mt.int64)
    t[0] = mt.tensor([1.7, -2.7, 3.2])  # PyTorch's copy_: truncates toward zero
    t[:, 2] = mt.tensor(9.9)
    t[t == 0] = mt.tensor(-4.5)  # a 0-d value at a mask: masked_fill_, which casts too
    assert t.dtype == mt.int64 and t.tolist() == [[1, -2, 9], [-4, -4, 9]]
    with pytest.raises(RuntimeError, match=r"index_put: Index put requires the source and destination dtypes "
                                           r"match, got int64 for the destination and float32"):
        t[[0, 1]] = mt.tensor([[1.5, 2.5, 3.5]])


def test_setitem_of_a_python_number_into_an_integer_tensor_is_checked():
    t = mt.zeros(3, dtype=mt.uint8)
    t[0] = -1  # PyTorch's rule for unsigned types: a negative value in [-255, 255] wraps
    t[1] = 2.9  # a float is truncated toward 0
    assert t.tolist() == [255, 2, 0]
    with pytest.raises(RuntimeError, match=r"index_put: value 256 cannot be converted to type uint8 without overflow"):
        t[2] = 256
    with pytest.raises(RuntimeError, match=r"index_put: value nan cannot be converted to type int64"):
        mt.zeros(2, dtype=mt.int64)[0] = float("nan")
    with pytest.raises(RuntimeError, match=r"value 2147483648 cannot be converted to type int32"):
        s = mt.zeros(2, dtype=mt.int32)
        s[s == 0] = 2**31


def test_index_put_second_derivative():
    # y = x*x with two positions overwritten by v*v: d2(sum y)/dx2 = 2, but 0 at the overwritten positions
    x = mt.tensor(np.arange(12.0).reshape(3, 4) / 7, requires_grad=True)
    v = mt.tensor([0.5, -1.5], dtype=mt.float64, requires_grad=True)
    y = mt.index_put(x * x, (mt.tensor([0, 2]), mt.tensor([1, 3])), v * v)
    (first,) = mt.autograd.grad(y.sum(), x, create_graph=True)
    (second,) = mt.autograd.grad(first.sum(), x)
    expected = np.full((3, 4), 2.0)
    expected[0, 1] = expected[2, 3] = 0.0
    np.testing.assert_array_equal(second.data, expected)
