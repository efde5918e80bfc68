"""Forward hooks: functions a module runs around its ``forward``, as PyTorch's ``Module.__call__`` does.

Calling a module with hooks runs::

    args = pre_hook(module, args) or args            # register_forward_pre_hook
    output = module.forward(*args, **kwargs)
    output = hook(module, args, output) or output    # register_forward_hook

Full backward hooks (``register_full_backward_hook``, ``register_full_backward_pre_hook``) see the
gradients flowing through the module: its inputs (after the pre-hooks) and outputs (after the hooks)
pass through an identity op (``_HookIdentity``) whose backward calls them with the gradients.

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

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import is_grad_enabled


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
        output = backward = None
        called = set()
        try:
            args, kwargs = self._run_forward_pre_hooks(args, kwargs)
            backward = _BackwardHookCall.start(self, args)
            if backward is not None:
                args = backward.wrap_inputs(args)
            output = self.forward(*args, **kwargs)
            for hook_id, hook in list(self._forward_hooks.items()):
                called.add(hook_id)
                if hook_id in self._forward_hooks_with_kwargs:
                    result = hook(self, args, kwargs, output)
                else:
                    result = hook(self, args, output)
                if result is not None:
                    output = result
            return output if backward is None else backward.wrap_outputs(output)
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


    def register_full_backward_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_input, grad_output)`` when the gradients of the module's inputs have been
        computed; returns a ``RemovableHandle``.

        ``grad_input`` and ``grad_output`` are tuples with one entry per positional input / output
        (``None`` for an input that is not a Tensor requiring grad). A hook that returns a tuple replaces
        ``grad_input``. (Grad-CAM reads ``grad_output[0]`` of a convolution this way.)
        """
        return self._register_backward(hook, "register_full_backward_hook", prepend, pre=False)

    def register_full_backward_pre_hook(self, hook, prepend=False):
        """Call ``hook(module, grad_output)`` when the gradients of the module's outputs have been computed,
        before those of its inputs; a hook that returns a tuple replaces ``grad_output``."""
        return self._register_backward(hook, "register_full_backward_pre_hook", prepend, pre=True)

    def _register_backward(self, hook, method, prepend, pre):
        _check_hook(hook, method)
        if "_forward_hooks" not in self.__dict__:
            self._missing_hook_registries()
        handle = RemovableHandle(self._forward_pre_hooks)
        self._forward_pre_hooks[handle.id] = _FullBackwardHook(hook, pre)
        if prepend:
            self._forward_pre_hooks.move_to_end(handle.id, last=False)
        return handle


class _FullBackwardHook:
    """A full backward (pre-)hook. It is kept among the forward pre-hooks, so that ``Module.__call__``
    takes its hooked path (and ``mt.save`` leaves it out, as every hook); as a pre-hook it does nothing."""

    __slots__ = ("hook", "pre")

    def __init__(self, hook, pre):
        self.hook, self.pre = hook, pre

    def __call__(self, module, args):
        return None


class _HookIdentity(Function):
    """The identity on some tensors; its backward hands their gradients to a ``_BackwardHookCall``."""

    @staticmethod
    def forward(ctx, call, side, *tensors):
        ctx.call, ctx.side = call, side
        outputs = tuple(tensor.clone() for tensor in tensors)
        return outputs if len(outputs) > 1 else outputs[0]

    @staticmethod
    def backward(ctx, *grads):
        return (None, None) + tuple(ctx.call.on_gradients(ctx.side, grads))


class _BackwardHookCall:
    """One call of a module with full backward hooks: which inputs and outputs were wrapped, and the
    gradients of the outputs until those of the inputs arrive."""

    def __init__(self, module, hooks, pre_hooks):
        self.module, self.hooks, self.pre_hooks = module, hooks, pre_hooks
        self.input_positions, self.input_count, self.grad_output = [], 0, None
        self.constants, self.constant_positions = {}, []

    @classmethod
    def start(cls, module, args):
        """The call's state, or None when the module has no backward hooks or no graph is recorded."""
        registered = [h for h in module._forward_pre_hooks.values() if isinstance(h, _FullBackwardHook)]
        if not registered or not is_grad_enabled():
            return None
        return cls(module, [h.hook for h in registered if not h.pre], [h.hook for h in registered if h.pre])

    def wrap_inputs(self, args):
        self.input_count = len(args)
        self.input_positions = [i for i, a in enumerate(args) if isinstance(a, Tensor) and a.requires_grad]
        if not self.input_positions:
            return args
        self.constants = {i: a for i, a in enumerate(args) if isinstance(a, Tensor) and not a.requires_grad}
        self.constant_positions = list(self.constants)
        wrapped = _HookIdentity.apply(self, "input", *(args[i] for i in self.input_positions))
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        args = list(args)
        for position, tensor in zip(self.input_positions, wrapped):
            args[position] = tensor
        return tuple(args)

    def wrap_outputs(self, output):
        single = isinstance(output, Tensor)
        outputs = (output,) if single else tuple(output) if isinstance(output, (tuple, list)) else None
        if outputs is None:
            return output
        positions = [i for i, o in enumerate(outputs) if isinstance(o, Tensor) and o.requires_grad]
        if not positions:
            return output
        self.output_count, self.output_positions = len(outputs), positions
        wrapped = _HookIdentity.apply(self, "output", *(outputs[i] for i in positions))
        wrapped = wrapped if isinstance(wrapped, tuple) else (wrapped,)
        outputs = list(outputs)
        for position, tensor in zip(positions, wrapped):
            outputs[position] = tensor
        return outputs[0] if single else type(output)(outputs)

    def on_gradients(self, side, grads):
        if side == "output":
            grad_output = self._spread(grads, self.output_positions, self.output_count)
            for hook in self.pre_hooks:
                result = hook(self.module, grad_output)
                if result is not None:
                    grad_output = _checked(result, len(grad_output), "backward pre-hook", "grad_output")
            self.grad_output = grad_output
            if not self.input_positions:  # no input needs a gradient: the hooks run now, as in PyTorch
                self._run_hooks((None,) * self.input_count)
            return tuple(grad_output[i] for i in self.output_positions)
        grad_input = list(self._spread(grads, self.input_positions, self.input_count))
        for position in self.constant_positions:  # a Tensor input that needs no gradient: zeros, as in PyTorch
            grad_input[position] = _zeros_like(self.constants[position])
        grad_input = self._run_hooks(tuple(grad_input))
        return tuple(grad_input[i] for i in self.input_positions)

    def _run_hooks(self, grad_input):
        for hook in self.hooks:
            result = hook(self.module, grad_input, self.grad_output)
            if result is not None:
                grad_input = _checked(result, len(grad_input), "backward hook", "grad_input")
        return grad_input

    @staticmethod
    def _spread(grads, positions, count):
        spread = [None] * count
        for position, grad in zip(positions, grads):
            spread[position] = grad
        return tuple(spread)


def _zeros_like(tensor):
    return Tensor._make(np.zeros(tensor.shape, dtype=tensor.dtype))


def _checked(result, count, what, name):
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != count:
        raise RuntimeError(f"the {what} returned {len(result)} values, but the module has {count} {name} entries; "
                           f"return a tuple of the same length (or None to keep them)")
    return result


def _check_hook(hook, method):
    if not callable(hook):
        raise TypeError(f"{method} expects a callable hook, got {type(hook).__name__}")

