"""The tutorial's network, rebuilt: hand-written numpy backprop next to microtensor.

The project grew from a beginner's tutorial on neural networks: a 3-4-4-1 network
without biases (ReLU, tanh, sigmoid) trained on four samples with backpropagation
written out by hand in numpy. This script

1. ports that tutorial faithfully to importable numpy functions (same data,
   ``StandardScaler``, seed 1, the same order of random draws: three weight
   matrices, then one ``permutation(4)`` per epoch; minibatches of 2; 10,000
   epochs), with a switch between the tutorial's tanh-derivative line and the
   corrected one;
2. trains the same network in microtensor (``nn.Sequential`` of ``Linear(bias=False)``
   layers, ``optim.SGD(lr=1.0)``, float64) from the same initial weights on the same
   permutations, and shows that it follows the corrected hand-written run to rounding
   error over all 10,000 epochs, and not the tutorial's original one;
3. checks the gradients at the initial weights against central differences: autograd
   and the corrected formula agree with them, the tutorial's line does not;
4. draws both loss curves (``tutorial_loss.png``) and the computation graph of one
   minibatch (``tutorial_graph.png``).

Run it from the repository root::

    python examples/tutorial.py              # full run, PNGs into outputs/ (progress bars on stderr)
    python examples/tutorial.py --out docs   # refresh the documentation's pictures
    python examples/tutorial.py --epochs 200 --out /tmp/figs --show

What the tutorial gets wrong, and what this port does about it:

* Step 6 applies ``tanh_derivative`` (written for the pre-activation ``z``) to ``l2``,
  which is already ``tanh(z)``: it computes ``1 - tanh(tanh(z))**2`` instead of
  ``1 - tanh(z)**2 = 1 - l2**2``. Both are kept here (``tanh_rule='original'`` and
  ``'corrected'``).
* The update ``w += l.T @ delta`` with ``delta = (y - out) * ...`` is gradient descent
  with learning rate 1 on ``0.5 * sum((y - out)**2)``: that is the loss logged and
  plotted here (once per epoch, summed over the epoch's two minibatches), instead of
  the tutorial's mean absolute error logged twice per 100th epoch (its plot has 100
  x-values and 200 y-values and fails).
* ``1 / (1 + np.exp(-x))`` overflows for large negative ``x``; the sigmoid here is the
  stable two-branch form.
* ``StandardScaler`` maps the constant third input column (the only bias-like input)
  to zeros, so the network has no bias at all. The port keeps this, to stay faithful.
"""
import os
import sys
import textwrap
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    busy, ensure_microtensor_importable, make_parser, output_path, progress, resolve_show, select_backend, show_figures,
)

ensure_microtensor_importable()

EPOCHS = 10_000
BATCH_SIZE = 2
SEED = 1
TANH_RULES = ("corrected", "original")


# --------------------------------------------------------------------- the data
def make_data():
    """The tutorial's four samples (Step 3), standardised with ``StandardScaler`` (Step 4).

    Returns ``(inputs, outputs)`` as float64 arrays of shapes (4, 3) and (4, 1). The
    third column is constant, so it becomes all zeros; the target equals the first
    input column.
    """
    from sklearn.preprocessing import StandardScaler

    inputs = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
    outputs = np.array([[0], [1], [1], [0]], dtype=np.float64)
    inputs = StandardScaler().fit_transform(inputs).astype(np.float64)
    return inputs, outputs


# ------------------------------------------------- activations and derivatives
def sigmoid(x):
    """1 / (1 + exp(-x)), computed without overflow: exp is only taken of -|x|."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def sigmoid_derivative(s):
    """d sigmoid/dz written in terms of the OUTPUT s = sigmoid(z): s * (1 - s)."""
    return s * (1 - s)


def relu(x):
    return np.maximum(0, x)


def relu_derivative(a):
    """1 where relu's output (equivalently its input) is positive, else 0."""
    return (a > 0).astype(np.float64)


def tanh(x):
    return np.tanh(x)


def tanh_derivative(z):
    """d tanh/dz written in terms of the INPUT z: 1 - tanh(z)**2 (the tutorial's helper)."""
    return 1 - np.tanh(z) ** 2


def tanh_derivative_at(l2, tanh_rule):
    """The derivative factor of the tanh layer, given its output ``l2 = tanh(z)``.

    ``'corrected'``: 1 - l2**2, which is d tanh/dz.
    ``'original'``: the tutorial's line ``tanh_derivative(l2)`` = 1 - tanh(tanh(z))**2, a bug.
    """
    if tanh_rule == "corrected":
        return 1 - l2 ** 2
    if tanh_rule == "original":
        return tanh_derivative(l2)
    raise ValueError(f"tanh_rule must be one of {TANH_RULES}, got {tanh_rule!r}")


# ----------------------------------------------------- hand-written network
def init_weights(rng, in_dim, out_dim):
    """Step 5: uniform in [-1, 1), shape (in_dim, out_dim) (``x @ w`` convention)."""
    return 2 * rng.random_sample((in_dim, out_dim)) - 1


def forward_by_hand(x, weights):
    """The forward pass of Step 6: returns the layer outputs (l1, l2, l3)."""
    w0, w1, w2 = weights
    l1 = relu(x.dot(w0))
    l2 = tanh(l1.dot(w1))
    l3 = sigmoid(l2.dot(w2))
    return l1, l2, l3


def backprop_by_hand(x, y, weights, tanh_rule="corrected"):
    """Step 6's backward pass. Returns ``(updates, l3)``.

    ``updates[k]`` is what the tutorial adds to ``weights[k]``: ``l.T @ delta``. With
    error = y - l3 it equals minus the gradient of 0.5 * sum((y - l3)**2) (exactly so
    for the corrected tanh rule).
    """
    w0, w1, w2 = weights
    l1, l2, l3 = forward_by_hand(x, weights)
    error = y - l3
    l3_delta = error * sigmoid_derivative(l3)
    l2_error = l3_delta.dot(w2.T)
    l2_delta = l2_error * tanh_derivative_at(l2, tanh_rule)
    l1_error = l2_delta.dot(w1.T)
    l1_delta = l1_error * relu_derivative(l1)
    return [x.T.dot(l1_delta), l1.T.dot(l2_delta), l2.T.dot(l3_delta)], l3


def half_sse(y, out):
    """The loss the tutorial's update descends: 0.5 * sum((y - out)**2)."""
    return 0.5 * float(np.sum((y - out) ** 2))


def train_by_hand(epochs=EPOCHS, tanh_rule="corrected", seed=SEED, batch_size=BATCH_SIZE, progress_label=None):
    """Train the tutorial network with hand-written backprop.

    The random draws are the tutorial's, in its order: ``np.random.seed(seed)``, three
    ``init_weights`` calls, then one ``np.random.permutation(4)`` per epoch. A private
    ``RandomState(seed)`` produces exactly that stream without touching numpy's global
    state.

    Returns a dict: ``initial_weights`` and ``weights`` (lists of three (in, out)
    arrays), ``permutations`` (epochs x 4 ints, for replaying), ``loss`` (per epoch: the
    0.5 * sum of squared errors of the epoch's minibatches, each measured just before its
    update), ``mae`` (per epoch: the tutorial's mean absolute error), ``predictions``
    (the trained network on the four inputs). ``progress_label`` names a progress bar over the epochs
    (none by default).
    """
    if tanh_rule not in TANH_RULES:
        raise ValueError(f"tanh_rule must be one of {TANH_RULES}, got {tanh_rule!r}")
    inputs, outputs = make_data()
    rng = np.random.RandomState(seed)
    weights = [init_weights(rng, 3, 4), init_weights(rng, 4, 4), init_weights(rng, 4, 1)]
    initial = [w.copy() for w in weights]
    permutations = np.empty((epochs, len(inputs)), dtype=np.int64)
    loss = np.empty(epochs)
    mae = np.empty(epochs)
    for epoch in progress(range(epochs), desc=progress_label, unit="epoch", enabled=progress_label is not None):
        perm = rng.permutation(len(inputs))
        permutations[epoch] = perm
        x_all, y_all = inputs[perm], outputs[perm]
        epoch_loss = 0.0
        abs_error = 0.0
        for i in range(0, len(inputs), batch_size):
            x, y = x_all[i:i + batch_size], y_all[i:i + batch_size]
            updates, out = backprop_by_hand(x, y, weights, tanh_rule)
            for w, update in zip(weights, updates):
                w += update
            epoch_loss += half_sse(y, out)
            abs_error += float(np.sum(np.abs(y - out)))
        loss[epoch] = epoch_loss
        mae[epoch] = abs_error / len(inputs)
    predictions = forward_by_hand(inputs, weights)[2]
    return {
        "initial_weights": initial, "weights": weights, "permutations": permutations,
        "loss": loss, "mae": mae, "predictions": predictions, "tanh_rule": tanh_rule,
    }


# ------------------------------------------------------------ microtensor
def build_model(initial_weights):
    """The same network in microtensor, float64, starting from the hand-written weights.

    ``Linear`` stores its weight as (out, in), the transpose of the tutorial's (in, out)
    matrices, and computes ``x @ weight.T``: the same product.
    """
    import microtensor as mt
    from microtensor import nn

    model = nn.Sequential(
        nn.Linear(3, 4, bias=False), nn.ReLU(),
        nn.Linear(4, 4, bias=False), nn.Tanh(),
        nn.Linear(4, 1, bias=False), nn.Sigmoid(),
    ).double()
    with mt.no_grad():
        for layer, w in zip(linear_layers(model), initial_weights):
            layer.weight.copy_(mt.tensor(w.T, dtype=mt.float64))
    return model


def linear_layers(model):
    return [model[0], model[2], model[4]]


def model_weights(model):
    """The model's three weight matrices in the tutorial's (in, out) layout, as arrays."""
    return [layer.weight.detach().numpy().T.copy() for layer in linear_layers(model)]


def train_microtensor(initial_weights, permutations, batch_size=BATCH_SIZE, progress_label=None, compiled=False):
    """Train the microtensor model on the given per-epoch permutations.
    ``compiled``: each minibatch step goes through ``mt.compile`` (the same numbers, faster).

    Loss per minibatch: ``0.5 * ((out - y)**2).sum()``, SGD with lr 1: the update the
    tutorial performs by hand. Returns a dict like ``train_by_hand`` (plus ``model``).
    ``progress_label`` names a progress bar over the epochs (none by default).
    """
    import microtensor as mt

    inputs, outputs = make_data()
    model = build_model(initial_weights)
    optimizer = mt.optim.SGD(model.parameters(), lr=1.0)
    epochs = len(permutations)
    loss_log = np.empty(epochs)
    mae = np.empty(epochs)

    def step(x, y):
        out = model(x)
        loss = 0.5 * ((out - y) ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss, out.detach()

    if compiled:
        step = mt.compile(step)
    bar = progress(total=epochs, desc=progress_label, unit="epoch", enabled=progress_label is not None)
    for epoch, perm in enumerate(permutations):
        bar.update()
        x_all = mt.from_numpy(inputs[perm])
        y_all = mt.from_numpy(outputs[perm])
        epoch_loss = 0.0
        abs_error = 0.0
        for i in range(0, len(perm), batch_size):
            x, y = x_all[i:i + batch_size], y_all[i:i + batch_size]
            loss, out = step(x, y)
            epoch_loss += loss.item()
            abs_error += float(np.abs(y.numpy() - out.numpy()).sum())
        loss_log[epoch] = epoch_loss
        mae[epoch] = abs_error / len(perm)
    bar.close()
    with mt.no_grad():
        predictions = model(mt.from_numpy(inputs)).numpy().copy()
    return {
        "initial_weights": [w.copy() for w in initial_weights], "weights": model_weights(model),
        "permutations": permutations, "loss": loss_log, "mae": mae, "predictions": predictions, "model": model,
    }


def max_weight_difference(weights_a, weights_b):
    """The largest absolute difference between two lists of weight matrices."""
    return max(float(np.max(np.abs(a - b))) for a, b in zip(weights_a, weights_b))


# -------------------------------------------------------- gradient checks
def full_batch_loss(weights):
    """0.5 * sum of squared errors of the network over all four samples."""
    inputs, outputs = make_data()
    return half_sse(outputs, forward_by_hand(inputs, weights)[2])


def numerical_gradient(weights, eps=1e-6):
    """Central differences of ``full_batch_loss``: (L(w + eps) - L(w - eps)) / (2 eps) per element."""
    weights = [w.copy() for w in weights]
    grads = []
    for w in weights:
        grad = np.empty_like(w)
        flat, flat_grad = w.reshape(-1), grad.reshape(-1)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            plus = full_batch_loss(weights)
            flat[j] = original - eps
            minus = full_batch_loss(weights)
            flat[j] = original
            flat_grad[j] = (plus - minus) / (2 * eps)
        grads.append(grad)
    return grads


def autograd_gradient(weights):
    """The gradient of ``full_batch_loss`` from microtensor's autograd, in (in, out) layout."""
    import microtensor as mt

    inputs, outputs = make_data()
    model = build_model(weights)
    loss = 0.5 * ((model(mt.from_numpy(inputs)) - mt.from_numpy(outputs)) ** 2).sum()
    loss.backward()
    return [layer.weight.grad.numpy().T.copy() for layer in linear_layers(model)]


def relative_error(grads, reference):
    """||g - g_ref|| / ||g_ref|| over all three matrices together."""
    g = np.concatenate([x.ravel() for x in grads])
    r = np.concatenate([x.ravel() for x in reference])
    return float(np.linalg.norm(g - r) / np.linalg.norm(r))


def gradient_check(weights):
    """Relative errors against central differences at ``weights`` (the loss over all 4 samples).

    Returns a dict with keys ``'autograd'`` (microtensor), ``'corrected'`` and
    ``'original'`` (the hand-written backprop with each tanh rule; its gradient is
    minus the tutorial's update).
    """
    inputs, outputs = make_data()
    numerical = numerical_gradient(weights)
    errors = {"autograd": relative_error(autograd_gradient(weights), numerical)}
    for rule in TANH_RULES:
        updates, _ = backprop_by_hand(inputs, outputs, weights, rule)
        errors[rule] = relative_error([-u for u in updates], numerical)
    return errors


# ------------------------------------------------------------------ figures
def first_epoch_below(loss, threshold):
    """The first epoch (1-based) whose loss is below ``threshold``, or None."""
    below = np.flatnonzero(np.asarray(loss) < threshold)
    return int(below[0]) + 1 if len(below) else None


def inputs_with_every_relu_off(weights):
    """The raw inputs (as in the tutorial's table) for which every unit of the ReLU layer is 0 at ``weights``."""
    inputs, _ = make_data()
    raw = np.array([[0, 0, 1], [1, 1, 1], [1, 0, 1], [0, 1, 1]])
    off = np.all(relu(inputs.dot(weights[0])) == 0, axis=1)
    return [tuple(int(v) for v in row) for row in raw[off]]


def why_the_bug_drops_sooner(corrected):
    """The caption under the loss plot: why the tutorial's line reaches a low loss sooner."""
    text = ("Why the red line drops sooner: the tutorial's line scales the tanh layer's error by 1 - tanh(l2)$^2$ "
            "instead of the derivative 1 - l2$^2$. As |tanh(l2)| < |l2|, that factor is always larger, so the first "
            "two layers take bigger steps than gradient descent would.")
    dead = inputs_with_every_relu_off(corrected["initial_weights"])
    if dead:
        text += (f"\nAt the start the input {', '.join(map(str, dead))} has all four ReLUs off: its output stays at "
                 f"0.5 and the correct loss waits on a plateau until a ReLU turns on; the bigger steps turn one on "
                 f"almost at once.")
    return text + ("\nThe bug is lucky here, not right: its update is not the gradient (see the gradient check), "
                   "and microtensor follows the corrected line to rounding error (right).")


def draw_loss(corrected, original, microtensor_run, path):
    """Loss curves of the three runs, and how far microtensor's curve is from each hand-written one."""
    import matplotlib.pyplot as plt

    epochs = np.arange(1, len(corrected["loss"]) + 1)
    marker = "o" if len(epochs) <= 20 else None  # a very short run would otherwise draw invisible lines
    fig, axes = plt.subplot_mosaic([["loss", "diff"], ["why", "why"]], figsize=(12, 6.3), layout="constrained",
                                   gridspec_kw={"height_ratios": [1, 0.24]})
    ax_loss, ax_diff = axes["loss"], axes["diff"]
    ax_loss.plot(epochs, original["loss"], color="tab:red", lw=2, marker=marker,
                 label="hand-written, tutorial's tanh line")
    ax_loss.plot(epochs, corrected["loss"], color="tab:blue", lw=4, alpha=0.45, marker=marker,
                 label="hand-written, corrected")
    ax_loss.plot(epochs, microtensor_run["loss"], color="black", lw=1.2, ls="--", marker=marker,
                 label="microtensor (autograd)")
    threshold = 0.01
    labels = ((original, "tab:red", (-9, -4), "right"), (corrected, "tab:blue", (9, 0), "left"))
    for run, color, offset, align in labels:
        epoch = first_epoch_below(run["loss"], threshold)
        if epoch is not None:
            ax_loss.plot([epoch], [run["loss"][epoch - 1]], "o", color=color, ms=7, zorder=5)
            ax_loss.annotate(f"loss < {threshold}\nat epoch {epoch}", (epoch, run["loss"][epoch - 1]), xytext=offset,
                             textcoords="offset points", color=color, fontsize=9, ha=align, va="center")
    ax_loss.set_xscale("log")
    ax_loss.set_yscale("log")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("0.5 * sum of squared errors per epoch")
    ax_loss.set_title("Training loss of the tutorial network:\nthe tutorial's wrong tanh line drops sooner")
    ax_loss.grid(True, which="both", alpha=0.3)
    ax_loss.legend(loc="lower left")

    tiny = 1e-18  # identical values would vanish from a log axis; draw them at this floor
    for run, color, label in (
        (corrected, "tab:blue", "vs hand-written, corrected"),
        (original, "tab:red", "vs hand-written, tutorial's tanh line"),
    ):
        gap = np.maximum(np.abs(microtensor_run["loss"] - run["loss"]), tiny)
        ax_diff.plot(epochs, gap, color=color, lw=1.2, marker=marker, label=label)
    ax_diff.set_xscale("log")
    ax_diff.set_yscale("log")
    ax_diff.set_ylim(tiny / 3, 10)
    ax_diff.set_xlabel("epoch")
    ax_diff.set_ylabel("|loss difference| (floor 1e-18 = identical)")
    ax_diff.set_title("microtensor's loss minus the hand-written loss:\nidentical to the corrected line")
    ax_diff.grid(True, which="both", alpha=0.3)
    ax_diff.legend(loc="center right")
    axes["why"].set_axis_off()
    caption = "\n".join(textwrap.fill(line, 158) for line in why_the_bug_drops_sooner(corrected).split("\n"))
    axes["why"].text(0.0, 0.5, caption, fontsize=9.5, ha="left", va="center", transform=axes["why"].transAxes,
                     in_layout=False)
    fig.savefig(path, dpi=110)
    return fig


def draw_minibatch_graph(initial_weights, path):
    """The computation graph of the loss of the first minibatch (after backward, with gradients)."""
    import microtensor as mt

    inputs, outputs = make_data()
    model = build_model(initial_weights)
    out = model(mt.from_numpy(inputs[:2]))
    loss = 0.5 * ((out - mt.from_numpy(outputs[:2])) ** 2).sum()
    loss.backward()
    fig = mt.viz.draw_graph(
        loss, params=dict(model.named_parameters()),
        title="One minibatch of the tutorial network:\nloss = 0.5 * ((model(x) - y) ** 2).sum(), after backward()",
    )
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return fig


# --------------------------------------------------------------------- main
def format_matrix(array):
    return np.array2string(np.asarray(array), precision=6, suppress_small=False, floatmode="fixed")


def main(argv=None):
    parser = make_parser(__doc__.split("\n")[0], EPOCHS, compiled=True)
    args = parser.parse_args(argv)
    print(f"The tutorial network, {args.epochs} epochs, minibatches of {BATCH_SIZE}, lr 1, float64: trained "
          f"{'three' if args.eager else 'four'} times from the same start", flush=True)
    args.show = resolve_show(args.show)
    select_backend(args.show)
    import matplotlib.pyplot as plt
    with busy("standardising the four samples with scikit-learn"):
        make_data()  # the first call imports scikit-learn, a few seconds on a busy machine

    start = time.perf_counter()
    corrected = train_by_hand(args.epochs, "corrected", progress_label="hand-written, corrected tanh ")
    original = train_by_hand(args.epochs, "original", progress_label="hand-written, tutorial's line")
    hand_time = time.perf_counter() - start
    start = time.perf_counter()
    mt_run = train_microtensor(corrected["initial_weights"], corrected["permutations"],
                               progress_label="microtensor autograd         ")
    mt_time = time.perf_counter() - start
    assert np.array_equal(corrected["permutations"], original["permutations"])

    print(f"  hand-written numpy (both tanh rules): {hand_time:.2f} s; microtensor: {mt_time:.2f} s")
    compiled_same = None
    if not args.eager:
        start = time.perf_counter()
        compiled_run = train_microtensor(corrected["initial_weights"], corrected["permutations"],
                                         progress_label="microtensor, mt.compile       ", compiled=True)
        compiled_time = time.perf_counter() - start
        compiled_same = all(a.tobytes() == b.tobytes() for a, b in zip(mt_run["weights"], compiled_run["weights"]))
        print(f"  microtensor through mt.compile: {compiled_time:.2f} s ({mt_time / compiled_time:.1f}x faster than "
              f"eager); final weights {'identical to eager, bit for bit' if compiled_same else 'DIFFERENT from eager'}")
    print()
    print("Largest weight difference after training, microtensor vs hand-written backprop:")
    print(f"  corrected tanh derivative (1 - l2**2):           {max_weight_difference(mt_run['weights'], corrected['weights']):.3e}")
    print(f"  tutorial's tanh_derivative(l2) = 1 - tanh(l2)**2: {max_weight_difference(mt_run['weights'], original['weights']):.3e}\n")

    errors = gradient_check(corrected["initial_weights"])
    print("Gradient of the loss over all 4 samples at the initial weights, relative error vs central differences:")
    print(f"  microtensor autograd:            {errors['autograd']:.3e}")
    print(f"  hand-written, corrected tanh:    {errors['corrected']:.3e}")
    print(f"  hand-written, tutorial's line:   {errors['original']:.3e}\n")

    print("Final predictions on the four inputs (targets 0, 1, 1, 0):")
    print(f"  microtensor:                 {format_matrix(mt_run['predictions'].ravel())}")
    print(f"  hand-written, corrected:     {format_matrix(corrected['predictions'].ravel())}")
    print(f"  hand-written, tutorial's:    {format_matrix(original['predictions'].ravel())}")
    print(f"Final epoch loss: microtensor {mt_run['loss'][-1]:.6e}, corrected {corrected['loss'][-1]:.6e}, "
          f"tutorial's {original['loss'][-1]:.6e}\n")

    loss_path = output_path(args.out, "tutorial_loss.png")
    graph_path = output_path(args.out, "tutorial_graph.png")
    with busy("drawing tutorial_loss.png and tutorial_graph.png"):
        draw_loss(corrected, original, mt_run, loss_path)
        draw_minibatch_graph(corrected["initial_weights"], graph_path)
    print(f"wrote {loss_path}\nwrote {graph_path}")
    show_figures(args.show)
    plt.close("all")
    return {"corrected": corrected, "original": original, "microtensor": mt_run, "gradient_errors": errors,
            "compiled_same": compiled_same}


if __name__ == "__main__":
    main()
