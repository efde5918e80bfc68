"""All parameters as one flat vector and back, as ``torch.nn.utils.convert_parameters``.

``parameters_to_vector(model.parameters())`` concatenates ``p.reshape(-1)`` for every
parameter (a differentiable op: the vector's graph leads to the parameters);
``vector_to_parameters(vec, model.parameters())`` makes each parameter's ``.data`` the
matching slice of ``vec``, shaped like the parameter: the parameters then share ``vec``'s
memory, as in PyTorch.
"""
import math

from ... import ops as _ops
from ..._tensor import Tensor

__all__ = ["parameters_to_vector", "vector_to_parameters"]


def _checked(parameters, function):
    parameters = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for position, param in enumerate(parameters):
        if not isinstance(param, Tensor):
            raise TypeError(f"{function} expects Tensors, but parameter {position} is a {type(param).__name__}")
    return parameters


def parameters_to_vector(parameters):
    """One 1-D Tensor: the parameters flattened and concatenated in order."""
    parameters = _checked(parameters, "parameters_to_vector")
    if not parameters:
        raise RuntimeError("parameters_to_vector: expected a non-empty iterable of parameters")
    return _ops.cat([param.reshape(-1) for param in parameters])


def vector_to_parameters(vec, parameters):
    """Copy the slices of the 1-D Tensor ``vec`` into the parameters' ``.data`` (sharing ``vec``'s memory)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected microtensor.Tensor, but got: {type(vec).__name__}")
    if vec.ndim != 1:
        raise RuntimeError(f"vector_to_parameters: vec must be a 1-D vector, got shape {tuple(vec.shape)}")
    parameters = _checked(parameters, "vector_to_parameters")
    needed = sum(math.prod(param.shape) for param in parameters)
    if vec.shape[0] < needed:
        raise RuntimeError(
            f"vector_to_parameters: vec has {vec.shape[0]} elements, but the parameters need {needed}"
        )
    pointer = 0
    for param in parameters:
        count = math.prod(param.shape)
        piece = vec._data[pointer:pointer + count].reshape(param.shape)
        if not piece.flags.writeable:  # an optimizer must be able to update the parameter in place
            piece = piece.copy()
        param.data = piece
        pointer += count
