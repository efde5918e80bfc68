"""Activation checkpointing: ``checkpoint`` and ``checkpoint_sequential`` (``torch.utils.checkpoint``).

``checkpoint(function, *args)`` runs ``function`` without keeping its graph and, during backward,
runs it again with grad enabled (from the same random state, so dropout masks match) and
backpropagates through that recomputed graph: memory for compute.

Two variants, as in PyTorch:

* ``use_reentrant=True``: one node whose backward runs a nested ``backward`` over the
  recomputed graph. Parameters used inside ``function`` get their gradient accumulated into
  ``.grad`` by that nested pass, so it works with ``.backward()`` only (``autograd.grad`` and
  ``backward(inputs=...)`` raise PyTorch's error, and so does ``create_graph=True``), and only
  when some tensor argument requires grad.
* ``use_reentrant=False``: the forward is run once with grad enabled to find the leaves
  (parameters) it reads, then its graph is dropped; those leaves become inputs of the node,
  so ``autograd.grad`` and higher-order gradients work, and parameters get gradients even if
  no argument requires grad.
"""
from __future__ import annotations

import contextlib
import warnings
from typing import Any, Callable, Iterator, Optional

from .. import random as _random
from .._tensor import Tensor
from ..autograd.backward import backward as _backward
from ..autograd.backward import grad as _grad
from ..autograd.function import Function
from ..autograd.grad_mode import _state, enable_grad, is_grad_enabled, no_grad

__all__ = ["checkpoint", "checkpoint_sequential"]

_REENTRANT_WARNING = (
    "microtensor.utils.checkpoint: the use_reentrant parameter should be passed explicitly. "
    "use_reentrant=False is recommended, but if you need to preserve the current default behavior, "
    "you can pass use_reentrant=True. Refer to docs for more details on the differences between the two variants."
)
_NOT_WITH_GRAD = (
    "When use_reentrant=True, microtensor.utils.checkpoint is incompatible with .grad() or passing an `inputs` "
    "parameter to .backward(). To resolve this error, you can either set use_reentrant=False, or call "
    ".backward() without passing the `inputs` argument."
)


class _RandomState:
    """The default generator's state before the forward, to replay it during the recomputation."""

    def __init__(self, preserve: bool) -> None:
        self.state = _random.get_rng_state() if preserve else None

    def replay(self, run: Callable[[], Any]) -> Any:
        """``run()`` from the saved state, then put the generator back where it was."""
        if self.state is None:
            return run()
        now = _random.get_rng_state()
        _random.set_rng_state(self.state)
        try:
            return run()
        finally:
            _random.set_rng_state(now)


def _refuse_create_graph() -> None:
    if is_grad_enabled():  # the engine turns grad mode on in backward only for create_graph=True
        raise RuntimeError(
            "checkpoint(use_reentrant=True) does not support higher-order gradients (create_graph=True); "
            "use checkpoint(..., use_reentrant=False)"
        )


@contextlib.contextmanager
def _explained_freed_graph() -> Iterator[None]:
    """Say why the recomputation may meet a freed graph: a tensor made outside, read through a closure."""
    try:
        yield
    except RuntimeError as error:
        if "backward through the graph a second time" not in str(error):
            raise
        raise RuntimeError(
            "checkpoint: backpropagating through the recomputed function reached a part of the graph that was "
            "already freed: the function reads a tensor computed outside it (through a closure or a module "
            "attribute) whose graph the outer backward used first. Pass such tensors as arguments of checkpoint()."
        ) from error


def _detached(args: tuple) -> list:
    """Fresh leaves standing for the tensor arguments (requiring grad where the originals do)."""
    return [
        arg.detach().requires_grad_(arg.requires_grad) if isinstance(arg, Tensor) else arg for arg in args
    ]


def _as_tuple(outputs: Any) -> tuple:
    return outputs if isinstance(outputs, tuple) else (outputs,)


def _differentiable(outputs: tuple, grads: tuple) -> tuple[list, list]:
    """The outputs that carry a gradient, and their gradients (zeros where none reached them)."""
    kept, kept_grads = [], []
    for output, grad in zip(outputs, grads):
        if isinstance(output, Tensor) and output.requires_grad:
            kept.append(output)
            kept_grads.append(grad if grad is not None else output.detach() * 0)
    return kept, kept_grads


def _detach_outputs(outputs: Any) -> Any:
    if isinstance(outputs, tuple):
        return tuple(out.detach() if isinstance(out, Tensor) else out for out in outputs)
    return outputs.detach() if isinstance(outputs, Tensor) else outputs


class _ReentrantCheckpoint(Function):
    """forward: ``function(*args)`` without a graph; backward: recompute it and run ``backward`` on it."""

    @staticmethod
    def forward(ctx, function, preserve_rng_state, kwargs, *args):
        ctx.function, ctx.kwargs = function, kwargs
        ctx.random = _RandomState(preserve_rng_state)
        ctx.tensor_positions = [i for i, arg in enumerate(args) if isinstance(arg, Tensor)]
        ctx.plain_args = [None if isinstance(arg, Tensor) else arg for arg in args]
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_positions])
        with no_grad():
            return _detach_outputs(function(*args, **kwargs))

    @staticmethod
    def backward(ctx, *grad_outputs):
        if _state.partial_backward:  # the nested backward would fill .grad, not the caller's result
            raise RuntimeError(_NOT_WITH_GRAD)
        _refuse_create_graph()
        args = list(ctx.plain_args)
        for position, tensor in zip(ctx.tensor_positions, ctx.saved_tensors):
            args[position] = tensor
        inputs = _detached(tuple(args))
        with enable_grad():
            outputs = _as_tuple(ctx.random.replay(lambda: ctx.function(*inputs, **ctx.kwargs)))
        kept, kept_grads = _differentiable(outputs, grad_outputs)
        if not kept:
            raise RuntimeError(
                "none of output has requires_grad=True, this checkpoint() is not necessary"
            )
        with _explained_freed_graph():
            _backward(kept, kept_grads, retain_graph=True)  # the graph outside may still need its part
        grads = [arg.grad if isinstance(arg, Tensor) else None for arg in inputs]
        return (None, None, None, *grads)


class _LeafCheckpoint(Function):
    """The non-reentrant node: its inputs are the arguments and the leaves ``function`` reads."""

    @staticmethod
    def forward(ctx, function, preserve_rng_state, kwargs, argument_count, outputs, *args_and_leaves):
        ctx.function, ctx.kwargs, ctx.random = function, kwargs, preserve_rng_state
        args = args_and_leaves[:argument_count]
        ctx.tensor_positions = [i for i, arg in enumerate(args) if isinstance(arg, Tensor)]
        ctx.plain_args = [None if isinstance(arg, Tensor) else arg for arg in args]
        ctx.save_for_backward(*[args[i] for i in ctx.tensor_positions], *args_and_leaves[argument_count:])
        return outputs

    @staticmethod
    def backward(ctx, *grad_outputs):
        create_graph = is_grad_enabled()  # the engine turns grad mode on in backward only for create_graph=True
        saved = ctx.saved_tensors
        args = list(ctx.plain_args)
        for position, tensor in zip(ctx.tensor_positions, saved):
            args[position] = tensor
        leaves = list(saved[len(ctx.tensor_positions):])
        # For higher-order gradients the recomputation starts from the saved inputs themselves, so the
        # gradients it gives stay connected to the graph that made them.
        inputs = args if create_graph else _detached(tuple(args))
        with enable_grad():
            outputs = _as_tuple(ctx.random.replay(lambda: ctx.function(*inputs, **ctx.kwargs)))
        kept, kept_grads = _differentiable(outputs, grad_outputs)
        wanted = [arg for arg in inputs if isinstance(arg, Tensor) and arg.requires_grad] + leaves
        if kept and wanted:
            with _explained_freed_graph():
                found = iter(_grad(kept, wanted, kept_grads, retain_graph=True, allow_unused=True,
                                   create_graph=create_graph))
        else:
            found = iter([None] * len(wanted))
        grads = [next(found) if isinstance(arg, Tensor) and arg.requires_grad else None for arg in inputs]
        return (None, None, None, None, None, *grads, *found)


def _leaves_of(outputs: tuple, exclude: list) -> list:
    """The leaf tensors that require grad reachable from ``outputs``' graph (not those in ``exclude``)."""
    excluded = {id(tensor) for tensor in exclude}
    leaves, seen, stack = [], set(), [out.grad_fn for out in outputs if isinstance(out, Tensor) and out.grad_fn]
    for out in outputs:
        if isinstance(out, Tensor) and out.requires_grad and out.grad_fn is None and id(out) not in excluded:
            excluded.add(id(out))
            leaves.append(out)
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for entry, _ in node.next_functions:
            if isinstance(entry, Tensor):
                if id(entry) not in excluded:
                    excluded.add(id(entry))
                    leaves.append(entry)
            elif entry is not None:
                stack.append(entry[0] if isinstance(entry, tuple) else entry)
    return leaves


def _non_reentrant(function: Callable, preserve_rng_state: bool, args: tuple, kwargs: dict) -> Any:
    if not is_grad_enabled():
        return function(*args, **kwargs)
    random = _RandomState(preserve_rng_state)
    inputs = _detached(args)
    with enable_grad():
        outputs = function(*inputs, **kwargs)
    leaves = _leaves_of(_as_tuple(outputs), [arg for arg in inputs if isinstance(arg, Tensor)])
    # The graph just built is dropped here: only the leaves it reached are kept.
    return _LeafCheckpoint.apply(
        function, random, kwargs, len(args), _detach_outputs(outputs), *args, *leaves
    )


def checkpoint(
    function: Callable, *args: Any, use_reentrant: Optional[bool] = None, preserve_rng_state: bool = True,
    **kwargs: Any,
) -> Any:
    """``function(*args, **kwargs)``, recomputed during backward instead of keeping its graph.

    ``preserve_rng_state`` replays the random state during the recomputation (dropout masks
    match). ``use_reentrant`` chooses the variant (see the module docstring); leaving it out
    warns, as PyTorch does, and picks ``True``.
    """
    if use_reentrant is None:
        warnings.warn(_REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    if not use_reentrant:
        return _non_reentrant(function, preserve_rng_state, args, kwargs)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    if is_grad_enabled() and not any(isinstance(arg, Tensor) and arg.requires_grad for arg in args):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None", UserWarning, stacklevel=2)
    return _ReentrantCheckpoint.apply(function, preserve_rng_state, kwargs, *args)


def checkpoint_sequential(
    functions: Any, segments: int, input: Tensor, use_reentrant: Optional[bool] = None, **kwargs: Any,
) -> Any:
    """Run ``functions`` (an ``nn.Sequential`` or a list of modules) in ``segments`` chunks, checkpointing
    every chunk but the last (whose graph backward needs first anyway), as PyTorch does. The only keyword
    argument is ``preserve_rng_state=True``."""
    if use_reentrant is None:
        warnings.warn("checkpoint_sequential: " + _REENTRANT_WARNING, UserWarning, stacklevel=2)
        use_reentrant = True
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(kwargs))
    steps = list(functions.children()) if hasattr(functions, "children") else list(functions)
    if isinstance(segments, bool) or not isinstance(segments, int) or not 1 <= segments <= max(len(steps), 1):
        raise ValueError(
            f"checkpoint_sequential: segments must be an int from 1 to the number of functions ({len(steps)}), "
            f"got {segments!r}"
        )
    size = len(steps) // segments

    def run_segment(start: int, stop: int) -> Callable:
        def forward(value: Any) -> Any:
            for step in steps[start:stop + 1]:
                value = step(value)
            return value

        return forward

    end = -1
    for start in range(0, size * (segments - 1), size):
        end = start + size - 1
        input = checkpoint(run_segment(start, end), input, use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_segment(end + 1, len(steps) - 1)(input)
