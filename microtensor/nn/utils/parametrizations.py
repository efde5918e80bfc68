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
"""
from __future__ import annotations

from typing import Optional

from ..._tensor import Tensor
from ...creation import randn
from ...autograd.grad_mode import no_grad
from ..functional import normalize
from ..module import Module
from ..modules.conv import ConvTranspose1d, ConvTranspose2d
from ..modules.conv3d import ConvTranspose3d
from . import parametrize

__all__ = ["weight_norm", "spectral_norm"]


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
