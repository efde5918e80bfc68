"""View ops (microtensor/ops/views.py): narrow, select, unbind, split, chunk, tensor_split (hsplit
vsplit dsplit), diagonal, unfold, movedim / moveaxis. Values against independent numpy constructions, memory shared
with the input, gradients and second derivatives against central differences (float64),
PyTorch's error types and messages."""
import types

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.lib.stride_tricks import sliding_window_view

import microtensor as mt
from microtensor.ops import splitting, views
from tests.strategies import check_gradients, float_arrays, leaf, shapes

GRADIENT_SETTINGS = settings(max_examples=20, deadline=None)


def weighted(out):
    """A fixed, position-dependent weighting so that gradients of different elements differ."""
    return out * mt.tensor(np.arange(1.0, out._data.size + 1).reshape(out.shape))


def as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def assert_views(result, x):
    """Every piece of ``result`` shares memory with ``x`` and writing into it writes into ``x``."""
    for piece in as_tuple(result):
        if piece._data.size == 0:
            continue
        assert np.shares_memory(piece._data, x._data)
        before = x._data.copy()
        marker = np.arange(1.0, piece._data.size + 1).reshape(piece.shape) + 100.0
        piece._data[...] = marker
        if not has_internal_overlap(piece._data):  # overlapping windows (unfold, step < size) keep the last write
            np.testing.assert_array_equal(piece._data, marker)
        assert not np.array_equal(x._data, before)
        x._data[...] = before


def has_internal_overlap(array):
    """Do two elements of ``array`` lie at the same place in memory?"""
    if array.ndim == 0:
        return False
    positions = np.indices(array.shape).reshape(array.ndim, -1)
    offsets = (np.array(array.strides)[:, None] * positions).sum(axis=0)
    return len(np.unique(offsets)) < array.size


def check_op(op, array, expected):
    """Values, shapes and memory sharing of ``op(x)``, then gradcheck of every piece."""
    expected = as_tuple(expected)
    x = leaf(array)
    result = as_tuple(op(x))
    assert len(result) == len(expected)
    for piece, want in zip(result, expected):
        assert piece.shape == want.shape
        np.testing.assert_array_equal(piece._data, want)
    assert_views(op(x), x)
    check_gradients(lambda t: tuple(weighted(piece) for piece in as_tuple(op(t))), array)


def take(array, positions, dim):
    return np.take(array, np.asarray(positions, dtype=np.int64), axis=dim)


@st.composite
def array_and_dim(draw, min_dims=1, max_dims=3, max_side=4):
    shape = draw(shapes(min_dims=min_dims, max_dims=max_dims, max_side=max_side))
    array = draw(float_arrays(shape))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    return array, dim


# --------------------------------------------------------- narrow / select / unbind
@GRADIENT_SETTINGS
@given(case=array_and_dim(), data=st.data())
def test_narrow(case, data):
    array, dim = case
    size = array.shape[dim]
    start = data.draw(st.integers(-size, size))
    first = start % size if start < size else size
    length = data.draw(st.integers(0, size - first))
    check_op(lambda t: mt.narrow(t, dim, start, length), array, take(array, range(first, first + length), dim))


@GRADIENT_SETTINGS
@given(case=array_and_dim(), data=st.data())
def test_select_and_unbind(case, data):
    array, dim = case
    size = array.shape[dim]
    index = data.draw(st.integers(-size, size - 1))
    check_op(lambda t: mt.select(t, dim, index), array, take(array, index % size, dim))
    check_op(lambda t: mt.unbind(t, dim), array, tuple(take(array, i, dim) for i in range(size)))


def test_select_of_a_vector_is_a_0d_view():
    x = mt.tensor([1.0, 2.0, 3.0])
    out = mt.select(x, 0, -2)
    assert out.shape == ()
    out._data[...] = 7.0
    np.testing.assert_array_equal(x._data, [1.0, 7.0, 3.0])
    assert [piece.item() for piece in mt.unbind(x)] == [1.0, 7.0, 3.0]


def test_unbind_default_dim_and_gradient_of_all_pieces():
    x = leaf(np.arange(6.0).reshape(3, 2))
    pieces = mt.unbind(x)
    assert isinstance(pieces, tuple) and [p.shape for p in pieces] == [(2,)] * 3
    (pieces[0] * 1.0 + pieces[2] * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[1.0, 1.0], [0.0, 0.0], [3.0, 3.0]])


# ------------------------------------------------------------------ split / chunk
def split_expected(array, split_size, dim):
    """Pieces of ``split_size`` built by walking the dim (one empty piece for a dim of size 0)."""
    size = array.shape[dim]
    if size == 0:
        return (array,)
    return tuple(take(array, range(start, min(start + split_size, size)), dim) for start in range(0, size, split_size))


@GRADIENT_SETTINGS
@given(case=array_and_dim(), data=st.data())
def test_split_by_size_and_by_sections(case, data):
    array, dim = case
    size = array.shape[dim]
    split_size = data.draw(st.integers(1, size + 1))
    check_op(lambda t: mt.split(t, split_size, dim), array, split_expected(array, split_size, dim))
    cuts = sorted(data.draw(st.lists(st.integers(0, size), max_size=3)))
    sections = [b - a for a, b in zip([0] + cuts, cuts + [size])]
    bounds = np.cumsum([0] + sections)
    expected = tuple(take(array, range(bounds[i], bounds[i + 1]), dim) for i in range(len(sections)))
    check_op(lambda t: mt.split(t, sections, dim), array, expected)
    check_op(lambda t: mt.split(t, tuple(sections), dim=dim), array, expected)


@GRADIENT_SETTINGS
@given(case=array_and_dim(max_side=6), chunks=st.integers(1, 7))
def test_chunk(case, chunks):
    array, dim = case
    size = array.shape[dim]
    piece = -(-size // chunks)
    expected = tuple(take(array, range(start, min(start + piece, size)), dim) for start in range(0, size, piece))
    check_op(lambda t: mt.chunk(t, chunks, dim), array, expected)


def test_chunk_sizes_follow_pytorch_not_array_split():
    def sizes(n, chunks):
        return [piece.shape[0] for piece in mt.chunk(mt.arange(n), chunks)]

    assert sizes(5, 4) == [2, 2, 1]  # np.array_split would give [2, 1, 1, 1]
    assert sizes(6, 4) == [2, 2, 2]  # fewer pieces than asked for
    assert sizes(6, 3) == [2, 2, 2]
    assert sizes(3, 5) == [1, 1, 1]
    assert sizes(7, 1) == [7]
    empty = mt.chunk(mt.zeros(0, 2), 3)
    assert [piece.shape for piece in empty] == [(0, 2)] * 3


def test_split_edge_cases():
    assert [p.shape for p in mt.split(mt.zeros(5, 2), 2)] == [(2, 2), (2, 2), (1, 2)]
    assert [p.shape for p in mt.split(mt.zeros(5, 2), 7)] == [(5, 2)]
    assert [p.shape for p in mt.split(mt.zeros(0, 2), 2)] == [(0, 2)]
    assert [p.shape for p in mt.split(mt.zeros(0, 2), 0)] == [(0, 2)]
    assert [p.shape for p in mt.split(mt.zeros(3, 4), [1, 0, 3], dim=-1)] == [(3, 1), (3, 0), (3, 3)]


def test_split_pieces_of_an_integer_tensor_are_views():
    x = mt.arange(6)
    first, second = mt.split(x, 3)
    second._data[0] = 40
    assert x.tolist() == [0, 1, 2, 40, 4, 5]
    assert first.dtype == x.dtype


# ----------------------------------------------------------------------- diagonal
@st.composite
def diagonal_case(draw):
    shape = draw(shapes(min_dims=2, max_dims=4, max_side=4))
    array = draw(float_arrays(shape))
    n = len(shape)
    dim1 = draw(st.integers(-n, n - 1))
    dim2 = draw(st.integers(-n, n - 1).filter(lambda d: d % n != dim1 % n))
    offset = draw(st.integers(-5, 5))
    return array, offset, dim1, dim2


@GRADIENT_SETTINGS
@given(case=diagonal_case())
def test_diagonal(case):
    array, offset, dim1, dim2 = case
    check_op(lambda t: mt.diagonal(t, offset, dim1, dim2), array, np.diagonal(array, offset, dim1, dim2))


def test_diagonal_values_written_out():
    a = np.arange(12.0).reshape(3, 4)
    assert mt.diagonal(mt.tensor(a)).tolist() == [0.0, 5.0, 10.0]
    assert mt.diagonal(mt.tensor(a), offset=2).tolist() == [2.0, 7.0]
    assert mt.diagonal(mt.tensor(a), offset=-1).tolist() == [4.0, 9.0]
    assert mt.diagonal(mt.tensor(a), offset=4).shape == (0,)
    assert mt.diagonal(mt.tensor(a), offset=-3).shape == (0,)
    b = np.arange(24.0).reshape(2, 3, 4)
    out = mt.diagonal(mt.tensor(b), 1, 0, 2)  # d[j, k] = b[k, j, k + 1]
    assert out.tolist() == [[b[k, j, k + 1] for k in range(2)] for j in range(3)]
    out = mt.diagonal(mt.tensor(b), 1, 2, 0)  # d[j, k] = b[k + 1, j, k]
    assert out.tolist() == [[b[k + 1, j, k] for k in range(1)] for j in range(3)]


def test_diagonal_of_non_contiguous_and_of_views():
    base = np.arange(30.0).reshape(5, 6)
    x = leaf(base)
    transposed = mt.transpose(x, 0, 1)
    out = mt.diagonal(transposed, 1)
    np.testing.assert_array_equal(out._data, np.diagonal(base.T, 1))
    assert np.shares_memory(out._data, x._data)
    strided = x[1::2, ::3]
    np.testing.assert_array_equal(mt.diagonal(strided, -1)._data, np.diagonal(base[1::2, ::3], -1))
    check_gradients(lambda t: weighted(mt.diagonal(mt.transpose(t, 0, 1)[::2], 0)), base)


def test_diagonal_gradient_is_zero_off_the_diagonal():
    x = leaf(np.ones((3, 3)))
    (mt.diagonal(x, 1) * mt.tensor([2.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(x.grad._data, [[0, 2, 0], [0, 0, 5], [0, 0, 0]])


# ------------------------------------------------------------------------ unfold
@st.composite
def unfold_case(draw):
    shape = draw(shapes(min_dims=1, max_dims=3, max_side=5))
    array = draw(float_arrays(shape))
    dim = draw(st.integers(-len(shape), len(shape) - 1))
    size = draw(st.integers(0, shape[dim]))
    step = draw(st.integers(1, 4))
    return array, dim, size, step


def unfold_expected(array, dim, size, step):
    windows = sliding_window_view(array, size, axis=dim)
    index = [slice(None)] * array.ndim
    index[dim] = slice(None, None, step)
    return windows[tuple(index)]


@GRADIENT_SETTINGS
@given(case=unfold_case())
def test_unfold(case):
    array, dim, size, step = case
    check_op(lambda t: views.unfold(t, dim, size, step), array, unfold_expected(array, dim, size, step))


def test_unfold_values_and_overlapping_gradient():
    x = leaf(np.arange(7.0))
    out = views.unfold(x, 0, 3, 2)
    assert out.tolist() == [[0.0, 1.0, 2.0], [2.0, 3.0, 4.0], [4.0, 5.0, 6.0]]
    out.sum().backward()
    np.testing.assert_array_equal(x.grad._data, [1, 1, 2, 1, 2, 1, 1])
    y = leaf(np.arange(5.0))
    views.unfold(y, 0, 2, 1).sum().backward()
    np.testing.assert_array_equal(y.grad._data, [1, 2, 2, 2, 1])


def test_unfold_of_a_0d_tensor():
    x = leaf(np.array(3.0))
    out = views.unfold(x, 0, 1, 1)
    assert out.shape == (1,) and out.tolist() == [3.0]
    assert np.shares_memory(out._data, x._data)
    assert views.unfold(x, -1, 0, 2).shape == (0,)
    check_gradients(lambda t: views.unfold(t, 0, 1, 3) * 4.0, np.array(1.5))


def test_unfold_of_non_contiguous_input_and_unfold_of_unfold():
    base = np.arange(24.0).reshape(4, 6)
    x = leaf(base)
    out = views.unfold(mt.transpose(x, 0, 1), 1, 2, 1)
    np.testing.assert_array_equal(out._data, unfold_expected(base.T, 1, 2, 1))
    twice = views.unfold(views.unfold(x, 1, 3, 1), 0, 2, 2)
    np.testing.assert_array_equal(twice._data, unfold_expected(unfold_expected(base, 1, 3, 1), 0, 2, 2))
    assert np.shares_memory(twice._data, x._data)
    check_gradients(lambda t: weighted(views.unfold(views.unfold(t, 1, 3, 1), 0, 2, 2)), base)


# ----------------------------------------------------------------------- movedim
@GRADIENT_SETTINGS
@given(data=st.data())
def test_movedim_and_moveaxis(data):
    shape = data.draw(shapes(min_dims=1, max_dims=4, max_side=3))
    array = data.draw(float_arrays(shape))
    n = len(shape)
    count = data.draw(st.integers(1, n))
    source = data.draw(st.permutations(range(n)))[:count]
    destination = data.draw(st.permutations(range(n)))[:count]
    source = [d - n if data.draw(st.booleans()) else d for d in source]
    expected = np.moveaxis(array, source, destination)
    check_op(lambda t: mt.movedim(t, source, destination), array, expected)
    check_op(lambda t: mt.moveaxis(t, tuple(source), tuple(destination)), array, expected)
    check_op(lambda t: mt.movedim(t, source[0], destination[0]), array, np.moveaxis(array, source[0], destination[0]))


def test_movedim_of_a_0d_tensor():
    x = mt.tensor(2.0)
    assert mt.movedim(x, 0, -1).shape == ()


# ---------------------------------------------------------------- replayability
def test_view_functions_replay_on_another_array():
    """``forward(ctx, other, *args)`` is the same view of ``other``: what the core replays."""
    ctx = types.SimpleNamespace()
    other = np.arange(60.0).reshape(3, 4, 5)
    diagonal = views.Diagonal.forward(ctx, other, 1, 2, 0)
    np.testing.assert_array_equal(diagonal, np.diagonal(other, 1, 2, 0))
    assert np.shares_memory(diagonal, other) and diagonal.flags.writeable
    transposed = other.transpose(2, 0, 1)
    unfolded = views.Unfold.forward(ctx, transposed, 2, 2, 2)
    np.testing.assert_array_equal(unfolded, unfold_expected(transposed, 2, 2, 2))
    assert np.shares_memory(unfolded, other) and unfolded.flags.writeable


# ---------------------------------------------------------- second derivatives
SECOND_ORDER_OPS = {
    "narrow": lambda t: mt.narrow(t, 1, 1, 2),
    "select": lambda t: mt.select(t, 0, -1),
    "split": lambda t: mt.cat([piece.reshape(-1) for piece in mt.split(t, [1, 2], dim=0)]),
    "chunk": lambda t: mt.chunk(t, 2, dim=1)[1],
    "unbind": lambda t: mt.unbind(t, 1)[2],
    "diagonal": lambda t: mt.diagonal(t, -1),
    "diagonal_3d": lambda t: mt.diagonal(t.reshape(3, 2, 2), 0, 2, 0),
    "unfold": lambda t: views.unfold(t, 1, 2, 1),
    "unfold_0d": lambda t: views.unfold(t.sum(), 0, 1, 1),
    "movedim": lambda t: mt.movedim(t, 0, 1),
}


@pytest.mark.parametrize("name", sorted(SECOND_ORDER_OPS))
def test_second_derivatives(name):
    op = SECOND_ORDER_OPS[name]

    def first(t):
        (grad,) = mt.autograd.grad((weighted(op(t)) ** 3).sum(), t, create_graph=True)
        return grad

    array = np.random.default_rng(3).normal(size=(3, 4))
    grad = first(leaf(array))
    assert grad.requires_grad
    check_gradients(first, array)
    check_gradients(lambda t: weighted(first(t)), array)


def test_third_derivative_through_the_strided_scatters():
    def second(t):
        y = (mt.diagonal(t) ** 2).sum() + (views.unfold(t, 0, 2, 1) ** 4).sum()
        (grad,) = mt.autograd.grad(y, t, create_graph=True)
        (grad2,) = mt.autograd.grad((weighted(grad)).sum(), t, create_graph=True)
        return grad2

    check_gradients(second, np.random.default_rng(4).normal(size=(3, 3)))


def test_float32_is_preserved():
    x = mt.tensor(np.ones((3, 4), dtype=np.float32), requires_grad=True)
    outs = [mt.narrow(x, 0, 0, 2), mt.diagonal(x), views.unfold(x, 1, 2, 2), mt.movedim(x, 0, 1), *mt.chunk(x, 2)]
    assert all(out.dtype == mt.float32 for out in outs)
    sum(out.sum() for out in outs).backward()
    assert x.grad.dtype == mt.float32


# ------------------------------------------------------------------------ errors
def test_errors():
    x = mt.zeros(4, 5)
    with pytest.raises(RuntimeError, match=r"narrow\(\): start \(2\) \+ length \(3\) exceeds dimension size \(4\)\."):
        mt.narrow(x, 0, 2, 3)
    with pytest.raises(IndexError, match=r"narrow: Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        mt.narrow(x, 2, 0, 1)
    with pytest.raises(IndexError, match=r"narrow\(\): start out of range \(expected to be in range of \[-4, 4\], but got 5\)"):
        mt.narrow(x, 0, 5, 0)
    with pytest.raises(RuntimeError, match=r"narrow\(\): length must be non-negative"):
        mt.narrow(x, 0, 0, -1)
    with pytest.raises(RuntimeError, match=r"narrow\(\) cannot be applied to a 0-dim tensor"):
        mt.narrow(mt.tensor(1.0), 0, 0, 1)
    with pytest.raises(TypeError, match=r"narrow\(\): argument 'start' must be an int"):
        mt.narrow(x, 0, 1.5, 1)
    assert mt.narrow(x, 0, mt.tensor(1), 2).shape == (2, 5)

    with pytest.raises(IndexError, match=r"select\(\): index 5 out of range for tensor of size \[4, 5\] at dimension 1"):
        mt.select(x, 1, 5)
    with pytest.raises(IndexError, match=r"select\(\): index -5 out of range"):
        mt.select(x, 0, -5)
    with pytest.raises(IndexError, match=r"select\(\) cannot be applied to a 0-dim tensor"):
        mt.select(mt.tensor(1.0), 0, 0)
    with pytest.raises(IndexError, match="select: Dimension out of range"):
        mt.select(x, -3, 0)
    with pytest.raises(IndexError, match="Dimension specified as 0 but tensor has no dimensions"):
        mt.unbind(mt.tensor(1.0))
    with pytest.raises(IndexError, match="unbind: Dimension out of range"):
        mt.unbind(x, 2)

    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes to sum exactly to 4 \(input tensor's size at dimension 0\), but got split_sizes=\[1, 2\]"):
        mt.split(x, [1, 2])
    with pytest.raises(RuntimeError, match=r"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes=\[5, -1\]"):
        mt.split(x, [5, -1])
    with pytest.raises(RuntimeError, match="split expects split_size be non-negative, but got split_size=-1"):
        mt.split(x, -1)
    with pytest.raises(RuntimeError, match="split_size can only be 0 if dimension size is 0, but got dimension size of 5"):
        mt.split(x, 0, dim=1)
    with pytest.raises(RuntimeError, match="split expects at least a 1-dimensional tensor"):
        mt.split(mt.tensor(1.0), 1)
    with pytest.raises(IndexError, match="split: Dimension out of range"):
        mt.split(x, 1, dim=-3)

    with pytest.raises(RuntimeError, match="chunk expects `chunks` to be greater than 0, got: 0"):
        mt.chunk(x, 0)
    with pytest.raises(RuntimeError, match="chunk expects at least a 1-dimensional tensor"):
        mt.chunk(mt.tensor(1.0), 2)
    with pytest.raises(IndexError, match="chunk: Dimension out of range"):
        mt.chunk(x, 2, dim=2)

    with pytest.raises(RuntimeError, match="diagonal dimensions cannot be identical 0, -2"):
        mt.diagonal(x, 0, 0, -2)
    with pytest.raises(IndexError, match="diagonal: Dimension out of range"):
        mt.diagonal(mt.zeros(3))

    with pytest.raises(RuntimeError, match=r"unfold\(\): maximum size for tensor at dimension 1 is 5 but size is 6"):
        views.unfold(x, 1, 6, 1)
    with pytest.raises(RuntimeError, match=r"unfold\(\): size is -1 but must be >= 0"):
        views.unfold(x, 1, -1, 1)
    with pytest.raises(RuntimeError, match=r"unfold\(\): step is 0 but must be > 0"):
        views.unfold(x, 1, 2, 0)
    with pytest.raises(IndexError, match="unfold: Dimension out of range"):
        views.unfold(x, 2, 1, 1)
    with pytest.raises(RuntimeError, match=r"unfold\(\): maximum size for tensor at dimension 0 is 1 but size is 2"):
        views.unfold(mt.tensor(1.0), 0, 2, 1)

    with pytest.raises(RuntimeError, match=r"movedim: Invalid source or destination dims: source \(\[0, 1\] dims\) should contain the same number of dims as destination \(\[0\] dims\)"):
        mt.movedim(x, [0, 1], [0])
    with pytest.raises(RuntimeError, match=r"movedim: repeated dim in `source` \(\[0, -2\]\)"):
        mt.movedim(x, (0, -2), (0, 1))
    with pytest.raises(RuntimeError, match=r"movedim: repeated dim in `destination` \(\[1, 1\]\)"):
        mt.movedim(x, [0, 1], [1, 1])
    with pytest.raises(IndexError, match="movedim: Dimension out of range"):
        mt.movedim(x, 2, 0)


VIEW_OPS = (
    "narrow", "select", "unbind", "split", "split_with_sizes", "chunk", "tensor_split", "hsplit", "vsplit", "dsplit",
    "diagonal",
    "movedim", "moveaxis",
)
VIEW_METHODS = VIEW_OPS + ("unfold",)


def test_exports():
    for name in VIEW_OPS:
        module = views if hasattr(views, "movedim" if name == "moveaxis" else name) else splitting
        assert getattr(mt, name) is getattr(module, "movedim" if name == "moveaxis" else name)
    assert not hasattr(mt, "unfold")  # a Tensor method only, as in PyTorch


def test_methods_bound():
    """Bound by the core as Tensor methods (``t.narrow(...)`` is ``views.narrow(t, ...)``)."""
    t = mt.tensor(np.arange(12.0).reshape(3, 4))
    for name in VIEW_METHODS:
        assert hasattr(t, name), f"Tensor.{name} is not bound"
    assert t.narrow(1, 1, 2).shape == (3, 2)
    assert t.select(0, 1).tolist() == [4.0, 5.0, 6.0, 7.0]
    assert len(t.unbind(1)) == 4
    assert [p.shape for p in t.split(2, 1)] == [(3, 2), (3, 2)]
    assert [p.shape for p in t.chunk(2)] == [(2, 4), (1, 4)]
    assert t.diagonal(1).tolist() == [1.0, 6.0, 11.0]
    assert t.unfold(1, 2, 2).shape == (3, 2, 2)
    assert t.movedim(0, 1).shape == (4, 3) and t.moveaxis(1, 0).shape == (4, 3)


# ------------------------------------------------------------ tensor_split
TENSOR_SPLITS = [
    # (shape, indices_or_sections, dim); numpy's array_split is the oracle (its indices slice as Python does)
    ((7,), 3, 0), ((7,), 10, 0), ((7,), 1, 0), ((2, 7), 4, 1), ((7,), [2, 1, 9], 0), ((7,), [-2], 0),
    ((3, 5), [1, 3], -1), ((5, 2), [], 0), ((0, 3), 2, 0),
]


@pytest.mark.parametrize("shape, sections, dim", TENSOR_SPLITS)
def test_tensor_split_matches_array_split_and_gives_views(shape, sections, dim):
    array = np.arange(float(np.prod(shape))).reshape(shape)
    x = mt.tensor(array)
    pieces = x.tensor_split(sections, dim)
    expected = np.array_split(array, sections, axis=dim)
    assert len(pieces) == len(expected)
    for piece, want in zip(pieces, expected):
        assert piece.shape == want.shape
        np.testing.assert_array_equal(np.asarray(piece), want)
        if piece.numel():
            assert piece._base is x
    assert_views(pieces, x)


def test_tensor_split_takes_a_tensor_for_sections_or_indices():
    x = mt.arange(7.0)
    assert [p.numel() for p in mt.tensor_split(x, mt.tensor(2))] == [4, 3]
    assert [p.numel() for p in mt.tensor_split(x, mt.tensor([1, 3]))] == [1, 2, 4]


def test_tensor_split_gradient_and_inplace_on_a_piece():
    check_gradients(lambda t: sum(weighted(p).sum() for p in t.tensor_split([1, 3], 1)), np.ones((2, 5)) * 0.5)
    x = leaf(np.arange(1.0, 6.0))
    a = x * 1
    a.tensor_split(2)[1].mul_(3)  # PyTorch lets one write through tensor_split's pieces
    a.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [1.0, 1.0, 1.0, 3.0, 3.0])


@pytest.mark.parametrize("name, shape, sections", [
    ("hsplit", (3, 4), 2), ("hsplit", (4,), 2), ("hsplit", (2, 6), [1, 4]),
    ("vsplit", (4, 3), 2), ("vsplit", (4, 3), [3]), ("dsplit", (2, 2, 6), 3),
])
def test_hsplit_vsplit_dsplit_match_numpy(name, shape, sections):
    array = np.arange(float(np.prod(shape))).reshape(shape)
    pieces = getattr(mt, name)(mt.tensor(array), sections)
    expected = getattr(np, name)(array, sections)
    assert [p.shape for p in pieces] == [e.shape for e in expected]
    for piece, want in zip(pieces, expected):
        np.testing.assert_array_equal(np.asarray(piece), want)


def test_tensor_split_family_errors():
    x = mt.arange(12.0).reshape(3, 4)
    with pytest.raises(RuntimeError, match="number of sections must be larger than 0, got 0"):
        x.tensor_split(0)
    with pytest.raises(RuntimeError, match="at least a 1-dimensional tensor"):
        mt.tensor(1.0).tensor_split(2)
    with pytest.raises(TypeError, match="tensor_split.*'sections' must be an int"):
        x.tensor_split(2.0)
    with pytest.raises(RuntimeError, match="zero-dimensional or one-dimensional"):
        x.tensor_split(mt.tensor([[1]]))
    with pytest.raises(RuntimeError, match="hsplit attempted to split along dimension 1, but the size of the dimension 4 "
                                           "is not divisible by the split_size 3"):
        x.hsplit(3)
    with pytest.raises(RuntimeError, match="vsplit requires a tensor with at least 2 dimensions, but got a tensor "
                                           "with 1 dimensions"):
        mt.arange(3.0).vsplit(1)
    with pytest.raises(RuntimeError, match="dsplit requires a tensor with at least 3 dimensions"):
        x.dsplit(2)


def test_tensor_split_keyword_forms_and_split_with_sizes():
    x = mt.arange(12.0).reshape(2, 6)
    assert [p.shape for p in mt.tensor_split(x, sections=3, dim=1)] == [(2, 2)] * 3
    assert [p.shape for p in x.tensor_split(indices=[1, 4], dim=1)] == [(2, 1), (2, 3), (2, 2)]
    with pytest.raises(TypeError, match="exactly one of"):
        x.tensor_split(2, sections=2)
    pieces = x.split_with_sizes([2, 4], dim=1)
    assert [p.shape for p in pieces] == [(2, 2), (2, 4)] and pieces[1]._base is x._base
    np.testing.assert_array_equal(np.asarray(pieces[1]), np.arange(12.0).reshape(2, 6)[:, 2:])
