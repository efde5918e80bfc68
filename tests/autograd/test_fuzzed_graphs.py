"""Random expression graphs, every leaf's gradient checked against central differences.

A graph is a recipe: a few float64 leaves of mutually broadcastable shapes, then a
sequence of steps, each applying a random op to values already in the pool (so
intermediate results get several consumers). Every op keeps the pool mutually
broadcastable: elementwise ops broadcast, reductions keep their dims, and index
ops keep the shape. The output is a weighted sum of every value in the pool.
CI runs ``FUZZ_GRAPHS`` graphs; ``MT_SLOW=1`` runs thousands.
"""
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt

SLOW = os.environ.get("MT_SLOW") == "1"
FUZZ_GRAPHS = 3000 if SLOW else 200

UNARY = {
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: mt.sigmoid(x),
    "sin": lambda x: x.sin(),
    "cos": lambda x: mt.cos(x),
    "exp_small": lambda x: (x * 0.3).exp(),
    "square": lambda x: x * x,
    "log_pos": lambda x: (x * x + 1).log(),
    "sqrt_pos": lambda x: (x * x + 0.5).sqrt(),
    "neg": lambda x: -x,
    "softplus": lambda x: mt.nn.functional.softplus(x),
    "gelu": lambda x: mt.nn.functional.gelu(x),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div_safe": lambda a, b: a / (b * b + 1.0),
    "pow_pos": lambda a, b: (a * a + 1.0) ** (b * 0.5),
    "where": lambda a, b: mt.where(a.detach() > 0.123457, a, b),
    "scalar_rsub": lambda a, b: 2.0 - a * b,
}


def _reduce(x, kind, dim):
    if x.ndim == 0:
        return x * 1.0
    dim = dim % x.ndim
    if kind == "sum":
        return x.sum(dim=dim, keepdim=True)
    if kind == "mean":
        return x.mean(dim=dim, keepdim=True)
    if kind == "logsumexp":
        return mt.logsumexp(x, dim=dim, keepdim=True)
    if kind == "softmax":
        return mt.softmax(x, dim=dim)
    if kind == "var":
        return x.var(dim=dim, keepdim=True, unbiased=False) if x.shape[dim] > 0 else x
    raise AssertionError(kind)


def _index(x, kind, positions):
    if x.ndim == 0:
        return x * 1.0
    size = x.shape[-1]
    if kind == "flip":
        return x[..., ::-1]
    if kind == "gather":  # repeated indices: their gradients must add up
        return x[..., [p % size for p in positions[:size]] + [0] * max(0, size - len(positions))]
    if kind == "reshape_roundtrip":
        return x.reshape(-1).reshape(x.shape)
    raise AssertionError(kind)


@st.composite
def graph_recipes(draw):
    shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=draw(st.integers(1, 3)), min_dims=0, max_dims=3, max_side=3)
    ).input_shapes
    values = [
        draw(hnp.arrays(np.float64, shape, elements=st.floats(-1.5, 1.5, allow_nan=False, width=64)))
        for shape in shapes
    ]
    steps = []
    pool = len(values)
    for _ in range(draw(st.integers(1, 7))):
        family = draw(st.sampled_from(["unary", "binary", "binary", "reduce", "index"]))
        if family == "unary":
            steps.append(("unary", draw(st.sampled_from(sorted(UNARY))), draw(st.integers(0, pool - 1))))
        elif family == "binary":
            steps.append(
                ("binary", draw(st.sampled_from(sorted(BINARY))), draw(st.integers(0, pool - 1)), draw(st.integers(0, pool - 1)))
            )
        elif family == "reduce":
            kind = draw(st.sampled_from(["sum", "mean", "logsumexp", "softmax", "var"]))
            steps.append(("reduce", kind, draw(st.integers(0, pool - 1)), draw(st.integers(0, 2))))
        else:
            kind = draw(st.sampled_from(["flip", "gather", "reshape_roundtrip"]))
            positions = draw(st.lists(st.integers(0, 2), min_size=1, max_size=3))
            steps.append(("index", kind, draw(st.integers(0, pool - 1)), positions))
        pool += 1
    weights = draw(st.lists(st.floats(0.5, 2.0), min_size=pool, max_size=pool))
    return values, steps, weights


def build(recipe_steps, weights, *leaves):
    pool = list(leaves)
    for step in recipe_steps:
        family, name = step[0], step[1]
        if family == "unary":
            pool.append(UNARY[name](pool[step[2]]))
        elif family == "binary":
            pool.append(BINARY[name](pool[step[2]], pool[step[3]]))
        elif family == "reduce":
            pool.append(_reduce(pool[step[2]], name, step[3]))
        else:
            pool.append(_index(pool[step[2]], name, step[3]))
    return sum((value.sum() * weight for value, weight in zip(pool, weights)), mt.tensor(0.0, dtype=mt.float64))


@pytest.mark.slow
@settings(max_examples=FUZZ_GRAPHS, deadline=None)
@given(graph_recipes())
def test_random_graph_gradients_match_central_differences(recipe):
    values, steps, weights = recipe
    leaves = tuple(mt.tensor(value, requires_grad=True) for value in values)
    assert mt.autograd.gradcheck(lambda *xs: build(steps, weights, *xs), leaves, atol=1e-5, rtol=1e-3)
