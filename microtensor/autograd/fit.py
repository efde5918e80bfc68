"""Undoing broadcasting: a gradient summed back to its input's shape and cast to its dtype.

An op's backward returns the gradient of its (broadcast) output: for ``x (3, 1) + b (4,)`` the
output is ``(3, 4)``, and so is the gradient backward hands back for each input. The input ``x``
was stretched along axis 1 and ``b`` gained a leading axis, so their gradients are those of the
output summed over the stretched and added axes (every copy of a value passed its gradient on).
The engine calls ``fit_gradient`` once per input, so no op undoes broadcasting itself.
"""
import numpy as np

from .._float_errors import quiet_float_errors
from .._tensor import Tensor


def fit_gradient(grad, shape, dtype, node, index, create_graph):
    """Sum a broadcast gradient back to the input's ``shape`` and cast it to its ``dtype``.

    This is the one place where broadcasting is undone: ops return the gradient
    of their (broadcast) output and this function reduces it. Returns the gradient
    and whether it is a new array of our own (made here by a sum or a cast).
    """
    fresh = False
    if not create_graph and type(grad) is not np.ndarray:
        grad = np.asarray(grad._data if isinstance(grad, Tensor) else grad)
    grad_shape = grad.shape
    if grad_shape != shape:
        axes = _FIT_AXES.get((grad_shape, shape))
        if axes is None:
            axes = _kept_broadcast_axes(grad_shape, shape, node, index)
        if axes:
            if grad.__class__ is np.ndarray:  # the axes summed away; a reshape below puts back kept 1s
                grad = _add_reduce(grad, axis=axes)
            else:  # a Tensor (create_graph=True): summed as a recorded op
                grad = grad.sum(axis=axes, keepdims=True)
            fresh = True
        if grad.shape != shape:
            grad = grad.reshape(shape)
    if grad.dtype is not dtype and grad.dtype != dtype:
        if create_graph:
            grad = grad.to(dtype)
        else:
            with quiet_float_errors():  # a float64 gradient beyond float32's range becomes inf, as in PyTorch
                grad = grad.astype(dtype)
        fresh = True
    return grad, fresh


_add_reduce = np.add.reduce  # what ndarray.sum calls, without the method's own steps
_FIT_AXES = {}  # (gradient shape, input shape) -> the axes summed to undo the broadcast


def broadcast_axes(grad_shape, shape):
    """The axes of ``grad_shape`` that broadcasting added or stretched from ``shape`` (None if
    ``shape`` does not broadcast to ``grad_shape``)."""
    extra = len(grad_shape) - len(shape)
    if extra < 0 or any(size != 1 and size != grad_shape[extra + axis] for axis, size in enumerate(shape)):
        return None
    return tuple(range(extra)) + tuple(
        extra + axis for axis, size in enumerate(shape) if size == 1 and grad_shape[extra + axis] != 1
    )


def _kept_broadcast_axes(grad_shape, shape, node, index):
    """``broadcast_axes``, kept in ``_FIT_AXES``; a RuntimeError naming the node if the shapes do not fit."""
    axes = broadcast_axes(grad_shape, shape)
    if axes is None:
        raise RuntimeError(
            f"Function {node.name()} returned an invalid gradient at index {index} - got "
            f"{list(grad_shape)} but expected shape compatible with {list(shape)}"
        )
    if len(_FIT_AXES) > 4096:  # many distinct shapes (e.g. variable lengths): start again
        _FIT_AXES.clear()
    _FIT_AXES[(grad_shape, shape)] = axes
    return axes
