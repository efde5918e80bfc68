"""The LU factorisation with partial pivoting: ``lu_factor`` (``lu_factor_ex``), ``lu`` and ``lu_solve``
(``torch.linalg``).

``A = P L U`` for each (..., m, n) matrix: ``P`` a permutation, ``L`` unit lower triangular (m x k),
``U`` upper triangular (k x n), k = min(m, n). ``lu_factor`` returns L and U packed in one matrix
and LAPACK's pivots (int32, 1-based: row ``j`` was swapped with row ``pivots[j]``), computed here
by Gaussian elimination choosing the largest pivot in each column (LAPACK's getrf rule).

Gradient, with ``gL`` the strictly lower and ``gU`` the upper part of the gradient of the packed
factors: for square A ``gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T``; for a wide A
(m < n, ``U = [U1 | U2]``) ``gA = P L^-T [tril(L^T gL - gU U^T, -1) U1^-T + gU1 | gU2]``; for a tall
A (``L = [L1; L2]``) ``gA = P [L1^-T triu(gU U^T - L^T gL) + gL1; gL2] U^-T`` (PyTorch's rules; each is
the square rule when m = n). ``lu`` and ``lu_solve`` are built from ``lu_factor``, ``tril``/``triu``,
indexing and ``solve_triangular``, so their gradients follow.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..autograd.function import Function
from ._util import tensor_argument as _tensor
from .gather_scatter import gather as take_rows
from .orthogonal_factorizations import matrices
from .solvers import solve_triangular
from .._registry import TORCH_DTYPE_NAMES
from .._tensor import Tensor
from .._float_errors import quiet_float_errors


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
        with quiet_float_errors():
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
    """``A = P L U`` packed;  gA = P L^-T (tril(L^T gL, -1) + triu(gU U^T)) U^-T (square A; the module
    docstring has the wide and tall forms)."""

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
        k = min(m, n)
        lower, upper = _unpack(packed)
        grad_lower, grad_upper = np.tril(grad[..., :, :k], -1), np.triu(grad[..., :k, :])
        if m <= n:  # L^-T [tril(L^T gL - gU U^T, -1) U1^-T + triu(gU1) | gU2]
            upper_1 = upper[..., :, :m]
            middle = np.tril(lower.mT @ grad_lower - grad_upper @ upper.mT, -1) @ np.linalg.inv(upper_1).mT
            blocks = np.concatenate([middle + grad_upper[..., :, :m], grad_upper[..., :, m:]], -1)
            result = np.linalg.inv(lower).mT @ blocks
        else:  # [L1^-T triu(gU U^T - L^T gL) + gL1 ; gL2] U^-T
            lower_1 = lower[..., :n, :]
            middle = np.linalg.inv(lower_1).mT @ np.triu(grad_upper @ upper.mT - lower.mT @ grad_lower)
            blocks = np.concatenate([middle + grad_lower[..., :n, :], grad_lower[..., n:, :]], -2)
            result = blocks @ np.linalg.inv(upper).mT
        return ctx.permutation @ result


def _factor(A, op_name):
    return LuFactor.apply(matrices(A, op_name), pivot=True)


class lu_factor_ex_result(NamedTuple):
    """``lu_factor_ex``'s named triple, as PyTorch's: ``linalg_lu_factor_ex(LU=..., pivots=..., info=...)``."""

    LU: Tensor
    pivots: Tensor
    info: Tensor


lu_factor_ex_result.__name__ = lu_factor_ex_result.__qualname__ = "linalg_lu_factor_ex"


def _zero_pivot_codes(packed):
    """LAPACK's getrf ``info`` per matrix (int32): the 1-based position of the first zero on U's diagonal, or 0."""
    diagonal = np.diagonal(packed, axis1=-2, axis2=-1) == 0
    return np.where(diagonal.any(-1), np.argmax(diagonal, -1) + 1, 0).astype(np.int32)


def _singular_factor_error(name, codes):
    position = int(codes.reshape(-1)[np.flatnonzero(codes.reshape(-1))[0]])
    return RuntimeError(
        f"{name}: U[{position},{position}] is zero and using it on lu_solve would result in a division by zero. "
        f"If you still want to perform the factorization, consider calling linalg.lu(A, pivot) or "
        f"linalg.lu_factor_ex(A, pivot)"
    )


def lu_factor(A: Tensor, *, pivot: bool = True) -> lu_factor_result:
    """``torch.linalg.lu_factor``: the packed factors ``LU`` (L below the diagonal, its unit diagonal
    implied, U on and above) and the int32 ``pivots`` of ``A = P L U`` for each (..., m, n) matrix.

    A zero on U's diagonal raises ``RuntimeError`` (``lu`` and ``lu_factor_ex`` factor such matrices); only
    ``pivot=True``. Gradient: see the module docstring.
    """
    name = "torch.linalg.lu_factor"
    if not pivot:
        raise NotImplementedError("linalg.lu_factor: pivot=False is not supported; use pivot=True")
    packed, pivots = _factor(A, name)
    codes = _zero_pivot_codes(packed._data)
    if codes.any():
        raise _singular_factor_error(name, codes)
    return lu_factor_result(packed, pivots)


def lu_factor_ex(A: Tensor, *, pivot: bool = True, check_errors: bool = False) -> lu_factor_ex_result:
    """``torch.linalg.lu_factor_ex``: ``lu_factor`` that reports instead of raising: ``info`` (int32, per
    matrix) is 0, or the 1-based position of the first zero on U's diagonal (the factors are still
    returned). ``check_errors=True`` raises as ``lu_factor`` does."""
    name = "torch.linalg.lu_factor_ex"
    if not pivot:
        raise NotImplementedError("linalg.lu_factor_ex: pivot=False is not supported; use pivot=True")
    packed, pivots = _factor(A, name)
    codes = _zero_pivot_codes(packed._data)
    if check_errors and codes.any():
        raise _singular_factor_error(name, codes)
    return lu_factor_ex_result(packed, pivots, Tensor._make(np.asarray(codes)))


def lu(A: Tensor, *, pivot: bool = True) -> lu_result:
    """``torch.linalg.lu``: ``P``, ``L`` (unit lower, m x k) and ``U`` (upper, k x n) with ``A = P L U``
    for each (..., m, n) matrix (singular ones too). Gradient (square A): through ``lu_factor``."""
    if not pivot:
        raise NotImplementedError("linalg.lu: pivot=False is not supported; use pivot=True")
    packed, pivots = _factor(A, "linalg.lu")
    lower, upper = _unpack(packed)
    return lu_result(Tensor._make(_permutation(pivots._data, packed.shape[-2], packed.dtype)), lower, upper)


def lu_solve(LU: Tensor, pivots: Tensor, B: Tensor, *, left: bool = True, adjoint: bool = False) -> Tensor:
    """``torch.linalg.lu_solve``: ``X`` with ``A X = B`` from ``lu_factor``'s ``LU`` and ``pivots`` of
    ``A = P L U`` (B is (..., n, k); batch dims broadcast): ``X = U^-1 L^-1 P^T B``. ``adjoint=True``
    solves ``A^T X = B`` (``X = P L^-T U^-T B``); ``left=False`` solves ``X A = B`` (or ``X A^T = B``),
    the transposed problems. Gradients (for LU and B): those of the triangular solves."""
    name = "linalg.lu_solve"
    LU, B = _tensor(LU, name), _tensor(B, name)
    pivots = _tensor(pivots, name)
    if LU.ndim < 2 or LU.shape[-1] != LU.shape[-2]:
        raise RuntimeError(f"{name}: LU must be batches of square matrices, got shape {tuple(LU.shape)}")
    if B.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions (got shape {tuple(B.shape)}).")
    if pivots.dtype.kind not in "iu" or pivots.ndim < 1 or pivots.shape[-1] != LU.shape[-1]:
        raise RuntimeError(f"{name}: pivots must be the integer tensor of shape {tuple(LU.shape[:-1])} that "
                           f"lu_factor returns, got {TORCH_DTYPE_NAMES.get(pivots.dtype.name, pivots.dtype.name)} "
                           f"of shape {tuple(pivots.shape)}")
    n = LU.shape[-1]
    if not left:
        return lu_solve(LU, pivots, B.mT, adjoint=not adjoint).mT
    if B.shape[-2] != n:
        raise RuntimeError(f"{name}: Incompatible shapes of A and B for the equation {'A^T' if adjoint else 'A'}X = B "
                           f"({n}x{n} and {B.shape[-2]}x{B.shape[-1]}); B must be (..., {n}, k)")
    try:
        batch = np.broadcast_shapes(tuple(LU.shape[:-2]), tuple(B.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"{name}: the batch dims of LU {tuple(LU.shape[:-2])} and B {tuple(B.shape[:-2])} do not "
                           f"broadcast") from None
    order = _row_order(pivots._data, n)  # (P^T M)[i] = M[order[i]]
    lower, upper = _unpack(LU)
    if adjoint:  # A^T = U^T L^T P^T:  X = P L^-T U^-T B, and (P Y)[order[i]] = Y[i]
        y = solve_triangular(lower.mT, solve_triangular(upper.mT, B, upper=False), upper=True, unitriangular=True)
        return _rows_taken(y, np.argsort(order, axis=-1), batch)
    permuted = _rows_taken(B, order, batch)
    return solve_triangular(upper, solve_triangular(lower, permuted, upper=False, unitriangular=True), upper=True)


def _rows_taken(M, order, batch):
    """``M[..., order[i], :]`` for each row i, batch dims of ``M`` and ``order`` broadcast to ``batch``."""
    batch = np.broadcast_shapes(batch, tuple(M.shape[:-2]))
    gather = np.broadcast_to(order, batch + order.shape[-1:])[..., :, None]
    rows = Tensor._make(np.broadcast_to(gather, batch + tuple(M.shape[-2:])).astype(np.int64))
    return take_rows(M.expand(batch + tuple(M.shape[-2:])), -2, rows)
