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
This package is their public home; they are written in ``_backend.py`` (finding matplotlib and a
display), ``_curves.py`` (``LivePlot``, ``plot_history``), ``_graph.py`` (the graph and its DOT
text) and ``_graph_drawing.py`` (``draw_graph``).
"""
from ._backend import MATPLOTLIB_HINT as MATPLOTLIB_HINT
from ._backend import display_available, interactive_backend
from ._backend import import_matplotlib as import_matplotlib
from ._curves import History as History
from ._curves import LivePlot, Panel as Panel, plot_history
from ._graph import ParamNames as ParamNames
from ._graph import graph_dot
from ._graph_drawing import draw_graph

__all__ = ["LivePlot", "plot_history", "draw_graph", "graph_dot", "display_available", "interactive_backend"]
