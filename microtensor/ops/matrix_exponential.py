"""``mt.linalg.matrix_exp`` (``mt.matrix_exp``): ``exp(A) = sum_k A^k / k!`` for each square matrix.

Forward: scaling and squaring. ``A / 2^s`` has a 1-norm of at most 1/2, where 18 terms of the
Taylor series are exact to float64 rounding (the remainder is below 0.5^19 / 19!); the result is
squared ``s`` times, as ``exp(A) = exp(A / 2^s)^(2^s)``.

Gradient: for ``G`` the gradient of ``exp(A)``, ``gA`` is the upper-right block of
``exp([[A^T, G], [0, A^T]])`` (the derivative of exp along a direction is the off-diagonal block of
exp of a block-triangular matrix, Najfeld and Havel 1995, applied to the adjoint). It is written with
``matrix_exp`` and ``np.concatenate``, so it differentiates again.
"""
from __future__ import annotations

import math

import numpy as np

from ..autograd.function import Function
from .decompositions import square_matrices
from .._registry import op
from .._tensor import Tensor

_TAYLOR_TERMS = 18


def _exp_array(a):
    """exp of each matrix of ``a`` by scaling and squaring (see the module docstring)."""
    norm = float(np.max(np.abs(a).sum(axis=-2), initial=0.0))
    squarings = max(0, math.ceil(math.log2(norm / 0.5))) if norm > 0.5 else 0
    scaled = a / 2.0**squarings
    term = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
    total = term.copy()
    for k in range(1, _TAYLOR_TERMS + 1):
        term = term @ scaled / k
        total = total + term
    for _ in range(squarings):
        total = total @ total
    return total.astype(a.dtype, copy=False)


class MatrixExp(Function):
    """``Y = exp(A)``;  gA = the upper-right block of exp([[A^T, G], [0, A^T]])."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _exp_array(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        n = a.shape[-1]
        at = np.broadcast_to(a.mT, grad.shape)
        zeros = at * 0
        block = np.concatenate([np.concatenate([at, grad], -1), np.concatenate([zeros, at], -1)], -2)
        exponential = _exp_array(block) if isinstance(block, np.ndarray) else matrix_exp(block)
        return exponential[..., :n, n:]


@op(method=True)
def matrix_exp(A: Tensor) -> Tensor:
    """The matrix exponential ``sum_k A^k / k!`` of each square matrix of ``A`` (..., n, n)
    (``mt.linalg.matrix_exp``). Gradient: see the module docstring."""
    return MatrixExp.apply(square_matrices(A, "linalg.matrix_exp"))
