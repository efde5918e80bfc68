"""mt.compile: guards, recaptures, eager fallbacks, fullgraph errors, validation, explain()."""
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.capture import CaptureError
from microtensor.nn import functional as F


def setup(seed=0):
    mt.manual_seed(seed)
    model = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), nn.Dropout(0.25), nn.Linear(5, 2))
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.5)
    return model, optimizer


def data(count=12, rows=3, seed=1):
    rng = np.random.default_rng(seed)
    return [(mt.tensor(rng.standard_normal((rows, 4)).astype(np.float32)), mt.tensor(rng.integers(0, 2, rows)))
            for _ in range(count)]


def make_step(model, optimizer):
    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss
    return step


def weights(model):
    return [p._data.copy() for p in model.parameters()]


def same(a, b):
    return all(x.tobytes() == y.tobytes() for x, y in zip(a, b))


def run_both(change, count=12):
    """Train eagerly and compiled on the same batches, calling ``change(model, optimizer, i)`` before step i."""
    results = []
    for compiled in (False, True):
        model, optimizer = setup()
        step = make_step(model, optimizer)
        run = mt.compile(step) if compiled else step
        mt.manual_seed(7)
        for i, (x, y) in enumerate(data(count)):
            change(model, optimizer, i)
            run(x, y)
        results.append((weights(model), run))
    assert same(results[0][0], results[1][0])
    return results[1][1]


def test_first_call_eager_then_two_captures_then_replays():
    model, optimizer = setup()
    compiled = mt.compile(make_step(model, optimizer))
    for x, y in data(6):
        loss = compiled(x, y)
    assert compiled.stats == {"eager": 1, "captured": 2, "replayed": 3, "recaptured": 0}
    assert loss.grad_fn is None and not loss.requires_grad  # a replay returns plain values
    assert "replays a program" in compiled.explain()


def test_train_eval_switch_recaptures_and_stays_right():
    def change(model, optimizer, i):
        model.train(i % 5 != 4)
    compiled = run_both(change, count=20)
    assert compiled.stats["recaptured"] >= 1
    assert "switched to" in compiled.explain()


def test_changing_lr_by_hand_needs_no_recapture():
    def change(model, optimizer, i):
        optimizer.param_groups[0]["lr"] = 0.1 / (1 + i)
    assert run_both(change).stats["recaptured"] == 0


def test_rebound_parameter_recaptures():
    def change(model, optimizer, i):
        if i == 6:
            model[0].weight.data = model[0].weight._data * 0.5  # a new array: the old program is stale
    compiled = run_both(change)
    assert compiled.stats["recaptured"] == 1
    assert "new values" in compiled.explain()


def test_load_state_dict_in_place_keeps_the_program():
    model, optimizer = setup()
    compiled = mt.compile(make_step(model, optimizer))
    batches = data(8)
    for x, y in batches[:5]:
        compiled(x, y)
    snapshot = {k: v.clone() for k, v in model.state_dict().items()}
    for x, y in batches[5:]:
        compiled(x, y)
    model.load_state_dict(snapshot)
    assert same(weights(model), [snapshot[k]._data for k in ("0.weight", "0.bias", "3.weight", "3.bias")])


def test_item_inside_the_step_runs_eagerly_and_fullgraph_names_it():
    model, optimizer = setup()

    def step(x, y):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    compiled = mt.compile(step)
    values = [compiled(x, y) for x, y in data(5)]
    assert all(isinstance(v, float) for v in values)
    assert compiled.stats["replayed"] == 0
    assert ".item()" in compiled.explain() and "test_compile_behaviour.py" in compiled.explain()

    strict = mt.compile(step, fullgraph=True)
    x, y = data(1)[0]
    strict(x, y)  # the first call is eager
    with pytest.raises(CaptureError, match=r"\.item\(\).*test_compile_behaviour\.py:\d+"):
        strict(x, y)


def test_data_dependent_python_branch_runs_eagerly():
    model, optimizer = setup()

    def step(x, y):
        loss = F.cross_entropy(model(x), y)
        if loss > 0.5:  # bool() of a tensor
            loss = loss * 2
        return loss.detach()

    compiled = mt.compile(step)
    for x, y in data(5):
        compiled(x, y)
    assert compiled.stats["replayed"] == 0
    assert "bool()" in compiled.explain()


def test_accumulating_gradients_across_calls_runs_eagerly():
    model, optimizer = setup()

    def accumulate(x, y):
        F.cross_entropy(model(x), y).backward()  # no zero_grad: .grad grows across calls

    compiled = mt.compile(accumulate)
    eager_model, _ = setup()
    model.eval(), eager_model.eval()  # no dropout: the two models draw no random numbers
    for x, y in data(5):
        compiled(x, y)
        F.cross_entropy(eager_model(x), y).backward()
    assert compiled.stats["replayed"] == 0
    assert "accumulation" in compiled.explain()
    for a, b in zip(model.parameters(), eager_model.parameters()):
        np.testing.assert_array_equal(a.grad._data, b.grad._data)


def test_a_custom_function_runs_eagerly():
    class Double(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    w = mt.ones(3, requires_grad=True)

    def step(x):
        w.grad = None
        Double.apply(w * x).sum().backward()
        return w.grad.clone()

    compiled = mt.compile(step)
    for _ in range(4):
        np.testing.assert_array_equal(compiled(mt.arange(3.0))._data, [0.0, 2.0, 4.0])
    assert "custom Function Double" in compiled.explain()


def test_a_random_tensor_made_in_the_step_runs_eagerly():
    def noisy(x):
        return x + mt.randn(3)

    compiled = mt.compile(noisy)
    outputs = [compiled(mt.zeros(3))._data.copy() for _ in range(5)]
    assert len({o.tobytes() for o in outputs}) == 5  # fresh noise every call, never a frozen copy
    assert "random tensor made outside an op" in compiled.explain()


def test_a_changing_global_number_recaptures():
    global SCALE
    SCALE = 1.0
    compiled = mt.compile(scaled)
    x = mt.ones(2)
    for _ in range(4):
        compiled(x)
    SCALE = 3.0
    np.testing.assert_array_equal(compiled(x)._data, [3.0, 3.0])
    assert "SCALE" in compiled.explain()


SCALE = 1.0


def scaled(x):
    return x * SCALE


def test_values_from_outside_microtensor_that_change_are_refused():
    outside = np.zeros(2, dtype=np.float32)

    def add_outside(x):
        return x + mt.tensor(outside)  # a copy of a numpy array the recorder cannot follow

    compiled = mt.compile(add_outside)
    for value in range(5):
        outside[:] = value
        np.testing.assert_array_equal(compiled(mt.zeros(2))._data, [value, value])
    assert "changed between calls" in compiled.explain()


def test_a_wrong_program_is_refused_by_validation(monkeypatch):
    from microtensor.capture import program

    real = program._Builder.emit_add
    original_emit_op = program._Builder.emit_op

    def broken_emit_op(self, index, event):  # a wrong lowering: every ReLU forward becomes tanh
        original_emit_op(self, index, event)
        if event[1].__name__ == "ReLU":
            self.lines[-1] = self.lines[-1].split(" = ")[0] + f" = {self.constant(np.tanh)}({self.spec(event[2][0])})"

    monkeypatch.setattr(program._Builder, "emit_op", broken_emit_op)
    assert program._Builder.emit_add is real
    model, optimizer = setup()
    eager_model, eager_optimizer = setup()
    compiled, eager = mt.compile(make_step(model, optimizer)), make_step(eager_model, eager_optimizer)
    mt.manual_seed(3)
    for x, y in data(6):
        compiled(x, y)
    mt.manual_seed(3)
    for x, y in data(6):
        eager(x, y)
    assert compiled.stats["replayed"] == 0
    assert "did not reproduce the eager step" in compiled.explain()
    assert same(weights(model), weights(eager_model))  # the refused program left eager's results in place


def test_the_program_cache_is_bounded(monkeypatch):
    from microtensor.capture import compiled as compiled_module

    monkeypatch.setattr(compiled_module, "MAX_PROGRAMS", 2)
    double = mt.compile(lambda x: x * 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for size in range(1, 6):
            for _ in range(4):
                np.testing.assert_array_equal(double(mt.ones(size))._data, np.full(size, 2.0))
    assert sum("has built 2 programs" in str(w.message) for w in caught) == 1


def test_compile_decorator_forms_and_errors():
    @mt.compile
    def a(x):
        return x + 1

    @mt.compile(fullgraph=True)
    def b(x):
        return x + 1

    assert a.__name__ == "a" and b(mt.ones(1))._data[0] == 2.0
    with pytest.raises(TypeError, match="expects a function"):
        mt.compile(3)
    with pytest.raises(ValueError, match="unknown backend"):
        mt.compile(lambda x: x, backend="cudagraphs")
    off = mt.compile(lambda x: x * 3, disable=True)
    for _ in range(4):
        off(mt.ones(1))
    assert off.stats["replayed"] == 0


def test_forward_only_function_that_needs_a_graph_runs_eagerly():
    model, _ = setup()
    forward = mt.compile(model)
    x = mt.ones(2, 4)
    for _ in range(4):
        out = forward(x)
    out.sum().backward()  # still a graph: the call ran eagerly
    assert model[0].weight.grad is not None
    with mt.no_grad():
        model.eval()
        for _ in range(4):
            plain = forward(x)
    assert forward.stats["replayed"] == 1
    np.testing.assert_array_equal(plain._data, model(x)._data)


def test_cross_entropy_target_check_still_raises_in_a_replay():
    model, optimizer = setup()
    compiled = mt.compile(make_step(model, optimizer))
    for x, y in data(5):
        compiled(x, y)
    x, _ = data(1)[0]
    with pytest.raises(IndexError, match="out of bounds|out of range"):
        compiled(x, mt.tensor([0, 1, 7]))


def test_a_wrong_lowering_is_refused_and_the_ops_own_code_replays(monkeypatch):
    from microtensor.capture import lowerings
    from microtensor.ops.activation import Tanh

    def wrong_tanh(b, node, args, out):  # sin instead of tanh: close near 0, never bit-identical
        return [f"{out} = {b.name(np.sin)}({args[0]})"]

    monkeypatch.setitem(lowerings.LOWERINGS, Tanh, (wrong_tanh, lowerings.LOWERINGS[Tanh][1]))
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1)
    mt.manual_seed(0)
    eager_model = nn.Sequential(nn.Linear(4, 3), nn.Tanh(), nn.Linear(3, 2))
    eager_optimizer = mt.optim.SGD(eager_model.parameters(), lr=0.1)
    compiled, eager = mt.compile(make_step(model, optimizer)), make_step(eager_model, eager_optimizer)
    for x, y in data(8):
        compiled(x, y)
        eager(x, y)
    assert compiled.stats["replayed"] == 5
    assert "lowering refused" in compiled.explain()
    assert same(weights(model), weights(eager_model))
