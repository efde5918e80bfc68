"""``deep_chain``: a long chain of elementwise ops on a small tensor, forward + backward.

The chain cycles through ``* 1.01``, ``+ 0.1``, ``* (1 / 1.01)``, ``- 0.1`` on a
float32 tensor of 8 elements (the values stay bounded), then ``.sum().backward()``.
The reference is a raw numpy loop doing the same arithmetic, with the backward
written by hand (only the multiplications have a derivative other than 1).

* ``100k fwd+bwd``: 100,000 ops (2,000 in ``--quick``), timed in process, interleaved.
* ``1M fwd+bwd``: 1,000,000 ops (20,000 in ``--quick``), once per backend in a fresh
  subprocess: forward time, backward time and peak RSS (graphs of this depth must
  backpropagate without ``RecursionError``).

Quality: the largest difference between the backend's gradient and numpy's.
"""
import operator
import time

import numpy as np

from . import numpy_reference as ref
from ._core import FRAMEWORKS, Case, framework, to_numpy

NAME = "deep_chain"
DESCRIPTION = "chain of elementwise ops (* + * -) on 8 float32 values, fwd+bwd"


def make_chain(length):
    pattern = [(operator.mul, 1.01), (operator.add, 0.1), (operator.mul, 1.0 / 1.01), (operator.sub, 0.1)]
    return [pattern[i % 4] for i in range(length)]


def start_values(seed=0):
    return np.random.default_rng(seed).standard_normal(8).astype(np.float32)


def run_framework(lib, x0, chain):
    """(sum of the chain's output, gradient) with ``lib``; also the forward and backward times."""
    x = lib.from_numpy(x0.copy()).requires_grad_()
    start = time.perf_counter()
    y = x
    for op, constant in chain:
        y = op(y, constant)
    loss = y.sum()
    middle = time.perf_counter()
    loss.backward()
    end = time.perf_counter()
    return float(loss.item()), to_numpy(x.grad), middle - start, end - middle


def run_numpy(x0, chain):
    start = time.perf_counter()
    total, grad = ref.chain_forward_backward(x0.copy(), chain)
    return float(total), grad, time.perf_counter() - start, 0.0


def cases(config, backends):
    length = 2_000 if config.quick else 100_000
    chain, x0 = make_chain(length), start_values(config.seed)
    name = f"{length // 1000}k fwd+bwd"
    result = []
    if "numpy" in backends:
        result.append(Case(NAME, name, "numpy", lambda: run_numpy(x0, chain), unit=f"{length} ops"))
    for backend in FRAMEWORKS:
        if backend in backends:
            lib = framework(backend)
            result.append(Case(NAME, name, backend, lambda lib=lib: run_framework(lib, x0, chain), unit=f"{length} ops"))
    return result


def quality(results, config):
    text = {}
    for (case, backend), (_, grad, _, _) in results.items():
        reference = results.get((case, "numpy"))
        if backend == "numpy" or reference is None:
            text[(case, backend)] = "reference"
        else:
            text[(case, backend)] = f"max |grad - grad_numpy| {float(np.max(np.abs(grad - reference[1]))):.1e}"
    return text


def long_length(config):
    return 20_000 if config.quick else 1_000_000


def probes(config, backends):
    name = f"{long_length(config) // 1000}k fwd+bwd" if config.quick else "1M fwd+bwd"
    return [(name, backend) for backend in backends if backend in ("numpy",) + FRAMEWORKS]


def run_probe(probe, backend, config):
    """Inside a fresh process: the long chain once; report times and the gradient's checksum."""
    chain, x0 = make_chain(long_length(config)), start_values(config.seed)
    if backend == "numpy":
        total, grad, elapsed, _ = run_numpy(x0, chain)
        detail = f"forward + hand-written backward {elapsed:.2f} s"
    else:
        total, grad, forward, backward = run_framework(framework(backend), x0, chain)
        elapsed = forward + backward
        detail = f"forward {forward:.2f} s, backward {backward:.2f} s"
    return {"total_s": elapsed, "detail": detail, "grad": [float(g) for g in grad], "length": len(chain)}
