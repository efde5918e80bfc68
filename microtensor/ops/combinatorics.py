"""Tuples of elements of 1-D tensors: ``cartesian_prod`` (every tuple taking one element of each
tensor, as ``itertools.product``) and ``combinations`` (the ``r``-element subsets of one tensor, as
``itertools.combinations`` or ``combinations_with_replacement``).

Each column of the result is an ``index_select`` of an input, so gradients add up in the elements
that were picked.
"""
from __future__ import annotations

import itertools

import numpy as np

from .._registry import TORCH_DTYPE_NAMES, op
from .._tensor import Tensor
from ._util import tensor_argument as _tensor
from .joining import stack


def _vector(name, value):
    value = _tensor(value, name)
    if value.ndim != 1:
        raise RuntimeError(f"{name}: Expect a 1D vector, but got shape {list(value.shape)}")
    return value


def _columns(tensors, index_rows, width):
    """``out[:, k] = tensors[k][index_rows[:, k]]``, an ``(len(index_rows), width)`` tensor."""
    index_rows = np.asarray(index_rows, dtype=np.int64).reshape(-1, width)
    return stack([t.index_select(0, Tensor(index_rows[:, k].copy())) for k, t in enumerate(tensors)], 1)


@op()
def cartesian_prod(*tensors: Tensor) -> Tensor:
    """The Cartesian product of 1-D tensors of one dtype: an ``(n_1 * ... * n_k, k)`` tensor of every tuple,
    the last tensor's element changing fastest; one tensor is returned as it is."""
    if not tensors:
        raise RuntimeError("cartesian_prod: expects one or more 1-D tensors (meshgrid expects a non-empty TensorList)")
    vectors = [_vector("cartesian_prod", t) for t in tensors]
    for vector in vectors[1:]:
        if vector.dtype != vectors[0].dtype:
            raise RuntimeError(f"cartesian_prod: expects all tensors to have the same dtype, got "
                               f"{TORCH_DTYPE_NAMES[vectors[0].dtype.name]} and {TORCH_DTYPE_NAMES[vector.dtype.name]}")
    if len(vectors) == 1:
        return vectors[0]
    grid = np.indices(tuple(v.shape[0] for v in vectors)).reshape(len(vectors), -1).T
    return _columns(vectors, grid, len(vectors))


@op()
def combinations(input: Tensor, r: int = 2, with_replacement: bool = False) -> Tensor:
    """The ``r``-element combinations of the elements of a 1-D tensor, in ``itertools`` order, as rows of an
    ``(count, r)`` tensor (with repeated elements when ``with_replacement``); ``r=0`` gives an empty 1-D
    tensor."""
    vector = _vector("combinations", input)
    if isinstance(r, bool) or not isinstance(r, int):
        raise TypeError(f"combinations(): argument 'r' must be int, not {type(r).__name__}")
    if r < 0:
        raise RuntimeError(f"combinations: Expect a non-negative number, but got {r}")
    if r == 0:
        return vector[:0]
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    chosen = list(choose(range(vector.shape[0]), r))
    return _columns([vector] * r, chosen, r)
