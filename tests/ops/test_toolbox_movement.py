"""tril/triu (tril_indices, triu_indices), roll, flip (fliplr, flipud), tile, repeat, repeat_interleave, meshgrid, and
the PyTorch forms of split / chunk / unbind: values against numpy formulas and loops,
gradients against central differences (float64) on contiguous and transposed inputs,
second derivatives, dtypes, errors."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.strategies import check_gradients, float_arrays, leaf, shapes


def weighted_sum(out):
    return (out * mt.tensor(np.arange(1.0, out.numel() + 1).reshape(out.shape))).sum()


def second_order(op):
    """x -> d/dx sum(w * op(x)^2), differentiated again by gradcheck (double backward)."""
    return lambda t: mt.autograd.grad(weighted_sum(op(t) ** 2), t, create_graph=True)[0]


def check(op, array, expected):
    """Values equal ``expected`` (numpy), and the gradient of a weighted sum passes gradcheck."""
    out = op(leaf(array))
    assert out.shape == np.shape(expected)
    np.testing.assert_array_equal(out.data, expected)
    check_gradients(lambda t: weighted_sum(op(t)), array)


# ------------------------------------------------------------------ tril / triu
@settings(max_examples=6)
@given(data=st.data())
def test_tril_triu_batched_against_a_loop(data):
    shape = data.draw(shapes(min_dims=2, max_dims=3))
    array = data.draw(float_arrays(shape))
    k = data.draw(st.integers(-3, 3))
    rows, cols = np.indices(shape[-2:])
    lower = np.where(cols - rows <= k, array, 0.0)
    upper = np.where(cols - rows >= k, array, 0.0)
    check(lambda t: mt.tril(t, k), array, lower)
    check(lambda t: t.triu(diagonal=k), array, upper)
    np.testing.assert_array_equal(np.tril(array, k), lower)  # numpy agrees with the loop formula
    # a transposed (non-contiguous) input
    check(lambda t: mt.tril(t.transpose(-1, -2), k), np.ascontiguousarray(np.swapaxes(array, -1, -2)), lower)


def test_tril_triu_dtypes_in_place_second_order_and_errors():
    ints = mt.ones(2, 3, dtype=mt.int32)
    assert mt.tril(ints).dtype == mt.int32 and mt.tril(ints).tolist() == [[1, 0, 0], [1, 1, 0]]
    assert mt.triu(mt.ones(2, 2, dtype=mt.bool)).tolist() == [[True, True], [False, True]]
    y = mt.ones(2, 2)
    assert y.tril_() is y and y.tolist() == [[1.0, 0.0], [1.0, 1.0]]
    assert mt.ones(2, 2).triu_(1).tolist() == [[0.0, 1.0], [0.0, 0.0]]
    check_gradients(second_order(lambda t: mt.tril(t, -1)), np.arange(1.0, 7.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match="tril: input tensor must have at least 2 dimensions"):
        mt.tril(mt.zeros(3))
    with pytest.raises(RuntimeError, match="triu: input tensor must have at least 2 dimensions"):
        mt.triu(mt.tensor(1.0))


@pytest.mark.parametrize("row, col, offset", [(3, 3, 0), (3, 4, 1), (4, 3, -1), (2, 5, 2), (0, 3, 0), (3, 3, 9), (3, 3, -9)])
def test_tril_triu_indices_list_the_kept_positions_row_by_row(row, col, offset):
    lower = [(i, j) for i in range(row) for j in range(col) if j - i <= offset]
    upper = [(i, j) for i in range(row) for j in range(col) if j - i >= offset]
    for indices, expected in ((mt.tril_indices(row, col, offset), lower), (mt.triu_indices(row, col, offset), upper)):
        assert indices.dtype == mt.int64 and indices.shape == (2, len(expected))
        assert list(zip(*indices.tolist())) == expected or (not expected and indices.numel() == 0)


def test_tril_triu_indices_dtype_and_errors():
    assert mt.tril_indices(2, 2, dtype=mt.int32).dtype == mt.int32
    x = mt.arange(12.0).reshape(3, 4)
    rows, cols = mt.triu_indices(3, 4, 1)
    assert x[rows, cols].tolist() == [x[i, j].item() for i in range(3) for j in range(4) if j > i]
    with pytest.raises(RuntimeError, match=r"tril_indices\(\): row must be non-negative, got -1"):
        mt.tril_indices(-1, 3)
    with pytest.raises(RuntimeError, match="not available"):
        mt.triu_indices(2, 2, device="cuda")


# ------------------------------------------------------------------------- roll
def rolled(array, shift, axis):
    """y[(i + shift) mod n] = x[i] along ``axis``, by explicit positions."""
    n = array.shape[axis]
    source = (np.arange(n) - shift) % n
    return np.take(array, source, axis=axis)


@settings(max_examples=6)
@given(data=st.data())
def test_roll_against_explicit_positions(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    array = data.draw(float_arrays(shape))
    dims = data.draw(st.lists(st.integers(-len(shape), len(shape) - 1), min_size=1, max_size=2))
    shifts = data.draw(st.lists(st.integers(-5, 5), min_size=len(dims), max_size=len(dims)))
    expected = array
    for shift, axis in zip(shifts, dims):
        expected = rolled(expected, shift, axis % len(shape))
    check(lambda t: mt.roll(t, tuple(shifts), tuple(dims)), array, expected)
    flat = rolled(array.reshape(-1), shifts[0], 0).reshape(shape)
    check(lambda t: t.roll(shifts[0]), array, flat)
    if len(shape) >= 2:
        check(lambda t: mt.roll(t.transpose(0, 1), shifts[0], 0), np.ascontiguousarray(np.swapaxes(array, 0, 1)),
              rolled(array, shifts[0], 0))


def test_roll_forms_and_errors():
    x = mt.arange(6).reshape(2, 3)
    assert mt.roll(x, 1).tolist() == [[5, 0, 1], [2, 3, 4]]
    assert mt.roll(x, (1, 1), (0, 1)).tolist() == [[5, 3, 4], [2, 0, 1]]
    assert mt.roll(x, [1], [1]).tolist() == [[2, 0, 1], [5, 3, 4]]
    assert mt.roll(mt.tensor(1.0), 1).item() == 1.0
    check_gradients(second_order(lambda t: mt.roll(t, 1, 1)), np.arange(6.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match="shifts and dimensions must align. shifts: 2, dims:1"):
        mt.roll(x, (1, 1), 0)
    with pytest.raises(RuntimeError, match="shifts and dimensions must align. shifts: 2, dims:0"):
        mt.roll(x, (1, 1))
    with pytest.raises(IndexError, match="Dimension out of range"):
        mt.roll(x, 1, 2)


# ------------------------------------------------------------------------- flip
@settings(max_examples=6)
@given(data=st.data())
def test_flip_against_reversed_slices(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3))
    array = data.draw(float_arrays(shape))
    dims = data.draw(st.sets(st.integers(0, len(shape) - 1), max_size=len(shape)))
    index = tuple(slice(None, None, -1) if axis in dims else slice(None) for axis in range(len(shape)))
    check(lambda t: mt.flip(t, tuple(dims)), array, array[index])
    check(lambda t: t.flip(*dims) if dims else t.flip(()), array, array[index])
    check(mt.flipud, array, array[::-1])
    if len(shape) >= 2:
        check(mt.fliplr, array, array[:, ::-1])


def test_flip_is_a_copy_second_order_and_errors():
    x = mt.arange(4.0)
    y = x.flip(0)
    x.add_(1.0)
    assert y.tolist() == [3.0, 2.0, 1.0, 0.0]
    assert mt.flip(x, dims=[0]).tolist() == [4.0, 3.0, 2.0, 1.0]
    assert mt.flip(mt.tensor(1.0), ()).item() == 1.0
    check_gradients(second_order(lambda t: mt.flip(t, (0, 1))), np.arange(6.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match=r"flip\(\): dim 0 appears multiple times"):
        mt.flip(mt.zeros(2, 2), (0, -2))
    with pytest.raises(RuntimeError, match="fliplr: Input must be >= 2-d"):
        mt.fliplr(mt.zeros(3))
    with pytest.raises(RuntimeError, match="flipud: Input must be >= 1-d"):
        mt.flipud(mt.tensor(1.0))


# ----------------------------------------------------------------- tile / repeat
@settings(max_examples=6)
@given(data=st.data())
def test_tile_and_repeat_against_np_tile(data):
    shape = data.draw(shapes(min_dims=0, max_dims=3, max_side=3))
    array = data.draw(float_arrays(shape))
    reps = tuple(data.draw(st.lists(st.integers(0, 3), min_size=1, max_size=4)))
    check(lambda t: t.tile(reps), array, np.tile(array, reps))
    check(lambda t: mt.tile(t, *reps), array, np.tile(array, reps))
    if len(reps) >= len(shape):
        check(lambda t: t.repeat(*reps), array, np.tile(array, reps))
        check(lambda t: t.repeat(list(reps)), array, np.tile(array, reps))


def test_tile_repeat_errors():
    x = mt.zeros(2, 3)
    assert mt.tile(x, (2,)).shape == (2, 6)
    with pytest.raises(RuntimeError, match="Number of dimensions of repeat dims"):
        x.repeat(2)
    with pytest.raises(TypeError, match="repeats"):
        x.repeat()
    with pytest.raises(RuntimeError, match="negative"):
        x.tile(-1, 2)


# ------------------------------------------------------------- repeat_interleave
@settings(max_examples=6)
@given(data=st.data())
def test_repeat_interleave_against_np_repeat(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=3))
    array = data.draw(float_arrays(shape))
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    counts = data.draw(st.lists(st.integers(0, 3), min_size=shape[dim], max_size=shape[dim]))
    check(lambda t: mt.repeat_interleave(t, mt.tensor(counts), dim=dim), array, np.repeat(array, counts, axis=dim))
    check(lambda t: t.repeat_interleave(2, dim), array, np.repeat(array, 2, axis=dim))
    check(lambda t: mt.repeat_interleave(t, 2), array, np.repeat(array.reshape(-1), 2))
    if len(shape) >= 2:
        check(lambda t: mt.repeat_interleave(t.transpose(0, 1), 2, dim=0),
              np.ascontiguousarray(np.swapaxes(array, 0, 1)), np.repeat(array, 2, axis=0))


def test_repeat_interleave_forms_second_order_and_errors():
    x = mt.arange(6.0).reshape(2, 3)
    assert mt.repeat_interleave(mt.tensor([1, 2, 0])).tolist() == [0, 1, 1]
    assert mt.repeat_interleave(x, mt.tensor([2]), dim=0).shape == (4, 3)
    assert mt.repeat_interleave(x, mt.tensor(2), dim=0, output_size=4).shape == (4, 3)
    assert mt.repeat_interleave(mt.tensor(3.0), 2).tolist() == [3.0, 3.0]
    assert mt.repeat_interleave(mt.tensor([1, 2]), mt.tensor([1, 2], dtype=mt.int32)).dtype == mt.int64
    check_gradients(second_order(lambda t: mt.repeat_interleave(t, mt.tensor([1, 3]), dim=0)), np.arange(6.0).reshape(2, 3))
    with pytest.raises(RuntimeError, match="Repeats must be non-negative"):
        mt.repeat_interleave(x, -1)
    with pytest.raises(RuntimeError, match="repeats can not be negative"):
        mt.repeat_interleave(x, mt.tensor([1, -2]), dim=0)
    with pytest.raises(RuntimeError, match=r"repeats.size\(0\) = 3 and input.size\(dim\) = 2"):
        mt.repeat_interleave(x, mt.tensor([1, 2, 3]), dim=0)
    with pytest.raises(RuntimeError, match="repeats must be 0-dim or 1-dim"):
        mt.repeat_interleave(x, mt.tensor([[1, 2]]), dim=0)
    with pytest.raises(RuntimeError, match="Invalid output_size, expected 4 but got 5"):
        mt.repeat_interleave(x, 2, dim=0, output_size=5)
    with pytest.raises(NotImplementedError, match="integer tensor"):
        mt.repeat_interleave(x, mt.tensor([1.0, 2.0]), dim=0)


# ---------------------------------------------------------------------- meshgrid
def test_meshgrid_ij_xy_gradient_and_warning():
    a, b, c = np.array([1.0, 2.0]), np.array([3.0, 4.0, 5.0]), np.array([6.0, 7.0, 8.0, 9.0])
    ij = mt.meshgrid(mt.tensor(a), mt.tensor(b), mt.tensor(c), indexing="ij")
    for grid, expected in zip(ij, np.meshgrid(a, b, c, indexing="ij")):
        np.testing.assert_array_equal(grid.data, expected)
    xy = mt.meshgrid([mt.tensor(a), mt.tensor(b), mt.tensor(c)], indexing="xy")
    for grid, expected in zip(xy, np.meshgrid(a, b, c, indexing="xy")):
        assert grid.shape == (3, 2, 4)
        np.testing.assert_array_equal(grid.data, expected)
    with pytest.warns(UserWarning, match="it will be required to pass the indexing argument"):
        default = mt.meshgrid(mt.tensor(a), mt.tensor(b))
    assert [g.shape for g in default] == [(2, 3), (2, 3)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.meshgrid(mt.tensor(a), indexing="ij")
    assert [g.shape for g in mt.meshgrid(mt.tensor(1), mt.arange(3), indexing="ij")] == [(1, 3), (1, 3)]
    assert mt.meshgrid(mt.zeros(2), indexing="xy")[0].shape == (2,)
    check_gradients(lambda s, t: [weighted_sum(g) for g in mt.meshgrid(s, t, indexing="xy")], a, b)
    with pytest.raises(RuntimeError, match="same dtype"):
        mt.meshgrid(mt.zeros(2), mt.arange(3), indexing="ij")
    with pytest.raises(RuntimeError, match="Expected 0D or 1D tensor"):
        mt.meshgrid(mt.zeros(2, 2), mt.zeros(3), indexing="ij")
    with pytest.raises(RuntimeError, match='indexing must be one of "xy" or "ij"'):
        mt.meshgrid(mt.zeros(2), indexing="foo")
    with pytest.raises(RuntimeError, match="non-empty"):
        mt.meshgrid(indexing="ij")


# ------------------------------------------------------ split / chunk / unbind
def test_split_chunk_unbind_follow_pytorch():
    x = leaf(np.arange(14.0).reshape(7, 2))
    assert [p.shape[0] for p in mt.split(x, 3)] == [3, 3, 1]
    assert [p.shape[0] for p in x.split([2, 5])] == [2, 5]
    assert [p.shape[0] for p in mt.chunk(x, 3)] == [3, 3, 1]
    assert [p.shape[0] for p in mt.chunk(mt.zeros(5), 4)] == [2, 2, 1]  # fewer pieces, as in PyTorch
    rows = x.unbind()
    assert len(rows) == 7 and rows[3].tolist() == [6.0, 7.0]
    check_gradients(lambda t: [weighted_sum(p) for p in t.split([3, 4], dim=0)], np.arange(14.0).reshape(7, 2))
    with pytest.raises(RuntimeError, match="sum exactly to 7"):
        mt.split(x, [2, 2])


def test_numpy_functions_on_tensors_run_these_ops():
    x = mt.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    a = np.arange(6.0).reshape(2, 3)
    cases = [
        (np.tril(x, k=-1), np.tril(a, k=-1)), (np.triu(x, 1), np.triu(a, 1)), (np.roll(x, 1, axis=1), np.roll(a, 1, axis=1)),
        (np.tile(x, (2, 1)), np.tile(a, (2, 1))), (np.repeat(x, 2, axis=0), np.repeat(a, 2, axis=0)),
        (np.fliplr(x), np.fliplr(a)), (np.flipud(x), np.flipud(a)), (np.diag(x, k=1), np.diag(a, k=1)),
    ]
    for out, expected in cases:
        assert isinstance(out, mt.Tensor) and out.requires_grad
        np.testing.assert_array_equal(out.data, expected)
