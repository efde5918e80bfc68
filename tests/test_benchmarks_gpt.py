"""The gpt_block benchmark: its hand-written numpy oracle is right (directional central differences,
PyTorch's AdamW rule) and microtensor agrees with it. No test here looks at a time."""
import math

import numpy as np
import pytest

from benchmarks import gpt_block, numpy_gpt as ref
from benchmarks._core import Config

QUICK = Config(quick=True, repeats=1)


def tiny_problem(seed=0):
    rng = np.random.default_rng(seed)
    params = ref.init_parameters(rng, vocab=5, context=4, embed=8, dtype=np.float64)
    for name in params:  # move LayerNorm off its (1, 0) start so that every term of its backward matters
        if name.startswith("ln"):
            params[name] = params[name] + rng.normal(scale=0.3, size=params[name].shape)
    idx = rng.integers(0, 5, size=(2, 4))
    targets = rng.integers(0, 5, size=(2, 4))
    return params, idx, targets


def test_numpy_gpt_gradients_match_directional_central_differences():
    params, idx, targets = tiny_problem()
    _, grads = ref.gradients(params, idx, targets, heads=2)
    rng = np.random.default_rng(1)
    eps = 1e-6
    for name, value in params.items():
        direction = rng.normal(size=value.shape)
        shifted = dict(params)
        shifted[name] = value + eps * direction
        up = ref.gradients(shifted, idx, targets, heads=2)[0]
        shifted[name] = value - eps * direction
        down = ref.gradients(shifted, idx, targets, heads=2)[0]
        numerical = (up - down) / (2 * eps)
        assert float(np.sum(grads[name] * direction)) == pytest.approx(numerical, rel=1e-5, abs=1e-8), name


def test_numpy_gpt_position_gradient_covers_only_the_used_positions():
    params, idx, targets = tiny_problem(2)
    _, grads = ref.gradients(params, idx[:, :3], targets[:, :3], heads=2)
    np.testing.assert_array_equal(grads["wpe.weight"][3], 0.0)
    assert np.all(grads["wpe.weight"][:3] != 0)


def test_numpy_adamw_is_pytorchs_rule():
    rng = np.random.default_rng(3)
    param = {"w": rng.normal(size=4)}
    expected = param["w"].copy()
    m, v = np.zeros(4), np.zeros(4)
    optimizer = ref.AdamW(param, lr=0.1, weight_decay=0.5)
    for step in range(1, 4):
        grad = rng.normal(size=4)
        expected *= 1 - 0.1 * 0.5                      # decoupled weight decay first
        m = 0.9 * m + 0.1 * grad
        v = 0.999 * v + 0.001 * grad ** 2
        m_hat, v_hat = m / (1 - 0.9 ** step), v / (1 - 0.999 ** step)
        expected -= 0.1 * m_hat / (np.sqrt(v_hat) + 1e-8)
        optimizer.step({"w": grad})
        np.testing.assert_allclose(param["w"], expected, rtol=1e-6)  # eps sits in a different place: tiny gap


def test_microtensor_gradients_and_training_agree_with_numpy():
    import microtensor as mt

    assert gpt_block.gradient_error("microtensor", batch=4) < 1e-4
    params, batches = gpt_block.data(2)
    batches = [(np.ascontiguousarray(idx[:4]), np.ascontiguousarray(targets[:4])) for idx, targets in batches]
    numpy_losses, numpy_params = ref.train(params, batches, gpt_block.HEADS, gpt_block.LR)
    losses, trained = gpt_block.train_framework(mt, params, batches)
    np.testing.assert_allclose(losses, numpy_losses, rtol=1e-5)
    assert math.isclose(numpy_losses[0], math.log(gpt_block.VOCAB), rel_tol=0.1)  # near-uniform at the start
    for name, value in numpy_params.items():
        assert trained[name].dtype == np.float32
        np.testing.assert_allclose(trained[name], value, atol=1e-4, err_msg=name)  # Adam steps are ~lr = 1e-3
    results = {("train step", "numpy"): (numpy_losses, numpy_params), ("train step", "microtensor"): (losses, trained)}
    assert "max |W - W_numpy|" in gpt_block.quality(results, QUICK)[("train step", "microtensor")]
