"""``gradcheck`` and ``gradgradcheck``: compare analytic gradients with central differences.

For a function ``f`` of tensors ``x_1 .. x_k`` with outputs ``y``, the check builds
the full Jacobian two ways, for every input that requires grad:

* numerically, one column per input element ``j``:
  ``(f(x + eps e_j) - f(x - eps e_j)) / (2 eps)`` (error O(eps^2));
* analytically, one row per output element ``i``: backpropagate the unit vector
  ``e_i`` through the recorded graph.

They must agree elementwise within ``atol + rtol * |numerical|``. As in PyTorch,
inputs should be float64: in float32 the rounding error of a difference quotient
with ``eps = 1e-6`` is about 1e-7 / 1e-6 = 0.1, far above any useful tolerance.
"""
import numpy as np

from .._tensor import Tensor
from .backward import grad as autograd_grad
from .grad_mode import enable_grad


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytic and numerical gradients disagree."""


def _outputs_as_tuple(result):
    if isinstance(result, Tensor):
        return (result,)
    return tuple(value for value in result if isinstance(value, Tensor))


def _numerical_jacobian(fn, inputs, input_index, output_sizes, eps):
    """d outputs / d inputs[input_index] by central differences: one column per element."""
    data = inputs[input_index]._data  # perturbed in place (element by element, in row-major order)
    columns = []
    for position in np.ndindex(data.shape):
        original = data[position]
        data[position] = original + eps
        plus = [np.array(out._data, dtype=np.float64).ravel() for out in _outputs_as_tuple(fn(*inputs))]
        data[position] = original - eps
        minus = [np.array(out._data, dtype=np.float64).ravel() for out in _outputs_as_tuple(fn(*inputs))]
        data[position] = original
        columns.append(np.concatenate([(p - m) / (2 * eps) for p, m in zip(plus, minus)]))
    if not columns:
        return np.zeros((sum(output_sizes), 0))
    return np.stack(columns, axis=1)


def _analytic_jacobians(outputs, differentiable):
    """Rows of d outputs / d inputs, one backward pass per output element."""
    total = sum(out._data.size for out in outputs)
    jacobians = [np.zeros((total, tensor._data.size)) for tensor in differentiable]
    row = 0
    for out_index, out in enumerate(outputs):
        for element in range(out._data.size):
            if out.requires_grad:
                seed = np.zeros(out._data.size, dtype=out.dtype)
                seed[element] = 1
                grads = autograd_grad(
                    out, differentiable, grad_outputs=seed.reshape(out.shape), retain_graph=True, allow_unused=True
                )
                for jacobian, grad in zip(jacobians, grads):
                    if grad is not None:
                        jacobian[row] = grad._data.ravel()
            row += 1
    return jacobians


_NOT_MODELLED = {
    "check_batched_grad": "batched gradients need vmap",
    "check_batched_forward_grad": "batched gradients need vmap",
    "check_forward_ad": "forward-mode AD",
    "check_fwd_over_rev": "forward-mode AD",
}


def _refuse_unmodelled(**flags):
    for name, value in flags.items():
        if value:
            raise NotImplementedError(
                f"gradcheck({name}=True): microtensor has no {_NOT_MODELLED[name]}; leave {name}=False "
                f"(the backward-mode check still runs)"
            )


def _fail(message, raise_exception):
    if raise_exception:
        raise GradcheckError(message)
    return False


def _mismatch_message(out_index, index, shape, jacobian, numerical, atol, rtol):
    error = np.abs(jacobian - numerical) - (atol + rtol * np.abs(numerical))
    worst = np.unravel_index(np.argmax(np.where(np.isfinite(jacobian), error, np.inf)), error.shape)
    output_element, input_element = worst
    input_position = np.unravel_index(input_element, shape) if len(shape) else ()
    return (
        f"Jacobian mismatch for output {out_index} with respect to input {index} (shape {shape}):\n"
        f"worst at input element {tuple(int(i) for i in input_position)}, output element {output_element}: "
        f"analytical {jacobian[worst]:.10g} vs numerical {numerical[worst]:.10g} "
        f"(difference {abs(jacobian[worst] - numerical[worst]):.3g}, allowed {atol + rtol * abs(numerical[worst]):.3g}).\n"
        f"numerical:{numerical}\nanalytical:{jacobian}"
    )


def _disagrees(jacobian, numerical, atol, rtol):
    error = np.abs(jacobian - numerical) - (atol + rtol * np.abs(numerical))
    return bool(error.size) and (np.max(error) > 0 or not np.all(np.isfinite(jacobian)))


def gradcheck(
    func, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, *, nondet_tol=0.0,
    check_undefined_grad=True, check_grad_dtypes=False, check_batched_grad=False,
    check_batched_forward_grad=False, check_forward_ad=False, check_backward_ad=True, fast_mode=False,
    masked=None,
):
    """Check ``func``'s gradients w.r.t. every input that requires grad against central differences.

    ``inputs`` is a tensor or a tuple of arguments (non-tensors are passed through).
    Returns True when every Jacobian entry agrees within ``atol + rtol * |numerical|``;
    otherwise raises ``GradcheckError`` (a ``RuntimeError``) naming the output, the input,
    the worst element and both values, or returns False when ``raise_exception=False``.

    PyTorch's other keywords are accepted. ``fast_mode=True`` runs the full check (exact,
    and cheap for the small inputs a check uses); ``nondet_tol``, ``check_undefined_grad``,
    ``check_grad_dtypes`` and ``masked`` change nothing here (backward is deterministic, the
    engine always gives a gradient its input's dtype, there are no sparse tensors);
    ``check_backward_ad=False`` leaves nothing to check. Forward-mode and batched checks
    raise ``NotImplementedError``.
    """
    _refuse_unmodelled(
        check_batched_grad=check_batched_grad, check_batched_forward_grad=check_batched_forward_grad,
        check_forward_ad=check_forward_ad,
    )
    if isinstance(inputs, Tensor) or not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(inputs)
    checked = [i for i, value in enumerate(inputs) if isinstance(value, Tensor) and value.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor with requires_grad=True")
    for index in checked:
        if inputs[index].dtype != np.float64:
            return _fail(
                f"gradcheck: input {index} has dtype {inputs[index].dtype}; central differences need float64 "
                f"(convert with .double())", raise_exception,
            )
    if not check_backward_ad:
        return True

    with enable_grad():
        outputs = _outputs_as_tuple(func(*inputs))
        output_sizes = [out._data.size for out in outputs]
        analytic = _analytic_jacobians(outputs, [inputs[i] for i in checked])
    numerical = [_numerical_jacobian(func, inputs, index, output_sizes, eps) for index in checked]
    bounds = np.cumsum([0] + output_sizes)
    for out_index in range(len(outputs)):
        rows = slice(bounds[out_index], bounds[out_index + 1])
        for jacobian, approximate, index in zip(analytic, numerical, checked):
            if approximate.shape != jacobian.shape:
                return _fail(
                    f"gradcheck: Jacobian shapes differ for input {index}: {jacobian.shape} vs {approximate.shape}",
                    raise_exception,
                )
            if _disagrees(jacobian[rows], approximate[rows], atol, rtol):
                return _fail(
                    _mismatch_message(out_index, index, inputs[index].shape, jacobian[rows], approximate[rows], atol, rtol),
                    raise_exception,
                )
    return True


def gradgradcheck(
    func, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, gen_non_contig_grad_outputs=False,
    raise_exception=True, *, nondet_tol=0.0, check_undefined_grad=True, check_grad_dtypes=False,
    check_batched_grad=False, check_fwd_over_rev=False, check_rev_over_rev=True, fast_mode=False, masked=False,
):
    """Check second derivatives: ``gradcheck`` of the map (inputs, v) -> v^T d func / d inputs.

    ``grad_outputs`` (the v, one per output of ``func``) are made at random (float64,
    fixed seed) when not given; given ones that require grad are checked too, as in PyTorch.
    """
    _refuse_unmodelled(check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev)
    if not check_rev_over_rev:
        return True
    if isinstance(inputs, Tensor) or not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(inputs)
    wrt = [i for i, value in enumerate(inputs) if isinstance(value, Tensor) and value.requires_grad]
    if grad_outputs is None:
        with enable_grad():
            outputs = [out for out in _outputs_as_tuple(func(*inputs)) if out.requires_grad]
        random = np.random.default_rng(0)
        grad_outputs = tuple(
            Tensor._make(random.uniform(-1, 1, out.shape).astype(out.dtype), requires_grad=True) for out in outputs
        )
    elif isinstance(grad_outputs, Tensor):
        grad_outputs = (grad_outputs,)
    grad_outputs = tuple(grad_outputs)
    count = len(inputs)

    def first_derivatives(*values):
        with enable_grad():
            outputs = [out for out in _outputs_as_tuple(func(*values[:count])) if out.requires_grad]
            grads = autograd_grad(
                outputs, [values[i] for i in wrt],
                grad_outputs=list(values[count:]), create_graph=True, allow_unused=True,
            )
        return tuple(g for g in grads if g is not None)

    return gradcheck(
        first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception,
    )
