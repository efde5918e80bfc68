"""Two moons: the tutorial's "try other loss functions", done side by side.

The tutorial trains a sigmoid output with squared error. For a yes/no target the
usual choice is binary cross-entropy on the logits, which keeps a large gradient
when the prediction is confidently wrong (squared error through a sigmoid has the
factor ``s * (1 - s)``, which vanishes there). This script trains the same network,
from the same initial weights on the same minibatches, twice:

* ``sigmoid`` + ``nn.MSELoss`` (the tutorial's choice);
* ``nn.BCEWithLogitsLoss`` on the raw logits (numerically stable for large logits);

and writes ``moons.png``: both decision boundaries with the train and test points,
and the test accuracy of both per epoch.

Run it from the repository root::

    python examples/moons.py                     # PNG into outputs/
    python examples/moons.py --out docs          # refresh the documentation's picture
    python examples/moons.py --epochs 5 --out /tmp/figs
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    busy, ensure_microtensor_importable, integer_ticks, make_parser, plural, progress, resolve_show,
    select_backend, write_figure,
)

ensure_microtensor_importable()

EPOCHS = 60
BATCH_SIZE = 32
SEED = 0
LOSSES = ("mse", "bce")
TITLES = {"mse": "sigmoid + MSELoss", "bce": "BCEWithLogitsLoss"}


def load_data(seed=SEED, n_samples=500, noise=0.2):
    """``(x_train, x_test, y_train, y_test)``: float32 points (N, 2), float32 labels (N, 1)."""
    from sklearn.datasets import make_moons
    from sklearn.model_selection import train_test_split

    x, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    x = x.astype(np.float32)
    y = y.astype(np.float32).reshape(-1, 1)
    return train_test_split(x, y, test_size=0.3, stratify=y.ravel(), random_state=seed)


def build_model():
    """2 -> 16 -> 16 -> 1 with tanh; the output is a logit (no sigmoid inside the model)."""
    from microtensor import nn

    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.Tanh(), nn.Linear(16, 1))


def loss_function(kind):
    """The loss as a function of (logits, targets)."""
    from microtensor import nn

    if kind == "mse":
        mse = nn.MSELoss()
        return lambda logits, y: mse(logits.sigmoid(), y)
    if kind == "bce":
        return nn.BCEWithLogitsLoss()
    raise ValueError(f"loss must be one of {LOSSES}, got {kind!r}")


def accuracy(model, x, y):
    import microtensor as mt

    with mt.no_grad():
        logits = model(mt.from_numpy(x)).numpy()
    return float(np.mean((logits > 0) == (y > 0.5)))


def train(epochs=EPOCHS, batch_size=BATCH_SIZE, seed=SEED, lr=0.1, momentum=0.9, verbose=False):
    """Train one model per loss from identical weights on identical minibatches (``verbose``: progress bars).

    Returns ``{kind: {'model', 'test_accuracy' (per epoch), 'loss' (per epoch)}}`` plus the data.
    """
    import microtensor as mt
    from microtensor.utils.data import DataLoader, TensorDataset

    with busy("making the two moons with scikit-learn", enabled=verbose):
        x_train, x_test, y_train, y_test = load_data(seed)
    mt.manual_seed(seed)
    start_model = build_model()
    results = {"data": (x_train, x_test, y_train, y_test)}
    for kind in LOSSES:
        model = build_model()
        model.load_state_dict(start_model.state_dict())
        criterion = loss_function(kind)
        optimizer = mt.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
        loader = DataLoader(
            TensorDataset(mt.from_numpy(x_train), mt.from_numpy(y_train)), batch_size=batch_size, shuffle=True,
            generator=np.random.default_rng(seed),  # both runs see the same minibatches
        )
        losses, accuracies = [], []
        start = time.perf_counter()
        for _ in progress(range(epochs), desc=f"{TITLES[kind]:>17}", unit="epoch", enabled=verbose):
            total = 0.0
            for x, y in loader:
                loss = criterion(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                total += loss.item() * len(y)
            losses.append(total / len(x_train))
            accuracies.append(accuracy(model, x_test, y_test))
        results[kind] = {
            "model": model, "loss": losses, "test_accuracy": accuracies, "seconds": time.perf_counter() - start,
        }
    return results


def draw_figure(results, path):
    """Decision boundaries of both models and their test accuracy per epoch."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    import microtensor as mt

    x_train, x_test, y_train, y_test = results["data"]
    points = np.concatenate([x_train, x_test])
    low, high = points.min(axis=0) - 0.4, points.max(axis=0) + 0.4
    gx, gy = np.meshgrid(np.linspace(low[0], high[0], 250), np.linspace(low[1], high[1], 250))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)

    fig, axes = plt.subplots(1, 3, figsize=(16, 5.7), layout="constrained",
                             gridspec_kw={"width_ratios": [1, 1, 0.9]})
    for ax, kind in zip(axes, LOSSES):
        with mt.no_grad():
            probability = mt.sigmoid(results[kind]["model"](mt.from_numpy(grid))).numpy().reshape(gx.shape)
        filled = ax.contourf(gx, gy, probability, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.45)
        ax.contour(gx, gy, probability, levels=[0.5], colors="black", linewidths=1.5)
        for x, y, marker, name in ((x_train, y_train, "o", "train"), (x_test, y_test, "^", "test")):
            for label, color in ((0, "#1f4e99"), (1, "#b2182b")):
                rows = y.ravel() == label
                ax.scatter(x[rows, 0], x[rows, 1], s=16 if name == "train" else 24, marker=marker, c=color,
                           edgecolors="black", linewidths=0.4, label=f"{name}, class {label}")
        final = results[kind]["test_accuracy"][-1]
        ax.set_title(f"{TITLES[kind]}: test accuracy {final:.1%}")
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_aspect("equal")
        ax.set_xlim(low[0], high[0])
        ax.set_ylim(low[1], high[1])
    handles, labels = axes[0].get_legend_handles_labels()
    handles.append(Line2D([], [], color="black", linewidth=1.5))
    labels.append("decision boundary (probability 0.5)")
    legend = dict(ncol=5, fontsize=11, markerscale=1.8, frameon=False)
    try:
        fig.legend(handles, labels, loc="outside lower center", **legend)  # matplotlib >= 3.7
    except ValueError:
        axes[0].legend(handles, labels, loc="upper left", bbox_to_anchor=(0.0, -0.12), **legend)
    fig.colorbar(filled, ax=axes[:2], shrink=0.8, label="predicted probability of class 1")

    ax = axes[2]
    epochs = np.arange(1, len(results["mse"]["test_accuracy"]) + 1)
    for kind, color in (("mse", "tab:orange"), ("bce", "tab:green")):
        ax.plot(epochs, results[kind]["test_accuracy"], color=color, lw=1.8, label=TITLES[kind])
    integer_ticks(ax, epochs)
    ax.set_xlabel("epoch")
    ax.set_ylabel("test accuracy")
    ax.set_title("Test accuracy per epoch\n(same start, same minibatches)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=11)
    fig.suptitle("Two moons: one network trained from the same start with two losses; background: its predicted "
                 "probability of class 1", fontsize=12)
    fig.savefig(path, dpi=100)
    return fig


def main(argv=None):
    parser = make_parser(__doc__.split("\n")[0], EPOCHS)
    args = parser.parse_args(argv)
    print(f"Two moons: one network trained twice, {plural(args.epochs, 'epoch')} each, "
          f"with {TITLES['mse']} and with {TITLES['bce']}", flush=True)
    args.show = resolve_show(args.show)
    select_backend(args.show)

    results = train(args.epochs, verbose=True)
    for kind in LOSSES:
        run = results[kind]
        print(f"{TITLES[kind]:>18}: final training loss {run['loss'][-1]:.4f}, test accuracy "
              f"{run['test_accuracy'][-1]:.1%} ({run['seconds']:.1f} s)")
    write_figure(lambda path: draw_figure(results, path), args.out, "moons.png", args.show)
    return results


if __name__ == "__main__":
    main()
