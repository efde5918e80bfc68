"""The LU factorisation with partial pivoting: ``lu_factor``, ``lu`` and ``lu_solve`` (``torch.linalg``).

``A = P L U`` for each (..., m, n) matrix: ``P`` a permutation, ``L`` unit lower triangular (m x k),
``U`` upper triangular (k x n), k = min(m, n). ``lu_factor`` returns L and U packed in one matrix
and LAPACK's pivots (int32, 1-based: row ``j`` was swapped with row ``pivots[j]``), computed here
by Gaussian elimination choosing the largest pivot in each column (LAPACK's getrf rule).

Gradient (square A), with ``gL`` the strictly lower and ``gU`` the upper part of the gradient of
the packed factors: ``gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T``. ``lu`` and ``lu_solve``
are built from ``lu_factor``, ``tril``/``triu``, indexing and ``solve_triangular``, so their
gradients follow.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..autograd.function import Function
from ._util import tensor_argument as _tensor
from .gather_scatter import gather as take_rows
from .orthogonal_factorizations import matrices
from .solvers import solve_triangular
from .._tensor import Tensor


class lu_factor_result(NamedTuple):
    """``lu_factor``'s named pair, as PyTorch's: ``linalg_lu_factor(LU=..., pivots=...)``."""

    LU: Tensor
    pivots: Tensor


class lu_result(NamedTuple):
    """``lu``'s named triple, as PyTorch's: ``linalg_lu(P=..., L=..., U=...)``."""

    P: Tensor
    L: Tensor
    U: Tensor


lu_factor_result.__name__ = lu_factor_result.__qualname__ = "linalg_lu_factor"
lu_result.__name__ = lu_result.__qualname__ = "linalg_lu"


def _eliminate(a):
    """Packed LU factors and 1-based int32 pivots of each matrix of ``a``, one column at a time for the
    whole batch. A zero pivot (a column that is already zero) leaves its multipliers 0, as getrf does."""
    m, n = a.shape[-2:]
    k = min(m, n)
    packed = np.array(a, dtype=a.dtype, copy=True).reshape((-1, m, n))
    pivots = np.zeros((packed.shape[0], k), dtype=np.int32)
    batch = np.arange(packed.shape[0])
    for j in range(k):
        chosen = j + np.argmax(np.abs(packed[:, j:, j]), axis=1)
        pivots[:, j] = chosen + 1
        row = packed[batch, j].copy()
        packed[batch, j] = packed[batch, chosen]
        packed[batch, chosen] = row
        pivot = packed[:, j, j:j + 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            multipliers = np.where(pivot == 0, 0, packed[:, j + 1:, j] / pivot)
        packed[:, j + 1:, j] = multipliers
        packed[:, j + 1:, j + 1:] -= multipliers[:, :, None] * packed[:, j:j + 1, j + 1:]
    return packed.reshape(a.shape), pivots.reshape(a.shape[:-2] + (k,))


def _row_order(pivots, m):
    """The rows of A in the order of L U (``(P^T A)[i] = A[order[i]]``), from LAPACK's swaps."""
    order = np.broadcast_to(np.arange(m), pivots.shape[:-1] + (m,)).copy()
    flat, swaps = order.reshape((-1, m)), pivots.reshape((-1, pivots.shape[-1])) - 1
    batch = np.arange(flat.shape[0])
    for j in range(swaps.shape[1]):
        here = flat[batch, j].copy()
        flat[batch, j] = flat[batch, swaps[:, j]]
        flat[batch, swaps[:, j]] = here
    return order


def _permutation(pivots, m, dtype):
    """``P`` with ``A = P L U``: the transpose of the identity's rows taken in the row order."""
    return np.swapaxes(np.eye(m, dtype=dtype)[_row_order(pivots, m)], -1, -2)


def _unpack(packed):
    """``L`` (unit lower, m x k) and ``U`` (upper, k x n) from the packed factors (Tensors or arrays)."""
    m, n = packed.shape[-2:]
    k = min(m, n)
    lower = np.tril(packed[..., :, :k], -1) + np.eye(m, k, dtype=packed.dtype)
    return lower, np.triu(packed[..., :k, :])


class LuFactor(Function):
    """``A = P L U`` packed;  gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T (square A)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, *, pivot):
        packed, pivots = _eliminate(a)
        ctx.permutation = _permutation(pivots, a.shape[-2], a.dtype)
        ctx.save_for_backward(packed)
        ctx.mark_non_differentiable(pivots)
        return packed, pivots

    @staticmethod
    def backward(ctx, grad, grad_pivots):
        (packed,) = ctx.saved_tensors
        m, n = packed.shape[-2:]
        if m != n:
            raise NotImplementedError(
                f"lu_factor backward: only square matrices are supported, got {m} by {n}; use qr or svd instead"
            )
        lower, upper = _unpack(packed)
        middle = np.tril(lower.mT @ grad, -1) + np.triu(grad @ upper.mT)
        return ctx.permutation @ (np.linalg.inv(lower).mT @ middle @ np.linalg.inv(upper).mT)


def _factor(A, op_name):
    return LuFactor.apply(matrices(A, op_name), pivot=True)


def lu_factor(A: Tensor, *, pivot: bool = True) -> lu_factor_result:
    """``torch.linalg.lu_factor``: the packed factors ``LU`` (L below the diagonal, its unit diagonal
    implied, U on and above) and the int32 ``pivots`` of ``A = P L U`` for each (..., m, n) matrix.

    A zero on U's diagonal raises ``RuntimeError`` (``lu`` factors such matrices); only
    ``pivot=True``. Gradient (square A): see the module docstring.
    """
    name = "torch.linalg.lu_factor"
    if not pivot:
        raise NotImplementedError("linalg.lu_factor: pivot=False is not supported; use pivot=True")
    packed, pivots = _factor(A, name)
    diagonal = np.diagonal(packed._data, axis1=-2, axis2=-1)
    if (diagonal == 0).any():
        position = int(np.argmax((diagonal == 0).reshape((-1, diagonal.shape[-1])).any(0))) + 1
        raise RuntimeError(
            f"{name}: U[{position},{position}] is zero and using it on lu_solve would result in a division by zero. "
            f"If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
            f"linalg.lu_factor_ex(A, pivot)"
        )
    return lu_factor_result(packed, pivots)


def lu(A: Tensor, *, pivot: bool = True) -> lu_result:
    """``torch.linalg.lu``: ``P``, ``L`` (unit lower, m x k) and ``U`` (upper, k x n) with ``A = P L U``
    for each (..., m, n) matrix (singular ones too). Gradient (square A): through ``lu_factor``."""
    if not pivot:
        raise NotImplementedError("linalg.lu: pivot=False is not supported; use pivot=True")
    packed, pivots = _factor(A, "linalg.lu")
    lower, upper = _unpack(packed)
    return lu_result(Tensor._make(_permutation(pivots._data, packed.shape[-2], packed.dtype)), lower, upper)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """``torch.linalg.lu_solve``: ``X`` with ``A X = B`` from ``lu_factor``'s ``LU`` and ``pivots``
    (B is (..., n, k)): ``X = U^-1 L^-1 P^T B``. Only ``left=True, adjoint=False``.
    Gradients (for LU and B): those of the two triangular solves."""
    name = "linalg.lu_solve"
    if not left or adjoint:
        raise NotImplementedError(f"{name}: only left=True and adjoint=False are supported")
    LU, B = _tensor(LU, name), _tensor(B, name)
    order = _row_order(_tensor(pivots, name)._data, LU.shape[-1])
    batch = np.broadcast_shapes(order.shape[:-1], B.shape[:-2])
    gather = np.broadcast_to(order, batch + order.shape[-1:])[..., :, None]
    rows = Tensor._make(np.broadcast_to(gather, batch + B.shape[-2:]).astype(np.int64))
    permuted = take_rows(B.expand(batch + B.shape[-2:]), -2, rows)
    lower, upper = _unpack(LU)
    return solve_triangular(upper, solve_triangular(lower, permuted, upper=False, unitriangular=True), upper=True)
