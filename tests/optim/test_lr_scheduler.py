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


def test_cosine_annealing_moves_the_current_lr_so_a_chained_schedule_compounds():
    """PyTorch's recursive form: each step scales the distance to eta_min by the ratio of successive
    (1 + cos) factors (and adds the cosine's first rise at its bottom), so ExponentialLR's halving
    in the same ChainedScheduler carries on from step to step instead of being overwritten."""
    optimizer = _optimizer((1.0,))
    cosine = lr_scheduler.CosineAnnealingLR(optimizer, T_max=4, eta_min=0.1)
    scheduler = lr_scheduler.ChainedScheduler([cosine, lr_scheduler.ExponentialLR(optimizer, gamma=0.5)])
    lr, want = 1.0, []
    for t in range(1, 11):
        if (t - 1 - 4) % 8 == 0:
            lr = lr + (1.0 - 0.1) * (1 - math.cos(math.pi / 4)) / 2
        else:
            lr = 0.1 + (lr - 0.1) * (1 + math.cos(math.pi * t / 4)) / (1 + math.cos(math.pi * (t - 1) / 4))
        lr *= 0.5
        want.append(lr)
    got = _sequence(scheduler, optimizer, 10)[1:]
    np.testing.assert_allclose([lrs[0] for lrs in got], want, rtol=1e-12)
    assert got[3][0] == pytest.approx(0.05) and got[6][0] < 0  # not the closed form's 0.1 ... 0.5 range


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


# ------------------------------------------------------------------ LambdaLR
def test_lambda_lr_one_function_per_group_over_many_epochs():
    optimizer = _optimizer((0.1, 0.5))
    scheduler = lr_scheduler.LambdaLR(optimizer, [lambda e: 0.95 ** e, lambda e: 1 / (1 + e)])
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 30)):
        np.testing.assert_allclose(lrs, [0.1 * 0.95 ** epoch, 0.5 / (1 + epoch)], rtol=1e-12)


def test_lambda_lr_single_function_applies_to_every_group_and_is_not_chainable():
    optimizer = _optimizer((0.2, 0.4))
    scheduler = lr_scheduler.LambdaLR(optimizer, lambda e: e + 1)
    _sequence(scheduler, optimizer, 2)
    optimizer.param_groups[0]["lr"] = 100.0  # overwritten: LambdaLR recomputes from base_lr
    scheduler.step()
    np.testing.assert_allclose(scheduler.get_last_lr(), [0.2 * 4, 0.4 * 4])


class WarmUp:
    """A callable object: its attributes are saved by LambdaLR.state_dict (a plain function is not)."""

    def __init__(self, epochs):
        self.epochs = epochs

    def __call__(self, epoch):
        return min(1.0, (epoch + 1) / self.epochs)


def test_lambda_lr_state_dict_skips_functions_and_keeps_callable_objects(tmp_path):
    optimizer = _optimizer((0.1, 0.1))
    scheduler = lr_scheduler.LambdaLR(optimizer, [lambda e: 1.0, WarmUp(4)])
    _sequence(scheduler, optimizer, 2)
    state = scheduler.state_dict()
    assert state["lr_lambdas"] == [None, {"epochs": 4}] and "optimizer" not in state
    mt.save(state, tmp_path / "lambda.npz")

    other_optimizer = _optimizer((0.1, 0.1))
    other = lr_scheduler.LambdaLR(other_optimizer, [lambda e: 1.0, WarmUp(10)])
    other.load_state_dict(mt.load(tmp_path / "lambda.npz"))
    assert other.lr_lambdas[1].epochs == 4 and other.last_epoch == 2
    other.step()
    np.testing.assert_allclose(other.get_last_lr(), [0.1, 0.1 * 1.0])
    assert callable(other.lr_lambdas[0])


def test_lambda_lr_errors():
    with pytest.raises(ValueError, match="Expected 2 lr_lambdas, but got 1"):
        lr_scheduler.LambdaLR(_optimizer((0.1, 0.2)), [lambda e: 1.0])
    with pytest.raises(TypeError, match="not a function"):
        lr_scheduler.LambdaLR(_optimizer(), 0.5)


# --------------------------------------------------------------- MultiStepLR
def test_multi_step_lr_closed_form_with_a_repeated_milestone():
    milestones = [3, 7, 7, 12]
    optimizer = _optimizer((0.1, 1.0))
    scheduler = lr_scheduler.MultiStepLR(optimizer, milestones=milestones, gamma=0.5)
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 20)):
        passed = sum(1 for m in milestones if m <= epoch)
        np.testing.assert_allclose(lrs, [0.1 * 0.5 ** passed, 0.5 ** passed], rtol=1e-12)


def test_multi_step_lr_default_gamma_jump_and_chaining():
    optimizer = _optimizer((1.0,))
    scheduler = lr_scheduler.MultiStepLR(optimizer, [2, 4])
    scheduler.step(5)  # closed form: two milestones passed
    assert scheduler.get_last_lr() == pytest.approx([0.01])
    optimizer = _optimizer((1.0,))
    scheduler = lr_scheduler.MultiStepLR(optimizer, [2])
    optimizer.param_groups[0]["lr"] = 0.3  # a manual change is kept and decayed at the milestone
    _sequence(scheduler, optimizer, 2)
    assert scheduler.get_last_lr() == pytest.approx([0.03])


def test_multi_step_lr_resumes_through_save(tmp_path):
    optimizer = _optimizer((1.0,))
    scheduler = lr_scheduler.MultiStepLR(optimizer, [2, 5], gamma=0.1)
    _sequence(scheduler, optimizer, 3)
    mt.save({"opt": optimizer.state_dict(), "sched": scheduler.state_dict()}, tmp_path / "m.npz")
    state = mt.load(tmp_path / "m.npz")
    optimizer2 = _optimizer((1.0,))
    optimizer2.load_state_dict(state["opt"])
    scheduler2 = lr_scheduler.MultiStepLR(optimizer2, [100])
    scheduler2.load_state_dict(state["sched"])
    assert _sequence(scheduler2, optimizer2, 4)[1:] == _sequence(scheduler, optimizer, 4)[1:]


# ------------------------------------------------------------------ LinearLR
@pytest.mark.parametrize("start,end,total", [(1 / 3, 1.0, 5), (1.0, 0.2, 4), (0.05, 0.9, 13)])
def test_linear_lr_closed_form(start, end, total):
    optimizer = _optimizer((0.1, 0.6))
    scheduler = lr_scheduler.LinearLR(optimizer, start_factor=start, end_factor=end, total_iters=total)
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 3 * total)):
        factor = start + (end - start) * min(epoch, total) / total
        np.testing.assert_allclose(lrs, [0.1 * factor, 0.6 * factor], rtol=1e-10)


def test_linear_lr_defaults_are_pytorchs_and_step_to_an_epoch():
    optimizer = _optimizer((0.3,))
    scheduler = lr_scheduler.LinearLR(optimizer)
    assert (scheduler.start_factor, scheduler.end_factor, scheduler.total_iters) == (1 / 3, 1.0, 5)
    assert scheduler.get_last_lr() == pytest.approx([0.1])
    scheduler.step(3)
    assert scheduler.get_last_lr() == pytest.approx([0.3 * (1 / 3 + (2 / 3) * 3 / 5)])


def test_linear_lr_resumed_with_last_epoch_does_not_rescale():
    optimizer = _optimizer((0.5,))
    scheduler = lr_scheduler.LinearLR(optimizer, start_factor=0.5, total_iters=4)
    _sequence(scheduler, optimizer, 2)
    lr = optimizer.param_groups[0]["lr"]
    resumed = lr_scheduler.LinearLR(optimizer, start_factor=0.5, total_iters=4, last_epoch=2)
    assert resumed.get_last_lr() == [lr]  # the first step of a resumed scheduler keeps the lr


def test_linear_lr_errors():
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        lr_scheduler.LinearLR(_optimizer(), start_factor=0)
    with pytest.raises(ValueError, match="Ending multiplicative factor"):
        lr_scheduler.LinearLR(_optimizer(), end_factor=1.5)
    with pytest.raises(ValueError, match="total_iters"):
        lr_scheduler.LinearLR(_optimizer(), total_iters=0)


# ---------------------------------------------------------------- OneCycleLR
def _cos(start, end, pct):
    return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2


def _lin(start, end, pct):
    return start + (end - start) * pct


def one_cycle_reference(step, total, max_lr, pct_start=0.3, div=25.0, final_div=1e4, anneal=_cos, three_phase=False,
                        low_m=0.85, high_m=0.95):
    """PyTorch's documented 1cycle schedule for one group: (lr, momentum) at ``step``."""
    initial, minimum = max_lr / div, max_lr / div / final_div
    up = pct_start * total - 1
    if step <= up:
        pct = step / up
        return anneal(initial, max_lr, pct), anneal(high_m, low_m, pct)
    if three_phase:
        down = 2 * pct_start * total - 2
        if step <= down:
            pct = (step - up) / (down - up)
            return anneal(max_lr, initial, pct), anneal(low_m, high_m, pct)
        pct = (step - down) / (total - 1 - down)
        return anneal(initial, minimum, pct), high_m
    pct = (step - up) / (total - 1 - up)
    return anneal(max_lr, minimum, pct), anneal(low_m, high_m, pct)


@pytest.mark.parametrize("anneal_strategy,three_phase", [("cos", False), ("linear", False), ("cos", True),
                                                         ("linear", True)])
def test_one_cycle_lr_closed_form_with_sgd_momentum(anneal_strategy, three_phase):
    total = 40
    groups = [{"params": [mt.tensor([1.0], requires_grad=True)]}, {"params": [mt.tensor([1.0], requires_grad=True)]}]
    optimizer = mt.optim.SGD(groups, lr=0.5, momentum=0.9)
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=[1.0, 0.2], total_steps=total,
                                        anneal_strategy=anneal_strategy, three_phase=three_phase)
    anneal = _cos if anneal_strategy == "cos" else _lin
    for step in range(total):
        if step:
            optimizer.step()
            scheduler.step()
        for group, max_lr in zip(optimizer.param_groups, (1.0, 0.2)):
            lr, momentum = one_cycle_reference(step, total, max_lr, anneal=anneal, three_phase=three_phase)
            assert group["lr"] == pytest.approx(lr, rel=1e-12, abs=1e-15), step
            assert group["momentum"] == pytest.approx(momentum, rel=1e-12), step
        assert scheduler.get_last_lr() == [group["lr"] for group in optimizer.param_groups]
    assert optimizer.param_groups[0]["lr"] == pytest.approx(1.0 / 25 / 1e4)  # min_lr at the last step
    assert optimizer.param_groups[0]["initial_lr"] == pytest.approx(0.04)
    assert optimizer.param_groups[1]["max_lr"] == 0.2


def test_one_cycle_lr_cycles_adams_beta1_and_uses_epochs_times_steps():
    optimizer = mt.optim.Adam([mt.tensor([1.0], requires_grad=True)], betas=(0.8, 0.99))
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.01, epochs=3, steps_per_epoch=10, pct_start=0.25,
                                        base_momentum=0.7, max_momentum=0.9, div_factor=10.0, final_div_factor=100.0)
    assert scheduler.total_steps == 30
    for step in range(30):
        if step:
            optimizer.step()
            scheduler.step()
        lr, beta1 = one_cycle_reference(step, 30, 0.01, pct_start=0.25, div=10.0, final_div=100.0,
                                        low_m=0.7, high_m=0.9)
        group = optimizer.param_groups[0]
        assert group["lr"] == pytest.approx(lr, rel=1e-12) and group["betas"] == (pytest.approx(beta1), 0.99)


def test_one_cycle_lr_without_momentum_cycling_and_stepping_too_far():
    optimizer = mt.optim.Adagrad([mt.tensor([1.0], requires_grad=True)])
    with pytest.raises(ValueError, match="optimizer must support momentum or beta1"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=5)
    scheduler = lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=5, cycle_momentum=False)
    for _ in range(5):
        scheduler.step()
    with pytest.raises(ValueError, match="Tried to step 6 times. The specified number of total steps is 5"):
        scheduler.step()


def test_one_cycle_lr_errors():
    optimizer = _optimizer()
    with pytest.raises(ValueError, match="You must define either total_steps OR"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=0.1)
    with pytest.raises(ValueError, match="Expected positive integer total_steps"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=0)
    with pytest.raises(ValueError, match="Expected float between 0 and 1 pct_start"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=10, pct_start=1.5)
    with pytest.raises(ValueError, match="anneal_strategy must be one of 'cos' or 'linear'"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=0.1, total_steps=10, anneal_strategy="step")
    with pytest.raises(ValueError, match="max_lr must have the same length as optimizer.param_groups"):
        lr_scheduler.OneCycleLR(optimizer, max_lr=[0.1, 0.2], total_steps=10)


# --------------------------------------------------------- ReduceLROnPlateau
def plateau_reference(metrics, lrs, mode="min", factor=0.1, patience=10, threshold=1e-4, threshold_mode="rel",
                      cooldown=0, min_lr=0.0, eps=1e-8):
    """The lrs after each metric, by PyTorch's documented rule (written out independently)."""
    min_lrs = min_lr if isinstance(min_lr, list) else [min_lr] * len(lrs)
    best = math.inf if mode == "min" else -math.inf
    bad = cool = 0
    lrs = list(lrs)
    history = []
    for value in metrics:
        if mode == "min":
            improved = value < (best * (1 - threshold) if threshold_mode == "rel" else best - threshold)
        else:
            improved = value > (best * (1 + threshold) if threshold_mode == "rel" else best + threshold)
        if improved:
            best, bad = value, 0
        else:
            bad += 1
        if cool > 0:
            cool -= 1
            bad = 0
        if bad > patience:
            lrs = [max(lr * factor, floor) if lr - max(lr * factor, floor) > eps else lr
                   for lr, floor in zip(lrs, min_lrs)]
            cool, bad = cooldown, 0
        history.append(list(lrs))
    return history


PLATEAU_OPTIONS = [
    dict(),
    dict(patience=2, factor=0.5),
    dict(patience=1, factor=0.5, cooldown=2, min_lr=[0.05, 0.2]),
    dict(mode="max", patience=0, factor=0.3),
    dict(mode="max", threshold_mode="abs", threshold=0.5, patience=1),
    dict(mode="min", threshold_mode="abs", threshold=0.05, patience=0, min_lr=0.01),
    dict(patience=0, factor=0.9, eps=0.05),  # changes smaller than eps are not made
]


@pytest.mark.parametrize("options", PLATEAU_OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_reduce_lr_on_plateau_matches_the_rule(options):
    rng = np.random.default_rng(11)
    metrics = list(np.round(np.cumsum(rng.normal(scale=0.3, size=60)) + 5, 2))
    optimizer = _optimizer((0.5, 1.0))
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, **options)
    want = plateau_reference(metrics, [0.5, 1.0], **options)
    for epoch, (metric, lrs) in enumerate(zip(metrics, want)):
        optimizer.step()
        scheduler.step(mt.tensor(metric) if epoch % 2 else metric)
        np.testing.assert_allclose(scheduler.get_last_lr(), lrs, rtol=1e-12, err_msg=f"epoch {epoch}")
        assert scheduler.get_last_lr() == [group["lr"] for group in optimizer.param_groups]
    assert scheduler.last_epoch == len(metrics)


def test_reduce_lr_on_plateau_by_hand():
    optimizer = _optimizer((1.0,))
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=2, factor=0.5, cooldown=1)
    assert scheduler.get_last_lr() == [1.0] and scheduler.last_epoch == 0
    lrs = []
    for metric in [10, 9, 9, 9, 9, 9, 9, 9, 8, 8]:
        scheduler.step(metric)
        lrs.append(scheduler.get_last_lr()[0])
    # 9 is the best from epoch 2; epochs 3, 4, 5 are bad (3 > patience=2): halve at epoch 5,
    # one cooldown epoch (6), then 7, 8, ... count again; 8 at epoch 9 is an improvement.
    assert lrs == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]


def test_reduce_lr_on_plateau_state_dict_through_save(tmp_path):
    optimizer = _optimizer((1.0,))
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, mode="max", patience=1)
    for metric in [1.0, 2.0, 1.5]:
        scheduler.step(metric)
    mt.save(scheduler.state_dict(), tmp_path / "plateau.npz")
    other = lr_scheduler.ReduceLROnPlateau(_optimizer((1.0,)))
    other.load_state_dict(mt.load(tmp_path / "plateau.npz"))
    assert (other.mode, other.best, other.num_bad_epochs, other.patience) == ("max", 2.0, 1, 1)
    assert other.mode_worse == -math.inf
    fresh = lr_scheduler.ReduceLROnPlateau(_optimizer((1.0,)))
    mt.save(fresh.state_dict(), tmp_path / "fresh.npz")  # best is inf before the first step
    assert mt.load(tmp_path / "fresh.npz")["best"] == math.inf


def test_reduce_lr_on_plateau_errors():
    with pytest.raises(ValueError, match="Factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(_optimizer(), factor=1.0)
    with pytest.raises(ValueError, match="mode maximum is unknown"):
        lr_scheduler.ReduceLROnPlateau(_optimizer(), mode="maximum")
    with pytest.raises(ValueError, match="threshold mode relative is unknown"):
        lr_scheduler.ReduceLROnPlateau(_optimizer(), threshold_mode="relative")
    with pytest.raises(ValueError, match="expected 1 min_lrs, got 2"):
        lr_scheduler.ReduceLROnPlateau(_optimizer(), min_lr=[0.1, 0.2])
    with pytest.raises(TypeError, match="not an Optimizer"):
        lr_scheduler.ReduceLROnPlateau("sgd")


# -------------------------------------------------------------- SequentialLR
def test_sequential_lr_warm_up_then_exponential_closed_form():
    optimizer = _optimizer((0.1, 0.4))
    warm_up = lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=4)
    decay = lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    scheduler = lr_scheduler.SequentialLR(optimizer, [warm_up, decay], milestones=[4])
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 20)):
        factor = 0.1 + 0.9 * epoch / 4 if epoch < 4 else 0.9 ** (epoch - 4)
        np.testing.assert_allclose(lrs, [0.1 * factor, 0.4 * factor], rtol=1e-10, err_msg=f"epoch {epoch}")


def test_sequential_lr_three_schedulers_each_restart_at_their_epoch_zero():
    optimizer = _optimizer((1.0,))
    schedulers = [
        lr_scheduler.LinearLR(optimizer, start_factor=0.1, total_iters=3),
        lr_scheduler.MultiStepLR(optimizer, [2, 4], gamma=0.5),
        lr_scheduler.CosineAnnealingLR(optimizer, T_max=6),
    ]
    scheduler = lr_scheduler.SequentialLR(optimizer, schedulers, milestones=[3, 8])
    got = [lrs[0] for lrs in _sequence(scheduler, optimizer, 16)]
    want = []
    for epoch in range(17):
        if epoch < 3:
            want.append(0.1 + 0.9 * epoch / 3)
        elif epoch < 8:
            want.append(0.5 ** sum(1 for m in (2, 4) if m <= epoch - 3))
        else:
            want.append((1 + math.cos(math.pi * (epoch - 8) / 6)) / 2)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-15)


def test_sequential_lr_state_dict_round_trip(tmp_path):
    def build():
        optimizer = _optimizer((0.2,))
        inner = [lr_scheduler.LinearLR(optimizer, start_factor=0.5, total_iters=2),
                 lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)]
        return optimizer, lr_scheduler.SequentialLR(optimizer, inner, milestones=[2])

    optimizer, scheduler = build()
    _sequence(scheduler, optimizer, 3)
    state = scheduler.state_dict()
    assert "optimizer" not in state and len(state["_schedulers"]) == 2
    mt.save({"opt": optimizer.state_dict(), "sched": state}, tmp_path / "seq.npz")
    loaded = mt.load(tmp_path / "seq.npz")
    optimizer2, scheduler2 = build()
    optimizer2.load_state_dict(loaded["opt"])
    scheduler2.load_state_dict(loaded["sched"])
    assert _sequence(scheduler2, optimizer2, 5)[1:] == _sequence(scheduler, optimizer, 5)[1:]


def test_sequential_lr_errors():
    optimizer = _optimizer()
    first = lr_scheduler.ExponentialLR(optimizer, gamma=0.9)
    with pytest.raises(ValueError, match="expects at least one scheduler"):
        lr_scheduler.SequentialLR(optimizer, [], milestones=[])
    with pytest.raises(ValueError, match="number of schedulers 1 and the number of milestones to be equal to 1"):
        lr_scheduler.SequentialLR(optimizer, [first], milestones=[3])
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.SequentialLR(optimizer, [first, lr_scheduler.ReduceLROnPlateau(optimizer)], milestones=[2])
    other = lr_scheduler.ExponentialLR(_optimizer(), gamma=0.9)
    with pytest.raises(ValueError, match="expects all schedulers to belong to the same optimizer"):
        lr_scheduler.SequentialLR(optimizer, [first, other], milestones=[2])
    with pytest.raises(TypeError, match="should have `optimizer` as its attribute"):
        lr_scheduler.SequentialLR(optimizer, [first, "cosine"], milestones=[2])


def test_every_scheduler_is_exported_with_pytorchs_name():
    for name in ("LambdaLR", "MultiStepLR", "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "SequentialLR",
                 "CosineAnnealingWarmRestarts", "ConstantLR", "PolynomialLR", "MultiplicativeLR",
                 "LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR"):
        assert isinstance(getattr(mt.optim.lr_scheduler, name), type)
    assert issubclass(lr_scheduler.ReduceLROnPlateau, lr_scheduler.LRScheduler)


# ------------------------------------------------ warm restarts and the small ones
def warm_restarts_reference(epoch, T_0, T_mult, base, eta_min):
    """SGDR's lr at a (possibly fractional) epoch: walk the cycles T_0, T_0 T_mult, ... to find T_cur."""
    start, length = 0.0, T_0
    while epoch >= start + length:
        start, length = start + length, length * T_mult
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * (epoch - start) / length)) / 2


@pytest.mark.parametrize("T_mult", [1, 2])
def test_cosine_annealing_warm_restarts_per_epoch_and_per_fractional_epoch(T_mult):
    optimizer = _optimizer((0.1, 0.5))
    scheduler = lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=3, T_mult=T_mult, eta_min=0.01)
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 12)):
        np.testing.assert_allclose(lrs, [warm_restarts_reference(epoch, 3, T_mult, b, 0.01) for b in (0.1, 0.5)],
                                   rtol=1e-12)
    for epoch in np.arange(0, 20, 0.25):
        scheduler.step(float(epoch))  # PyTorch's per-batch form: step(epoch + i / iters)
        np.testing.assert_allclose(scheduler.get_last_lr()[0], warm_restarts_reference(epoch, 3, T_mult, 0.1, 0.01),
                                   rtol=1e-12)
        assert scheduler.last_epoch == math.floor(epoch)
    with pytest.raises(ValueError, match="T_mult >= 1"):
        lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(), T_0=3, T_mult=0)
    with pytest.raises(ValueError, match="positive integer T_0"):
        lr_scheduler.CosineAnnealingWarmRestarts(_optimizer(), T_0=0)


def test_constant_polynomial_and_multiplicative_lr_closed_forms():
    optimizer = _optimizer((0.1, 0.3))
    scheduler = lr_scheduler.ConstantLR(optimizer, factor=0.25, total_iters=4)
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 7)):
        np.testing.assert_allclose(lrs, [b * (0.25 if epoch < 4 else 1.0) for b in (0.1, 0.3)], rtol=1e-12)
    optimizer = _optimizer((0.1, 0.3))
    scheduler = lr_scheduler.PolynomialLR(optimizer, total_iters=5, power=2.0)
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 8)):
        np.testing.assert_allclose(lrs, [b * (1 - min(epoch, 5) / 5) ** 2 for b in (0.1, 0.3)], rtol=1e-12,
                                   atol=1e-15)
    scheduler.step(2)
    np.testing.assert_allclose(scheduler.get_last_lr(), [0.1 * 0.36, 0.3 * 0.36], rtol=1e-12)
    optimizer = _optimizer((0.1, 0.3))
    scheduler = lr_scheduler.MultiplicativeLR(optimizer, [lambda e: 0.5, lambda e: 1.0 / (e + 1)])
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 5)):
        np.testing.assert_allclose(lrs, [0.1 * 0.5 ** epoch, 0.3 / math.factorial(epoch + 1)], rtol=1e-12)
    with pytest.raises(ValueError, match="between 0 and 1"):
        lr_scheduler.ConstantLR(_optimizer(), factor=1.5)


def cyclic_reference(epoch, base, top, up, down, scale):
    """A triangle wave: up from base to top in ``up`` steps, down in ``down`` steps, height times scale(cycle)."""
    cycle, position = divmod(epoch, up + down)
    factor = position / up if position <= up else (up + down - position) / down
    return base + (top - base) * factor * scale(cycle + 1)


@pytest.mark.parametrize("mode, scale", [("triangular", lambda c: 1.0), ("triangular2", lambda c: 0.5 ** (c - 1))])
def test_cyclic_lr_is_a_triangle_wave_and_cycles_the_momentum(mode, scale):
    optimizer = mt.optim.SGD([mt.zeros(1, requires_grad=True)], lr=1.0, momentum=0.9)
    scheduler = lr_scheduler.CyclicLR(optimizer, base_lr=0.01, max_lr=0.1, step_size_up=2, step_size_down=3, mode=mode)
    for epoch in range(14):
        np.testing.assert_allclose(scheduler.get_last_lr(), [cyclic_reference(epoch, 0.01, 0.1, 2, 3, scale)],
                                   rtol=1e-12)
        # the momentum mirrors it: 0.9 at base_lr, 0.8 at max_lr
        np.testing.assert_allclose(optimizer.param_groups[0]["momentum"],
                                   cyclic_reference(epoch, 0.9, 0.8, 2, 3, scale), rtol=1e-12)
        optimizer.step()
        scheduler.step()


def test_cyclic_lr_cycles_adams_beta1_and_checks_its_arguments():
    optimizer = mt.optim.Adam([mt.zeros(1, requires_grad=True)])
    scheduler = lr_scheduler.CyclicLR(optimizer, 0.001, 0.01, step_size_up=2)
    _sequence(scheduler, optimizer, 2)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.01)
    assert optimizer.param_groups[0]["betas"] == (pytest.approx(0.8), 0.999)
    with pytest.raises(ValueError, match="must support momentum or beta1"):
        lr_scheduler.CyclicLR(mt.optim.Adagrad([mt.zeros(1, requires_grad=True)]), 0.001, 0.01)
    with pytest.raises(ValueError, match="mode is invalid"):
        lr_scheduler.CyclicLR(optimizer, 0.001, 0.01, mode="square")


def test_chained_scheduler_multiplies_the_factors_of_its_schedulers(tmp_path):
    optimizer = _optimizer((0.1,))
    scheduler = lr_scheduler.ChainedScheduler([lr_scheduler.ConstantLR(optimizer, factor=0.5, total_iters=2),
                                               lr_scheduler.ExponentialLR(optimizer, gamma=0.9)])
    for epoch, lrs in enumerate(_sequence(scheduler, optimizer, 5)):
        np.testing.assert_allclose(lrs, [0.1 * (0.5 if epoch < 2 else 1.0) * 0.9 ** epoch], rtol=1e-12)
    mt.save(scheduler.state_dict(), tmp_path / "chained.npz")
    state = mt.load(tmp_path / "chained.npz")
    assert len(state["_schedulers"]) == 2 and state["_schedulers"][1]["last_epoch"] == 5
    with pytest.raises(ValueError, match="does not support `ReduceLROnPlateau`"):
        lr_scheduler.ChainedScheduler([lr_scheduler.ReduceLROnPlateau(optimizer)])
