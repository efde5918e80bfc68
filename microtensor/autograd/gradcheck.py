"""``gradcheck``: compare analytic gradients with central differences.

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


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """Check ``fn``'s gradients w.r.t. every input that requires grad against central differences.

    ``inputs`` is a tensor or a tuple of arguments (non-tensors are passed through).
    Returns True when every Jacobian entry agrees within ``atol + rtol * |numerical|``;
    otherwise raises ``GradcheckError`` (a ``RuntimeError``) naming the input, the worst
    element and both values, or returns False when ``raise_exception=False``.
    """
    if isinstance(inputs, Tensor) or not isinstance(inputs, (tuple, list)):
        inputs = (inputs,)
    inputs = tuple(inputs)
    checked = [i for i, value in enumerate(inputs) if isinstance(value, Tensor) and value.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor with requires_grad=True")
    for index in checked:
        if inputs[index].dtype != np.float64:
            message = (
                f"gradcheck: input {index} has dtype {inputs[index].dtype}; central differences need float64 "
                f"(convert with .double())"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False

    with enable_grad():
        outputs = _outputs_as_tuple(fn(*inputs))
        output_sizes = [out._data.size for out in outputs]
        analytic = _analytic_jacobians(outputs, [inputs[i] for i in checked])
    for jacobian, index in zip(analytic, checked):
        numerical = _numerical_jacobian(fn, inputs, index, output_sizes, eps)
        if numerical.shape != jacobian.shape:
            raise GradcheckError(f"gradcheck: Jacobian shapes differ for input {index}: {jacobian.shape} vs {numerical.shape}")
        error = np.abs(jacobian - numerical) - (atol + rtol * np.abs(numerical))
        if error.size and (np.max(error) > 0 or not np.all(np.isfinite(jacobian))):
            worst = np.unravel_index(np.argmax(np.where(np.isfinite(jacobian), error, np.inf)), error.shape)
            output_element, input_element = worst
            input_position = np.unravel_index(input_element, inputs[index].shape) if inputs[index].ndim else ()
            message = (
                f"Jacobian mismatch for output 0 with respect to input {index} (shape {inputs[index].shape}):\n"
                f"worst at input element {tuple(int(i) for i in input_position)}, output element {output_element}: "
                f"analytical {jacobian[worst]:.10g} vs numerical {numerical[worst]:.10g} "
                f"(difference {abs(jacobian[worst] - numerical[worst]):.3g}, allowed {atol + rtol * abs(numerical[worst]):.3g}).\n"
                f"numerical:{numerical}\nanalytical:{jacobian}"
            )
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True
