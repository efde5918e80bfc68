"""The older ``spectral_norm`` (PyTorch's ``torch.nn.utils.spectral_norm``): parameter ``weight_orig``,
buffers ``weight_u`` and ``weight_v``, and a forward pre-hook that sets the plain attribute
``module.weight = weight_orig / sigma`` before each call; in training mode it first runs
``n_power_iterations`` steps of ``v <- normalize(W^T u)``, ``u <- normalize(W v)`` (``W`` the weight
as a matrix with ``dim`` first), and ``sigma = u . W v``.
"""
from __future__ import annotations

from typing import Any, Optional, TypeVar

from ...autograd.grad_mode import no_grad
from ...creation import randn
from ..functional import normalize
from ..module import Module
from ..parameter import Parameter
from .parametrizations import default_spectral_dim, power_iteration, weight_to_matrix
from .weight_norm import remove_hooked_reparametrization

__all__ = ["SpectralNorm", "spectral_norm", "remove_spectral_norm"]

T_module = TypeVar("T_module", bound=Module)


class SpectralNorm:
    """The forward pre-hook of ``spectral_norm``."""

    def __init__(self, name: str = "weight", n_power_iterations: int = 1, dim: int = 0, eps: float = 1e-12) -> None:
        if n_power_iterations <= 0:
            raise ValueError(
                f"Expected n_power_iterations to be positive, but got n_power_iterations={n_power_iterations}"
            )
        self.name = name
        self.dim = dim
        self.n_power_iterations = n_power_iterations
        self.eps = eps

    def compute_weight(self, module: Module, do_power_iteration: bool) -> Any:
        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        weight_mat = weight_to_matrix(weight, self.dim)
        if do_power_iteration:
            power_iteration(weight_mat.detach(), u, v, self.n_power_iterations, self.eps, v_first=True)
            u, v = u.clone(), v.clone()
        return weight / u.dot(weight_mat.mv(v))

    @staticmethod
    def apply(module: Module, name: str, n_power_iterations: int, dim: int, eps: float) -> "SpectralNorm":
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, SpectralNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two spectral_norm hooks on the same parameter {name}")
        fn = SpectralNorm(name, n_power_iterations, dim, eps)
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"`SpectralNorm` cannot be applied as parameter `{name}` is None")
        with no_grad():
            height, width = weight_to_matrix(weight, dim).shape
            u = normalize(randn(height, dtype=weight.dtype), dim=0, eps=eps)
            v = normalize(randn(width, dtype=weight.dtype), dim=0, eps=eps)
        delattr(module, name)
        module.register_parameter(name + "_orig", weight)
        setattr(module, name, weight.detach())
        module.register_buffer(name + "_u", u)
        module.register_buffer(name + "_v", v)
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        with no_grad():
            weight = self.compute_weight(module, do_power_iteration=False)
        delattr(module, self.name)
        delattr(module, self.name + "_u")
        delattr(module, self.name + "_v")
        delattr(module, self.name + "_orig")
        module.register_parameter(self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module, do_power_iteration=module.training))


def spectral_norm(module: T_module, name: str = "weight", n_power_iterations: int = 1, eps: float = 1e-12,
                  dim: Optional[int] = None) -> T_module:
    """Divide ``module.<name>`` by its largest singular value before every call (module docstring)."""
    SpectralNorm.apply(module, name, n_power_iterations, default_spectral_dim(module) if dim is None else dim, eps)
    return module


def remove_spectral_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo ``spectral_norm``: ``module.<name>`` is one parameter again (holding ``weight_orig / sigma``)."""
    return remove_hooked_reparametrization(module, SpectralNorm, name, "spectral_norm")
