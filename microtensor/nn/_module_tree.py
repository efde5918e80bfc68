"""The module tree: walking it (``named_modules``, ``parameters``, ``get_submodule``) and applying
something to all of it (``apply``, ``train``/``eval``, ``requires_grad_``, ``zero_grad``).

Names are dotted paths from the root module, exactly as PyTorch spells them (``0.weight``,
``encoder.fc.bias``). ``_ModuleTree`` is a base class of ``Module``.
"""
import numpy as np

from .._tensor import Tensor


class _ModuleTree:
    """The traversal and tree-wide methods of ``Module`` (one of its base classes)."""

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(dotted name, module)`` for this module and all below it, each module once."""
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub_prefix, remove_duplicate)

    def modules(self):
        """This module and every module below it (each once)."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """``(name, module)`` for the direct sub-modules."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        """The direct sub-modules."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix, recurse, remove_duplicate=True):
        seen = set()
        modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse else [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or (remove_duplicate and id(value) in seen):
                    continue
                if remove_duplicate:
                    seen.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """``(dotted name, Parameter)`` pairs, e.g. ``('0.weight', ...)``; shared parameters once."""
        return self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """The parameters (a generator, as in PyTorch; wrap in ``list`` to reuse)."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """``(dotted name, tensor)`` pairs for the registered buffers."""
        return self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """The registered buffers (a generator)."""
        for _, buffer in self.named_buffers(recurse=recurse):
            yield buffer

    def get_submodule(self, target):
        """The sub-module at a dotted path (``'encoder.fc'``); ``''`` is this module."""
        module = self
        if target == "":
            return module
        for part in target.split("."):
            if part not in module._modules or module._modules[part] is None:
                raise AttributeError(f"{type(module).__name__} has no submodule `{part}` (looking up '{target}')")
            module = module._modules[part]
        return module

    def set_submodule(self, target, module, strict=False):
        """Put ``module`` at the dotted path ``target`` (``'encoder.fc'``); the parent must exist. With
        ``strict=True`` the last name must already be a sub-module."""
        if target == "":
            raise ValueError("Cannot set the submodule without a target name!")
        if not isinstance(module, _ModuleTree):  # every nn.Module is one (Module's own base)
            raise TypeError(f"`module` is not an nn.Module, found {type(module).__name__}")
        parent_path, _, name = target.rpartition(".")
        parent = self.get_submodule(parent_path)
        if strict and name not in parent._modules:
            raise AttributeError(f"{type(parent).__name__} has no attribute `{name}` (looking up '{target}')")
        if name in parent._modules or not hasattr(parent, name):
            setattr(parent, name, module)
        else:
            raise AttributeError(f"`{name}` of {type(parent).__name__} is not an nn.Module (setting '{target}')")

    def get_parameter(self, target):
        """The parameter at a dotted path (``'seq.1.weight'``)."""
        return self._registered_at(target, "_parameters", "parameter")

    def get_buffer(self, target):
        """The buffer at a dotted path (``'bn.running_mean'``)."""
        return self._registered_at(target, "_buffers", "buffer")

    def _registered_at(self, target, registry, kind):
        """The entry of the submodule's ``registry`` named by the last part of the dotted ``target``."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        entries = getattr(module, registry)
        if name not in entries:
            raise AttributeError(f"{type(module).__name__} has no {kind} `{name}` (looking up '{target}')")
        return entries[name]

    def apply(self, fn):
        """Call ``fn(module)`` on every sub-module (children first) and on this module; returns self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------- training state
    def train(self, mode=True):
        """Set training mode (affects ``Dropout``) here and below; returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"training mode is expected to be boolean, got {type(mode).__name__}")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Evaluation mode, same as ``train(False)``; returns self."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Switch gradient recording for every parameter (freeze with ``False``); returns self."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Reset the gradients of all parameters: to ``None`` (default) or to zeros in place."""
        for param in self.parameters():
            if param.grad is None:
                continue
            if set_to_none:
                param.grad = None
            else:
                grad = param.grad
                if grad.grad_fn is not None or not grad._data.flags.writeable:
                    param._grad = Tensor._make(np.zeros_like(param._data))
                else:
                    grad._data[...] = 0
