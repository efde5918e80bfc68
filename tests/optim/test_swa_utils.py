"""mt.optim.swa_utils: AveragedModel (SWA and EMA averages against numpy), update_bn, SWALR's schedule."""
import math

import numpy as np
import pytest

import microtensor as mt
from microtensor.optim import swa_utils


def _model():
    mt.manual_seed(0)
    return mt.nn.Sequential(mt.nn.Linear(2, 3), mt.nn.BatchNorm1d(3))


def _snapshots(model, steps=4):
    """Perturb the model's parameters ``steps`` times; yield after each (with numpy copies)."""
    rng = np.random.default_rng(0)
    for _ in range(steps):
        with mt.no_grad():
            for param in model.parameters():
                param.add_(mt.tensor(rng.normal(size=param.shape).astype(np.float32)))
            model[1].running_mean.add_(1.0)
        yield [p.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("make, expected", [
    (lambda: {}, lambda seen: np.mean(seen, axis=0)),
    (lambda: {"avg_fn": swa_utils.get_swa_avg_fn()}, lambda seen: np.mean(seen, axis=0)),
    (lambda: {"multi_avg_fn": swa_utils.get_ema_multi_avg_fn(0.75)}, None),
    (lambda: {"avg_fn": swa_utils.get_ema_avg_fn(0.75)}, None),
])
def test_averaged_model_averages_the_parameters(make, expected):
    model = _model()
    averaged = swa_utils.AveragedModel(model, **make())
    assert averaged.module is not model and averaged.n_averaged.dtype == np.int64
    history = []
    for snapshot in _snapshots(model):
        averaged.update_parameters(model)
        history.append(snapshot)
    assert averaged.n_averaged.item() == 4
    for index, param in enumerate(averaged.parameters()):
        seen = [snapshot[index] for snapshot in history]
        if expected is None:
            want = seen[0]
            for value in seen[1:]:
                want = 0.75 * want + 0.25 * value
        else:
            want = expected(seen)
        np.testing.assert_allclose(param.detach().numpy(), want, rtol=1e-5, atol=1e-6)
    # buffers are copied, not averaged, without use_buffers
    np.testing.assert_array_equal(averaged.module[1].running_mean.numpy(), model[1].running_mean.numpy())
    x = mt.randn(5, 2)
    averaged.eval()
    assert averaged(x).shape == (5, 3)
    assert list(averaged.state_dict())[:2] == ["n_averaged", "module.0.weight"]


def test_use_buffers_averages_buffers_too():
    model = _model()
    averaged = swa_utils.AveragedModel(model, use_buffers=True)
    means = []
    for _ in _snapshots(model, steps=3):
        averaged.update_parameters(model)
        means.append(model[1].running_mean.numpy().copy())
    np.testing.assert_allclose(averaged.module[1].running_mean.numpy(), np.mean(means, axis=0), rtol=1e-6)


def test_averaged_model_errors():
    model = _model()
    with pytest.raises(AssertionError, match="Only one of avg_fn and multi_avg_fn"):
        swa_utils.AveragedModel(model, avg_fn=swa_utils.get_swa_avg_fn(), multi_avg_fn=swa_utils.get_swa_multi_avg_fn())
    with pytest.raises(ValueError, match=r"Invalid decay value 1.5"):
        swa_utils.get_ema_avg_fn(1.5)
    averaged = swa_utils.AveragedModel(model)
    with pytest.raises(RuntimeError, match="does not match"):
        averaged.update_parameters(mt.nn.Sequential(mt.nn.Linear(3, 3), mt.nn.BatchNorm1d(3)))


def test_update_bn_recomputes_the_running_statistics():
    model = _model()
    batches = [mt.randn(4, 2) for _ in range(3)]
    model.eval()
    model[1].momentum = 0.3
    swa_utils.update_bn([(batch, 0) for batch in batches], model)
    assert not model.training and model[1].momentum == 0.3 and model[1].num_batches_tracked.item() == 3
    with mt.no_grad():
        features = [model[0](batch).numpy() for batch in batches]
    np.testing.assert_allclose(model[1].running_mean.numpy(), np.mean([f.mean(0) for f in features], 0), rtol=1e-5)
    np.testing.assert_allclose(model[1].running_var.numpy(), np.mean([f.var(0, ddof=1) for f in features], 0),
                               rtol=1e-5)
    swa_utils.update_bn(batches, mt.nn.Linear(2, 2))  # no batch norm: nothing to do


def _swalr_reference(lr0, swa_lr, anneal_epochs, strategy, steps):
    anneal = (lambda t: (1 - math.cos(math.pi * t)) / 2) if strategy == "cos" else (lambda t: t)
    return [swa_lr * anneal(min(1, e / max(1, anneal_epochs))) + lr0 * (1 - anneal(min(1, e / max(1, anneal_epochs))))
            if anneal_epochs else swa_lr for e in range(steps)]


@pytest.mark.parametrize("strategy, anneal_epochs", [("cos", 3), ("linear", 4), ("cos", 0)])
def test_swalr_anneals_to_the_swa_lr(strategy, anneal_epochs):
    param = mt.zeros(2, requires_grad=True)
    optimizer = mt.optim.SGD([param], lr=0.1)
    scheduler = swa_utils.SWALR(optimizer, swa_lr=0.02, anneal_epochs=anneal_epochs, anneal_strategy=strategy)
    seen = []
    for _ in range(7):
        seen.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    want = _swalr_reference(0.1, 0.02, anneal_epochs, strategy, 7)
    np.testing.assert_allclose(seen, want, rtol=1e-12)
    state = scheduler.state_dict()
    assert "optimizer" not in state and state["_anneal_strategy"] == strategy
    fresh = swa_utils.SWALR(mt.optim.SGD([param], lr=0.1), swa_lr=0.02, anneal_strategy="linear")
    fresh.load_state_dict(state)
    assert fresh.anneal_func(0.5) == pytest.approx(0.5)


@pytest.mark.parametrize("kwargs, match", [
    (dict(swa_lr=[0.1, 0.2]), "swa_lr must have the same length as optimizer.param_groups"),
    (dict(swa_lr=0.1, anneal_epochs=-1), "anneal_epochs must be equal or greater than 0, got -1"),
    (dict(swa_lr=0.1, anneal_strategy="step"), "anneal_strategy must be one of 'cos' or 'linear'"),
])
def test_swalr_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        swa_utils.SWALR(mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=0.1), **kwargs)
