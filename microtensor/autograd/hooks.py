"""Gradient hooks: ``Tensor.register_hook`` and ``Tensor.retain_grad``.

A hook is called with a tensor's gradient once it is complete (all of its uses have
sent theirs); if it returns a tensor, that replaces the gradient from there on.
For a non-leaf tensor the hooks sit on its node (per output number); for a leaf they
sit on the tensor and run before the gradient is added into ``.grad``.
"""
import itertools
import weakref

import numpy as np

from .._tensor import Tensor, _new_tensor


class RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` takes the hook away, and so does
    leaving ``with handle:``; ``handle.id`` is a number unique to it."""

    _next_id = itertools.count()

    def __init__(self, hooks, hook):
        self._hooks = hooks
        self._hook = hook
        self.id = next(RemovableHandle._next_id)

    def remove(self):
        hooks = self._hooks
        if any(existing is self._hook for existing in hooks):
            hooks.remove(self._hook)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.remove()
        return False


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


# ------------------------------------------------------------ hooks on a node (grad_fn)
# They sit in the node's ``_pre_hooks`` beside the per-output tensor hooks, under these keys,
# so a hooked node takes the engine's watched path like any other.
NODE_PREHOOKS = "prehooks"  # hook(grad_outputs) -> None or new grad_outputs
NODE_HOOKS = "hooks"        # hook(grad_inputs, grad_outputs) -> None or new grad_inputs


def register_node_hook(node, hook, key):
    """``grad_fn.register_hook`` / ``grad_fn.register_prehook``."""
    if not callable(hook):
        raise TypeError(f"register_hook expects a callable, got {type(hook).__name__}")
    by_key = node.__dict__.get("_pre_hooks")
    if by_key is None:
        by_key = node._pre_hooks = {}
    hooks = by_key.setdefault(key, [])
    hooks.append(hook)
    return RemovableHandle(hooks, hook)


def _as_tensors(grads):
    return tuple(None if g is None else g if isinstance(g, Tensor) else _new_tensor(g) for g in grads)


def _replacement(hook, result, given, create_graph):
    """Check what a node hook returned in place of ``given`` (a tuple of gradients)."""
    result = tuple(result) if isinstance(result, (tuple, list)) else (result,)
    if len(result) != len(given):
        raise RuntimeError(
            f"hook '{getattr(hook, '__name__', hook)}' has returned an incorrect number of values "
            f"(got {len(result)}, but expected {len(given)})"
        )
    values = []
    for value, old in zip(result, given):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"a gradient hook must return Tensors or None, got {type(value).__name__}")
            if old is not None and value.shape != old.shape:
                raise RuntimeError(
                    f"hook '{getattr(hook, '__name__', hook)}' has changed the size of value: the gradient "
                    f"has shape {tuple(old.shape)}, the hook returned {tuple(value.shape)}"
                )
            value = value if create_graph else value._data
        values.append(value)
    return values


def run_node_prehooks(node, grad, create_graph):
    """``register_prehook`` hooks, with the gradient of each of the node's outputs."""
    several = grad.__class__ is list
    grads = grad if several else [grad]
    for hook in list(node._pre_hooks[NODE_PREHOOKS]):
        given = _as_tensors(grads)
        result = hook(given)
        if result is not None:
            grads = _replacement(hook, result, given, create_graph)
    return grads if several else grads[0]


def run_node_posthooks(node, input_grads, grad, create_graph):
    """``register_hook`` hooks, with the node's gradient for each tensor input (fitted to its
    shape; None for one that needs none) and for each output."""
    from .fit import fit_gradient

    positions = [i for i, meta in enumerate(node.input_meta) if meta is not False]
    input_grads = list(input_grads)
    for i in positions:
        meta = node.input_meta[i]
        if input_grads[i] is not None and meta is not None:
            input_grads[i] = fit_gradient(input_grads[i], meta[0], meta[1], node, i, create_graph)[0]
    grad_outputs = _as_tensors(grad if grad.__class__ is list else [grad])
    for hook in list(node._pre_hooks[NODE_HOOKS]):
        given = _as_tensors([input_grads[i] for i in positions])
        result = hook(given, grad_outputs)
        if result is not None:
            for i, value in zip(positions, _replacement(hook, result, given, create_graph)):
                input_grads[i] = value
    return tuple(input_grads)
