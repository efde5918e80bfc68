"""isin, unravel_index, rot90, diag_embed, diagflat, fill_diagonal_, select/slice/diagonal_scatter,
index_reduce, put, sum_to_size, rsub and Tensor.broadcast_to: values against numpy and Python,
errors, and float64 gradient checks on tiny shapes."""
import numpy as np
import pytest

import microtensor as mt
from tests.strategies import check_gradients

_RNG = np.random.default_rng(0)


def _values(*shape):
    return _RNG.uniform(0.5, 2.0, size=shape)


def _weights(*shape):
    """Fixed weights of a shape (the same every call), to make each output element count differently."""
    return mt.tensor(np.random.default_rng(len(shape) * 10 + shape[-1]).uniform(0.5, 2.0, size=shape))


# ------------------------------------------------------------------ isin
@pytest.mark.parametrize("elements, tests, invert", [
    ([1, 2, 3, 4], [2, 4], False),
    ([1, 2, 3, 4], [2, 4], True),
    ([[1, 2], [3, 4]], [[2], [3]], False),
    ([1.0, 2.5], [2.5], False),
    ([float("nan"), 1.0], [float("nan"), 1.0], False),
])
def test_isin_against_numpy(elements, tests, invert):
    out = mt.isin(mt.tensor(elements), mt.tensor(tests), invert=invert)
    assert out.dtype == mt.bool
    assert out.tolist() == np.isin(np.array(elements), np.array(tests), invert=invert).tolist()
    assert mt.isin(mt.tensor(elements), mt.tensor(tests), assume_unique=True, invert=invert).tolist() == out.tolist()


def test_isin_scalars_promotion_and_errors():
    assert mt.isin(mt.tensor([1, 2, 3]), 2).tolist() == [False, True, False]
    scalar = mt.isin(2, mt.tensor([1, 2]))
    assert scalar.shape == () and scalar.item() is True
    assert mt.isin(mt.tensor([1, 2]), mt.tensor([2.0])).tolist() == [False, True]
    with pytest.raises(TypeError, match="at least one"):
        mt.isin(2, 2)
    with pytest.raises(TypeError, match="test_elements"):
        mt.isin(mt.tensor([1]), [1])
    with pytest.raises(RuntimeError, match="Bool"):
        mt.isin(mt.tensor([1, 2]), mt.tensor([True]))


# ---------------------------------------------------------- unravel_index
@pytest.mark.parametrize("flat, shape", [([4, 1], (2, 3)), (4, (2, 3)), ([[1, 5]], (2, 3)), ([3], 5), ([0, 23], (2, 3, 4))])
def test_unravel_index_against_numpy(flat, shape):
    out = mt.unravel_index(mt.tensor(flat), shape)
    expected = np.unravel_index(np.array(flat), shape if isinstance(shape, tuple) else (shape,))
    assert len(out) == len(expected)
    for got, want in zip(out, expected):
        assert got.dtype == mt.int64 and got.tolist() == want.tolist()


def test_unravel_index_negative_empty_and_errors():
    assert [c.tolist() for c in mt.unravel_index(mt.tensor([-1, -6]), (2, 3))] == [[1, 0], [2, 0]]
    assert mt.unravel_index(mt.tensor([0]), ()) == ()
    for bad, error, match in [
        (lambda: mt.unravel_index(mt.tensor([6]), (2, 3)), RuntimeError, "out of range"),
        (lambda: mt.unravel_index(mt.tensor([-7]), (2, 3)), RuntimeError, "out of range"),
        (lambda: mt.unravel_index(mt.tensor([1.0]), (2, 3)), TypeError, "integer dtype"),
        (lambda: mt.unravel_index(mt.tensor([True]), (2, 3)), TypeError, "integer dtype"),
        (lambda: mt.unravel_index(mt.tensor([1]), (2, -3)), ValueError, "negative"),
        (lambda: mt.unravel_index(4, (2, 3)), TypeError, "must be a Tensor"),
    ]:
        with pytest.raises(error, match=match):
            bad()


# ------------------------------------------------------------------ rot90
@pytest.mark.parametrize("k, dims", [(1, (0, 1)), (-1, (0, 1)), (2, (1, 0)), (3, (0, 1)), (0, (0, 1)), (5, (0, -1)), (1, (2, 0))])
def test_rot90_against_numpy(k, dims):
    array = np.arange(24.0).reshape(2, 3, 4)
    out = mt.rot90(mt.tensor(array), k, dims)
    np.testing.assert_array_equal(out.numpy(), np.rot90(array, k, axes=dims))
    assert out.tolist() == mt.tensor(array).rot90(k, dims).tolist()


@pytest.mark.parametrize("call, error, match", [
    (lambda x: mt.rot90(x, 1, (0, 0)), RuntimeError, "different"),
    (lambda x: mt.rot90(x, 1, (0, -2)), RuntimeError, "different"),
    (lambda x: mt.rot90(x, 1, (0,)), RuntimeError, "== 2"),
    (lambda x: mt.rot90(x, 1, (0, 2)), IndexError, "out of range"),
    (lambda x: mt.rot90(x[0], 1), RuntimeError, "total dims >= 2"),
    (lambda x: mt.rot90(x, 1.5), TypeError, "must be int"),
])
def test_rot90_errors(call, error, match):
    with pytest.raises(error, match=match):
        call(mt.zeros(2, 3))


def test_rot90_gradients():
    for k in (0, 1, 2, 3):
        check_gradients(lambda x, k=k: mt.rot90(x, k, (0, 1)) * (_weights(3, 2) if k % 2 else _weights(2, 3)), _values(2, 3))


# ------------------------------------------------ diag_embed, diagflat, fill_diagonal_
def test_diag_embed_and_diagflat_values():
    np.testing.assert_array_equal(mt.diag_embed(mt.tensor([1.0, 2.0])).numpy(), np.diag([1.0, 2.0]))
    np.testing.assert_array_equal(mt.diag_embed(mt.tensor([1.0, 2.0]), 1).numpy(), np.diag([1.0, 2.0], 1))
    np.testing.assert_array_equal(mt.diag_embed(mt.tensor([1.0, 2.0]), -1, 0, 1).numpy(), np.diag([1.0, 2.0], -1))
    batch = np.arange(6).reshape(2, 3)
    out = mt.diag_embed(mt.tensor(batch), 0, 0, 2)
    assert out.shape == (3, 2, 3) and out.dtype == mt.int64
    for b in range(2):
        np.testing.assert_array_equal(out.numpy()[:, b, :], np.diag(batch[b]))
    np.testing.assert_array_equal(mt.tensor(batch).diag_embed(1).diagonal(1, -2, -1).numpy(), batch)
    matrix = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(mt.diagflat(mt.tensor(matrix)).numpy(), np.diagflat(matrix))
    np.testing.assert_array_equal(mt.tensor(matrix).diagflat(-1).numpy(), np.diagflat(matrix, -1))
    assert mt.diagflat(mt.tensor(5.0)).tolist() == [[5.0]] and mt.diagflat(mt.tensor([])).shape == (0, 0)
    with pytest.raises(RuntimeError, match="cannot be identical"):
        mt.diag_embed(mt.ones(2, 3), 0, 0, 0)
    with pytest.raises(IndexError):
        mt.diag_embed(mt.ones(2, 3), 0, 0, 3)
    with pytest.raises(IndexError):
        mt.diag_embed(mt.tensor(1.0))


def test_diag_embed_and_diagflat_gradients():
    check_gradients(lambda x: mt.diag_embed(x, 1, 0, 2) * _weights(4, 2, 4), _values(2, 3))
    check_gradients(lambda x: mt.diagflat(x, -1) * _weights(5, 5), _values(2, 2))


@pytest.mark.parametrize("shape, wrap", [((3, 3), False), ((7, 3), False), ((7, 3), True), ((3, 5), True), ((2, 2, 2), False)])
def test_fill_diagonal_against_numpy(shape, wrap):
    expected = np.zeros(shape)
    np.fill_diagonal(expected, 5.0, wrap=wrap)
    out = mt.zeros(*shape)
    assert out.fill_diagonal_(5, wrap=wrap) is out
    np.testing.assert_array_equal(out.numpy(), expected)


def test_fill_diagonal_rules_and_gradient():
    assert mt.zeros(3, 3, dtype=mt.int64).fill_diagonal_(2.7).diagonal().tolist() == [2, 2, 2]
    for shape, match in (((3,), "larger than 1"), ((2, 2, 3), "equal length")):
        with pytest.raises(RuntimeError, match=match):
            mt.zeros(*shape).fill_diagonal_(1)
    with pytest.raises(RuntimeError, match="overflow"):
        mt.zeros(2, 2, dtype=mt.uint8).fill_diagonal_(300)
    a = mt.ones(2, 2, requires_grad=True)
    b = a * 3
    b.fill_diagonal_(1.0)
    b.sum().backward()
    assert a.grad.tolist() == [[0.0, 3.0], [3.0, 0.0]]


# ------------------------------------------ select / slice / diagonal_scatter
def _scatter_expected(shape, region, src):
    out = np.zeros(shape)
    out[region] = src
    return out


@pytest.mark.parametrize("call, shape, region, src_shape", [
    (lambda x, s: mt.select_scatter(x, s, 0, 1), (2, 3), np.s_[1], (3,)),
    (lambda x, s: x.select_scatter(s, 1, -1), (2, 3), np.s_[:, -1], (2,)),
    (lambda x, s: mt.slice_scatter(x, s, 0, 0, 4, 2), (4, 2), np.s_[0:4:2], (2, 2)),
    (lambda x, s: x.slice_scatter(s, 1, -1), (4, 2), np.s_[:, -1:], (4, 1)),
    (lambda x, s: mt.slice_scatter(x, s, start=1, end=-1), (4, 2), np.s_[1:-1], (2, 2)),
    (lambda x, s: mt.slice_scatter(x, s, 0, 1, 10), (4, 2), np.s_[1:10], (3, 2)),
    (lambda x, s: mt.slice_scatter(x, s, 0, 3, 1), (4, 2), np.s_[3:1], (0, 2)),
])
def test_select_and_slice_scatter_values(call, shape, region, src_shape):
    src = _values(*src_shape)
    out = call(mt.zeros(*shape, dtype=mt.float64), mt.tensor(src))
    np.testing.assert_array_equal(out.numpy(), _scatter_expected(shape, region, src))


def test_diagonal_scatter_values_and_casting():
    out = mt.diagonal_scatter(mt.zeros(3, 3), mt.ones(2), 1)
    np.testing.assert_array_equal(out.numpy(), np.diag([1.0, 1.0], 1))
    batched = mt.zeros(2, 3, 3).diagonal_scatter(mt.ones(2, 3), 0, 1, 2)
    np.testing.assert_array_equal(batched.numpy(), np.stack([np.eye(3)] * 2))
    cast = mt.select_scatter(mt.zeros(2, 3), mt.ones(3, dtype=mt.int64), 0, 1)
    assert cast.dtype == mt.float32 and cast.tolist() == [[0.0] * 3, [1.0] * 3]
    original = mt.zeros(2, 3)
    mt.select_scatter(original, mt.ones(3), 0, 0)
    assert original.sum().item() == 0.0  # out of place


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.select_scatter(mt.zeros(2, 3), mt.ones(2), 0, 1), RuntimeError, "src size = \\[2\\], slice size = \\[3\\]"),
    (lambda: mt.select_scatter(mt.zeros(2, 3), mt.ones(3), 0, 2), IndexError, "out of range"),
    (lambda: mt.select_scatter(mt.zeros(2, 3), 1.0, 0, 1), TypeError, "'src' must be a Tensor"),
    (lambda: mt.slice_scatter(mt.zeros(4, 2), mt.ones(2, 2), 0, 0, 4, 0), RuntimeError, "step must be positive"),
    (lambda: mt.slice_scatter(mt.zeros(4, 2), mt.ones(1, 2), 0, 3, 1), RuntimeError, "slice size = \\[0, 2\\]"),
    (lambda: mt.diagonal_scatter(mt.zeros(3, 3), mt.ones(3), 1), RuntimeError, "slice size = \\[2\\]"),
])
def test_scatter_view_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_scatter_view_gradients():
    check_gradients(lambda x, s: mt.select_scatter(x, s, 1, 0) * _weights(2, 3), _values(2, 3), _values(2))
    check_gradients(lambda x, s: mt.slice_scatter(x, s, 0, 1, 4, 2) * _weights(4, 2), _values(4, 2), _values(2, 2))
    check_gradients(lambda x, s: mt.diagonal_scatter(x, s, -1) * _weights(3, 3), _values(3, 3), _values(2))


# ------------------------------------------------------------ index_reduce
def _index_reduce_expected(x, dim, index, source, reduce, include_self):
    """Python loops over the slices, from the definition."""
    out = np.moveaxis(x.astype(np.float64).copy(), dim, 0)
    src = np.moveaxis(source.astype(np.float64), dim, 0)
    groups = {}
    for i, target in enumerate(index):
        groups.setdefault(int(target), []).append(src[i])
    combine = {"prod": np.prod, "mean": np.mean, "amax": np.max, "amin": np.min}[reduce]
    for target, slices in groups.items():
        members = ([out[target]] if include_self else []) + slices
        out[target] = combine(np.stack(members), axis=0)
    return np.moveaxis(out, 0, dim)


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
@pytest.mark.parametrize("include_self", [True, False])
def test_index_reduce_against_python(reduce, include_self):
    x, source, index = np.full((3, 2), 2.0), np.array([[1.0, 2], [3, 4], [5, 6], [7, 8]]), [0, 2, 0, 2]
    out = mt.tensor(x).index_reduce(0, mt.tensor(index), mt.tensor(source), reduce, include_self=include_self)
    np.testing.assert_allclose(out.numpy(), _index_reduce_expected(x, 0, index, source, reduce, include_self), rtol=1e-6)
    x2, source2 = np.arange(6.0).reshape(2, 3), np.array([[9.0, 1.0], [4.0, 0.5]])
    out2 = mt.index_reduce(mt.tensor(x2), 1, mt.tensor([2, 2], dtype=mt.int32), mt.tensor(source2), reduce, include_self=include_self)
    np.testing.assert_allclose(out2.numpy(), _index_reduce_expected(x2, 1, [2, 2], source2, reduce, include_self), rtol=1e-6)


def test_index_reduce_integer_mean_in_place_and_errors():
    x = mt.arange(6).reshape(3, 2)
    assert x.index_reduce(0, mt.tensor([0, 0]), mt.tensor([[3, 3], [4, 4]]), "mean").tolist() == [[2, 2], [2, 3], [4, 5]]
    y = mt.ones(3)
    assert y.index_reduce_(0, mt.tensor([1]), mt.tensor([5.0]), "prod") is y and y.tolist() == [1.0, 5.0, 1.0]
    assert mt.tensor(1.0).index_reduce(0, mt.tensor([0]), mt.tensor(3.0), "prod").item() == 3.0
    src = mt.ones(4, 2)
    for call, error, match in [
        (lambda: mt.ones(3, 2).index_reduce(0, mt.tensor([0, 1, 0, 1]), src, "sum"), RuntimeError, "prod, mean, amax or amin"),
        (lambda: mt.ones(3, 2).index_reduce(0, mt.tensor([0.0, 1, 0, 1]), src, "prod"), RuntimeError, "int32/int64"),
        (lambda: mt.ones(3, 2).index_reduce(0, mt.tensor([0, 5, 0, 1]), src, "prod"), IndexError, "out of range"),
        (lambda: mt.ones(3, 2).index_reduce(0, mt.tensor([0, -1, 0, 1]), src, "prod"), IndexError, "out of range"),
        (lambda: mt.ones(3, 2).index_reduce(0, mt.tensor([0, 1]), src, "prod"), RuntimeError, "Number of indices"),
        (lambda: mt.ones(3, 2).index_reduce(0, mt.tensor([0, 1, 0, 1]), src.double(), "prod"), RuntimeError, "same scalar type"),
        (lambda: mt.ones(3, 2).index_reduce(0, mt.tensor([[0]]), mt.ones(1, 2), "prod"), IndexError, "vector"),
        (lambda: mt.ones(3, 2).index_reduce(0, mt.tensor([0]), mt.ones(1, 3), "prod"), RuntimeError, "shape must match"),
    ]:
        with pytest.raises(error, match=match):
            call()


@pytest.mark.parametrize("reduce", ["prod", "mean", "amax", "amin"])
def test_index_reduce_gradients(reduce):
    x = np.array([[1.0, 2.0], [3.5, 0.7], [1.3, 2.9]])
    source = np.array([[0.6, 1.7], [2.2, 0.9], [1.1, 3.1]])
    for include_self in (True, False):
        check_gradients(
            lambda a, s, inc=include_self: mt.index_reduce(a, 0, mt.tensor([0, 2, 0]), s, reduce, include_self=inc),
            x, source,
        )


def test_index_reduce_amax_ties_share_the_gradient():
    a = mt.tensor([[2.0, 2.0]], requires_grad=True)
    s = mt.tensor([[2.0, 1.0], [2.0, 3.0]], requires_grad=True)
    a.index_reduce(0, mt.tensor([0, 0]), s, "amax").sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), [[1 / 3, 0.0]])
    np.testing.assert_allclose(s.grad.numpy(), [[1 / 3, 0.0], [1 / 3, 1.0]])


# -------------------------------------------------------------------- put
def test_put_values_and_errors():
    expected = np.zeros(6)
    expected[[0, 5]] = [1.0, 2.0]
    assert mt.zeros(2, 3).put(mt.tensor([0, -1]), mt.tensor([1.0, 2.0])).tolist() == expected.reshape(2, 3).tolist()
    assert mt.put(mt.zeros(2, 3), mt.tensor([[0, 1]]), mt.tensor([1.0, 2.0])).tolist() == [[1.0, 2.0, 0.0], [0.0] * 3]
    target = mt.zeros(2, 3)
    assert target.put_(mt.tensor([0, 0]), mt.tensor([1.0, 2.0]), accumulate=True) is target
    assert target.tolist() == [[3.0, 0.0, 0.0], [0.0] * 3]
    assert mt.tensor(1.0).put_(mt.tensor([0]), mt.tensor([3.0])).item() == 3.0
    for call, error, match in [
        (lambda: mt.zeros(2, 3).put_(mt.tensor([0, 6]), mt.tensor([1.0, 2.0])), IndexError, "index 6 on a tensor of 6"),
        (lambda: mt.zeros(2, 3).put_(mt.tensor([0, -7]), mt.tensor([1.0, 2.0])), IndexError, "index -7"),
        (lambda: mt.zeros(2, 3).put_(mt.tensor([0, 1]), mt.tensor([1.0, 2.0, 3.0])), IndexError, "same number of elements"),
        (lambda: mt.zeros(2, 3).put_(mt.tensor([0.0, 1.0]), mt.tensor([1.0, 2.0])), RuntimeError, "long tensor"),
        (lambda: mt.zeros(2, 3).put_(mt.tensor([0, 1], dtype=mt.int32), mt.tensor([1.0, 2.0])), RuntimeError, "long tensor"),
        (lambda: mt.zeros(2, 3).put_(mt.tensor([0, 1]), mt.tensor([1, 2])), RuntimeError, "same dtype"),
        (lambda: mt.zeros(2, 3).put_(mt.tensor([0, 1]), 1.0), TypeError, "'source' must be a Tensor"),
    ]:
        with pytest.raises(error, match=match):
            call()


def test_put_gradients():
    for accumulate in (False, True):
        check_gradients(
            lambda x, s, acc=accumulate: mt.put(x, mt.tensor([[4, 0], [-1, 2]]), s, acc) * _weights(2, 3),
            _values(2, 3), _values(2, 2),
        )


# ------------------------------------------ sum_to_size, rsub, broadcast_to
@pytest.mark.parametrize("size, expected_shape", [((1, 3), (1, 3)), ((3,), (3,)), (((2, 1),), (2, 1)), ((mt.Size([1, 1]),), (1, 1))])
def test_sum_to_size_against_numpy(size, expected_shape):
    array = np.arange(6.0).reshape(2, 3)
    out = mt.tensor(array).sum_to_size(*size)
    leading = array.ndim - len(expected_shape)
    axes = tuple(range(leading)) + tuple(leading + i for i, n in enumerate(expected_shape) if n == 1 and array.shape[leading + i] != 1)
    np.testing.assert_array_equal(out.numpy(), array.sum(axis=axes, keepdims=True).reshape(expected_shape))


def test_sum_to_size_rules_and_gradient():
    x = mt.arange(6.0).reshape(2, 3)
    assert x.sum_to_size(2, 3) is x
    assert mt.ones(2, 3, dtype=mt.int32).sum_to_size(1, 3).dtype == mt.int64
    assert mt.ones(2, 3, dtype=mt.bool).sum_to_size(1, 3).tolist() == [[2, 2, 2]]
    for bad in ((2,), (1, 2, 3)):
        with pytest.raises(RuntimeError, match="not expandable"):
            x.sum_to_size(*bad)
    with pytest.raises(TypeError, match="missing"):
        x.sum_to_size()
    check_gradients(lambda a: a.sum_to_size(2, 1) * _weights(2, 1), _values(2, 3))
    check_gradients(lambda a: a.sum_to_size(3), _values(2, 3))


def test_rsub_values_errors_and_gradients():
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(mt.rsub(mt.tensor(x), 1).numpy(), 1 - x)
    np.testing.assert_array_equal(mt.rsub(mt.tensor(x), mt.ones(3), alpha=2).numpy(), 1 - 2 * x)
    assert mt.rsub(mt.tensor([1, 2]), 1.5).tolist() == [0.5, -0.5]
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        mt.rsub(mt.tensor([1, 2]), 1, alpha=0.5)
    with pytest.raises(RuntimeError, match="two bool tensors"):
        mt.rsub(mt.tensor([True]), mt.tensor([True]))
    with pytest.raises(TypeError, match="must be a Tensor"):
        mt.rsub(1, mt.ones(2))
    check_gradients(lambda a, b: mt.rsub(a, b, alpha=1.5), _values(2, 3), _values(3))


def test_broadcast_to_method():
    out = mt.tensor([1, 2, 3]).broadcast_to((2, 3))
    assert out.tolist() == [[1, 2, 3]] * 2 and out.tolist() == mt.broadcast_to(mt.tensor([1, 2, 3]), (2, 3)).tolist()
    check_gradients(lambda a: a.broadcast_to((2, 3)) * _weights(2, 3), _values(3))


def test_second_derivatives_of_the_composites():
    double = mt.autograd.gradgradcheck
    x, s = mt.tensor(_values(3, 3), requires_grad=True), mt.tensor(_values(2), requires_grad=True)
    assert double(lambda a, b: mt.diagonal_scatter(a, b, 1) ** 2, (x, s))
    assert double(lambda b: mt.diag_embed(b) ** 2, (s,))
    assert double(lambda a: mt.rot90(a, 1) ** 2, (x,))
    # accumulate=True only: index_put's own second derivative (accumulate=False) fails in ops/indexing.py
    assert double(lambda a, b: mt.put(a, mt.tensor([0, 4]), b, accumulate=True) ** 2, (x, s))
