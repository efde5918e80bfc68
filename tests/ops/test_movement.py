"""Movement ops: reshape family, transpose/permute, squeeze/unsqueeze, expand, repeat,
indexing (getitem / index_put), cat and stack. Values against numpy, gradients
against central differences (float64), error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
from tests.strategies import broadcastable_shapes, check_gradients, float_arrays, leaf, shapes


def weighted(out):
    """A fixed, position-dependent weighting so that gradients of moved elements differ."""
    return out * mt.tensor(np.arange(1.0, out.numel() + 1).reshape(out.shape))


def check(op, array, expected):
    out = op(leaf(array))
    np.testing.assert_array_equal(out.data, expected)
    assert out.shape == np.shape(expected)
    check_gradients(lambda t: weighted(op(t)), array)


# ------------------------------------------------------------- reshape
@given(data=st.data())
def test_reshape_view_flatten(data):
    shape = data.draw(shapes(min_dims=0, max_dims=4, max_side=3))
    array = data.draw(float_arrays(shape))
    size = array.size
    target = data.draw(st.sampled_from([(size,), (1, size), (size, 1), tuple(reversed(shape)), ()] if size == 1
                                       else [(size,), (1, size), (size, 1), tuple(reversed(shape))]))
    check(lambda t: t.reshape(target), array, array.reshape(target))
    check(lambda t: t.reshape(*target) if target else t.reshape(()), array, array.reshape(target))
    check(lambda t: mt.reshape(t, (-1,)), array, array.reshape(-1))
    check(lambda t: t.view(-1, 1), array, array.reshape(-1, 1))
    check(lambda t: np.reshape(t, target), array, array.reshape(target))
    check(lambda t: t.flatten(), array, array.reshape(-1))
    if len(shape) >= 2:
        start = data.draw(st.integers(-len(shape), len(shape) - 1))
        end = data.draw(st.integers(start % len(shape), len(shape) - 1))
        s, e = start % len(shape), end
        expected_shape = shape[:s] + (int(np.prod(shape[s:e + 1])),) + shape[e + 1:]
        check(lambda t: mt.flatten(t, start, end), array, array.reshape(expected_shape))


def test_reshape_infers_minus_one_and_reports_bad_sizes():
    x = mt.arange(6)
    assert x.reshape(2, -1).shape == (2, 3)
    assert x.reshape((-1, 3)).shape == (2, 3)
    assert x.reshape([3, 2]).shape == (3, 2)
    with pytest.raises(RuntimeError, match=r"shape '\[2, 5\]' is invalid for input of size 6"):
        x.reshape(2, 5)
    with pytest.raises(RuntimeError, match=r"shape '\[4, -1\]' is invalid for input of size 6"):
        x.view(4, -1)
    with pytest.raises(RuntimeError, match="only one dimension can be inferred"):
        x.reshape(-1, -1)
    with pytest.raises(TypeError):
        x.reshape(2.0, 3)
    y = mt.zeros(3, 2)
    assert x.view_as(y).shape == (3, 2) and x.reshape_as(y).shape == (3, 2)
    assert mt.tensor(5.0).flatten().shape == (1,)
    with pytest.raises(RuntimeError, match="start_dim"):
        mt.zeros(2, 3, 4).flatten(2, 1)


# ---------------------------------------------------- transpose / permute
@given(data=st.data())
def test_transpose_permute(data):
    shape = data.draw(shapes(min_dims=1, max_dims=4, max_side=3))
    array = data.draw(float_arrays(shape))
    n = len(shape)
    d0, d1 = data.draw(st.integers(-n, n - 1)), data.draw(st.integers(-n, n - 1))
    check(lambda t: t.transpose(d0, d1), array, np.swapaxes(array, d0, d1))
    check(lambda t: mt.swapaxes(t, d0, d1), array, np.swapaxes(array, d0, d1))
    check(lambda t: np.swapaxes(t, d0, d1), array, np.swapaxes(array, d0, d1))
    dims = data.draw(st.permutations(range(n)))
    dims = [d - n if data.draw(st.booleans()) else d for d in dims]
    check(lambda t: t.permute(*dims), array, np.transpose(array, [d % n for d in dims]))
    check(lambda t: mt.permute(t, tuple(dims)), array, np.transpose(array, [d % n for d in dims]))
    check(lambda t: np.transpose(t), array, np.transpose(array))
    check(lambda t: t.T, array, array.T)
    if n == 2:
        check(lambda t: t.t(), array, array.T)
        check(lambda t: t.mT, array, array.T)


def test_permute_errors():
    x = mt.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="permutation"):
        x.permute(0, 1, 1)
    with pytest.raises(RuntimeError, match="number of dimensions"):
        x.permute(1, 0)
    with pytest.raises(IndexError, match=r"transpose: Dimension out of range \(expected to be in range of \[-3, 2\], but got 3\)"):
        x.transpose(0, 3)


# -------------------------------------------------- squeeze / unsqueeze
@given(data=st.data())
def test_squeeze_unsqueeze(data):
    shape = data.draw(shapes(min_dims=0, max_dims=4, min_side=1, max_side=2))
    array = data.draw(float_arrays(shape))
    n = len(shape)
    position = data.draw(st.integers(-n - 1, n))
    check(lambda t: t.unsqueeze(position), array, np.expand_dims(array, position))
    check(lambda t: np.expand_dims(t, position), array, np.expand_dims(array, position))
    check(lambda t: t.squeeze(), array, np.squeeze(array))
    if n:
        dim = data.draw(st.integers(-n, n - 1))
        expected = np.squeeze(array, dim) if shape[dim] == 1 else array  # a non-1 dim is left alone
        check(lambda t: t.squeeze(dim), array, expected)
        dims = data.draw(st.lists(st.integers(0, n - 1), unique=True))
        ones = tuple(d for d in dims if shape[d] == 1)
        check(lambda t: mt.squeeze(t, tuple(dims)), array, np.squeeze(array, ones))


def test_squeeze_examples():
    x = mt.zeros(1, 3, 1)
    assert x.squeeze().shape == (3,)
    assert x.squeeze(1).shape == (1, 3, 1)
    assert x.squeeze(-1).shape == (1, 3)
    assert x.squeeze((0, 2)).shape == (3,)
    assert x.unsqueeze(-1).shape == (1, 3, 1, 1)
    with pytest.raises(IndexError, match="unsqueeze"):
        x.unsqueeze(4)


# ---------------------------------------------------------- expand / repeat
@given(data=st.data())
def test_expand_sums_the_gradient_back(data):
    small, big = data.draw(broadcastable_shapes(2))
    target = np.broadcast_shapes(small, big)
    array = data.draw(float_arrays(small))
    expected = np.broadcast_to(array, target)
    check(lambda t: t.expand(*target) if target else t.expand(()), array, expected)
    check(lambda t: mt.expand(t, target), array, expected)
    check(lambda t: np.broadcast_to(t, target), array, expected)
    check(lambda t: t.expand_as(mt.zeros(target)), array, expected)
    keep = (-1,) * len(small)
    check(lambda t: t.expand((2,) + keep), array, np.broadcast_to(array, (2,) + small))


def test_expand_errors():
    x = mt.zeros(3, 1)
    assert x.expand(2, -1, 4).shape == (2, 3, 4)
    with pytest.raises(RuntimeError, match=r"expanded size of the tensor \(5\) must match the existing size \(3\) at non-singleton dimension 0"):
        x.expand(5, 4)
    with pytest.raises(RuntimeError, match="number of sizes"):
        x.expand(3)


@settings(max_examples=15)
@given(data=st.data())
def test_repeat(data):
    shape = data.draw(shapes(min_dims=0, max_dims=3, max_side=3))
    array = data.draw(float_arrays(shape))
    sizes = tuple(data.draw(st.lists(st.integers(1, 3), min_size=len(shape), max_size=len(shape) + 1)))
    if not sizes:
        sizes = (2,)
    check(lambda t: t.repeat(*sizes), array, np.tile(array, sizes))
    with pytest.raises(RuntimeError, match="repeat"):
        mt.zeros(2, 2).repeat(2)


# -------------------------------------------------------------- getitem
X = np.arange(24.0).reshape(2, 3, 4) / 7 - 1.0
INDICES = [
    0, -1, 1, slice(None), slice(1, None), slice(None, None, -1), slice(0, 3, 2),
    (1, 2), (0, slice(1, 3), -1), (Ellipsis, 1), (None, 0), (slice(None), None, 2), (0, Ellipsis, None),
    [1, 1, 0], np.array([0, 1, 1]), (slice(None), [2, 0, 2]), (Ellipsis, [3, 3, 0, 1]), ([0, 1], [2, 2]),
    ([[0, 1], [1, 1]], slice(None), 0), (0, [1, 1], [3, 0]), (slice(None), np.array([[0], [2]]), [1, 3]),
    X > 0, (1, (X > 0)[0]), (slice(None), (X > 0)[0, :, 0]), (1, [True, False, True]), (0, 1, X[0, 0] > -0.9),
    (Ellipsis, X[0, 0] > -0.9), (), Ellipsis, None, True, (0, False),
]


@pytest.mark.parametrize("index", INDICES, ids=[repr(i)[:40] for i in range(len(INDICES))])
def test_getitem_every_index_kind(index):
    check(lambda t: t[index], X, X[index])


def test_getitem_with_tensor_indices():
    check(lambda t: t[mt.tensor([1, 0, 1])], X, X[[1, 0, 1]])
    check(lambda t: t[mt.tensor(X > 0)], X, X[X > 0])
    check(lambda t: t[:, mt.tensor(2)], X, X[:, 2])
    check(lambda t: t[mt.tensor([True, False])], X, X[[True, False]])


def test_repeated_indices_accumulate():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 0, 1]].sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2.0, 1.0, 0.0])
    y = mt.tensor(np.zeros((3, 2)), requires_grad=True)
    y[mt.tensor([2, 2, 2, 0])].sum().backward()
    np.testing.assert_array_equal(y.grad.data, [[1, 1], [0, 0], [3, 3]])


@settings(max_examples=15)
@given(data=st.data())
def test_random_integer_array_indexing(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=4))
    array = data.draw(float_arrays(shape))
    index = data.draw(hnp.arrays(np.int64, data.draw(shapes(0, 2, max_side=5)), elements=st.integers(-shape[0], shape[0] - 1)))
    check(lambda t: t[index], array, array[index])
    mask = data.draw(hnp.arrays(np.bool_, shape))
    check(lambda t: t[mask], array, array[mask])


def test_index_errors():
    x = mt.zeros(2, 3)
    with pytest.raises(IndexError, match="index 5 is out of bounds for dimension 1 with size 3"):
        x[0, 5]
    with pytest.raises(IndexError, match="index -3 is out of bounds for dimension 0 with size 2"):
        x[-3]
    with pytest.raises(IndexError, match="index 7 is out of bounds for dimension 0 with size 2"):
        x[[0, 7]]
    with pytest.raises(IndexError, match="too many indices"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match=r"shape of the mask \[3\] at index 0 does not match the shape of the indexed tensor \[2, 3\] at index 0"):
        x[np.array([True, False, True])]
    with pytest.raises(IndexError, match="must be long, int or bool"):
        x[mt.tensor([0.0, 1.0])]
    with pytest.raises(IndexError):
        x[1.5]


def test_getitem_second_derivative():
    def first(t):
        (grad,) = mt.autograd.grad((t[[0, 0, 2]] ** 3).sum(), t, create_graph=True)
        return grad

    check_gradients(first, np.array([0.5, -1.0, 2.0]))
    check_gradients(lambda t: first(t) * mt.tensor([1.0, 2.0, 3.0]), np.array([1.5, -1.0, 0.3]))


def test_float32_preserved_through_indexing():
    x = mt.tensor(X.astype(np.float32), requires_grad=True)
    out = x[[0, 1, 1], 1:]
    assert out.dtype == mt.float32
    out.sum().backward()
    assert x.grad.dtype == mt.float32


# ------------------------------------------------------------ index_put
@pytest.mark.parametrize(
    "index, value",
    [
        (0, 7.0), ((1, 2), -1.0), (slice(None), np.array([1.0, 2.0, 3.0, 4.0])), ((Ellipsis, 1), np.full((2, 3), 0.5)),
        ([1, 0], np.arange(12.0).reshape(2, 3, 2)[..., :1].repeat(4, -1)), (X > 0.5, 3.0), ((0, [2, 1]), np.array([[9.0], [8.0]])),
    ],
)
def test_index_put_values_and_gradients(index, value):
    expected = X.copy()
    expected[index] = value
    np.testing.assert_array_equal(mt.index_put(mt.tensor(X), index, value).data, expected)
    if np.ndim(value):
        def function(t, v):
            return weighted(mt.index_put(t, index, v))

        check_gradients(function, X, np.asarray(value, dtype=np.float64))
    else:
        check_gradients(lambda t: weighted(mt.index_put(t, index, value)), X)


def test_index_put_gradients_zero_the_overwritten_positions():
    x = mt.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = mt.tensor(5.0, requires_grad=True)
    out = mt.index_put(x, [1, 3], v)
    np.testing.assert_array_equal(out.data, [1.0, 5.0, 3.0, 5.0])
    (out * mt.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 0.0, 3.0, 0.0])
    assert v.grad.item() == 6.0
    np.testing.assert_array_equal(x.data, [1.0, 2.0, 3.0, 4.0])  # input untouched


def test_setitem_in_place():
    x = mt.zeros(2, 3)
    x[0] = 1.0
    x[x == 0] = mt.tensor(2.0)
    x[1, [0, 2]] = np.array([5.0, 6.0])
    np.testing.assert_array_equal(x.data, [[1, 1, 1], [5, 2, 6]])
    w = mt.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        w[0] = 0.0
    with mt.no_grad():
        w[0] = 0.0
    assert w.tolist() == [0.0, 1.0, 1.0]
    a = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a * 2
    b[1] = a[0] * 10
    b.sum().backward()
    np.testing.assert_array_equal(a.grad.data, [12.0, 0.0, 2.0])
    with pytest.raises(RuntimeError, match="shape mismatch"):
        mt.index_put(mt.zeros(2, 3), 0, np.ones(4))


# ----------------------------------------------------------- cat / stack
@settings(max_examples=20)
@given(data=st.data())
def test_cat_and_stack(data):
    shape = data.draw(shapes(min_dims=1, max_dims=3, max_side=3))
    n = len(shape)
    dim = data.draw(st.integers(-n, n - 1))
    count = data.draw(st.integers(1, 3))
    arrays = []
    for _ in range(count):
        own = list(shape)
        own[dim] = data.draw(st.integers(0, 3))
        arrays.append(data.draw(float_arrays(tuple(own))))
    check_gradients(lambda *ts: weighted(mt.cat(ts, dim)), *arrays)
    np.testing.assert_array_equal(mt.cat([mt.tensor(a) for a in arrays], dim=dim).data, np.concatenate(arrays, dim))
    np.testing.assert_array_equal(mt.cat([mt.tensor(a) for a in arrays], axis=dim).data, np.concatenate(arrays, dim))
    same = [data.draw(float_arrays(shape)) for _ in range(count)]
    new_dim = data.draw(st.integers(-n - 1, n))
    check_gradients(lambda *ts: weighted(mt.stack(ts, new_dim)), *same)
    np.testing.assert_array_equal(mt.stack([mt.tensor(a) for a in same], new_dim).data, np.stack(same, new_dim))
    np.testing.assert_array_equal(np.stack([mt.tensor(a) for a in same], axis=new_dim).data, np.stack(same, new_dim))


def test_cat_stack_only_differentiate_what_needs_it_and_promote():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0])
    out = mt.cat([a, b])
    (out * mt.tensor([1.0, 2.0, 3.0])).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 2.0])
    assert b.grad is None
    assert mt.cat([mt.zeros(2, dtype=mt.float32), mt.zeros(1, dtype=mt.float64)]).dtype == mt.float64
    assert mt.cat([mt.zeros(2, dtype=mt.int64), mt.zeros(1, dtype=mt.float32)]).dtype == mt.float32
    assert mt.stack([mt.tensor([1, 2]), mt.tensor([0.5, 1.0])]).dtype == mt.float32
    f32 = mt.zeros(2, dtype=mt.float32, requires_grad=True)
    out = mt.cat([f32, mt.zeros(2, dtype=mt.float32)])
    assert out.dtype == mt.float32
    out.sum().backward()
    assert f32.grad.dtype == mt.float32
    assert mt.cat([mt.zeros(0), mt.ones(2, 3)]).shape == (2, 3)  # legacy empty 1-D tensors are skipped


def test_cat_stack_errors():
    with pytest.raises(RuntimeError, match=r"cat\(\): Sizes of tensors must match except in dimension 0.*tensor number 1.*\(2, 3\) and \(2, 4\)"):
        mt.cat([mt.zeros(2, 3), mt.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="same number of dimensions"):
        mt.cat([mt.zeros(2, 3), mt.zeros(3)])
    with pytest.raises(RuntimeError, match="zero-dimensional"):
        mt.cat([mt.tensor(1.0), mt.tensor(2.0)])
    with pytest.raises(ValueError, match=r"mt\.cat\(\): expected a non-empty list of Tensors"):
        mt.cat([])
    with pytest.raises(IndexError, match="cat: Dimension out of range"):
        mt.cat([mt.zeros(2, 3)], dim=2)
    with pytest.raises(RuntimeError, match=r"stack expects each tensor to be equal size, but got \[2, 3\] at entry 0 and \[3, 2\] at entry 2"):
        mt.stack([mt.zeros(2, 3), mt.zeros(2, 3), mt.zeros(3, 2)])
    with pytest.raises(TypeError, match="list"):
        mt.cat(mt.zeros(2, 3))


def test_movement_second_derivatives():
    rng = np.random.default_rng(1)
    array = rng.normal(size=(2, 3))

    def first(t):
        y = mt.cat([t.T.reshape(-1), t.unsqueeze(0).expand(2, 2, 3).flatten(), mt.stack([t, t], 1)[:, 0, 1]])
        (grad,) = mt.autograd.grad((y ** 3 * mt.tensor(np.arange(y.shape[0], dtype=np.float64))).sum(), t, create_graph=True)
        return grad

    check_gradients(first, array)


# ------------------------------------- a shape op that changes nothing still returns a view
NO_CHANGE_VIEWS = {
    "view": lambda x: x.view(x.shape),
    "view -1": lambda x: x.view(-1, 3),
    "reshape": lambda x: x.reshape(2, 3),
    "view_as": lambda x: x.view_as(x),
    "reshape_as": lambda x: x.reshape_as(x),
    "unflatten": lambda x: x.unflatten(1, (3,)),
    "squeeze": lambda x: x.squeeze(),
    "squeeze dim": lambda x: x.squeeze(0),
    "permute": lambda x: x.permute(0, 1),
    "transpose": lambda x: x.transpose(1, 1),
    "movedim": lambda x: x.movedim(0, 0),
    "expand": lambda x: x.expand(2, 3),
    "expand -1": lambda x: x.expand(-1, -1),
    "expand_as": lambda x: x.expand_as(x),
    "broadcast_to": lambda x: mt.broadcast_to(x, (2, 3)),
}


@pytest.mark.parametrize("name", sorted(NO_CHANGE_VIEWS))
def test_a_shape_op_that_changes_nothing_returns_a_new_view(name):
    """As in PyTorch: ``x.view(x.shape)`` is a new tensor on x's memory (``_base`` x), not x itself."""
    base = mt.arange(6.0).reshape(2, 3).clone()
    out = NO_CHANGE_VIEWS[name](base)
    assert out is not base and out._base is base
    assert out.shape == base.shape and out.stride() == base.stride() and out.data_ptr() == base.data_ptr()
    out[1, 2] = -1.0
    assert base[1, 2].item() == -1.0 and base._version == 1

    x = mt.tensor(np.arange(6.0).reshape(2, 3), dtype=mt.float64, requires_grad=True)
    y = NO_CHANGE_VIEWS[name](x)
    assert y is not x and not y.is_leaf and y.grad_fn is not None
    with pytest.raises(RuntimeError, match="view of a leaf Variable that requires grad"):
        y.mul_(2)
    (y * mt.tensor(np.arange(6.0).reshape(2, 3))).sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), np.arange(6.0).reshape(2, 3))


def test_squeeze_and_transpose_of_a_0d_tensor_are_views():
    base = mt.tensor(3.0)
    for out in (base.squeeze(), base.squeeze(0), base.transpose(0, -1), base.t()):
        assert out is not base and out._base is base and out.shape == ()


def test_flatten_of_nothing_and_contiguous_return_the_tensor_itself():
    """PyTorch returns ``self`` here (``flatten`` with ``start_dim == end_dim``, a contiguous ``contiguous()``)."""
    x = mt.arange(6.0).reshape(2, 3)
    assert x.flatten(1) is x and x.flatten(0, 0) is x and x.contiguous() is x


def test_writing_through_an_expand_is_allowed_exactly_when_no_element_repeats():
    x = mt.zeros(2, 3)
    x.expand(1, 2, 3)[0, 1, 2] = 5.0  # a new dim of size 1: every element still appears once
    assert x[1, 2].item() == 5.0
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x[:, :1].expand(2, 3).add_(1)


# ------------------------------------------------ numpy-style stacking, atleast_Nd, ravel
STACK_INPUTS = [
    [np.arange(2.0), np.arange(3.0)], [np.ones((2, 1)), np.zeros((2, 3))], [np.array(1.0), np.array(2.0)],
    [np.ones((2, 3)), np.zeros((2, 3))], [np.arange(2.0), np.arange(2.0) + 5],
]


@pytest.mark.parametrize("name", ["hstack", "vstack", "row_stack", "dstack", "column_stack"])
@pytest.mark.parametrize("arrays", STACK_INPUTS, ids=range(len(STACK_INPUTS)))
def test_numpy_style_stacking_matches_numpy(name, arrays):
    numpy_name = "vstack" if name == "row_stack" else name
    try:
        expected = getattr(np, numpy_name)(arrays)
    except ValueError:
        with pytest.raises(RuntimeError):
            getattr(mt, name)([mt.tensor(a) for a in arrays])
        return
    out = getattr(mt, name)([mt.tensor(a) for a in arrays])
    assert out.shape == expected.shape
    np.testing.assert_array_equal(np.asarray(out), expected)


def test_stacking_gradients_promotion_and_out():
    check_gradients(lambda a, b: weighted(mt.column_stack([a, b])), np.arange(3.0), np.ones((3, 2)))
    check_gradients(lambda a, b: weighted(mt.dstack([a, b])), np.arange(3.0), np.ones((1, 3)))
    assert mt.hstack([mt.tensor([1, 2]), mt.tensor([0.5])]).dtype == mt.float32
    out = mt.zeros(4)
    assert mt.vstack([mt.ones(2), mt.ones(2)]).shape == (2, 2) and mt.hstack([mt.ones(2), mt.ones(2)], out=out) is out


@pytest.mark.parametrize("name", ["atleast_1d", "atleast_2d", "atleast_3d"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (2, 3, 4)])
def test_atleast_nd_matches_numpy_and_gives_views(name, shape):
    array = np.arange(float(np.prod(shape))).reshape(shape)
    x = mt.tensor(array)
    out = getattr(mt, name)(x)
    expected = getattr(np, name)(array)
    assert out.shape == expected.shape and np.shares_memory(out._data, x._data)
    if out.shape == x.shape:
        assert out is x  # as PyTorch returns the tensor itself
    both = getattr(mt, name)(x, x)
    assert isinstance(both, tuple) and [t.shape for t in both] == [expected.shape] * 2
    assert getattr(mt, name)([x])[0].shape == expected.shape


def test_ravel_is_a_view_when_it_can_be():
    x = mt.arange(6.0).reshape(2, 3)
    flat = x.ravel()
    assert flat.shape == (6,) and flat._base is x._base
    assert mt.ravel(x.t())._base is None  # not contiguous: a copy
    np.testing.assert_array_equal(np.asarray(mt.ravel(x.t())), np.ravel(np.arange(6.0).reshape(2, 3).T))
    vector = mt.arange(3.0)
    assert vector.ravel() is not vector and vector.ravel()._base is vector


def test_broadcast_tensors_and_shapes():
    a, b = mt.broadcast_tensors(mt.ones(2, 1), mt.arange(3.0))
    expected = np.broadcast_arrays(np.ones((2, 1)), np.arange(3.0))
    for out, want in zip((a, b), expected):
        np.testing.assert_array_equal(np.asarray(out), want)
    assert b.stride() == (0, 1)
    same = mt.zeros(2, 3)
    assert mt.broadcast_tensors(same, mt.ones(3))[0] is same  # already of the shape: itself, as in PyTorch
    assert mt.broadcast_shapes((2, 1), (3,)) == (2, 3) and mt.broadcast_shapes(3, (2, 1)) == (2, 3)
    with pytest.raises(RuntimeError, match=r"broadcast_shapes: shapes \[\[2\], \[3\]\] cannot be broadcast"):
        mt.broadcast_tensors(mt.ones(2), mt.ones(3))
    check_gradients(lambda p, q: sum(weighted(t).sum() for t in mt.broadcast_tensors(p, q)),
                    np.ones((2, 1)), np.arange(3.0))


def test_t_is_an_op_and_mh_adjoint_transpose_matrices():
    x = mt.arange(6.0).reshape(2, 3)
    assert mt.t(x).shape == (3, 2) and mt.t(mt.arange(3.0)).shape == (3,)
    batch = mt.arange(24.0).reshape(2, 3, 4)
    for out in (batch.mH, batch.adjoint()):
        assert out.shape == (2, 4, 3) and out.stride() == (12, 1, 4)
        np.testing.assert_array_equal(np.asarray(out), np.swapaxes(np.arange(24.0).reshape(2, 3, 4), -1, -2))
    for attribute in ("mT", "mH"):
        with pytest.raises(RuntimeError, match=rf"tensor.{attribute} is only supported on matrices or batches of "
                                               rf"matrices. Got 1-D tensor"):
            getattr(mt.arange(3.0), attribute)


def test_view_takes_size_as_a_keyword():
    assert mt.arange(6.0).view(size=(2, 3)).shape == (2, 3)
    with pytest.raises(TypeError, match="both positionally and as size="):
        mt.arange(6.0).view(6, size=(2, 3))


def test_concat_and_concatenate_are_cat():
    a, b = np.arange(6.0).reshape(2, 3), np.ones((2, 1))
    np.testing.assert_array_equal(np.asarray(mt.concat([mt.tensor(a), mt.tensor(b)], dim=1)), np.concatenate([a, b], 1))
    np.testing.assert_array_equal(np.asarray(mt.concatenate((mt.tensor(a), mt.tensor(a)), axis=0)),
                                  np.concatenate([a, a], 0))


def test_shape_argument_errors_follow_pytorch():
    with pytest.raises(RuntimeError, match=r"squeeze: dim 0 appears multiple times in the list of dims"):
        mt.zeros(1, 2, 1).squeeze((0, -3))
    with pytest.raises(RuntimeError, match=r"expand: invalid size -2 at dimension 0"):
        mt.zeros(1, 3).expand(-2, 3)  # numpy's ValueError before
    with pytest.raises(RuntimeError, match=r"cannot reshape tensor of 0 elements into shape \[0, -1\] because the "
                                           r"unspecified dimension size -1 can be any value and is ambiguous"):
        mt.zeros(0, 3).view(0, -1)
    assert mt.zeros(0, 3).view(-1, 3).shape == (0, 3)
