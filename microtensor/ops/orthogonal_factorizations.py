"""Factorisations with orthogonal factors: ``qr``, ``eigh`` (``eigvalsh``), ``svd``, ``svdvals`` and
``pinv``, batched over leading dims as in PyTorch's ``torch.linalg``; numpy.linalg computes the values.

Gradients (real matrices; ``^T`` swaps the last two dims, ``gX`` is the gradient of output ``X``,
``skew(M) = M - M^T``, ``o`` the elementwise product):

* ``A = Q R`` (reduced, m >= n):
  ``gA = Q (gR + tril(Q^T gQ - gQ^T Q + R gR^T - gR R^T) R^-T) + (gQ - Q Q^T gQ) R^-T``;
  for m < n, ``A = [X | Y]`` with ``X = Q U`` square: ``gY = Q gV`` and ``gX`` is the rule above
  with ``gQ + Y gV^T`` (``gV`` the gradient of R's last n - m columns) (the rules of TensorFlow's QrGrad).
* ``A = V diag(w) V^T`` (eigh): ``gA = V (diag(gw) + skew(V^T gV) / 2 / E) V^T`` with
  ``E_ij = w_j - w_i``: defined for distinct eigenvalues only (repeated ones give inf or nan, as in PyTorch).
* ``A = U diag(s) V^T`` (svd, k = min(m, n)): ``gA = U [(skew(U^T gU) s_j + s_i skew(V^T gV)) / E + diag(gs)] V^T``
  ``+ (I - U U^T) gU diag(1/s) V^T + U diag(1/s) gV^T (I - V V^T)`` with ``E_ij = s_j^2 - s_i^2``
  (distinct, non-zero singular values); with ``full_matrices=True`` only the first k columns of U
  and rows of Vh carry gradient, as in PyTorch. ``svdvals``: ``gA = U diag(gs) V^T``.
* ``P = pinv(A)`` (constant rank): ``gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)``.

Each rule is written with ``@``, ``.mT`` and numpy functions that Tensors accept, so it
differentiates again under ``create_graph=True``.
"""
from __future__ import annotations

from typing import NamedTuple, Optional

import numpy as np

from ..autograd.function import Function
from ._util import tensor_argument as _tensor
from .decompositions import floating_input, square_matrices
from .._registry import TORCH_DTYPE_NAMES, op
from .._tensor import Tensor
from .._float_errors import quiet_float_errors


class qr_result(NamedTuple):
    """``qr``'s named pair, shown as PyTorch shows it: ``linalg_qr(Q=..., R=...)``."""

    Q: Tensor
    R: Tensor


class eigh_result(NamedTuple):
    """``eigh``'s named pair, shown as PyTorch shows it: ``linalg_eigh(eigenvalues=..., eigenvectors=...)``."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class svd_result(NamedTuple):
    """``svd``'s named triple, shown as PyTorch shows it: ``linalg_svd(U=..., S=..., Vh=...)``."""

    U: Tensor
    S: Tensor
    Vh: Tensor


for _result, _name in ((qr_result, "linalg_qr"), (eigh_result, "linalg_eigh"), (svd_result, "linalg_svd")):
    _result.__name__ = _result.__qualname__ = _name


def matrices(A, op_name):
    """``A`` as a Tensor of floating (..., m, n) matrices, or PyTorch's error naming ``op_name``."""
    A = _tensor(A, op_name)
    if A.ndim < 2:
        raise RuntimeError(f"{op_name}: The input tensor A must have at least 2 dimensions.")
    floating_input(A, op_name)
    return A


def _column(values):
    """``values`` (..., k) as (..., 1, k): one factor per column."""
    return np.expand_dims(values, -2)


def _off_diagonal_differences(values):
    """``E_ij = values_j - values_i``, with 1 on the diagonal (so that dividing by it leaves the diagonal)."""
    n = values.shape[-1]
    return np.where(np.eye(n, dtype=bool), 1.0, _column(values) - np.expand_dims(values, -1))


# ----------------------------------------------------------------------- QR
class Qr(Function):
    """``A = Q R``, Q with orthonormal columns, R upper triangular; see the module docstring for gA."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, *, mode):
        q, r = np.linalg.qr(a, mode=mode)
        ctx.mode = mode
        ctx.save_for_backward(a, q, r)
        return q, r

    @staticmethod
    def backward(ctx, grad_q, grad_r):
        a, q, r = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        if m >= n:
            return _qr_backward_tall(q, r, grad_q, grad_r)
        y, grad_v = a[..., m:], grad_r[..., m:]
        grad_x = _qr_backward_tall(q, r[..., :m], grad_q + y @ grad_v.mT, grad_r[..., :m])
        return np.concatenate([grad_x, q @ grad_v], -1)


def _qr_backward_tall(q, r, grad_q, grad_r):
    """gA for A = Q R with m >= n (R square and invertible)."""
    q_grad_q = q.mT @ grad_q
    r_grad_r = r @ grad_r.mT
    lower = np.tril(q_grad_q - q_grad_q.mT + r_grad_r - r_grad_r.mT)
    r_inverse_t = np.linalg.inv(r).mT
    return q @ (grad_r + lower @ r_inverse_t) + (grad_q - q @ q_grad_q) @ r_inverse_t


def qr(A: Tensor, mode: str = "reduced") -> qr_result:
    """``torch.linalg.qr``: ``A = Q R`` for each (..., m, n) matrix, as the named pair ``(Q, R)``.

    ``mode='reduced'`` (Q is m x k, R is k x n, k = min(m, n)), ``'complete'`` (Q is m x m) or
    ``'r'`` (R only; Q is empty and nothing is differentiable). Gradient: see the module docstring.
    """
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    A = matrices(A, "linalg.qr")
    if mode == "r":
        r = np.linalg.qr(A._data, mode="r")
        return qr_result(Tensor._make(np.zeros((0,), dtype=A.dtype)), Tensor._make(np.asarray(r)))
    return qr_result(*Qr.apply(A, mode=mode))


# --------------------------------------------------------------------- eigh
class Eigh(Function):
    """``A = V diag(w) V^T`` for symmetric A;  gA = V (diag(gw) + skew(V^T gV) / 2 / E) V^T, E_ij = w_j - w_i."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, *, uplo):
        w, v = np.linalg.eigh(a, UPLO=uplo)
        ctx.save_for_backward(w, v)
        return w, v

    @staticmethod
    def backward(ctx, grad_w, grad_v):
        w, v = ctx.saved_tensors
        v_grad_v = v.mT @ grad_v
        inner = (v_grad_v - v_grad_v.mT) * 0.5 / _off_diagonal_differences(w)
        inner = np.where(np.eye(w.shape[-1], dtype=bool), _column(grad_w), inner)
        return v @ inner @ v.mT


def eigh(A: Tensor, UPLO: str = "L") -> eigh_result:
    """``torch.linalg.eigh``: eigenvalues (ascending) and orthonormal eigenvectors (columns) of each
    symmetric matrix of ``A`` (..., n, n), as the named pair ``(eigenvalues, eigenvectors)``.

    Only the lower (``UPLO='L'``) or upper (``'U'``) triangle is read. The gradient is defined for
    distinct eigenvalues (see the module docstring); a loss should not depend on the eigenvectors'
    signs, which are arbitrary.
    """
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return eigh_result(*Eigh.apply(square_matrices(A, "linalg.eigh"), uplo=UPLO))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """``torch.linalg.eigvalsh``: the eigenvalues of each symmetric matrix, ascending.
    Gradient: gA = V diag(gw) V^T."""
    return eigh(A, UPLO).eigenvalues


# ---------------------------------------------------------------------- SVD
class Svd(Function):
    """``A = U diag(s) Vh``;  gA in the module docstring (distinct, non-zero singular values)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, *, full_matrices):
        u, s, vh = np.linalg.svd(a, full_matrices=full_matrices)
        ctx.save_for_backward(u, s, vh)
        return u, s, vh

    @staticmethod
    def backward(ctx, grad_u, grad_s, grad_vh):
        u, s, vh = ctx.saved_tensors
        m, n, k = u.shape[-2], vh.shape[-1], s.shape[-1]
        u, vh, grad_u, grad_vh = u[..., :k], vh[..., :k, :], grad_u[..., :k], grad_vh[..., :k, :]
        v, grad_v = vh.mT, grad_vh.mT
        u_grad_u, v_grad_v = u.mT @ grad_u, v.mT @ grad_v
        skew_u, skew_v = u_grad_u - u_grad_u.mT, v_grad_v - v_grad_v.mT
        inner = (skew_u * _column(s) + np.expand_dims(s, -1) * skew_v) / _off_diagonal_differences(s * s)
        inner = np.where(np.eye(k, dtype=bool), _column(grad_s), inner)
        grad_a = u @ inner @ vh
        if m > k:
            scaled = grad_u / _column(s)
            grad_a = grad_a + (scaled - u @ (u.mT @ scaled)) @ vh
        if n > k:
            scaled = grad_v / _column(s)
            grad_a = grad_a + u @ (scaled - v @ (v.mT @ scaled)).mT
        return grad_a


def svd(A: Tensor, full_matrices: bool = True) -> svd_result:
    """``torch.linalg.svd``: ``A = U diag(S) Vh`` for each (..., m, n) matrix, as the named triple
    ``(U, S, Vh)``, S descending. ``full_matrices=False`` gives U m x k and Vh k x n (k = min(m, n)).

    The gradient is defined for distinct, non-zero singular values, and for a loss that does not
    depend on the singular vectors' signs (see the module docstring).
    """
    return svd_result(*Svd.apply(matrices(A, "linalg.svd"), full_matrices=bool(full_matrices)))


class Svdvals(Function):
    """``s`` = the singular values of A;  gA = U diag(gs) V^T."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        ctx.save_for_backward(u, vh)
        return s

    @staticmethod
    def backward(ctx, grad):
        u, vh = ctx.saved_tensors
        return (u * _column(grad)) @ vh


def svdvals(A: Tensor) -> Tensor:
    """``torch.linalg.svdvals``: the singular values of each (..., m, n) matrix, descending.
    Gradient: gA = U diag(gs) V^T (defined where the singular values are distinct)."""
    return Svdvals.apply(matrices(A, "linalg.svdvals"))


# --------------------------------------------------------------------- pinv
class Pinv(Function):
    """``P = A^+`` (singular values at or below the cutoff count as 0);
    gA = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A) (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, atol, rtol):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        largest = s[..., :1] if s.shape[-1] else np.zeros(s.shape[:-1] + (1,), dtype=s.dtype)
        cutoff = np.maximum(atol, rtol * largest)
        with quiet_float_errors():
            inverse = np.where(s > cutoff, 1 / s, 0).astype(a.dtype)
        p = (vh.mT * _column(inverse)) @ u.mT
        ctx.save_for_backward(a, p)
        return p

    @staticmethod
    def backward(ctx, grad):
        a, p = ctx.saved_tensors
        m, n = a.shape[-2], a.shape[-1]
        left = np.eye(m, dtype=a.dtype) - a @ p
        right = np.eye(n, dtype=a.dtype) - p @ a
        return -(p.mT @ grad @ p.mT) + left @ grad.mT @ (p @ p.mT) + (p.mT @ p) @ grad.mT @ right, None, None


def pinv(A: Tensor, *, atol: Optional[float] = None, rtol: Optional[float] = None, hermitian: bool = False) -> Tensor:
    """``torch.linalg.pinv``: the Moore-Penrose pseudo-inverse of each (..., m, n) matrix, from its SVD.

    Singular values ``<= max(atol, rtol * largest)`` count as zero; by default ``atol = 0`` and
    ``rtol = eps * max(m, n)`` (``rtol = 0`` when only ``atol`` is given), as in PyTorch.
    ``hermitian`` is accepted and changes nothing (the SVD serves symmetric matrices too).
    Gradient: see the module docstring (valid where the rank does not change).
    """
    A = _tensor(A, "linalg.pinv")
    if A.ndim < 2 or A.dtype.kind != "f" or A.dtype == np.float16:
        dtype_name = TORCH_DTYPE_NAMES.get(A.dtype.name, A.dtype.name)
        raise RuntimeError(
            f"linalg.pinv({dtype_name}{{{list(A.shape)}}}): expected a tensor with 2 or more dimensions of float, "
            f"double, cfloat or cdouble types"
        )
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else float(np.finfo(A.dtype).eps) * max(A.shape[-2:])
    return Pinv.apply(A, 0.0 if atol is None else float(atol), float(rtol))


@op(method=True)
def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: ``linalg.pinv(input, rtol=rcond)`` (singular values at or below ``rcond``
    times the largest count as zero)."""
    return pinv(input, rtol=rcond)


# ------------------------------------------------------- rank and condition
def matrix_rank(
    A: Tensor, *, atol: Optional[float] = None, rtol: Optional[float] = None, hermitian: bool = False,
) -> Tensor:
    """``torch.linalg.matrix_rank``: the number of singular values above ``max(atol, rtol * largest)``
    for each (..., m, n) matrix (int64); the tolerances default as in ``pinv``. Not differentiable."""
    A = matrices(A, "linalg.matrix_rank")
    if rtol is None:
        rtol = 0.0 if atol is not None and atol > 0 else float(np.finfo(A.dtype).eps) * max(A.shape[-2:])
    values = np.linalg.svd(A._data, compute_uv=False)
    largest = values[..., :1] if values.shape[-1] else np.zeros(values.shape[:-1] + (1,), dtype=values.dtype)
    cutoff = np.maximum(0.0 if atol is None else atol, rtol * largest)
    return Tensor._make(np.asarray(np.sum(values > cutoff, axis=-1), dtype=np.int64))
