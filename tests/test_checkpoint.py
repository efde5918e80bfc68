"""mt.utils.checkpoint: recomputed activations give the un-checkpointed gradients, and keep no graph."""
import gc
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor.utils.checkpoint import checkpoint, checkpoint_sequential

VARIANTS = [True, False]


def _model(depth=4, dropout=0.0):
    mt.manual_seed(0)
    layers = []
    for _ in range(depth):
        layers += [mt.nn.Linear(3, 3), mt.nn.Tanh()]
    if dropout:
        layers.insert(2, mt.nn.Dropout(dropout))
    return mt.nn.Sequential(*layers).double()


def _gradients(model, x):
    return [x.grad.numpy().copy()] + [p.grad.numpy().copy() for p in model.parameters()]


def _input(requires_grad=True):
    return mt.tensor(np.linspace(-1, 1, 6).reshape(2, 3), dtype=mt.float64, requires_grad=requires_grad)


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_gradients_of_inputs_and_parameters_match_the_plain_run(use_reentrant):
    model, x = _model(), _input()
    (model(x) * 2.0).sum().backward()
    expected = _gradients(model, x)
    model.zero_grad()
    x.grad = None
    out = checkpoint(lambda t, scale: model(t) * scale, x, 2.0, use_reentrant=use_reentrant)
    out.sum().backward()
    for got, want in zip(_gradients(model, x), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_several_outputs_and_an_input_without_grad(use_reentrant):
    a = mt.tensor([0.1, 0.5, -0.3], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([2.0, -1.0, 0.5], dtype=mt.float64)
    sine, count, product = checkpoint(lambda p, q: (p.sin(), 3, p * q), a, b, use_reentrant=use_reentrant)
    assert count == 3
    (sine + product).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.cos(a.detach().numpy()) + b.numpy(), rtol=1e-12)
    assert b.grad is None


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_dropout_masks_match_with_preserve_rng_state(use_reentrant):
    model = _model(dropout=0.5)
    mt.manual_seed(7)
    x = _input()
    model(x).sum().backward()
    expected = _gradients(model, x)
    model.zero_grad()
    x.grad = None
    mt.manual_seed(7)
    checkpoint(model, x, use_reentrant=use_reentrant).sum().backward()
    for got, want in zip(_gradients(model, x), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_the_random_state_after_backward_is_the_one_after_forward():
    model, x = _model(dropout=0.5), _input()
    out = checkpoint(model, x, use_reentrant=True)
    state = mt.get_rng_state()
    out.sum().backward()
    assert np.array_equal(mt.get_rng_state().numpy(), state.numpy())


def _live_nodes():
    gc.collect()
    return sum(isinstance(obj, mt.autograd.Function) for obj in gc.get_objects())


@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_checkpoint_sequential_keeps_fewer_nodes_and_gives_the_same_gradients(use_reentrant):
    model, x = _model(depth=8), _input()  # 16 nodes; checkpointed: 3 segment nodes + the last 4 layers
    before = _live_nodes()
    out = model(x)
    plain_nodes = _live_nodes() - before
    out.sum().backward()
    expected = _gradients(model, x)
    del out
    model.zero_grad()
    x.grad = None
    before = _live_nodes()
    out = checkpoint_sequential(model, 4, x, use_reentrant=use_reentrant)
    checkpointed_nodes = _live_nodes() - before
    assert checkpointed_nodes < plain_nodes / 2
    out.sum().backward()
    for got, want in zip(_gradients(model, x), expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_non_reentrant_works_with_autograd_grad_and_inputs_without_grad():
    model, x = _model(), _input(requires_grad=False)
    weight = model[0].weight
    (want,) = mt.autograd.grad(model(x).sum(), [weight])
    (got,) = mt.autograd.grad(checkpoint(model, x, use_reentrant=False).sum(), [weight])
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12)


def test_warnings_as_pytorch():
    x = _input()
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        checkpoint(mt.sin, x)
    with pytest.warns(UserWarning, match="None of the inputs have requires_grad=True"):
        out = checkpoint(mt.sin, x.detach(), use_reentrant=True)
    assert not out.requires_grad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        checkpoint(mt.sin, x, use_reentrant=False)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint(lambda t, scale: t * scale, x, scale=2.0, use_reentrant=True)


def test_under_no_grad_it_is_a_plain_call():
    x = _input()
    with mt.no_grad():
        out = checkpoint(mt.sin, x, use_reentrant=False)
    assert not out.requires_grad
    np.testing.assert_allclose(out.numpy(), np.sin(x.detach().numpy()))


def test_second_order_gradients_through_the_non_reentrant_variant():
    x = mt.tensor([0.3, -0.7, 1.1], dtype=mt.float64, requires_grad=True)
    w = mt.tensor([0.5, 2.0, -1.0], dtype=mt.float64, requires_grad=True)
    out = checkpoint(lambda t: (t * w).sin(), x * 1.0, use_reentrant=False)
    (first,) = mt.autograd.grad(out.sum(), x, create_graph=True)
    second_x, second_w = mt.autograd.grad(first.sum(), [x, w])
    xv, wv = x.detach().numpy(), w.detach().numpy()
    np.testing.assert_allclose(first.detach().numpy(), wv * np.cos(wv * xv), rtol=1e-12)
    np.testing.assert_allclose(second_x.numpy(), -wv ** 2 * np.sin(wv * xv), rtol=1e-12)
    np.testing.assert_allclose(second_w.numpy(), np.cos(wv * xv) - wv * xv * np.sin(wv * xv), rtol=1e-12)
    with pytest.raises(RuntimeError, match="use_reentrant=True.*does not support higher-order"):
        checkpoint(mt.sin, x, use_reentrant=True).sum().backward(create_graph=True)


@pytest.mark.parametrize("call", [
    lambda out, x: mt.autograd.grad(out, x),
    lambda out, x: mt.autograd.grad(out, x, create_graph=True),
    lambda out, x: out.backward(inputs=[x]),
])
def test_the_reentrant_variant_refuses_grad_and_backward_inputs(call):
    x = mt.tensor([0.3, -0.7], dtype=mt.float64, requires_grad=True)
    w = mt.tensor([2.0, 1.0], dtype=mt.float64, requires_grad=True)
    out = checkpoint(lambda t: t * w, x * 1.0, use_reentrant=True).sum()
    with pytest.raises(RuntimeError, match="use_reentrant=True, microtensor.utils.checkpoint is incompatible with .grad"):
        call(out, x)
    assert w.grad is None  # the nested pass did not run: nothing leaked into a parameter's .grad
    out = checkpoint(lambda t: t * w, x * 1.0, use_reentrant=True).sum()
    out.backward()  # plain backward still works after the refusal
    np.testing.assert_allclose(x.grad.numpy(), [2.0, 1.0])


def test_checkpoint_sequential_arguments():
    model = _model(depth=1)
    with pytest.raises(ValueError, match="segments must be an int from 1 to the number of functions"):
        checkpoint_sequential(model, 3, _input(), use_reentrant=False)
    with pytest.raises(ValueError, match="Unexpected keyword arguments: scale"):
        checkpoint_sequential(model, 1, _input(), use_reentrant=False, scale=2)
    with pytest.warns(UserWarning, match="use_reentrant parameter should be passed explicitly"):
        out = checkpoint_sequential(list(model), 2, _input(), preserve_rng_state=False)
    np.testing.assert_allclose(out.detach().numpy(), model(_input()).detach().numpy())



@pytest.mark.parametrize("use_reentrant", VARIANTS)
def test_a_non_leaf_argument_also_used_outside(use_reentrant):
    w = mt.tensor([0.5, -1.5], dtype=mt.float64, requires_grad=True)
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    doubled = w * 2.0
    out = checkpoint(lambda t, u: t * u, x, doubled, use_reentrant=use_reentrant)
    (out + doubled).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 2 * x.detach().numpy() + 2)
    np.testing.assert_allclose(x.grad.numpy(), 2 * w.detach().numpy())
