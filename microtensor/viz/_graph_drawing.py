"""``draw_graph``: the computation graph behind a tensor drawn with matplotlib (layers by depth, a key to
the node colours), or handed over as DOT text by ``graph_dot`` (``_viz_graph.py``).
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Literal, Optional, Tuple, Union, overload

from ._backend import _import_pyplot
from ._graph import _COLORS, _EDGE_COLORS, ParamNames, _Graph, graph_dot

if TYPE_CHECKING:  # for the hints only: importing microtensor.viz never imports matplotlib
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .._tensor import Tensor


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
