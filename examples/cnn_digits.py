"""Handwritten digits with a small convolutional network: what its first layer learns, and where it fails.

scikit-learn ships 1,797 8x8 grey-scale digits (``load_digits``). This script

* splits them 75/25, stratified by class, and standardises the pixels;
* trains ``Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Conv2d(16, 32, 3, padding=1) - ReLU -
  MaxPool2d(2) - Flatten - Linear(128, 10)`` with SGD (momentum 0.9, weight decay, a cosine
  learning-rate schedule) and ``nn.CrossEntropyLoss`` on minibatches from ``DataLoader``; half
  of the training images in each batch are moved by one pixel in a random direction (a digit
  is the same digit a pixel to the left), which is worth about one point of test accuracy;
* shows a progress bar (tqdm) with the running loss and prints the test accuracy after each epoch
  (about 99% after 30 epochs, a few seconds);
* writes ``cnn_digits.png``: the 16 learned 3x3 filters of the first layer, the training
  curves, and every misclassified test digit with its true and predicted label.

Run it from the repository root::

    python examples/cnn_digits.py                    # 30 epochs, PNG into outputs/
    python examples/cnn_digits.py --out docs         # refresh the documentation's picture
    python examples/cnn_digits.py --epochs 5 --out /tmp/figs
    python examples/cnn_digits.py --quick            # a smoke run: 1 epoch on a few hundred images
"""
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    busy, ensure_microtensor_importable, evaluate, integer_ticks, make_parser, plural, progress,
    report_compiled, resolve_show, say, select_backend, training_step, write_figure,
)

ensure_microtensor_importable()

EPOCHS = 30
BATCH_SIZE = 32
LEARNING_RATE = 0.05
MOMENTUM = 0.9
WEIGHT_DECAY = 1e-3
SEED = 0
QUICK_TRAIN_SIZE = 320


def load_data(split_seed=SEED):
    """``(x_train, x_test, y_train, y_test)``: float32 images in [0, 1] of shape (N, 1, 8, 8), int64 labels."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    images = (digits.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    labels = digits.target.astype(np.int64)
    return train_test_split(images, labels, test_size=0.25, stratify=labels, random_state=split_seed)


def build_model():
    from microtensor import nn

    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),    # 16 x 8 x 8 -> 16 x 4 x 4
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),   # 32 x 4 x 4 -> 32 x 2 x 2
        nn.Flatten(), nn.Linear(128, 10),
    )


def random_shifts(images, rng, fraction=0.5):
    """``images (N, 1, 8, 8)`` with ``fraction`` of them moved by one pixel in a random direction (zeros
    come in at the edge; the background is 0 before standardising, so shifting happens first)."""
    count = len(images)
    padded = np.pad(images, ((0, 0), (0, 0), (1, 1), (1, 1)))
    moved = rng.random(count) < fraction
    dy = np.where(moved, rng.integers(0, 3, count), 1)  # 1 = not moved
    dx = np.where(moved, rng.integers(0, 3, count), 1)
    rows = dy[:, None, None] + np.arange(8)[None, :, None]
    cols = dx[:, None, None] + np.arange(8)[None, None, :]
    return padded[np.arange(count)[:, None, None], 0, rows, cols][:, None]


def probabilities(model, x):
    """softmax(model(x)) as an array ``(N, 10)``."""
    import microtensor as mt

    model.eval()
    with mt.no_grad():
        result = mt.softmax(model(mt.from_numpy(x)), dim=1).numpy()
    model.train()
    return result


def train(epochs=EPOCHS, batch_size=BATCH_SIZE, lr=LEARNING_RATE, seed=SEED, split_seed=SEED, quick=False,
          verbose=True, compiled=False):
    """Train the CNN; returns a dict with the model, the per-epoch history, the test accuracy and predictions.
    ``compiled``: each training step goes through ``mt.compile`` (the same numbers, faster).

    ``seed`` seeds the initial weights, the batches and the shifts; ``split_seed`` the split.
    ``quick`` trains on the first ``QUICK_TRAIN_SIZE`` training images only (a smoke run).
    """
    import microtensor as mt
    from microtensor import nn
    from microtensor.utils.data import DataLoader, TensorDataset

    mt.manual_seed(seed)
    rng = np.random.default_rng(seed)
    with busy("loading the digits with scikit-learn", enabled=verbose):
        images_train, images_test, y_train, y_test = load_data(split_seed)
    if quick:
        images_train, y_train = images_train[:QUICK_TRAIN_SIZE], y_train[:QUICK_TRAIN_SIZE]
    mean, std = float(images_train.mean()), float(images_train.std())
    x_train = (images_train - mean) / std
    x_test = (images_test - mean) / std
    loader = DataLoader(TensorDataset(mt.from_numpy(np.arange(len(x_train))), mt.from_numpy(y_train)),
                        batch_size=batch_size, shuffle=True)
    model = build_model()
    criterion = nn.CrossEntropyLoss()
    optimizer = mt.optim.SGD(model.parameters(), lr=lr, momentum=MOMENTUM, weight_decay=WEIGHT_DECAY)
    scheduler = mt.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
    history = {"epoch": [], "train_loss": [], "test_loss": [], "test_accuracy": []}
    step = training_step(model, criterion, optimizer, compiled)
    bar = progress(total=epochs * len(loader), desc="training" + (" (mt.compile)" if compiled else ""),
                   unit="batch", enabled=verbose)
    width = len(str(epochs))
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        running, seen = 0.0, 0
        for index, y in loader:
            x = (random_shifts(images_train[index.numpy()], rng) - mean) / std
            loss = step(mt.from_numpy(x.astype(np.float32)), y)
            running += loss.item() * len(y)
            seen += len(y)
            bar.set_postfix_str(f"epoch {epoch}/{epochs}, loss {running / seen:.4f}", refresh=False)
            bar.update()
        scheduler.step()
        test_loss, test_accuracy, _ = evaluate(model, x_test, y_test)
        for name, value in (("epoch", epoch), ("train_loss", running / seen), ("test_loss", test_loss),
                            ("test_accuracy", test_accuracy)):
            history[name].append(value)
        if verbose:
            say(f"epoch {epoch:>{width}}/{epochs}  train loss {running / seen:.4f}  test loss {test_loss:.4f}  "
                f"test accuracy {test_accuracy:.2%}")
    bar.close()
    seconds = time.perf_counter() - start
    _, accuracy, predictions = evaluate(model, x_test, y_test)
    _, train_accuracy, _ = evaluate(model, x_train, y_train)
    return {
        "model": model, "history": history, "accuracy": accuracy, "train_accuracy": train_accuracy,
        "predictions": predictions, "probabilities": probabilities(model, x_test), "images_test": images_test,
        "y_test": y_test, "seconds": seconds,
    }


def first_layer_filters(model):
    """The first convolution's weights as ``(16, 3, 3)``."""
    return model[0].weight.detach().numpy()[:, 0].copy()


# The figure is laid out by hand, in fractions of its width and height, and the 16 filters and the
# mistakes are each drawn into ONE axes: placing ~50 small axes would take matplotlib seconds.
FILTERS_BOX = [0.02, 0.56, 0.43, 0.32]
CURVES_BOX = dict(left=0.05, right=0.47, bottom=0.08, top=0.45, wspace=0.3)
MISTAKES_BOX = [0.52, 0.01, 0.47, 0.84]


def draw_filters(fig, filters):
    """The first layer's filters side by side (2 rows of 8), on one colour scale."""
    import matplotlib.pyplot as plt

    ax = fig.add_axes(FILTERS_BOX)
    limit = float(np.abs(filters).max())
    for index, kernel in enumerate(filters):
        left, top = 4.0 * (index % 8), -4.6 * (index // 8)
        shown = ax.imshow(kernel, cmap="RdBu_r", vmin=-limit, vmax=limit, extent=(left, left + 3, top - 3, top))
        ax.add_patch(plt.Rectangle((left, top - 3), 3, 3, fill=False, edgecolor="black", linewidth=0.8))
        ax.text(left + 1.5, top + 0.15, f"#{index}", ha="center", va="bottom", fontsize=9)
    ax.set_xlim(-0.2, 31.2)
    ax.set_ylim(-7.8, 1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.colorbar(shown, cax=fig.add_axes([0.455, 0.6, 0.008, 0.24]), label="weight")
    fig.text(0.24, 0.915, "The 16 learned 3x3 filters of the first layer (red +, blue -)", ha="center",
             fontsize=11)


def draw_curves(fig, history, accuracy):
    grid = fig.add_gridspec(1, 2, **CURVES_BOX)
    loss_ax, accuracy_ax = fig.add_subplot(grid[0, 0]), fig.add_subplot(grid[0, 1])
    loss_ax.plot(history["epoch"], history["train_loss"], label="train")
    loss_ax.plot(history["epoch"], history["test_loss"], label="test")
    if max(history["train_loss"]) > 10 * min(history["train_loss"]):
        loss_ax.set_yscale("log")
    loss_ax.set_xlabel("epoch")
    loss_ax.set_ylabel("cross-entropy")
    loss_ax.set_title("cross-entropy loss", fontsize=10)
    loss_ax.legend()
    accuracy_ax.plot(history["epoch"], [100 * a for a in history["test_accuracy"]], color="tab:green")
    accuracy_ax.set_xlabel("epoch")
    accuracy_ax.set_ylabel("test accuracy (%)")
    accuracy_ax.set_title(f"test accuracy, final {100 * accuracy:.2f}%", fontsize=10)
    accuracy_ax.grid(alpha=0.3)
    marker = "o" if len(history["epoch"]) <= 3 else None  # one epoch is one point: make it visible
    for ax in (loss_ax, accuracy_ax):
        integer_ticks(ax, history["epoch"])
        if marker:
            for line in ax.get_lines():
                line.set_marker(marker)


CELL_WIDTH, CELL_HEIGHT = 10.0, 15.4  # a mistake's cell in the mistakes axes: title, image, bars, digits


def grid_shape(count, panel_aspect=1.35, cell_aspect=CELL_WIDTH / CELL_HEIGHT):
    """(rows, columns) for ``count`` cells of width/height about ``cell_aspect`` in a panel of width/height
    ``panel_aspect``."""
    count = max(count, 1)
    best = None
    for columns in range(1, min(count, 8) + 1):
        rows = -(-count // columns)
        mismatch = abs(np.log((panel_aspect / columns) / (1.0 / rows) / cell_aspect))
        if best is None or mismatch < best[0]:
            best = (mismatch, rows, columns)
    return best[1], best[2]


def draw_mistakes(fig, result, limit=24):
    """Each misclassified test digit (framed red, with its true and predicted label) over the bar chart
    of its predicted probabilities."""
    import matplotlib.pyplot as plt

    predictions, labels, images = result["predictions"], result["y_test"], result["images_test"]
    wrong = np.flatnonzero(predictions != labels)
    shown = wrong[:limit]
    rows, columns = grid_shape(len(shown))
    ax = fig.add_axes(MISTAKES_BOX)
    width, height = fig.get_size_inches() * 72 * np.array(MISTAKES_BOX[2:])  # the axes in points
    unit = min(width / (CELL_WIDTH * columns), height / (CELL_HEIGHT * rows))  # points per data unit
    title_size, digit_size = min(9.0, 0.95 * unit), min(6.5, 0.9 * unit)
    for number, index in enumerate(shown):
        left, top = CELL_WIDTH * (number % columns), -CELL_HEIGHT * (number // columns)
        ax.text(left + 4, top - 0.3, f"true {labels[index]}\npredicted {predictions[index]}", ha="center",
                va="top", fontsize=title_size, color="red", linespacing=1.0)
        image_top = top - 2.4
        ax.imshow(images[index, 0], cmap="gray_r", vmin=0, vmax=1, extent=(left, left + 8, image_top - 8, image_top))
        ax.add_patch(plt.Rectangle((left, image_top - 8), 8, 8, fill=False, edgecolor="red", linewidth=2))
        colors = ["lightgray"] * 10
        colors[labels[index]], colors[predictions[index]] = "tab:green", "tab:red"
        base = image_top - 12.3
        ax.bar(left + 0.4 + 0.8 * np.arange(10), 3.0 * result["probabilities"][index], width=0.65, bottom=base,
               color=colors)
        ax.plot([left, left + 8], [base, base], color="black", linewidth=0.6)
        for digit in range(10):
            ax.text(left + 0.4 + 0.8 * digit, base - 0.2, str(digit), fontsize=digit_size, ha="center", va="top")
    if not len(wrong):
        ax.text(0.5, 0.5, "no test digit misclassified", fontsize=14, ha="center", transform=ax.transAxes)
    ax.set_xlim(-0.5, CELL_WIDTH * columns)
    ax.set_ylim(-CELL_HEIGHT * rows, 0.2)
    ax.set_aspect("equal")
    ax.set_axis_off()
    more = f", the first {len(shown)} shown" if len(wrong) > len(shown) else ""
    fig.text(0.757, 0.9, f"The {len(wrong)} misclassified test digits of {len(labels)}{more}\nbelow each, the "
             f"predicted probability of each class 0-9 (green: true, red: predicted)", ha="center", fontsize=11)


def draw_figure(result, path, mistakes=24):
    """Filters and curves on the left, the misclassified test digits (up to ``mistakes``) on the right."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(15, 6.6))
    draw_filters(fig, first_layer_filters(result["model"]))
    draw_curves(fig, result["history"], result["accuracy"])
    draw_mistakes(fig, result, mistakes)
    fig.suptitle(f"CNN on scikit-learn digits: {100 * result['accuracy']:.2f}% test accuracy after "
                 f"{plural(len(result['history']['epoch']), 'epoch')} ({result['seconds']:.1f} s of training)",
                 fontsize=12)
    fig.savefig(path, dpi=100)
    return fig


def main(argv=None):
    parser = make_parser(__doc__.split("\n")[0], EPOCHS, compiled=True)
    parser.add_argument("--quick", action="store_true",
                        help=f"a smoke run: 1 epoch (unless --epochs) on {QUICK_TRAIN_SIZE} training images")
    args = parser.parse_args(argv)
    epochs = 1 if args.quick and "--epochs" not in (argv if argv is not None else sys.argv[1:]) else args.epochs
    print(f"CNN on scikit-learn's digits: {plural(epochs, 'epoch')} of SGD with momentum, batches of {BATCH_SIZE}"
          f"{', quick run on ' + str(QUICK_TRAIN_SIZE) + ' training images' if args.quick else ''}", flush=True)
    args.show = resolve_show(args.show)
    select_backend(args.show)

    result = train(epochs, quick=args.quick)
    wrong = int(np.sum(result["predictions"] != result["y_test"]))
    print(f"\ntest accuracy {result['accuracy']:.2%} ({wrong} of {len(result['y_test'])} wrong; train "
          f"{result['train_accuracy']:.2%}) after {plural(epochs, 'epoch')}, {result['seconds']:.1f} s of training")
    if not args.eager:
        result["compiled_same"] = report_compiled(result, train(epochs, quick=args.quick, compiled=True, verbose=False))
    write_figure(lambda path: draw_figure(result, path, mistakes=8 if args.quick else 24), args.out,
                 "cnn_digits.png", args.show)
    return result


if __name__ == "__main__":
    main()
