"""``digits``: scikit-learn's 8x8 digits, MLP 64-128-64-10 (ReLU), cross-entropy, float32.

SGD with momentum 0.9, lr 0.05, batch 32, 20 epochs (1 in ``--quick``). Pixels are
scaled to [0, 1]; a fixed 80/20 split. numpy and the frameworks start from the same
PyTorch-style initial weights and see the batches in the same order, so their test
accuracies should agree; scikit-learn's ``MLPClassifier(solver='sgd')`` runs with
the same settings (its own initialisation and shuffling). Timed: the whole training
run; quality: test accuracy (and, for the frameworks, the largest weight difference
from numpy after training).
"""
import warnings

import numpy as np

from . import numpy_reference as ref
from ._core import COMPILED, FRAMEWORKS, Case, framework, train_classifier

NAME = "digits"
DESCRIPTION = "MLP 64-128-64-10 ReLU, CE, SGD m=0.9 lr 0.05, batch 32, float32"
SIZES = (64, 128, 64, 10)
LR, MOMENTUM, BATCH = 0.05, 0.9, 32


def data(epochs, seed=0):
    """(x_train, y_train, x_test, y_test, initial params, per-epoch orders)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    x = (digits.data / 16.0).astype(np.float32)
    y = digits.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))
    cut = int(0.8 * len(x))
    train, test = order[:cut], order[cut:]
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params.extend(ref.linear_init(rng, fan_in, fan_out, np.float32))
    orders = [rng.permutation(cut) for _ in range(epochs)]
    return x[train], y[train], x[test], y[test], params, orders


def train_framework(lib, x_train, y_train, x_test, params, orders, compiled=False):
    """Train with ``lib`` (microtensor or torch) exactly as a PyTorch user would; return (accuracy parts).
    ``compiled``: the step goes through ``lib.compile`` (the ``mt-compiled`` row)."""
    nn = lib.nn
    model = nn.Sequential(
        nn.Linear(64, 128), nn.ReLU(),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )
    return train_classifier(lib, model, x_train, y_train, x_test, params, orders, LR, MOMENTUM, BATCH, compiled)


def train_numpy(x_train, y_train, x_test, params, orders):
    model = ref.train_mlp(params, x_train, y_train, orders, BATCH, LR, MOMENTUM)
    return model.predict(x_test), [p.copy() for p in model.params]


def train_sklearn(x_train, y_train, x_test, epochs, seed):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    model = MLPClassifier(
        hidden_layer_sizes=SIZES[1:-1], activation="relu", solver="sgd", alpha=0.0, batch_size=BATCH,
        learning_rate="constant", learning_rate_init=LR, momentum=MOMENTUM, nesterovs_momentum=False,
        max_iter=epochs, shuffle=True, random_state=seed, tol=0.0, n_iter_no_change=epochs + 1,
        early_stopping=False,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(x_train, y_train)
    return model.predict(x_test), None


def cases(config, backends):
    epochs = 1 if config.quick else 20
    x_train, y_train, x_test, y_test, params, orders = data(epochs, config.seed)
    unit = f"{epochs} epoch{'s' if epochs > 1 else ''}"
    result = []
    if "numpy" in backends:
        result.append(Case(NAME, "train", "numpy", lambda: train_numpy(x_train, y_train, x_test, params, orders), unit=unit))
    for backend in FRAMEWORKS:
        if backend in backends:
            lib = framework(backend)
            result.append(Case(
                NAME, "train", backend,
                lambda lib=lib: train_framework(lib, x_train, y_train, x_test, params, orders), unit=unit,
            ))
    if "microtensor" in backends:
        lib = framework("microtensor")
        result.append(Case(
            NAME, "train", COMPILED,
            lambda: train_framework(lib, x_train, y_train, x_test, params, orders, compiled=True), unit=unit,
            note="mt.compile of the step; capture included",
        ))
    if "sklearn" in backends:
        result.append(Case(
            NAME, "train", "sklearn", lambda: train_sklearn(x_train, y_train, x_test, epochs, config.seed), unit=unit,
            note="MLPClassifier(solver='sgd'): own init and shuffling",
        ))
    return result


def quality(results, config):
    y_test = data(0, config.seed)[3]
    reference = results.get(("train", "numpy"))
    text = {}
    for (case, backend), (predictions, params) in results.items():
        line = f"test acc {100.0 * np.mean(predictions == y_test):.1f}%"
        if reference is not None and params is not None and backend != "numpy":
            gap = max(float(np.max(np.abs(a - b))) for a, b in zip(params, reference[1]))
            line += f"; max |W - W_numpy| {gap:.1e}"
        text[(case, backend)] = line
    return text


def accuracy(results, backend, config):
    y_test = data(0, config.seed)[3]
    return float(np.mean(results[("train", backend)][0] == y_test))
