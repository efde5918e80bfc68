"""PyTorch-parity details of the optimizers and schedulers: the ignored kernel flags, repr, resumed schedules."""
import math

import pytest

import microtensor as mt


def _param():
    return mt.tensor([1.0, 2.0], requires_grad=True)


@pytest.mark.parametrize("cls, flags", [
    ("SGD", ("foreach", "differentiable", "fused")), ("Adam", ("foreach", "capturable", "differentiable", "fused")),
    ("AdamW", ("foreach", "capturable", "differentiable", "fused")), ("Adamax", ("foreach", "capturable", "differentiable")),
    ("Adadelta", ("foreach", "capturable", "differentiable")), ("ASGD", ("foreach", "capturable", "differentiable")),
    ("NAdam", ("foreach", "capturable", "differentiable")), ("RAdam", ("foreach", "capturable", "differentiable")),
    ("RMSprop", ("foreach", "capturable", "differentiable")), ("Rprop", ("foreach", "capturable", "differentiable")),
])
def test_kernel_flags_are_accepted_and_kept_in_groups(cls, flags):
    opt = getattr(mt.optim, cls)([_param()], foreach=False)
    assert all(flag in opt.param_groups[0] for flag in flags)
    assert opt.param_groups[0]["foreach"] is False
    with pytest.raises(NotImplementedError, match="differentiable"):
        getattr(mt.optim, cls)([_param()], differentiable=True)


def test_foreach_does_not_change_the_update():
    p = _param()
    opt = mt.optim.SGD([p], lr=0.1, foreach=True)
    (p ** 2).sum().backward()
    opt.step()
    assert p.tolist() == pytest.approx([1.0 - 0.1 * 2.0, 2.0 - 0.1 * 4.0])


def test_repr_separates_groups_with_a_blank_line():
    opt = mt.optim.SGD([{"params": [_param()]}, {"params": [_param()], "lr": 0.5}], lr=0.1)
    text = repr(opt)
    assert "\n\nParameter Group 1\n" in text and text.startswith("SGD (\nParameter Group 0\n")


@pytest.mark.parametrize("make, expected", [
    (lambda o: mt.optim.lr_scheduler.ExponentialLR(o, 0.5, last_epoch=3), [0.3, 0.15, 0.075]),
    (lambda o: mt.optim.lr_scheduler.MultiplicativeLR(o, lambda e: 0.5, last_epoch=3), [0.3, 0.15, 0.075]),
    # epochs 5 and 6 of a 5-iteration linear decay from the resumed lr: factor (1 - 5/5) / (1 - 4/5) = 0
    (lambda o: mt.optim.lr_scheduler.PolynomialLR(o, total_iters=5, last_epoch=3), [0.3, 0.0, 0.0]),
])
def test_resumed_chainable_schedules_keep_the_loaded_lr(make, expected):
    opt = mt.optim.SGD([_param()], lr=0.3)
    opt.param_groups[0]["initial_lr"] = 1.0
    scheduler = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for _ in range(2):
        opt.step()
        scheduler.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == pytest.approx(expected)


def test_cosine_eta_min_default_is_a_float():
    scheduler = mt.optim.lr_scheduler.CosineAnnealingLR(mt.optim.SGD([_param()], lr=0.1), 4)
    assert isinstance(scheduler.eta_min, float) and scheduler.eta_min == 0.0
    assert scheduler.get_last_lr() == [0.1] and math.isclose(0.1 * (1 + math.cos(math.pi / 4)) / 2, 0.0853553390593)
