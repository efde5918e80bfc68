"""``tutorial``: the tutorial's 3-4-4-1 network, trained the tutorial's way (overhead-bound).

Four samples (the tutorial's inputs after StandardScaler, float64), ReLU -> tanh ->
sigmoid, no biases, minibatches of 2 in a fresh random order every epoch, SGD with
lr 1 on 0.5 * sum of squared errors: 10,000 epochs (20,000 steps) in the full run.
Every backend starts from the tutorial's ``np.random.seed(1)`` weights and visits
the samples in the same orders, so the trained weights must agree to rounding; the
quality column reports the final loss and the largest weight difference from numpy.
"""
import numpy as np

from . import numpy_reference as ref
from ._core import COMPILED, FRAMEWORKS, Case, framework, run_epochs, to_numpy, training_step

NAME = "tutorial"
DESCRIPTION = "3-4-4-1 net, 4 samples, batch 2, SGD lr 1, 0.5*SSE, float64"


def data(epochs, seed=0):
    """(inputs, targets, initial weights, per-epoch orders), exactly as the tutorial makes them."""
    raw = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]], dtype=np.float64)
    targets = np.array([[0], [1], [1], [0]], dtype=np.float64)
    std = raw.std(axis=0)
    inputs = (raw - raw.mean(axis=0)) / np.where(std == 0, 1.0, std)   # StandardScaler (constant column -> 0)
    state = np.random.RandomState(1)                                      # the tutorial's np.random.seed(1)
    weights = [2 * state.random_sample(shape) - 1 for shape in ((3, 4), (4, 4), (4, 1))]
    orders = np.random.default_rng(seed).permuted(np.tile(np.arange(4), (epochs, 1)), axis=1)
    return inputs, targets, weights, orders


def make_model(lib, weights):
    """The tutorial's network in ``lib`` (microtensor or torch), starting from ``weights``."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Linear(3, 4, bias=False), nn.ReLU(),
        nn.Linear(4, 4, bias=False), nn.Tanh(),
        nn.Linear(4, 1, bias=False), nn.Sigmoid(),
    ).double()
    with lib.no_grad():
        for layer, weight in zip((model[0], model[2], model[4]), weights):
            layer.weight.copy_(lib.from_numpy(np.ascontiguousarray(weight.T)))
    return model


def train_framework(lib, inputs, targets, weights, orders, batch_size=2, lr=1.0, compiled=False):
    """The same training written as a PyTorch user would, on ``lib`` (microtensor or torch);
    ``compiled``: the step goes through ``lib.compile`` (the ``mt-compiled`` row)."""
    nn = lib.nn
    model = make_model(lib, weights)
    optimizer = lib.optim.SGD(model.parameters(), lr=lr)
    loss_fn = nn.MSELoss(reduction="sum")
    step = training_step(lib, lambda x, y: 0.5 * loss_fn(model(x), y), optimizer, compiled)
    run_epochs(lib, step, inputs, targets, orders, batch_size)
    with lib.no_grad():
        final_loss = 0.5 * loss_fn(model(lib.from_numpy(inputs)), lib.from_numpy(targets)).item()
    trained = tuple(to_numpy(layer.weight).T for layer in (model[0], model[2], model[4]))
    return trained, final_loss


def cases(config, backends):
    epochs = 50 if config.quick else 10_000
    inputs, targets, weights, orders = data(epochs, config.seed)
    unit = f"{epochs} epochs"
    result = []
    if "numpy" in backends:
        result.append(Case(NAME, "train", "numpy", lambda: ref.tutorial_train(inputs, targets, weights, orders), unit=unit))
    for backend in FRAMEWORKS:
        if backend in backends:
            lib = framework(backend)
            result.append(Case(
                NAME, "train", backend,
                lambda lib=lib: train_framework(lib, inputs, targets, weights, orders), unit=unit,
            ))
    if "microtensor" in backends:
        lib = framework("microtensor")
        result.append(Case(
            NAME, "train", COMPILED,
            lambda: train_framework(lib, inputs, targets, weights, orders, compiled=True), unit=unit,
            note="mt.compile of the step; capture included",
        ))
    return result


def quality(results, config):
    reference = results.get(("train", "numpy"))
    text = {}
    for (case, backend), (trained, loss) in results.items():
        line = f"loss {loss:.3g}"
        if reference is not None and backend != "numpy":
            gap = max(float(np.max(np.abs(a - b))) for a, b in zip(trained, reference[0]))
            line += f"; max |W - W_numpy| {gap:.1e}"
        text[(case, backend)] = line
    return text


def weight_gap(results, backend):
    """Largest absolute weight difference between ``backend`` and numpy after training."""
    return max(
        float(np.max(np.abs(a - b))) for a, b in zip(results[("train", backend)][0], results[("train", "numpy")][0])
    )


def step_costs(epochs=500, seed=0):
    """Where one eager microtensor step of the tutorial's training goes, part by part (``--profile``).

    Trains as ``train_framework`` does (lr 1, batches of 2), timing each part of every step
    in place with ``time.perf_counter``: each layer's forward, the loss, its 0.5 scale,
    ``zero_grad``, ``backward`` and ``optimizer.step``. The last rows are the whole step and
    numpy's whole step (``ref.tutorial_train`` on the same batches), both per step. Returns
    ``([(part, microseconds per step)], trained weights as (in, out) arrays)``: the weights
    ``train_framework`` gives, since the arithmetic and its order are the same.
    """
    import operator
    import time

    import microtensor as mt

    inputs, targets, weights, orders = data(epochs, seed)
    model = make_model(mt, weights)
    optimizer = mt.optim.SGD(model.parameters(), lr=1.0)
    loss_fn = mt.nn.MSELoss(reduction="sum")
    layers = list(model)
    names = [f"{type(layer).__name__} forward" + (f" ({layer.in_features}->{layer.out_features})"
                                                  if isinstance(layer, mt.nn.Linear) else "") for layer in layers]
    parts = names + ["MSELoss(reduction='sum')", "0.5 * loss", "zero_grad()", "backward()", "optimizer.step()"]
    spent = dict.fromkeys(parts + ["whole step"], 0.0)
    with mt.no_grad():
        model(mt.from_numpy(inputs))  # first calls (lazy imports) outside the timing
    clock = time.perf_counter

    def timed(part, function, *args):
        before = clock()
        result = function(*args)
        spent[part] += clock() - before
        return result

    def step(x, y):
        began = clock()
        for name, layer in zip(names, layers):
            x = timed(name, layer, x)
        loss = timed(parts[-4], operator.mul, 0.5, timed(parts[-5], loss_fn, x, y))
        timed(parts[-3], optimizer.zero_grad)
        timed(parts[-2], loss.backward)
        timed(parts[-1], optimizer.step)
        spent["whole step"] += clock() - began

    run_epochs(mt, step, inputs, targets, orders, 2)
    steps = len(orders) * len(range(0, len(inputs), 2))
    began = clock()
    ref.tutorial_train(inputs, targets, weights, orders)
    numpy_step = (clock() - began) / steps
    rows = [(name, spent[name] / steps * 1e6) for name in parts]
    rows += [("whole step, as timed here", spent["whole step"] / steps * 1e6), ("numpy's whole step", numpy_step * 1e6)]
    trained = tuple(to_numpy(layer.weight).T for layer in (model[0], model[2], model[4]))
    return rows, trained


def step_costs_text(rows):
    lines = ["one eager tutorial step, part by part (see step_costs in tutorial.py):"]
    for part, micros in rows:
        lines.append(f"  {part:32s} {micros:8.1f} us")
    return "\n".join(lines)
