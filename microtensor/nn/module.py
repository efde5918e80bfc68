"""``Module``: the base class of every layer and model, as in PyTorch.

A module owns three ordered registries, filled by plain attribute assignment:

* ``_parameters``: ``Parameter`` objects (``self.weight = Parameter(...)``);
* ``_buffers``: tensors that are state but not learned (``register_buffer``);
* ``_modules``: sub-modules (``self.fc = Linear(3, 4)``).

Everything else (``parameters()``, ``state_dict()``, ``train()``, ``to()``,
``repr``) walks those registries. Names are dotted paths from the root module,
exactly as PyTorch spells them (``0.weight``, ``encoder.fc.bias``).
"""
from collections import OrderedDict, namedtuple

import numpy as np

from .. import _dtypes
from ..autograd.grad_mode import no_grad
from .._tensor import Tensor
from .parameter import Parameter

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module:
    """Base class for all neural-network modules; subclass it and define ``forward``.

    ::

        class Net(mt.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = mt.nn.Linear(2, 1)

            def forward(self, x):
                return self.fc(x)
    """

    training: bool

    def __init__(self):
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers", set())
        object.__setattr__(self, "_modules", OrderedDict())

    # ------------------------------------------------------------- forward
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function; '
            f"define forward(self, ...) in your subclass"
        )

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # -------------------------------------------------------- registration
    def _check_initialised(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {what} before Module.__init__() call (call super().__init__() first)")

    def register_parameter(self, name, param):
        """Add a parameter (or ``None``, a declared-but-absent parameter) under ``name``."""
        self._check_initialised("parameters")
        _check_name(self, name, "parameter")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign '{type(param).__name__}' object to parameter '{name}' "
                f"(microtensor.nn.Parameter or None required)"
            )
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model parameters must be created "
                f"explicitly; wrap a detached value: Parameter(value.detach())"
            )
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"attribute '{name}' already exists")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a non-learned tensor (or ``None``) under ``name``; persistent buffers go into the state dict."""
        self._check_initialised("buffers")
        _check_name(self, name, "buffer")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(
                f"cannot assign '{type(tensor).__name__}' object to buffer '{name}' (Tensor or None required)"
            )
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"attribute '{name}' already exists")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers.discard(name)
        else:
            self._non_persistent_buffers.add(name)

    def add_module(self, name, module):
        """Add a sub-module (or ``None``) under ``name``."""
        self._check_initialised("modules")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _check_name(self, name, "module")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        self._modules[name] = module

    register_module = add_module

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError(
                    "cannot assign parameters before Module.__init__() call (call super().__init__() first)"
                )
            self._forget(name)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as parameter '{name}' "
                    f"(microtensor.nn.Parameter or None expected)"
                )
            params[name] = None
        elif isinstance(value, Module):
            if params is None:
                raise AttributeError(
                    "cannot assign module before Module.__init__() call (call super().__init__() first)"
                )
            self._forget(name)
            self._modules[name] = value
        elif params is not None and name in self._modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{type(value).__name__}' as child module '{name}' (Module or None expected)"
                )
            self._modules[name] = None
        elif params is not None and name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign '{type(value).__name__}' as buffer '{name}' (Tensor or None expected)")
            self._buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        self.__dict__.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            self.__dict__[registry].pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):
        # Only called when normal lookup fails: look in the registries.
        state = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = state.get(registry)
            if entries is not None and name in entries:
                return entries[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                del entries[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(super().__dir__()) + list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(key for key in set(keys) if not key[0].isdigit())

    # ---------------------------------------------------------- traversal
    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """``(dotted name, module)`` for this module and all below it, each module once."""
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
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

    def get_parameter(self, target):
        """The parameter at a dotted path (``'seq.1.weight'``)."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}` (looking up '{target}')")
        return module._parameters[name]

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

    # ---------------------------------------------------------- state dict
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """An ``OrderedDict`` of dotted name -> tensor for every parameter and persistent buffer.

        The tensors are detached (they share memory with the module, as in PyTorch);
        ``keep_vars=True`` returns the Parameters themselves.
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buffer in self._buffers.items():
            if buffer is not None and name not in self._non_persistent_buffers:
                destination[prefix + name] = buffer if keep_vars else buffer.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars)
        return destination

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` into this module's parameters and buffers, in place.

        Values keep each parameter's dtype and the Parameter objects stay the same, so an
        optimizer built before still works. With ``strict=True`` (default), missing or
        unexpected keys raise a ``RuntimeError`` listing them; a shape mismatch always raises.
        Returns ``(missing_keys, unexpected_keys)``.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict).__name__}.")
        own = self.state_dict(keep_vars=True)
        missing = [key for key in own if key not in state_dict]
        unexpected = [key for key in state_dict.keys() if key not in own]
        errors = []
        if strict:
            if unexpected:
                errors.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected) + ". ")
            if missing:
                errors.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing) + ". ")
        pending = []
        for key, target in own.items():
            if key not in state_dict:
                continue
            value = state_dict[key]
            array = value._data if isinstance(value, Tensor) else value
            try:
                array = np.asarray(array)
            except Exception:  # noqa: BLE001 - reported below
                array = None
            if array is None or array.dtype.kind not in "biuf":
                errors.append(
                    f'While copying the parameter named "{key}", expected a Tensor or numeric array from the '
                    f"checkpoint, but got {type(value).__name__}."
                )
                continue
            if array.shape != target.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {tuple(array.shape)} from checkpoint, "
                    f"the shape in current model is {tuple(target.shape)}."
                )
                continue
            pending.append((target, array))
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(error.rstrip() for error in errors)
            )
        with no_grad():
            for target, array in pending:
                np.copyto(target._data, array, casting="unsafe")
                target._version_counter[0] += 1
        return _IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------- dtypes
    def _convert(self, dtype):
        for module in self.modules():
            for registry in (module._parameters, module._buffers):
                for tensor in registry.values():
                    if tensor is None or tensor.dtype.kind != "f" or tensor.dtype == dtype:
                        continue
                    tensor._data = tensor._data.astype(dtype)
                    if tensor.grad is not None:
                        tensor._grad = Tensor._make(tensor.grad._data.astype(dtype))
        return self

    def to(self, *args, dtype=None, device=None, **kwargs):
        """Convert floating-point parameters and buffers to ``dtype`` in place (same Parameter
        objects, so an optimizer built earlier keeps working); ``device`` may only be the CPU."""
        from ..device import check_device, device as device_type

        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, device_type) or (isinstance(arg, str) and not _is_dtype_name(arg)):
                device = arg
            else:
                dtype = arg
        if kwargs:
            raise TypeError(f"to() got unexpected keyword argument(s) {sorted(kwargs)}")
        check_device(device)
        if dtype is not None:
            dtype = _dtypes.to_dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
            self._convert(dtype)
        return self

    def double(self):
        """Convert floating-point parameters and buffers to float64 (in place); returns self."""
        return self._convert(_dtypes.float64)

    def float(self):
        """Convert floating-point parameters and buffers to float32 (in place); returns self."""
        return self._convert(_dtypes.float32)

    def half(self):
        """Convert floating-point parameters and buffers to float16 (in place); returns self."""
        return self._convert(_dtypes.float16)

    def cpu(self):
        """Nothing to move: microtensor runs on the CPU only; returns self."""
        return self

    def cuda(self, device=None):
        """There is no GPU: raises the same clear error as ``to('cuda')``."""
        from ..device import check_device

        check_device("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")
        return self  # only reached for device='cpu'

    def type(self, dst_type):
        """Same as ``to(dst_type)``."""
        return self.to(dst_type)

    # --------------------------------------------------------------- repr
    def extra_repr(self):
        """The text inside the parentheses of this module's repr (override in layers)."""
        return ""

    def _get_name(self):
        return type(self).__name__

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, module in self._modules.items():
            lines.append(f"({name}): " + _addindent(repr(module), 2))
        main = self._get_name() + "("
        if lines:
            if len(lines) == 1 and not self._modules:
                main += lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"


def _check_name(module, name, kind):
    if not isinstance(name, str):
        raise TypeError(f"{kind} name should be a string. Got {type(name).__name__}")
    if "." in name:
        raise KeyError(f'{kind} name can\'t contain ".", got: {name}')
    if name == "":
        raise KeyError(f'{kind} name can\'t be empty string ""')


def _is_dtype_name(text):
    try:
        np.dtype(text)
        return True
    except TypeError:
        return False
