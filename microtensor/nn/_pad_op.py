"""``F.pad``: constant, reflect, replicate and circular padding, as in PyTorch.

``pad`` lists ``(left, right)`` pairs from the LAST dimension backwards:
``(l_W, r_W, l_H, r_H, ...)``. Every mode is one index rule per padded dimension
of length ``L``: output position ``i`` (``0 <= i < L + left + right``) reads the input
at ``j = i - left``, and

* ``constant``: ``x[j]`` when ``0 <= j < L``, else ``value`` (negative pads crop);
* ``reflect``:   ``j`` mirrored at the ends without repeating them (``-1 -> 1``,
  ``L -> L - 2``);
* ``replicate``: ``j`` clipped into ``[0, L - 1]``;
* ``circular``:  ``j mod L`` (negative pads crop first, and the wrap is around what is left).

Gradients: padding is linear, so the gradient is the adjoint map. For ``constant``
it is the same op with the pads negated and value 0 (crop what was added, zero-pad
what was cropped). For the other modes it is a scatter-add of the output gradient
onto the input positions that were read (borders receive several contributions).
Each backward is again one of these ops, so second derivatives work.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error

__all__ = ["pad"]

MODES = ("constant", "reflect", "replicate", "circular")


# ---------------------------------------------------------------- constant
def _pad_constant(x, pairs, value):
    """``x`` with ``pairs[k] = (left, right)`` added to dim ``x.ndim - len(pairs) + k`` (negative crops)."""
    first = x.ndim - len(pairs)
    shape = list(x.shape)
    source, target = [slice(None)] * x.ndim, [slice(None)] * x.ndim
    for offset, (left, right) in enumerate(pairs):
        dim = first + offset
        length = shape[dim]
        start, stop = max(0, -left), min(length, length + right)  # the input positions that survive
        shape[dim] = length + left + right
        source[dim] = slice(start, max(start, stop))
        target[dim] = slice(start + left, start + left + max(0, stop - start))
    out = np.full(shape, value, dtype=x.dtype)
    out[tuple(target)] = x[tuple(source)]
    return out


class ConstantPad(Function):
    """``y = x`` placed inside a block of ``value`` (or cropped); dL/dx = the crop of ``g`` back to x,
    which is this op again with the pads negated and value 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, pairs, value):
        ctx.pairs = pairs
        return _pad_constant(x, pairs, value)

    @staticmethod
    def backward(ctx, grad):
        negated = tuple((-left, -right) for left, right in ctx.pairs)
        if isinstance(grad, np.ndarray):
            return _pad_constant(grad, negated, 0), None, None
        return ConstantPad.apply(grad, negated, 0), None, None


# ------------------------------------------------------- reflect / replicate / circular
def _source_positions(mode, length, left, right):
    """For each output position along one dim, the input position it reads."""
    if mode == "circular":  # negative pads crop first; the wrap is around what is left (as PyTorch)
        start, stop = max(-left, 0), length - max(-right, 0)
        kept = stop - start
        return start + np.mod(np.arange(-max(left, 0), kept + max(right, 0)), kept)
    j = np.arange(-left, length + right)
    if mode == "replicate":
        return np.clip(j, 0, length - 1)
    if length == 1:
        return np.zeros_like(j)
    period = 2 * (length - 1)  # reflect: ... 2 1 [0 1 2 ... L-1] L-2 ...
    j = np.mod(j, period)
    return np.where(j < length, j, period - j)


def _gather(x, positions):
    """``x`` read at ``positions[k]`` along dim ``x.ndim - len(positions) + k``."""
    first = x.ndim - len(positions)
    for offset, index in enumerate(positions):
        x = np.take(x, index, axis=first + offset)
    return x


def _scatter(grad, positions, shape):
    """The adjoint of ``_gather``: ``grad`` added onto the positions it was read from (zeros of ``shape``)."""
    first = len(shape) - len(positions)
    for offset in range(len(positions) - 1, -1, -1):
        dim = first + offset
        partial = list(grad.shape)
        partial[dim] = shape[dim]
        out = np.zeros(partial, dtype=grad.dtype)
        np.add.at(out, (slice(None),) * dim + (positions[offset],), grad)
        grad = out
    return grad


class IndexPad(Function):
    """``y = x`` read at the padded positions (reflect / replicate / circular);
    dL/dx = ``g`` scatter-added back onto the positions read (``IndexPadScatter``)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, positions):
        ctx.positions, ctx.shape = positions, x.shape
        return _gather(x, positions)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _scatter(grad, ctx.positions, ctx.shape), None
        return IndexPadScatter.apply(grad, ctx.positions, ctx.shape), None


class IndexPadScatter(Function):
    """The backward of ``IndexPad``: linear in ``g``; its own backward reads at the positions again."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, positions, shape):
        ctx.positions = positions
        return _scatter(grad, positions, shape)

    @staticmethod
    def backward(ctx, grad):
        return IndexPad.apply(grad, ctx.positions), None, None


# ------------------------------------------------------------- the function
def _check_pad_argument(pad, input):
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' must be a tuple of ints, not {type(pad).__name__}")
    for position, amount in enumerate(pad):
        if isinstance(amount, bool) or not isinstance(amount, (int, np.integer)):
            raise TypeError(
                f"pad(): argument 'pad' must be tuple of ints, but found element of type "
                f"{type(amount).__name__} at pos {position}"
            )
    if len(pad) % 2:
        raise RuntimeError(f"pad(): Padding length must be divisible by 2, got {len(pad)} values {tuple(pad)}")
    if len(pad) > 2 * input.ndim:
        raise RuntimeError(
            f"pad(): Padding length should be less than or equal to two times the input dimension but got "
            f"padding length {len(pad)} and input of dimension {input.ndim}"
        )


def _pairs(pad):
    """``(l_W, r_W, l_H, r_H)`` -> ``((l_H, r_H), (l_W, r_W))``: pairs in dim order."""
    return tuple((int(pad[i]), int(pad[i + 1])) for i in range(len(pad) - 2, -1, -2))


def _check_index_mode(mode, input, pad, pairs):
    padded = len(pairs)
    if padded not in (1, 2, 3) or input.ndim not in (padded + 1, padded + 2):
        raise NotImplementedError(
            f"pad(): Padding size {len(pad)} is not supported for {input.ndim}D input tensor in mode "
            f"'{mode}': pads of length 2, 4 or 6 pad the last 1, 2 or 3 dims of a tensor with one or two "
            f"more (batch, channel) dims"
        )
    first = input.ndim - padded
    if any(size == 0 for size in input.shape[1:]):
        raise RuntimeError(
            f"pad(): Expected {padded + 1}D or {padded + 2}D (batch mode) tensor with possibly 0 batch size and "
            f"other non-zero dimensions for input, but got: {list(input.shape)}"
        )
    for offset, (left, right) in enumerate(pairs):
        dim, length = first + offset, input.shape[first + offset]
        if mode == "reflect" and (left >= length or right >= length):
            raise RuntimeError(
                f"pad(): Argument #4: Padding size should be less than the corresponding input dimension, but "
                f"got: padding ({left}, {right}) at dimension {dim} of input {list(input.shape)}"
            )
        if mode == "circular" and (left > length or right > length):
            raise RuntimeError(
                f"pad(): Padding value causes wrapping around more than once: padding ({left}, {right}) at "
                f"dimension {dim} of input {list(input.shape)} (circular padding allows at most {length})"
            )
        if length + left + right < 0:
            raise RuntimeError(
                f"pad(): padding ({left}, {right}) at dimension {dim} of input {list(input.shape)} gives a "
                f"negative size {length + left + right}"
            )
        if mode == "circular" and length + min(left, 0) + min(right, 0) <= 0 < length + left + right:
            raise RuntimeError(
                f"pad(): padding ({left}, {right}) at dimension {dim} of input {list(input.shape)} crops away "
                f"every value, so there is nothing left to wrap around"
            )


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant", value: Optional[float] = None) -> Tensor:
    """Pad (or, with negative amounts, crop) the last ``len(pad) // 2`` dims of ``input``.

    ``pad = (left_last, right_last, left_second_last, right_second_last, ...)``; ``mode`` is
    'constant' (fill with ``value``, default 0), 'reflect', 'replicate' or 'circular' (these pad
    the last 1-3 dims of a tensor with 1 or 2 leading batch/channel dims). Differentiable in
    every mode; see the module docstring for the index rules and their gradients.
    """
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("pad", "input", input)
    _check_pad_argument(pad, input)
    if mode not in MODES:
        raise NotImplementedError(f"pad(): Unrecognised padding mode {mode}; use one of {', '.join(MODES)}")
    pairs = _pairs(pad)
    if mode == "constant":
        first = input.ndim - len(pairs)
        for offset, (left, right) in enumerate(pairs):
            size = input.shape[first + offset] + left + right
            if size < 0:
                raise RuntimeError(
                    f"pad(): padding ({left}, {right}) at dimension {first + offset} of input "
                    f"{list(input.shape)} gives a negative size {size}: a dimension can be cropped at most to 0"
                )
        return ConstantPad.apply(input, pairs, 0 if value is None else value)
    if value is not None and value != 0:
        raise RuntimeError(f"pad(): Padding mode \"{mode}\" doesn't take in value argument (got value={value})")
    _check_index_mode(mode, input, pad, pairs)
    first = input.ndim - len(pairs)
    positions = tuple(
        _source_positions(mode, input.shape[first + offset], left, right)
        for offset, (left, right) in enumerate(pairs)
    )
    return IndexPad.apply(input, positions)
