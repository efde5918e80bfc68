"""Rprop and ASGD against their update rules (torch.optim's pseudo-code), transcribed in float64
numpy, out of place; state dicts and argument errors."""
import numpy as np
import pytest

import microtensor as mt
from tests.optim.test_optimizers import _gradients, _options, _run


def reference_rprop(p, gradients, lr, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    eta_minus, eta_plus = etas
    prev = np.zeros_like(p)
    size = np.full_like(p, lr)
    out = []
    for g in gradients:
        g = -g if maximize else g
        r = np.sign(g * prev)
        size = np.clip(np.where(r > 0, size * eta_plus, np.where(r < 0, size * eta_minus, size)), *step_sizes)
        g = np.where(r < 0, 0.0, g)
        p = p - np.sign(g) * size
        prev = g
        out.append(p)
    return out


def reference_asgd(p, gradients, lr, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False):
    eta, mu, ax = lr, 1.0, np.zeros_like(p)
    out, averages = [], []
    for t, g in enumerate(gradients, 1):
        g = -g if maximize else g
        g = g + weight_decay * p
        p = p * (1 - lambd * eta) - eta * g
        ax = ax + mu * (p - ax)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)
        out.append(p)
        averages.append(ax)
    return out, averages


def _signed_gradients(shape, steps):
    """Gradients whose signs repeat and flip, with some exact zeros (Rprop's three cases)."""
    gradients = _gradients(shape, steps=steps, seed=3)
    gradients[2][0, 0] = 0.0
    gradients[3] = gradients[2] * 0.5
    return gradients


RPROP_CASES = _options(maximize=[False, True], etas=[(0.5, 1.2), (0.3, 2.0)], step_sizes=[(1e-6, 50), (1e-2, 0.08)])
ASGD_CASES = _options(maximize=[False, True], weight_decay=[0.0, 0.1], t0=[1e6, 2.0], lambd=[1e-4, 0.5])


@pytest.mark.parametrize("options", RPROP_CASES)
def test_rprop_matches_the_update_rule(options):
    initial, gradients = np.random.default_rng(1).normal(size=(3, 2)), _signed_gradients((3, 2), steps=7)
    got, _, _ = _run(lambda ps: mt.optim.Rprop(ps, lr=0.05, **options), initial, gradients)
    for step, (a, b) in enumerate(zip(got, reference_rprop(initial, gradients, 0.05, **options))):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("options", ASGD_CASES)
def test_asgd_matches_the_update_rule_and_averages(options):
    initial, gradients = np.random.default_rng(2).normal(size=(3, 2)), _gradients((3, 2), steps=6)
    got, param, optimizer = _run(lambda ps: mt.optim.ASGD(ps, lr=0.1, alpha=0.6, **options), initial, gradients)
    want, averages = reference_asgd(initial, gradients, 0.1, alpha=0.6, **options)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")
    np.testing.assert_allclose(optimizer.state[param]["ax"].numpy(), averages[-1], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("name, defaults, state_keys", [
    ("Rprop", dict(lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False), ["prev", "step", "step_size"]),
    ("ASGD", dict(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0, maximize=False),
     ["ax", "eta", "mu", "step"]),
])
def test_defaults_state_and_resuming_from_a_state_dict(name, defaults, state_keys):
    initial, gradients = np.random.default_rng(5).normal(size=(2, 2)), _signed_gradients((2, 2), steps=4)
    make = getattr(mt.optim, name)
    got, param, optimizer = _run(lambda ps: make(ps, t0=1) if name == "ASGD" else make(ps), initial, gradients,
                                 np.float32)
    assert {key: optimizer.defaults[key] for key in defaults} == {**defaults, **({"t0": 1} if name == "ASGD" else {})}
    assert sorted(optimizer.state[param]) == state_keys and optimizer.state[param]["step"] == 4
    assert all(v.dtype == np.float32 for v in optimizer.state[param].values() if isinstance(v, mt.Tensor))
    first, _, optimizer2 = _run(lambda ps: make(ps, t0=1) if name == "ASGD" else make(ps), initial, gradients[:2],
                                np.float32)
    saved = optimizer2.state_dict()
    assert saved["param_groups"][0]["params"] == [0] and sorted(saved["state"][0]) == state_keys
    resumed = mt.tensor(first[-1], requires_grad=True)
    optimizer3 = make([resumed])
    optimizer3.load_state_dict(saved)
    for gradient in gradients[2:]:
        resumed.grad = mt.tensor(gradient.astype(np.float32))
        optimizer3.step()
    np.testing.assert_array_equal(resumed.detach().numpy(), got[-1])
    if name == "ASGD":
        np.testing.assert_array_equal(optimizer3.state[resumed]["ax"].numpy(), optimizer.state[param]["ax"].numpy())


@pytest.mark.parametrize("make, error, match", [
    (lambda ps: mt.optim.Rprop(ps, etas=(1.0, 1.2)), ValueError, "Invalid eta values: 1.0, 1.2"),
    (lambda ps: mt.optim.Rprop(ps, etas=(0.5, 1.0)), ValueError, "Invalid eta values"),
    (lambda ps: mt.optim.Rprop(ps, lr=-1.0), ValueError, "learning rate"),
    (lambda ps: mt.optim.Rprop(ps, step_sizes=(1.0,)), TypeError, "step_sizes"),
    (lambda ps: mt.optim.Rprop(ps, etas=0.5), TypeError, "etas"),
    (lambda ps: mt.optim.ASGD(ps, weight_decay=-1.0), ValueError, "weight_decay"),
    (lambda ps: mt.optim.ASGD(ps, lr=-1.0), ValueError, "learning rate"),
    (lambda ps: mt.optim.ASGD(ps, t0=None), TypeError, "t0"),
])
def test_bad_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make([mt.zeros(2, requires_grad=True)])


def test_they_train_a_model():
    mt.manual_seed(0)
    for make in (lambda ps: mt.optim.Rprop(ps, lr=0.01), lambda ps: mt.optim.ASGD(ps, lr=0.1)):
        model = mt.nn.Linear(2, 1)
        x, y = mt.randn(16, 2), mt.randn(16, 1)
        optimizer = make(model.parameters())
        losses = []
        for _ in range(20):
            optimizer.zero_grad()
            loss = mt.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        assert losses[-1] < losses[0]
