"""Custom Functions with several outputs, mark_dirty, mark_non_differentiable; hooks and retain_grad."""
import gc
import weakref

import numpy as np
import pytest

import microtensor as mt


def leaf(values):
    return mt.tensor(values, dtype=mt.float64, requires_grad=True)


class SinCos(mt.autograd.Function):
    """(sin x, cos x); d/dx = g1 cos x - g2 sin x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.sin(), x.cos()

    @staticmethod
    def backward(ctx, grad_sin, grad_cos):
        (x,) = ctx.saved_tensors
        return grad_sin * x.cos() - grad_cos * x.sin()


def test_two_outputs_share_one_node_and_both_gradients_arrive():
    x = leaf([0.3, -1.2, 2.0])
    s, c = SinCos.apply(x)
    assert s.grad_fn is c.grad_fn
    (2 * s + 3 * c).sum().backward()
    values = np.array([0.3, -1.2, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(values) - 3 * np.sin(values))


def test_an_unused_output_gets_a_zero_gradient():
    x = leaf([0.3, -1.2])
    _, c = SinCos.apply(x)
    c.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -np.sin([0.3, -1.2]))


def test_several_outputs_gradcheck_and_second_order():
    def f(x):
        s, c = SinCos.apply(x)
        return s * c + s

    assert mt.autograd.gradcheck(f, (leaf([0.1, 0.7, -0.4]),))
    x = leaf([0.1, 0.7, -0.4])
    s, c = SinCos.apply(x)
    (g,) = mt.autograd.grad((s * s).sum(), x, create_graph=True)   # d/dx sin^2 = sin 2x
    (h,) = mt.autograd.grad(g.sum(), x)                            # 2 cos 2x
    np.testing.assert_allclose(g.detach().numpy(), np.sin(2 * np.array([0.1, 0.7, -0.4])))
    np.testing.assert_allclose(h.numpy(), 2 * np.cos(2 * np.array([0.1, 0.7, -0.4])))


def test_autograd_grad_of_the_second_output():
    x = leaf([0.5])
    s, c = SinCos.apply(x)
    y = c * 2
    (gc_,) = mt.autograd.grad(y.sum(), c)
    np.testing.assert_allclose(gc_.numpy(), [2.0])


class SortWithIndices(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        values = x.detach().numpy()
        order = np.argsort(values, kind="stable")
        ctx.order = order
        indices = mt.tensor(order)
        ctx.mark_non_differentiable(indices)
        return mt.tensor(values[order]), indices

    @staticmethod
    def backward(ctx, grad, grad_indices):
        out = np.zeros(grad.shape)
        out[ctx.order] = grad.numpy()
        return mt.tensor(out)


def test_mark_non_differentiable_output_needs_no_grad():
    x = leaf([3.0, 1.0, 2.0])
    values, indices = SortWithIndices.apply(x)
    assert values.requires_grad and not indices.requires_grad
    (values * mt.tensor([1.0, 10.0, 100.0], dtype=mt.float64)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [100.0, 1.0, 10.0])


class DoubleInPlace(mt.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        x.mul_(2)
        ctx.mark_dirty(x)
        return x

    @staticmethod
    def backward(ctx, grad):
        return grad * 2


def test_mark_dirty_returns_the_input_with_new_history_and_version():
    x = leaf([1.0, 2.0])
    a = x * 3
    version = a._version
    out = DoubleInPlace.apply(a)
    assert out is a
    assert a._version > version
    assert a.grad_fn.name() == "DoubleInPlaceBackward"
    a.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0])
    np.testing.assert_allclose(a.detach().numpy(), [6.0, 12.0])


def test_mark_dirty_on_a_leaf_that_requires_grad_raises():
    x = leaf([1.0, 2.0])
    with pytest.raises(RuntimeError, match="leaf"):
        DoubleInPlace.apply(x)


def test_needs_input_grad_is_seen_by_forward():
    seen = []

    class Probe(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    Probe.apply(leaf([1.0]), mt.tensor([2.0], dtype=mt.float64))
    assert seen == [(True, False)]


def test_forward_may_return_a_non_tensor_value_beside_a_tensor():
    class WithCount(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, 7

        @staticmethod
        def backward(ctx, grad, _):
            return grad * 2

    y, count = WithCount.apply(leaf([1.0]))
    assert count == 7
    y.sum().backward()


# ------------------------------------------------------------------ hooks
def test_register_hook_on_a_non_leaf_can_replace_the_gradient():
    x = leaf([1.0, 2.0])
    y = x * 2
    y.register_hook(lambda g: g * 10)
    (y * y).sum().backward()               # dL/dy = 2y = [4, 8], times 10, then dy/dx = 2
    np.testing.assert_allclose(x.grad.numpy(), [80.0, 160.0])


def test_register_hook_on_a_leaf_sees_the_total_gradient_once():
    calls = []
    x = leaf([1.0, 2.0])
    x.register_hook(lambda g: calls.append(g.numpy().copy()))
    (x * 3 + x * 4).sum().backward()
    assert len(calls) == 1
    np.testing.assert_allclose(calls[0], [7.0, 7.0])
    np.testing.assert_allclose(x.grad.numpy(), [7.0, 7.0])


def test_hook_handle_remove():
    x = leaf([1.0])
    handle = x.register_hook(lambda g: g * 100)
    handle.remove()
    (x * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0])


def test_hook_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="doesn't require gradient"):
        mt.zeros(2).register_hook(lambda g: g)


def test_retain_grad_keeps_a_non_leaf_gradient_and_accumulates():
    x = leaf([1.0, 2.0])
    y = x * x
    y.retain_grad()
    assert y.retains_grad
    z = (y * 3).sum()
    z.backward(retain_graph=True)
    np.testing.assert_allclose(y.grad.numpy(), [3.0, 3.0])
    z.backward()
    np.testing.assert_allclose(y.grad.numpy(), [6.0, 6.0])
    np.testing.assert_allclose(x.grad.numpy(), [12.0, 24.0])


def test_retain_grad_sees_the_gradient_after_other_hooks():
    x = leaf([1.0])
    y = x * 1
    y.retain_grad()
    y.register_hook(lambda g: g * 5)
    y.sum().backward()
    np.testing.assert_allclose(y.grad.numpy(), [5.0])


def test_retain_grad_under_create_graph_keeps_a_differentiable_gradient():
    x = leaf([1.0, 2.0])
    y = x * x
    y.retain_grad()
    (y * y).sum().backward(create_graph=True)  # dL/dy = 2y = 2x^2
    assert y.grad.requires_grad
    np.testing.assert_allclose(y.grad.detach().numpy(), [2.0, 8.0])
    (second,) = mt.autograd.grad(y.grad.sum(), x)  # d/dx sum 2x^2 = 4x
    np.testing.assert_allclose(second.numpy(), [4.0, 8.0])


def test_retain_grad_makes_no_reference_cycle():
    gc.disable()
    try:
        x = leaf([1.0])
        y = x * 2
        y.retain_grad()
        node = weakref.ref(y.grad_fn)
        y.sum().backward()
        del y
        assert node() is None
    finally:
        gc.enable()


def test_node_prehook_sees_and_may_replace_the_output_gradient():
    x = leaf([1.0, 2.0])
    y = x * x
    seen = []
    y.grad_fn.register_prehook(lambda grad_outputs: seen.append([g.numpy().tolist() for g in grad_outputs]))
    y.grad_fn.register_prehook(lambda grad_outputs: (grad_outputs[0] * 10,))
    (y * 3).sum().backward()
    assert seen == [[[3.0, 3.0]]]  # d/dy sum 3y
    np.testing.assert_allclose(x.grad.numpy(), 10 * 3 * 2 * np.array([1.0, 2.0]))  # 10 * 3 * 2x


def test_node_hook_sees_input_gradients_fitted_to_each_input_and_may_replace_them():
    a = leaf([[1.0, 2.0], [3.0, 4.0]])
    b = leaf([10.0, 20.0])  # broadcast over the rows of a
    c = mt.tensor([5.0, 6.0])  # needs no gradient
    out = a * b + c
    node = out.grad_fn.next_functions[0][0]  # the Mul node of a * b
    seen = {}

    def look(grad_inputs, grad_outputs):
        seen["inputs"] = [g.numpy().tolist() for g in grad_inputs]
        seen["outputs"] = [g.numpy().tolist() for g in grad_outputs]
        return grad_inputs[0] * 0, grad_inputs[1]

    handle = node.register_hook(look)
    out.sum().backward()
    assert seen["outputs"] == [[[1.0, 1.0], [1.0, 1.0]]]
    assert seen["inputs"] == [[[10.0, 20.0], [10.0, 20.0]], [4.0, 6.0]]  # d/da = b; d/db = column sums of a
    np.testing.assert_array_equal(a.grad.numpy(), np.zeros((2, 2)))
    np.testing.assert_array_equal(b.grad.numpy(), [4.0, 6.0])
    handle.remove()
    a.grad = b.grad = None
    (a * b + c).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[10.0, 20.0], [10.0, 20.0]])


def test_node_hooks_on_a_function_with_several_outputs():
    x = leaf([0.3, -1.2])
    s, c = SinCos.apply(x)
    seen = []
    s.grad_fn.register_prehook(lambda grads: seen.append([g.numpy().tolist() for g in grads]))
    s.grad_fn.register_prehook(lambda grads: (grads[0], grads[1] + 1))  # as if sum(c) were in the loss too
    (2 * s).sum().backward()
    assert seen == [[[2.0, 2.0], [0.0, 0.0]]]  # the unused output's gradient is materialized as zeros
    values = np.array([0.3, -1.2])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.cos(values) - np.sin(values))


def test_node_hook_returning_the_wrong_count_is_an_error():
    x = leaf([1.0, 2.0])
    y = x.exp()  # one tensor input, so one gradient
    y.grad_fn.register_hook(lambda grad_inputs, grad_outputs: (grad_inputs[0], grad_inputs[0]))
    with pytest.raises(RuntimeError, match="incorrect number of values"):
        y.sum().backward()


def test_node_metadata_is_a_dict_of_the_users_notes():
    y = leaf([1.0]) * 2
    assert y.grad_fn.metadata == {}
    y.grad_fn.metadata["layer"] = "first"
    assert y.grad_fn.metadata == {"layer": "first"}


def test_a_hook_handle_removes_its_hook_when_its_with_block_ends():
    x = leaf([1.0, 2.0])
    y = x * 2
    with y.register_hook(lambda g: g * 10) as handle:
        assert isinstance(handle.id, int)
        (y * 1).sum().backward(retain_graph=True)
    np.testing.assert_array_equal(x.grad.numpy(), [20.0, 20.0])
    x.grad = None
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0])
    other = x.register_hook(lambda g: g)
    assert other.id != handle.id
