"""``F.pixel_shuffle`` and ``F.pixel_unshuffle``: trade channels for resolution (sub-pixel convolution, ESPCN).

``pixel_shuffle(x, r)`` maps (*, C r^2, H, W) to (*, C, H r, W r) with
``y[..., c, h r + i, w r + j] = x[..., c r^2 + i r + j, h, w]``; ``pixel_unshuffle`` is its inverse.
Both are a reshape, a permutation and a reshape (a copy), so gradients come from autograd.
"""
from __future__ import annotations

from .._tensor import Tensor
from ..ops._util import not_a_tensor_error

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _checked(input, factor, name, what):
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(name, "input", input)
    if isinstance(factor, bool) or not isinstance(factor, int) or factor <= 0:
        raise RuntimeError(f"{name} expects a positive {what}, but got {factor!r}")
    if input.ndim < 3:
        raise RuntimeError(f"{name} expects input to have at least 3 dimensions, but got input with {input.ndim} "
                           f"dimension(s)")


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:
    """(*, C r^2, H, W) -> (*, C, H r, W r) with r = ``upscale_factor``."""
    _checked(input, upscale_factor, "pixel_shuffle", "upscale_factor")
    r = upscale_factor
    *batch, channels, height, width = input.shape
    if channels % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
                           f"upscale_factor, but input.size(-3)={channels} is not divisible by {r * r}")
    n = len(batch)
    x = input.reshape(*batch, channels // (r * r), r, r, height, width)
    x = x.permute(*range(n), n, n + 3, n + 1, n + 4, n + 2)  # (*, C, H, r, W, r)
    return x.reshape(*batch, channels // (r * r), height * r, width * r)


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:
    """(*, C, H r, W r) -> (*, C r^2, H, W) with r = ``downscale_factor``; the inverse of ``pixel_shuffle``."""
    _checked(input, downscale_factor, "pixel_unshuffle", "downscale_factor")
    r = downscale_factor
    *batch, channels, height, width = input.shape
    if height % r or width % r:
        raise RuntimeError(f"pixel_unshuffle expects height and width to be divisible by downscale_factor, but input "
                           f"of size {list(input.shape)} is not divisible by {r}")
    n = len(batch)
    x = input.reshape(*batch, channels, height // r, r, width // r, r)
    x = x.permute(*range(n), n, n + 2, n + 4, n + 1, n + 3)  # (*, C, r, r, H, W)
    return x.reshape(*batch, channels * r * r, height // r, width // r)
