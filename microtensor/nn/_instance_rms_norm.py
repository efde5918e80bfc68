"""``F.instance_norm``, ``F.rms_norm`` and ``F.local_response_norm``.

Instance norm standardises each (sample, channel) of an (N, C, *) input over its positions. It is
batch norm on the input viewed as one sample of N C channels (PyTorch's own construction): the
weight, bias and running statistics are repeated N times, the fused batch-norm op gives the values
and the closed-form gradient, and the running statistics then take the mean over the N copies.

RMS norm (Zhang & Sennrich; LLaMA) rescales by the root mean square over the last dims, without
centring: ``y = x / sqrt(mean(x^2) + eps) * weight``; ``eps=None`` is the dtype's machine epsilon.

Local response norm (AlexNet) divides each channel by its neighbours' energy:
``y_c = x_c / (k + alpha / n * sum_{c' = c - n // 2}^{c + (n - 1) // 2} x_{c'}^2) ** beta`` (channels outside
[0, C) count 0).
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ._norm_ops import _floating, _optional_tensor, _shape_list, _tensor, batch_norm

__all__ = ["instance_norm", "rms_norm", "local_response_norm"]


def instance_norm(
    input: Tensor, running_mean: Optional[Tensor] = None, running_var: Optional[Tensor] = None,
    weight: Optional[Tensor] = None, bias: Optional[Tensor] = None, use_input_stats: bool = True,
    momentum: float = 0.1, eps: float = 1e-05,
) -> Tensor:
    """Instance normalisation of ``input`` (N, C, *): each sample's channel standardised over its positions
    (``use_input_stats``, updating the running statistics if given), or with the running statistics."""
    input = _floating(_tensor(input, "input", "instance_norm"), "instance_norm")
    running_mean = _optional_tensor(running_mean, "running_mean", "instance_norm")
    running_var = _optional_tensor(running_var, "running_var", "instance_norm")
    weight = _optional_tensor(weight, "weight", "instance_norm")
    bias = _optional_tensor(bias, "bias", "instance_norm")
    shape = tuple(input.shape)
    if input.ndim < 3:
        raise ValueError(f"instance_norm(): expected an input of shape (N, C, *) with at least one position dim, "
                         f"got {shape}")
    samples, channels = shape[0], shape[1]
    for name, value in (("running_mean", running_mean), ("running_var", running_var), ("weight", weight),
                        ("bias", bias)):
        if value is not None and value.numel() != channels:
            raise RuntimeError(f"instance_norm(): {name} should contain {channels} elements not {value.numel()} "
                               f"(input of shape {shape})")

    def repeated(value):
        return None if value is None else value.reshape(-1).repeat(samples)

    stacked_mean = None if running_mean is None else Tensor._make(np.tile(running_mean._data.reshape(-1), samples))
    stacked_var = None if running_var is None else Tensor._make(np.tile(running_var._data.reshape(-1), samples))
    out = batch_norm(input.reshape((1, samples * channels) + shape[2:]), stacked_mean, stacked_var, repeated(weight),
                     repeated(bias), use_input_stats, momentum, eps)
    if use_input_stats:
        with no_grad():
            for running, stacked in ((running_mean, stacked_mean), (running_var, stacked_var)):
                if running is not None:
                    running.copy_(Tensor._make(stacked._data.reshape(samples, channels).mean(0)).reshape(running.shape))
    return out.reshape(shape)


def rms_norm(
    input: Tensor, normalized_shape: Union[int, Sequence[int]], weight: Optional[Tensor] = None,
    eps: Optional[float] = None,
) -> Tensor:
    """``input / sqrt(mean(input^2) + eps) * weight`` over the last ``len(normalized_shape)`` dims."""
    input = _floating(_tensor(input, "input", "rms_norm"), "rms_norm")
    weight = _optional_tensor(weight, "weight", "rms_norm")
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    count = len(normalized_shape)
    if count == 0 or input.ndim < count or tuple(input.shape[input.ndim - count:]) != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={_shape_list(normalized_shape)}, expected input with shape "
            f"[*, {_shape_list(normalized_shape)[1:-1]}], but got input of size{_shape_list(input.shape)}"
        )
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    dims = tuple(range(input.ndim - count, input.ndim))
    out = input * ((input * input).mean(dims, keepdim=True) + eps) ** -0.5
    return out if weight is None else out * weight


def local_response_norm(input: Tensor, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> Tensor:
    """Divide each channel (dim 1) by ``(k + alpha / size * sum of x^2 over size neighbouring channels) ** beta``."""
    input = _floating(_tensor(input, "input", "local_response_norm"), "local_response_norm")
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} dimensions)")
    if input.numel() == 0:
        return input
    channels = input.shape[1]
    squares = input * input
    before, after = size // 2, (size - 1) // 2
    zeros_shape = lambda count: (input.shape[0], count) + tuple(input.shape[2:])  # noqa: E731
    padded = _ops.cat([Tensor._make(np.zeros(zeros_shape(before), dtype=input.dtype)), squares,
                       Tensor._make(np.zeros(zeros_shape(after), dtype=input.dtype))], dim=1)
    energy = padded[:, 0:channels]
    for shift in range(1, size):
        energy = energy + padded[:, shift:shift + channels]
    return input / (energy * (alpha / size) + k) ** beta
