"""The older ``weight_norm`` (PyTorch's ``torch.nn.utils.weight_norm``, deprecated there in favour of
``parametrizations.weight_norm``): parameters ``weight_g`` and ``weight_v``, and a forward
pre-hook that sets the plain attribute ``module.weight = weight_g * weight_v / ||weight_v||`` before
each call (the norm over every dim but ``dim``; over all of ``weight_v`` for ``dim=None``).
"""
from __future__ import annotations

import warnings
from typing import Any, Optional, TypeVar

from ..module import Module
from ..parameter import Parameter
from .parametrizations import norm_except_dim, weight_norm_value

__all__ = ["WeightNorm", "weight_norm", "remove_weight_norm"]

T_module = TypeVar("T_module", bound=Module)


class WeightNorm:
    """The forward pre-hook of ``weight_norm``."""

    def __init__(self, name: str, dim: Optional[int]) -> None:
        self.name = name
        self.dim = -1 if dim is None else dim

    def compute_weight(self, module: Module) -> Any:
        return weight_norm_value(getattr(module, self.name + "_v"), getattr(module, self.name + "_g"), self.dim)

    @staticmethod
    def apply(module: Module, name: str, dim: Optional[int]) -> "WeightNorm":
        for hook in module._forward_pre_hooks.values():
            if isinstance(hook, WeightNorm) and hook.name == name:
                raise RuntimeError(f"Cannot register two weight_norm hooks on the same parameter {name}")
        weight = module._parameters.get(name)
        if weight is None:
            raise ValueError(f"weight_norm: module {type(module).__name__} has no parameter named '{name}'")
        fn = WeightNorm(name, dim)
        del module._parameters[name]
        module.register_parameter(name + "_g", Parameter(norm_except_dim(weight.detach(), fn.dim)))
        module.register_parameter(name + "_v", Parameter(weight.detach()))
        setattr(module, name, fn.compute_weight(module))
        module.register_forward_pre_hook(fn)
        return fn

    def remove(self, module: Module) -> None:
        weight = self.compute_weight(module)
        delattr(module, self.name)
        del module._parameters[self.name + "_g"]
        del module._parameters[self.name + "_v"]
        setattr(module, self.name, Parameter(weight.detach()))

    def __call__(self, module: Module, inputs: Any) -> None:
        setattr(module, self.name, self.compute_weight(module))


def weight_norm(module: T_module, name: str = "weight", dim: Optional[int] = 0) -> T_module:
    """Split ``module.<name>`` into ``<name>_g`` (magnitude) and ``<name>_v`` (direction); see the module docstring."""
    warnings.warn(
        "`microtensor.nn.utils.weight_norm` is deprecated in favor of `microtensor.nn.utils.parametrizations.weight_norm`.",
        FutureWarning, stacklevel=2,
    )
    WeightNorm.apply(module, name, dim)
    return module


def remove_weight_norm(module: T_module, name: str = "weight") -> T_module:
    """Undo ``weight_norm``: ``module.<name>`` is one parameter again (holding ``g * v / ||v||``)."""
    return remove_hooked_reparametrization(module, WeightNorm, name, "weight_norm")


def remove_hooked_reparametrization(module: T_module, hook_class: type, name: str, what: str) -> T_module:
    """Take away the forward pre-hook of ``hook_class`` that computes ``module.<name>`` (the old
    ``weight_norm`` / ``spectral_norm``), leaving one plain parameter; PyTorch's ValueError if there is none."""
    for key, hook in module._forward_pre_hooks.items():
        if isinstance(hook, hook_class) and hook.name == name:
            hook.remove(module)
            del module._forward_pre_hooks[key]
            return module
    raise ValueError(f"{what} of '{name}' not found in {module}")
