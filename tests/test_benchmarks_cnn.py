"""The ``cnn_digits`` benchmark: its hand-written numpy CNN is right (gradients against central
differences, PyTorch's momentum rule) and microtensor trains the same network to the same weights.
No test here looks at a time."""
import numpy as np
import pytest

from benchmarks import cnn_digits, numpy_cnn as ref
from benchmarks._core import Config

QUICK = Config(quick=True, repeats=1)


def small_params(rng):
    return [*ref.conv_init(rng, 1, 16, 3, np.float64), *ref.conv_init(rng, 16, 32, 3, np.float64),
            rng.uniform(-0.1, 0.1, (10, 128)), rng.uniform(-0.1, 0.1, 10)]


def test_numpy_cnn_gradients_match_central_differences():
    rng = np.random.default_rng(0)
    params = small_params(rng)
    x = rng.random((3, 1, 8, 8))
    labels = np.array([1, 7, 3])
    _, grads = ref.cnn_gradients(params, x, labels)
    eps = 1e-6
    for param, grad in zip(params, grads):
        assert grad.shape == param.shape
        for flat in rng.choice(param.size, size=min(param.size, 6), replace=False):  # a sample of every tensor
            index = np.unravel_index(flat, param.shape)
            saved = param[index]
            param[index] = saved + eps
            up = ref.cnn_gradients(params, x, labels)[0]
            param[index] = saved - eps
            down = ref.cnn_gradients(params, x, labels)[0]
            param[index] = saved
            assert grad[index] == pytest.approx((up - down) / (2 * eps), rel=1e-5, abs=1e-8)


def test_numpy_cnn_pooling_sends_the_gradient_to_the_first_maximum():
    x = np.array([[[[1.0, 1.0], [0.0, 1.0]]]])
    out = ref.max_pool(x)
    grad = ref.max_pool_backward(np.array([[[[5.0]]]]), x, out)
    np.testing.assert_array_equal(grad, [[[[5.0, 0.0], [0.0, 0.0]]]])


def test_numpy_cnn_momentum_step_is_pytorchs_rule():
    rng = np.random.default_rng(1)
    params = small_params(rng)
    x, labels = rng.random((4, 1, 8, 8)), np.array([0, 1, 2, 3])
    model = ref.NumpyCNN(params, lr=0.1, momentum=0.8)
    expected = [p.copy() for p in params]
    velocity = [np.zeros_like(p) for p in params]
    for step in range(2):
        _, grads = ref.cnn_gradients(expected, x, labels)
        for p, v, g in zip(expected, velocity, grads):
            v[...] = g if step == 0 else 0.8 * v + g
            p -= 0.1 * v
        model.train_step(x, labels)
    for got, want in zip(model.params, expected):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_microtensor_trains_the_cnn_to_numpys_weights():
    results = {}
    for case in cnn_digits.cases(QUICK, ["numpy", "microtensor"]):
        results[(case.name, case.backend)] = case.run()
    (predictions, params), (reference_predictions, reference_params) = (
        results[("train", "microtensor")], results[("train", "numpy")])
    assert np.mean(predictions != reference_predictions) <= 0.01
    for got, want in zip(params, reference_params):
        assert got.dtype == np.float32 and got.shape == want.shape
        np.testing.assert_allclose(got, want, atol=1e-4)
    assert cnn_digits.accuracy(results, "numpy", QUICK) > 0.3  # one epoch (23 steps) is well above chance
    quality = cnn_digits.quality(results, QUICK)
    assert quality[("train", "microtensor")].startswith("test acc") and "max |W - W_numpy|" in quality[
        ("train", "microtensor")]
