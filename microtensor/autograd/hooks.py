"""Gradient hooks: ``Tensor.register_hook`` and ``Tensor.retain_grad``.

A hook is called with a tensor's gradient once it is complete (all of its uses have
sent theirs); if it returns a tensor, that replaces the gradient from there on.
For a non-leaf tensor the hooks sit on its node (per output number); for a leaf they
sit on the tensor and run before the gradient is added into ``.grad``.
"""
import weakref

import numpy as np

from .._tensor import Tensor, _new_tensor


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook away."""

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook

    def remove(self):
        hooks = self._hooks
        if any(existing is self._hook for existing in hooks):
            hooks.remove(self._hook)


def _hook_list(tensor):
    """The list of hooks for ``tensor``'s gradient, made on first use."""
    node = tensor.grad_fn
    if node is None:
        hooks = tensor.__dict__.get("_hooks")
        if hooks is None:
            hooks = tensor._hooks = []
        return hooks
    by_output = node.__dict__.get("_pre_hooks")
    if by_output is None:
        by_output = node._pre_hooks = {}
    return by_output.setdefault(tensor._output_nr, [])


def register_hook(tensor, hook):
    if not tensor.requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if not callable(hook):
        raise TypeError(f"register_hook expects a callable, got {type(hook).__name__}")
    hooks = _hook_list(tensor)
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def retain_grad(tensor):
    """Make backward keep ``tensor``'s gradient in ``tensor.grad`` (accumulating, as for a leaf)."""
    if not tensor.requires_grad:
        raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
    if tensor.grad_fn is None or tensor.__dict__.get("_retains_grad"):
        return  # a leaf keeps its gradient anyway
    tensor._retains_grad = True
    owner = weakref.ref(tensor)  # a strong reference would make a cycle: tensor -> node -> hook -> tensor

    def keep(grad):
        kept = owner()
        if kept is not None and isinstance(grad, Tensor) and grad.requires_grad:
            # create_graph=True: the kept gradient stays part of the graph, as in PyTorch
            kept._grad = grad.clone() if kept._grad is None else kept._grad + grad
        elif kept is not None:
            values = grad._data if isinstance(grad, Tensor) else np.asarray(grad)
            if kept._grad is None:
                kept._grad = _new_tensor(np.array(values, dtype=kept._data.dtype, copy=True))
            else:
                kept._grad._data += values
        return None

    keep.retains_grad = True
    _hook_list(tensor).append(keep)


def run_hooks(hooks, grad, create_graph):
    """Apply ``hooks`` in order (retain_grad's hooks see the final gradient, as in PyTorch)."""
    ordered = [hook for hook in hooks if not getattr(hook, "retains_grad", False)]
    ordered += [hook for hook in hooks if getattr(hook, "retains_grad", False)]
    for hook in ordered:
        given = grad if isinstance(grad, Tensor) else _new_tensor(grad)
        result = hook(given)
        if result is not None:
            if not isinstance(result, Tensor):
                raise TypeError(f"a gradient hook must return a Tensor or None, got {type(result).__name__}")
            if result.shape != given.shape:
                raise RuntimeError(
                    f"hook {getattr(hook, '__name__', hook)!r} has changed the size of value: "
                    f"the gradient has shape {tuple(given.shape)}, the hook returned {tuple(result.shape)}"
                )
            grad = result if create_graph else result._data
    return grad
