"""gather, scatter (scatter_), scatter_add (scatter_add_), index_select, index_add (index_add_), index_copy, index_fill, scatter_reduce,
masked_select, masked_fill (broadcasting, masked_fill_), one_hot, take and take_along_dim: values against direct
loops over the index and numpy, gradients against central differences (float64) on
contiguous and permuted (non-contiguous) inputs, second derivatives, dtypes, errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
import microtensor.nn.functional as F
from tests.strategies import check_gradients, float_arrays, leaf, shapes


def weighted_sum(out):
    return (out * mt.tensor(np.arange(1.0, out.numel() + 1).reshape(out.shape))).sum()


def second_order(op):
    """x -> d/dx sum(w * op(x)^2), differentiated again by gradcheck (double backward)."""

    def first_derivative(*tensors):
        out = op(*tensors)
        return mt.autograd.grad(weighted_sum(out * out), tensors, create_graph=True)

    return first_derivative


def reversed_dims(op):
    """``op`` applied to the input with its dims reversed: a non-contiguous view (give it ``transposed(array)``)."""
    return lambda t, *rest: op(t.permute(*reversed(range(t.ndim))), *rest)


def transposed(array):
    """The array with its dims reversed, laid out row-major (gradcheck perturbs a leaf through a flat view)."""
    return np.ascontiguousarray(np.transpose(array))


@st.composite
def gather_case(draw, unique=False):
    """(input shape, dim, index): index no larger than input apart from dim, values in range;
    with ``unique`` no position along dim repeats within a lane (scatter's last write is unspecified)."""
    shape = draw(shapes(min_dims=1, max_dims=3))
    dim = draw(st.integers(0, len(shape) - 1))
    size = shape[dim]
    index_shape = tuple(draw(st.integers(1, side)) for side in shape)
    index_shape = index_shape[:dim] + (draw(st.integers(1, size if unique else 4)),) + index_shape[dim + 1:]
    if unique:
        lanes = int(np.prod(index_shape)) // index_shape[dim]
        rows = [draw(st.permutations(range(size)))[: index_shape[dim]] for _ in range(lanes)]
        moved = np.array(rows, dtype=np.int64).reshape(index_shape[:dim] + index_shape[dim + 1:] + (index_shape[dim],))
        index = np.moveaxis(moved, -1, dim)
    else:
        index = draw(hnp.arrays(np.int64, index_shape, elements=st.integers(0, size - 1)))
    return shape, dim, np.ascontiguousarray(index)


def replaced(position, dim, value):
    return position[:dim] + (value,) + position[dim + 1:]


# ------------------------------------------------------------------ gather
@settings(max_examples=8)
@given(case=gather_case(), data=st.data())
def test_gather_matches_a_loop_and_gradchecks(case, data):
    shape, dim, index = case
    array = data.draw(float_arrays(shape))
    out = mt.gather(leaf(array), dim, mt.tensor(index))
    expected = np.empty(index.shape)
    for position in np.ndindex(*index.shape):
        expected[position] = array[replaced(position, dim, index[position])]
    np.testing.assert_array_equal(out.data, expected)
    np.testing.assert_array_equal(mt.tensor(array).gather(dim, mt.tensor(index)).data, expected)
    check_gradients(lambda t: weighted_sum(mt.gather(t, dim, mt.tensor(index))), array)
    check_gradients(reversed_dims(lambda t: weighted_sum(mt.gather(t, dim, mt.tensor(index)))), transposed(array))


def test_gather_gradient_adds_up_repeated_positions_and_differentiates_twice():
    x = leaf([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    index = mt.tensor([[0, 0, 2, 0], [1, 1, 1, 1]])
    mt.gather(x, 1, index).sum().backward()
    assert x.grad.tolist() == [[3.0, 0.0, 1.0], [0.0, 4.0, 0.0]]
    check_gradients(second_order(lambda t: mt.gather(t, 1, index)), np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.2]]))


# ---------------------------------------------------------- scatter, scatter_add
@settings(max_examples=8)
@given(case=gather_case(unique=True), data=st.data())
def test_scatter_matches_a_loop_and_gradchecks(case, data):
    shape, dim, index = case
    array = data.draw(float_arrays(shape))
    src_shape = tuple(side + data.draw(st.integers(0, 1)) for side in index.shape)  # src may be larger
    src = data.draw(float_arrays(src_shape))
    expected = array.copy()
    for position in np.ndindex(*index.shape):
        expected[replaced(position, dim, index[position])] = src[position]
    idx = mt.tensor(index)
    np.testing.assert_array_equal(mt.scatter(leaf(array), dim, idx, leaf(src)).data, expected)
    check_gradients(lambda t, s: weighted_sum(mt.scatter(t, dim, idx, s)), array, src)
    check_gradients(reversed_dims(lambda t, s: weighted_sum(t.scatter(dim, idx, s))), transposed(array), src)
    with_value = array.copy()
    for position in np.ndindex(*index.shape):
        with_value[replaced(position, dim, index[position])] = -4.5
    np.testing.assert_array_equal(mt.scatter(mt.tensor(array), dim, idx, value=-4.5).data, with_value)
    np.testing.assert_array_equal(mt.tensor(array).scatter(dim, idx, -4.5).data, with_value)
    check_gradients(lambda t: weighted_sum(mt.scatter(t, dim, idx, value=-4.5)), array)


@settings(max_examples=8)
@given(case=gather_case(), data=st.data())
def test_scatter_add_matches_a_loop_and_gradchecks(case, data):
    shape, dim, index = case
    array = data.draw(float_arrays(shape))
    src = data.draw(float_arrays(index.shape))
    expected = array.copy()
    for position in np.ndindex(*index.shape):
        expected[replaced(position, dim, index[position])] += src[position]
    idx = mt.tensor(index)
    np.testing.assert_allclose(mt.scatter_add(mt.tensor(array), dim, idx, mt.tensor(src)).data, expected, rtol=1e-12)
    np.testing.assert_allclose(
        mt.scatter(mt.tensor(array), dim, idx, mt.tensor(src), reduce="add").data, expected, rtol=1e-12
    )
    check_gradients(lambda t, s: weighted_sum(mt.scatter_add(t, dim, idx, s)), array, src)
    check_gradients(lambda t, s: weighted_sum(mt.scatter(t, dim, idx, s, reduce="add")), array, src)


def test_scatter_reduce_multiply_and_in_place_forms():
    x = mt.ones(2, 3) * 2
    index = mt.tensor([[0, 0], [2, 2]])
    out = mt.scatter(x, 1, index, mt.full((2, 3), 3.0), reduce="multiply")
    assert out.tolist() == [[18.0, 2.0, 2.0], [2.0, 2.0, 18.0]]
    assert mt.ones(2, 3).scatter_(1, index, 3.0, reduce="add").tolist() == [[7.0, 1.0, 1.0], [1.0, 1.0, 7.0]]
    y = mt.zeros(2, 3)
    assert y.scatter_add_(1, index, mt.ones(2, 2)) is y and y.tolist() == [[2.0, 0.0, 0.0], [0.0, 0.0, 2.0]]
    z = mt.zeros(3, dtype=mt.int64)
    assert z.scatter_(0, mt.tensor([2]), 2.7).tolist() == [0, 0, 2]  # the value takes the tensor's dtype
    # in place on a non-leaf: the gradients are those of the out-of-place op
    index = mt.tensor([[1], [0]])
    check_gradients(lambda t, s: weighted_sum((t * 1).scatter_(1, index, s)), np.ones((2, 3)), np.array([[2.0], [3.0]]))
    check_gradients(lambda t, s: weighted_sum((t * 1).scatter_add_(1, index, s)), np.ones((2, 3)), np.array([[2.0], [3.0]]))
    leaf_x = leaf(np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="scatter_: a leaf Variable that requires grad"):
        leaf_x.scatter_(1, index, 0.0)


def test_scatter_gradients_follow_pytorch_for_repeated_positions_and_differentiate_twice():
    x = leaf(np.zeros(3))
    src = leaf(np.array([1.0, 2.0]))
    mt.scatter(x, 0, mt.tensor([1, 1]), src).sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0] and src.grad.tolist() == [1.0, 1.0]
    index = mt.tensor([[2, 0], [1, 1]])
    arrays = (np.array([[0.5, -1.0, 2.0], [1.5, 0.3, -0.2]]), np.array([[0.7, -0.4], [1.1, 0.9]]))
    check_gradients(second_order(lambda t, s: mt.scatter_add(t, 1, index, s)), *arrays)
    check_gradients(second_order(lambda t, s: mt.scatter(t, 1, mt.tensor([[2, 0], [1, 0]]), s)), *arrays)
    with pytest.raises(RuntimeError, match=r"scatter\(reduce='multiply'\): the derivative is not implemented"):
        mt.scatter(leaf(np.ones(3)), 0, mt.tensor([0]), mt.ones(1, dtype=mt.float64), reduce="multiply").sum().backward()


# ------------------------------------------------------- index_select, index_add
@settings(max_examples=8)
@given(data=st.data())
def test_index_select_and_index_add_match_numpy_and_gradcheck(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    axis = dim % len(shape)
    index = data.draw(hnp.arrays(np.int64, data.draw(st.integers(0, 4)), elements=st.integers(0, shape[axis] - 1)))
    array = data.draw(float_arrays(shape))
    idx = mt.tensor(index)
    out = mt.index_select(mt.tensor(array), dim, idx)
    np.testing.assert_array_equal(out.data, np.take(array, index, axis=axis))
    assert out.shape == shape[:axis] + (index.size,) + shape[axis + 1:]
    check_gradients(lambda t: weighted_sum(t.index_select(dim, idx)), array)
    check_gradients(reversed_dims(lambda t: weighted_sum(mt.index_select(t, dim, idx))), transposed(array))
    source = data.draw(float_arrays(out.shape))
    expected = array.copy()
    for j, target in enumerate(index):
        put = (slice(None),) * axis + (target,)
        expected[put] += 2.5 * source[(slice(None),) * axis + (j,)]
    np.testing.assert_allclose(mt.index_add(mt.tensor(array), dim, idx, mt.tensor(source), alpha=2.5).data, expected,
                               rtol=1e-12, atol=1e-12)
    check_gradients(lambda t, s: weighted_sum(t.index_add(dim, idx, s, alpha=2.5)), array, source)


def test_index_select_gradient_is_an_index_add_and_differentiates_twice():
    x = leaf(np.arange(6.0).reshape(3, 2))
    index = mt.tensor([2, 0, 2], dtype=mt.int32)  # int32 indices are accepted, as in PyTorch
    mt.index_select(x, 0, index).sum().backward()
    assert x.grad.tolist() == [[1.0, 1.0], [0.0, 0.0], [2.0, 2.0]]
    assert mt.index_select(mt.arange(6.0).reshape(2, 3), 0, mt.tensor(1)).shape == (1, 3)
    check_gradients(second_order(lambda t: mt.index_select(t, 0, index)), np.arange(6.0).reshape(3, 2) - 2.5)
    check_gradients(second_order(lambda t, s: mt.index_add(t, 0, index, s)), np.ones((3, 2)), np.arange(6.0).reshape(3, 2))
    y = mt.zeros(3)
    assert y.index_add_(0, mt.tensor([0, 0]), mt.ones(2)) is y and y.tolist() == [2.0, 0.0, 0.0]


def test_index_select_and_gather_of_a_0d_tensor_are_new_tensors():
    # As in PyTorch, the result never shares memory with the input, 0-d included.
    for select in (lambda x: mt.index_select(x, 0, mt.tensor([0])), lambda x: mt.gather(x, 0, mt.tensor(0))):
        x = mt.tensor(3.0)
        out = select(x)
        assert out.tolist() == 3.0 and out.data_ptr() != x.data_ptr()
        out.add_(1.0)
        assert x.item() == 3.0


# ------------------------------------------------------- masked_select, masked_fill
@settings(max_examples=8)
@given(data=st.data())
def test_masked_select_broadcasts_and_gradchecks(data):
    shape_x, shape_mask = data.draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3).map(lambda r: r.input_shapes)
    )
    array = data.draw(float_arrays(shape_x))
    mask = data.draw(hnp.arrays(np.bool_, shape_mask))
    full = np.broadcast_shapes(shape_x, shape_mask)
    out = mt.masked_select(mt.tensor(array), mt.tensor(mask))
    np.testing.assert_array_equal(out.data, np.broadcast_to(array, full)[np.broadcast_to(mask, full)])
    assert out.ndim == 1
    check_gradients(lambda t: weighted_sum(t.masked_select(mt.tensor(mask))), array)
    filled = mt.masked_fill(mt.tensor(array), mt.tensor(mask), -1.5)
    np.testing.assert_array_equal(filled.data, np.where(mask, -1.5, array))
    check_gradients(lambda t: weighted_sum(mt.masked_fill(t, mt.tensor(mask), -1.5)), array)


def test_masked_select_fill_in_place_and_second_order():
    mask = mt.tensor([[True, False, True], [False, False, True]])
    check_gradients(second_order(lambda t: mt.masked_select(t, mask)), np.array([0.5, -1.0, 2.0]))
    y = mt.zeros(2, 3)
    assert y.masked_fill_(mt.tensor([True, False, True]), 2.0) is y and y.tolist() == [[2.0, 0.0, 2.0]] * 2
    check_gradients(lambda t: weighted_sum((t * 1).masked_fill_(mask, 0.0)), np.ones((2, 3)))
    with pytest.raises(RuntimeError, match="masked_fill_"):
        mt.zeros(3).masked_fill_(mask, 1.0)  # in place the result must keep the tensor's shape
    with pytest.raises(RuntimeError, match="masked_select: expected mask to be a boolean"):
        mt.masked_select(mt.zeros(3), mt.tensor([1, 0, 1]))
    with pytest.raises(RuntimeError, match=r"masked_select.*\(2,\).*\(3,\)"):
        mt.masked_select(mt.zeros(3), mt.tensor([True, False]))


# ------------------------------------------------------------------ one_hot
def test_one_hot_values_dtype_and_errors():
    labels = np.array([[0, 2], [3, 1]])
    out = F.one_hot(mt.tensor(labels))
    assert out.dtype == mt.int64 and out.shape == (2, 2, 4)
    np.testing.assert_array_equal(out.data, (labels[..., None] == np.arange(4)).astype(np.int64))
    assert mt.one_hot(mt.tensor([1]), num_classes=3).tolist() == [[0, 1, 0]]
    assert F.one_hot(mt.tensor(1), 3).tolist() == [0, 1, 0]
    assert F.one_hot(mt.tensor([], dtype=mt.int64), 3).shape == (0, 3)
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(mt.tensor([0, 1], dtype=mt.int32))
    with pytest.raises(RuntimeError, match="LongTensor"):
        F.one_hot(mt.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="Class values must be non-negative"):
        F.one_hot(mt.tensor([0, -1]))
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(mt.tensor([0, 3]), 2)
    with pytest.raises(RuntimeError, match="Can not infer total number of classes from empty tensor"):
        F.one_hot(mt.tensor([], dtype=mt.int64))


# ------------------------------------------------------------- dtypes, errors
def test_dtypes_and_zero_dim():
    ints = mt.tensor([[1, 2, 3]])
    assert mt.gather(ints, 1, mt.tensor([[2, 2]])).dtype == mt.int64
    assert mt.gather(mt.ones(2, dtype=mt.float32), 0, mt.tensor([1])).dtype == mt.float32
    assert mt.scatter_add(ints, 1, mt.tensor([[0, 0]]), mt.tensor([[5, 5]])).tolist() == [[11, 2, 3]]
    assert mt.gather(mt.arange(3), 0, mt.tensor(1)).item() == 1
    assert mt.gather(mt.tensor(5.0), 0, mt.tensor(0)).item() == 5.0
    assert mt.scatter(mt.arange(3), 0, mt.tensor(1), 7).tolist() == [0, 7, 2]
    assert mt.index_add(mt.tensor(1.0), 0, mt.tensor([0]), mt.tensor(2.0)).item() == 3.0


def test_errors_name_the_op_the_index_and_the_size():
    x = mt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"gather\(\): index 5 is out of bounds for dimension 1 with size 3"):
        mt.gather(x, 1, mt.tensor([[5], [1]]))
    with pytest.raises(RuntimeError, match=r"gather\(\): index -1 is out of bounds for dimension 1 with size 3"):
        mt.gather(x, 1, mt.tensor([[-1], [1]]))
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        mt.gather(x, 1, mt.tensor([0, 1]))
    with pytest.raises(RuntimeError, match=r"Expected index \[3, 1\] to be no larger than self \[2, 3\]"):
        mt.gather(x, 1, mt.tensor([[0], [1], [0]]))
    with pytest.raises(RuntimeError, match="Expected dtype int32/int64 for index"):
        mt.gather(x, 1, mt.tensor([[0.0]]))
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.gather(x, 2, mt.tensor([[0]]))
    with pytest.raises(RuntimeError, match=r"scatter\(\): index 3 is out of bounds for dimension 1 with size 3"):
        mt.scatter(x, 1, mt.tensor([[3], [2]]), 1.0)
    with pytest.raises(RuntimeError, match=r"scatter_add\(\): Expected self.dtype to be equal to src.dtype"):
        mt.scatter_add(x, 1, mt.tensor([[0], [2]]), mt.ones(2, 1, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="no larger size than src"):
        mt.scatter(x, 1, mt.tensor([[0, 1], [2, 2]]), mt.ones(2, 1))
    with pytest.raises(RuntimeError, match="reduce argument must be either add or multiply"):
        mt.scatter(x, 1, mt.tensor([[0]]), 1.0, reduce="mean")
    with pytest.raises(TypeError, match="src"):
        mt.scatter(x, 1, mt.tensor([[0]]))
    with pytest.raises(IndexError, match=r"index_select\(\): index 5 is out of bounds for dimension 0 with size 2"):
        mt.index_select(x, 0, mt.tensor([5]))
    with pytest.raises(IndexError, match="Index is supposed to be a vector"):
        mt.index_select(x, 0, mt.tensor([[0]]))
    with pytest.raises(RuntimeError, match=r"index_add\(\): source tensor shape must match"):
        mt.index_add(mt.zeros(3), 0, mt.tensor([0, 1]), mt.ones(3))
    with pytest.raises(RuntimeError, match=r"index_add\(\): self \(float32\) and source \(float64\)"):
        mt.index_add(mt.zeros(3), 0, mt.tensor([0]), mt.ones(1, dtype=mt.float64))
    with pytest.raises(IndexError, match=r"index_add\(\): index 3 is out of bounds"):
        mt.index_add(mt.zeros(3), 0, mt.tensor([3]), mt.ones(1))


# ------------------------------------------------------- take, take_along_dim
def test_take_reads_the_flattened_input_with_negative_positions():
    array = np.arange(6.0).reshape(2, 3) / 4
    flat = [array[i, j] for i in range(2) for j in range(3)]
    index = np.array([[0, 5], [-1, -6], [2, 2]])
    out = mt.take(mt.tensor(array), mt.tensor(index))
    assert out.shape == (3, 2)
    np.testing.assert_array_equal(out._data, [[flat[p] for p in row] for row in index])
    assert mt.tensor(array).take(mt.tensor(4)).item() == flat[4]
    check_gradients(lambda t: weighted_sum(mt.take(t, mt.tensor(index))), array)
    with pytest.raises(IndexError, match=r"take\(\): out of range: tried to access index 6 on a tensor of 6"):
        mt.take(mt.tensor(array), mt.tensor([6]))


def test_take_along_dim_reads_sorted_positions_and_broadcasts():
    array = np.array([[3.0, 1.0, 2.0], [0.5, 4.0, -1.0]])
    order = mt.argsort(mt.tensor(array), dim=1)
    np.testing.assert_array_equal(mt.take_along_dim(mt.tensor(array), order, dim=1)._data, np.sort(array, axis=1))
    column = mt.tensor([[2], [0]])
    assert mt.tensor(array).take_along_dim(column, dim=-1).tolist() == [[2.0], [0.5]]
    rows = mt.take_along_dim(mt.tensor(array), mt.tensor([[1, 0, 1]]), dim=0)  # index broadcast from 1 row
    assert rows.tolist() == [[array[1, 0], array[0, 1], array[1, 2]]]
    wide = mt.take_along_dim(mt.tensor(array[:1]), mt.tensor([[0, 0], [1, 2]]), dim=1)  # input broadcast
    assert wide.tolist() == [[3.0, 3.0], [1.0, 2.0]]
    assert mt.take_along_dim(mt.tensor(array), mt.tensor([5, 0])).tolist() == [-1.0, 3.0]  # dim=None: flattened
    check_gradients(lambda t: weighted_sum(mt.take_along_dim(t, mt.tensor([[0, 0], [1, 2]]), 1)), array[:1])
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        mt.take_along_dim(mt.tensor(array), mt.tensor([0]), 1)
    with pytest.raises(RuntimeError, match=r"take_along_dim\(\).*\[2, 3\].*\[3, 1\]"):
        mt.take_along_dim(mt.tensor(array), mt.zeros(3, 1, dtype=mt.int64), 1)
    with pytest.raises(RuntimeError, match=r"index 3 is out of bounds for dimension 1 with size 3"):
        mt.take_along_dim(mt.tensor(array), mt.tensor([[3]]), 1)  # PyTorch's CPU kernel reads past the row


# ------------------------------------------------------- index_copy, index_fill
def test_index_copy_writes_whole_slices_and_routes_gradients():
    array = np.arange(12.0).reshape(3, 4) / 5
    source = -np.arange(6.0).reshape(3, 2) - 1
    index = [3, 0]
    expected = array.copy()
    for j, position in enumerate(index):
        for row in range(3):
            expected[row, position] = source[row, j]
    out = mt.tensor(array).index_copy(1, mt.tensor(index), mt.tensor(source))
    np.testing.assert_array_equal(out._data, expected)
    t = mt.tensor(array)
    assert t.index_copy_(1, mt.tensor(index), mt.tensor(source)) is t and t.tolist() == expected.tolist()
    check_gradients(lambda a, s: weighted_sum(mt.index_copy(a, 1, mt.tensor(index), s)), array, source)
    a, s = leaf(array), leaf(source)
    weighted_sum(mt.index_copy(a, 1, mt.tensor(index), s)).backward()
    weights = np.arange(1.0, 13.0).reshape(3, 4)
    np.testing.assert_array_equal(a.grad._data[:, [1, 2]], weights[:, [1, 2]])
    assert (a.grad._data[:, index] == 0).all()
    np.testing.assert_array_equal(s.grad._data, np.stack([weights[:, 3], weights[:, 0]], axis=1))
    with pytest.raises(IndexError, match=r"index_copy\(\): index 4 is out of bounds for dimension 1 with size 4"):
        mt.index_copy(mt.tensor(array), 1, mt.tensor([4]), mt.tensor(source[:, :1]))
    with pytest.raises(RuntimeError, match=r"index_copy\(\): .*same dtype"):
        mt.index_copy(mt.tensor(array), 1, mt.tensor([0]), mt.tensor(source[:, :1]).float())
    with pytest.raises(RuntimeError, match=r"index_copy\(\): source must have self's shape"):
        mt.index_copy(mt.tensor(array), 1, mt.tensor([0]), mt.tensor(source))


def test_index_fill_sets_slices_counts_each_once_in_the_value_gradient():
    array = np.arange(12.0).reshape(3, 4) / 5
    out = mt.tensor(array).index_fill(0, mt.tensor([-1, 0]), -2.0)  # negative positions count from the end
    assert out.tolist() == [[-2.0] * 4, array[1].tolist(), [-2.0] * 4]
    assert mt.tensor([[1, 2], [3, 4]]).index_fill(1, mt.tensor(0), 2.7).tolist() == [[2, 2], [2, 4]]  # cast
    t = mt.zeros(2, 3)
    assert t.index_fill_(1, mt.tensor([2]), 5.0) is t and t.tolist() == [[0, 0, 5], [0, 0, 5]]
    a, v = leaf(array), leaf(1.5)
    weighted_sum(mt.index_fill(a, 0, mt.tensor([0, 0, 2]), v)).backward()  # row 0 twice: filled once
    weights = np.arange(1.0, 13.0).reshape(3, 4)
    assert v.grad.item() == weights[0].sum() + weights[2].sum()
    np.testing.assert_array_equal(a.grad._data, [[0] * 4, weights[1].tolist(), [0] * 4])
    check_gradients(lambda a, v: weighted_sum(mt.index_fill(a, 1, mt.tensor([1, 3]), v)), array, np.array(0.5))
    with pytest.raises(RuntimeError, match=r"index_fill\(\): only supports a 0-dimensional value tensor"):
        mt.index_fill(mt.tensor(array), 0, mt.tensor([0]), mt.ones(1))
    with pytest.raises(IndexError, match=r"index_fill\(\): index 3 is out of bounds for dimension 0 with size 3"):
        mt.index_fill(mt.tensor(array), 0, mt.tensor([3]), 1.0)


# ------------------------------------------------------------ scatter_reduce
REDUCERS = {"sum": sum, "prod": np.prod, "mean": np.mean, "amax": max, "amin": min}


@pytest.mark.parametrize("reduce", sorted(REDUCERS))
@pytest.mark.parametrize("include_self", [True, False])
def test_scatter_reduce_matches_a_loop_and_gradchecks(reduce, include_self):
    array = np.array([[1.0, -2.0, 3.5], [0.5, 4.0, -1.5]])
    index = np.array([[0, 0, 2, 0], [1, 1, 1, 0]])
    src = np.array([[2.0, -0.75, 1.25, 3.0], [-2.5, 0.25, 1.75, -3.25]])
    expected = array.copy()
    for row in range(2):
        for position in range(3):
            taken = [src[row, j] for j in range(4) if index[row, j] == position]
            if taken:
                expected[row, position] = REDUCERS[reduce](([array[row, position]] if include_self else []) + taken)
    out = mt.tensor(array).scatter_reduce(1, mt.tensor(index), mt.tensor(src), reduce, include_self=include_self)
    np.testing.assert_allclose(out._data, expected, rtol=1e-12)
    check_gradients(
        lambda t, s: weighted_sum(mt.scatter_reduce(t, 1, mt.tensor(index), s, reduce, include_self=include_self)),
        array, src,
    )


def test_scatter_reduce_gradients_at_ties_zeros_and_in_place():
    x = mt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    s = mt.tensor([5.0, 0.0, 2.0, 3.0, 2.0], requires_grad=True)
    index = mt.tensor([0, 0, 2, 2, 2])
    weights = mt.tensor([1.0, 2.0, 3.0, 4.0])
    (x.scatter_reduce(0, index, s, "amax") * weights).sum().backward()  # position 2: x's 3 ties with s's 3
    assert x.grad.tolist() == [0.0, 2.0, 1.5, 4.0] and s.grad.tolist() == [1.0, 0.0, 0.0, 1.5, 0.0]
    x.grad = s.grad = None
    (x.scatter_reduce(0, index, s, "prod") * weights).sum().backward()  # position 0: 1 * 5 * 0, one zero
    assert x.grad.tolist() == [0.0, 2.0, 3 * 2 * 3 * 2, 4.0] and s.grad.tolist() == [0.0, 5.0, 3 * 3 * 3 * 2, 3 * 3 * 2 * 2, 3 * 3 * 3 * 2]
    counts = mt.zeros(3, dtype=mt.int64).scatter_reduce_(0, mt.tensor([0, 2, 2]), mt.tensor([7, 4, 5]), "mean", include_self=False)
    assert counts.dtype == mt.int64 and counts.tolist() == [7, 0, 4]  # an integer mean rounds down
    with pytest.raises(RuntimeError, match=r"scatter_reduce\(\): reduce argument must be either sum, prod, mean"):
        mt.zeros(3).scatter_reduce(0, mt.tensor([0]), mt.ones(1), "max")
    with pytest.raises(RuntimeError, match=r"scatter_reduce\(\): Expected self.dtype to be equal to src.dtype"):
        mt.zeros(3).scatter_reduce(0, mt.tensor([0]), mt.ones(1, dtype=mt.float64), "sum")


def test_numbers_written_into_integer_tensors_are_checked_not_wrapped():
    mask = mt.tensor([True, False, True])
    writes = {
        "masked_fill": lambda t, v: t.masked_fill(mask, v),
        "index_fill": lambda t, v: t.index_fill(0, mt.tensor([1]), v),
        "scatter": lambda t, v: t.scatter(0, mt.tensor([1]), v),
    }
    for name, write in writes.items():
        with pytest.raises(RuntimeError, match=rf"{name}.*value 300 cannot be converted to type uint8 without overflow"):
            write(mt.zeros(3, dtype=mt.uint8), 300)  # numpy would store 300 % 256 = 44
        with pytest.raises(RuntimeError, match=rf"{name}.*value nan cannot be converted to type int64"):
            write(mt.zeros(3, dtype=mt.int64), float("nan"))
        assert 255 in write(mt.zeros(3, dtype=mt.uint8), -1).tolist()  # PyTorch wraps -1 for unsigned types
        assert -2 in write(mt.zeros(3, dtype=mt.int64), -2.9).tolist()  # truncated toward zero


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax"])
def test_scatter_reduce_in_place_on_a_view_and_second_order(reduce):
    index = np.array([[0, 0, 1], [2, 2, 2]])
    array = np.array([[1.5, -2.0, 0.75], [3.0, 1.25, -0.5]])

    def in_place(t):
        y = t * 1.0
        y[1:].scatter_reduce_(1, mt.tensor(index[:1]), y[:1] * 2.0, reduce)  # overwrites values its backward needs
        return y

    check_gradients(lambda t: weighted_sum(in_place(t)), array)
    check_gradients(second_order(lambda t: mt.scatter_reduce(t, 1, mt.tensor(index), t * t, reduce)), array)
