"""Pictures of training and of autograd: live loss curves and computation graphs.

* ``LivePlot``: record metrics while training; with ``live=True`` and a display it
  redraws an interactive figure as training runs, otherwise it only keeps the numbers
  and draws the final figure when ``close(path)`` writes the PNG::

      plot = mt.viz.LivePlot(metrics=("loss", "accuracy"), live=args.live)
      for step in range(steps):
          ...
          plot.update(step, loss=loss.item(), accuracy=acc)
      plot.close("training.png")

* ``plot_history``: draw recorded metrics into existing matplotlib axes.
* ``draw_graph(tensor)``: the computation graph behind a tensor (ops, leaf tensors with
  their shapes, gradients once ``backward`` ran), as a matplotlib figure laid out in
  layers by depth, or as Graphviz DOT text (no Graphviz program needed to produce it).

matplotlib is imported inside the functions, so ``import microtensor`` never needs it.
"""
from __future__ import annotations

import os
import sys
import time
import warnings
from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Literal, Mapping, Optional, Sequence, Tuple, Union, overload

import numpy as np

if TYPE_CHECKING:  # for the hints only: importing microtensor.viz never imports matplotlib
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ._tensor import Tensor

#: one panel of curves: a metric name, or several names drawn together
Panel = Union[str, Sequence[str]]
#: a recorded history: metric name -> (steps, values)
History = Mapping[str, Tuple[Sequence[float], Sequence[float]]]
#: names for the leaves of a graph: a dict, or (name, tensor) pairs such as ``model.named_parameters()``
ParamNames = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]

__all__ = ["LivePlot", "plot_history", "draw_graph", "graph_dot", "display_available", "interactive_backend"]

_NON_INTERACTIVE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


MATPLOTLIB_HINT = "pip install matplotlib, or pip install 'microtensor[examples]' for everything the examples use"


def import_matplotlib(submodule: Optional[str] = None) -> Any:
    """``matplotlib`` (or ``matplotlib.<submodule>``); without it, a ModuleNotFoundError that says what to install."""
    import importlib

    name = "matplotlib" if submodule is None else f"matplotlib.{submodule}"
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ModuleNotFoundError(
            f"matplotlib is not installed (microtensor.viz and the examples draw with it): {MATPLOTLIB_HINT}",
            name="matplotlib",
        ) from error


def _import_pyplot():
    return import_matplotlib("pyplot")


def display_available() -> bool:
    """True when a window could be opened: on Linux and the BSDs that needs ``DISPLAY`` or
    ``WAYLAND_DISPLAY``; macOS and Windows always have a display."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def interactive_backend() -> bool:
    """True when matplotlib's current backend draws windows and a display is present."""
    matplotlib = import_matplotlib()
    backend = str(matplotlib.get_backend()).lower()
    if backend in _NON_INTERACTIVE_BACKENDS or backend.startswith("module://matplotlib_inline"):
        return False
    return display_available()


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


# ---------------------------------------------------------------- computation graph
class _Graph:
    """The graph behind a tensor: nodes (ops, leaves, the output) and edges input -> consumer."""

    def __init__(self, tensor, params, show_grads, max_nodes):
        from ._tensor import Tensor

        if not isinstance(tensor, Tensor):
            raise TypeError(f"draw_graph expects a microtensor Tensor, got {type(tensor).__name__}")
        names = {}
        if params is not None:
            items = params.items() if hasattr(params, "items") else params
            for name, value in items:
                names[id(value)] = name
        self.nodes: Dict[Any, Tuple[str, str]] = {}  # key -> (kind, label); kind in 'output', 'op', 'leaf'
        self.edges: List[Tuple[Any, Any, str]] = []  # (source key, target key, label)
        self.order: List[Any] = []
        output_key = ("output", id(tensor))
        self._add(output_key, "output", _tensor_label(names.get(id(tensor), "output"), tensor, show_grads, value=True))
        self.output_key = output_key
        root = tensor.grad_fn
        if root is None:
            return
        self._add(id(root), "op", root.name())
        self.edges.append((id(root), output_key, _shape_text(tensor.shape)))
        stack: List[Any] = [root]  # backward nodes (their inputs and metadata are internal)
        while stack:
            node = stack.pop()
            metas = getattr(node, "input_meta", None) or ()
            for index, entry in enumerate(node.inputs):
                if entry is None:
                    continue
                shape = metas[index][0] if index < len(metas) and metas[index] is not None else None
                key = id(entry)
                if key not in self.nodes:
                    if len(self.nodes) >= max_nodes:
                        raise ValueError(
                            f"draw_graph: the graph has more than max_nodes={max_nodes} nodes; a drawing that "
                            f"large is unreadable. Draw a smaller piece, or pass a larger max_nodes"
                        )
                    if isinstance(entry, Tensor):
                        self._add(key, "leaf", _tensor_label(names.get(key, "tensor"), entry, show_grads))
                    else:
                        self._add(key, "op", entry.name())
                        stack.append(entry)
                self.edges.append((key, id(node), _shape_text(shape) if shape is not None else ""))

    def _add(self, key, kind, label):
        self.nodes[key] = (kind, label)
        self.order.append(key)

    def layers(self):
        """Nodes grouped by depth (longest path to the output), each layer ordered to limit crossings."""
        inputs_of: Dict[Any, List[Any]] = {key: [] for key in self.order}
        consumers = {key: 0 for key in self.order}
        for source, target, _ in self.edges:
            inputs_of[target].append(source)
            consumers[source] += 1
        depth = {self.output_key: 0}
        ready = [self.output_key]
        while ready:  # Kahn's algorithm from the output towards the leaves
            key = ready.pop()
            for source in inputs_of[key]:
                depth[source] = max(depth.get(source, 0), depth[key] + 1)
                consumers[source] -= 1
                if consumers[source] == 0:
                    ready.append(source)
        rank = {key: i for i, key in enumerate(self.order)}
        layers: List[List[Any]] = [[] for _ in range(max(depth.values()) + 1)]
        for key in self.order:
            layers[depth[key]].append(key)
        targets_of: Dict[Any, List[Any]] = {key: [] for key in self.order}
        for source, target, _ in self.edges:
            targets_of[source].append(target)
        position: Dict[Any, float] = {}
        for layer in layers:
            def barycenter(key):
                placed = [position[t] for t in targets_of[key] if t in position]
                return (sum(placed) / len(placed) if placed else 0.0, rank[key])

            layer.sort(key=barycenter)
            for i, key in enumerate(layer):
                position[key] = i - (len(layer) - 1) / 2
        return layers, position


def _shape_text(shape):
    return "(" + ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"


def _tensor_label(name, tensor, show_grads, value=False):
    lines = [name, f"{_shape_text(tensor.shape)} {tensor.dtype}"]
    if value and tensor._data.size == 1:
        lines.append(f"value {tensor._data.item():.4g}")
    grad = tensor.grad if tensor.grad_fn is None else None
    if show_grads and grad is not None:
        g = np.asarray(grad._data, dtype=np.float64)
        if g.size == 1:
            lines.append(f"grad {g.item():.4g}")
        else:
            lines.append(f"grad norm {np.linalg.norm(g):.4g}")
    return "\n".join(lines)


_COLORS = {"output": "#fde2c8", "op": "#e8e8e8", "leaf": "#cfe2f3"}
_EDGE_COLORS = {"output": "#d9822b", "op": "#888888", "leaf": "#3d85c6"}


def graph_dot(tensor: Tensor, params: Optional[ParamNames] = None, show_grads: bool = True, rankdir: str = "TB",
              max_nodes: int = 500) -> str:
    """Graphviz DOT text of the graph behind ``tensor`` (see ``draw_graph``); plain text,
    render it with any Graphviz tool or online viewer."""
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"graph_dot: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    graph = _Graph(tensor, params, show_grads, max_nodes)
    ids = {key: f"n{i}" for i, key in enumerate(graph.order)}
    lines = [
        "digraph microtensor {",
        f"  rankdir={rankdir};",
        '  node [fontname="Helvetica", fontsize=10, style="rounded,filled", shape=box];',
        '  edge [fontname="Helvetica", fontsize=8, color="#666666"];',
    ]
    for key in graph.order:
        kind, label = graph.nodes[key]
        shape = "ellipse" if kind == "leaf" else "box"
        lines.append(f'  {ids[key]} [label="{_dot_escape(label)}", shape={shape}, fillcolor="{_COLORS[kind]}"];')
    for source, target, label in graph.edges:
        attributes = f' [label="{_dot_escape(label)}"]' if label else ""
        lines.append(f"  {ids[source]} -> {ids[target]}{attributes};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _dot_escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


_LEGEND = (
    ("leaf", "leaf: a tensor that requires grad (a parameter), with its gradient"),
    ("op", "op: the backward node that made a tensor (its grad_fn)"),
    ("output", "output: the tensor whose graph is drawn"),
)


def _draw_legend(ax, rankdir):
    """A key to the node colours and the edges, under the graph (TB) or to its right (LR)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles: List[Any] = [Patch(facecolor=_COLORS[kind], edgecolor=_EDGE_COLORS[kind], label=text) for kind, text in _LEGEND]
    handles.append(Line2D([], [], color="#666666", marker=">", markevery=[1], lw=1.0,
                          label="arrow: forward data flow, labelled with its shape"))
    if rankdir == "TB":
        place = dict(loc="upper center", bbox_to_anchor=(0.5, 0.0))
    else:
        place = dict(loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.legend(handles=handles, fontsize=8, frameon=True, framealpha=0.95, edgecolor="#cccccc", **place)


@overload
def draw_graph(tensor: Tensor, format: Literal["matplotlib"] = ..., params: Optional[ParamNames] = ...,
               show_grads: bool = ..., ax: Optional[Axes] = ..., path: Optional[str] = ...,
               title: Optional[str] = ..., rankdir: str = ..., max_nodes: int = ..., legend: bool = ...) -> Figure: ...
@overload
def draw_graph(tensor: Tensor, format: Literal["dot"], params: Optional[ParamNames] = ...,
               show_grads: bool = ..., ax: Optional[Axes] = ..., path: Optional[str] = ...,
               title: Optional[str] = ..., rankdir: str = ..., max_nodes: int = ..., legend: bool = ...) -> str: ...
def draw_graph(tensor: Tensor, format: str = "matplotlib", params: Optional[ParamNames] = None,
               show_grads: bool = True, ax: Optional[Axes] = None, path: Optional[str] = None,
               title: Optional[str] = None, rankdir: str = "TB", max_nodes: int = 500,
               legend: bool = True) -> Union[Figure, str]:
    """Draw the computation graph behind ``tensor``.

    Nodes are the ops (named like PyTorch's ``grad_fn.name()``, e.g. ``MulBackward``),
    the leaf tensors that require grad (with shape, dtype and, after ``backward``, the
    gradient: its value or norm) and the output itself; each edge carries the shape of
    the tensor flowing along it. Inputs that need no gradient (data, constants) are not
    part of the autograd graph and are not drawn. ``params`` (a dict or an iterable of
    ``(name, tensor)``, e.g. ``model.named_parameters()``) names the leaves.

    ``format='matplotlib'`` (default) lays the graph out in layers by depth (leaves at the
    top, the output at the bottom with ``rankdir='TB'``; left to right with ``'LR'``) and
    returns the figure (drawing into ``ax`` when given); ``format='dot'`` returns
    Graphviz DOT text. With ``path``, the figure (PNG, SVG, ...) or the text is written
    there too. The walk is iterative, so deep graphs are fine up to ``max_nodes``. ``legend``
    (default True) adds a key to the colours of the nodes: blue leaves, grey ops, the orange output.
    """
    if format == "dot":
        text = graph_dot(tensor, params, show_grads, rankdir, max_nodes)
        if path is not None:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
        return text
    if format != "matplotlib":
        raise ValueError(f"draw_graph: format must be 'matplotlib' or 'dot', got {format!r}")
    if rankdir not in ("TB", "LR"):
        raise ValueError(f"draw_graph: rankdir must be 'TB' or 'LR', got {rankdir!r}")
    plt = _import_pyplot()

    graph = _Graph(tensor, params, show_grads, max_nodes)
    layers, position = graph.layers()
    depth_count = len(layers)
    width = max(len(layer) for layer in layers)

    def coordinates(key, depth):
        if rankdir == "TB":
            return position[key] * 2.4, depth * 1.0
        return (depth_count - 1 - depth) * 2.6, -position[key] * 1.2

    if ax is None:
        if rankdir == "TB":
            size = (max(5.0, 2.3 * width + 1.0), max(3.0, 0.95 * depth_count + 0.8))
        else:
            size = (max(5.0, 2.0 * depth_count + 0.6), max(3.0, 1.2 * width + 1.0))
        fig, ax = plt.subplots(figsize=size)
    else:
        fig = ax.figure
    xy = {}
    for depth, layer in enumerate(layers):
        for key in layer:
            xy[key] = coordinates(key, depth)
    texts = {}
    for key in graph.order:
        kind, label = graph.nodes[key]
        x, y = xy[key]
        texts[key] = ax.text(
            x, y, label, ha="center", va="center", fontsize=8, zorder=3,
            fontweight="bold" if kind == "op" else "normal",
            bbox=dict(boxstyle="round,pad=0.35", facecolor=_COLORS[kind], edgecolor=_EDGE_COLORS[kind]),
        )
    seen_pairs: Dict[Tuple[Any, Any], int] = {}
    for source, target, label in graph.edges:
        (x0, y0), (x1, y1) = xy[source], xy[target]
        repeat = seen_pairs.get((source, target), 0)
        seen_pairs[(source, target)] = repeat + 1
        # the same tensor used twice by one op (x * x): fan the parallel edges out
        rad = 0.0 if repeat == 0 else 0.25 * ((repeat + 1) // 2) * (1 if repeat % 2 else -1)
        ax.annotate(
            "", xy=(x1, y1), xytext=(x0, y0), zorder=4,
            arrowprops=dict(
                arrowstyle="-|>,head_length=0.5,head_width=0.25", color="#666666", lw=1.0,
                shrinkA=0, shrinkB=0, connectionstyle=f"arc3,rad={rad}",
                patchA=texts[source].get_bbox_patch(), patchB=texts[target].get_bbox_patch(),
            ),
        )
        if label and repeat == 0:
            # the shape of the tensor leaving ``source``: written close to it, so that long
            # edges crossing a layer do not put their label on another node
            fraction = 0.3 if rankdir == "TB" and abs(y1 - y0) > 1.5 else 0.5
            ax.text(x0 + (x1 - x0) * fraction, y0 + (y1 - y0) * fraction, label, fontsize=6.5, color="#555555",
                    ha="center", va="center", zorder=5,
                    bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none", alpha=0.85))
    xs = [p[0] for p in xy.values()]
    ys = [p[1] for p in xy.values()]
    ax.set_xlim(min(xs) - 1.3, max(xs) + 1.3)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.6)
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    if legend:
        _draw_legend(ax, rankdir)
    if path is not None:
        fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig
