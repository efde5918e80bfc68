"""``mt.autograd.functional``: Jacobians, Hessians and their products, from ``autograd.grad``.

As in PyTorch, ``func`` takes one tensor or a tuple of tensors and returns one or a
tuple; the inputs are differentiated on fresh leaves (``inputs`` themselves are not
changed). Each Jacobian is built one output element at a time by reverse mode:

    J[i, j] = d out_i / d in_j   (a tensor of shape out.shape + in.shape),

a Hessian is the Jacobian of the gradient, and the products use one or two passes:
``vjp`` = v^T J, ``jvp`` = J v (the "double-backward" trick: J v = d/du (u^T J v)),
``vhp`` = v^T H and ``hvp`` = H v (equal, H being symmetric).
"""
import numpy as np

from .._tensor import Tensor
from .backward import grad as autograd_grad
from .grad_mode import enable_grad


def _as_tuple(value, what, function_name):
    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for index, item in enumerate(values):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"The {what} given to {function_name} must be either a Tensor or a tuple of Tensors but the "
                f"value at index {index} has type {type(item).__name__}."
            )
    return is_tuple, values


def _fresh_leaves(inputs, create_graph):
    """Differentiable stand-ins: with create_graph, still connected to the inputs' own graph."""
    if create_graph:
        return tuple(x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True) for x in inputs)
    return tuple(x.detach().requires_grad_(True) for x in inputs)


def _finish(values, create_graph):
    return tuple(None if v is None else v if create_graph else v.detach() for v in values)


def _zeros_like(tensor):
    return Tensor._make(np.zeros_like(tensor._data))


def _grads(outputs, inputs, grad_outputs, create_graph, strict, function_name, output_index=0):
    """d(outputs . grad_outputs)/d inputs, zeros (or, with ``strict``, an error) where independent."""
    if not any(out.requires_grad for out in outputs):
        results = (None,) * len(inputs)
    else:
        pairs = [(out, g) for out, g in zip(outputs, grad_outputs) if out.requires_grad]
        results = autograd_grad(
            [out for out, _ in pairs], inputs, [g for _, g in pairs], retain_graph=True,
            create_graph=create_graph, allow_unused=True,
        )
    filled = []
    for index, (tensor, result) in enumerate(zip(inputs, results)):
        if result is None:
            if strict:
                raise RuntimeError(
                    f"Output {output_index} of the user-provided function is independent of input {index}. "
                    f"This is not allowed in strict mode (in {function_name})."
                )
            result = _zeros_like(tensor)
        filled.append(result)
    return tuple(filled)


def _check_vectorize(vectorize, strategy):
    if strategy not in ("reverse-mode", "forward-mode"):
        raise ValueError(f'Expected strategy to be either "forward-mode" or "reverse-mode", got {strategy!r}.')
    if strategy == "forward-mode":
        raise NotImplementedError("strategy='forward-mode' needs forward-mode AD, which microtensor does not have")


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False, strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for one input and one output a tensor of shape
    ``out.shape + in.shape``; a tuple per input and/or per output otherwise, as in PyTorch.
    (``vectorize`` is accepted and changes nothing: the rows are computed one by one.)"""
    _check_vectorize(vectorize, strategy)
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jacobian")
    with enable_grad():
        inputs = _fresh_leaves(inputs, create_graph)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jacobian")
        blocks = []  # per output: per input, the list of rows (one per output element)
        for out_index, out in enumerate(outputs):
            flat = out.reshape(-1)
            rows = [[] for _ in inputs]
            for element in range(flat.shape[0]):
                row = _grads((flat[element],), inputs, (None,), create_graph, strict, "jacobian", out_index)
                for per_input, value in zip(rows, row):
                    per_input.append(value)
            per_output = []
            for tensor, per_input in zip(inputs, rows):
                if per_input:
                    block = np.stack(per_input).reshape(tuple(out.shape) + tuple(tensor.shape))
                else:
                    block = Tensor._make(np.zeros(tuple(out.shape) + tuple(tensor.shape), dtype=tensor.dtype))
                per_output.append(block)
            blocks.append(_finish(per_output, create_graph))
    return _shape_result(blocks, outputs_tuple, inputs_tuple)


def _shape_result(blocks, outputs_tuple, inputs_tuple):
    if not outputs_tuple and not inputs_tuple:
        return blocks[0][0]
    if not outputs_tuple:
        return blocks[0]
    if not inputs_tuple:
        return tuple(block[0] for block in blocks)
    return tuple(blocks)


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False, outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: shape ``in.shape + in.shape`` for one input; for a
    tuple of inputs a tuple of tuples, ``H[i][j] = d^2 f / d in_i d in_j``."""
    _check_vectorize(vectorize, outer_jacobian_strategy)
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")

    def gradient(*values):
        out = func(*values)
        if not isinstance(out, Tensor) or out._data.size != 1:
            raise RuntimeError("The function given to hessian should return a single Tensor with a single element")
        return _grads((out.reshape(()),), values, (None,), True, strict, "hessian")

    result = jacobian(gradient, inputs, create_graph=create_graph, strict=strict)
    return result if inputs_tuple else result[0][0]


def _values_for(outputs_or_inputs, v, function_name, what):
    """The vector ``v`` matched to ``outputs_or_inputs`` (None: only for one one-element tensor)."""
    if v is None:
        if len(outputs_or_inputs) != 1 or outputs_or_inputs[0]._data.size != 1:
            raise RuntimeError(
                f"The vector v can only be None if the {what} to the user-provided function is a single "
                f"Tensor with a single element (in {function_name})."
            )
        return (Tensor._make(np.ones_like(outputs_or_inputs[0]._data)),)
    _, values = _as_tuple(v, "v", function_name)
    if len(values) != len(outputs_or_inputs):
        raise RuntimeError(f"v has {len(values)} entries but the {what} has {len(outputs_or_inputs)} ({function_name})")
    for index, (value, target) in enumerate(zip(values, outputs_or_inputs)):
        if value.shape != target.shape:
            raise RuntimeError(
                f"Entry {index} in v has invalid size: should be {tuple(target.shape)} but got {tuple(value.shape)} "
                f"({function_name})."
            )
    return values


def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T J)``: the vector-Jacobian product, one backward pass."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "vjp")
    with enable_grad():
        inputs = _fresh_leaves(inputs, create_graph)
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "vjp")
        values = _values_for(outputs, v, "vjp", "output")
        products = _grads(outputs, inputs, values, create_graph, strict, "vjp")
    out = _finish(outputs, create_graph)
    products = _finish(products, create_graph)
    return (out if outputs_tuple else out[0]), (products if inputs_tuple else products[0])


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), J v)``: the Jacobian-vector product, by two backward passes."""
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", "jvp")
    with enable_grad():
        inputs = _fresh_leaves(inputs, create_graph)
        values = _values_for(inputs, v, "jvp", "input")
        outputs_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", "jvp")
        dummies = tuple(Tensor._make(np.zeros_like(out._data), requires_grad=True) for out in outputs)
        transposed = _grads(outputs, inputs, dummies, True, strict, "jvp")  # u -> u^T J, linear in u
        products = _grads(transposed, dummies, values, create_graph, strict, "jvp")
    out = _finish(outputs, create_graph)
    products = _finish(products, create_graph)
    return (out if outputs_tuple else out[0]), (products if outputs_tuple else products[0])


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), v^T H)`` for a scalar ``func``."""
    return _hessian_product(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(inputs), H v)`` for a scalar ``func`` (the same as ``vhp``: H is symmetric)."""
    return _hessian_product(func, inputs, v, create_graph, strict, "hvp")


def _hessian_product(func, inputs, v, create_graph, strict, function_name):
    inputs_tuple, inputs = _as_tuple(inputs, "inputs", function_name)
    with enable_grad():
        inputs = _fresh_leaves(inputs, create_graph)
        values = _values_for(inputs, v, function_name, "input")
        out = func(*inputs)
        if not isinstance(out, Tensor) or out._data.size != 1:
            raise RuntimeError(
                f"The function given to {function_name} should return a single Tensor with a single element"
            )
        gradients = _grads((out.reshape(()),), inputs, (None,), True, strict, function_name)
        products = _grads(gradients, inputs, values, create_graph, strict, function_name)
    (out,) = _finish((out,), create_graph)
    products = _finish(products, create_graph)
    return out, (products if inputs_tuple else products[0])
