"""Training keeps memory flat, and no reference cycles keep graphs alive."""
import gc
import os
import tracemalloc

import pytest

import microtensor as mt
from microtensor.autograd.function import Function

STEPS = 10_000 if os.environ.get("MT_SLOW") == "1" else 2_000


def _train(model, opt, x, y, steps):
    for _ in range(steps):
        loss = mt.nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


@pytest.mark.slow
def test_training_memory_stays_flat():
    mt.manual_seed(0)
    model = mt.nn.Sequential(mt.nn.Linear(8, 16), mt.nn.Tanh(), mt.nn.Linear(16, 3))
    opt = mt.optim.Adam(model.parameters(), lr=1e-3)
    x = mt.randn(32, 8)
    y = mt.randint(0, 3, (32,))
    _train(model, opt, x, y, 50)  # warm up: optimizer state, caches
    tracemalloc.start()
    _train(model, opt, x, y, STEPS // 2)
    first, _ = tracemalloc.get_traced_memory()
    _train(model, opt, x, y, STEPS // 2)
    second, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert second - first < 64 * 1024, f"memory grew by {second - first} bytes over {STEPS // 2} steps"
    assert peak < 2 * 1024 * 1024


def test_no_graph_nodes_survive_a_training_step():
    model = mt.nn.Sequential(mt.nn.Linear(4, 8), mt.nn.ReLU(), mt.nn.Linear(8, 1))
    opt = mt.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x, y = mt.randn(16, 4), mt.randn(16, 1)
    gc.collect()
    gc.disable()
    try:
        loss = mt.nn.functional.mse_loss(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        del loss
        alive = [obj for obj in gc.get_objects() if isinstance(obj, Function)]
    finally:
        gc.enable()
    assert alive == []  # freed by reference counting alone: no cycles
    assert gc.collect() == 0 or not any(isinstance(obj, Function) for obj in gc.get_objects())


def test_forward_only_under_no_grad_builds_no_graph():
    model = mt.nn.Linear(4, 2)
    with mt.no_grad():
        out = model(mt.randn(3, 4))
    assert out.grad_fn is None and not out.requires_grad
