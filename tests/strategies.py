"""Hypothesis strategies and the gradient-check helper every op test uses."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt


def shapes(min_dims=0, max_dims=3, min_side=1, max_side=4):
    """Array shapes, including 0-d and size-1 dimensions."""
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4):
    """Tuples of shapes that broadcast together (size-1 and missing dims included)."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=num_shapes, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=max_side
    ).map(lambda result: result.input_shapes)


def float_arrays(shape, low=-3.0, high=3.0, away_from_zero=0.0):
    """float64 arrays with values in [low, high]; |values| >= away_from_zero when asked
    (for ops with kinks or poles, where central differences are unreliable)."""
    elements = st.floats(low, high, allow_nan=False, allow_infinity=False, width=64)
    strategy = hnp.arrays(np.float64, shape, elements=elements)
    if away_from_zero:
        strategy = strategy.map(lambda a: np.where(np.abs(a) < away_from_zero, np.copysign(away_from_zero, a) + a, a))
    return strategy


def leaf(array):
    """A float64 leaf tensor that requires grad."""
    return mt.tensor(np.asarray(array, dtype=np.float64), requires_grad=True)


def check_gradients(fn, *arrays, **gradcheck_options):
    """gradcheck ``fn`` at float64 leaves made from ``arrays``; raises with a readable report."""
    tensors = tuple(leaf(array) for array in arrays)
    assert mt.autograd.gradcheck(fn, tensors, **gradcheck_options)
    return tensors
