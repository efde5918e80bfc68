"""``mlp_large``: MLP 784-512-512-10 (ReLU), batch 256, float32, synthetic data (BLAS-bound).

Timed: training steps (forward, cross-entropy, backward, SGD with momentum 0.9,
lr 0.01); the table shows the time per step. Quality: the gradient of one batch
from the same initial weights, compared with the hand-written numpy gradient
(largest error relative to the largest gradient entry), and the loss after the run.
Also probed in a fresh subprocess per backend: peak RSS (``ru_maxrss``).
"""
import numpy as np

from . import numpy_reference as ref
from ._core import COMPILED, FRAMEWORKS, Case, framework, to_numpy, training_step

NAME = "mlp_large"
DESCRIPTION = "MLP 784-512-512-10 ReLU, batch 256, SGD m=0.9, float32, synthetic"
SIZES = (784, 512, 512, 10)
BATCH, LR, MOMENTUM = 256, 0.01, 0.9
BATCHES = 4  # distinct synthetic batches, cycled


def flops_per_step():
    """Multiply-adds x 2 of one training step, counting what an expert computes.

    Forward: 2 B (in * out) per layer; backward: the weight gradient (same again)
    and the input gradient for every layer but the first.
    """
    layers = list(zip(SIZES[:-1], SIZES[1:]))
    forward = sum(2 * BATCH * i * o for i, o in layers)
    return 3 * forward - 2 * BATCH * layers[0][0] * layers[0][1]


def data(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((BATCHES, BATCH, SIZES[0]), dtype=np.float32)
    labels = rng.integers(0, SIZES[-1], size=(BATCHES, BATCH))
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params.extend(ref.linear_init(rng, fan_in, fan_out, np.float32))
    return x, labels, params


def build_framework(lib, params):
    nn = lib.nn
    model = nn.Sequential(
        nn.Linear(SIZES[0], SIZES[1]), nn.ReLU(),
        nn.Linear(SIZES[1], SIZES[2]), nn.ReLU(),
        nn.Linear(SIZES[2], SIZES[3]),
    )
    with lib.no_grad():
        for parameter, value in zip(model.parameters(), params):
            parameter.copy_(lib.from_numpy(value))
    return model


class FrameworkTrainer:
    """Model, optimizer and data for ``lib``, built once; ``train(steps)`` is what is timed."""

    def __init__(self, lib, x, labels, params, compiled=False):
        model = self.model = build_framework(lib, params)
        optimizer = self.optimizer = lib.optim.SGD(self.model.parameters(), lr=LR, momentum=MOMENTUM)
        loss_fn = lib.nn.CrossEntropyLoss()
        self.batches = [(lib.from_numpy(xb), lib.from_numpy(yb)) for xb, yb in zip(x, labels)]
        self.step = training_step(lib, lambda xb, yb: loss_fn(model(xb), yb), optimizer, compiled)

    def train(self, steps):
        step_fn, batches = self.step, self.batches
        for step in range(steps):
            loss = step_fn(*batches[step % len(batches)])
        return loss.item()


class NumpyTrainer:
    def __init__(self, x, labels, params):
        self.model = ref.NumpyMLP(params, lr=LR, momentum=MOMENTUM)
        self.x, self.labels = x, labels

    def train(self, steps):
        for step in range(steps):
            loss = self.model.train_step(self.x[step % BATCHES], self.labels[step % BATCHES])
        return loss


def framework_gradients(lib, x, labels, params):
    model = build_framework(lib, params)
    loss = lib.nn.CrossEntropyLoss()(model(lib.from_numpy(x)), lib.from_numpy(labels))
    loss.backward()
    return loss.item(), [to_numpy(p.grad) for p in model.parameters()]


def steps_per_run(config):
    return 2 if config.quick else 20


def cases(config, backends):
    x, labels, params = data(config.seed)
    steps = steps_per_run(config)
    result = []
    if "numpy" in backends:
        trainer = NumpyTrainer(x, labels, params)
        result.append(Case(NAME, "train step", "numpy", lambda: trainer.train(steps), per=steps, unit="step"))
    for backend in FRAMEWORKS:
        if backend in backends:
            lib = framework(backend)
            holder = {}

            def run(lib=lib, holder=holder):
                if "trainer" not in holder:  # built on the warm-up call, so errors are reported per backend
                    holder["trainer"] = FrameworkTrainer(lib, x, labels, params)
                return holder["trainer"].train(steps)

            result.append(Case(NAME, "train step", backend, run, per=steps, unit="step"))
    if "microtensor" in backends:
        lib, holder = framework("microtensor"), {}

        def run_compiled():
            if "trainer" not in holder:
                holder["trainer"] = FrameworkTrainer(lib, x, labels, params, compiled=True)
            return holder["trainer"].train(steps)

        result.append(Case(NAME, "train step", COMPILED, run_compiled, per=steps, unit="step",
                           note="mt.compile of the step; captured during the warm-up run"))
    return result


def gradient_error(backend, config):
    """max |g - g_numpy| / max |g_numpy| over all parameters, for one batch from the same weights."""
    x, labels, params = data(config.seed)
    _, reference = ref.mlp_gradients(params, x[0], labels[0])
    _, grads = framework_gradients(framework(backend), x[0], labels[0], params)
    scale = max(float(np.max(np.abs(g))) for g in reference)
    return max(float(np.max(np.abs(a - b))) for a, b in zip(grads, reference)) / scale


def quality(results, config):
    text = {}
    for (case, backend), loss in results.items():
        line = f"loss {loss:.3f}"
        if backend in FRAMEWORKS:
            line += f"; grad rel err {gradient_error(backend, config):.1e}"
        text[(case, backend)] = line
    return text


def probes(config, backends):
    return [("peak memory", backend) for backend in backends if backend in ("numpy",) + FRAMEWORKS]


def run_probe(probe, backend, config):
    """Inside a fresh process: build, train a few steps, report (peak RSS is added by the caller)."""
    x, labels, params = data(config.seed)
    steps = 3 if config.quick else 10
    if backend == "numpy":
        trainer = NumpyTrainer(x, labels, params)
    else:
        trainer = FrameworkTrainer(framework(backend), x, labels, params)
    trainer.train(steps)
    return {"steps": steps}
