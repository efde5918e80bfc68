"""The Autograd section of API.md, one test per promise."""
import gc
import weakref

import numpy as np
import pytest

import microtensor as mt

from ..conftest import SLOW

DEEP_CHAIN_PAIRS = 500_000 if SLOW else 50_000  # each pair is two ops: * 1.0, + 0.0


def test_backward_fills_leaf_grads():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    np.testing.assert_allclose(x.grad.data, [2.0, 4.0, 6.0])
    assert x.grad.requires_grad is False and x.grad.grad_fn is None


def test_gradients_accumulate_until_zeroed():
    x = mt.tensor([1.0, -2.0], requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [6.0, 6.0])
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


def test_grad_accumulates_in_place_like_pytorch():
    x = mt.tensor([1.0], requires_grad=True)
    (x * 2).sum().backward()
    held = x.grad
    (x * 2).sum().backward()
    assert held is x.grad
    np.testing.assert_allclose(held.data, [4.0])


def test_leaf_grads_never_share_memory():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.zero_()
    np.testing.assert_allclose(b.grad.data, [1.0, 1.0])


def test_grad_can_be_assigned():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    x.grad = mt.tensor([5.0, 5.0])
    (x * 1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [6.0, 6.0])
    with pytest.raises(RuntimeError, match="different size"):
        x.grad = mt.tensor([1.0])
    x.grad = None
    assert x.grad is None


def test_non_scalar_backward_needs_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()
    y.backward(mt.tensor([1.0, 10.0]))
    np.testing.assert_allclose(x.grad.data, [2.0, 20.0])


def test_backward_gradient_shape_is_checked():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="Mismatch in shape"):
        (x * 2).backward(mt.ones(3))


def test_backward_without_graph_is_an_error():
    x = mt.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2).sum().backward()


def test_second_backward_through_freed_graph_names_retain_graph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    np.testing.assert_allclose(x.grad.data, [4.0, 8.0])


def test_graph_is_freed_after_backward():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2
    y = (hidden * hidden).sum()
    probe = weakref.ref(hidden)
    del hidden
    assert probe() is not None  # kept alive as a saved tensor of the multiplication
    y.backward()
    gc.collect()
    assert probe() is None


def test_dropping_the_output_frees_the_whole_graph_without_gc():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    hidden = x * 2
    probe = weakref.ref(hidden.grad_fn)
    y = (hidden * hidden).sum()
    del hidden, y
    assert probe() is None  # no reference cycles: freed by reference counting alone


@pytest.mark.slow
def test_deep_chain_of_a_million_ops_backpropagates():
    """The promise is a million ops (``MT_SLOW=1``, ~20 s on 2 cores). The quick form's 100,000 ops are already
    a hundred times Python's recursion limit, so a recursive backward or a recursive free fails it just the same."""
    x = mt.tensor([0.5], requires_grad=True)
    y = x
    for _ in range(DEEP_CHAIN_PAIRS):
        y = y * 1.0
        y = y + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, [1.0])
    del y  # freeing a million-node chain must not overflow the C stack either


def test_no_grad_context_and_decorator():
    x = mt.tensor([1.0], requires_grad=True)
    with mt.no_grad():
        assert not mt.is_grad_enabled()
        y = x * 2
        with mt.enable_grad():
            z = x * 2
    assert mt.is_grad_enabled()
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad

    @mt.no_grad()
    def predict(t):
        return t * 3

    assert not predict(x).requires_grad

    @mt.enable_grad()
    def train_step(t):
        return t * 3

    with mt.no_grad():
        assert train_step(x).requires_grad


def test_set_grad_enabled():
    with mt.set_grad_enabled(False):
        assert not mt.is_grad_enabled()
    assert mt.is_grad_enabled()


def test_detach_and_requires_grad_():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    d = (x * 2).detach()
    assert not d.requires_grad and d.is_leaf
    d.requires_grad_()
    (d * 3).sum().backward()
    np.testing.assert_allclose(d.grad.data, [3.0, 3.0])
    assert x.grad is None


def test_detach_shares_memory():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d.data[0] = 7.0
    assert x.detach().numpy()[0] == 7.0


@pytest.mark.parametrize("dtype", [mt.int64, mt.int32, mt.bool])
def test_integer_and_bool_tensors_refuse_requires_grad(dtype):
    with pytest.raises(RuntimeError, match="floating point"):
        mt.tensor([1, 0], dtype=dtype, requires_grad=True)
    with pytest.raises(RuntimeError, match="floating point"):
        mt.zeros(2, dtype=dtype).requires_grad_()


def test_requires_grad_cannot_be_turned_off_on_non_leaf():
    x = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad = False


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_dtype_is_preserved_through_backward(dtype):
    x = mt.tensor([1.0, 2.0], dtype=dtype, requires_grad=True)
    w = mt.tensor([[0.5], [0.25]], dtype=dtype, requires_grad=True)
    y = ((x * x) @ w).sum() * 2.5
    assert y.dtype == dtype
    y.backward()
    assert x.grad.dtype == dtype and w.grad.dtype == dtype


def test_broadcasting_gradients_are_summed_to_each_input_shape():
    a = mt.ones(2, 3, requires_grad=True)
    b = mt.ones(3, requires_grad=True)
    c = mt.ones(2, 1, requires_grad=True)
    (a * b * c).sum().backward()
    assert a.grad.shape == (2, 3) and b.grad.shape == (3,) and c.grad.shape == (2, 1)
    np.testing.assert_allclose(b.grad.data, [2.0, 2.0, 2.0])
    np.testing.assert_allclose(c.grad.data, [[3.0], [3.0]])


def test_mixed_dtype_gradients_match_their_inputs():
    a = mt.tensor([1.0, 2.0], dtype=mt.float32, requires_grad=True)
    b = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    y = a * b
    assert y.dtype == mt.float64
    y.sum().backward()
    assert a.grad.dtype == mt.float32 and b.grad.dtype == mt.float64


def test_autograd_grad_returns_tuple_and_leaves_grad_alone():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    w = mt.tensor([3.0, 4.0], requires_grad=True)
    y = (x * w).sum()
    gx, gw = mt.autograd.grad(y, [x, w])
    np.testing.assert_allclose(gx.data, [3.0, 4.0])
    np.testing.assert_allclose(gw.data, [1.0, 2.0])
    assert x.grad is None and w.grad is None


def test_autograd_grad_of_an_intermediate():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 3
    y = (h * h).sum()
    (gh,) = mt.autograd.grad(y, h)
    np.testing.assert_allclose(gh.data, 2 * h.detach().numpy())


def test_autograd_grad_unused_input():
    x = mt.tensor([1.0], requires_grad=True)
    unused = mt.tensor([1.0], requires_grad=True)
    y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="allow_unused"):
        mt.autograd.grad(y, [x, unused], retain_graph=True)
    gx, gu = mt.autograd.grad(y, [x, unused], allow_unused=True)
    assert gu is None and gx.numpy()[0] == 2.0


def test_autograd_grad_with_grad_outputs():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    (g,) = mt.autograd.grad(x * x, x, grad_outputs=mt.tensor([1.0, 0.5]))
    np.testing.assert_allclose(g.data, [2.0, 2.0])


def test_second_and_third_derivatives_with_create_graph():
    x = mt.tensor([0.3, -1.2, 2.0], dtype=mt.float64, requires_grad=True)
    y = (x ** 4).sum()
    (g1,) = mt.autograd.grad(y, x, create_graph=True)
    (g2,) = mt.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = mt.autograd.grad(g2.sum(), x)
    v = x.detach().numpy()
    np.testing.assert_allclose(g1.data, 4 * v ** 3)
    np.testing.assert_allclose(g2.data, 12 * v ** 2)
    np.testing.assert_allclose(g3.data, 24 * v)


def test_backward_with_create_graph_makes_grad_differentiable():
    x = mt.tensor([1.5], dtype=mt.float64, requires_grad=True)
    (x ** 3).sum().backward(create_graph=True)
    assert x.grad.grad_fn is not None
    (g2,) = mt.autograd.grad(x.grad.sum(), x)
    np.testing.assert_allclose(g2.data, 6 * x.detach().numpy())


def test_hessian_vector_product_of_a_small_mlp_wrt_its_input():
    rng = np.random.default_rng(0)
    w1 = mt.tensor(rng.normal(size=(3, 5)), requires_grad=True)
    w2 = mt.tensor(rng.normal(size=(5, 1)), requires_grad=True)
    x0 = rng.normal(size=(2, 3))

    def loss_of(inputs):
        return (mt.tanh(inputs @ w1) @ w2).sigmoid().sum()

    def input_gradient(values):
        x = mt.tensor(values, requires_grad=True)
        (g,) = mt.autograd.grad(loss_of(x), x)
        return g.numpy()

    x = mt.tensor(x0, requires_grad=True)
    (g,) = mt.autograd.grad(loss_of(x), x, create_graph=True)
    direction = rng.normal(size=x0.shape)
    (hv,) = mt.autograd.grad((g * mt.tensor(direction)).sum(), x)
    eps = 1e-5
    numerical = (input_gradient(x0 + eps * direction) - input_gradient(x0 - eps * direction)) / (2 * eps)
    np.testing.assert_allclose(hv.data, numerical, rtol=1e-6, atol=1e-8)


def test_inplace_on_leaf_that_requires_grad_is_refused():
    w = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w += 1
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w.mul_(2)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        w[0] = 5.0
    with mt.no_grad():
        w -= 0.5 * mt.tensor([2.0, 2.0])
        w[1] = 10.0
    np.testing.assert_allclose(w.data, [0.0, 10.0])
    assert w.is_leaf and w.requires_grad


def test_modifying_a_saved_tensor_in_place_is_detected():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 1
    y = (h * h).sum()
    h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation.*version 1; expected version 0"):
        y.backward()


def test_inplace_on_non_leaf_is_recorded():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    h += 3
    h *= mt.tensor([1.0, 10.0])
    h.sum().backward()
    np.testing.assert_allclose(h.data, [5.0, 70.0])
    np.testing.assert_allclose(x.grad.data, [2.0, 20.0])


def test_setitem_records_gradient_for_value():
    x = mt.zeros(4)
    v = mt.tensor([2.0, 3.0], requires_grad=True)
    x[1:3] = v * v
    (x * mt.tensor([1.0, 1.0, 10.0, 1.0])).sum().backward()
    np.testing.assert_allclose(x.data, [0.0, 4.0, 9.0, 0.0])
    np.testing.assert_allclose(v.grad.data, [4.0, 60.0])


def test_comparisons_carry_no_gradient():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    for result in (x < 1.5, x <= 1.5, x > 1.5, x >= 1.5, x == 1.0, x != 1.0):
        assert result.dtype == mt.bool and not result.requires_grad and result.grad_fn is None


def test_grad_fn_and_is_leaf():
    x = mt.tensor([1.0], requires_grad=True)
    y = x * 2
    assert x.is_leaf and x.grad_fn is None
    assert not y.is_leaf and y.grad_fn.name() == "MulBackward"
    assert y.grad_fn.next_functions[0][0] is x


def test_shared_subexpression_gets_gradient_from_all_consumers():
    x = mt.tensor([2.0], requires_grad=True)
    h = x * x          # used three times below
    y = h + h * h + h * 3
    y.sum().backward()
    # dy/dx = (1 + 2h + 3) * 2x with h = 4
    np.testing.assert_allclose(x.grad.data, [(1 + 8 + 3) * 4.0])


def test_views_share_the_version_counter_with_their_base():
    x = mt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    base = x * 1
    y = (base * base).sum()
    view = base.detach()[1:]
    view += 1  # changes base's memory: the saved base is stale now
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_inplace_on_a_view_inside_the_graph_rebases_the_history_as_pytorch():
    # Once refused; now the base's gradient goes through the in-place op (PyTorch's CopySlices).
    x = mt.ones(3, requires_grad=True)
    base = x * 2
    base[1:].mul_(3)
    base.reshape(1, 3).add_(1)
    np.testing.assert_allclose(base.detach().numpy(), [3.0, 7.0, 7.0])
    base.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 6.0, 6.0])
    x.grad = None
    copy = (x * 2)[[0, 1]]  # advanced indexing copies: in-place changes only the copy
    copy.mul_(3)
    copy.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [6.0, 6.0, 0.0])


def test_gradients_adopted_without_a_copy_are_owned_by_the_leaf():
    # Linear's and matmul's weight gradients are fresh products, adopted as .grad uncopied;
    # they must still behave like private buffers.
    layer = mt.nn.Linear(3, 2)
    x = mt.randn(4, 3)
    y = layer(x).sum()
    y.backward(retain_graph=True)
    first = layer.weight.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(layer.weight.grad.data, 2 * first, rtol=1e-6)
    layer.weight.grad.zero_()
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.data, first, rtol=1e-6)
    w = mt.randn(3, 2, requires_grad=True)
    (x @ w).sum().backward()
    (x @ w).sum().backward()
    np.testing.assert_allclose(w.grad.data, 2 * (x.numpy().T @ np.ones((4, 2), dtype=np.float32)), rtol=1e-6)


def test_a_gradient_cast_to_a_narrower_float_overflows_to_inf_quietly():
    x = mt.tensor([2e38, 1.0], dtype=mt.float32, requires_grad=True)
    (x.double() ** 2).sum().backward()  # d/dx = 2x: 4e38 is beyond float32, as in PyTorch it becomes inf
    assert x.grad.dtype == mt.float32 and x.grad.tolist() == [float("inf"), 2.0]
