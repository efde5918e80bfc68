"""In-place ops on views and on their bases keep autograd right, as PyTorch (CopySlices).

Expected gradients are closed forms worked out by hand or central differences of the
same computation written in pure numpy (float64). Where PyTorch refuses an in-place
op, microtensor must raise the same ``RuntimeError``.
"""
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from tests.autograd.test_views import assert_close, const, leaf, numeric_grads, pattern

F64 = mt.float64


# ------------------------------------------------------------- the cases
def test_inplace_on_base_reaches_an_earlier_slice_view():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    v = a[:2]
    a.mul_(2)
    np.testing.assert_array_equal(np.asarray(v.detach()), [2.0, 4.0])
    v.sum().backward()
    np.testing.assert_array_equal(np.asarray(x.grad), [2.0, 2.0, 0.0])


EARLIER_VIEWS = [
    # x is (2, 3); a = x * 1; v = VIEW(a); a.mul_(C); (v * Wv).sum().backward().
    # v = VIEW(C * x), so d/dx = C * (Wv sent back through VIEW).
    ("reshape", lambda a: a.reshape(3, 2), lambda a: a.reshape(3, 2), lambda C, Wv: C * Wv.reshape(2, 3)),
    ("view", lambda a: a.view(6), lambda a: a.reshape(6), lambda C, Wv: C * Wv.reshape(2, 3)),
    ("transpose", lambda a: a.transpose(0, 1), lambda a: a.T, lambda C, Wv: C * Wv.T),
    ("t", lambda a: a.t(), lambda a: a.T, lambda C, Wv: C * Wv.T),
    ("row0", lambda a: a[0], lambda a: a[0], lambda C, Wv: C * np.stack([Wv, np.zeros(3)])),
    ("row1", lambda a: a[1], lambda a: a[1], lambda C, Wv: C * np.stack([np.zeros(3), Wv])),
]


@pytest.mark.parametrize("name, view, np_view, expected_grad", EARLIER_VIEWS, ids=[v[0] for v in EARLIER_VIEWS])
def test_inplace_on_base_reaches_an_earlier_view(name, view, np_view, expected_grad):
    x0 = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.5]])
    C = np.array([[2.0, 3.0, 5.0], [7.0, 11.0, 13.0]])
    x = leaf(x0)
    a = x * 1
    v = view(a)
    Wv = pattern(v.shape)
    a.mul_(const(C))
    np.testing.assert_array_equal(np.asarray(v.detach()), np_view(C * x0))
    (v * const(Wv)).sum().backward()
    assert_close(x.grad, expected_grad(C, Wv))


def test_inplace_on_a_row_view_reaches_the_base():
    w = leaf(np.arange(6.0).reshape(2, 3))
    h = w * 1
    h[0].mul_(3)
    h.sum().backward()
    np.testing.assert_array_equal(np.asarray(w.grad), [[3.0, 3.0, 3.0], [1.0, 1.0, 1.0]])


def test_inplace_on_a_temporary_slice():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    a[:2].mul_(2)
    np.testing.assert_array_equal(np.asarray(a.detach()), [2.0, 4.0, 3.0])
    (a * a).sum().backward()
    # a = [2 x0, 2 x1, x2]; d sum(a^2)/dx = [8 x0, 8 x1, 2 x2]
    np.testing.assert_array_equal(np.asarray(x.grad), [8.0, 16.0, 6.0])


def test_setitem_on_a_view_of_a_view_sends_gradients_to_both_sides():
    w = leaf(np.arange(6.0).reshape(2, 3))
    y = leaf([10.0, 20.0])
    W = pattern((2, 3))
    h = w * 1
    h[0][1:] = y
    np.testing.assert_array_equal(np.asarray(h.detach()), [[0.0, 10.0, 20.0], [3.0, 4.0, 5.0]])
    (h * const(W)).sum().backward()
    expected_w = W.copy()
    expected_w[0, 1:] = 0
    assert_close(w.grad, expected_w)
    assert_close(y.grad, W[0, 1:])


def test_augmented_assignment_on_an_indexed_row():
    # `h[0] += y` is `tmp = h[0]; tmp += y; h[0] = tmp`: the row is copied onto itself.
    w = leaf(np.arange(6.0).reshape(2, 3))
    y = leaf([1.0, 2.0, 3.0])
    W = pattern((2, 3))
    h = w * 1
    h[0] += y
    np.testing.assert_array_equal(np.asarray(h.detach()), [[1.0, 3.0, 5.0], [3.0, 4.0, 5.0]])
    (h * const(W)).sum().backward()
    assert_close(w.grad, W)
    assert_close(y.grad, W[0])


def test_t_inplace_transposes_and_keeps_the_gradient():
    x0 = np.arange(6.0).reshape(2, 3)
    W = pattern((3, 2))
    x = leaf(x0)
    a = x * 1
    assert a.t_() is a
    assert a.shape == (3, 2) and a.stride() == (1, 3)
    np.testing.assert_array_equal(np.asarray(a.detach()), x0.T)
    (a * const(W)).sum().backward()
    assert_close(x.grad, W.T)


def test_t_inplace_on_a_tensor_without_grad_keeps_its_storage():
    b = mt.tensor(np.arange(6.0).reshape(2, 3), dtype=F64)
    before = np.asarray(b)
    b.t_()
    assert b.shape == (3, 2)
    assert np.shares_memory(np.asarray(b), before)
    b[0, 1] = -1.0
    assert before[1, 0] == -1.0


def test_element_view_of_a_leaf_under_no_grad_changes_the_leaf():
    w = leaf(np.zeros((2, 3)))
    version = w._version
    with mt.no_grad():
        w[0, 1].add_(0.5)
    np.testing.assert_array_equal(np.asarray(w.detach()), [[0.0, 0.5, 0.0], [0.0, 0.0, 0.0]])
    assert w.requires_grad and w.is_leaf and w.grad_fn is None
    assert w._version == version + 1


def test_fill_copy_zero_on_element_views_are_seen_in_the_base():
    t = mt.ones(2, 3, dtype=F64)
    t[0, 1].fill_(7)
    t[1, 2].copy_(mt.tensor(5.0, dtype=F64))
    t[1, 0].zero_()
    np.testing.assert_array_equal(np.asarray(t), [[1.0, 7.0, 1.0], [0.0, 1.0, 5.0]])


def test_fill_copy_zero_on_element_views_in_the_graph():
    w = leaf(np.arange(1.0, 7.0).reshape(2, 3))
    s = leaf(5.0)
    W = pattern((2, 3))
    h = w * 1
    h[0, 1].fill_(7)
    h[1, 2].copy_(s)
    h[1, 0].zero_()
    np.testing.assert_array_equal(np.asarray(h.detach()), [[1.0, 7.0, 3.0], [0.0, 5.0, 5.0]])
    (h * const(W)).sum().backward()
    expected = W.copy()
    expected[0, 1] = expected[1, 2] = expected[1, 0] = 0
    assert_close(w.grad, expected)
    assert_close(s.grad, W[1, 2])


def test_clamp_inplace_on_a_view():
    w0 = np.array([[-1.0, 0.25, 2.0], [0.75, -0.3, -2.0]])
    W = pattern((2, 3))

    def f(wa):
        h = wa * 1
        np.clip(h[0], -0.5, 0.5, out=h[0])
        return h, float((h * W).sum())

    w = leaf(w0)
    h = w * 1
    h[0].clamp_(min=-0.5, max=0.5)
    assert_close(h.detach(), f(w0)[0])
    (h * const(W)).sum().backward()
    (expected,) = numeric_grads(lambda wa: f(wa)[1], w0)
    assert_close(w.grad, expected)


def test_relu_inplace_on_a_view():
    w0 = np.array([[-1.0, 0.25, 2.0], [0.75, -0.3, -2.0]])
    W = pattern((2, 3))

    def f(wa):
        h = wa * 1
        h[:, 1:] = np.maximum(h[:, 1:], 0)
        return h, float((h * W).sum())

    w = leaf(w0)
    h = w * 1
    h[:, 1:].relu_()
    assert_close(h.detach(), f(w0)[0])
    (h * const(W)).sum().backward()
    (expected,) = numeric_grads(lambda wa: f(wa)[1], w0)
    assert_close(w.grad, expected)


def test_inplace_ops_on_views_of_a_tensor_without_grad():
    t = mt.tensor(np.array([[-1.0, 0.25, 2.0], [0.75, -0.3, -2.0]]), dtype=F64)
    t[0].clamp_(min=-0.5, max=0.5)
    t[:, 1:].relu_()
    np.testing.assert_array_equal(np.asarray(t), [[-0.5, 0.25, 0.5], [0.75, 0.0, 0.0]])


# --------------------------------------------------------------- where PyTorch raises
LEAF_VIEW_WRITES = [
    ("slice_mul_", lambda x: x[:1].mul_(2)),
    ("row_add_", lambda x: x[0].add_(1)),
    ("element_fill_", lambda x: x[1, 2].fill_(0)),
    ("view_zero_", lambda x: x.view(6).zero_()),
    ("t_copy_", lambda x: x.t().copy_(mt.zeros(3, 2, dtype=F64))),
    ("unsqueeze_iadd", lambda x: x.unsqueeze(0).__iadd__(1.0)),
    ("reshape_clamp_", lambda x: x.reshape(3, 2).clamp_(min=0.0)),
]


@pytest.mark.parametrize("name, write", LEAF_VIEW_WRITES, ids=[n for n, _ in LEAF_VIEW_WRITES])
def test_inplace_on_a_view_of_a_leaf_that_requires_grad_raises(name, write):
    x0 = np.arange(6.0).reshape(2, 3)
    x = leaf(x0)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad is being used in an in-place operation"):
        write(x)
    np.testing.assert_array_equal(np.asarray(x.detach()), x0)


def test_setitem_on_a_leaf_that_requires_grad_raises():
    x = leaf([1.0, 2.0, 3.0])
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used in an in-place operation"):
        x[0] = 5.0
    np.testing.assert_array_equal(np.asarray(x.detach()), [1.0, 2.0, 3.0])


def test_inplace_in_grad_mode_on_a_view_made_under_no_grad_raises():
    # PyTorch: "A view was created in no_grad mode and is being modified inplace with grad mode enabled."
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    with mt.no_grad():
        v = a[:2]
    with pytest.raises(RuntimeError, match="no_grad"):
        v.mul_(2)


VERSION_ERROR = "modified by an inplace operation"


def _backward_error(loss):
    with pytest.raises(RuntimeError, match=VERSION_ERROR) as info:
        loss.backward()
    return str(info.value)


def test_saved_view_changed_through_its_base_raises_with_versions():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    v = a[:2]
    y = v.sin()  # saves v (version 0)
    a.mul_(2)
    a.add_(1)
    message = _backward_error(y.sum())
    assert "is at version 2; expected version 0" in message
    # microtensor may name the node that saved v, PyTorch names the one that made it.
    assert re.search(r"(?i)(sin|slice|getitem|asstrided)\w*backward", message), message


def test_saved_base_changed_through_a_view_raises_with_versions():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    y = a.sin()  # saves a (version 0)
    a[1:].mul_(3)
    message = _backward_error(y.sum())
    assert "is at version 1; expected version 0" in message
    assert re.search(r"(?i)(sin|mul)\w*backward|copyslices", message), message


def test_saved_view_changed_through_a_sibling_view_raises():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    first, last = a[:2], a[1:]
    y = first * first
    last.add_(1)
    message = _backward_error(y.sum())
    assert "is at version 1; expected version 0" in message


def test_saved_tensor_changed_through_detach_raises():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    y = a.sin()
    a.detach().zero_()
    message = _backward_error(y.sum())
    assert "is at version 1; expected version 0" in message


def test_base_and_views_share_one_version_counter():
    a = mt.zeros(2, 3, dtype=F64)
    row, col, flat = a[0], a.t()[1], a.view(6)
    assert a._version == row._version == col._version == flat._version == 0
    row.add_(1)
    assert a._version == row._version == col._version == flat._version == 1
    a.mul_(2)
    assert a._version == row._version == col._version == flat._version == 2
    assert a.detach()._version == 2


# ------------------------------------------------------------------ second order
def test_second_order_through_an_inplace_mul():
    x0 = np.array([1.5, -2.0, 0.5])
    x = leaf(x0)
    z = x.clone()
    z.mul_(x)  # z = x^2
    (g,) = mt.autograd.grad(z.sum(), x, create_graph=True)
    assert g.requires_grad
    assert_close(g, 2 * x0)
    g.sum().backward()
    assert_close(x.grad, [2.0, 2.0, 2.0])


def test_second_order_through_an_inplace_mul_on_a_view():
    x0 = np.array([1.5, -2.0, 0.5])
    x = leaf(x0)
    a = x * 1
    a[:2].mul_(x[:2])  # a = [x0^2, x1^2, x2]
    (g,) = mt.autograd.grad(a.sum(), x, create_graph=True)
    assert_close(g, [2 * x0[0], 2 * x0[1], 1.0])
    (gg,) = mt.autograd.grad(g.sum(), x)
    assert_close(gg, [2.0, 2.0, 0.0])


# ----------------------------------------------- joining the graph through a view write
def test_setitem_with_a_grad_value_puts_a_plain_tensor_in_the_graph():
    y = leaf([2.0, 3.0])
    c = np.array([5.0, 7.0, 11.0])
    a = mt.zeros(3, dtype=F64)
    a[1:] = y
    assert a.requires_grad and not a.is_leaf and a.grad_fn is not None
    (a * const(c)).sum().backward()
    assert_close(y.grad, c[1:])


def test_copy_into_a_view_puts_its_base_in_the_graph():
    y = leaf([2.0, 3.0])
    c = np.array([5.0, 7.0, 11.0])
    a = mt.zeros(3, dtype=F64)
    v = a[1:]
    v.copy_(y)
    assert a.requires_grad and v.requires_grad
    np.testing.assert_array_equal(np.asarray(a.detach()), [0.0, 2.0, 3.0])
    (a * const(c)).sum().backward()
    assert_close(y.grad, c[1:])


# ------------------------------------------------------------- generated programs
@st.composite
def indexed_shapes(draw):
    """A 1-D or 2-D shape with a basic index into it (ints and positive-step slices)."""
    shape = draw(st.lists(st.integers(1, 5), min_size=1, max_size=2).map(tuple))
    index = []
    for size in shape:
        if draw(st.booleans()):
            index.append(draw(st.integers(-size, size - 1)))
        else:
            start = draw(st.none() | st.integers(-size, size))
            stop = draw(st.none() | st.integers(-size, size))
            step = draw(st.none() | st.integers(1, 3))
            index.append(slice(start, stop, step))
    return shape, tuple(index)


def _view_index(index):
    """The index as numpy must see it to return a view (a trailing ... keeps 0-d results views)."""
    return index + (Ellipsis,)


@settings(max_examples=20, deadline=None)
@given(indexed_shapes())
def test_inplace_on_random_slice_then_backward_through_base(shaped):
    shape, index = shaped
    x0 = np.random.default_rng(len(shape)).uniform(-2, 2, size=shape)
    sliced_shape = x0[_view_index(index)].shape
    factor = pattern(sliced_shape, start=1.5)
    weight = pattern(shape, start=-1.0, step=0.375)

    def f(xa):
        a = xa * 1
        v = a[_view_index(index)]
        v *= factor
        return float((a * a * weight).sum())

    x = leaf(x0)
    a = x * 1
    a[index].mul_(const(factor))
    (a * a * const(weight)).sum().backward()
    (expected,) = numeric_grads(f, x0)
    assert_close(x.grad, expected)


@settings(max_examples=20, deadline=None)
@given(indexed_shapes())
def test_inplace_on_base_then_backward_through_random_slice(shaped):
    shape, index = shaped
    x0 = np.random.default_rng(len(shape)).uniform(-2, 2, size=shape)
    factor = pattern(shape, start=1.5)
    weight = pattern(x0[_view_index(index)].shape, start=-1.0, step=0.375)

    def f(xa):
        a = xa * 1
        v = a[_view_index(index)]
        a *= factor
        return float((v * v * weight).sum())

    x = leaf(x0)
    a = x * 1
    v = a[index]
    a.mul_(const(factor))
    (v * v * const(weight)).sum().backward()
    (expected,) = numeric_grads(f, x0)
    assert_close(x.grad, expected)


# Views of a (3, 4) tensor, as microtensor and as numpy (all writable numpy views).
VIEWS = [
    (lambda t: t[1], lambda a: a[1]),
    (lambda t: t[:, 2], lambda a: a[:, 2]),
    (lambda t: t[1:, ::2], lambda a: a[1:, ::2]),
    (lambda t: t.t(), lambda a: a.T),
    (lambda t: t[2, 3], lambda a: a[2, 3, ...]),
    (lambda t: t.view(12)[3:9], lambda a: a.reshape(12)[3:9]),
    (lambda t: t.t()[1], lambda a: a.T[1]),
    (lambda t: t, lambda a: a),
]
OPS = ("mul_const", "add_const", "fill", "copy_y", "mul_y", "iadd_y")


def _apply_mt(op, v, y_view, step):
    if op == "mul_const":
        v.mul_(const(pattern(v.shape, start=0.5 + 0.1 * step)))
    elif op == "add_const":
        v.add_(const(pattern(v.shape, start=-1.0 + step)))
    elif op == "fill":
        v.fill_(0.25 * step)
    elif op == "copy_y":
        v.copy_(y_view)
    elif op == "mul_y":
        v.mul_(y_view)
    else:
        v += y_view


def _apply_np(op, v, y_view, step):
    if op == "mul_const":
        v *= pattern(v.shape, start=0.5 + 0.1 * step)
    elif op == "add_const":
        v += pattern(v.shape, start=-1.0 + step)
    elif op == "fill":
        v[...] = 0.25 * step
    elif op == "copy_y":
        v[...] = y_view
    elif op == "mul_y":
        v *= y_view
    else:
        v += y_view


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, len(VIEWS) - 1), st.sampled_from(OPS)), min_size=1, max_size=4))
def test_random_inplace_programs_on_views(program):
    """Views taken before the writes see them; gradients reach both x and y."""
    rng = np.random.default_rng(7)
    x0, y0 = rng.uniform(-1.5, 1.5, size=(3, 4)), rng.uniform(-1.5, 1.5, size=(3, 4))
    weight = pattern((3, 4), start=-1.0, step=0.375)
    weight_t = pattern((3, 3), start=0.25)

    def f(xa, ya):
        a = xa * 1
        early_row, early_t = a[0], a.T[1:]
        for step, (which, op) in enumerate(program):
            _, np_view = VIEWS[which]
            _apply_np(op, np_view(a), np_view(ya), step)
        loss = (a * a * weight).sum() + 0.5 * (early_row * early_row).sum() + (early_t * weight_t).sum()
        return a, float(loss)

    x, y = leaf(x0), leaf(y0)
    a = x * 1
    early_row, early_t = a[0], a.T[1:]
    for step, (which, op) in enumerate(program):
        mt_view, _ = VIEWS[which]
        _apply_mt(op, mt_view(a), mt_view(y), step)
    assert_close(a.detach(), f(x0, y0)[0])
    loss = (a * a * const(weight)).sum() + 0.5 * (early_row * early_row).sum() + (early_t * const(weight_t)).sum()
    loss.backward()
    expected_x, expected_y = numeric_grads(lambda xa, ya: f(xa, ya)[1], x0, y0)
    assert_close(x.grad, expected_x, tol=1e-5)
    if any(op in ("copy_y", "mul_y", "iadd_y") for _, op in program):
        assert_close(y.grad, expected_y, tol=1e-5)
    else:
        assert y.grad is None


# ------------------------------------------- augmented assignments write in place
def test_ipow_writes_through_a_view_and_differentiates():
    """``v **= 3`` is ``v.pow_(3)``: the base sees it, and d/dx of sum(a) with a[:2] cubed is 3 x^2 there."""
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    v = a[:2]
    v **= 3
    assert_close(a.detach(), [1.0, 8.0, 3.0])
    assert a._version == 1
    a.sum().backward()
    assert_close(x.grad, [3.0, 12.0, 1.0])


def test_ior_and_iand_write_bool_masks_in_place():
    mask = mt.tensor([True, False, False])
    tail = mask[1:]
    tail |= mt.tensor([True, False])
    np.testing.assert_array_equal(np.asarray(mask), [True, True, False])
    tail &= mt.tensor([False, True])
    np.testing.assert_array_equal(np.asarray(mask), [True, False, False])
    assert mask._version == 2


@pytest.mark.parametrize("name, reference", [
    ("floor", np.floor), ("ceil", np.ceil), ("trunc", np.trunc), ("frac", lambda a: a - np.trunc(a)),
    ("log2", np.log2), ("log10", np.log10), ("log1p", np.log1p), ("expm1", np.expm1),
])
def test_more_unary_inplace_methods_write_through_views(name, reference):
    values = np.array([0.25, 1.5, 2.75, 3.5])
    base = mt.tensor(values.copy(), dtype=F64)
    result = getattr(base[1:3], name + "_")()
    assert result._base is base
    assert_close(base, np.concatenate([values[:1], reference(values[1:3]), values[3:]]))


def test_round_inplace_takes_decimals():
    base = mt.tensor([0.123, 2.567], dtype=F64)
    base.round_(decimals=1)
    assert_close(base, [0.1, 2.6])


def test_inplace_log_gradient_on_a_view():
    """a[1:] = log(a[1:]): d/dx of sum(a * w) is w / x on the logged part, w elsewhere."""
    x = leaf([1.0, 2.0, 4.0])
    a = x * 1
    a[1:].log2_()
    (a * const([1.0, 2.0, 3.0])).sum().backward()
    assert_close(x.grad, [1.0, 2.0 / (2.0 * np.log(2)), 3.0 / (4.0 * np.log(2))])


def test_swapdims_and_swapaxes_inplace_are_transpose_():
    for name in ("swapdims_", "swapaxes_"):
        t = mt.arange(6.0).reshape(2, 3)
        assert getattr(t, name)(0, 1) is t
        assert t.shape == (3, 2) and t.stride() == (1, 3)


# ------------------------------------------- retain_grad follows the tensor's new value
def test_retain_grad_then_inplace_keeps_the_gradient_of_the_new_value():
    """d(sum a')/d a' = 1 for the modified a' (PyTorch's .grad), while x gets 2 through a' = 2a."""
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    a.retain_grad()
    seen = []
    a.register_hook(lambda grad: seen.append(np.asarray(grad).copy()))  # a plain hook stays with the old a
    a.mul_(2)
    a.sum().backward()
    assert_close(a.grad, [1.0, 1.0, 1.0])
    assert_close(x.grad, [2.0, 2.0, 2.0])
    assert_close(seen[0], [2.0, 2.0, 2.0])


def test_retain_grad_of_a_base_written_through_a_view_or_by_setitem():
    x = leaf([1.0, 2.0, 3.0])
    a = x * 1
    a.retain_grad()
    a[1:].mul_(2)
    a[0] = 5.0
    (a * a).sum().backward()  # a' = [5, 4, 6]: d/da' = 2a'
    assert_close(a.grad, [10.0, 8.0, 12.0])
    assert_close(x.grad, [0.0, 16.0, 24.0])
    assert a.retains_grad


# ------------------------------- views taken before their base is re-laid in place (t_, unsqueeze_)
def test_a_view_taken_before_its_base_is_transposed_in_place_still_writes_its_own_elements():
    """v = a[0] is row 0 of the old layout; after a.t_() writing into v must change (and differentiate)
    that row, which is now column 0 of a."""
    x0 = pattern((2, 3))
    weight = pattern((3, 2), start=-1.0, step=0.5)

    def f(xa):
        m = xa * 1
        m[0] *= 10
        return float((m.T * weight).sum())

    x = leaf(x0)
    a = x * 1
    v = a[0]
    a.t_()
    assert a._version == 1  # t_ is a new version, as in PyTorch
    v.mul_(10)
    assert_close(a.detach(), (x0 * [[10.0], [1.0]]).T)
    (a * const(weight)).sum().backward()
    assert_close(x.grad, numeric_grads(f, x0)[0])


def test_views_of_a_base_re_laid_twice_and_a_view_of_such_a_view():
    x0, y0 = pattern((2, 3)), np.array([0.5, -1.0])
    weight, u = pattern((1, 3, 2), start=-0.5), np.array([2.0, -3.0])

    def f(xa, ya):
        m = xa * 1
        m[:, 1] += ya
        m[1, 1] *= 3
        return float((m.T[None] * weight).sum() + (m[:, 1] * u).sum())

    x, y = leaf(x0), leaf(y0)
    a = x * 1
    v = a[:, 1]
    a.t_()
    with mt.no_grad():
        a.unsqueeze_(0)
    v.add_(y)
    v[1:].mul_(3)  # a view of the old view, made after both re-layouts
    assert a.shape == (1, 3, 2)
    ((a * const(weight)).sum() + (v * const(u)).sum()).backward()
    expected_x, expected_y = numeric_grads(f, x0, y0)
    assert_close(x.grad, expected_x)
    assert_close(y.grad, expected_y)


def test_a_view_made_after_the_base_is_re_laid_uses_the_new_layout():
    x0 = pattern((2, 3))
    x = leaf(x0)
    a = x * 1
    a.t_()
    a[0].mul_(2)  # row 0 of the transposed a: column 0 of x
    (a * a).sum().backward()
    scale = np.array([[2.0, 1.0, 1.0], [2.0, 1.0, 1.0]])
    assert_close(x.grad, 2 * scale * scale * x0)


def test_an_inplace_view_op_under_no_grad_keeps_the_history():
    """The values do not change, so the graph keeps them: d/dx sum(W * (2x)^T) = 2 W^T."""
    weight = pattern((3, 2))
    x = leaf(pattern((2, 3)))
    a = x * 2
    with mt.no_grad():
        a.t_()
        a.unsqueeze_(0)
    assert a.shape == (1, 3, 2) and a.grad_fn is not None
    (a * const(weight[None])).sum().backward()
    assert_close(x.grad, 2 * weight.T)
    w = leaf(pattern((2, 3)))
    with mt.no_grad():
        w.t_()  # a leaf stays a leaf (what an optimizer's in-place update would need)
    assert w.is_leaf and w.requires_grad and w.shape == (3, 2)
