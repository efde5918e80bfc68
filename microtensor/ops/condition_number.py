"""``linalg.cond``: the condition number of a matrix, how much solving ``A x = b`` can magnify an
error in ``b``: the largest singular value over the smallest for ``p`` None or 2, else
``norm(A, p) * norm(inv(A), p)``. It sits on top of both the norms and the factorizations.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .decompositions import inv, square_matrices
from .norms import matrix_norm
from .orthogonal_factorizations import matrices, svdvals


def cond(A: Tensor, p=None) -> Tensor:
    """``torch.linalg.cond``: the condition number of each matrix. ``p`` None or 2: largest over smallest
    singular value (any (..., m, n) matrix); -2: smallest over largest; for square matrices also
    ``'fro'``, ``'nuc'``, ``inf``, ``-inf``, ``1``, ``-1``: ``norm(A, p) * norm(inv(A), p)``, inf for a
    singular matrix, 0 for an empty one. Differentiable: through ``svdvals``, or the norms and ``inv``."""
    name = "linalg.cond"
    if p is None or p == 2 or p == -2:
        values = svdvals(matrices(A, name))
        if not values.shape[-1]:  # an empty matrix: PyTorch's 0
            return Tensor._make(np.zeros(values.shape[:-1], dtype=values.dtype))
        largest, smallest = values[..., 0], values[..., -1]
        return largest / smallest if p != -2 else smallest / largest
    if p not in ("fro", "nuc", np.inf, -np.inf, 1, -1):
        raise RuntimeError(f"{name} got an invalid norm type: {p}; use None, 2, -2, 'fro', 'nuc', inf, -inf, 1 or -1")
    A = square_matrices(A, name)
    if not A.shape[-1]:
        return Tensor._make(np.zeros(A.shape[:-2], dtype=A.dtype))
    singular = np.linalg.matrix_rank(A._data) < A.shape[-1]
    if np.any(singular):
        safe = Tensor._make(np.where(np.expand_dims(singular, (-1, -2)), np.eye(A.shape[-1], dtype=A.dtype), 0))
        A = np.where(Tensor._make(np.expand_dims(singular, (-1, -2))), safe, A)
    norm = (lambda m: svdvals(m).sum(-1)) if p == "nuc" else (lambda m: matrix_norm(m, p))
    result = norm(A) * norm(inv(A))
    return np.where(Tensor._make(np.asarray(singular)), np.inf, result) if np.any(singular) else result
