"""The less common arguments of ``autograd.grad`` and ``backward``, with PyTorch's meaning."""
import warnings

import numpy as np
import pytest

import microtensor as mt


def _pair():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    unused = mt.tensor([[3.0, 4.0, 5.0]], dtype=mt.float64, requires_grad=True)
    return x, unused


def test_materialize_grads_gives_zeros_for_an_unused_input():
    x, unused = _pair()
    gx, gu = mt.autograd.grad((x * x).sum(), [x, unused], materialize_grads=True)
    np.testing.assert_array_equal(gx.numpy(), 2 * np.array([1.0, 2.0]))  # d/dx sum x^2 = 2x
    assert gu.shape == (1, 3) and gu.dtype == mt.float64 and not gu.requires_grad
    np.testing.assert_array_equal(gu.numpy(), np.zeros((1, 3)))


def test_materialize_grads_with_create_graph_differentiates_again():
    x, unused = _pair()
    gx, gu = mt.autograd.grad((x ** 3).sum(), [x, unused], create_graph=True, materialize_grads=True)
    assert gx.requires_grad and np.all(gu.numpy() == 0)
    (hx,) = mt.autograd.grad(gx.sum(), x)
    np.testing.assert_allclose(hx.numpy(), 6 * np.array([1.0, 2.0]))  # d/dx 3x^2 = 6x


def test_materialize_grads_refuses_allow_unused_false():
    x, unused = _pair()
    with pytest.raises(ValueError, match="allow_unused"):
        mt.autograd.grad((x * 2).sum(), [x, unused], allow_unused=False, materialize_grads=True)


def test_is_grads_batched_false_is_accepted_and_true_says_what_to_do():
    x, _ = _pair()
    (g,) = mt.autograd.grad((x * 3).sum(), x, is_grads_batched=False)
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0])
    with pytest.raises(NotImplementedError, match="once per row"):
        mt.autograd.grad((x * 3).sum(), x, is_grads_batched=True)


def test_only_inputs_is_accepted_and_ignored():
    x, _ = _pair()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (g,) = mt.autograd.grad((x * 3).sum(), x, only_inputs=True)
    np.testing.assert_array_equal(g.numpy(), [3.0, 3.0])
    with pytest.warns(UserWarning, match="deprecated"):
        mt.autograd.grad((x * 3).sum(), x, only_inputs=False)


def test_allow_unused_stays_the_seventh_keyword():
    x, unused = _pair()
    gx, gu = mt.autograd.grad((x * 2).sum(), [x, unused], None, None, False, True, True)
    assert gu is None and np.all(gx.numpy() == 2)


def test_backward_with_empty_inputs_is_an_error():
    x, _ = _pair()
    with pytest.raises(RuntimeError, match="cannot be empty"):
        (x * 2).sum().backward(inputs=[])
    assert x.grad is None


def test_backward_inputs_fills_a_non_leaf_grad_once_even_if_it_retains_grad():
    for retains in (False, True):
        x, _ = _pair()
        y = x * 2
        if retains:
            y.retain_grad()
        z = (y * y).sum()  # dz/dy = 2y = 4x
        z.backward(inputs=[y], retain_graph=True)
        np.testing.assert_array_equal(y.grad.numpy(), 4 * np.array([1.0, 2.0]))
        assert x.grad is None
        z.backward(inputs=[y, x])  # accumulates into y.grad; dz/dx = 8x
        np.testing.assert_array_equal(y.grad.numpy(), 8 * np.array([1.0, 2.0]))
        np.testing.assert_array_equal(x.grad.numpy(), 8 * np.array([1.0, 2.0]))


def test_inputs_outputs_and_grad_outputs_may_be_any_iterable():
    x, w = _pair()
    params = {"x": x, "w": w}
    loss = (x * 3).sum() + (w * w).sum()
    gx, gw = mt.autograd.grad(loss, params.values(), retain_graph=True)
    np.testing.assert_array_equal(gx.numpy(), [3.0, 3.0])
    np.testing.assert_array_equal(gw.numpy(), 2 * w.detach().numpy())
    (g,) = mt.autograd.grad((out for out in [x * 2]), (p for p in [x]), (v for v in [mt.ones(2, dtype=mt.float64)]))
    np.testing.assert_array_equal(g.numpy(), [2.0, 2.0])
    loss.backward(inputs=(p for p in [w]))
    assert x.grad is None
    np.testing.assert_array_equal(w.grad.numpy(), 2 * w.detach().numpy())


def test_a_numpy_gradient_is_one_gradient_not_a_sequence_of_rows():
    x = mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64, requires_grad=True)
    (x * 2).backward(np.array([[1.0, 0.0], [0.0, 1.0]]))
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 0.0], [0.0, 2.0]])
