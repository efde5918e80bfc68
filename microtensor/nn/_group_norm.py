"""``F.group_norm``: standardise each sample over groups of channels, then a per-channel affine map.

The C channels of an (N, C, *) input are split into G groups of C / G; each (sample, group) is
standardised over its channels and positions (biased variance, ``eps`` inside the square root):

    x viewed as (N, G, (C / G) prod(*)),   xhat = layer_norm over the last dim,   y = w_c xhat + b_c.

The standardisation is the fused layer-norm op on that view (its closed-form backward, exact second
derivatives), the per-channel ``w`` and ``b`` are ordinary broadcast ops. G = 1 is layer norm over
(C, *) with per-channel parameters; G = C is instance norm.
"""
from __future__ import annotations

from typing import Optional

from .._tensor import Tensor
from ._norm_ops import LayerNorm, _floating, _optional_tensor, _same_dtype, _shape_list, _tensor

__all__ = ["group_norm"]


def group_norm(
    input: Tensor, num_groups: int, weight: Optional[Tensor] = None, bias: Optional[Tensor] = None,
    eps: float = 1e-05,
) -> Tensor:
    """Group normalisation of ``input`` (N, C, *) with ``num_groups`` groups of channels; ``weight``
    and ``bias`` have one value per channel (C,)."""
    input = _floating(_tensor(input, "input", "group_norm"), "group_norm")
    weight = _optional_tensor(weight, "weight", "group_norm")
    bias = _optional_tensor(bias, "bias", "group_norm")
    shape = tuple(input.shape)
    if input.ndim < 2:
        raise RuntimeError(
            f"group_norm(): expected an input of shape (N, C, *) with at least 2 dimensions, got {shape}"
        )
    channels = shape[1]
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups <= 0:
        raise ValueError(f"group_norm(): num_groups must be a positive int, got {num_groups!r}")
    if channels % num_groups:
        raise RuntimeError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{_shape_list(shape)} and num_groups={num_groups}"
        )
    for name, value in (("weight", weight), ("bias", bias)):
        if value is not None and tuple(value.shape) != (channels,):
            raise RuntimeError(
                f"group_norm(): expected {name} of shape [{channels}] (one value per channel of the input "
                f"{_shape_list(shape)}), got {_shape_list(value.shape)}"
            )
    _same_dtype("group_norm", input, weight=weight, bias=bias)
    grouped = input.reshape(shape[0], num_groups, -1)
    out = LayerNorm.apply(grouped, None, None, 1, float(eps)).reshape(shape)
    parameter_shape = (1, channels) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(parameter_shape)
    if bias is not None:
        out = out + bias.reshape(parameter_shape)
    return out
