"""microtensor.viz: the live training plot and the computation-graph drawing (headless, Agg)."""
import re
import sys
import warnings

import matplotlib
import numpy as np
import pytest

import microtensor as mt
from microtensor import viz
from microtensor.viz import _curves as _viz_curves, _graph as _viz_graph

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from a PNG's IHDR chunk; fails unless the file is a PNG."""
    with open(path, "rb") as handle:
        header = handle.read(24)
    assert header[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_import_microtensor_and_viz_do_not_import_matplotlib(modules_after):
    assert "matplotlib" not in modules_after["mt.viz"], "matplotlib was imported"  # in a fresh Python


# ------------------------------------------------------------------- LivePlot
def test_liveplot_records_and_writes_png(tmp_path):
    plot = viz.LivePlot(metrics=("loss", "accuracy"))
    for step in range(20):
        plot.update(step, loss=1.0 / (step + 1))
        if step % 5 == 4:
            plot.update(step, accuracy=step / 20)
    assert plot.history["loss"] == (list(range(20)), [1.0 / (s + 1) for s in range(20)])
    assert plot.history["accuracy"] == ([4, 9, 14, 19], [0.2, 0.45, 0.7, 0.95])
    figure = plot.figure
    lines = {line.get_label().split(" (")[0]: line for ax in figure.axes for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["loss"].get_xdata(), np.arange(20))
    np.testing.assert_allclose(lines["accuracy"].get_ydata(), [0.2, 0.45, 0.7, 0.95])
    path = tmp_path / "curves.png"
    assert plot.close(str(path)) == str(path)
    width, height = png_size(path)
    assert width > 400 and height > 200


def test_liveplot_groups_metrics_in_panels_and_accepts_tensors(tmp_path):
    plot = viz.LivePlot(metrics=(("train_loss", "test_loss"), "accuracy"), logy=("train_loss",))
    plot.update(0, train_loss=mt.tensor(2.0), test_loss=np.float64(3.0), accuracy=mt.tensor([0.5]))
    plot.update(1, train_loss=1.0, test_loss=1.5, accuracy=0.75)
    figure = plot.figure
    assert len(figure.axes) == 2
    assert len(figure.axes[0].get_lines()) == 2 and len(figure.axes[1].get_lines()) == 1
    assert figure.axes[0].get_yscale() == "log" and figure.axes[1].get_yscale() == "linear"
    assert plot.history["train_loss"][1] == [2.0, 1.0]
    assert plot.history["accuracy"][1] == [0.5, 0.75]
    assert "last 0.75" in figure.axes[1].get_lines()[0].get_label()


def test_liveplot_rejects_bad_metrics():
    plot = viz.LivePlot(metrics=("loss",))
    with pytest.raises(KeyError, match="accuracy"):
        plot.update(0, accuracy=0.5)
    with pytest.raises(TypeError, match="at least one metric"):
        plot.update(0)
    with pytest.raises(TypeError, match="loss"):
        plot.update(0, loss="high")
    with pytest.raises(ValueError, match="twice"):
        viz.LivePlot(metrics=("loss", ("loss", "acc")))
    with pytest.raises(ValueError, match="empty"):
        viz.LivePlot(metrics=())


def test_liveplot_live_without_display_warns_and_still_writes(tmp_path):
    path = tmp_path / "live.png"
    with pytest.warns(UserWarning, match="no display"):
        plot = viz.LivePlot(metrics=("loss",), live=True, path=str(path))
    assert plot.live is False
    with plot:
        plot.update(0, loss=1.0)
        plot.update(1, loss=0.5)
    png_size(path)


def test_liveplot_redraws_during_training_when_live(monkeypatch):
    # Pretend the Agg canvas is a window: updates must redraw the curves as they come.
    monkeypatch.setattr(_viz_curves, "interactive_backend", lambda: True)  # where LivePlot looks it up
    monkeypatch.setattr(matplotlib.figure.Figure, "show", lambda self, *a, **k: None)
    plot = viz.LivePlot(metrics=("loss",), live=True, redraw_every=0.0)
    assert plot.live
    line = plot._figure.axes[0].get_lines()[0]
    plot.update(0, loss=3.0)
    plot.update(1, loss=2.0)
    np.testing.assert_array_equal(line.get_ydata(), [3.0, 2.0])
    plot.close()
    assert not plt.fignum_exists(plot._figure.number)


def test_display_available_follows_environment(monkeypatch):
    if not sys.platform.startswith("linux"):
        pytest.skip("the DISPLAY rule applies to Linux")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    assert viz.display_available() is False
    monkeypatch.setenv("DISPLAY", ":0")
    assert viz.display_available() is True
    assert viz.interactive_backend() is False  # Agg draws no windows, display or not


def test_plot_history_draws_into_given_axes():
    history = {"loss": ([0, 1, 2], [3.0, 2.0, 1.0]), "accuracy": ([2], [0.9])}
    fig, axes = plt.subplots(1, 2)
    returned = viz.plot_history(history, metrics=("loss", "accuracy"), axes=axes)
    assert list(returned) == list(axes)
    np.testing.assert_array_equal(axes[0].get_lines()[0].get_ydata(), [3.0, 2.0, 1.0])
    with pytest.raises(ValueError, match="2 panels need 2 axes"):
        viz.plot_history(history, axes=[axes[0]])
    with pytest.raises(KeyError, match="f1"):
        viz.plot_history(history, metrics=("f1",))


# ------------------------------------------------------------------- draw_graph
def parse_dot(text):
    """{node id: label} and a sorted list of (source label, target label) edges."""
    labels = dict(re.findall(r'^\s*(n\d+) \[label="((?:[^"\\]|\\.)*)"', text, flags=re.M))
    edges = re.findall(r"^\s*(n\d+) -> (n\d+)", text, flags=re.M)
    first_line = {key: label.split("\\n")[0] for key, label in labels.items()}
    return labels, sorted((first_line[a], first_line[b]) for a, b in edges)


def small_graph():
    a = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = mt.tensor([0.5, 2.0], requires_grad=True)
    c = a * b + a          # a is used twice: by the product and by the sum
    return a, b, c * c     # c is used twice by one op


def test_dot_lists_ops_leaves_and_edges():
    a, b, out = small_graph()
    text = viz.draw_graph(out, format="dot", params={"a": a, "b": b})
    assert text.startswith("digraph") and text.rstrip().endswith("}")
    labels, edges = parse_dot(text)
    assert sorted(label.split("\\n")[0] for label in labels.values()) == sorted(
        ["output", "MulBackward", "AddBackward", "MulBackward", "a", "b"]
    )
    assert edges == sorted([
        ("MulBackward", "output"),
        ("AddBackward", "MulBackward"), ("AddBackward", "MulBackward"),
        ("MulBackward", "AddBackward"), ("a", "AddBackward"),
        ("a", "MulBackward"), ("b", "MulBackward"),
    ])
    leaf_labels = {label.split("\\n")[0]: label for label in labels.values()}
    assert "(2, 2) float32" in leaf_labels["a"] and "(2,) float32" in leaf_labels["b"]
    assert "grad" not in leaf_labels["a"]  # no backward yet


def test_dot_shows_gradients_after_backward():
    a, b, out = small_graph()
    out.backward(mt.ones(2, 2))
    labels, _ = parse_dot(viz.graph_dot(out, params=[("a", a), ("b", b)]))
    leaf_labels = {label.split("\\n")[0]: label for label in labels.values()}
    assert f"grad norm {np.linalg.norm(a.grad.numpy()):.4g}" in leaf_labels["a"]
    assert f"grad norm {np.linalg.norm(b.grad.numpy()):.4g}" in leaf_labels["b"]
    _, _, unlabeled = small_graph()
    labels, _ = parse_dot(viz.graph_dot(unlabeled))
    assert sum(label.startswith("tensor\\n") for label in labels.values()) == 2


def test_dot_of_scalar_output_shows_value_and_escapes_quotes():
    x = mt.tensor(3.0, requires_grad=True)
    y = x * x
    y.backward()
    text = viz.graph_dot(y, params={'the "x"': x})
    assert 'the \\"x\\"' in text
    assert "value 9" in text and "grad 6" in text


def test_graph_of_a_leaf_is_one_node():
    x = mt.tensor([1.0, 2.0])
    labels, edges = parse_dot(viz.graph_dot(x))
    assert len(labels) == 1 and edges == []
    fig = viz.draw_graph(x)
    assert len(fig.axes[0].texts) == 1


def test_deep_chain_is_walked_without_recursion():
    x = mt.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0001
    labels, edges = parse_dot(viz.graph_dot(y, max_nodes=5000))
    assert len(labels) == 3002 and len(edges) == 3001
    with pytest.raises(ValueError, match="max_nodes=100"):
        viz.graph_dot(y, max_nodes=100)


def test_draw_graph_lays_out_layers_by_depth(tmp_path):
    a, b, out = small_graph()
    out.backward(mt.ones(2, 2))
    path = tmp_path / "graph.png"
    fig = viz.draw_graph(out, params={"a": a, "b": b}, path=str(path), title="small")
    width, height = png_size(path)
    assert width > 200 and height > 200
    ax = fig.axes[0]
    nodes = {}
    for text in ax.texts:
        if text.get_bbox_patch() is not None and text.get_bbox_patch().get_facecolor()[:3] != (1.0, 1.0, 1.0):
            nodes.setdefault(text.get_text().split("\n")[0], []).append(text.get_position())
    assert sorted(nodes) == ["AddBackward", "MulBackward", "a", "b", "output"]
    (out_xy,) = nodes["output"]
    (add_xy,) = nodes["AddBackward"]
    mul_ys = sorted(xy[1] for xy in nodes["MulBackward"])
    # top to bottom: the leaves, the inner product, the sum, the square, the output
    assert nodes["a"][0][1] > mul_ys[1] > add_xy[1] > mul_ys[0] > out_xy[1]
    assert nodes["b"][0][1] > mul_ys[1]
    # left to right: the output is the right-most node
    fig_lr = viz.draw_graph(out, rankdir="LR")
    xs = {t.get_text().split("\n")[0]: t.get_position()[0] for t in fig_lr.axes[0].texts}
    assert xs["output"] == max(xs.values())


def test_draw_graph_has_a_legend_for_its_colours():
    _, _, out = small_graph()
    legend = viz.draw_graph(out).axes[0].get_legend()
    entries = [text.get_text() for text in legend.get_texts()]
    assert [entry.split(":")[0] for entry in entries] == ["leaf", "op", "output", "arrow"]
    # each coloured entry has the face colour its kind of node is drawn with
    for patch, kind in zip(legend.get_patches(), ("leaf", "op", "output")):
        assert matplotlib.colors.same_color(patch.get_facecolor(), _viz_graph._COLORS[kind])
    assert viz.draw_graph(out, legend=False).axes[0].get_legend() is None
    assert viz.draw_graph(out, rankdir="LR").axes[0].get_legend() is not None


def test_whole_number_steps_get_integer_ticks():
    """A three-epoch run is labelled 1, 2, 3, not 1.0, 1.5, ...; fractional steps keep matplotlib's ticks."""
    history = {"loss": ([1, 2, 3], [3.0, 2.0, 1.0]), "accuracy": ([0.5, 1.0, 1.5], [0.1, 0.2, 0.3])}
    short, fractional = viz.plot_history(history)
    assert list(short.get_xticks()) == [1, 2, 3]
    assert any(not float(tick).is_integer() for tick in fractional.get_xticks())
    assert short.get_lines()[0].get_marker() == "o"  # a short curve shows its points
    long_history = {"loss": (list(range(1, 61)), [1.0 / step for step in range(1, 61)])}
    (long_axis,) = viz.plot_history(long_history)
    ticks = [tick for tick in long_axis.get_xticks() if 1 <= tick <= 60]
    assert len(ticks) >= 3 and all(float(tick).is_integer() for tick in ticks)
    assert long_axis.get_lines()[0].get_marker() == "None"


def test_draw_graph_into_existing_axes_and_to_dot_file(tmp_path):
    _, _, out = small_graph()
    fig, ax = plt.subplots()
    assert viz.draw_graph(out, ax=ax) is fig
    path = tmp_path / "graph.dot"
    text = viz.draw_graph(out, format="dot", path=str(path))
    assert path.read_text() == text


def test_draw_graph_rejects_bad_arguments():
    _, _, out = small_graph()
    with pytest.raises(ValueError, match="format"):
        viz.draw_graph(out, format="svg")
    with pytest.raises(ValueError, match="rankdir"):
        viz.draw_graph(out, rankdir="BT")
    with pytest.raises(TypeError, match="Tensor"):
        viz.draw_graph(np.ones(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        viz.draw_graph(out, format="dot")
