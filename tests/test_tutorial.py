"""The tutorial network: the hand-written numpy port is the golden reference for microtensor.

Over the tutorial's full 10,000 epochs, microtensor (nn.Sequential, autograd, SGD)
follows the hand-written backprop with the corrected tanh derivative to rounding
error, and clearly departs from the tutorial's original line; at the initial weights
autograd and the corrected formula agree with central differences, the original
line does not.
"""
import os
import sys
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
import tutorial  # noqa: E402


@pytest.fixture(scope="module")
def runs():
    """The three full-length runs, shared by the tests of this module (a few seconds)."""
    corrected = tutorial.train_by_hand(tutorial.EPOCHS, "corrected")
    original = tutorial.train_by_hand(tutorial.EPOCHS, "original")
    initial_copy = [w.copy() for w in corrected["initial_weights"]]
    microtensor_run = tutorial.train_microtensor(corrected["initial_weights"], corrected["permutations"])
    return {"corrected": corrected, "original": original, "microtensor": microtensor_run, "initial_copy": initial_copy}


# ----------------------------------------------------------- the faithful port
def test_data_is_the_tutorials_standardised_inputs():
    inputs, outputs = tutorial.make_data()
    assert inputs.dtype == np.float64 and inputs.shape == (4, 3) and outputs.shape == (4, 1)
    raw = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=np.float64)
    expected = np.zeros_like(raw)
    expected[:, :2] = (raw[:, :2] - 0.5) / 0.5  # mean 0.5, population std 0.5; the constant column becomes 0
    np.testing.assert_allclose(inputs, expected)
    np.testing.assert_array_equal(outputs[:, 0], raw[:, 0])  # the target is the first input column


def test_random_stream_is_the_tutorials():
    """np.random.seed(1), three init_weights, then np.random.permutation(4) per epoch, as in the tutorial."""
    saved = np.random.get_state()
    try:
        np.random.seed(1)
        weights = [2 * np.random.random((3, 4)) - 1, 2 * np.random.random((4, 4)) - 1, 2 * np.random.random((4, 1)) - 1]
        permutations = [np.random.permutation(4) for _ in range(30)]
    finally:
        np.random.set_state(saved)
    run = tutorial.train_by_hand(epochs=30)
    for ours, theirs in zip(run["initial_weights"], weights):
        np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(run["permutations"], np.array(permutations))
    assert run["loss"].shape == run["mae"].shape == (30,)  # one log entry per epoch


def test_loss_log_is_half_sse_of_each_minibatch_before_its_update():
    run = tutorial.train_by_hand(epochs=1)
    inputs, outputs = tutorial.make_data()
    weights = [w.copy() for w in run["initial_weights"]]
    perm = run["permutations"][0]
    expected, abs_error = 0.0, 0.0
    for rows in (perm[:2], perm[2:]):
        out = tutorial.forward_by_hand(inputs[rows], weights)[2]
        expected += 0.5 * np.sum((outputs[rows] - out) ** 2)
        abs_error += np.sum(np.abs(outputs[rows] - out))
        updates, _ = tutorial.backprop_by_hand(inputs[rows], outputs[rows], weights)
        weights = [w + u for w, u in zip(weights, updates)]
    assert run["loss"][0] == pytest.approx(expected, rel=1e-14)
    assert run["mae"][0] == pytest.approx(abs_error / 4, rel=1e-14)
    for ours, theirs in zip(run["weights"], weights):
        np.testing.assert_allclose(ours, theirs, rtol=1e-14)


def test_stable_sigmoid_never_overflows():
    x = np.array([-1000.0, -40.0, -1.0, 0.0, 2.0, 40.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = tutorial.sigmoid(x)
    assert np.all(np.isfinite(s)) and s[0] == 0.0 and s[-1] == 1.0
    middle = x[1:-1]
    np.testing.assert_allclose(s[1:-1], 1 / (1 + np.exp(-middle)), rtol=1e-15)
    np.testing.assert_allclose(s + tutorial.sigmoid(-x), 1.0, rtol=1e-15)


def test_tanh_rules():
    z = np.array([-2.0, -0.3, 0.0, 0.7, 3.0])
    l2 = np.tanh(z)
    np.testing.assert_allclose(tutorial.tanh_derivative_at(l2, "corrected"), 1 - np.tanh(z) ** 2, rtol=1e-14)
    np.testing.assert_allclose(tutorial.tanh_derivative_at(l2, "original"), 1 - np.tanh(np.tanh(z)) ** 2, rtol=1e-14)
    with pytest.raises(ValueError, match="tanh_rule"):
        tutorial.tanh_derivative_at(l2, "fixed")
    with pytest.raises(ValueError, match="tanh_rule"):
        tutorial.train_by_hand(epochs=1, tanh_rule="fixed")


# -------------------------------------------------- microtensor vs the port
def test_microtensor_follows_corrected_backprop_for_10000_epochs(runs):
    corrected, mt_run = runs["corrected"], runs["microtensor"]
    assert len(mt_run["loss"]) == tutorial.EPOCHS == 10_000
    difference = tutorial.max_weight_difference(mt_run["weights"], corrected["weights"])
    assert difference <= 1e-10
    np.testing.assert_allclose(mt_run["loss"], corrected["loss"], rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(mt_run["predictions"], corrected["predictions"], rtol=0, atol=1e-10)
    for w in mt_run["weights"]:
        assert w.dtype == np.float64
    # the training moved the weights far from where they started (the comparison is not vacuous)
    assert tutorial.max_weight_difference(mt_run["weights"], corrected["initial_weights"]) > 1.0


def test_microtensor_departs_from_the_tutorials_tanh_line(runs):
    difference = tutorial.max_weight_difference(runs["microtensor"]["weights"], runs["original"]["weights"])
    assert difference > 0.1
    gap = np.abs(runs["microtensor"]["loss"] - runs["original"]["loss"])
    assert gap[0] > 1e-3 and gap.max() > 0.01


def test_both_versions_learn_the_task(runs):
    _, outputs = tutorial.make_data()
    for name in ("corrected", "original", "microtensor"):
        predictions = runs[name]["predictions"]
        assert np.max(np.abs(predictions - outputs)) < 0.01, name
        assert runs[name]["loss"][-1] < 1e-4 < runs[name]["loss"][0]


def test_the_loss_plot_explains_why_the_tutorials_line_drops_sooner(runs):
    """What the caption under tutorial_loss.png says holds for this run: the input (1, 1, 1) starts with every
    ReLU off, so the network's output for it is exactly sigmoid(0) = 0.5 and no gradient reaches the first
    layer through it; the correct loss sits on a plateau for over 100 epochs while the tutorial's line,
    whose tanh factor 1 - tanh(l2)**2 is never below 1 - l2**2, gets under 0.01 in under 30."""
    inputs, _ = tutorial.make_data()
    weights = runs["corrected"]["initial_weights"]
    assert tutorial.inputs_with_every_relu_off(weights) == [(1, 1, 1)]
    assert tutorial.forward_by_hand(inputs, weights)[2][1, 0] == 0.5
    plateau_end = tutorial.first_epoch_below(runs["corrected"]["loss"], 0.01)
    early = tutorial.first_epoch_below(runs["original"]["loss"], 0.01)
    assert early < 30 < 100 < plateau_end
    assert tutorial.first_epoch_below([1.0, 0.5], 0.01) is None
    l2 = np.linspace(-1, 1, 201)
    assert np.all(tutorial.tanh_derivative_at(l2, "original") >= tutorial.tanh_derivative_at(l2, "corrected"))
    caption = tutorial.why_the_bug_drops_sooner(runs["corrected"])
    assert "(1, 1, 1) has all four ReLUs off" in caption and "bigger steps" in caption


def test_training_does_not_touch_the_initial_weights(runs):
    for kept, copy in zip(runs["corrected"]["initial_weights"], runs["initial_copy"]):
        np.testing.assert_array_equal(kept, copy)


def test_build_model_copies_weights_transposed():
    run = tutorial.train_by_hand(epochs=1)
    model = tutorial.build_model(run["initial_weights"])
    layers = tutorial.linear_layers(model)
    assert [tuple(layer.weight.shape) for layer in layers] == [(4, 3), (4, 4), (1, 4)]
    assert all(layer.bias is None for layer in layers)
    for layer, w in zip(layers, run["initial_weights"]):
        np.testing.assert_array_equal(layer.weight.detach().numpy(), w.T)
        assert layer.weight.dtype == mt.float64
    inputs, _ = tutorial.make_data()
    with mt.no_grad():
        out = model(mt.from_numpy(inputs)).numpy()
    np.testing.assert_allclose(out, tutorial.forward_by_hand(inputs, run["initial_weights"])[2], rtol=1e-14)


# ------------------------------------------------------------ gradient check
def test_gradient_check_exposes_the_tutorials_tanh_line():
    weights = tutorial.train_by_hand(epochs=1)["initial_weights"]
    errors = tutorial.gradient_check(weights)
    assert errors["autograd"] < 1e-7
    assert errors["corrected"] < 1e-7
    assert errors["original"] > 0.1


@settings(max_examples=10)
@given(seed=st.integers(0, 2**31 - 1), rows=st.lists(st.integers(0, 3), min_size=1, max_size=4))
def test_corrected_update_is_minus_the_autograd_gradient(seed, rows):
    """For any weights and minibatch: the corrected hand-written update == -d(0.5 SSE)/dW from autograd."""
    rng = np.random.default_rng(seed)
    weights = [rng.uniform(-2, 2, (3, 4)), rng.uniform(-2, 2, (4, 4)), rng.uniform(-2, 2, (4, 1))]
    inputs, outputs = tutorial.make_data()
    x, y = inputs[rows], outputs[rows]
    updates, _ = tutorial.backprop_by_hand(x, y, weights, "corrected")
    model = tutorial.build_model(weights)
    loss = 0.5 * ((model(mt.from_numpy(x)) - mt.from_numpy(y)) ** 2).sum()
    loss.backward()
    for layer, update in zip(tutorial.linear_layers(model), updates):
        np.testing.assert_allclose(layer.weight.grad.numpy().T, -update, rtol=1e-10, atol=1e-13)
