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
