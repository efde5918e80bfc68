"""sort, argsort, msort, topk, kthvalue, median, nanmedian, mode, unique, searchsorted: values and indices against numpy's stable sort and an
independent (-value, position) ordering, gradients against central differences (float64)
on contiguous and transposed inputs, ties and NaN, dtypes, errors."""
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.strategies import check_gradients, float_arrays, leaf, shapes


def descending_order(array, axis):
    """Stable descending positions: sort by (-value, position), one lane at a time."""
    moved = np.moveaxis(array, axis, -1)
    lanes = moved.reshape(-1, moved.shape[-1])
    order = np.array([sorted(range(lane.size), key=lambda i, lane=lane: (-lane[i], i)) for lane in lanes])
    return np.moveaxis(order.reshape(moved.shape), -1, axis)


def weighted_sum(out):
    return (out * mt.tensor(np.arange(1.0, out.numel() + 1).reshape(out.shape))).sum()


def distinct_arrays(shape):
    """float64 arrays whose values are all far apart (sorting is differentiable there)."""
    size = int(np.prod(shape))
    return st.permutations(range(size)).map(lambda p: (np.array(p, dtype=np.float64) - size / 2).reshape(shape) * 0.37)


def small_ints(shape):
    """Values with many ties (integers in [-2, 2]) as float64."""
    return float_arrays(shape).map(lambda a: np.round(a * 2 / 3))


@settings(max_examples=8)
@given(data=st.data())
def test_sort_matches_stable_numpy_and_gradient_goes_to_the_indices(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    array = data.draw(st.one_of(float_arrays(shape), small_ints(shape)))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    descending = data.draw(st.booleans())
    values, indices = mt.sort(leaf(array), dim=dim, descending=descending)
    expected = descending_order(array, dim) if descending else np.argsort(array, axis=dim, kind="stable")
    assert indices.dtype == mt.int64
    np.testing.assert_array_equal(indices.data, expected)
    np.testing.assert_array_equal(values.data, np.take_along_axis(array, expected, axis=dim))
    if not descending:
        np.testing.assert_array_equal(values.data, np.sort(array, axis=dim, kind="stable"))
    assert (mt.argsort(mt.tensor(array), dim, descending).data == expected).all()
    # the gradient: each output's weight lands on the position it was read from
    x = leaf(array)
    out = mt.sort(x, dim, descending).values
    weights = np.arange(1.0, out.numel() + 1).reshape(out.shape)
    (out * mt.tensor(weights)).sum().backward()
    grad = np.zeros_like(array)
    np.put_along_axis(grad, expected, weights, axis=dim)
    np.testing.assert_array_equal(x.grad.data, grad)


@settings(max_examples=6)
@given(data=st.data())
def test_sort_and_topk_gradcheck_on_transposed_input(data):
    shape = data.draw(shapes(min_dims=2, max_dims=3))
    array = data.draw(distinct_arrays(shape))
    k = data.draw(st.integers(0, shape[0]))
    check_gradients(lambda t: weighted_sum(mt.sort(t.transpose(0, 1), dim=1, descending=True).values), array)
    check_gradients(lambda t: weighted_sum(mt.topk(t.transpose(0, 1), k, dim=-2).values), array)
    check_gradients(lambda t: weighted_sum(t.transpose(0, 1).msort()), array)


@settings(max_examples=8)
@given(data=st.data())
def test_topk_matches_the_first_k_of_a_stable_sort(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    array = data.draw(st.one_of(float_arrays(shape), small_ints(shape)))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    k = data.draw(st.integers(0, shape[dim]))
    largest = data.draw(st.booleans())
    result = mt.topk(mt.tensor(array), k, dim=dim, largest=largest)
    order = descending_order(array, dim) if largest else np.argsort(array, axis=dim, kind="stable")
    first = np.take(order, np.arange(k), axis=dim)
    np.testing.assert_array_equal(result.indices.data, first)
    np.testing.assert_array_equal(result.values.data, np.take_along_axis(array, first, axis=dim))
    assert result.indices.dtype == mt.int64 and result.values.dtype == mt.float64
    assert result.values.shape == result.indices.shape == shape[: dim % len(shape)] + (k,) + shape[dim % len(shape) + 1:]


def test_ties_send_the_gradient_to_the_returned_index_only():
    x = mt.tensor([1.0, 3.0, 3.0, 0.0, 3.0], dtype=mt.float64, requires_grad=True)
    values, indices = mt.topk(x, 2)
    assert indices.tolist() == [1, 2]
    values.sum().backward()
    assert x.grad.tolist() == [0.0, 1.0, 1.0, 0.0, 0.0]
    y = mt.tensor([2.0, 2.0, 1.0], dtype=mt.float64, requires_grad=True)
    values, indices = y.sort(descending=True)
    assert indices.tolist() == [0, 1, 2]
    (values * mt.tensor([10.0, 20.0, 30.0], dtype=mt.float64)).sum().backward()
    assert y.grad.tolist() == [10.0, 20.0, 30.0]
    assert mt.sort(mt.tensor([2, 1, 2, 1]), stable=True).indices.tolist() == [1, 3, 0, 2]


def test_nan_is_larger_than_every_number():
    x = mt.tensor([1.0, float("nan"), 0.0])
    assert mt.sort(x).indices.tolist() == [2, 0, 1]
    assert mt.sort(x, descending=True).indices.tolist() == [1, 0, 2]
    assert mt.topk(x, 2).indices.tolist() == [1, 0]
    assert mt.topk(x, 2, largest=False).indices.tolist() == [2, 0]


def test_named_results_dtypes_and_zero_dim():
    x = mt.tensor([[3, 1, 2]], dtype=mt.int32)
    result = x.sort()
    values, indices = result
    assert result.values is values and result.indices is indices
    assert type(result).__name__ == "sort" and type(mt.topk(x, 1)).__name__ == "topk"
    assert values.dtype == mt.int32 and indices.dtype == mt.int64 and values.tolist() == [[1, 2, 3]]
    assert mt.sort(mt.tensor([True, False, True])).values.tolist() == [False, True, True]
    assert mt.msort(mt.tensor([[3.0, 1.0], [1.0, 2.0]])).tolist() == [[1.0, 1.0], [3.0, 2.0]]
    scalar = mt.sort(mt.tensor(3.0))
    assert scalar.values.shape == () and scalar.indices.item() == 0
    assert mt.topk(mt.tensor(3.0), 1).values.item() == 3.0
    assert mt.argsort(mt.tensor(3.0)).shape == ()
    assert not mt.sort(mt.tensor([1, 2])).values.requires_grad


def test_double_backward_through_sort_and_topk():
    array = np.array([[0.3, -1.2, 2.0], [0.5, 0.1, -0.7]])

    def first_derivative(t):
        out = mt.topk(t, 2, dim=1).values
        (grad,) = mt.autograd.grad((out ** 3).sum(), t, create_graph=True)
        return grad

    check_gradients(first_derivative, array)
    check_gradients(lambda t: mt.autograd.grad((mt.sort(t, 0).values ** 3).sum(), t, create_graph=True)[0], array)


def test_errors():
    x = mt.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"topk\(\): selected index k out of range.*k = 4.*size 3"):
        mt.topk(x, 4)
    with pytest.raises(RuntimeError, match="selected index k out of range"):
        mt.topk(x, -1)
    with pytest.raises(TypeError, match="'k' must be int"):
        mt.topk(x, 1.0)
    with pytest.raises(IndexError, match=r"sort.*Dimension out of range"):
        mt.sort(x, dim=2)
    with pytest.raises(TypeError):
        mt.sort(x, 0, True, True)  # stable is keyword-only, as in PyTorch
    with pytest.raises(TypeError):
        mt.argsort(x, 0, True, True)
    assert mt.argsort(mt.tensor([2, 1, 2]), stable=True, descending=True).tolist() == [0, 2, 1]


# ------------------------------------------------------------ order statistics
def lane_kth(lane, k):
    """(value, position) of the k-th smallest (from 1) of a list, ties by position, NaN last."""
    ranked = sorted(range(len(lane)), key=lambda i: (np.isnan(lane[i]), lane[i] if not np.isnan(lane[i]) else 0, i))
    return lane[ranked[k - 1]], ranked[k - 1]


LANES = np.array([[3.0, 1.0, 2.0, 2.0, 5.0], [4.0, 4.0, 1.0, 1.0, 0.0], [1.0, np.nan, 2.0, 3.0, 0.0]])


def test_kthvalue_and_median_along_a_dim_match_a_ranked_list():
    for k in range(1, 6):
        pair = mt.tensor(LANES).kthvalue(k, dim=1)
        expected = [lane_kth(list(lane), k) for lane in LANES]
        np.testing.assert_array_equal(pair.values._data, [value for value, _ in expected])
        assert pair.indices.tolist() == [position for _, position in expected]
    median = mt.tensor(LANES).median(dim=1)
    lows = [lane_kth(list(lane), (lane.size + 1) // 2) for lane in LANES[:2]]  # the lower middle
    np.testing.assert_array_equal(median.values._data, [lows[0][0], lows[1][0], np.nan])
    assert median.indices.tolist() == [lows[0][1], lows[1][1], 1]  # a NaN lane: the NaN's position
    nan_median = mt.tensor(LANES).nanmedian(dim=1, keepdim=True)
    assert nan_median.values.shape == (3, 1) and nan_median.values._data[2, 0] == 1.0  # of [0, 1, 2, 3]
    assert type(median).__name__ == "median" and type(mt.kthvalue(mt.tensor(LANES), 1)).__name__ == "kthvalue"
    assert mt.tensor([4, 1, 3, 2]).median().item() == 2 and mt.tensor([4, 1, 3, 2]).median().dtype == mt.int64


def test_median_of_every_element_shares_the_gradient_among_ties():
    x = mt.tensor([3.0, 1.0, 2.0, 2.0], requires_grad=True)
    x.median().backward()
    assert x.grad.tolist() == [0.0, 0.0, 0.5, 0.5]
    assert np.isnan(mt.tensor(LANES).median().item()) and mt.tensor(LANES).nanmedian().item() == 2.0
    assert mt.tensor(LANES[:2]).median().item() == sorted(LANES[:2].ravel())[4]  # lower middle of 10
    array = LANES[:2] + np.arange(10.0).reshape(2, 5) / 100  # distinct values: differentiable
    check_gradients(lambda t: t.median() * 3.0, array)
    check_gradients(lambda t: weighted_sum(t.median(dim=0).values), array)
    check_gradients(lambda t: weighted_sum(t.kthvalue(2, dim=1, keepdim=True).values), array)


def test_mode_is_the_most_frequent_smallest_value_at_its_last_position():
    lanes = [[3, 1, 2, 2, 1], [7, 7, 7, 0, 0], [5, 4, 3, 2, 1]]
    pair = mt.tensor(lanes).mode(dim=1)
    for lane, value, position in zip(lanes, pair.values.tolist(), pair.indices.tolist()):
        counts = {v: lane.count(v) for v in lane}
        best = min(v for v in counts if counts[v] == max(counts.values()))
        assert value == best and position == max(i for i, v in enumerate(lane) if v == best)
    x = mt.tensor([[3.0, 1.0, 2.0, 2.0]], requires_grad=True)
    x.mode(1).values.sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0, 1.0]]
    assert mt.tensor(5.0).mode().values.item() == 5.0 and mt.tensor(5.0).mode().indices.item() == 0


def test_order_statistic_errors():
    with pytest.raises(RuntimeError, match=r"kthvalue\(\): selected number k = 6 out of range for dimension 1"):
        mt.tensor(LANES).kthvalue(6)
    with pytest.raises(RuntimeError, match="k counts from 1"):
        mt.tensor(LANES).kthvalue(0)
    with pytest.raises(IndexError, match=r"median\(\): Expected reduction dim 1 to have non-zero size"):
        mt.zeros(2, 0).median(1)
    assert np.isnan(mt.zeros(0).median().item())


# ------------------------------------------------------------ unique, unique_consecutive
def test_unique_values_inverse_and_counts_match_a_python_set():
    data = [[3, 1, 3], [1, 1, 2]]
    flat = [v for row in data for v in row]
    values, inverse, counts = mt.unique(mt.tensor(data), return_inverse=True, return_counts=True)
    distinct = sorted(set(flat))
    assert values.tolist() == distinct and values.dtype == mt.int64
    assert inverse.shape == (2, 3) and inverse.tolist() == [[distinct.index(v) for v in row] for row in data]
    assert counts.tolist() == [flat.count(v) for v in distinct] and counts.dtype == mt.int64
    assert mt.tensor(data).unique(sorted=False).tolist() == distinct
    columns, column_inverse = mt.unique(mt.tensor([[1, 2, 1], [5, 0, 5]]), dim=1, return_inverse=True)
    assert columns.tolist() == [[1, 2], [5, 0]] and column_inverse.tolist() == [0, 1, 0]
    with_nan = mt.unique(mt.tensor([1.0, np.nan, np.nan, 0.0]))
    assert with_nan.tolist()[:2] == [0.0, 1.0] and np.isnan(with_nan._data[2:]).all()  # each NaN is distinct


def test_unique_consecutive_keeps_each_run_once():
    data = [1, 1, 2, 2, 3, 1, 1]
    values, inverse, counts = mt.unique_consecutive(mt.tensor(data), return_inverse=True, return_counts=True)
    runs = [(v, sum(1 for _ in group)) for v, group in itertools.groupby(data)]
    assert values.tolist() == [v for v, _ in runs] and counts.tolist() == [n for _, n in runs]
    assert inverse.tolist() == [i for i, (_, n) in enumerate(runs) for _ in range(n)]
    rows, row_counts = mt.tensor([[1, 2], [1, 2], [3, 4], [1, 2]]).unique_consecutive(dim=0, return_counts=True)
    assert rows.tolist() == [[1, 2], [3, 4], [1, 2]] and row_counts.tolist() == [2, 1, 1]
    assert mt.unique_consecutive(mt.zeros(0), return_counts=True)[1].tolist() == []


# ------------------------------------------------------------ searchsorted, bucketize
def insertion_point(sequence, value, right):
    """The first position whose element is > value (right) or >= value (left), by a scan."""
    return next((i for i, element in enumerate(sequence) if (element > value if right else element >= value)), len(sequence))


def test_searchsorted_and_bucketize_match_a_scan():
    sequence = [1, 3, 5, 7]
    values = [[3, 6, 9], [0, 7, 1]]
    for right in (False, True):
        expected = [[insertion_point(sequence, v, right) for v in row] for row in values]
        out = mt.searchsorted(mt.tensor(sequence), mt.tensor(values), right=right)
        assert out.dtype == mt.int64 and out.tolist() == expected
        assert mt.bucketize(mt.tensor(values), mt.tensor(sequence), right=right).tolist() == expected
    assert mt.searchsorted(mt.tensor(sequence), mt.tensor([3]), side="right").tolist() == [2]
    assert mt.searchsorted(mt.tensor([1.0, 3.0]), 2.0).item() == 1 and mt.bucketize(3, mt.tensor(sequence)).item() == 1
    rows = mt.searchsorted(mt.tensor([[1, 3], [2, 4]]), mt.tensor([[2, 3], [4, 5]]))  # row by row
    assert rows.tolist() == [[insertion_point([1, 3], v, False) for v in (2, 3)], [insertion_point([2, 4], v, False) for v in (4, 5)]]
    assert mt.searchsorted(mt.tensor([5, 1, 3]), mt.tensor([3]), sorter=mt.tensor([1, 2, 0])).tolist() == [1]
    assert mt.searchsorted(mt.tensor(sequence), mt.tensor([2]), out_int32=True).dtype == mt.int32
    with pytest.raises(RuntimeError, match="side and right can't be set to opposites"):
        mt.searchsorted(mt.tensor(sequence), mt.tensor([3]), side="left", right=True)
    with pytest.raises(RuntimeError, match=r"first N-1 dimensions of boundaries tensor and input value tensor must match"):
        mt.searchsorted(mt.tensor([[1, 3], [2, 4]]), mt.tensor([2]))
