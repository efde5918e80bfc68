"""Views share storage with their base, as in PyTorch (API.md, "Views and in-place").

One table lists every view op next to the numpy expression that makes the same
view of a numpy array. Each row is checked for: shared memory, writes seen both
ways, and gradients through the view combined with in-place ops on the view or on
its base. Expected gradients are central differences of the same function written
in pure numpy (float64); microtensor's own code is never the oracle.
"""
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

import microtensor as mt

F64 = mt.float64
PLAIN, READONLY, MULTI, NONDIFF = "plain", "readonly", "multi", "nondiff"


def _writable(view, base):
    """The same view as ``view`` (which numpy may hand out read-only) but writable."""
    offset = view.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    return np.ndarray(view.shape, view.dtype, buffer=base, offset=offset, strides=view.strides)


def numeric_grads(f, *arrays, eps=1e-6):
    """Central differences of the scalar numpy function ``f(*arrays)`` w.r.t. every array."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    grads = []
    for k, array in enumerate(arrays):
        grad = np.zeros_like(array)
        for i in np.ndindex(array.shape):
            shifted = [a.copy() for a in arrays]
            shifted[k][i] = array[i] + eps
            up = f(*shifted)
            shifted[k][i] = array[i] - eps
            down = f(*shifted)
            grad[i] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def leaf(array):
    return mt.tensor(np.asarray(array, dtype=np.float64), dtype=F64, requires_grad=True)


def const(array):
    return mt.tensor(np.asarray(array, dtype=np.float64), dtype=F64)


def pattern(shape, start=0.5, step=0.25):
    """Distinct, positive values of a given shape (so a misplaced element shows)."""
    size = int(np.prod(shape, dtype=np.int64))
    return (start + step * (np.arange(size) % 7)).reshape(shape)


def assert_close(actual, expected, tol=1e-6):
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), expected, rtol=tol, atol=tol)


@dataclass
class Case:
    name: str
    shape: tuple
    view: Callable  # Tensor -> view Tensor
    ref: Callable  # ndarray -> the same view as an ndarray
    kind: str = PLAIN


CASES = [
    Case("int", (3, 4), lambda t: t[1], lambda a: a[1]),
    Case("negative_int", (3, 4), lambda t: t[-1], lambda a: a[-1]),
    Case("slice_step", (3, 4), lambda t: t[1:, ::2], lambda a: a[1:, ::2]),
    Case("none", (3, 4), lambda t: t[:, None, 1:3], lambda a: a[:, None, 1:3]),
    Case("ellipsis", (2, 3, 4), lambda t: t[..., 1], lambda a: a[..., 1]),
    Case("ellipsis_alone", (2, 3), lambda t: t[...], lambda a: a[...]),
    Case("element_0d", (2, 3), lambda t: t[0, 1], lambda a: a[0, 1, ...]),
    Case("view", (2, 3, 4), lambda t: t.view(6, 4), lambda a: a.reshape(6, 4)),
    Case("view_minus_one", (2, 3, 4), lambda t: t.view(-1, 3), lambda a: a.reshape(-1, 3)),
    Case("reshape", (2, 3, 4), lambda t: t.reshape(4, 6), lambda a: a.reshape(4, 6)),
    Case("reshape_of_transpose", (3, 4), lambda t: t.t().reshape(2, 2, 3), lambda a: a.T.reshape(2, 2, 3)),
    Case("transpose", (2, 3, 4), lambda t: t.transpose(0, 2), lambda a: a.swapaxes(0, 2)),
    Case("permute", (2, 3, 4), lambda t: t.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    Case("T", (3, 4), lambda t: t.T, lambda a: a.T),
    Case("mT", (2, 3, 4), lambda t: t.mT, lambda a: a.swapaxes(-2, -1)),
    Case("t", (3, 4), lambda t: t.t(), lambda a: a.T),
    Case("squeeze_dim", (3, 1, 4), lambda t: t.squeeze(1), lambda a: a.squeeze(1)),
    Case("squeeze_all", (1, 3, 1), lambda t: t.squeeze(), lambda a: a.squeeze()),
    Case("unsqueeze", (3, 4), lambda t: t.unsqueeze(1), lambda a: a[:, None]),
    Case("expand", (1, 4), lambda t: t.expand(3, 4), lambda a: np.broadcast_to(a, (3, 4)), READONLY),
    Case("expand_new_dim", (3,), lambda t: t.expand(2, 3), lambda a: np.broadcast_to(a, (2, 3)), READONLY),
    Case(
        "expand_as", (1, 4), lambda t: t.expand_as(mt.zeros(3, 4, dtype=F64)),
        lambda a: np.broadcast_to(a, (3, 4)), READONLY,
    ),
    Case("narrow", (3, 4), lambda t: t.narrow(1, 1, 2), lambda a: a[:, 1:3]),
    Case("select", (3, 4), lambda t: t.select(1, -1), lambda a: a[:, -1]),
    Case("unbind", (3, 4), lambda t: t.unbind(1)[2], lambda a: a[:, 2], MULTI),
    Case("split", (3, 4), lambda t: t.split(2, dim=1)[1], lambda a: a[:, 2:4], MULTI),
    Case("split_sizes", (3, 4), lambda t: t.split([1, 3], dim=1)[1], lambda a: a[:, 1:], MULTI),
    Case("chunk", (3, 4), lambda t: t.chunk(2)[1], lambda a: a[2:], MULTI),
    Case("diagonal", (3, 4), lambda t: t.diagonal(), lambda a: _writable(np.diagonal(a), a)),
    Case("diagonal_offset", (3, 4), lambda t: t.diagonal(1), lambda a: _writable(np.diagonal(a, 1), a)),
    Case(
        "diagonal_dims", (2, 3, 4), lambda t: t.diagonal(offset=-1, dim1=1, dim2=2),
        lambda a: _writable(np.diagonal(a, -1, 1, 2), a),
    ),
    Case(
        "unfold", (3, 5), lambda t: t.unfold(1, 2, 2),
        lambda a: _writable(sliding_window_view(a, 2, axis=1)[:, ::2], a),
    ),
    Case("view_as", (2, 3, 4), lambda t: t.view_as(mt.zeros(6, 4, dtype=F64)), lambda a: a.reshape(6, 4)),
    Case("flatten", (2, 3, 4), lambda t: t.flatten(), lambda a: a.reshape(-1)),
    Case("flatten_range", (2, 3, 4), lambda t: t.flatten(1), lambda a: a.reshape(2, 12)),
    Case("view_of_view", (3, 4), lambda t: t[1:].t()[::2], lambda a: a[1:].T[::2]),
    Case("detach", (2, 3), lambda t: t.detach(), lambda a: a[...], NONDIFF),
    Case("data", (2, 3), lambda t: t.data, lambda a: a[...], NONDIFF),
]


def cases(*kinds):
    return [pytest.param(case, id=case.name) for case in CASES if case.kind in kinds]


ALL = (PLAIN, READONLY, MULTI, NONDIFF)
WRITABLE = (PLAIN, MULTI, NONDIFF)
DIFFERENTIABLE = (PLAIN, READONLY, MULTI)


def _base(case):
    array = np.arange(np.prod(case.shape), dtype=np.float64).reshape(case.shape)
    return mt.tensor(array, dtype=F64), array


# ------------------------------------------------------------------ (a) memory
@pytest.mark.parametrize("case", cases(*ALL))
def test_view_shares_memory_with_base(case):
    base, array = _base(case)
    v = case.view(base)
    assert isinstance(v, mt.Tensor)
    assert v.shape == case.ref(array).shape
    assert np.shares_memory(np.asarray(v), np.asarray(base))
    np.testing.assert_array_equal(np.asarray(v), case.ref(array))


@pytest.mark.parametrize("name, pieces", [
    ("unbind", lambda t: t.unbind(1)),
    ("split", lambda t: t.split(3, dim=1)),
    ("split_sizes", lambda t: t.split([2, 1, 2], dim=1)),
    ("chunk", lambda t: t.chunk(3, dim=1)),
])
def test_every_piece_of_a_multi_output_view_shares_memory(name, pieces):
    array = np.arange(15, dtype=np.float64).reshape(3, 5)
    base = mt.tensor(array, dtype=F64)
    expected = {
        "unbind": [array[:, i] for i in range(5)],
        "split": [array[:, :3], array[:, 3:]],
        "split_sizes": [array[:, :2], array[:, 2:3], array[:, 3:]],
        "chunk": [array[:, :2], array[:, 2:4], array[:, 4:]],
    }[name]
    got = pieces(base)
    assert isinstance(got, tuple) and len(got) == len(expected)
    for piece, ref in zip(got, expected):
        assert np.shares_memory(np.asarray(piece), np.asarray(base))
        np.testing.assert_array_equal(np.asarray(piece), ref)
    with mt.no_grad():
        got[-1].fill_(-1)
    assert (np.asarray(base)[:, -1] == -1).all()


# ------------------------------------------------------------------- (b) writes
@pytest.mark.parametrize("case", cases(*WRITABLE))
def test_write_through_view_is_seen_in_base(case):
    base, array = _base(case)
    v = case.view(base)
    increment = pattern(v.shape, start=100.0, step=10.0)
    v.add_(const(increment))
    np.add(case.ref(array), increment, out=case.ref(array))
    np.testing.assert_array_equal(np.asarray(base), array)
    v.fill_(7)
    case.ref(array)[...] = 7
    np.testing.assert_array_equal(np.asarray(base), array)
    np.testing.assert_array_equal(np.asarray(v), case.ref(array))


@pytest.mark.parametrize("case", cases(*WRITABLE))
def test_write_through_view_of_a_leaf_under_no_grad(case):
    base, array = _base(case)
    w = leaf(array)
    with mt.no_grad():
        v = case.view(w)
        factor = pattern(v.shape)
        v.mul_(const(factor))
    np.multiply(case.ref(array), factor, out=case.ref(array))
    np.testing.assert_array_equal(np.asarray(w.detach()), array)
    assert w.requires_grad and w.is_leaf and w.grad_fn is None


@pytest.mark.parametrize("case", cases(*ALL))
def test_write_to_base_is_seen_in_view(case):
    base, array = _base(case)
    v = case.view(base)
    increment = pattern(case.shape, start=100.0, step=10.0)
    base.add_(const(increment))
    array += increment
    np.testing.assert_array_equal(np.asarray(v), case.ref(array))
    base.zero_()
    np.testing.assert_array_equal(np.asarray(v), np.zeros(v.shape))


def test_writing_into_an_expanded_view_raises():
    # PyTorch refuses: several elements of the written-to tensor share one memory location.
    base = mt.zeros(1, 4, dtype=F64)
    with pytest.raises(RuntimeError, match="clone"):
        base.expand(3, 4).add_(1)


# -------------------------------------------------------------- (c) gradients
def _x0(case):
    return np.random.default_rng(len(case.name)).uniform(-2.0, 2.0, size=case.shape)


@pytest.mark.parametrize("case", cases(*DIFFERENTIABLE))
def test_gradient_through_view(case):
    x0 = _x0(case)
    weight = pattern(case.ref(x0).shape)
    x = leaf(x0)
    (case.view(x) * const(weight)).sum().backward()
    (expected,) = numeric_grads(lambda xa: float((case.ref(xa) * weight).sum()), x0)
    assert_close(x.grad, expected)


def _modify_view_then_use_base(case, x0):
    """f(x): a = x * 1; VIEW(a) *= c; sum(weight * a**2)."""
    factor = pattern(case.ref(x0).shape)
    weight = pattern(case.shape, start=-1.0, step=0.375)

    def f(xa):
        a = xa * 1
        v = case.ref(a)
        np.multiply(v, factor, out=v)
        return a, float((a * a * weight).sum())

    return factor, weight, f


@pytest.mark.parametrize("case", cases(PLAIN))
def test_inplace_on_view_then_backward_through_base(case):
    x0 = _x0(case)
    factor, weight, f = _modify_view_then_use_base(case, x0)
    x = leaf(x0)
    a = x * 1
    v = case.view(a)
    v.mul_(const(factor))
    assert a.requires_grad and v.requires_grad
    (a * a * const(weight)).sum().backward()
    assert_close(a.detach(), f(x0)[0])
    (expected,) = numeric_grads(lambda xa: f(xa)[1], x0)
    assert_close(x.grad, expected)


def _modify_base_then_use_view(case, x0):
    """f(x): a = x * 1; v = VIEW(a); a *= c; sum(weight * v**2)."""
    factor = pattern(case.shape)
    weight = pattern(case.ref(x0).shape, start=-1.0, step=0.375)

    def f(xa):
        a = xa * 1
        v = case.ref(a)
        np.multiply(a, factor, out=a)
        return v.copy(), float((v * v * weight).sum())

    return factor, weight, f


@pytest.mark.parametrize("case", cases(PLAIN, READONLY))
def test_inplace_on_base_then_backward_through_view(case):
    x0 = _x0(case)
    factor, weight, f = _modify_base_then_use_view(case, x0)
    x = leaf(x0)
    a = x * 1
    v = case.view(a)
    a.mul_(const(factor))
    assert_close(v.detach(), f(x0)[0])
    (v * v * const(weight)).sum().backward()
    (expected,) = numeric_grads(lambda xa: f(xa)[1], x0)
    assert_close(x.grad, expected)


INPLACE_ON_VIEW_ERROR = r"(?is)(?=.*view)(?=.*in-?place)"


@pytest.mark.parametrize("case", cases(MULTI))
def test_inplace_on_output_of_multi_view_op_raises(case):
    # PyTorch: "Output 0 of UnbindBackward0 is a view and is being modified inplace. This view is
    # the output of a function that returns multiple views. ..." (a RuntimeError).
    x = leaf(_x0(case))
    a = x * 1
    v = case.view(a)
    with pytest.raises(RuntimeError, match=INPLACE_ON_VIEW_ERROR):
        v.mul_(2)


@pytest.mark.parametrize("case", cases(MULTI))
def test_using_output_of_multi_view_op_after_base_changed_raises(case):
    # PyTorch: "... is a view and its base or another view of its base has been modified inplace."
    x = leaf(_x0(case))
    a = x * 1
    v = case.view(a)
    a.mul_(2)
    with pytest.raises(RuntimeError, match=INPLACE_ON_VIEW_ERROR):
        (v * v).sum().backward()


def test_multi_output_views_of_a_tensor_without_grad_can_be_written():
    base = mt.zeros(2, 4, dtype=F64)
    first, second = base.split(2, dim=1)
    first.add_(1)
    second.fill_(3)
    np.testing.assert_array_equal(np.asarray(base), [[1, 1, 3, 3], [1, 1, 3, 3]])


# ------------------------------------------------------- layout: contiguity, strides
def _grid():
    return mt.tensor(np.arange(6, dtype=np.float64).reshape(2, 3), dtype=F64)


def test_is_contiguous():
    x = _grid()
    assert x.is_contiguous()
    assert x[1].is_contiguous()
    assert x[0, 1].is_contiguous()
    assert x.view(3, 2).is_contiguous()
    assert not x.t().is_contiguous()
    assert not x[:, ::2].is_contiguous()
    assert not x[:, 1].is_contiguous()
    assert not mt.zeros(1, 4).expand(3, 4).is_contiguous()
    assert mt.zeros(3, 1).t().is_contiguous()  # size-1 dims do not count, as in PyTorch


def test_contiguous_returns_self_when_already_contiguous():
    x = _grid()
    assert x.contiguous() is x
    row = x[1]
    assert row.contiguous() is row


def test_contiguous_copies_a_non_contiguous_tensor():
    x = _grid()
    before = np.asarray(x).copy()
    xt = x.T
    c = xt.contiguous()
    assert c is not xt
    assert c.is_contiguous() and c.stride() == (2, 1)
    assert not np.shares_memory(np.asarray(c), np.asarray(x))
    np.testing.assert_array_equal(np.asarray(c), before.T)
    c.fill_(-5)
    np.testing.assert_array_equal(np.asarray(x), before)
    assert c._base is None


def test_contiguous_keeps_the_gradient():
    x0 = np.arange(6, dtype=np.float64).reshape(2, 3)
    weight = pattern((3, 2))
    x = leaf(x0)
    (x.T.contiguous() * const(weight)).sum().backward()
    assert_close(x.grad, weight.T)


@pytest.mark.parametrize("make, expected", [
    (lambda: mt.zeros(2, 3), (3, 1)),
    (lambda: mt.zeros(2, 3).t(), (1, 3)),
    (lambda: mt.zeros(2, 3).T, (1, 3)),
    (lambda: mt.zeros(2, 3, 4).permute(2, 0, 1), (1, 12, 4)),
    (lambda: mt.zeros(2, 3, 4).transpose(0, 1).contiguous(), (8, 4, 1)),
    (lambda: mt.zeros(2, 3)[:, ::2], (3, 2)),
    (lambda: mt.zeros(2, 3)[1], (1,)),
    (lambda: mt.zeros(2, 3)[0, 1], ()),
    (lambda: mt.zeros(1, 3).expand(4, 3), (0, 1)),
    (lambda: mt.zeros(3).unsqueeze(0), (3, 1)),
    (lambda: mt.zeros(3).unsqueeze(1), (1, 1)),
    (lambda: mt.zeros(3, 4).diagonal(), (5,)),
    (lambda: mt.zeros(3, 5).unfold(1, 2, 2), (5, 2, 1)),
    (lambda: mt.zeros(2, 3, dtype=F64), (3, 1)),
], ids=[
    "zeros", "t", "T", "permute", "transpose_contiguous", "step_slice", "row", "element", "expand",
    "unsqueeze0", "unsqueeze1", "diagonal", "unfold", "float64",
])
def test_stride_counts_elements_as_pytorch(make, expected):
    t = make()
    assert t.stride() == expected
    for dim, stride in enumerate(expected):
        assert t.stride(dim) == stride
    if expected:
        assert t.stride(-1) == expected[-1]


@pytest.mark.parametrize("make, expected", [
    (lambda x: x, 0),
    (lambda x: x[1], 3),
    (lambda x: x[:, 1:], 1),
    (lambda x: x[1, 2], 5),
    (lambda x: x.t()[2], 2),
    (lambda x: x[1][1:], 4),
    (lambda x: x.view(6)[4:], 4),
    (lambda x: x.t().contiguous(), 0),
    (lambda x: x.narrow(1, 2, 1), 2),
    (lambda x: x.diagonal(1), 1),
    (lambda x: x.unbind(0)[1], 3),
    (lambda x: x.split(1, dim=1)[2], 2),
], ids=[
    "self", "row", "columns", "element", "column_of_t", "view_of_view", "flat_window",
    "contiguous_copy", "narrow", "diagonal", "unbind", "split",
])
def test_storage_offset(make, expected):
    assert make(mt.zeros(2, 3)).storage_offset() == expected


ALIASES_OF_FIRST_ELEMENT = [
    ("view", lambda x: x.view(6)),
    ("t", lambda x: x.t()),
    ("row", lambda x: x[0]),
    ("element", lambda x: x[0, 0]),
    ("ellipsis", lambda x: x[...]),
    ("none", lambda x: x[None]),
    ("unsqueeze", lambda x: x.unsqueeze(0)),
    ("reshape", lambda x: x.reshape(3, 2)),
    ("expand", lambda x: x.expand(4, 2, 3)),
    ("detach", lambda x: x.detach()),
    ("data", lambda x: x.data),
    ("diagonal", lambda x: x.diagonal()),
    ("narrow", lambda x: x.narrow(0, 0, 1)),
    ("select", lambda x: x.select(1, 0)),
    ("split", lambda x: x.split(1)[0]),
    ("unbind", lambda x: x.unbind()[0]),
    ("chunk", lambda x: x.chunk(2)[0]),
]


@pytest.mark.parametrize("name, alias", ALIASES_OF_FIRST_ELEMENT, ids=[n for n, _ in ALIASES_OF_FIRST_ELEMENT])
def test_data_ptr_is_equal_for_aliases_of_the_first_element(name, alias):
    x = mt.zeros(2, 3, dtype=F64)
    assert isinstance(x.data_ptr(), int)
    assert alias(x).data_ptr() == x.data_ptr()


def test_data_ptr_moves_by_the_storage_offset_and_differs_for_copies():
    x = mt.zeros(2, 3, dtype=F64)
    start = x.data_ptr()
    assert x[1].data_ptr() - start == 3 * 8
    assert x[0, 2].data_ptr() - start == 2 * 8
    assert x.t()[1].data_ptr() - start == 1 * 8
    assert x.clone().data_ptr() != start
    assert x.t().contiguous().data_ptr() != start


VIEWS_OF_X = [
    ("row", lambda x: x[1]),
    ("element", lambda x: x[0, 1]),
    ("ellipsis", lambda x: x[...]),
    ("none", lambda x: x[None]),
    ("view", lambda x: x.view(6)),
    ("reshape", lambda x: x.reshape(3, 2)),
    ("t", lambda x: x.t()),
    ("T", lambda x: x.T),
    ("permute", lambda x: x.permute(1, 0)),
    ("unsqueeze", lambda x: x.unsqueeze(0)),
    ("expand", lambda x: x.expand(2, 2, 3)),
    ("flatten", lambda x: x.flatten()),
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("select", lambda x: x.select(0, 1)),
    ("unbind", lambda x: x.unbind(1)[0]),
    ("split", lambda x: x.split(1)[1]),
    ("chunk", lambda x: x.chunk(2, dim=1)[0]),
    ("diagonal", lambda x: x.diagonal()),
    ("unfold", lambda x: x.unfold(1, 2, 1)),
    ("view_of_view", lambda x: x[1][1:]),
    ("view_of_view_of_view", lambda x: x.view(3, 2).t().unsqueeze(0)),
    ("piece_of_view", lambda x: x.t().unbind(0)[2][1:]),
]


@pytest.mark.parametrize("name, make", VIEWS_OF_X, ids=[n for n, _ in VIEWS_OF_X])
def test_base_of_a_view_is_the_root_tensor(name, make):
    x = mt.zeros(2, 3, dtype=F64)
    assert make(x)._base is x


def test_base_is_none_for_tensors_that_are_not_views():
    x = mt.zeros(2, 3, dtype=F64)
    assert x._base is None
    assert (x * 1)._base is None
    assert x.clone()._base is None
    assert x.t().contiguous()._base is None
    assert x.t().reshape(6)._base is None  # reshape had to copy
    y = leaf(np.ones(3))
    assert y._base is None and (y * 2)._base is None


def test_view_on_incompatible_strides_raises_and_points_to_reshape():
    x = _grid()
    with pytest.raises(RuntimeError, match="reshape"):
        x.T.view(-1)
    flat = x.T.reshape(-1)
    np.testing.assert_array_equal(np.asarray(flat), np.arange(6.0).reshape(2, 3).T.reshape(-1))
    assert not np.shares_memory(np.asarray(flat), np.asarray(x))


def test_reshape_is_a_view_when_strides_allow_and_a_copy_otherwise():
    x = _grid()
    assert np.shares_memory(np.asarray(x.reshape(3, 2)), np.asarray(x))
    assert np.shares_memory(np.asarray(x[1].reshape(3, 1)), np.asarray(x))
    assert not np.shares_memory(np.asarray(x[:, ::2].reshape(4)), np.asarray(x))


# ------------------------------------------------------------------------ .data
def test_data_is_a_tensor_alias_outside_the_graph():
    p = leaf([1.0, 2.0, 3.0])
    d = p.data
    assert isinstance(d, mt.Tensor)
    assert d.requires_grad is False and d.grad_fn is None and d.is_leaf
    assert np.shares_memory(np.asarray(d), np.asarray(p.detach()))
    d[0] = 10.0
    np.testing.assert_array_equal(np.asarray(p.detach()), [10.0, 2.0, 3.0])


def test_data_of_a_non_leaf_is_outside_the_graph():
    x = leaf([1.0, 2.0])
    y = x * 3
    d = y.data
    assert d.requires_grad is False and d.grad_fn is None
    np.testing.assert_array_equal(np.asarray(d), [3.0, 6.0])


def test_sgd_step_through_data_updates_the_parameter():
    p = leaf([1.0, 2.0, 3.0])
    (p * p).sum().backward()
    p.data += -0.1 * p.grad
    np.testing.assert_allclose(np.asarray(p.detach()), [0.8, 1.6, 2.4])
    assert p.requires_grad and p.is_leaf
    np.testing.assert_allclose(np.asarray(p.grad), [2.0, 4.0, 6.0])
    p.data.add_(p.grad, alpha=-0.5)
    np.testing.assert_allclose(np.asarray(p.detach()), [-0.2, -0.4, -0.6])


def test_assigning_data_rebinds_storage_and_may_change_shape():
    p = leaf(np.zeros((2, 3)))
    other = mt.ones(4, dtype=F64)
    p.data = other
    assert p.shape == (4,)
    assert p.requires_grad and p.is_leaf
    np.testing.assert_array_equal(np.asarray(p.detach()), np.ones(4))
    assert np.shares_memory(np.asarray(p.detach()), np.asarray(other))
    (p * 2).sum().backward()
    np.testing.assert_array_equal(np.asarray(p.grad), [2.0, 2.0, 2.0, 2.0])


def test_data_std_is_unbiased():
    values = [1.0, 2.0, 3.0, 4.0]
    p = leaf(values)
    assert p.data.std().item() == pytest.approx(np.std(values, ddof=1))
    assert p.data.std().item() == pytest.approx(np.sqrt(5.0 / 3.0))


def test_writes_through_data_do_not_bump_the_version_counter():
    # As PyTorch: .data is an alias with its own version counter (detach() shares it).
    a = leaf([1.0, 2.0]) * 1
    version = a._version
    a.data.add_(1)
    assert a._version == version
    a.detach().add_(1)
    assert a._version == version + 1


def test_asarray_shares_memory_and_array_copies():
    t = mt.tensor(np.array([1.0, 2.0, 3.0]), dtype=F64)
    shared = np.asarray(t)
    assert isinstance(shared, np.ndarray)
    shared[0] = 10.0
    assert t[0].item() == 10.0
    copied = np.array(t)
    assert not np.shares_memory(copied, np.asarray(t))
    copied[1] = 20.0
    assert t[1].item() == 2.0


def test_numpy_array_iadd_tensor_updates_the_array():
    t = mt.tensor(np.array([1.0, 2.0, 3.0]), dtype=F64)
    arr = np.zeros(3)
    same = arr
    arr += t
    assert arr is same and type(arr) is np.ndarray
    np.testing.assert_array_equal(arr, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(np.asarray(t), [1.0, 2.0, 3.0])
