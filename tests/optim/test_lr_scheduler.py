"""Learning-rate schedulers against PyTorch's closed-form schedules."""
import math

import numpy as np
import pytest

import microtensor as mt
from microtensor.optim import lr_scheduler


def _optimizer(lrs=(0.1,)):
    groups = [{"params": [mt.tensor([1.0], requires_grad=True)], "lr": lr} for lr in lrs]
    return mt.optim.SGD(groups, lr=lrs[0])


def _sequence(scheduler, optimizer, epochs):
    lrs = [scheduler.get_last_lr()]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [group["lr"] for group in optimizer.param_groups]
    return lrs


def test_step_lr():
    optimizer = _optimizer((0.1, 0.02))
    scheduler = lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    got = _sequence(scheduler, optimizer, 10)
    for epoch, lrs in enumerate(got):
        np.testing.assert_allclose(lrs, [base * 0.5 ** (epoch // 3) for base in (0.1, 0.02)], rtol=1e-12)
    assert scheduler.last_epoch == 10


def test_step_lr_default_gamma_is_0_1():
    optimizer = _optimizer()
    scheduler = lr_scheduler.StepLR(optimizer, step_size=1)
    _sequence(scheduler, optimizer, 2)
    assert scheduler.get_last_lr()[0] == pytest.approx(0.001)


def test_exponential_lr():
    optimizer = _optimizer((0.1, 1.0))
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 12)):
        np.testing.assert_allclose(lrs, [0.1 * 0.9 ** epoch, 0.9 ** epoch], rtol=1e-12)


@pytest.mark.parametrize("eta_min", [0.0, 0.01])
def test_cosine_annealing_lr(eta_min):
    optimizer = _optimizer((0.1, 0.5))
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=5, eta_min=eta_min)
    got = _sequence(scheduler, optimizer, 12)  # past T_max the cosine continues upwards, as in PyTorch
    for epoch, lrs in enumerate(got):
        want = [eta_min + (base - eta_min) * (1 + math.cos(math.pi * epoch / 5)) / 2 for base in (0.1, 0.5)]
        np.testing.assert_allclose(lrs, want, rtol=1e-12, atol=1e-15)
    assert got[5] == pytest.approx([eta_min, eta_min])
    assert got[10] == pytest.approx([0.1, 0.5])


def test_scheduler_sets_initial_lr_and_first_step_happens_at_creation():
    optimizer = _optimizer((0.3,))
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.5)
    assert scheduler.last_epoch == 0
    assert optimizer.param_groups[0]["initial_lr"] == 0.3
    assert scheduler.base_lrs == [0.3]
    assert scheduler.get_last_lr() == [0.3]


def test_step_to_an_explicit_epoch_uses_the_closed_form():
    optimizer = _optimizer((1.0,))
    scheduler = lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.1)
    scheduler.step(5)
    assert scheduler.last_epoch == 5
    assert scheduler.get_last_lr() == pytest.approx([0.01])


def test_state_dict_round_trip_through_save(tmp_path):
    optimizer = _optimizer((0.1,))
    scheduler = lr_scheduler.CosineAnnealingLR(optimizer, T_max=10, eta_min=0.001)
    _sequence(scheduler, optimizer, 4)
    mt.save({"opt": optimizer.state_dict(), "sched": scheduler.state_dict()}, tmp_path / "s.npz")
    state = mt.load(tmp_path / "s.npz")
    assert "optimizer" not in state["sched"]

    optimizer2 = _optimizer((0.1,))
    optimizer2.load_state_dict(state["opt"])
    scheduler2 = lr_scheduler.CosineAnnealingLR(optimizer2, T_max=10, eta_min=0.001)
    scheduler2.load_state_dict(state["sched"])
    assert scheduler2.last_epoch == 4
    assert _sequence(scheduler2, optimizer2, 3)[1:] == _sequence(scheduler, optimizer, 3)[1:]


def test_resuming_without_initial_lr_is_a_clear_error():
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(_optimizer(), step_size=2, last_epoch=3)


def test_bad_arguments():
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.ExponentialLR("adam", gamma=0.5)
    with pytest.raises(ValueError, match="step_size"):
        lr_scheduler.StepLR(_optimizer(), step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        lr_scheduler.CosineAnnealingLR(_optimizer(), T_max=0)
