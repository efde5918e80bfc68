"""Calling an op of two operands (``a + b``, ``a % b``, ``clamp(a, t)``): operand conversion, the
hot path into the op's ``Function``, and the errors numpy raises on the way, in PyTorch's words."""
import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _state
from ._util import integer_scalars_as_torch, to_operand


def broadcast_error(op_name, a, b):
    """A RuntimeError naming the op, both shapes and the first clashing dimension."""
    shape_a, shape_b = np.shape(a), np.shape(b)
    for offset in range(1, min(len(shape_a), len(shape_b)) + 1):
        size_a, size_b = shape_a[-offset], shape_b[-offset]
        if size_a != size_b and size_a != 1 and size_b != 1:
            dim = max(len(shape_a), len(shape_b)) - offset
            return RuntimeError(
                f"{op_name}: The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) at "
                f"non-singleton dimension {dim}; shapes {tuple(shape_a)} and {tuple(shape_b)} do not broadcast"
            )
    return None


def _binary(function, op_name, input, other):
    kind = input.__class__
    a = input if kind is Tensor or kind is float or kind is int else to_operand(input, op_name)
    kind = other.__class__
    b = other if kind is Tensor or kind is float or kind is int else to_operand(other, op_name)
    try:
        if _state.recorder is not None:  # mt.compile is capturing: go through apply, which it watches
            return function.apply(a, b)
        return function._apply_binary(a, b)
    except OverflowError:  # numpy refuses a Python int outside the integer tensor's range
        a, b = integer_scalars_as_torch(op_name, a, b)
        return function._apply_binary(a, b)
    except ValueError:
        error = broadcast_error(op_name, getattr(a, "_data", a), getattr(b, "_data", b))
        if error is None:
            raise
        raise error from None
