"""``op_overhead``: the fixed cost of one op, and of a small expression's forward + backward.

* ``tiny op``: ``x * y`` on 4-element float32 tensors with ``x.requires_grad`` (so a
  graph node is recorded each time) vs a raw ``np.multiply`` call; time per op.
* ``small expr``: ``loss = (tanh(x * w + b) ** 2).sum(); loss.backward()`` with ``w``
  (4 elements) and ``b`` (a scalar) requiring grad, vs the same maths written by
  hand in numpy (forward and backward); time per forward + backward.

Quality: the result (tiny op) or the gradients (small expr) compared with numpy.
"""
import numpy as np

from . import numpy_reference as ref
from ._core import FRAMEWORKS, Case, framework, to_numpy

NAME = "op_overhead"
DESCRIPTION = "one recorded op on 4 float32 values; a small expression fwd+bwd"


def values(seed=0):
    rng = np.random.default_rng(seed)
    x, y, w = (rng.standard_normal(4).astype(np.float32) for _ in range(3))
    return x, y, w, np.float32(0.3)


def tiny_numpy(a, b, count):
    multiply = np.multiply
    for _ in range(count):
        out = multiply(a, b)
    return out


def tiny_framework(lib, a, b, count):
    x = lib.from_numpy(a.copy()).requires_grad_()
    y = lib.from_numpy(b.copy())
    for _ in range(count):
        out = x * y
    return to_numpy(out)


def expression_numpy(x, w, b, count):
    grad_w = np.zeros_like(w)
    grad_b = np.zeros((), dtype=w.dtype)
    for _ in range(count):
        grad_w[...] = 0.0       # zero_grad, then accumulate as a framework does
        grad_b[...] = 0.0
        _, dw, db = ref.small_expression(x, w, b)
        grad_w += dw
        grad_b += db
    return grad_w, grad_b


def expression_framework(lib, x0, w0, b0, count):
    x = lib.from_numpy(x0.copy())
    w = lib.from_numpy(w0.copy()).requires_grad_()
    b = lib.from_numpy(np.array(b0, dtype=np.float32)).requires_grad_()
    for _ in range(count):
        w.grad = None
        b.grad = None
        loss = ((x * w + b).tanh() ** 2).sum()
        loss.backward()
    return to_numpy(w.grad), to_numpy(b.grad)


def cases(config, backends):
    ops = 1_000 if config.quick else 20_000
    expressions = 200 if config.quick else 5_000
    x, y, w, b = values(config.seed)
    result = []
    if "numpy" in backends:
        result.append(Case(NAME, "tiny op", "numpy", lambda: tiny_numpy(x, y, ops), per=ops, unit="op"))
        result.append(Case(NAME, "small expr", "numpy", lambda: expression_numpy(x, w, b, expressions),
                           per=expressions, unit="fwd+bwd"))
    for backend in FRAMEWORKS:
        if backend in backends:
            lib = framework(backend)
            result.append(Case(NAME, "tiny op", backend, lambda lib=lib: tiny_framework(lib, x, y, ops), per=ops, unit="op"))
            result.append(Case(NAME, "small expr", backend, lambda lib=lib: expression_framework(lib, x, w, b, expressions),
                               per=expressions, unit="fwd+bwd"))
    return result


def quality(results, config):
    text = {}
    for (case, backend), value in results.items():
        reference = results.get((case, "numpy"))
        if backend == "numpy" or reference is None:
            text[(case, backend)] = "reference"
        elif case == "tiny op":
            text[(case, backend)] = f"max |out - out_numpy| {float(np.max(np.abs(value - reference))):.1e}"
        else:
            error = max(float(np.max(np.abs(np.asarray(a) - np.asarray(r)))) for a, r in zip(value, reference))
            text[(case, backend)] = f"max |grad - grad_numpy| {error:.1e}"
    return text


def layer_costs(count=20_000, repeats=5, seed=0):
    """Where the time of one recorded ``x * y`` goes, layer by layer (printed by ``--profile``).

    The first four rows each add one layer to the row above, so their differences are what
    each layer costs: numpy's own call; the op's ``forward`` on arrays (the dtype rule and
    ``save_for_backward``); ``x * y`` when nothing is recorded (the operator, the argument
    checks, the new Tensor); ``x * y`` recorded (the graph node and its saved values). The
    last two rows are the rest of a step: the ``.sum()`` of the product (recorded), and the
    backward pass through those two nodes into ``x.grad``. Returns
    ``[(layer, microseconds, max |result - numpy|)]``.
    """
    import timeit

    import microtensor as mt
    from microtensor.autograd.function import _SCRATCH_CONTEXT
    from microtensor.ops.arithmetic import Mul

    a, b, _, _ = values(seed)
    x = mt.from_numpy(a.copy()).requires_grad_()
    x_plain = mt.from_numpy(a.copy())
    y = mt.from_numpy(b.copy())
    product = np.multiply(a, b)

    def per_call(function):
        return min(timeit.repeat(function, number=count, repeat=repeats)) / count * 1e6

    def gap(result, expected=product):
        array = result if isinstance(result, np.ndarray) else to_numpy(result)
        return float(np.max(np.abs(array - expected)))

    recorded = x * y
    total = recorded.sum()

    def backward_of_two_nodes():
        x.grad = None
        total.backward(retain_graph=True)
        return x.grad

    return [
        ("np.multiply(a, b)", per_call(lambda: np.multiply(a, b)), gap(np.multiply(a, b))),
        ("Mul.forward on the arrays", per_call(lambda: Mul.forward(_SCRATCH_CONTEXT, a, b)),
         gap(Mul.forward(_SCRATCH_CONTEXT, a, b))),
        ("x * y, nothing recorded", per_call(lambda: x_plain * y), gap(x_plain * y)),
        ("x * y, recorded", per_call(lambda: x * y), gap(x * y)),
        ("(x * y).sum(), recorded", per_call(recorded.sum), gap(recorded.sum(), product.sum())),
        ("its backward, 2 nodes", per_call(backward_of_two_nodes), gap(backward_of_two_nodes(), b)),
    ]


def layer_costs_text(rows):
    lines = ["one op, layer by layer (x * y on 4 float32 values; see layer_costs in op_overhead.py):"]
    for layer, micros, error in rows:
        lines.append(f"  {layer:28s} {micros:7.2f} us   max |result - numpy| {error:.1e}")
    return "\n".join(lines)
