"""Helpers shared by the example scripts: command-line options, matplotlib set-up, output paths, progress bars,
evaluating a classifier.

Every example is runnable from the repository root (``python examples/tutorial.py``)
and importable from the tests (``examples`` is put on ``sys.path``).

Figures go to ``--out`` (default: ``outputs/`` at the repository root, which git ignores, so running an
example leaves the checkout clean; ``--out docs`` refreshes the pictures the documentation shows);
``--show`` opens the figure windows (by default when a display is present; ``--no-show`` never), ``--live``
redraws the training curves while training runs. Long loops show a progress bar on stderr: tqdm's when it is
installed (``pip install tqdm``, part of the ``examples`` extra), plain lines otherwise.
"""
import argparse
import os
import sys
import threading
import time

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "outputs")


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


def make_parser(description, epochs, live=False, compiled=False):
    """An ``argparse`` parser with the options every example shares (``compiled``: also ``--eager``)."""
    parser = argparse.ArgumentParser(description=description)
    if compiled:
        parser.add_argument(
            "--eager", action="store_true",
            help="train only eagerly (by default the training also runs through mt.compile, and the two "
                 "runs' timings and final weights are compared)",
        )
    parser.add_argument("--epochs", type=positive_int, default=epochs, help=f"training epochs (default {epochs})")
    parser.add_argument(
        "--out", default=DEFAULT_OUT,
        help="directory for the PNG figures (default: outputs/ in the repository, ignored by git; "
             "--out docs refreshes the documentation's pictures)",
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


def write_figure(draw, out_dir, name, show):
    """Draw an example's picture with ``draw(path)`` into ``out_dir/name``, say where it went, show it
    (with ``--show``) and close it; returns the path."""
    import matplotlib.pyplot as plt

    path = output_path(out_dir, name)
    with busy(f"drawing {name}"):
        draw(path)
    print(f"wrote {path}")
    show_figures(show)
    plt.close("all")
    return path


def training_step(model, criterion, optimizer, compiled=False):
    """``step(x, y)``: a minibatch's loss, then ``zero_grad()``, ``backward()`` and the optimizer's step;
    returns the loss. ``compiled``: through ``mt.compile`` (the same numbers, faster; docs/compile.md)."""
    import microtensor as mt

    def step(x, y):
        loss = criterion(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss

    return mt.compile(step) if compiled else step


def show_figures(show):
    """Block on the open figure windows (only with ``--show`` and an interactive backend)."""
    if not show:
        return
    from microtensor.viz import import_matplotlib, interactive_backend

    plt = import_matplotlib("pyplot")

    if interactive_backend():
        plt.show()


def integer_ticks(ax, steps):
    """Whole-number x ticks for ``steps`` (epochs): each one when there are few, else a few round ones."""
    from matplotlib.ticker import MaxNLocator

    distinct = sorted(set(steps))
    if len(distinct) <= 10:
        ax.set_xticks(distinct)
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))


def same_weights(model_a, model_b):
    """Whether two models' parameters and buffers are equal bit for bit (NaN equal to NaN)."""
    pairs = list(zip(model_a.state_dict().values(), model_b.state_dict().values()))
    return all(a._data.tobytes() == b._data.tobytes() for a, b in pairs)


def report_compiled(eager, compiled):
    """Print the eager and compiled training times and whether both runs ended with the same weights."""
    same = same_weights(eager["model"], compiled["model"])
    print(f"mt.compile: training took {compiled['seconds']:.2f} s compiled vs {eager['seconds']:.2f} s eager "
          f"({eager['seconds'] / compiled['seconds']:.1f}x faster); final weights "
          f"{'identical, bit for bit' if same else 'DIFFERENT (please report this)'}", flush=True)
    return same


def plural(count, word):
    """``'1 epoch'``, ``'2 epochs'``."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


class PlainProgress:
    """What ``progress`` gives without tqdm: the same methods, a plain line on stderr at most once a second."""

    def __init__(self, iterable=None, total=None, desc="", unit="it", disable=False, interval=1.0):
        self.iterable, self.desc, self.unit, self.disable, self.interval = iterable, desc, unit, disable, interval
        self.total = len(iterable) if total is None and hasattr(iterable, "__len__") else total
        self.n, self.postfix = 0, ""
        self._start = self._last = time.perf_counter()

    def __iter__(self):
        for item in self.iterable:
            yield item
            self.update()
        self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def set_postfix_str(self, text="", refresh=True):
        self.postfix = text

    def update(self, count=1):
        self.n += count
        if time.perf_counter() - self._last >= self.interval:
            self._print()

    def close(self):
        if not self.disable and self.n:
            self._print()
            self.disable = True  # print the final line once

    def _print(self):
        self._last = time.perf_counter()
        if not self.disable:
            done = f"{self.n}/{self.total}" if self.total else str(self.n)
            print(f"{self.desc}: {self.unit} {done} ({self._last - self._start:.0f} s) {self.postfix}".rstrip(),
                  file=sys.stderr, flush=True)


def progress(iterable=None, total=None, desc="", unit="it", leave=True, enabled=True):
    """A progress bar on stderr over ``iterable`` (or updated by hand with ``update(n)``): tqdm's when it is
    installed, otherwise ``PlainProgress``. ``enabled=False`` shows nothing (same methods). tqdm's bar is
    redrawn every second until it is closed, so its clock moves even while one step takes long."""
    try:
        from tqdm import tqdm
    except ImportError:
        return PlainProgress(iterable, total=total, desc=desc, unit=unit, disable=not enabled)
    bar = tqdm(iterable, total=total, desc=desc, unit=unit, leave=leave, disable=not enabled, dynamic_ncols=True)
    if not bar.disable:
        _redraw_every_second(bar)
    return bar


def _redraw_every_second(bar):
    """Refresh a tqdm ``bar`` from a daemon thread once a second; its ``close()`` stops the thread."""
    stop = threading.Event()

    def tick():
        while not stop.wait(1.0):
            bar.refresh()

    close = bar.close

    def close_and_stop():
        stop.set()
        close()

    bar.close = close_and_stop
    threading.Thread(target=tick, daemon=True).start()


class busy:
    """``with busy("drawing moons.png"):`` a line on stderr that counts the seconds of a slow step that has no
    loop to count (loading data, drawing a figure); tqdm redraws it every second. ``enabled=False``: silent."""

    def __init__(self, text, enabled=True):
        self.text, self.enabled = text, enabled
        self._bar = None

    def __enter__(self):
        if not self.enabled:
            return self
        try:
            from tqdm import tqdm
        except ImportError:
            print(f"{self.text} ...", file=sys.stderr, flush=True)
            return self
        self._bar = tqdm(total=None, desc=self.text, bar_format="{desc} ... {elapsed}", file=sys.stderr)
        _redraw_every_second(self._bar)
        return self

    def __exit__(self, *exc_info):
        if self._bar is not None:
            self._bar.close()
        return False


def say(text=""):
    """Print a line on stdout without breaking a progress bar that is being drawn."""
    try:
        from tqdm import tqdm
    except ImportError:
        print(text, flush=True)
        return
    tqdm.write(text, file=sys.stdout)


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
