"""``cnn_digits``: scikit-learn's 8x8 digits, a small CNN, cross-entropy, float32.

``Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(16, 32, 3, padding=1) - ReLU -
MaxPool2d(2) - Flatten - Linear(128, 10)``, SGD with momentum 0.8, lr 0.1, batch 64,
10 epochs (1 in ``--quick``). Pixels are scaled to [0, 1]; the fixed 80/20 split of
``digits``. The hand-written numpy CNN (``numpy_cnn.py``), microtensor and PyTorch
start from the same PyTorch-style initial weights and see the batches in the same
order. Timed: the whole training run; quality: test accuracy (and, for the
frameworks, the largest weight difference from numpy after training).

numpy and microtensor run with one BLAS thread (``threadpoolctl``): the matrix products
here are small (at most 1024 x 144 x 32), so a second thread only adds synchronisation,
and on a shared machine a BLAS thread that waits for a busy core stalls every product
(one epoch was measured at 3.2 s with two threads against 0.09 s with one). PyTorch keeps
its default threads.
"""
import numpy as np

from . import numpy_cnn as ref
from ._core import COMPILED, FRAMEWORKS, Case, framework, train_classifier

NAME = "cnn_digits"
DESCRIPTION = "CNN conv16-pool-conv32-pool-linear on 8x8 digits, CE, SGD m=0.8 lr 0.1, batch 64, float32"
LR, MOMENTUM, BATCH = 0.1, 0.8, 64
EPOCHS = 10


def data(epochs, seed=0):
    """(x_train, y_train, x_test, y_test, initial params, per-epoch orders); images are (N, 1, 8, 8)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = digits.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    cut = int(0.8 * len(x))
    train, test = order[:cut], order[cut:]
    params = [
        *ref.conv_init(rng, 1, 16, 3, np.float32),
        *ref.conv_init(rng, 16, 32, 3, np.float32),
        *_linear_init(rng, 128, 10),
    ]
    orders = [rng.permutation(cut) for _ in range(epochs)]
    return x[train], y[train], x[test], y[test], params, orders


def _linear_init(rng, fan_in, fan_out):
    bound = 1.0 / np.sqrt(fan_in)
    return (rng.uniform(-bound, bound, size=(fan_out, fan_in)).astype(np.float32),
            rng.uniform(-bound, bound, size=fan_out).astype(np.float32))


def build_model(nn):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(128, 10),
    )


def train_framework(lib, x_train, y_train, x_test, params, orders, compiled=False):
    """Train with ``lib`` (microtensor or torch) exactly as a PyTorch user would; return (predictions, params).
    ``compiled``: the step goes through ``lib.compile`` (the ``mt-compiled`` row)."""
    return train_classifier(lib, build_model(lib.nn), x_train, y_train, x_test, params, orders, LR, MOMENTUM, BATCH,
                            compiled)


def one_blas_thread(function):
    """``function()`` with numpy's BLAS limited to one thread (see the module docstring)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without threadpoolctl (it comes with scikit-learn), BLAS keeps its threads
        return function()
    with threadpool_limits(limits=1, user_api="blas"):
        return function()


def train_numpy(x_train, y_train, x_test, params, orders):
    model = ref.train_cnn(params, x_train, y_train, orders, BATCH, LR, MOMENTUM)
    return model.predict(x_test), [p.copy() for p in model.params]


def cases(config, backends):
    epochs = 1 if config.quick else EPOCHS
    x_train, y_train, x_test, _, params, orders = data(epochs, config.seed)
    unit = f"{epochs} epoch{'s' if epochs > 1 else ''}"
    result = []
    if "numpy" in backends:
        def run_numpy():
            return train_numpy(x_train, y_train, x_test, params, orders)

        result.append(Case(NAME, "train", "numpy", lambda: one_blas_thread(run_numpy), unit=unit,
                           note="1 BLAS thread"))
    for backend in FRAMEWORKS:
        if backend in backends:
            lib = framework(backend)

            def run(lib=lib):
                return train_framework(lib, x_train, y_train, x_test, params, orders)

            if backend == "microtensor":
                result.append(Case(NAME, "train", backend, lambda run=run: one_blas_thread(run), unit=unit,
                                   note="1 BLAS thread"))
            else:
                result.append(Case(NAME, "train", backend, run, unit=unit))
    if "microtensor" in backends:
        lib = framework("microtensor")

        def run_compiled():
            return train_framework(lib, x_train, y_train, x_test, params, orders, compiled=True)

        result.append(Case(NAME, "train", COMPILED, lambda: one_blas_thread(run_compiled), unit=unit,
                           note="1 BLAS thread; mt.compile of the step, capture included"))
    return result


def quality(results, config):
    y_test = data(0, config.seed)[3]
    reference = results.get(("train", "numpy"))
    text = {}
    for (case, backend), (predictions, params) in results.items():
        line = f"test acc {100.0 * np.mean(predictions == y_test):.1f}%"
        if reference is not None and backend != "numpy":
            gap = max(float(np.max(np.abs(a - b))) for a, b in zip(params, reference[1]))
            line += f"; max |W - W_numpy| {gap:.1e}"
        text[(case, backend)] = line
    return text


def accuracy(results, backend, config):
    y_test = data(0, config.seed)[3]
    return float(np.mean(results[("train", backend)][0] == y_test))
