"""``weight_norm`` and ``spectral_norm`` as parametrizations, PyTorch's ``torch.nn.utils.parametrizations``.

* ``weight_norm(module, name='weight', dim=0)``: ``weight = g * v / ||v||``, the norm taken over
  every dim but ``dim`` (over all of ``v`` for ``dim=None``). The two tensors are
  ``parametrizations.weight.original0`` (``g``, shaped like ``v`` with size 1 in every other dim)
  and ``original1`` (``v``), starting at ``g = ||weight||``, ``v = weight``.
* ``spectral_norm(module, name='weight', n_power_iterations=1, eps=1e-12, dim=None)``:
  ``weight = W / sigma(W)``, with ``sigma`` the largest singular value of ``W`` reshaped to a matrix
  (``dim`` first; ``dim`` is 1 for transposed convolutions, else 0), estimated by power iteration
  on the buffers ``parametrizations.weight.0._u`` and ``_v``:
  ``u <- normalize(W v)``, ``v <- normalize(W^T u)`` ``n_power_iterations`` times on each read in
  training mode (15 times at registration), ``sigma = u . W v``. A 1-d weight is just normalized.
* ``orthogonal(module, name='weight', orthogonal_map=None, *, use_trivialization=True)``: the weight
  (a matrix or batch, wide ones transposed) is ``base @ Q(X)`` with ``Q`` the ``matrix_exp`` or
  ``cayley`` map of the skew-symmetric ``tril(X) - tril(X)^T``, or the ``householder`` product of the
  columns of ``X`` (the default for non-square weights); ``base`` (a buffer) is the orthogonalized
  weight given at registration or assignment, and ``original`` is then ``-I`` as in PyTorch.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..._tensor import Tensor
from ...creation import eye, randn, tensor, zeros
from ...linalg import matrix_exp, qr, solve
from ...ops import allclose, cat, sign, where
from ...autograd.grad_mode import no_grad
from ..functional import normalize
from ..module import Module
from ..modules.conv import ConvTranspose1d, ConvTranspose2d
from ..modules.conv3d import ConvTranspose3d
from . import parametrize

__all__ = ["orthogonal", "weight_norm", "spectral_norm"]


def norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every dim but ``dim``, kept as size-1 dims (the whole norm for ``dim=-1``)."""
    if dim == -1:
        return (v * v).sum().sqrt()
    if not -v.ndim <= dim < v.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for a weight with {v.ndim} dims")
    dim %= v.ndim
    return (v * v).sum(tuple(d for d in range(v.ndim) if d != dim), keepdim=True).sqrt()


def weight_norm_value(v: Tensor, g: Tensor, dim: int) -> Tensor:
    """``g * v / norm_except_dim(v, dim)``."""
    return v * (g / norm_except_dim(v, dim))


class _WeightNorm(Module):
    def __init__(self, dim: Optional[int] = 0) -> None:
        super().__init__()
        self.dim = -1 if dim is None else dim

    def forward(self, weight_g: Tensor, weight_v: Tensor) -> Tensor:
        return weight_norm_value(weight_v, weight_g, self.dim)

    def right_inverse(self, weight: Tensor):
        return norm_except_dim(weight, self.dim), weight


def weight_norm(module: Module, name: str = "weight", dim: Optional[int] = 0) -> Module:
    """Reparametrize ``module.<name>`` as ``g * v / ||v||`` (see the module docstring)."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module


def weight_to_matrix(weight: Tensor, dim: int) -> Tensor:
    """``weight`` with ``dim`` moved first and the rest flattened: ``(size of dim, everything else)``."""
    if dim != 0:
        weight = weight.permute(dim, *(d for d in range(weight.ndim) if d != dim))
    return weight.reshape(weight.shape[0], -1)


def power_iteration(weight_mat: Tensor, u: Tensor, v: Tensor, iterations: int, eps: float, v_first: bool = False):
    """``u <- normalize(W v)``, ``v <- normalize(W^T u)`` (in place) ``iterations`` times; ``v_first``
    swaps the two updates (the older ``nn.utils.spectral_norm``)."""
    with no_grad():
        for _ in range(iterations):
            if v_first:
                v.copy_(normalize(weight_mat.T.mv(u), dim=0, eps=eps))
            u.copy_(normalize(weight_mat.mv(v), dim=0, eps=eps))
            if not v_first:
                v.copy_(normalize(weight_mat.T.mv(u), dim=0, eps=eps))


class _SpectralNorm(Module):
    def __init__(self, weight: Tensor, n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        super().__init__()
        ndim = weight.ndim
        if dim >= ndim or dim < -ndim:
            raise IndexError(f"Dimension out of range (expected to be in range of [-{ndim}, {ndim - 1}] but got {dim})")
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.dim = dim if dim >= 0 else dim + ndim
        self.eps = eps
        if ndim > 1:
            self.n_power_iterations = n_power_iterations
            weight_mat = weight_to_matrix(weight.detach(), self.dim)
            height, width = weight_mat.shape
            self.register_buffer("_u", normalize(randn(height, dtype=weight.dtype), dim=0, eps=eps))
            self.register_buffer("_v", normalize(randn(width, dtype=weight.dtype), dim=0, eps=eps))
            power_iteration(weight_mat, self._u, self._v, 15, eps)

    def forward(self, weight: Tensor) -> Tensor:
        if weight.ndim == 1:
            return normalize(weight, dim=0, eps=self.eps)
        weight_mat = weight_to_matrix(weight, self.dim)
        if self.training:
            power_iteration(weight_mat.detach(), self._u, self._v, self.n_power_iterations, self.eps)
        u, v = self._u.clone(), self._v.clone()
        sigma = u.dot(weight_mat.mv(v))
        return weight / sigma

    def right_inverse(self, value: Tensor) -> Tensor:
        return value


def default_spectral_dim(module: Module) -> int:
    return 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d, ConvTranspose3d)) else 0


def spectral_norm(module: Module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: Optional[int] = None) -> Module:
    """Reparametrize ``module.<name>`` as ``W / sigma(W)`` (see the module docstring)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if dim is None:
        dim = default_spectral_dim(module)
    parametrize.register_parametrization(module, name, _SpectralNorm(weight, n_power_iterations, dim, eps))
    return module


def _householder_product(V: Tensor, tau: Tensor) -> Tensor:
    """``linalg.householder_product``: the first ``k`` columns of ``H_1 ... H_k``, ``H_i = I - tau_i v_i v_i^T``
    with ``v_i`` column ``i`` of ``V`` below the diagonal and a 1 on it (``V`` is ``(..., n, k)``)."""
    n, k = V.shape[-2], V.shape[-1]
    V = V.tril(-1) + eye(n, k, dtype=V.dtype)
    Q = eye(n, k, dtype=V.dtype).expand(*V.shape)
    for i in reversed(range(k)):
        v = V[..., :, i:i + 1]
        Q = Q - tau[..., i:i + 1].unsqueeze(-1) * (v @ (v.mT @ Q))
    return Q


def _is_orthogonal(Q: Tensor) -> bool:
    n, k = Q.shape[-2], Q.shape[-1]
    eps = 10.0 * n * float(np.finfo(Q.dtype).eps)
    return bool(allclose(Q.mT @ Q, eye(k, dtype=Q.dtype), atol=eps))


def _make_orthogonal(A: Tensor) -> Tensor:
    """The Q of A = QR with R's diagonal made positive (PyTorch's ``geqrf`` + ``householder_product`` form)."""
    Q, R = qr(A)
    return Q * sign(R.diagonal(dim1=-2, dim2=-1)).unsqueeze(-2)


def _geqrf(Q: Tensor):
    """LAPACK's ``geqrf`` of a batch of matrices: the Householder vectors below the diagonal, R on and above."""
    data = Q.detach().numpy()
    flat = data.reshape(-1, *data.shape[-2:])
    raws = [np.linalg.qr(matrix, mode="raw") for matrix in flat]
    packed = np.stack([h.T for h, _ in raws]).reshape(data.shape)
    taus = np.stack([tau for _, tau in raws]).reshape(*data.shape[:-2], -1)
    return tensor(np.ascontiguousarray(packed)), tensor(taus)


_ORTHOGONAL_MAPS = ("matrix_exp", "cayley", "householder")


class _Orthogonal(Module):
    def __init__(self, weight: Tensor, orthogonal_map: str, *, use_trivialization: bool = True) -> None:
        super().__init__()
        self.shape = weight.shape
        self.orthogonal_map = orthogonal_map
        if use_trivialization:
            self.register_buffer("base", None)

    def forward(self, X: Tensor) -> Tensor:
        n, k = X.shape[-2], X.shape[-1]
        transposed = n < k
        if transposed:
            X = X.mT
            n, k = k, n
        if self.orthogonal_map in ("matrix_exp", "cayley"):
            X = X.tril()
            if n != k:
                X = cat([X, zeros(*X.shape[:-2], n, n - k, dtype=X.dtype)], dim=-1)
            A = X - X.mT
            if self.orthogonal_map == "matrix_exp":
                Q = matrix_exp(A)
            else:
                identity = eye(n, dtype=A.dtype)
                Q = solve(identity - 0.5 * A, identity + 0.5 * A)
            if n != k:
                Q = Q[..., :k]
        else:
            A = X.tril(-1)
            tau = 2.0 / (1.0 + (A * A).sum(-2))
            Q = _householder_product(A, tau)
            Q = Q * X.diagonal(dim1=-2, dim2=-1).int().unsqueeze(-2)
        if "base" in self._buffers:
            Q = self.base @ Q
        return Q.mT if transposed else Q

    def right_inverse(self, Q: Tensor) -> Tensor:
        if Q.shape != self.shape:
            raise ValueError(
                f"Expected a matrix or batch of matrices of shape {tuple(self.shape)}. Got a tensor of shape "
                f"{tuple(Q.shape)}."
            )
        with no_grad():
            Q_init = Q
            n, k = Q.shape[-2], Q.shape[-1]
            transpose = n < k
            if transpose:
                Q = Q.mT
                n, k = k, n
            if "base" not in self._buffers:
                if self.orthogonal_map != "householder":
                    raise NotImplementedError(
                        "It is not possible to assign to the matrix exponential or the Cayley parametrizations when "
                        "use_trivialization=False."
                    )
                A, tau = _geqrf(Q)
                diagonal = A.diagonal(dim1=-2, dim2=-1)
                diagonal.copy_(sign(diagonal) * where(tau == 0.0, -1.0, 1.0))
                return A.mT if transpose else A
            if n == k:
                Q = Q.clone() if _is_orthogonal(Q) else _make_orthogonal(Q)
            else:
                Q = _make_orthogonal(cat([Q, randn(*Q.shape[:-2], n, n - k, dtype=Q.dtype)], dim=-1))
            self.base = Q
            return zeros(*Q_init.shape, dtype=Q_init.dtype) - eye(*Q_init.shape[-2:], dtype=Q_init.dtype)


def orthogonal(module: Module, name: str = "weight", orthogonal_map: Optional[str] = None, *,
               use_trivialization: bool = True) -> Module:
    """Constrain ``module.<name>`` (a matrix or batch of them) to be orthogonal (see the module docstring)."""
    weight = getattr(module, name, None)
    if not isinstance(weight, Tensor):
        raise ValueError(f"Module '{module}' has no parameter or buffer with name '{name}'")
    if weight.ndim < 2:
        raise ValueError(f"Expected a matrix or batch of matrices. Got a tensor of {weight.ndim} dimensions.")
    if orthogonal_map is None:
        orthogonal_map = "matrix_exp" if weight.shape[-2] == weight.shape[-1] else "householder"
    if orthogonal_map not in _ORTHOGONAL_MAPS:
        raise ValueError(
            f'orthogonal_map has to be one of "matrix_exp", "cayley", "householder". Got: {orthogonal_map}'
        )
    parametrize.register_parametrization(
        module, name, _Orthogonal(weight, orthogonal_map, use_trivialization=use_trivialization), unsafe=True
    )
    return module
