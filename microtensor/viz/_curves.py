"""Training curves for ``microtensor.viz``: ``LivePlot`` records metrics while training (and redraws a
window when live), ``plot_history`` draws recorded metrics into existing matplotlib axes.
"""
from __future__ import annotations

import os
import time
import warnings
from typing import TYPE_CHECKING, Any, Dict, List, Literal, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._backend import _import_pyplot, interactive_backend

if TYPE_CHECKING:  # for the hints only: importing microtensor.viz never imports matplotlib
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: one panel of curves: a metric name, or several names drawn together
Panel = Union[str, Sequence[str]]
#: a recorded history: metric name -> (steps, values)
History = Mapping[str, Tuple[Sequence[float], Sequence[float]]]


def _as_float(value, name):
    if hasattr(value, "item"):
        value = value.item()
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"LivePlot.update: metric {name!r} must be a number, got {type(value).__name__}") from None


def _pretty(name):
    return name.replace("_", " ")


# ---------------------------------------------------------------- live training plot
class LivePlot:
    """Training curves that redraw while training runs (``live=True`` with a display).

    ``metrics`` names the curves; each entry is one panel, a name or a tuple of names
    drawn together (e.g. ``(("train_loss", "test_loss"), "accuracy")``). ``update(step,
    **values)`` records any subset of them at ``step``. Without a display (or with
    ``live=False``) nothing is drawn until ``close(path)`` / ``figure``, so recording is
    cheap. ``logy`` lists panels (by their first metric name) drawn on a log scale.
    ``redraw_every`` limits live redraws to one per that many seconds, so the view never
    slows training down much. Usable as a context manager: leaving the block calls
    ``close(path)`` with the ``path`` given to the constructor.
    """

    def __init__(self, metrics: Union[str, Sequence[Panel]] = ("loss",), live: bool = False,
                 title: Optional[str] = None, xlabel: str = "step", logy: Sequence[str] = (),
                 path: Optional[str] = None, redraw_every: float = 0.25) -> None:
        if isinstance(metrics, str):
            metrics = (metrics,)
        panels = []
        for entry in metrics:
            names = (entry,) if isinstance(entry, str) else tuple(entry)
            if not names or not all(isinstance(name, str) for name in names):
                raise TypeError(f"LivePlot: metrics must be names or tuples of names, got {entry!r}")
            panels.append(names)
        if not panels:
            raise ValueError("LivePlot: metrics is empty; name at least one metric, e.g. metrics=('loss',)")
        self.panels = panels
        self.history: Dict[str, Tuple[List[float], List[float]]] = {}
        for names in panels:
            for name in names:
                if name in self.history:
                    raise ValueError(f"LivePlot: metric {name!r} appears twice in metrics={metrics!r}")
                self.history[name] = ([], [])
        self.title = title
        self.xlabel = xlabel
        self.logy = tuple(logy)
        self.path = path
        self.redraw_every = redraw_every
        self._figure: Any = None  # a matplotlib Figure once drawn
        self._lines: Dict[str, Any] = {}
        self._last_draw = 0.0
        self.live = False
        if live:
            if interactive_backend():
                self.live = True
                plt = _import_pyplot()

                plt.ion()
                self._build().show()
            else:
                warnings.warn(
                    "LivePlot(live=True): no display or a non-interactive matplotlib backend; the curves "
                    "are recorded and drawn into the PNG when close(path) is called",
                    stacklevel=2,
                )

    # -- recording
    def update(self, step: float, **values: Any) -> None:
        """Record ``values`` (metric=number; Tensors and numpy scalars are accepted) at ``step``."""
        if not values:
            raise TypeError("LivePlot.update needs at least one metric, e.g. update(step, loss=0.5)")
        for name, value in values.items():
            if name not in self.history:
                raise KeyError(
                    f"LivePlot.update: unknown metric {name!r}; this plot records {list(self.history)}. "
                    f"Add it to LivePlot(metrics=...)"
                )
            steps, recorded = self.history[name]
            steps.append(step)
            recorded.append(_as_float(value, name))
        if self.live and time.monotonic() - self._last_draw >= self.redraw_every:
            self.redraw()

    # -- drawing
    def _build(self) -> Figure:
        plt = _import_pyplot()

        n = len(self.panels)
        fig, axes = plt.subplots(1, n, figsize=(4.6 * n, 3.6), layout="constrained", squeeze=False)
        self._figure = fig
        self._axes = list(axes[0])
        if self.title:
            fig.suptitle(self.title)
        for ax, names in zip(self._axes, self.panels):
            for name in names:
                (self._lines[name],) = ax.plot([], [], label=_pretty(name))
            _style_axis(ax, names, self.xlabel, names[0] in self.logy)
        return fig

    def redraw(self) -> None:
        """Update the curves from the recorded history (and the window when live)."""
        if self._figure is None:
            self._build()
        for ax, names in zip(self._axes, self.panels):
            for name in names:
                steps, values = self.history[name]
                line = self._lines[name]
                line.set_data(steps, values)
                line.set_marker(_marker(values))
                line.set_label(_legend_label(name, values))
            _whole_number_ticks(ax, [step for name in names for step in self.history[name][0]])
            ax.relim()
            ax.autoscale_view()
            ax.legend(loc="best", fontsize=8)
        self._last_draw = time.monotonic()
        if self.live:
            canvas = self._figure.canvas
            canvas.draw_idle()
            canvas.flush_events()

    @property
    def figure(self) -> Figure:
        """The matplotlib figure, drawn up to the latest update."""
        self.redraw()
        return self._figure

    def close(self, path: Optional[str] = None, keep_open: bool = False) -> Optional[str]:
        """Draw the final curves, write them to ``path`` (PNG) when given, and close the figure.

        ``keep_open=True`` leaves the window for a later ``plt.show()``. Returns ``path``.
        """
        path = self.path if path is None else path
        self.redraw()
        if path is not None:
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, exist_ok=True)
            self._figure.savefig(path, dpi=110)
        if self.live:
            plt = _import_pyplot()

            plt.ioff()
        if not keep_open:
            plt = _import_pyplot()

            plt.close(self._figure)
        return path

    def __enter__(self) -> LivePlot:
        return self

    def __exit__(self, *exc_info: Any) -> Literal[False]:
        self.close()
        return False


def _legend_label(name, values):
    if not values:
        return _pretty(name)
    return f"{_pretty(name)} (last {values[-1]:.4g})"


def _common_word(names):
    """The y label of a panel: the metric's name, or the word its names share (train_loss, test_loss: loss)."""
    if len(names) == 1:
        return _pretty(names[0])
    last = {name.rsplit("_", 1)[-1] for name in names}
    return last.pop() if len(last) == 1 else "value"


def _marker(values):
    """Dots on short curves: a run of one or two steps would otherwise draw nothing visible."""
    return "o" if len(values) <= 20 else "None"


def _whole_number_ticks(ax, steps):
    """Integer x ticks when every step is a whole number (no "epoch 2.5" on a 3-epoch run)."""
    from matplotlib.ticker import MaxNLocator

    if not steps or not all(float(step).is_integer() for step in steps):
        return
    distinct = sorted(set(steps))
    if len(distinct) <= 10:
        ax.set_xticks(distinct)  # MaxNLocator falls back to fractions when it finds fewer than two integers
    else:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))


def _style_axis(ax, names, xlabel, logy):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(_common_word(names))
    ax.set_title(", ".join(_pretty(name) for name in names))
    if logy:
        ax.set_yscale("log")
    ax.grid(True, alpha=0.3)


def plot_history(history: History, metrics: Optional[Sequence[Panel]] = None, axes: Any = None,
                 xlabel: str = "step", logy: Sequence[str] = ()) -> List[Axes]:
    """Draw recorded curves into ``axes`` (one per panel; a new figure when ``None``).

    ``history`` maps a metric name to ``(steps, values)`` (``LivePlot.history`` is one);
    ``metrics`` groups them into panels as in ``LivePlot`` (default: one panel each).
    Returns the list of axes.
    """
    plt = _import_pyplot()

    panels = [(name,) for name in history] if metrics is None else [
        (entry,) if isinstance(entry, str) else tuple(entry) for entry in metrics
    ]
    for names in panels:
        for name in names:
            if name not in history:
                raise KeyError(f"plot_history: no metric {name!r} in the history; it has {list(history)}")
    if axes is None:
        fig, grid = plt.subplots(1, len(panels), figsize=(4.6 * len(panels), 3.6), layout="constrained", squeeze=False)
        axes = list(grid[0])
    axes = list(np.asarray(axes, dtype=object).ravel())
    if len(axes) != len(panels):
        raise ValueError(f"plot_history: {len(panels)} panels need {len(panels)} axes, got {len(axes)}")
    for ax, names in zip(axes, panels):
        for name in names:
            steps, values = history[name]
            ax.plot(steps, values, marker=_marker(values), label=_legend_label(name, values))
        _style_axis(ax, names, xlabel, names[0] in logy)
        _whole_number_ticks(ax, [step for name in names for step in history[name][0]])
        ax.legend(loc="best", fontsize=8)
    return axes
