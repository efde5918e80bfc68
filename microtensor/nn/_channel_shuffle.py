"""``F.channel_shuffle`` (and its alias ``F.native_channel_shuffle``): interleave the channels of ``groups``
groups (ShuffleNet), and the deprecated ``F.upsample_bilinear`` / ``F.upsample_nearest``.

``channel_shuffle(x, g)`` on (N, C, *) views the channels as (g, C / g), transposes that to
(C / g, g) and flattens it back: output channel ``i * g + j`` is input channel ``j * (C / g) + i``.
A reshape, a transpose and a reshape (a copy), so the gradient comes from autograd.
"""
from __future__ import annotations

import warnings
from typing import Optional, Sequence, Union

from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ._interpolate import interpolate

__all__ = ["channel_shuffle", "native_channel_shuffle", "upsample_bilinear", "upsample_nearest"]


def channel_shuffle(input: Tensor, groups: int) -> Tensor:
    """Split the C channels of (N, C, *) into ``groups`` groups and interleave them."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("channel_shuffle", "input", input)
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"channel_shuffle(): groups must be an int, not {type(groups).__name__}")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with sizes "
                           f"{list(input.shape)}")
    if groups <= 0:
        raise RuntimeError(f"Number of groups to divide channels in must be positive. Value of groups:{groups}")
    batch, channels, *rest = input.shape
    if channels % groups:
        raise RuntimeError(f"Number of channels must be divisible by groups. Got {channels} channels and {groups} "
                           f"groups.")
    grouped = input.reshape(batch, groups, channels // groups, *rest)
    return grouped.transpose(1, 2).reshape(batch, channels, *rest)


native_channel_shuffle = channel_shuffle


def upsample_bilinear(
    input: Tensor, size: Optional[Union[int, Sequence[int]]] = None,
    scale_factor: Optional[Union[float, Sequence[float]]] = None,
) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear', align_corners=True)``."""
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def upsample_nearest(
    input: Tensor, size: Optional[Union[int, Sequence[int]]] = None,
    scale_factor: Optional[Union[float, Sequence[float]]] = None,
) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``."""
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use `nn.functional.interpolate` instead.",
                  stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")
