"""Gradient clipping, as ``torch.nn.utils.clip_grad``.

``clip_grad_norm_(parameters, max_norm, norm_type=2.0)`` measures the gradients of all
parameters together and scales them down in place when they are too large::

    norms      = [||g_i||_p for each gradient g_i]          (parameters without .grad are skipped)
    total_norm = ||norms||_p                                 (= ||all gradients as one vector||_p)
    g_i       <- g_i * min(1, max_norm / (total_norm + 1e-6))

``p = inf`` is the largest absolute value, ``p = 0`` counts non-zeros (taken twice, as in
PyTorch). ``clip_grad_value_(parameters, clip_value)`` clamps every gradient entry into
``[-clip_value, clip_value]``. Both change ``p.grad`` in place, outside the graph.
"""
import math
import types
import warnings

import numpy as np

from ... import _dtypes
from ..._tensor import Tensor
from ...autograd.grad_mode import _state
from ..._float_errors import quiet_float_errors

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_", "get_total_norm"]


def _as_list(tensors, function):
    """A single Tensor or an iterable of Tensors as a list, checked."""
    if isinstance(tensors, Tensor):
        return [tensors]
    try:
        tensors = list(tensors)
    except TypeError:
        raise TypeError(
            f"{function} expects a Tensor or an iterable of Tensors (e.g. model.parameters()), "
            f"got {type(tensors).__name__}"
        ) from None
    for position, tensor in enumerate(tensors):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"{function} expects Tensors, but entry {position} is a {type(tensor).__name__}")
    return tensors


def _gradients(parameters):
    return [param.grad for param in parameters if param.grad is not None]


def _vector_norm(array, norm_type):
    """``torch.linalg.vector_norm(array, norm_type)`` in float64."""
    magnitudes = np.abs(np.asarray(array, dtype=np.float64)).ravel()
    if norm_type == math.inf:
        return magnitudes.max(initial=0.0)
    if norm_type == -math.inf:
        return magnitudes.min(initial=math.inf) if magnitudes.size else 0.0
    if norm_type == 0:
        return float(np.count_nonzero(magnitudes))
    if norm_type == 1:
        return magnitudes.sum()
    if norm_type == 2:
        return math.sqrt(np.dot(magnitudes, magnitudes))
    with quiet_float_errors():
        return np.sum(magnitudes ** norm_type) ** (1.0 / norm_type)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The ``norm_type``-norm of all ``tensors`` together, as a 0-dim Tensor (in their dtype).

    Raises a ``RuntimeError`` if it is nan or infinite and ``error_if_nonfinite`` is True.
    ``foreach`` is accepted for PyTorch compatibility (there is one implementation).
    """
    tensors = _as_list(tensors, "get_total_norm")
    norm_type = float(norm_type)
    if not tensors:
        return Tensor._make(np.array(0.0, dtype=_dtypes.get_default_dtype()))
    dtype = np.result_type(*(tensor.dtype for tensor in tensors))
    norms = [_vector_norm(tensor._data, norm_type) for tensor in tensors]
    total = np.asarray(_vector_norm(norms, norm_type), dtype=dtype)
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is non-finite, so it cannot be "
            f"clipped. To disable this error and scale the gradients by the non-finite norm anyway, set "
            f"`error_if_nonfinite=False`"
        )
    return Tensor._make(total)


def _scale_in_place(grad, factor):
    data = grad._data
    if data.flags.writeable:
        np.multiply(data, factor, out=data, casting="unsafe")
    else:
        grad._data = (data * factor).astype(data.dtype)
    grad._version_counter[0] += 1


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients of ``parameters`` by ``min(1, max_norm / (total_norm + 1e-6))``, in place."""
    grads = _gradients(_as_list(parameters, "clip_grads_with_norm_"))
    if not grads:
        return
    total = total_norm._data if isinstance(total_norm, Tensor) else np.asarray(total_norm, dtype=np.float64)
    dtype = total.dtype if total.dtype.kind == "f" else np.dtype(np.float64)
    with quiet_float_errors():
        coefficient = np.asarray(float(max_norm), dtype) / (total.astype(dtype) + np.asarray(1e-6, dtype))
    coefficient = np.minimum(coefficient, np.asarray(1.0, dtype))  # a nan stays nan, as torch.clamp
    for grad in grads:
        _scale_in_place(grad, coefficient)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale the gradients of ``parameters`` (a Tensor or an iterable) in place so that their total
    ``norm_type``-norm is at most ``max_norm``; returns the total norm before clipping (a 0-dim Tensor).

    Parameters whose ``.grad`` is None are skipped. ``norm_type`` may be ``float('inf')``
    (or ``'inf'``). With ``error_if_nonfinite=True`` a nan/inf total norm raises a
    ``RuntimeError`` instead of spreading into the gradients.
    """
    if not isinstance(parameters, Tensor) and isinstance(parameters, types.GeneratorType):
        parameters = list(parameters)
        if not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.", stacklevel=2)
    parameters = _as_list(parameters, "clip_grad_norm_")
    if _state.recorder is not None:  # mt.compile capturing: replays call this function again, as it is
        return _state.recorder.on_call(clip_grad_norm_, parameters, max_norm, norm_type, error_if_nonfinite, foreach)
    total_norm = get_total_norm(_gradients(parameters), norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated spelling of ``clip_grad_norm_`` (warns, as PyTorch)."""
    warnings.warn(
        "`torch.nn.utils.clip_grad_norm` is now deprecated in favor of `torch.nn.utils.clip_grad_norm_`.",
        FutureWarning,
        stacklevel=2,
    )
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient entry of ``parameters`` (a Tensor or an iterable) into ``[-clip_value, clip_value]``,
    in place; parameters without ``.grad`` are skipped. Returns None."""
    clip_value = float(clip_value)
    parameters = _as_list(parameters, "clip_grad_value_")
    if _state.recorder is not None:  # mt.compile capturing: replays call this function again, as it is
        return _state.recorder.on_call(clip_grad_value_, parameters, clip_value, foreach)
    for grad in _gradients(parameters):
        data = grad._data
        if data.flags.writeable:
            np.clip(data, -clip_value, clip_value, out=data, casting="unsafe")
        else:
            grad._data = np.clip(data, -clip_value, clip_value).astype(data.dtype)
        grad._version_counter[0] += 1
