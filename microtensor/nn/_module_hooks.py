"""Forward hooks: functions a module runs around its ``forward``, as PyTorch's ``Module.__call__`` does.

Calling a module with hooks runs::

    args = pre_hook(module, args) or args            # register_forward_pre_hook
    output = module.forward(*args, **kwargs)
    output = hook(module, args, output) or output    # register_forward_hook

Each ``register_*`` returns a ``RemovableHandle``; ``handle.remove()`` (or leaving a
``with handle:`` block) takes the hook away. ``Module.__call__`` (nn/module.py) calls
``forward`` directly when a module has no hooks, and ``_call_with_hooks`` otherwise.
``_ForwardHooks`` is a base class of ``Module``: the registries themselves are made by
``Module.__init__``.
"""
import itertools
import warnings
import weakref
from collections import OrderedDict


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


class _ForwardHooks:
    """The forward-hook methods of ``Module`` (one of its base classes)."""

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


def _check_hook(hook, method):
    if not callable(hook):
        raise TypeError(f"{method} expects a callable hook, got {type(hook).__name__}")

