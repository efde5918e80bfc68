"""Adamax, NAdam, RAdam and Adadelta against the pseudo-code of the torch.optim documentation,
transcribed here in float64 numpy (loops over steps, out of place)."""
import math

import numpy as np
import pytest

import microtensor as mt
from tests.optim.test_optimizers import _gradients, _options, _run


def _prepare(g, p, maximize, weight_decay, decoupled, lr):
    g = -g if maximize else g
    if weight_decay:
        if decoupled:
            p = p * (1 - lr * weight_decay)
        else:
            g = g + weight_decay * p
    return g, p


def reference_adamax(p, gradients, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False):
    b1, b2 = betas
    m = u = np.zeros_like(p)
    out = []
    for t, g in enumerate(gradients, 1):
        g, p = _prepare(g, p, maximize, weight_decay, False, lr)
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        p = p - lr / (1 - b1 ** t) * m / u
        out.append(p)
    return out


def reference_nadam(p, gradients, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, momentum_decay=4e-3,
                    decoupled_weight_decay=False, maximize=False):
    b1, b2 = betas
    m = v = np.zeros_like(p)
    product = 1.0
    out = []
    for t, g in enumerate(gradients, 1):
        g, p = _prepare(g, p, maximize, weight_decay, decoupled_weight_decay, lr)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        product *= mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        v_hat = v / (1 - b2 ** t)
        p = p - lr * (1 - mu) / (1 - product) * g / (np.sqrt(v_hat) + eps)
        p = p - lr * mu_next / (1 - product * mu_next) * m / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def reference_radam(p, gradients, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, decoupled_weight_decay=False,
                    maximize=False):
    b1, b2 = betas
    m = v = np.zeros_like(p)
    rho_inf = 2 / (1 - b2) - 1
    out = []
    for t, g in enumerate(gradients, 1):
        g, p = _prepare(g, p, maximize, weight_decay, decoupled_weight_decay, lr)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat = m / (1 - b1 ** t)
        rho_t = rho_inf - 2 * t * b2 ** t / (1 - b2 ** t)
        if rho_t > 5:
            l_t = math.sqrt(1 - b2 ** t) / (np.sqrt(v) + eps)
            r_t = math.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
            p = p - lr * m_hat * l_t * r_t
        else:
            p = p - lr * m_hat
        out.append(p)
    return out


def reference_adadelta(p, gradients, lr, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v = u = np.zeros_like(p)
    out = []
    for g in gradients:
        g, p = _prepare(g, p, maximize, weight_decay, False, lr)
        v = rho * v + (1 - rho) * g * g
        delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        p = p - lr * delta
        out.append(p)
    return out


CASES = (
    [("Adamax", reference_adamax, o) for o in _options(weight_decay=[0.0, 0.1], maximize=[False, True],
                                                         betas=[(0.9, 0.999), (0.5, 0.6)])]
    + [("NAdam", reference_nadam, o) for o in _options(weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                                                         maximize=[False, True], momentum_decay=[4e-3, 0.1])]
    # rho_t passes 5 at step 6 for beta2 = 0.999 (un-rectified steps, then rectified); never for 0.6
    + [("RAdam", reference_radam, o) for o in _options(weight_decay=[0.0, 0.1], decoupled_weight_decay=[False, True],
                                                         maximize=[False, True], betas=[(0.9, 0.999), (0.9, 0.6)])]
    + [("Adadelta", reference_adadelta, o) for o in _options(weight_decay=[0.0, 0.1], maximize=[False, True],
                                                               rho=[0.9, 0.5], eps=[1e-6, 1e-2])]
)


@pytest.mark.parametrize("name, reference, options", CASES,
                         ids=[f"{n}-" + ",".join(f"{k}={v}" for k, v in o.items()) for n, _, o in CASES])
def test_matches_the_documented_update_rule(name, reference, options):
    initial, gradients = np.random.default_rng(4).normal(size=(3, 2)), _gradients((3, 2), steps=8)
    got, _, _ = _run(lambda ps: getattr(mt.optim, name)(ps, lr=0.05, **options), initial, gradients)
    want = reference(initial, gradients, 0.05, **options)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("name, defaults, state_keys", [
    ("Adamax", dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0), ["exp_avg", "exp_inf", "step"]),
    ("NAdam", dict(lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, momentum_decay=4e-3,
                   decoupled_weight_decay=False), ["exp_avg", "exp_avg_sq", "mu_product", "step"]),
    ("RAdam", dict(lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, decoupled_weight_decay=False),
     ["exp_avg", "exp_avg_sq", "step"]),
    ("Adadelta", dict(lr=1.0, rho=0.9, eps=1e-6, weight_decay=0), ["acc_delta", "square_avg", "step"]),
])
def test_defaults_state_float32_and_resuming_from_a_state_dict(name, defaults, state_keys):
    initial, gradients = np.random.default_rng(5).normal(size=(2, 2)), _gradients((2, 2), steps=4)
    got, param, optimizer = _run(lambda ps: getattr(mt.optim, name)(ps), initial, gradients, np.float32)
    assert {key: optimizer.defaults[key] for key in defaults} == defaults and not optimizer.defaults["maximize"]
    assert sorted(optimizer.state[param]) == state_keys
    assert all(v.dtype == np.float32 for v in optimizer.state[param].values() if isinstance(v, mt.Tensor))
    # two steps, a state dict into a fresh optimizer, two more steps: the same as four steps
    first, param2, optimizer2 = _run(lambda ps: getattr(mt.optim, name)(ps), initial, gradients[:2], np.float32)
    resumed = mt.tensor(first[-1], requires_grad=True)
    optimizer3 = getattr(mt.optim, name)([resumed])
    optimizer3.load_state_dict(optimizer2.state_dict())
    for gradient in gradients[2:]:
        resumed.grad = mt.tensor(gradient.astype(np.float32))
        optimizer3.step()
    np.testing.assert_array_equal(resumed.detach().numpy(), got[-1])


def test_bad_hyperparameters():
    param = [mt.zeros(1, requires_grad=True)]
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        mt.optim.NAdam(param, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="momentum_decay"):
        mt.optim.NAdam(param, momentum_decay=-1.0)
    with pytest.raises(ValueError, match="rho"):
        mt.optim.Adadelta(param, rho=1.5)
    with pytest.raises(ValueError, match="learning rate"):
        mt.optim.Adamax(param, lr=-1.0)
