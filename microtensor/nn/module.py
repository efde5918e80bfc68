"""``Module``: the base class of every layer and model, as in PyTorch.

A module owns three ordered registries, filled by plain attribute assignment:

* ``_parameters``: ``Parameter`` objects (``self.weight = Parameter(...)``);
* ``_buffers``: tensors that are state but not learned (``register_buffer``);
* ``_modules``: sub-modules (``self.fc = Linear(3, 4)``).

This file holds the registries, the attribute machinery that fills and reads them
(``__setattr__``, ``__getattr__``), calling a module, and its ``repr``. Everything else walks
those registries and lives in the base classes of ``Module``, one idea each:

* ``_module_tree.py``: ``named_modules``, ``parameters``, ``get_submodule``, ``apply``, ``train``,
  ``zero_grad``; names are dotted paths from the root module (``0.weight``, ``encoder.fc.bias``);
* ``_module_hooks.py``: forward hooks and forward pre-hooks run around ``forward``;
* ``_module_state.py``: ``state_dict`` and ``load_state_dict``;
* ``_module_conversion.py``: ``to``, ``float``, ``double``, ``half``, ``cpu``, ``cuda``.
"""
from collections import OrderedDict

from ..autograd.grad_mode import _state
from .._tensor import Tensor
from ._fast_reads import MISSING, install_fast_read, is_fast_read, registered_value
from ._module_conversion import _ModuleConversion
from ._module_hooks import _HOOK_REGISTRIES, _ForwardHooks
from ._module_hooks import RemovableHandle as RemovableHandle
from ._module_state import _ModuleStateDict
from ._module_tree import _ModuleTree
from .parameter import Parameter


def _addindent(text, spaces):
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    return lines[0] + "\n" + "\n".join(" " * spaces + line for line in lines[1:])


class Module(_ModuleTree, _ForwardHooks, _ModuleStateDict, _ModuleConversion):
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
        for registry in _HOOK_REGISTRIES:
            object.__setattr__(self, registry, OrderedDict())

    # ------------------------------------------------------------- forward
    def forward(self, *args, **kwargs):
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function; '
            f"define forward(self, ...) in your subclass"
        )

    def __call__(self, *args, **kwargs):
        if _state.recorder is not None:  # mt.compile capturing: replays depend on this module's train flag
            _state.recorder.on_module_call(self)
        try:
            hooked = self._forward_hooks or self._forward_pre_hooks
        except AttributeError:
            hooked = self._missing_hook_registries()
        if not hooked:
            return self.forward(*args, **kwargs)
        return self._call_with_hooks(args, kwargs)

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

    def register_module(self, name, module):
        """Alias for ``add_module``."""
        self.add_module(name, module)

    def __setattr__(self, name, value):
        params = self.__dict__.get("_parameters")
        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError(
                    "cannot assign parameters before Module.__init__() call (call super().__init__() first)"
                )
            self._forget(name, keep="_parameters")
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
            self._forget(name, keep="_modules")
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

    def _forget(self, name, keep):
        """Drop ``name`` from every place but the registry ``keep`` (where a reassignment keeps its position)."""
        self.__dict__.pop(name, None)
        for registry in ("_parameters", "_buffers", "_modules"):
            if registry != keep:
                self.__dict__[registry].pop(name, None)
        self._non_persistent_buffers.discard(name)

    def __getattr__(self, name):
        # Only called when normal lookup fails: look in the registries.
        value = registered_value(self.__dict__, name)
        if value is MISSING:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")
        install_fast_read(type(self), name, Module.__getattr__)
        return value

    def __delattr__(self, name):
        for registry in ("_parameters", "_buffers", "_modules"):
            entries = self.__dict__.get(registry)
            if entries is not None and name in entries:
                del entries[name]
                self._non_persistent_buffers.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        cls = type(self)
        # A fast read on the class is no attribute of its own; what it stands for is added back below
        # (the instance dict's keys too, as one of them may share a fast read's name).
        keys = [key for key in super().__dir__() if not is_fast_read(cls, key)]
        keys += list(self.__dict__) + list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(key for key in set(keys) if not key[0].isdigit())

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
