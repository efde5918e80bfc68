"""``F.pdist``: the p-norm distances between all pairs of rows of an (N, M) matrix, condensed.

``out[k] = || x_i - x_j ||_p`` for the pairs ``i < j`` in row-major order (``k`` runs over
(0, 1), (0, 2), ..., (0, N-1), (1, 2), ...): the upper triangle of ``cdist(x, x)``, N (N - 1) / 2
values. A composition of ops; where two rows coincide the gradient is 0, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ..ops.norms import vector_norm

__all__ = ["pdist"]


def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The distances ``||x_i - x_j||_p`` of the rows ``i < j`` of ``input`` (N, M), as a vector."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("pdist", "input", input)
    if input.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.ndim}D (shape {tuple(input.shape)})")
    if input.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {input.dtype}")
    if p < 0:
        raise RuntimeError(f"pdist only supports non-negative p values, got p={p}")
    first, second = np.triu_indices(input.shape[0], 1)
    difference = input[Tensor._make(first)] - input[Tensor._make(second)]
    return vector_norm(difference, float(p), (1,))
