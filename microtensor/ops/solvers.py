"""Products and systems of matrices: ``solve``, ``solve_triangular``, ``lstsq``, ``matrix_power`` and ``multi_dot``.

``solve(A, B)`` is ``X = A^-1 B`` without forming the inverse (numpy.linalg.solve). ``B`` is a
batch of vectors when it is 1-D or has exactly ``A``'s shape without its last dim (PyTorch's
rule), else a batch of matrices (..., n, k); the batch dims of ``A`` and ``B`` broadcast.
Gradients, with ``G`` the gradient of ``X``:

    dB = A^-T G  (itself a solve),     dA = -dB X^T

(from A dX + dA X = dB). ``solve_triangular`` has the same rule with dA kept to A's triangle
(the only part it reads; without the diagonal when ``unitriangular``). ``lstsq`` is ``pinv(A) @ B``,
``matrix_power`` and ``multi_dot`` are chains of ``matmul`` (and ``inv`` for a negative power), so
their gradients are those ops'.
"""
from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import numpy as np

from ..autograd.function import Function
from ._util import tensor_argument as _tensor
from .decompositions import LinAlgError, floating_input, inv, square_matrices
from .linalg import matmul
from .orthogonal_factorizations import matrices, pinv, svdvals
from .._registry import TORCH_DTYPE_NAMES, numpy_dispatch, op
from .._tensor import Tensor
from .._float_errors import quiet_float_errors


class Solve(Function):
    """``X = A^-1 B`` for B of shape (..., n, k);  dB = A^-T G, dA = -dB X^T (X is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        try:
            x = np.linalg.solve(a, b)
        except np.linalg.LinAlgError:
            raise LinAlgError("torch.linalg.solve: The solver failed because the input matrix is singular.") from None
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        grad_b = np.linalg.solve(a.mT, grad)
        grad_a = -(grad_b @ x.mT) if ctx.needs_input_grad[0] else None
        return grad_a, grad_b


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """``torch.linalg.solve``: the ``X`` with ``A X = B`` for square ``A`` (..., n, n).

    ``B`` is a vector (``(n,)``, or ``A``'s shape without the last dim: one vector per matrix)
    or matrices (..., n, k); batch dims broadcast. A singular ``A`` raises ``mt.linalg.LinAlgError``.
    ``left=False`` solves ``X A = B`` instead, for matrices ``B`` (..., k, n): it is ``A^T X^T = B^T``.
    Gradients: dB = A^-T G, dA = -dB X^T.
    """
    name = "linalg.solve"
    if not left:
        A = square_matrices(A, name)
        B = _tensor(B, name)
        if B.ndim < 2 or B.shape[-1] != A.shape[-1]:
            rows, columns = (B.shape[-1], 1) if B.ndim == 1 else (B.shape[-2], B.shape[-1])
            raise RuntimeError(
                f"{name}: Incompatible shapes of A and B for the equation XA = B ({A.shape[-2]}x{A.shape[-1]} and "
                f"{rows}x{columns}); with left=False B must be matrices (..., k, {A.shape[-1]}), got {tuple(B.shape)}"
            )
        return solve(A.mT, B.mT).mT
    A = square_matrices(A, name)
    B = _tensor(B, name)
    _same_dtype(A, B, name)
    vector = B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])
    columns = B.reshape(B.shape + (1,)) if vector else B
    if columns.ndim < 2 or columns.shape[-2] != A.shape[-1] or not _batches_broadcast(A, columns):
        k = 1 if vector else B.shape[-1]
        rows = B.shape[-1] if vector else (B.shape[-2] if B.ndim > 1 else 1)
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation AX = B ({A.shape[-2]}x{A.shape[-1]} and "
            f"{rows}x{k}); B must be (..., {A.shape[-1]}) or (..., {A.shape[-1]}, k), got {tuple(B.shape)}"
        )
    x = Solve.apply(A, columns)
    return x.reshape(x.shape[:-1]) if vector else x


def _batches_broadcast(A, B):
    try:
        np.broadcast_shapes(A.shape[:-2], B.shape[:-2])
    except ValueError:
        return False
    return True


@numpy_dispatch(np.linalg.solve)
def _numpy_solve(a, b):
    """``np.linalg.solve`` on Tensors (numpy's rule: only a 1-D ``b`` is a vector), as backward rules use it."""
    if b.ndim == 1:
        return solve(a, b)
    return Solve.apply(square_matrices(a, "linalg.solve"), b)


# --------------------------------------------------------- triangular systems
class SolveTriangular(Function):
    """``X = A^-1 B`` for triangular A (only its triangle is read);  dB = A^-T G, dA = triangle(-dB X^T)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b, upper, unitriangular):
        ctx.upper, ctx.unitriangular = upper, unitriangular
        x = _substitute(a, b, upper, unitriangular)
        ctx.save_for_backward(a, x)
        return x

    @staticmethod
    def backward(ctx, grad):
        a, x = ctx.saved_tensors
        upper, unit = ctx.upper, ctx.unitriangular
        if isinstance(a, np.ndarray):
            grad_b = _substitute(a.mT, grad, not upper, unit)
        else:
            grad_b = solve_triangular(a.mT, grad, upper=not upper, unitriangular=unit)
        if not ctx.needs_input_grad[0]:
            return None, grad_b, None, None
        n = a.shape[-1]
        triangle = np.tri(n, n, -1 if unit else 0, dtype=bool)
        return np.where(triangle.T if upper else triangle, -(grad_b @ x.mT), 0), grad_b, None, None


def _substitute(a, b, upper, unitriangular):
    """Forward (lower) or back (upper) substitution, one row of X at a time for every column and
    batch element; a zero on the diagonal gives inf or nan, as LAPACK's trsm does."""
    n = a.shape[-1]
    a = np.triu(a) if upper else np.tril(a)
    shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:]
    x = np.zeros(shape, dtype=np.result_type(a, b))
    with quiet_float_errors():
        for i in range(n - 1, -1, -1) if upper else range(n):
            known = (a[..., i:i + 1, :] @ x)[..., 0, :]  # the other rows' share (x_i is still 0)
            x[..., i, :] = b[..., i, :] - known if unitriangular else (b[..., i, :] - known) / a[..., i, i:i + 1]
    return x


def solve_triangular(
    A: Tensor, B: Tensor, *, upper: bool, left: bool = True, unitriangular: bool = False,
) -> Tensor:
    """``torch.linalg.solve_triangular``: ``X`` with ``A X = B`` (``X A = B`` when ``left=False``) for
    triangular ``A`` (..., n, n): only its upper (``upper=True``) or lower triangle is read, and its
    diagonal is taken as ones when ``unitriangular``. ``B`` is (..., n, k); batch dims broadcast.
    A zero on the diagonal gives inf/nan (no error), as in PyTorch.
    Gradients: dB = A^-T G, dA = the triangle of -dB X^T.
    """
    name = "linalg.solve_triangular"
    if not left:
        return solve_triangular(A.mT, B.mT, upper=not upper, unitriangular=unitriangular).mT
    A = square_matrices(A, name)
    B = _tensor(B, name)
    if B.ndim < 2:
        raise RuntimeError(f"{name}: The input tensor B must have at least 2 dimensions.")
    _same_dtype(A, B, name)
    if B.shape[-2] != A.shape[-1] or not _batches_broadcast(A, B):
        raise RuntimeError(
            f"{name}: Incompatible shapes of A and B for the equation AX = B ({A.shape[-2]}x{A.shape[-1]} and "
            f"{B.shape[-2]}x{B.shape[-1]}); B must be (..., {A.shape[-1]}, k), got {tuple(B.shape)}"
        )
    return SolveTriangular.apply(A, B, bool(upper), bool(unitriangular))


def _same_dtype(A, B, name):
    floating_input(B, name)
    if A.dtype != B.dtype:
        raise RuntimeError(
            f"{name}: Expected A and B to have the same dtype, but found A of type {TORCH_DTYPE_NAMES[A.dtype.name]} "
            f"and B of type {TORCH_DTYPE_NAMES[B.dtype.name]} instead"
        )


@op(method=True)
def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky_solve(B, L)``: ``X`` with ``A X = B`` given the Cholesky factor ``L`` of ``A``
    (``L L^T = A``; ``U^T U = A`` with ``upper=True``): two triangular solves, so the gradients are
    ``solve_triangular``'s (for ``B`` and for the factor)."""
    B, factor = _tensor(input, "cholesky_solve"), _tensor(input2, "cholesky_solve")
    if B.ndim < 2:
        raise RuntimeError(f"cholesky_solve: b should have at least 2 dimensions, but has {B.ndim} dimensions instead")
    lower = factor.mT if upper else factor
    return solve_triangular(lower.mT, solve_triangular(lower, B, upper=False), upper=True)


# ------------------------------------------------------------ least squares
class lstsq_result(NamedTuple):
    """``lstsq``'s named result, as PyTorch's: ``linalg_lstsq(solution, residuals, rank, singular_values)``."""

    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


lstsq_result.__name__ = lstsq_result.__qualname__ = "linalg_lstsq"


_LSTSQ_DRIVERS = ("gels", "gelsy", "gelsd", "gelss")


def lstsq(A: Tensor, B: Tensor, rcond: Optional[float] = None, *, driver: Optional[str] = None) -> lstsq_result:
    """``torch.linalg.lstsq``: the ``X`` minimising ``||A X - B||`` for each (..., m, n) ``A`` and
    (..., m, k) (or (..., m)) ``B``: ``pinv(A) @ B``, the minimum-norm solution, with singular values
    below ``rcond`` times the largest (default ``eps * max(m, n)``) taken as zero.

    The other fields are those PyTorch's LAPACK ``driver`` (default ``'gelsy'``) fills, else empty:
    ``rank`` (int64, all but ``'gels'``), ``singular_values`` (``'gelsd'``, ``'gelss'``) and
    ``residuals``, the squared residual norm of each column (all but ``'gelsy'``, when m > n and
    every matrix has full rank; ``'gels'`` assumes it).
    Gradients: those of ``pinv`` and ``matmul`` (for A of constant rank).
    """
    name = "torch.linalg.lstsq"
    A = matrices(A, "linalg.lstsq")
    B = _tensor(B, name)
    if driver is None:
        driver = "gelsy"
    if driver not in _LSTSQ_DRIVERS:
        raise RuntimeError(f"{name}: parameter `driver` should be one of (gels, gelsy, gelsd, gelss), got {driver!r}")
    if A.dtype != B.dtype:
        raise RuntimeError(
            f"{name}: Expected input and other to have the same dtype, but got input's dtype "
            f"{TORCH_DTYPE_NAMES[A.dtype.name]} and other's dtype {TORCH_DTYPE_NAMES[B.dtype.name]}"
        )
    vector = B.ndim == A.ndim - 1
    columns = B.reshape(B.shape + (1,)) if vector else B
    if columns.ndim < 2 or columns.shape[-2] != A.shape[-2]:
        raise RuntimeError(f"{name}: input.size(-2) should match other.size(-2) (A {tuple(A.shape)}, B {tuple(B.shape)})")
    m, n = A.shape[-2:]
    rtol = float(np.finfo(A.dtype).eps) * max(m, n) if rcond is None or rcond < 0 else float(rcond)
    solution = matmul(pinv(A, rtol=rtol), columns)
    values = svdvals(A.detach())
    largest = values._data[..., :1] if n and m else np.zeros(values.shape[:-1] + (1,), dtype=values.dtype)
    ranks = np.sum(values._data > rtol * largest, axis=-1).astype(np.int64)
    empty = np.zeros((0,), dtype=A.dtype)
    rank = Tensor._make(np.zeros((0,), dtype=np.int64) if driver == "gels" else np.asarray(ranks))
    singular_values = values if driver in ("gelsd", "gelss") else Tensor._make(empty.copy())
    residuals = Tensor._make(empty)
    if driver != "gelsy" and m > n and (driver == "gels" or np.all(ranks == n)):
        residuals = ((matmul(A, solution) - columns) ** 2).sum(-2)
    if vector:
        solution = solution.reshape(solution.shape[:-1])
    return lstsq_result(solution, residuals, rank, singular_values)


# ------------------------------------------------------------ matrix powers
@op(method=True)
def matrix_power(input: Tensor, n: int) -> Tensor:
    """``A^n`` for each square matrix of ``input`` (``mt.linalg.matrix_power``): ``n`` matrix
    products by repeated squaring; ``n = 0`` gives the identity, negative ``n`` the power of the
    inverse. Integer matrices are fine for ``n >= 0``. Gradients: those of ``matmul`` and ``inv``."""
    name = "linalg.matrix_power"
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linalg_matrix_power(): argument 'n' (position 2) must be int, not {type(n).__name__}")
    A = square_matrices(input, name, floating=False)  # integer matrices are fine for n >= 0
    if n == 0:
        identity = Tensor._make(np.broadcast_to(np.eye(A.shape[-1], dtype=A.dtype), A.shape).copy())
        if not A.requires_grad:
            return identity
        # as in PyTorch, still in A's graph (with a zero gradient): where() everywhere picking the identity
        return np.where(Tensor._make(np.ones(A.shape, dtype=bool)), identity, A)
    if n < 0:
        A, n = inv(A), -int(n)
    result, square = None, A
    while True:
        if n & 1:
            result = square if result is None else matmul(result, square)
        n >>= 1
        if not n:
            return result
        square = matmul(square, square)


# ---------------------------------------------------------------- multi_dot
def multi_dot(tensors: Sequence[Tensor]) -> Tensor:
    """``torch.linalg.multi_dot``: the product ``T0 @ T1 @ ... @ Tk`` of two or more matrices.

    The first may be a 1-D row vector and the last a 1-D column vector (their dim is removed from
    the result, as in ``matmul``); the others must be 2-D, all of one dtype. The products are taken
    left to right. Gradients: those of ``matmul``.
    """
    name = "multi_dot()"
    tensors = [_tensor(t, "linalg.multi_dot") for t in tensors]
    if len(tensors) < 2:
        raise RuntimeError(f"{name}: expected at least 2 tensors but got {len(tensors)}")
    for index, t in enumerate(tensors):
        where = "first" if index == 0 else "last" if index == len(tensors) - 1 else None
        if where and t.ndim not in (1, 2):
            raise RuntimeError(f"{name}: the {where} tensor must be 1D or 2D but got {t.ndim}D")
        if not where and t.ndim != 2:
            raise RuntimeError(f"{name}: tensor {index} must be 2D but got {t.ndim}D")
        if t.dtype != tensors[0].dtype:
            raise RuntimeError(
                f"{name}: all tensors must have be the same dtype but tensor 0 is {tensors[0].dtype} and tensor "
                f"{index} {t.dtype}"
            )
    first, last = tensors[0], tensors[-1]
    matrices = ([first.reshape(1, -1)] if first.ndim == 1 else [first]) + tensors[1:-1]
    matrices.append(last.reshape(-1, 1) if last.ndim == 1 else last)
    product = matrices[0]
    for index, matrix in enumerate(matrices[1:], start=1):
        if product.shape[-1] != matrix.shape[0]:
            raise RuntimeError(
                f"{name}: tensors {index - 1} and {index} with shapes {list(tensors[index - 1].shape)} and "
                f"{list(tensors[index].shape)} cannot be multiplied"
            )
        product = matmul(product, matrix)
    if first.ndim == 1 and last.ndim == 1:
        return product.reshape(())
    if first.ndim == 1:
        return product.reshape(product.shape[1:])
    return product.reshape(product.shape[:-1]) if last.ndim == 1 else product
