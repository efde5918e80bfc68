"""mt.compile: the inline forms of cross-entropy, ReLU (large arrays, zeros), Conv2d and reshape
(capture/lowerings.py), and the train/eval guard's exempt modules (capture/compiled.py).

Each lowered program must end bit-identical to eager; a batch the inline form does not cover
(an ignored or out-of-range target, logits of another memory layout, a nan or an infinite
gradient) must still behave as eager; a wrong inline form, or one that fails while the program
is written, must be refused at capture.
"""
import re
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn import functional as F

from .test_compile_equivalence import assert_identical, batches, train

SGD = lambda p: mt.optim.SGD(p, lr=0.1, momentum=0.9)  # noqa: E731


def wide_mlp():  # 64 rows x 128 hidden units = 8192 values: ReLU's large-array branch
    return nn.Sequential(nn.Linear(6, 128), nn.ReLU(), nn.Linear(128, 3))


def program_source(run):
    entry = run._last
    assert entry is not None and entry.program is not None, run.explain()
    return entry.program.source


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_and_large_relu_inline_equal_eager(reduction):
    data = batches(8, (64, 6), 3)
    loss = lambda out, y: F.cross_entropy(out, y, reduction=reduction)  # noqa: E731
    eager = train(wide_mlp, SGD, data, compiled=False, loss=loss)
    compiled = train(wide_mlp, SGD, data, compiled=True, loss=loss)
    assert_identical(eager, compiled)
    source = program_source(compiled[3])
    assert re.search(r"k\d+\(v\d+, 1, None, B\d+, True\)", source)  # cross-entropy inline: max(x, axis=1)
    assert "invalid='ignore'" in source  # the large ReLU's mask product written inline


def test_ignored_targets_in_a_replayed_batch_take_the_ops_general_code():
    data = batches(7, (5, 6), 3)
    rng = np.random.default_rng(4)
    for position in (4, 6):  # batches that replay a program captured on batches without -100
        targets = rng.integers(0, 3, 5)
        targets[rng.integers(0, 5, 2)] = -100
        data[position] = (data[position][0], mt.tensor(targets))
    eager = train(wide_mlp, SGD, data, compiled=False)
    compiled = train(wide_mlp, SGD, data, compiled=True)
    assert_identical(eager, compiled)


@pytest.mark.parametrize("bad", [-1, 3])
def test_an_out_of_range_target_raises_eagers_error_in_a_replay(bad):
    data = batches(5, (4, 6), 3)
    model, optimizer, _, run = train(wide_mlp, SGD, data, compiled=True)
    before = [p._data.copy() for p in model.parameters()]
    with pytest.raises(IndexError, match=f"Target {bad} is out of bounds"):
        run(data[0][0], mt.tensor([0, bad, 1, 2]))
    assert run.stats["replayed"] == 3  # the failing call was a replay, and raised before changing anything
    assert all(p._data.tobytes() == b.tobytes() for p, b in zip(model.parameters(), before))


def test_large_relu_redoes_an_infinite_gradient_like_eager_without_warnings():
    def step(x):
        y = F.relu(x)
        ((y * 3e38).sum() * 10.0).backward()  # every gradient reaching relu overflows to inf
        grad = x.grad
        x.grad = None
        return grad

    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal((64, 128)).astype(np.float32) for _ in range(6)]
    compiled = mt.compile(step)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the overflows to inf warn, in eager as in a replay
        warnings.filterwarnings("error", message="invalid value")  # inf * 0: eager ignores it, so must replays
        for values in inputs:
            x_a, x_b = mt.tensor(values, requires_grad=True), mt.tensor(values, requires_grad=True)
            expected, got = step(x_a), compiled(x_b)
            assert expected._data.tobytes() == got._data.tobytes()
            assert not np.isnan(got._data).any()  # redone with where: 0 where relu is off
    assert compiled.stats["replayed"] == 3, compiled.explain()
    assert "invalid='ignore'" in program_source(compiled)
    assert "lowering refused" not in compiled.explain()


def test_a_wrong_cross_entropy_lowering_is_refused(monkeypatch):
    from microtensor.capture import lowerings
    from microtensor.nn import _class_loss_ops

    forward, backward = lowerings.LOWERINGS[_class_loss_ops.CrossEntropy]

    def wrong_backward(b, node, args, y, grad, outs):  # the gradient twice too large
        return backward(b, node, args, y, grad, outs) + [f"{outs[0]} = {outs[0]} * 2"]

    monkeypatch.setitem(lowerings.LOWERINGS, _class_loss_ops.CrossEntropy, (forward, wrong_backward))
    data = batches(6, (5, 6), 3)
    eager = train(wide_mlp, SGD, data, compiled=False)
    compiled = train(wide_mlp, SGD, data, compiled=True)
    run = compiled[3]
    assert "lowering refused" in run.explain()
    assert run.stats["replayed"] == 3  # the ops' own code replays instead
    monkeypatch.undo()
    (model_a, *_), (model_b, *_) = eager, compiled
    assert all(a._data.tobytes() == b._data.tobytes() for a, b in zip(model_a.parameters(), model_b.parameters()))



def conv_net():  # channels-last layouts (4 and 6 channels): padding, groups, stride, no bias
    return nn.Sequential(nn.Conv2d(4, 6, 3, padding=1), nn.ReLU(),
                         nn.Conv2d(6, 4, 3, stride=2, groups=2, bias=False), nn.Flatten(), nn.Linear(16, 3))


def taps_net():  # a one-channel input: the channels-first layout, a non-square kernel, dilation
    return nn.Sequential(nn.Conv2d(1, 3, (3, 2), padding=(1, 0), dilation=(1, 2)), nn.Tanh(), nn.Flatten(),
                         nn.Linear(3 * 6 * 4, 3))


@pytest.mark.parametrize("build, shape", [(conv_net, (3, 4, 6, 6)), (taps_net, (3, 1, 6, 6))])
def test_conv2d_inline_equals_eager(build, shape):
    data = batches(6, shape, 3)
    eager = train(build, SGD, data, compiled=False)
    compiled = train(build, SGD, data, compiled=True)
    assert_identical(eager, compiled)
    source = program_source(compiled[3])
    assert re.search(r"\n    k\d+\[k\d+\] = v0(\.transpose\(0, 2, 3, 1\))?\n", source)  # the input into its buffer
    assert ".reshape((3, " in source  # Flatten inline


def test_a_wrong_conv2d_lowering_is_refused(monkeypatch):
    from microtensor.capture import lowerings
    from microtensor.nn import _conv_ops

    forward, backward = lowerings.LOWERINGS[_conv_ops.Conv2d]

    def stale_columns(b, node, args, out):  # the im2col copy left out: the matrix keeps the first call's values
        lines = forward(b, node, args, out)
        return lines if lines is None else lines[:1] + lines[2:]  # (lines[1] copies the receptive fields)

    monkeypatch.setitem(lowerings.LOWERINGS, _conv_ops.Conv2d, (stale_columns, backward))
    data = batches(5, (3, 4, 6, 6), 3)
    eager = train(conv_net, SGD, data, compiled=False)
    compiled = train(conv_net, SGD, data, compiled=True)
    assert "lowering refused" in compiled[3].explain() and compiled[3].stats["replayed"] == 2
    monkeypatch.undo()
    (model_a, *_), (model_b, *_) = eager, compiled
    assert all(a._data.tobytes() == b._data.tobytes() for a, b in zip(model_a.parameters(), model_b.parameters()))


@pytest.mark.parametrize("dtype, unsigned", [(np.float32, np.uint32), (np.float64, np.uint64)])
def test_relu_against_an_array_of_zeros_keeps_every_bit(dtype, unsigned):
    values = np.random.default_rng(5).standard_normal((8, 64)).astype(dtype)
    bits = values.view(unsigned)
    top = np.array(1, unsigned) << (8 * values.itemsize - 1)
    quiet = np.array(np.nan, dtype).view(unsigned)
    bits[0, :4] = [quiet | 1, quiet | top, quiet + 5, top]  # nan payloads, a negative nan, -0.0
    values[1, :3] = [np.inf, -np.inf, np.finfo(dtype).smallest_subnormal]
    relu = mt.compile(F.relu)
    with mt.no_grad():
        for _ in range(5):
            got = relu(mt.tensor(values))
    assert relu.stats["replayed"] == 2
    assert got._data.tobytes() == np.maximum(values, 0).tobytes()


def test_logits_of_another_layout_in_a_replay_take_the_ops_code():
    def step(z, y):
        loss = F.cross_entropy(F.relu(z) * 3.0, y)
        loss.backward()
        grad = z.grad
        z.grad = None
        return loss, grad

    rng = np.random.default_rng(6)
    compiled = mt.compile(step)
    for i in range(7):
        values = rng.standard_normal((70, 9)).astype(np.float32)
        if i >= 4:  # replays with Fortran-ordered arrays (the signature has no layout in it)
            values = np.asfortranarray(values)
        targets = mt.tensor(rng.integers(0, 9, 70))
        expected = step(mt.tensor(values, requires_grad=True), targets)
        got = compiled(mt.tensor(values, requires_grad=True), targets)
        assert all(a._data.tobytes() == b._data.tobytes() for a, b in zip(expected, got))
    assert compiled.stats["replayed"] == 4 and "lowering refused" not in compiled.explain()


def test_modules_exempt_from_the_train_eval_guard_never_read_their_flag():
    import inspect

    from microtensor.capture.compiled import flag_free_modules

    for cls in flag_free_modules():
        for klass in cls.__mro__:
            if klass.__module__.startswith("microtensor.nn.modules") and klass is not nn.Module:
                assert "training" not in inspect.getsource(klass), (cls.__name__, klass.__name__)


def test_a_leaf_switching_to_eval_keeps_the_program_and_a_container_recaptures():
    data = batches(10, (5, 6), 3)
    eager, compiled = (train(wide_mlp, SGD, data[:5], compiled=flag) for flag in (False, True))
    for (model, optimizer, losses, run) in (eager, compiled):
        model[1].eval()  # a ReLU in eval mode computes the same: no recapture needed
        for x, y in data[5:7]:
            losses.append(run(x, y)._data.copy())
        model.eval()  # the container: recaptured (a step may read model.training)
        for x, y in data[7:]:
            losses.append(run(x, y)._data.copy())
    run = compiled[3]
    assert run.stats["recaptured"] == 1 and "Sequential switched to eval mode" in run.explain()
    assert all(a.tobytes() == b.tobytes() for a, b in zip(eager[2], compiled[2]))
    assert all(a._data.tobytes() == b._data.tobytes() for a, b in zip(eager[0].parameters(), compiled[0].parameters()))


def test_a_lowering_that_raises_while_writing_the_program_is_refused(monkeypatch):
    from microtensor.capture import lowerings
    from microtensor.ops.rectifiers import ReLU

    def broken(b, node, args, out):
        raise ValueError("an op this lowering did not expect")

    monkeypatch.setitem(lowerings.LOWERINGS, ReLU, (broken, lowerings.LOWERINGS[ReLU][1]))
    data = batches(6, (5, 6), 3)
    eager = train(wide_mlp, SGD, data, compiled=False)
    compiled = train(wide_mlp, SGD, data, compiled=True)
    run = compiled[3]
    assert "writing the inline forms failed" in run.explain() and run.stats["replayed"] == 3
    monkeypatch.undo()
    (model_a, *_), (model_b, *_) = eager, compiled
    assert all(a._data.tobytes() == b._data.tobytes() for a, b in zip(model_a.parameters(), model_b.parameters()))
