"""Square-matrix functions built on a factorisation: ``inv`` (``inverse``), ``det``, ``slogdet``,
``logdet`` and ``cholesky``, each batched over leading dims as in PyTorch (``A`` is ``(..., n, n)``).

numpy.linalg computes the values. The gradients, with ``G`` the gradient of the output and
``^T`` swapping the last two dims:

* ``Y = A^-1``:          dA = -Y^T G Y^T   (from d(A^-1) = -A^-1 dA A^-1);
* ``d = det A``:         dA = g d A^-T     (Jacobi's formula d det = det tr(A^-1 dA)); for a singular
  ``A`` the same derivative written without the inverse, the cofactor matrix (see ``_cofactors``);
* ``l = log|det A|``:    dA = g A^-T;
* ``A = L L^T``:         dA = L^-T Phi L^-1, with Phi the symmetric matrix whose lower triangle is
  that of ``L^T G`` with its diagonal halved (Murray 2016, "Differentiation of the Cholesky
  decomposition"); PyTorch's rule, which spreads the gradient evenly over A's two triangles.

Every backward is written with ``@``, ``.mT`` and numpy functions that Tensors accept
(``np.linalg.inv`` runs ``mt.linalg.inv`` on a Tensor), so it differentiates again under
``create_graph=True``.

Errors are PyTorch's: a singular matrix raises ``LinAlgError`` (a ``RuntimeError``) naming the
zero pivot of its LU factorisation and the batch element; non-square input, fewer than two
dims and integer dtypes raise ``RuntimeError``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..autograd.function import Function
from ._util import tensor_argument as _tensor
from .._registry import TORCH_DTYPE_NAMES, op
from .._tensor import Tensor
from .._float_errors import quiet_float_errors


class LinAlgError(RuntimeError):
    """PyTorch's ``torch.linalg.LinAlgError``: a matrix the factorisation cannot handle (singular,
    not positive-definite). A ``RuntimeError``, so ``except RuntimeError`` catches it too."""


LinAlgError.__module__ = "microtensor.linalg"


class slogdet_result(NamedTuple):
    """``slogdet``'s named pair, shown as PyTorch shows it: ``linalg_slogdet(sign=..., logabsdet=...)``."""

    sign: Tensor
    logabsdet: Tensor


class torch_slogdet_result(NamedTuple):
    """``mt.slogdet``'s named pair: PyTorch's ``torch.slogdet`` calls it ``slogdet`` (``torch.linalg.slogdet``'s
    is ``linalg_slogdet``)."""

    sign: Tensor
    logabsdet: Tensor


slogdet_result.__name__ = slogdet_result.__qualname__ = "linalg_slogdet"
torch_slogdet_result.__name__ = torch_slogdet_result.__qualname__ = "slogdet"


# ------------------------------------------------------------------ checks
def square_matrices(A, op_name, argument="A", floating=True):
    """``A`` as a Tensor of (..., n, n) matrices (of a floating dtype unless ``floating=False``), or
    PyTorch's error naming ``op_name``."""
    A = _tensor(A, op_name)
    if A.ndim < 2:
        raise RuntimeError(f"{op_name}: The input tensor {argument} must have at least 2 dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(
            f"{op_name}: {argument} must be batches of square matrices, but they are {A.shape[-2]} by "
            f"{A.shape[-1]} matrices"
        )
    if floating:
        floating_input(A, op_name)
    return A


def floating_input(A, op_name):
    """PyTorch's refusal of integer and bool matrices (and LAPACK's of float16)."""
    if A.dtype.kind != "f":
        raise RuntimeError(
            f"{op_name}: Expected a floating point or complex tensor as input. Got {TORCH_DTYPE_NAMES[A.dtype.name]}"
            f"; convert it first, e.g. A.double()"
        )
    if A.dtype == np.float16:
        raise NotImplementedError(f'"{op_name}" not implemented for \'Half\'; convert it first, e.g. A.float()')


def _batch_prefix(batch_shape, index):
    """PyTorch's ``(Batch element k): `` for element ``index`` of a batch (nothing for one matrix)."""
    return f"(Batch element {int(np.ravel_multi_index(index, batch_shape))}): " if batch_shape else ""


def first_zero_pivot(matrix):
    """The 1-based position of the first zero on U's diagonal in the LU factorisation with partial
    pivoting (LAPACK's getrf, which PyTorch reports), or None."""
    u = np.array(matrix, dtype=np.float64)
    n = u.shape[0]
    for k in range(n):
        pivot_row = k + int(np.argmax(np.abs(u[k:, k])))
        u[[k, pivot_row]] = u[[pivot_row, k]]
        if u[k, k] == 0:
            return k + 1
        u[k + 1:] -= np.outer(u[k + 1:, k] / u[k, k], u[k])
    return None


def singular_error(a, op_name):
    """PyTorch's LinAlgError for the first singular matrix of the batch ``a``."""
    batch_shape = a.shape[:-2]
    for index in np.ndindex(batch_shape):
        pivot = first_zero_pivot(a[index])
        if pivot is not None:
            return LinAlgError(
                f"{op_name}: {_batch_prefix(batch_shape, index)}The diagonal element {pivot} is zero, the inversion "
                f"could not be completed because the input matrix is singular."
            )
    return LinAlgError(f"{op_name}: The inversion could not be completed because the input matrix is singular.")


# ------------------------------------------------------------------ inverse
class Inv(Function):
    """``Y = A^-1``;  dA = -Y^T G Y^T (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, *, op_name="linalg.inv"):
        try:
            y = np.linalg.inv(a)
        except np.linalg.LinAlgError:
            raise singular_error(a, op_name) from None
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return -(y.mT @ grad @ y.mT)


@op(method=True, name="inverse", numpy=np.linalg.inv)
def inv(A: Tensor) -> Tensor:
    """The inverse of each square matrix of ``A`` (..., n, n) (``mt.linalg.inv``, ``mt.inverse``).

    A singular matrix raises ``mt.linalg.LinAlgError``. Gradient: dA = -(A^-1)^T G (A^-1)^T.
    """
    return Inv.apply(square_matrices(A, "linalg.inv"))


# -------------------------------------------------------------- determinant
class Det(Function):
    """``d = det A``;  dA = g d A^-T (Jacobi), the cofactor matrix times g when A is singular."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a):
        d = np.linalg.det(a)
        ctx.save_for_backward(a, d)
        return d

    @staticmethod
    def backward(ctx, grad):
        a, d = ctx.saved_tensors
        scale = np.expand_dims(np.expand_dims(grad, -1), -1)
        if isinstance(a, np.ndarray) and np.any(d == 0):
            return scale * _cofactors(a)
        return scale * np.expand_dims(np.expand_dims(d, -1), -1) * np.linalg.inv(a).mT


def _cofactors(a):
    """The cofactor matrix of each matrix, ``det(A) A^-T`` written so that it needs no inverse:
    with ``A = U diag(s) V^T``, it is ``det(U) det(V) U diag(prod_{j != i} s_j) V^T``."""
    u, s, vh = np.linalg.svd(a)
    n = s.shape[-1]
    others = np.where(np.eye(n, dtype=bool), 1.0, np.expand_dims(s, -2))  # row i: s with s_i replaced by 1
    products = np.prod(others, axis=-1)
    signs = np.linalg.det(u) * np.linalg.det(vh)
    return np.expand_dims(np.expand_dims(signs, -1), -1) * (u * np.expand_dims(products, -2)) @ vh


@op(method=True, numpy=np.linalg.det)
def det(A: Tensor) -> Tensor:
    """The determinant of each square matrix of ``A`` (..., n, n), shape (...) (``mt.linalg.det``).

    Gradient (Jacobi's formula): dA = g det(A) A^-T, the cofactor matrix times g; it is right
    for singular matrices too.
    """
    return Det.apply(square_matrices(A, "linalg.det"))


class LogAbsDet(Function):
    """``l = log|det A|``;  dA = g A^-T, written ``g cof(A) / det A`` (±inf, as in PyTorch) for a singular A."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return np.linalg.slogdet(a)[1]

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        scale = np.expand_dims(np.expand_dims(grad, -1), -1)
        if isinstance(a, np.ndarray):
            sign = np.linalg.slogdet(a)[0]
            if np.any(sign == 0):  # A^-T = cof(A) / det(A): infinite where a cofactor is not 0
                with quiet_float_errors():
                    determinant = np.expand_dims(np.expand_dims(np.linalg.det(a), -1), -1)
                    return scale * (_cofactors(a) / determinant)
        return scale * np.linalg.inv(a).mT


@op(method=True)
def slogdet(A: Tensor) -> slogdet_result:
    """The sign and the log of the absolute value of each determinant of ``A`` (..., n, n), as the
    named pair ``(sign, logabsdet)`` (called ``slogdet``; ``mt.linalg.slogdet``'s is ``linalg_slogdet``).
    It stays finite where ``det`` would overflow or underflow; a singular matrix has sign 0 and
    logabsdet -inf.

    Gradient of logabsdet: dA = g A^-T (the sign gets none).
    """
    return torch_slogdet_result(*linalg_slogdet(A))


def linalg_slogdet(A: Tensor) -> slogdet_result:
    """``torch.linalg.slogdet``: ``mt.slogdet`` as the named pair ``linalg_slogdet(sign, logabsdet)``."""
    A = square_matrices(A, "linalg.slogdet")
    sign = Tensor._make(np.asarray(np.linalg.slogdet(A._data)[0]))
    logabsdet = LogAbsDet.apply(A)
    if logabsdet.requires_grad:  # as in PyTorch, the sign is in A's graph too, with a zero gradient
        sign = np.where(Tensor._make(np.ones(sign.shape, dtype=bool)), sign, logabsdet)
    return slogdet_result(sign, logabsdet)


@op(method=True)
def logdet(input: Tensor) -> Tensor:
    """``log(det A)`` of each square matrix: nan where the determinant is negative, -inf where it is 0.

    Gradient: dA = g A^-T.
    """
    A = square_matrices(input, "logdet")
    sign = np.linalg.slogdet(A._data)[0]
    logabsdet = LogAbsDet.apply(A)
    if np.all(sign > 0):
        return logabsdet
    return np.where(Tensor._make(np.asarray(sign < 0)), np.nan, logabsdet)


# ---------------------------------------------------------------- Cholesky
class Cholesky(Function):
    """``A = L L^T``, L lower triangular;  dA = L^-T Phi L^-1, Phi = tril(L^T G) with its diagonal
    halved, mirrored into the upper triangle (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, *, op_name="linalg.cholesky"):
        try:
            lower = np.linalg.cholesky(a)
        except np.linalg.LinAlgError:
            raise not_positive_definite_error(a, op_name) from None
        ctx.save_for_backward(lower)
        return lower

    @staticmethod
    def backward(ctx, grad):
        (lower,) = ctx.saved_tensors
        n = lower.shape[-1]
        below = np.tri(n, n, -1, dtype=bool)
        product = lower.mT @ grad
        strictly_lower = np.where(below, product, 0)
        diagonal = np.where(np.eye(n, dtype=bool), product, 0)
        phi = (strictly_lower + strictly_lower.mT + diagonal) * 0.5
        lower_inverse = np.linalg.inv(lower)
        return lower_inverse.mT @ phi @ lower_inverse


def _leading_minor_failure(matrix):
    """The order of the first leading minor that is not positive-definite, or None."""
    for order in range(1, matrix.shape[-1] + 1):
        try:
            np.linalg.cholesky(matrix[:order, :order])
        except np.linalg.LinAlgError:
            return order
    return None


def not_positive_definite_error(a, op_name="linalg.cholesky"):
    """PyTorch's LinAlgError naming the first leading minor that is not positive-definite."""
    batch_shape = a.shape[:-2]
    for index in np.ndindex(batch_shape):
        order = _leading_minor_failure(a[index])
        if order is not None:
            return LinAlgError(
                f"{op_name}: {_batch_prefix(batch_shape, index)}The factorization could not be completed "
                f"because the input is not positive-definite (the leading minor of order {order} is not "
                f"positive-definite)."
            )
    return LinAlgError(f"{op_name}: The factorization could not be completed because the input is not "
                       "positive-definite.")


def _cholesky(A, upper, op_name):
    lower = Cholesky.apply(square_matrices(A, op_name), op_name=op_name)
    return lower.mT if upper else lower


@op(method=True)
def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """``torch.cholesky``: the Cholesky factor of each symmetric positive-definite matrix, lower
    (``L L^T = A``) or, with ``upper=True``, upper (``U^T U = A``). Only A's lower triangle is read.
    ``mt.linalg.cholesky(A, upper=...)`` is the same."""
    return _cholesky(input, upper, "cholesky")


def linalg_cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """``torch.linalg.cholesky``: the Cholesky factor ``L`` (``L L^T = A``, lower triangular) of each
    symmetric positive-definite matrix of ``A`` (..., n, n); ``upper=True`` gives ``U = L^T``.

    Only the lower triangle of ``A`` is read. A matrix that is not positive-definite raises
    ``mt.linalg.LinAlgError`` naming its first failing leading minor.
    Gradient: dA = L^-T Phi L^-1 (see the module docstring), symmetric.
    """
    return _cholesky(A, upper, "linalg.cholesky")


# ------------------------------------------------- the _ex forms: no error, an info code
class cholesky_ex_result(NamedTuple):
    """``cholesky_ex``'s named pair, as PyTorch's: ``linalg_cholesky_ex(L=..., info=...)``."""

    L: Tensor
    info: Tensor


class inv_ex_result(NamedTuple):
    """``inv_ex``'s named pair, as PyTorch's: ``linalg_inv_ex(inverse=..., info=...)``."""

    inverse: Tensor
    info: Tensor


cholesky_ex_result.__name__ = cholesky_ex_result.__qualname__ = "linalg_cholesky_ex"
inv_ex_result.__name__ = inv_ex_result.__qualname__ = "linalg_inv_ex"


def _failure_codes(a, factorize, code_of):
    """int32 codes per matrix of the batch ``a``: 0 where ``code_of`` finds nothing wrong (all 0, with
    no look at each matrix, when numpy's ``factorize`` of the whole batch succeeds)."""
    codes = np.zeros(a.shape[:-2], dtype=np.int32)
    try:
        factorize(a)
        return codes
    except np.linalg.LinAlgError:
        pass
    for index in np.ndindex(a.shape[:-2]):
        codes[index] = code_of(a[index]) or 0
    return codes


def _with_failures_as_nan(function, A, codes, error):
    """``function`` on every matrix whose code is 0 (the failing ones replaced by the identity, then
    their results by NaN); with ``error`` set, a failing matrix raises instead."""
    if not codes.any():
        return function(A)
    if error:
        function(A)  # raises PyTorch's error for the first failing matrix
    failed = np.expand_dims(codes != 0, (-1, -2))
    identity = np.eye(A.shape[-1], dtype=A.dtype)
    safe = np.where(Tensor._make(failed), Tensor._make(np.broadcast_to(identity, A.shape).copy()), A)
    return np.where(Tensor._make(failed), np.nan, function(safe))


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False) -> cholesky_ex_result:
    """``torch.linalg.cholesky_ex``: ``cholesky`` that reports instead of raising: ``info`` (int32, per
    matrix) is 0, or the order of the first leading minor that is not positive-definite, where ``L``
    is NaN (PyTorch leaves it unspecified). ``check_errors=True`` raises as ``cholesky`` does."""
    A = square_matrices(A, "linalg.cholesky_ex")
    codes = _failure_codes(A._data, np.linalg.cholesky, _leading_minor_failure)
    lower = _with_failures_as_nan(lambda m: _cholesky(m, False, "linalg.cholesky_ex"), A, codes, check_errors)
    return cholesky_ex_result(lower.mT if upper else lower, Tensor._make(np.asarray(codes)))


def inv_ex(A: Tensor, *, check_errors: bool = False) -> inv_ex_result:
    """``torch.linalg.inv_ex``: ``inv`` that reports instead of raising: ``info`` (int32, per matrix) is
    0, or the position of the first zero pivot of a singular matrix, whose inverse is NaN here.
    ``check_errors=True`` raises as ``inv`` does."""
    A = square_matrices(A, "linalg.inv_ex")
    codes = _failure_codes(A._data, np.linalg.inv, first_zero_pivot)
    inverse = _with_failures_as_nan(lambda m: Inv.apply(m, op_name="linalg.inv_ex"), A, codes, check_errors)
    return inv_ex_result(inverse, Tensor._make(np.asarray(codes)))
