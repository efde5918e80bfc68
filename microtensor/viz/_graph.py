"""The computation graph behind a tensor for ``microtensor.viz``: its nodes (ops, leaf tensors, the
output) and edges, their labels and colours, the layout in layers by depth, and ``graph_dot``, the
graph as Graphviz DOT text. ``_viz_graph_drawing.py`` draws the same graph with matplotlib.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

import numpy as np

if TYPE_CHECKING:  # for the hints only
    from .._tensor import Tensor

#: names for the leaves of a graph: a dict, or (name, tensor) pairs such as ``model.named_parameters()``
ParamNames = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]


class _Graph:
    """The graph behind a tensor: nodes (ops, leaves, the output) and edges input -> consumer."""

    def __init__(self, tensor, params, show_grads, max_nodes):
        from .._tensor import Tensor

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
