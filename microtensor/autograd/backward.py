"""The public entry points of the engine: ``backward`` and ``grad``.

They check and normalise arguments (and produce PyTorch's errors), then hand over
to ``engine.run_backward``.
"""
import warnings

import numpy as np

from .._tensor import Tensor
from . import engine
from .engine import run_backward


def _as_sequence(value):
    """One tensor (or array, number) as a list of one; any other iterable as a list, as PyTorch
    takes them (``autograd.grad(loss, model.parameters())``)."""
    if value is None:
        return None
    if value.__class__ is Tensor:
        return [value]
    if value.__class__ is list:
        return value
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, (Tensor, np.ndarray)) or not hasattr(value, "__iter__"):
        return [value]
    return list(value)  # a generator, dict values, ...


def _one_like(array):
    """A new array holding 1 of ``array``'s dtype and one-element shape (np.ones costs 4x more)."""
    one = np.array(1, dtype=array.dtype)
    return one.reshape(array.shape) if array.ndim else one


def _root_gradients(outputs, grad_outputs, create_graph):
    if grad_outputs is None and len(outputs) == 1:
        output = outputs[0]
        if output.__class__ is Tensor and output.requires_grad and output._data.size == 1:
            return [_one_like(output._data)]  # the common loss.backward()
    if grad_outputs is None:
        grad_outputs = [None] * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(f"grad_outputs has {len(grad_outputs)} entries but there are {len(outputs)} outputs")
    grads = []
    for index, (output, grad) in enumerate(zip(outputs, grad_outputs)):
        if not isinstance(output, Tensor):
            raise TypeError(f"outputs[{index}] must be a Tensor, got {type(output).__name__}")
        if not output.requires_grad:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn: "
                f"nothing upstream of it requires grad (set requires_grad=True on the inputs, and "
                f"don't compute it under mt.no_grad())"
            )
        if grad is None:
            if output._data.size != 1:
                raise RuntimeError(
                    f"grad can be implicitly created only for scalar outputs, but this output has shape "
                    f"{output.shape}; pass gradient= (a tensor of that shape) or reduce it first, e.g. .sum()"
                )
            grads.append(_one_like(output._data))
            continue
        if isinstance(grad, Tensor):
            if create_graph:
                if grad.shape != output.shape:
                    _shape_mismatch(index, grad.shape, output.shape)
                grads.append(grad)
                continue
            grad = grad._data
        grad = np.array(grad, dtype=output.dtype, copy=True)
        if grad.shape != output.shape:
            _shape_mismatch(index, grad.shape, output.shape)
        grads.append(grad)
    return grads


def _shape_mismatch(index, grad_shape, output_shape):
    raise RuntimeError(
        f"Mismatch in shape: grad_output[{index}] has a shape of {tuple(grad_shape)} and "
        f"output[{index}] has a shape of {tuple(output_shape)}"
    )


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of every leaf that requires grad.

    ``grad_tensors`` holds dL/d(tensor) for each tensor (may be omitted for
    one-element tensors); ``retain_graph`` defaults to ``create_graph``.
    """
    if (
        tensors.__class__ is Tensor and grad_tensors is None and inputs is None and not create_graph
        and tensors._view is None and tensors._requires_grad and tensors._data.size == 1
    ):  # the common loss.backward(): what the general path below would do, without its checks
        run_backward((tensors,), (_one_like(tensors._data),), bool(retain_graph))
        return
    outputs = _as_sequence(tensors)
    grads = _root_gradients(outputs, _as_sequence(grad_tensors), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    if inputs is not None:
        inputs = _as_sequence(inputs)
        if not inputs:
            raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
        results = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs, allow_unused=True)
        for tensor, grad in zip(inputs, results):
            if grad is not None and not (tensor.grad_fn is not None and tensor.__dict__.get("_retains_grad")):
                # (a non-leaf that retains its grad got it from its retain_grad hook already)
                engine._deliver_to_leaf(tensor, grad if create_graph else grad._data, None, create_graph)
        return
    run_backward(outputs, grads, retain_graph, create_graph)


def grad(
    outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False, only_inputs=True,
    allow_unused=None, is_grads_batched=False, materialize_grads=False,
):
    """Return d(outputs)/d(inputs) as a tuple of Tensors, without touching any ``.grad``.

    With ``create_graph=True`` the returned gradients are part of a new graph, so
    they can be differentiated again (higher-order derivatives). An input that the
    outputs do not depend on is an error, or gets None with ``allow_unused=True``, or
    zeros with ``materialize_grads=True``. ``only_inputs`` is ignored (deprecated in
    PyTorch too).
    """
    if not only_inputs:
        warnings.warn("only_inputs argument is deprecated and is ignored now (defaults to True).", stacklevel=2)
    if is_grads_batched:
        raise NotImplementedError(
            "autograd.grad(is_grads_batched=True) needs vmap, which microtensor does not have; "
            "call autograd.grad once per row of grad_outputs (with retain_graph=True) instead"
        )
    if materialize_grads and allow_unused is False:
        raise ValueError("Expected allow_unused to be True or not passed when materialize_grads=True, but got: allow_unused=False.")
    output_list = _as_sequence(outputs)
    input_list = _as_sequence(inputs)
    for index, tensor in enumerate(input_list):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"inputs[{index}] must be a Tensor, got {type(tensor).__name__}")
        if not tensor.requires_grad:
            raise RuntimeError(f"One of the differentiated Tensors (inputs[{index}]) does not require grad")
    grads = _root_gradients(output_list, _as_sequence(grad_outputs), create_graph)
    if retain_graph is None:
        retain_graph = create_graph
    allow_unused = bool(allow_unused or materialize_grads)
    results = run_backward(output_list, grads, retain_graph, create_graph, inputs=input_list, allow_unused=allow_unused)
    if materialize_grads:
        results = tuple(
            Tensor._make(np.zeros_like(tensor._data)) if result is None else result
            for tensor, result in zip(input_list, results)
        )
    return results
