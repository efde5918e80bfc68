"""Helpers shared by the example scripts: command-line options, matplotlib set-up, output paths, evaluating a classifier.

Every example is runnable from the repository root (``python examples/tutorial.py``)
and importable from the tests (``examples`` is put on ``sys.path``).

Figures go to ``--out`` (default: the repository's ``docs/`` directory, where the
README's images live, so running an example refreshes them); ``--show`` opens the
figure windows (by default when a display is present; ``--no-show`` never), ``--live`` redraws the training curves
while training runs.
"""
import argparse
import os
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "docs")


def ensure_microtensor_importable():
    """Let ``python examples/x.py`` work from a checkout without ``pip install -e .``."""
    try:
        import microtensor  # noqa: F401
    except ImportError:
        sys.path.insert(0, REPO_ROOT)


def positive_int(text):
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def make_parser(description, epochs, live=False):
    """An ``argparse`` parser with the options every example shares."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--epochs", type=positive_int, default=epochs, help=f"training epochs (default {epochs})")
    parser.add_argument(
        "--out", default=DEFAULT_OUT,
        help="directory for the PNG figures (default: the repository's docs/ directory)",
    )
    parser.add_argument(
        "--show", action=argparse.BooleanOptionalAction, default=None,
        help="open the figures in a window (default: when a display is present; the PNGs are written either way)",
    )
    if live:
        parser.add_argument(
            "--live", action="store_true",
            help="redraw the training curves while training runs (needs a display)",
        )
    return parser


def resolve_show(show):
    """``--show``/``--no-show`` as given, or, by default, whether a display is present."""
    if show is None:
        from microtensor.viz import display_available

        return display_available()
    return show


def select_backend(interactive):
    """Use a windowing backend only when asked for and a display exists; Agg otherwise.

    Must run before ``matplotlib.pyplot`` is imported anywhere.
    """
    from microtensor.viz import display_available, import_matplotlib

    matplotlib = import_matplotlib()  # without it: a ModuleNotFoundError naming the extra to install
    if not (interactive and display_available()):
        matplotlib.use("Agg")
        return False
    return True


def output_path(out_dir, name):
    os.makedirs(out_dir, exist_ok=True)
    return os.path.join(out_dir, name)


def show_figures(show):
    """Block on the open figure windows (only with ``--show`` and an interactive backend)."""
    if not show:
        return
    from microtensor.viz import import_matplotlib, interactive_backend

    plt = import_matplotlib("pyplot")

    if interactive_backend():
        plt.show()


def progress_bar(done, total, width=30, **values):
    """A one-line text progress bar, e.g. ``[=====>      ]  40/100  loss 0.1234``."""
    filled = int(width * done / max(total, 1))
    bar = "=" * filled + (">" if filled < width else "") + " " * (width - filled - 1)
    extras = "  ".join(f"{name} {value:.4f}" for name, value in values.items())
    digits = len(str(total))
    return f"[{bar[:width]}] {done:>{digits}}/{total}  {extras}"


def evaluate(model, x, y):
    """(mean cross-entropy, accuracy, predictions) of a classifier ``model`` on numpy arrays ``x``, ``y``,
    in eval mode (the model is put back in training mode after)."""
    import numpy as np

    import microtensor as mt
    import microtensor.nn.functional as F

    model.eval()
    with mt.no_grad():
        logits = model(mt.from_numpy(x))
        loss = F.cross_entropy(logits, mt.from_numpy(y)).item()
    predictions = logits.numpy().argmax(axis=1)
    model.train()
    return loss, float(np.mean(predictions == y)), predictions
