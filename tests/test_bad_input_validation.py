"""Bad input that used to get no clear error (issue 11): optimizer and scheduler arguments checked
at construction, custom Functions that return the wrong thing, numpy arrays passed to layers, and
matplotlib missing. Each row: the call, PyTorch's exception type, and a pattern of the message."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import microtensor as mt

optim = mt.optim
sched = mt.optim.lr_scheduler
ROOT = Path(__file__).resolve().parents[1]


def _params():
    return [mt.nn.Parameter(mt.ones(2))]


def _sgd():
    return optim.SGD(_params(), lr=0.1, momentum=0.9)


OPTIMIZER_CASES = [
    ("SGD lr None", lambda: optim.SGD(_params(), lr=None), TypeError, r"Invalid learning rate: None .*number"),
    ("SGD lr str", lambda: optim.SGD(_params(), lr="0.1"), TypeError, r"Invalid learning rate: '0.1'"),
    ("SGD lr nan", lambda: optim.SGD(_params(), lr=float("nan")), ValueError, r"Invalid learning rate: nan"),
    ("SGD lr < 0", lambda: optim.SGD(_params(), lr=-1), ValueError, r"Invalid learning rate: -1"),
    ("SGD momentum None", lambda: optim.SGD(_params(), momentum=None), TypeError, r"Invalid momentum value: None"),
    ("SGD dampening None", lambda: optim.SGD(_params(), dampening=None), TypeError, r"Invalid dampening value"),
    ("SGD weight_decay None", lambda: optim.SGD(_params(), weight_decay=None), TypeError, r"weight_decay"),
    ("SGD nesterov no momentum", lambda: optim.SGD(_params(), nesterov=True), ValueError, r"Nesterov momentum"),
    ("SGD group lr None", lambda: optim.SGD([{"params": _params(), "lr": None}], lr=0.1), TypeError,
     r"Invalid learning rate: None"),
    ("Adam lr None", lambda: optim.Adam(_params(), lr=None), TypeError, r"Invalid learning rate: None"),
    ("Adam betas None", lambda: optim.Adam(_params(), betas=None), TypeError, r"Invalid betas: None"),
    ("Adam beta None", lambda: optim.Adam(_params(), betas=(0.9, None)), TypeError, r"beta parameter at index 1"),
    ("Adam beta 1.0", lambda: optim.Adam(_params(), betas=(1.0, 0.9)), ValueError, r"beta parameter at index 0"),
    ("Adam eps None", lambda: optim.Adam(_params(), eps=None), TypeError, r"Invalid epsilon value: None"),
    ("AdamW weight_decay str", lambda: optim.AdamW(_params(), weight_decay="x"), TypeError, r"weight_decay"),
    ("RMSprop alpha None", lambda: optim.RMSprop(_params(), alpha=None), TypeError, r"Invalid alpha value: None"),
    ("RMSprop momentum < 0", lambda: optim.RMSprop(_params(), momentum=-0.1), ValueError, r"momentum value"),
    ("Adagrad lr_decay None", lambda: optim.Adagrad(_params(), lr_decay=None), TypeError, r"lr_decay value"),
    ("Adagrad initial_accumulator_value None", lambda: optim.Adagrad(_params(), initial_accumulator_value=None),
     TypeError, r"initial_accumulator_value"),
    ("LBFGS lr None", lambda: optim.LBFGS(_params(), lr=None), TypeError, r"Invalid learning rate: None"),
    ("LBFGS max_iter None", lambda: optim.LBFGS(_params(), max_iter=None), ValueError,
     r"max_iter must be a positive int, got None"),
    ("LBFGS tolerance_grad None", lambda: optim.LBFGS(_params(), tolerance_grad=None), TypeError,
     r"tolerance_grad"),
    ("LBFGS tolerance_change < 0", lambda: optim.LBFGS(_params(), tolerance_change=-1.0), ValueError,
     r"tolerance_change"),
]

SCHEDULER_CASES = [
    ("StepLR gamma None", lambda: sched.StepLR(_sgd(), 2, gamma=None), TypeError, r"StepLR gamma: None"),
    ("MultiStepLR milestones None", lambda: sched.MultiStepLR(_sgd(), None), TypeError, r"milestones must be"),
    ("MultiStepLR milestone 1.5", lambda: sched.MultiStepLR(_sgd(), [1.5]), TypeError, r"milestones must be"),
    ("MultiStepLR gamma None", lambda: sched.MultiStepLR(_sgd(), [1], gamma=None), TypeError, r"MultiStepLR gamma"),
    ("ExponentialLR gamma None", lambda: sched.ExponentialLR(_sgd(), None), TypeError, r"ExponentialLR gamma"),
    ("CosineAnnealingLR eta_min None", lambda: sched.CosineAnnealingLR(_sgd(), 3, eta_min=None), TypeError,
     r"eta_min"),
    ("LinearLR start_factor None", lambda: sched.LinearLR(_sgd(), start_factor=None), TypeError, r"start_factor"),
    ("LinearLR end_factor str", lambda: sched.LinearLR(_sgd(), end_factor="1"), TypeError, r"end_factor"),
    ("OneCycleLR max_lr None", lambda: sched.OneCycleLR(_sgd(), max_lr=None, total_steps=10), TypeError,
     r"OneCycleLR max_lr: None"),
    ("OneCycleLR div_factor 0", lambda: sched.OneCycleLR(_sgd(), 1.0, total_steps=10, div_factor=0), ValueError,
     r"div_factor must be > 0"),
    ("OneCycleLR base_momentum None", lambda: sched.OneCycleLR(_sgd(), 1.0, total_steps=10, base_momentum=None),
     TypeError, r"base_momentum"),
    ("ReduceLROnPlateau factor None", lambda: sched.ReduceLROnPlateau(_sgd(), factor=None), TypeError, r"factor"),
    ("ReduceLROnPlateau patience None", lambda: sched.ReduceLROnPlateau(_sgd(), patience=None), TypeError,
     r"patience must be an int"),
    ("ReduceLROnPlateau cooldown < 0", lambda: sched.ReduceLROnPlateau(_sgd(), cooldown=-1), ValueError,
     r"cooldown must be an int >= 0"),
    ("ReduceLROnPlateau min_lr None", lambda: sched.ReduceLROnPlateau(_sgd(), min_lr=[None]), TypeError,
     r"min_lr"),
    ("ReduceLROnPlateau threshold None", lambda: sched.ReduceLROnPlateau(_sgd(), threshold=None), TypeError,
     r"threshold"),
]


@pytest.mark.parametrize("what, call, error, pattern", OPTIMIZER_CASES + SCHEDULER_CASES,
                         ids=[case[0] for case in OPTIMIZER_CASES + SCHEDULER_CASES])
def test_bad_argument_is_refused_at_construction(what, call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_good_arguments_still_construct_and_step():
    """Numbers of every kind pass: ints, floats, numpy scalars, a one-element Tensor lr."""
    param = mt.nn.Parameter(mt.ones(2))
    optimizer = optim.SGD([param], lr=np.float32(0.5), momentum=1, dampening=np.float64(0.0))
    scheduler = sched.MultiStepLR(optimizer, milestones=[np.int64(1), 3], gamma=np.float32(0.5))
    param.grad = mt.ones(2)
    optimizer.step()
    scheduler.step()
    np.testing.assert_allclose(param.detach().numpy(), [0.5, 0.5])
    assert optimizer.param_groups[0]["lr"] == pytest.approx(0.25)
    optim.Adam([param], lr=mt.tensor(0.01), betas=[0.8, 0.9])


# ------------------------------------------------------------------ custom Functions
class _ReturnsNothing(mt.autograd.Function):
    numpy_level = True

    @staticmethod
    def forward(ctx, x, *extra):
        x * 2  # the 'return' is missing

    @staticmethod
    def backward(ctx, grad):
        return grad


@pytest.mark.parametrize("requires_grad", [False, True])
@pytest.mark.parametrize("extra", [(), (2.0,), (2.0, 3.0)], ids=["unary", "binary", "general"])
def test_numpy_level_forward_returning_none_names_the_function(requires_grad, extra):
    x = mt.ones(2, requires_grad=requires_grad)
    with pytest.raises(TypeError, match=r"_ReturnsNothing.forward returned None.*'return'"):
        _ReturnsNothing.apply(x, *extra)


def test_user_forward_returning_none_gives_none_as_pytorch():
    class Nothing(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return None

        @staticmethod
        def backward(ctx, grad):
            return grad

    assert Nothing.apply(mt.ones(2, requires_grad=True)) is None


class _Scale(mt.autograd.Function):
    """forward(x, k) = k * x with a backward chosen by the test."""
    backward_result = None

    @staticmethod
    def forward(ctx, x, k):
        ctx.k = k
        return x * k

    @staticmethod
    def backward(ctx, grad):
        return _Scale.backward_result(grad)


@pytest.mark.parametrize("result, pattern", [
    (lambda g: (g, g), r"_ScaleBackward returned a gradient different than None at position 2, but the "
                       r"corresponding forward input was not a Variable"),
    (lambda g: (g, None, g), r"_ScaleBackward returned an incorrect number of gradients \(expected 2, got 3\)"),
    (lambda g: (g,), r"_ScaleBackward returned an incorrect number of gradients \(expected 2, got 1\)"),
], ids=["gradient for a number", "three gradients", "one gradient"])
def test_backward_returning_wrong_gradients_raises(result, pattern, monkeypatch):
    monkeypatch.setattr(_Scale, "backward_result", staticmethod(result))
    x = mt.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=pattern):
        _Scale.apply(x, 3.0).sum().backward()


def test_backward_with_extra_trailing_nones_is_accepted_as_pytorch(monkeypatch):
    monkeypatch.setattr(_Scale, "backward_result", staticmethod(lambda g: (g * 3.0, None, None)))
    x = mt.ones(2, requires_grad=True)
    _Scale.apply(x, 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 3.0])


# ------------------------------------------------------------------ a numpy array given to a layer
@pytest.mark.parametrize("layer, shape", [
    (lambda: mt.nn.Linear(4, 3), (2, 4)),
    (lambda: mt.nn.Conv2d(1, 2, 3), (1, 1, 4, 4)),
    (lambda: mt.nn.LayerNorm(4), (2, 4)),
    (lambda: mt.nn.BatchNorm1d(4), (2, 4)),
], ids=["Linear", "Conv2d", "LayerNorm", "BatchNorm1d"])
def test_numpy_array_to_a_layer_suggests_wrapping_it(layer, shape):
    with pytest.raises(TypeError, match=r"must be a Tensor, not ndarray; wrap the array with mt.tensor\(x\) "
                                        r"\(a copy\) or mt.from_numpy\(x\)"):
        layer()(np.ones(shape, dtype=np.float32))


def test_a_non_array_gets_no_numpy_hint():
    with pytest.raises(TypeError) as info:
        mt.nn.Linear(4, 3)("not a tensor")
    assert "must be a Tensor, not str" in str(info.value) and "from_numpy" not in str(info.value)


# ------------------------------------------------------------------ matplotlib missing
_WITHOUT_MATPLOTLIB = """
import sys
sys.modules["matplotlib"] = None
sys.modules["matplotlib.pyplot"] = None
sys.path[:0] = [{root!r}, {examples!r}]
import microtensor as mt, microtensor.viz as viz, _common
calls = [
    lambda: viz.draw_graph((mt.ones(2, requires_grad=True) * 2).sum()),
    lambda: viz.interactive_backend(),
    lambda: _common.select_backend(False),
    lambda: _common.show_figures(True),
]
for call in calls:
    try:
        call()
        print("no error")
    except Exception as error:
        print(type(error).__name__ + ": " + str(error))
"""


def test_missing_matplotlib_names_the_extra_to_install():
    """viz and the examples' set-up, run in a Python where ``import matplotlib`` fails."""
    script = _WITHOUT_MATPLOTLIB.format(root=str(ROOT), examples=str(ROOT / "examples"))
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    lines = completed.stdout.strip().splitlines()
    assert len(lines) == 4, completed.stdout + completed.stderr
    for line in lines:
        assert line.startswith("ModuleNotFoundError: matplotlib is not installed"), line
        assert "pip install 'microtensor[examples]'" in line


def test_the_extra_named_exists_in_pyproject():
    text = (ROOT / "pyproject.toml").read_text()
    assert 'examples = ["matplotlib' in text
