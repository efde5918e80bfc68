"""mt.compile: compiled steps end bit-identical to eager steps (weights, grads, optimizer state, losses).

Each case builds the same model twice from one seed, trains one copy eagerly and one
through ``mt.compile`` on the same batches, and compares everything bit for bit.
"""
import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn import functional as F

STEPS = 100


def mlp(dropout=0.0):
    layers = [nn.Linear(6, 8), nn.Tanh()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers, nn.Linear(8, 3))


def tutorial_net():
    return nn.Sequential(nn.Linear(3, 4, bias=False), nn.ReLU(), nn.Linear(4, 4, bias=False), nn.Tanh(),
                         nn.Linear(4, 1, bias=False), nn.Sigmoid()).double()


def small_cnn():
    return nn.Sequential(nn.Conv2d(1, 2, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2 * 2 * 2, 3))


def batches(count, shape, classes, seed=0):
    rng = np.random.default_rng(seed)
    return [(mt.tensor(rng.standard_normal(shape).astype(np.float32)),
             mt.tensor(rng.integers(0, classes, shape[0]))) for _ in range(count)]


def train(build, optimizer_factory, data, compiled, scheduler_factory=None, loss=F.cross_entropy, clip=None, seed=3):
    mt.manual_seed(seed)
    model = build()
    optimizer = optimizer_factory(model.parameters())
    scheduler = scheduler_factory(optimizer) if scheduler_factory else None

    def step(x, y):
        optimizer.zero_grad()
        value = loss(model(x), y)
        value.backward()
        if clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), clip)
        optimizer.step()
        return value

    run = mt.compile(step) if compiled else step
    mt.manual_seed(seed + 1)  # the dropout stream starts at the same place in both runs
    losses = []
    for x, y in data:
        losses.append(run(x, y)._data.copy())
        if scheduler is not None:
            scheduler.step()
    return model, optimizer, losses, run


def assert_identical(eager, compiled, eager_calls=3):
    (model_a, opt_a, losses_a, _), (model_b, opt_b, losses_b, run) = eager, compiled
    for (name, a), (_, b) in zip(model_a.named_parameters(), model_b.named_parameters()):
        assert a._data.tobytes() == b._data.tobytes(), name
        assert (a.grad is None) == (b.grad is None), name
        if a.grad is not None:
            assert a.grad._data.tobytes() == b.grad._data.tobytes(), name
    for a, b in zip(model_a.buffers(), model_b.buffers()):
        assert a._data.tobytes() == b._data.tobytes()
    for a, b in zip(losses_a, losses_b):
        assert a.tobytes() == b.tobytes()
    state_a, state_b = opt_a.state_dict()["state"], opt_b.state_dict()["state"]
    assert state_a.keys() == state_b.keys()
    for key in state_a:
        for name, value in state_a[key].items():
            other = state_b[key][name]
            plain = lambda v: v._data if isinstance(v, mt.Tensor) else np.asarray(v)  # noqa: E731
            assert plain(value).tobytes() == plain(other).tobytes(), (key, name)
    assert run.stats["replayed"] == len(losses_b) - eager_calls, run.explain()
    assert "lowering refused" not in run.explain()  # the inline forms reproduced eager too


OPTIMIZERS = {
    "sgd": lambda p: mt.optim.SGD(p, lr=0.05),
    "sgd-momentum-dampening": lambda p: mt.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1),
    "sgd-nesterov-decay": lambda p: mt.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True, weight_decay=1e-3),
    "adam": lambda p: mt.optim.Adam(p, lr=1e-2),
    "adam-amsgrad": lambda p: mt.optim.Adam(p, lr=1e-2, amsgrad=True, weight_decay=1e-3),
    "adamw": lambda p: mt.optim.AdamW(p, lr=1e-2),
    "rmsprop-centered": lambda p: mt.optim.RMSprop(p, lr=1e-3, centered=True),
    "rmsprop-momentum": lambda p: mt.optim.RMSprop(p, lr=1e-3, momentum=0.9),
    "adagrad": lambda p: mt.optim.Adagrad(p, lr=1e-2),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_each_optimizer_compiled_equals_eager(name):
    data = batches(STEPS, (5, 6), 3)
    eager = train(mlp, OPTIMIZERS[name], data, compiled=False)
    assert_identical(eager, train(mlp, OPTIMIZERS[name], data, compiled=True))


SCHEDULERS = {
    "step": lambda o: mt.optim.lr_scheduler.StepLR(o, step_size=10, gamma=0.5),
    "multistep": lambda o: mt.optim.lr_scheduler.MultiStepLR(o, milestones=[20, 50], gamma=0.3),
    "exponential": lambda o: mt.optim.lr_scheduler.ExponentialLR(o, gamma=0.97),
    "cosine": lambda o: mt.optim.lr_scheduler.CosineAnnealingLR(o, T_max=30),
    "lambda": lambda o: mt.optim.lr_scheduler.LambdaLR(o, lambda epoch: 1.0 / (1 + epoch)),
    "onecycle": lambda o: mt.optim.lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=STEPS),
}


@pytest.mark.parametrize("name", sorted(SCHEDULERS))
def test_each_scheduler_changes_lr_without_recapture(name):
    data = batches(STEPS, (5, 6), 3)
    sgd = lambda p: mt.optim.SGD(p, lr=0.05, momentum=0.9)  # noqa: E731
    eager = train(mlp, sgd, data, compiled=False, scheduler_factory=SCHEDULERS[name])
    compiled = train(mlp, sgd, data, compiled=True, scheduler_factory=SCHEDULERS[name])
    assert_identical(eager, compiled)
    assert compiled[3].stats["recaptured"] == 0  # lr is read from the param group at replay time


def test_tutorial_network_compiled_equals_eager():
    rng = np.random.default_rng(0)
    data = [(mt.tensor(rng.standard_normal((2, 3))), mt.tensor(rng.random((2, 1)))) for _ in range(STEPS)]
    half_sse = lambda out, y: 0.5 * F.mse_loss(out, y, reduction="sum")  # noqa: E731
    sgd = lambda p: mt.optim.SGD(p, lr=1.0)  # noqa: E731
    eager = train(tutorial_net, sgd, data, compiled=False, loss=half_sse)
    assert_identical(eager, train(tutorial_net, sgd, data, compiled=True, loss=half_sse))


def test_cnn_compiled_equals_eager():
    data = batches(40, (4, 1, 4, 4), 3)
    sgd = lambda p: mt.optim.SGD(p, lr=0.05, momentum=0.9)  # noqa: E731
    eager = train(small_cnn, sgd, data, compiled=False)
    assert_identical(eager, train(small_cnn, sgd, data, compiled=True))


def test_dropout_draws_fresh_masks_in_eager_order():
    data = batches(STEPS, (5, 6), 3)
    sgd = lambda p: mt.optim.SGD(p, lr=0.05)  # noqa: E731
    build = lambda: mlp(dropout=0.5)  # noqa: E731
    eager = train(build, sgd, data, compiled=False)
    after_eager = mt.get_rng_state()._data.copy()
    compiled = train(build, sgd, data, compiled=True)
    assert_identical(eager, compiled)
    assert mt.get_rng_state()._data.tobytes() == after_eager.tobytes()  # as many numbers drawn, in the same order
    trained_twice = train(build, sgd, data, compiled=True, seed=4)
    assert trained_twice[2][-1].tobytes() != compiled[2][-1].tobytes()  # another seed, other masks: not frozen


def test_gradient_clipping_inside_the_step():
    data = batches(STEPS, (5, 6), 3)
    sgd = lambda p: mt.optim.SGD(p, lr=0.5)  # noqa: E731
    eager = train(mlp, sgd, data, compiled=False, clip=0.1)
    assert_identical(eager, train(mlp, sgd, data, compiled=True, clip=0.1))


def test_batchnorm_running_stats_follow_eager():
    build = lambda: nn.Sequential(nn.Linear(6, 4), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 3))  # noqa: E731
    data = batches(50, (5, 6), 3)
    adam = lambda p: mt.optim.Adam(p, lr=1e-2)  # noqa: E731
    eager = train(build, adam, data, compiled=False)
    assert_identical(eager, train(build, adam, data, compiled=True))


def test_a_ragged_last_batch_gets_its_own_program():
    data = batches(30, (5, 6), 3) + batches(1, (2, 6), 3, seed=9)
    sgd = lambda p: mt.optim.SGD(p, lr=0.05)  # noqa: E731
    eager = train(mlp, sgd, data * 2, compiled=False)
    compiled = train(mlp, sgd, data * 2, compiled=True)
    assert_identical(eager, compiled, eager_calls=3 + 2)  # the (2, 6) batch comes twice: warm-up, first capture
    assert "(2, 6)" in compiled[3].explain()
