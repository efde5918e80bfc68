"""``Module``: the base class of every layer and model, as in PyTorch.

A module owns three ordered registries, filled by plain attribute assignment:

* ``_parameters``: ``Parameter`` objects (``self.weight = Parameter(...)``);
* ``_buffers``: tensors that are state but not learned (``register_buffer``);
* ``_modules``: sub-modules (``self.fc = Linear(3, 4)``).

Everything else (``parameters()``, ``state_dict()``, ``train()``, ``to()``,
``repr``) walks those registries. Names are dotted paths from the root module,
exactly as PyTorch spells them (``0.weight``, ``encoder.fc.bias``).

Calling a module runs its forward hooks around ``forward``, as PyTorch's
``Module.__call__`` does::

    args = pre_hook(module, args) or args            # register_forward_pre_hook
    output = module.forward(*args, **kwargs)
    output = hook(module, args, output) or output    # register_forward_hook

Each ``register_*`` returns a ``RemovableHandle``; ``handle.remove()`` (or leaving a
``with handle:`` block) takes the hook away. A module without hooks calls
``forward`` directly.
"""
import itertools
import warnings
import weakref
from collections import OrderedDict, namedtuple

import numpy as np

from .. import _dtypes
from ..autograd.grad_mode import _state, no_grad
from .._tensor import Tensor
from ._fast_reads import MISSING, install_fast_read, is_fast_read, registered_value
from .parameter import Parameter

_IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class RemovableHandle:
    """What ``register_forward_hook`` and ``register_forward_pre_hook`` return (PyTorch's
    ``torch.utils.hooks.RemovableHandle``): ``remove()`` takes the hook away; ``with handle:``
    removes it at the end of the block."""

    _ids = itertools.count()

    def __init__(self, hooks_dict, *, extra_dict=None):
        self.hooks_dict_ref = weakref.ref(hooks_dict)
        self.id = next(RemovableHandle._ids)
        extras = [] if extra_dict is None else extra_dict if isinstance(extra_dict, list) else [extra_dict]
        self.extra_dict_ref = tuple(weakref.ref(extra) for extra in extras)

    def remove(self):
        """Remove the hook (removing twice does nothing)."""
        for ref in (self.hooks_dict_ref, *self.extra_dict_ref):
            hooks = ref()
            if hooks is not None:
                hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()


_HOOK_REGISTRIES = (
    "_forward_pre_hooks", "_forward_pre_hooks_with_kwargs",
    "_forward_hooks", "_forward_hooks_with_kwargs", "_forward_hooks_always_called",
)


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

    def _missing_hook_registries(self):
        """A module built without ``Module.__init__`` (``__new__`` plus ``__dict__``) gets empty hook registries."""
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"{type(self).__name__} was never initialised as a Module: call super().__init__() at the start "
                f"of its __init__"
            )
        for registry in _HOOK_REGISTRIES:
            self.__dict__.setdefault(registry, OrderedDict())
        return False

    def _call_with_hooks(self, args, kwargs):
        """``forward`` between the pre-hooks and the hooks, in PyTorch's order and with its rules."""
        output = None
        called = set()
        try:
            args, kwargs = self._run_forward_pre_hooks(args, kwargs)
            output = self.forward(*args, **kwargs)
            for hook_id, hook in list(self._forward_hooks.items()):
                called.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs:
                    result = hook(self, args, kwargs, output)
                else:
                    result = hook(self, args, output)
                if result is not None:
                    output = result
            return output
        except Exception:
            self._run_always_called_hooks(args, kwargs, output, called)
            raise

    def _run_forward_pre_hooks(self, args, kwargs):
        for hook_id, hook in list(self._forward_pre_hooks.items()):
            if hook_id in self._forward_pre_hooks_with_kwargs:
                result = hook(self, args, kwargs)
                if result is not None:
                    if not (isinstance(result, tuple) and len(result) == 2):
                        raise RuntimeError(
                            f"forward pre-hook must return None or a tuple of (new_args, new_kwargs), "
                            f"but got {result}."
                        )
                    args, kwargs = result
            else:
                result = hook(self, args)
                if result is not None:
                    args = result if isinstance(result, tuple) else (result,)
        return args, kwargs

    def _run_always_called_hooks(self, args, kwargs, output, called):
        """After an error in forward (or a hook): the ``always_call=True`` hooks not yet run, errors silenced."""
        for hook_id, hook in list(self._forward_hooks.items()):
            if hook_id not in self._forward_hooks_always_called or hook_id in called:
                continue
            try:
                if hook_id in self._forward_hooks_with_kwargs:
                    hook(self, args, kwargs, output)
                else:
                    hook(self, args, output)
            except Exception as error:  # noqa: BLE001 - the forward error is the one to report
                warnings.warn(
                    "module forward hook with ``always_call=True`` raised an exception that was silenced as "
                    f"another error was raised in forward: {error}",
                    stacklevel=3,
                )

    # ---------------------------------------------------------------- hooks
    def register_forward_pre_hook(self, hook, *, prepend=False, with_kwargs=False):
        """Call ``hook(module, args)`` before every ``forward``; returns a ``RemovableHandle``.

        A hook that returns a value replaces the positional inputs (a non-tuple is wrapped
        into a 1-tuple). With ``with_kwargs=True`` it is ``hook(module, args, kwargs)`` and
        may return ``(new_args, new_kwargs)``. ``prepend=True`` runs it before the hooks
        already registered.
        """
        _check_hook(hook, "register_forward_pre_hook")
        if "_forward_hooks" not in self.__dict__:
            self._missing_hook_registries()
        handle = RemovableHandle(self._forward_pre_hooks, extra_dict=self._forward_pre_hooks_with_kwargs)
        self._forward_pre_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_pre_hooks_with_kwargs[handle.id] = True
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle

    def register_forward_hook(self, hook, *, prepend=False, with_kwargs=False, always_call=False):
        """Call ``hook(module, args, output)`` after every ``forward``; returns a ``RemovableHandle``.

        A hook that returns a value replaces the output. With ``with_kwargs=True`` it is
        ``hook(module, args, kwargs, output)``. ``prepend=True`` runs it before the hooks
        already registered; ``always_call=True`` runs it even when ``forward`` raised (its
        own errors are then turned into warnings and the original error is raised).
        """
        _check_hook(hook, "register_forward_hook")
        if "_forward_hooks" not in self.__dict__:
            self._missing_hook_registries()
        handle = RemovableHandle(
            self._forward_hooks, extra_dict=[self._forward_hooks_with_kwargs, self._forward_hooks_always_called]
        )
        self._forward_hooks[handle.id] = hook
        if with_kwargs:
            self._forward_hooks_with_kwargs[handle.id] = True
        if always_call:
            self._forward_hooks_always_called[handle.id] = True
        if prepend:
            self._forward_hooks.move_to_end(handle.id, last=False)
        return handle

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

    # ---------------------------------------------------------- traversal
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

    def get_parameter(self, target):
        """The parameter at a dotted path (``'seq.1.weight'``)."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._parameters:
            raise AttributeError(f"{type(module).__name__} has no parameter `{name}` (looking up '{target}')")
        return module._parameters[name]

    def get_buffer(self, target):
        """The buffer at a dotted path (``'bn.running_mean'``)."""
        module_path, _, name = target.rpartition(".")
        module = self.get_submodule(module_path)
        if name not in module._buffers:
            raise AttributeError(f"{type(module).__name__} has no buffer `{name}` (looking up '{target}')")
        return module._buffers[name]

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


def _check_hook(hook, method):
    if not callable(hook):
        raise TypeError(f"{method} expects a callable hook, got {type(hook).__name__}")


def _is_dtype_name(text):
    try:
        np.dtype(text)
        return True
    except TypeError:
        return False
