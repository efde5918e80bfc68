"""Optimizers against PyTorch's published update rules, written out in numpy here.

Each reference below is a literal transcription of the pseudo-code in the
torch.optim documentation, computed out of place in float64; the optimizers run
on microtensor parameters whose ``.grad`` is set by hand.
"""
import itertools

import numpy as np
import pytest

import microtensor as mt

STEPS = 6


def _gradients(shape, steps=STEPS, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for _ in range(steps)]


def _run(make_optimizer, initial, gradients, dtype=np.float64):
    """Run an optimizer on one parameter; returns the parameter after every step."""
    param = mt.tensor(np.asarray(initial, dtype=dtype), requires_grad=True)
    optimizer = make_optimizer([param])
    trajectory = []
    for gradient in gradients:
        param.grad = mt.tensor(np.asarray(gradient, dtype=dtype))
        optimizer.step()
        assert param.dtype == dtype
        trajectory.append(param.detach().numpy().copy())
    return trajectory, param, optimizer


# ---------------------------------------------------------------- references
def reference_sgd(p, gradients, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, maximize=False):
    p = np.array(p, dtype=np.float64)
    b = None
    out = []
    for g in gradients:
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        if momentum != 0:
            b = g if b is None else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        p = p - lr * g
        out.append(p)
    return out


def reference_adam(p, gradients, lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, maximize=False,
                   decoupled=False):
    p = np.array(p, dtype=np.float64)
    b1, b2 = betas
    m = np.zeros_like(p)
    v = np.zeros_like(p)
    v_max = np.zeros_like(p)
    out = []
    for t, g in enumerate(gradients, start=1):
        if maximize:
            g = -g
        if decoupled:
            p = p * (1 - lr * weight_decay)
        elif weight_decay != 0:
            g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = m / (1 - b1 ** t)
        if amsgrad:
            v_max = np.maximum(v_max, v)
            v_hat = v_max / (1 - b2 ** t)
        else:
            v_hat = v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(p)
    return out


def reference_rmsprop(p, gradients, lr, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False,
                      maximize=False):
    p = np.array(p, dtype=np.float64)
    v = np.zeros_like(p)
    g_avg = np.zeros_like(p)
    b = np.zeros_like(p)
    out = []
    for g in gradients:
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        v = alpha * v + (1 - alpha) * g ** 2
        v_tilde = v
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g
            v_tilde = v_tilde - g_avg ** 2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            p = p - lr * b
        else:
            p = p - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(p)
    return out


def reference_adagrad(p, gradients, lr, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10,
                      maximize=False):
    p = np.array(p, dtype=np.float64)
    s = np.full_like(p, initial_accumulator_value)
    out = []
    for t, g in enumerate(gradients, start=1):
        if maximize:
            g = -g
        if weight_decay != 0:
            g = g + weight_decay * p
        clr = lr / (1 + (t - 1) * lr_decay)
        s = s + g * g
        p = p - clr * g / (np.sqrt(s) + eps)
        out.append(p)
    return out


def _options(**choices):
    names = list(choices)
    return [dict(zip(names, values)) for values in itertools.product(*choices.values())]


SGD_OPTIONS = [
    o for o in _options(momentum=[0.0, 0.9], dampening=[0.0, 0.3], weight_decay=[0.0, 0.1], nesterov=[False, True],
                        maximize=[False, True])
    if not (o["nesterov"] and (o["momentum"] == 0 or o["dampening"] != 0))
]
ADAM_OPTIONS = _options(weight_decay=[0.0, 0.1], amsgrad=[False, True], maximize=[False, True], betas=[(0.9, 0.999), (0.5, 0.6)])
ADAGRAD_OPTIONS = _options(lr_decay=[0.0, 0.3], weight_decay=[0.0, 0.1], initial_accumulator_value=[0.0, 0.5],
                           maximize=[False, True], eps=[1e-10, 1e-2])
RMSPROP_OPTIONS = _options(weight_decay=[0.0, 0.1], momentum=[0.0, 0.8], centered=[False, True], maximize=[False, True])


def _label(options):
    return ",".join(f"{k}={v}" for k, v in options.items())


# ------------------------------------------------------ rules, every option
@pytest.mark.parametrize("options", SGD_OPTIONS, ids=_label)
def test_sgd_matches_reference(options):
    initial, gradients = np.random.default_rng(1).normal(size=(3, 2)), _gradients((3, 2))
    got, _, _ = _run(lambda ps: mt.optim.SGD(ps, lr=0.1, **options), initial, gradients)
    want = reference_sgd(initial, gradients, 0.1, **options)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


def test_sgd_first_momentum_step_has_no_dampening():
    # b_1 = g_1 exactly, even with dampening 0.5: the first step moves by lr * g.
    got, _, _ = _run(lambda ps: mt.optim.SGD(ps, lr=1.0, momentum=0.9, dampening=0.5), [0.0], [[2.0], [2.0]])
    np.testing.assert_allclose(got[0], [-2.0])
    np.testing.assert_allclose(got[1], [-2.0 - (0.9 * 2.0 + 0.5 * 2.0)])


@pytest.mark.parametrize("options", ADAM_OPTIONS, ids=_label)
def test_adam_matches_reference(options):
    initial, gradients = np.random.default_rng(2).normal(size=(4,)), _gradients((4,))
    got, _, _ = _run(lambda ps: mt.optim.Adam(ps, lr=0.05, **options), initial, gradients)
    want = reference_adam(initial, gradients, 0.05, **options)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("options", _options(weight_decay=[0.0, 0.1], amsgrad=[False, True], maximize=[False, True]), ids=_label)
def test_adamw_matches_reference(options):
    initial, gradients = np.random.default_rng(3).normal(size=(2, 3)), _gradients((2, 3))
    got, _, _ = _run(lambda ps: mt.optim.AdamW(ps, lr=0.05, **options), initial, gradients)
    want = reference_adam(initial, gradients, 0.05, decoupled=True, **options)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


def test_adamw_default_weight_decay_is_decoupled_and_0_01():
    optimizer = mt.optim.AdamW([mt.tensor([1.0], requires_grad=True)])
    assert optimizer.param_groups[0]["weight_decay"] == 0.01
    # With a zero gradient Adam's update is 0 and only the decay acts: p * (1 - lr * wd).
    got, _, _ = _run(lambda ps: mt.optim.AdamW(ps, lr=0.1), [2.0], [[0.0]])
    np.testing.assert_allclose(got[0], [2.0 * (1 - 0.1 * 0.01)], rtol=1e-15)
    # Adam's weight decay is an L2 term in the gradient instead: a full-size Adam step.
    got, _, _ = _run(lambda ps: mt.optim.Adam(ps, lr=0.1, weight_decay=0.01), [2.0], [[0.0]])
    np.testing.assert_allclose(got[0], [2.0 - 0.1], rtol=1e-6)


def test_adam_eps_is_added_after_the_square_root():
    # One step with g = 1e-4: m_hat = g, v_hat = g^2, update = lr * g / (|g| + eps).
    g, eps = 1e-4, 1e-3
    got, _, _ = _run(lambda ps: mt.optim.Adam(ps, lr=1.0, eps=eps), [0.0], [[g]])
    np.testing.assert_allclose(got[0], [-g / (g + eps)], rtol=1e-10)


@pytest.mark.parametrize("options", RMSPROP_OPTIONS, ids=_label)
def test_rmsprop_matches_reference(options):
    initial, gradients = np.random.default_rng(4).normal(size=(5,)), _gradients((5,))
    got, _, _ = _run(lambda ps: mt.optim.RMSprop(ps, lr=0.01, **options), initial, gradients)
    want = reference_rmsprop(initial, gradients, 0.01, **options)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


@pytest.mark.parametrize("options", ADAGRAD_OPTIONS, ids=_label)
def test_adagrad_matches_reference(options):
    initial, gradients = np.random.default_rng(7).normal(size=(2, 3)), _gradients((2, 3), steps=12)
    got, _, _ = _run(lambda ps: mt.optim.Adagrad(ps, lr=0.1, **options), initial, gradients)
    want = reference_adagrad(initial, gradients, 0.1, **options)
    for step, (a, b) in enumerate(zip(got, want)):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14, err_msg=f"step {step + 1}")


def test_adagrad_first_step_is_lr_times_the_sign():
    # s_1 = g^2, so the first update is lr * g / (|g| + eps) = lr * sign(g) up to eps.
    got, _, _ = _run(lambda ps: mt.optim.Adagrad(ps, lr=0.5), [0.0, 0.0], [[4.0, -0.25]])
    np.testing.assert_allclose(got[0], [-0.5, 0.5], rtol=1e-9)


def test_adagrad_state_exists_from_construction_as_pytorch():
    param = mt.tensor(np.ones((2, 2), np.float32), requires_grad=True)
    optimizer = mt.optim.Adagrad([param], initial_accumulator_value=0.25)
    state = optimizer.state_dict()["state"]
    assert set(state) == {0} and state[0]["step"] == 0
    assert state[0]["sum"].dtype == mt.float32 and state[0]["sum"].tolist() == [[0.25, 0.25], [0.25, 0.25]]
    param.grad = mt.tensor(np.ones((2, 2), np.float32))
    optimizer.step()
    assert optimizer.state[param]["step"] == 1
    np.testing.assert_allclose(optimizer.state[param]["sum"].numpy(), 1.25)


def test_adagrad_group_added_later_gets_its_state_on_first_step():
    a = mt.tensor([1.0], dtype=mt.float64, requires_grad=True)
    b = mt.tensor([1.0], dtype=mt.float64, requires_grad=True)
    optimizer = mt.optim.Adagrad([a], lr=0.1)
    optimizer.add_param_group({"params": [b], "lr": 1.0})
    b.grad = mt.tensor([2.0], dtype=mt.float64)
    optimizer.step()
    np.testing.assert_allclose(b.data, [1.0 - 1.0 * 2.0 / (2.0 + 1e-10)], rtol=1e-9)
    assert optimizer.state[b]["step"] == 1


def test_adagrad_errors():
    p = [mt.tensor([1.0], requires_grad=True)]
    for key, label in [("lr_decay", "lr_decay value"), ("weight_decay", "weight_decay value"),
                       ("initial_accumulator_value", "initial_accumulator_value value"), ("eps", "epsilon value")]:
        with pytest.raises(ValueError, match=f"Invalid {label}: -1"):
            mt.optim.Adagrad(p, **{key: -1})
    with pytest.raises(NotImplementedError, match="differentiable"):
        mt.optim.Adagrad(p, differentiable=True)
    with pytest.raises(NotImplementedError, match="fused"):
        mt.optim.Adagrad(p, fused=True)
    with pytest.raises(TypeError):
        mt.optim.Adagrad(p, 0.1, 0, 0, 0, 1e-10, None, True)  # maximize is keyword-only, as in PyTorch


def test_defaults_are_pytorchs():
    p = [mt.tensor([1.0], requires_grad=True)]
    assert mt.optim.SGD(p).defaults == dict(lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, maximize=False,
                                           foreach=None, differentiable=False, fused=None)
    adam = mt.optim.Adam(p).defaults
    assert (adam["lr"], adam["betas"], adam["eps"], adam["weight_decay"], adam["amsgrad"]) == (1e-3, (0.9, 0.999), 1e-8, 0, False)
    rms = mt.optim.RMSprop(p).defaults
    assert (rms["lr"], rms["alpha"], rms["eps"], rms["weight_decay"], rms["momentum"], rms["centered"]) == (
        1e-2, 0.99, 1e-8, 0, 0, False)
    ada = mt.optim.Adagrad(p).defaults
    assert (ada["lr"], ada["lr_decay"], ada["weight_decay"], ada["initial_accumulator_value"], ada["eps"],
            ada["maximize"]) == (1e-2, 0, 0, 0, 1e-10, False)


# ----------------------------------------------------------- float32 stays
ALL_CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.1, maximize=True)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1, maximize=True)),
    ("AdamW", dict(lr=0.01, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True, weight_decay=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.1, initial_accumulator_value=0.1)),
]
REFERENCES = {"SGD": reference_sgd, "Adam": reference_adam, "RMSprop": reference_rmsprop, "Adagrad": reference_adagrad,
              "AdamW": lambda *a, **k: reference_adam(*a, decoupled=True, **{"weight_decay": 0.01, **k})}


@pytest.mark.parametrize("name,options", ALL_CONFIGS, ids=lambda x: x if isinstance(x, str) else _label(x))
def test_float32_parameters_stay_float32(name, options):
    initial, gradients = np.random.default_rng(5).normal(size=(3, 3)), _gradients((3, 3))
    got, param, optimizer = _run(lambda ps: getattr(mt.optim, name)(ps, **options), initial, gradients, np.float32)
    for value in optimizer.state[param].values():
        if isinstance(value, mt.Tensor):
            assert value.dtype == np.float32
    want = REFERENCES[name](initial.astype(np.float32).astype(np.float64),
                           [g.astype(np.float32).astype(np.float64) for g in gradients], **options)
    np.testing.assert_allclose(got[-1], want[-1], rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name,options", ALL_CONFIGS[:1] + ALL_CONFIGS[3:4] + ALL_CONFIGS[6:7], ids=str)
def test_numpy_float64_hyperparameters_do_not_upcast(name, options):
    param = mt.tensor(np.ones(3, np.float32), requires_grad=True)
    optimizer = getattr(mt.optim, name)([param], **options)
    optimizer.param_groups[0]["lr"] = np.float64(0.1)
    param.grad = mt.tensor(np.full(3, 0.5, np.float32))
    optimizer.step()
    assert param.dtype == np.float32
    assert all(v.dtype == np.float32 for v in optimizer.state[param].values() if isinstance(v, mt.Tensor))


# ------------------------------------------------------------- behaviour
def test_parameters_without_grad_are_skipped():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0], requires_grad=True)
    optimizer = mt.optim.Adam([a, b], lr=0.1)
    a.grad = mt.tensor([1.0, 1.0])
    optimizer.step()
    np.testing.assert_array_equal(b.data, [3.0])
    assert b not in optimizer.state
    assert optimizer.state[a]["step"] == 1


def test_update_is_in_place_and_bumps_the_version():
    param = mt.tensor([1.0, 2.0], requires_grad=True)
    data, version = param.detach().numpy(), param._version
    optimizer = mt.optim.SGD([param], lr=0.5)
    param.grad = mt.tensor([1.0, 1.0])
    optimizer.step()
    assert param.detach().numpy() is data
    np.testing.assert_array_equal(data, [0.5, 1.5])
    assert param._version == version + 1
    assert param.grad_fn is None and param.is_leaf


def test_parameter_groups_have_their_own_learning_rates():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([1.0], requires_grad=True)
    optimizer = mt.optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.01}], lr=0.1, momentum=0.5)
    assert optimizer.param_groups[0]["lr"] == 0.1 and optimizer.param_groups[1]["lr"] == 0.01
    assert optimizer.param_groups[1]["momentum"] == 0.5
    a.grad, b.grad = mt.tensor([1.0]), mt.tensor([1.0])
    optimizer.step()
    np.testing.assert_allclose(a.data, [0.9])
    np.testing.assert_allclose(b.data, [0.99])
    optimizer.param_groups[0]["lr"] = 1.0  # takes effect at the next step
    optimizer.step()
    np.testing.assert_allclose(a.data, [0.9 - 1.0 * 1.5])
    np.testing.assert_allclose(b.data, [0.99 - 0.01 * 1.5])


def test_add_param_group_uses_defaults():
    a = mt.tensor([1.0], requires_grad=True)
    b = mt.tensor([1.0], requires_grad=True)
    optimizer = mt.optim.Adam([a], lr=0.1)
    optimizer.add_param_group({"params": b, "betas": (0.5, 0.5)})
    group = optimizer.param_groups[1]
    assert group["params"][0] is b and group["lr"] == 0.1 and group["betas"] == (0.5, 0.5)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optimizer.add_param_group({"params": [a]})


def test_params_may_be_a_generator():
    params = [mt.tensor([1.0], requires_grad=True), mt.tensor([2.0], requires_grad=True)]
    optimizer = mt.optim.SGD((p for p in params), lr=0.1)
    assert len(optimizer.param_groups[0]["params"]) == 2


def test_zero_grad():
    param = mt.tensor([1.0, 2.0], requires_grad=True)
    optimizer = mt.optim.SGD([param], lr=0.1)
    param.grad = mt.tensor([3.0, 4.0])
    optimizer.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(param.grad.data, [0.0, 0.0])
    optimizer.zero_grad()
    assert param.grad is None


def test_step_with_closure_returns_the_loss_and_runs_with_grad():
    param = mt.tensor([3.0], requires_grad=True)
    optimizer = mt.optim.SGD([param], lr=0.25)

    def closure():
        optimizer.zero_grad()
        loss = (param * param).sum()
        loss.backward()
        return loss

    with mt.no_grad():
        loss = optimizer.step(closure)
    assert loss.item() == 9.0
    np.testing.assert_allclose(param.data, [3.0 - 0.25 * 6.0])


def test_backward_through_graph_that_saved_an_updated_parameter_raises():
    param = mt.tensor([1.0, 2.0], requires_grad=True)
    optimizer = mt.optim.SGD([param], lr=0.1)
    loss = (param * param).sum()
    param.grad = mt.tensor([1.0, 1.0])
    optimizer.step()
    with pytest.raises(RuntimeError, match="modified by an inplace operation|in-?place"):
        loss.backward()


def test_sgd_minimises_a_quadratic_through_autograd():
    target = np.array([1.0, -2.0, 0.5])
    param = mt.tensor(np.zeros(3), requires_grad=True)
    optimizer = mt.optim.SGD([param], lr=0.1, momentum=0.9)
    for _ in range(200):
        optimizer.zero_grad()
        loss = ((param - mt.tensor(target)) ** 2).sum()
        loss.backward()
        optimizer.step()
    np.testing.assert_allclose(param.data, target, atol=1e-4)


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("cls", [mt.optim.SGD, mt.optim.Adam, mt.optim.AdamW, mt.optim.RMSprop, mt.optim.Adagrad,
                                 mt.optim.LBFGS])
def test_empty_parameter_list(cls):
    with pytest.raises(ValueError, match="optimizer got an empty parameter list"):
        cls([], lr=0.1)


@pytest.mark.parametrize("cls", [mt.optim.SGD, mt.optim.Adam, mt.optim.AdamW, mt.optim.RMSprop, mt.optim.Adagrad,
                                 mt.optim.LBFGS])
def test_negative_learning_rate(cls):
    with pytest.raises(ValueError, match="Invalid learning rate: -0.1"):
        cls([mt.tensor([1.0], requires_grad=True)], lr=-0.1)


def test_bad_parameters():
    with pytest.raises(TypeError, match="can only optimize Tensors.*ndarray"):
        mt.optim.SGD([np.zeros(3)], lr=0.1)
    with pytest.raises(TypeError, match="iterable of Tensors"):
        mt.optim.SGD(mt.tensor([1.0], requires_grad=True), lr=0.1)
    leaf = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match="non-leaf"):
        mt.optim.Adam([leaf * 2], lr=0.1)
    with pytest.raises(ValueError, match="appears twice"):
        mt.optim.SGD([leaf, leaf], lr=0.1)


def test_bad_hyperparameters():
    p = [mt.tensor([1.0], requires_grad=True)]
    with pytest.raises(ValueError, match="Nesterov"):
        mt.optim.SGD(p, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="beta parameter at index 1"):
        mt.optim.Adam(p, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="momentum"):
        mt.optim.RMSprop(p, momentum=-1)


@pytest.mark.parametrize("name,options,key", [
    ("SGD", dict(lr=0.1, momentum=0.9), "momentum_buffer"),
    ("Adam", dict(lr=0.1), "exp_avg"),
    ("RMSprop", dict(lr=0.1), "square_avg"),
    ("Adagrad", dict(lr=0.1), "sum"),
])
def test_step_after_the_parameter_changed_shape(name, options, key):
    other = mt.tensor([0.0], requires_grad=True)
    param = mt.tensor([1.0, 2.0], requires_grad=True)
    optimizer = getattr(mt.optim, name)([other, param], **options)
    param.grad = mt.tensor([1.0, 1.0])
    optimizer.step()
    param.data = np.zeros(3)
    param.grad = mt.tensor([1.0, 1.0, 1.0], dtype=mt.float64)
    with pytest.raises(RuntimeError, match=rf"parameter 1 has shape \(3,\).*'{key}' has shape \(2,\)"):
        optimizer.step()


def test_repr_lists_the_groups():
    text = repr(mt.optim.SGD([mt.tensor([1.0], requires_grad=True)], lr=0.5, momentum=0.9))
    assert text.startswith("SGD (") and "Parameter Group 0" in text and "lr: 0.5" in text and "momentum: 0.9" in text


# ---------------------------------------------------- state dicts, resume
RESUME_CONFIGS = [
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("Adam", dict(lr=0.01, amsgrad=True, weight_decay=0.1)),
    ("AdamW", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.01)),
]


def _training(name, options, steps, gradients, params, state=None, scheduler_state=None):
    optimizer = getattr(mt.optim, name)(
        [{"params": [params[0]]}, {"params": [params[1]], "lr": options["lr"] / 2}], **options
    )
    scheduler = mt.optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    if state is not None:
        optimizer.load_state_dict(state)
        scheduler.load_state_dict(scheduler_state)
    for grads in gradients[:steps]:
        for param, grad in zip(params, grads):
            param.grad = mt.tensor(grad)
        optimizer.step()
        scheduler.step()
    return optimizer, scheduler


@pytest.mark.parametrize("name,options", RESUME_CONFIGS, ids=lambda x: x if isinstance(x, str) else _label(x))
def test_save_and_resume_continues_bit_for_bit(name, options, tmp_path):
    rng = np.random.default_rng(6)
    start = [rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=(4,)).astype(np.float32)]
    gradients = [[rng.normal(size=s.shape).astype(np.float32) for s in start] for _ in range(8)]

    straight = [mt.tensor(s, requires_grad=True) for s in start]
    _training(name, options, 8, gradients, straight)

    first = [mt.tensor(s, requires_grad=True) for s in start]
    optimizer, scheduler = _training(name, options, 3, gradients, first)
    mt.save({"optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
             "params": [p.detach() for p in first]}, tmp_path / "checkpoint.npz")

    checkpoint = mt.load(tmp_path / "checkpoint.npz")
    resumed = [mt.tensor(p.numpy(), requires_grad=True) for p in checkpoint["params"]]
    _training(name, options, 5, gradients[3:], resumed, checkpoint["optimizer"], checkpoint["scheduler"])
    for a, b in zip(straight, resumed):
        assert a.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(a.data, b.data)


def test_state_dict_layout_is_pytorchs():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    b = mt.tensor([3.0], requires_grad=True)
    c = mt.tensor([4.0], requires_grad=True)
    optimizer = mt.optim.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1)
    a.grad, c.grad = mt.tensor([1.0, 1.0]), mt.tensor([1.0])
    optimizer.step()
    state = optimizer.state_dict()
    assert set(state) == {"state", "param_groups"}
    assert [g["params"] for g in state["param_groups"]] == [[0, 1], [2]]
    assert state["param_groups"][1]["lr"] == 0.5 and state["param_groups"][0]["betas"] == (0.9, 0.999)
    assert set(state["state"]) == {0, 2}
    assert set(state["state"][0]) == {"step", "exp_avg", "exp_avg_sq"} and state["state"][0]["step"] == 1
    # A snapshot: later steps do not change it.
    saved = state["state"][0]["exp_avg"].numpy().copy()
    optimizer.step()
    np.testing.assert_array_equal(state["state"][0]["exp_avg"].data, saved)


def test_load_state_dict_restores_hyperparameters_and_checks_sizes():
    a = mt.tensor([1.0, 2.0], requires_grad=True)
    source = mt.optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = mt.tensor([1.0, 1.0])
    source.step()
    state = source.state_dict()
    target_param = mt.tensor([1.0, 2.0], requires_grad=True)
    target = mt.optim.SGD([target_param], lr=0.5)
    target.load_state_dict(state)
    assert target.param_groups[0]["lr"] == 0.1 and target.param_groups[0]["momentum"] == 0.9
    assert target.param_groups[0]["params"][0] is target_param
    np.testing.assert_array_equal(target.state[target_param]["momentum_buffer"].data, [1.0, 1.0])

    two = mt.optim.SGD([mt.tensor([1.0], requires_grad=True), mt.tensor([1.0], requires_grad=True)], lr=0.1)
    with pytest.raises(ValueError, match="doesn't match the size"):
        two.load_state_dict(state)
    wrong_shape = mt.optim.SGD([mt.tensor([1.0, 2.0, 3.0], requires_grad=True)], lr=0.1, momentum=0.9)
    with pytest.raises(RuntimeError, match=r"parameter 0 has shape \(3,\).*shape \(2,\)"):
        wrong_shape.load_state_dict(state)
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        target.load_state_dict({"lr": 0.1})


def test_named_parameters_are_accepted_and_their_names_kept():
    model = mt.nn.Linear(2, 2)
    optimizer = mt.optim.SGD(model.named_parameters(), lr=0.5)
    assert optimizer.param_groups[0]["params"] == [model.weight, model.bias]
    assert optimizer.param_groups[0]["param_names"] == ["weight", "bias"]
    assert optimizer.state_dict()["param_groups"][0]["param_names"] == ["weight", "bias"]
    before = model.bias.detach().numpy().copy()
    model(mt.ones(1, 2)).sum().backward()
    optimizer.step()
    np.testing.assert_allclose(model.bias.detach().numpy(), before - 0.5, rtol=1e-6)
    grouped = mt.optim.Adam([{"params": model.named_parameters(), "lr": 0.1}])
    assert grouped.param_groups[0]["param_names"] == ["weight", "bias"]
    with pytest.raises(ValueError, match="Some param names are missing"):
        mt.optim.SGD([("weight", model.weight), model.bias], lr=0.1)
