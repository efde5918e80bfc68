"""Spatial transformers: ``F.affine_grid`` (the sampling grid of an affine map) and ``F.grid_sample``.

``affine_grid(theta, size)`` gives, for every output pixel, the point ``theta @ (x, y, 1)`` (3-D:
``(x, y, z, 1)``) it samples, where ``x, y`` run over ``linspace(-1, 1, n)`` (with
``align_corners=False`` scaled by ``(n - 1) / n``, the pixel centres); one matmul, so its
gradient in ``theta`` is that matmul's.

``grid_sample(input, grid)`` reads ``input`` at those points, ``grid[..., 0]`` along the width
and ``grid[..., 1]`` along the height (``grid[..., 2]`` along the depth of a volume). Per axis
of length ``L`` the point ``g`` becomes the source coordinate
``u = (g + 1) (L - 1) / 2`` (``align_corners``) or ``u = ((g + 1) L - 1) / 2``; then

* ``padding_mode='border'``: ``u`` clipped to ``[0, L - 1]``;
* ``'reflection'``: ``u`` reflected at the borders (of the corner pixels' centres with
  ``align_corners``, else of their edges ``-1/2`` and ``L - 1/2``) until inside, then clipped;
* ``'zeros'``: samples outside the input read 0.

``mode='bilinear'`` (trilinear for volumes) blends the ``2^dims`` neighbours ``floor(u)`` and
``floor(u) + 1`` with weights ``prod(1 - |u - corner|)``; ``'nearest'`` reads the neighbour at
``u`` rounded half to even; ``'bicubic'`` (2-D only) blends the 4 x 4 taps ``floor(u) - 1 ..
floor(u) + 2`` with the cubic convolution kernel (``A = -0.75``) along each axis, the padding rule
applied to each tap rather than to ``u``, as PyTorch does. It is a composition of gathers and arithmetic, so the gradient in
``input`` scatters the weights back and the gradient in ``grid`` is the weights' derivative
(the floor, the rounding and the reflection count are constants, as in PyTorch). The gradient
of ``'nearest'`` in the grid is zero (a derivative-0 link, ``ZeroDerivativeLink``).
"""
from __future__ import annotations

import itertools
from typing import List, Optional

import numpy as np

from ..autograd.zero_link import ZeroDerivativeLink
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ..ops.clamping import clamp
from ..ops.gather_scatter import gather
from ..ops.linalg import matmul
from ..ops.selection import where

__all__ = ["affine_grid", "grid_sample"]


def _base_coordinates(steps, align_corners):
    """``linspace(-1, 1, steps)``, scaled to the pixel centres without ``align_corners``; ``[0]`` for one step."""
    if steps <= 1:
        return np.zeros(max(steps, 0))
    points = np.linspace(-1.0, 1.0, steps)
    return points if align_corners else points * (steps - 1) / steps


def affine_grid(theta: Tensor, size: List[int], align_corners: Optional[bool] = None) -> Tensor:
    """The sampling grid ``(N, H, W, 2)`` (or ``(N, D, H, W, 3)``) of the affine maps ``theta (N, 2, 3)``
    (``(N, 3, 4)``) for an output of ``size = (N, C, H, W)`` (``(N, C, D, H, W)``); see the module docstring."""
    if not isinstance(theta, Tensor):
        raise not_a_tensor_error("affine_grid", "theta", theta)
    if theta.dtype.kind != "f":
        raise ValueError(f"Expected theta to have floating point type, but got {theta.dtype}")
    size = tuple(size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D affine transforms, "
                                  f"respectively. Got size {size}.")
    dims = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (dims, dims + 1):
        raise ValueError(f"Expected a batch of {dims}D affine matrices of shape Nx{dims}x{dims + 1} for size "
                         f"{size}. Got {list(theta.shape)}.")
    if min(size) <= 0:
        raise ValueError(f"Expected non-zero, positive output size. Got {size}")
    if theta.shape[0] != size[0]:
        raise RuntimeError(f"affine_grid(): theta holds {theta.shape[0]} affine matrices but size asks for a batch "
                           f"of {size[0]}; give one matrix per sample")
    spatial = size[2:]
    # base[..., :] = (x, y, [z,] 1) with x along the last dim (width)
    axes = [_base_coordinates(steps, bool(align_corners)) for steps in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")
    base = np.stack(list(mesh[::-1]) + [np.ones(spatial)], axis=-1).reshape(-1, dims + 1).astype(theta.dtype)
    grid = matmul(Tensor._make(base), theta.transpose(1, 2))  # (N, prod(spatial), dims)
    return grid.reshape((size[0],) + spatial + (dims,))


def _reflect(u, twice_low, twice_high):
    """``u`` reflected at ``twice_low / 2`` and ``twice_high / 2`` until it lies between them (PyTorch's rule)."""
    if twice_low == twice_high:
        return u * 0
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    distance = (u - low).abs()
    flips = np.floor(distance._data / span)
    extra = distance - Tensor._make((flips * span).astype(distance.dtype))
    even = Tensor._make(flips % 2 == 0)
    return where(even, extra + low, (span + low) - extra)


def _unnormalised(g, length, align_corners):
    """The normalised grid value ``g`` as a coordinate along an axis of ``length`` (pixel centres at integers)."""
    return (g + 1) * ((length - 1) / 2) if align_corners else ((g + 1) * length - 1) / 2


def _padded_coordinate(u, length, padding_mode, align_corners):
    """The coordinate ``u`` moved inside ``[0, length - 1]`` by the padding rule ('zeros': unchanged)."""
    if padding_mode == "border":
        u = clamp(u, 0, length - 1)
    elif padding_mode == "reflection":
        u = _reflect(u, 0, 2 * (length - 1)) if align_corners else _reflect(u, -1, 2 * length - 1)
        u = clamp(u, 0, length - 1)
    return u


def _read(flat, positions, sizes):
    """``input`` at the integer ``positions`` (one array per axis, shape ``(N, *out)``) from ``flat (N, C, prod
    sizes)``: ``(N, C, *out)``, 0 where a position lies outside."""
    n, channels = flat.shape[:2]
    out_shape = positions[0].shape
    inside = np.ones(out_shape, dtype=bool)
    index = np.zeros(out_shape, dtype=np.int64)
    for position, length in zip(positions, sizes):
        inside &= (position >= 0) & (position < length)
        index = index * length + np.clip(np.nan_to_num(position), 0, length - 1).astype(np.int64)
    points = int(np.prod(out_shape[1:]))
    index = np.broadcast_to(index.reshape(n, 1, points), (n, channels, points))
    values = gather(flat, 2, Tensor._make(np.ascontiguousarray(index))).reshape((n, channels) + out_shape[1:])
    if inside.all():
        return values
    return where(Tensor._make(np.broadcast_to(inside[:, None], values.shape)), values, 0.0)


def _check_grid_sample(input, grid, mode, padding_mode):
    for name, value in (("input", input), ("grid", grid)):
        if not isinstance(value, Tensor):
            raise not_a_tensor_error("grid_sample", name, value)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', 'nearest' or 'bicubic', "
                         f"but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', 'border', or "
                         f"'reflection', but got: '{padding_mode}'")
    shapes = f"input with sizes {list(input.shape)} and grid with sizes {list(grid.shape)}"
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number of dimensions, but "
                           f"got {shapes}")
    if input.shape[0] != grid.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, but got {shapes}")
    if mode == "bicubic" and input.ndim != 4:
        raise RuntimeError("grid_sampler(): bicubic interpolation only supports 4D input")
    dims = input.ndim - 2
    if grid.shape[-1] != dims:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {dims} in last dimension, but got grid with "
                           f"sizes {list(grid.shape)}")
    for dim in range(2, input.ndim):
        if input.shape[dim] == 0:
            raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial dimensions, but input has "
                               f"sizes {list(input.shape)} with dimension {dim} being empty")
    if input.dtype.kind != "f" or input.dtype != grid.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid to be floating tensors of the same dtype, but "
                           f"got input {input.dtype} and grid {grid.dtype}; convert with .float() / .double()")


def grid_sample(
    input: Tensor, grid: Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
    align_corners: Optional[bool] = None,
) -> Tensor:
    """Sample ``input (N, C, H, W)`` at the points ``grid (N, H_out, W_out, 2)`` (in ``[-1, 1]``, ``x`` first),
    giving ``(N, C, H_out, W_out)``; volumes ``(N, C, D, H, W)`` with ``grid (N, D_out, H_out, W_out, 3)``.
    ``mode`` 'bilinear', 'nearest' or 'bicubic' (4-D only); ``padding_mode`` 'zeros', 'border' or 'reflection'; see the module
    docstring."""
    _check_grid_sample(input, grid, mode, padding_mode)
    dims = input.ndim - 2
    sizes = tuple(input.shape[2:])
    flat = input.reshape(input.shape[0], input.shape[1], int(np.prod(sizes)))
    # the grid's last dim lists x (width) first: axis k of the input is grid[..., dims - 1 - k]
    align_corners = bool(align_corners)
    unnormalised = [_unnormalised(grid[..., dims - 1 - axis], sizes[axis], align_corners) for axis in range(dims)]
    if mode == "bicubic":
        return _bicubic(flat, unnormalised, sizes, padding_mode, align_corners)
    coordinates = [_padded_coordinate(u, length, padding_mode, align_corners)
                   for u, length in zip(unnormalised, sizes)]
    if mode == "nearest":
        out = _read(flat, [np.rint(u._data) for u in coordinates], sizes)
        return ZeroDerivativeLink.apply(out, grid) if grid.requires_grad else out
    lows = [np.floor(u._data) for u in coordinates]
    fractions = [u - Tensor._make(low.astype(u.dtype)) for u, low in zip(coordinates, lows)]
    out = None
    for corner in itertools.product((0, 1), repeat=dims):
        weight = None
        for bit, fraction in zip(corner, fractions):
            factor = fraction if bit else 1 - fraction
            weight = factor if weight is None else weight * factor
        assert weight is not None
        term = _read(flat, [low + bit for low, bit in zip(lows, corner)], sizes) * weight.unsqueeze(1)
        out = term if out is None else out + term
    assert out is not None
    return out


CUBIC_A = -0.75  # the cubic convolution kernel's parameter (PyTorch's, as in OpenCV)


def _cubic_weights(t):
    """The weights of the taps at offsets -1, 0, 1, 2 from ``floor(u)``, ``t = u - floor(u)``."""
    def near(x):  # |x| <= 1
        return ((CUBIC_A + 2) * x - (CUBIC_A + 3)) * x * x + 1

    def far(x):  # 1 < |x| < 2
        return ((CUBIC_A * x - 5 * CUBIC_A) * x + 8 * CUBIC_A) * x - 4 * CUBIC_A
    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


def _bicubic(flat, unnormalised, sizes, padding_mode, align_corners):
    """The 4 x 4 taps around each point, weighted by the cubic kernel along each axis; the padding rule
    moves each (integer) tap, not the point."""
    lows = [np.floor(u._data) for u in unnormalised]
    weights = [_cubic_weights(u - Tensor._make(low.astype(u.dtype))) for u, low in zip(unnormalised, lows)]
    taps = []
    for low, length in zip(lows, sizes):
        taps.append([_padded_coordinate(Tensor._make(low + offset), length, padding_mode, align_corners)._data
                     for offset in (-1, 0, 1, 2)])
    out = None
    for i, j in itertools.product(range(4), repeat=2):
        term = _read(flat, [taps[0][i], taps[1][j]], sizes) * (weights[0][i] * weights[1][j]).unsqueeze(1)
        out = term if out is None else out + term
    return out
