"""Splitting a tensor into views: ``unbind`` (every slice along a dim), ``split`` /
``split_with_sizes`` (pieces of given lengths), ``chunk`` (a number of near-equal pieces),
``tensor_split`` (NumPy's ``array_split``: sections or split points) and ``hsplit`` / ``vsplit`` /
``dsplit`` (``tensor_split`` along dim 1, 0 or 2).

Every piece is a ``narrow`` (or, for ``unbind``, a ``select``) view of the input, so writing to a
piece writes to the input, and each piece's gradient goes back to where it came from.
"""
from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import numpy as np

from ..autograd.views import mark_multi_output_views
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .indexing import getitem
from .views import _int, _narrow, _select
from .._registry import op


@op(method=True)
def unbind(input: Tensor, dim: int = 0) -> Tuple[Tensor, ...]:
    """All the slices ``select(input, dim, i)``, ``i = 0 .. size - 1``, as a tuple of views.

    Gradient: each slice's gradient goes back to its position along ``dim``.
    """
    x = _tensor(input, "unbind")
    if x.ndim == 0:
        raise IndexError("unbind(): Dimension specified as 0 but tensor has no dimensions")
    dim = normalize_dim(dim, x.ndim, "unbind")
    return mark_multi_output_views(tuple(_select(x, dim, i) for i in range(x.shape[dim])))


def _pieces(x, dim, lengths):
    """Consecutive narrow views of ``x`` along ``dim`` with the given lengths (they sum to its size)."""
    starts = np.cumsum([0] + list(lengths[:-1])).tolist()
    return mark_multi_output_views(tuple(_narrow(x, dim, start, length) for start, length in zip(starts, lengths)))


def _even_lengths(size, split_size):
    """PyTorch's ``split`` lengths: ``split_size`` each, the last one shorter, at least one piece."""
    count = max(-(-size // split_size), 1) if split_size else 1
    return [split_size] * (count - 1) + [size - split_size * (count - 1)]


@op(method=True)
def split(tensor: Tensor, split_size_or_sections: Union[int, Sequence[int]], dim: int = 0) -> Tuple[Tensor, ...]:
    """Split into views along ``dim``: pieces of ``split_size`` (an int; the last may be
    smaller) or of the listed sizes (which must sum to the dim's size).

    Gradient: each piece's gradient goes back to its slice of the input.
    """
    x = _tensor(tensor, "split")
    if x.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor, got a 0-dim tensor (unsqueeze it first)")
    dim = normalize_dim(dim, x.ndim, "split")
    size = x.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        lengths = [_int(length, "split_sizes", "split") for length in split_size_or_sections]
        if any(length < 0 for length in lengths):
            raise RuntimeError(
                f"split_with_sizes expects split_sizes have only non-negative entries, but got split_sizes={lengths}"
            )
        if sum(lengths) != size:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size at dimension "
                f"{dim}), but got split_sizes={lengths}"
            )
        if not lengths:
            return ()
        return _pieces(x, dim, lengths)
    split_size = _int(split_size_or_sections, "split_size", "split")
    if split_size < 0:
        raise RuntimeError(f"split expects split_size be non-negative, but got split_size={split_size}")
    if split_size == 0 and size != 0:
        raise RuntimeError(
            f"split(): split_size can only be 0 if dimension size is 0, but got dimension size of {size} "
            f"(tensor shape {list(x.shape)}, dim {dim})"
        )
    return _pieces(x, dim, _even_lengths(size, split_size))


@op(method=True)
def split_with_sizes(input: Tensor, split_sizes: Sequence[int], dim: int = 0) -> Tuple[Tensor, ...]:
    """``split(input, split_sizes, dim)`` with a list of sizes (PyTorch's name for that form)."""
    if not isinstance(split_sizes, (list, tuple)):
        raise TypeError(f"split_with_sizes(): split_sizes must be a list of ints, got {type(split_sizes).__name__}")
    return split(input, split_sizes, dim)


@op(method=True)
def chunk(input: Tensor, chunks: int, dim: int = 0) -> Tuple[Tensor, ...]:
    """Split into views of ``ceil(size / chunks)`` along ``dim`` (the last one smaller); as in
    PyTorch this can give fewer than ``chunks`` pieces (``size = 5, chunks = 4`` -> 2, 2, 1).
    A dim of size 0 gives ``chunks`` empty pieces.

    Gradient: each piece's gradient goes back to its slice of the input.
    """
    x = _tensor(input, "chunk")
    if x.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor, got a 0-dim tensor (unsqueeze it first)")
    chunks = _int(chunks, "chunks", "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = normalize_dim(dim, x.ndim, "chunk")
    size = x.shape[dim]
    if size == 0:
        return _pieces(x, dim, [0] * chunks)
    return _pieces(x, dim, _even_lengths(size, -(-size // chunks)))


def _section_bounds(value, size, op_name):
    """``tensor_split``'s piece boundaries along a dim of ``size``: ``n`` sections (the first ``size % n``
    one longer) for an int or a 0-d tensor, the given split points for a sequence or a 1-d tensor."""
    if isinstance(value, Tensor):
        if value.dtype.kind not in "iu" or value.ndim > 1:
            raise RuntimeError(
                f"{op_name} expected tensor_indices_or_sections to be a zero-dimensional or one-dimensional "
                f"integer tensor, but got a {value.dtype} tensor with {value.ndim} dims"
            )
        value = value.item() if value.ndim == 0 else value.tolist()
    if isinstance(value, (list, tuple)):
        points = [_int(point, "indices", op_name) for point in value]
        return [0] + points, points + [None]
    sections = _int(value, "sections", op_name)
    if sections <= 0:
        raise RuntimeError(f"{op_name}: number of sections must be larger than 0, got {sections}")
    small, extra = divmod(size, sections)
    lengths = [small + 1] * extra + [small] * (sections - extra)
    starts = np.cumsum([0] + lengths[:-1]).tolist()
    return starts, [start + length for start, length in zip(starts, lengths)]


@op(method=True)
def tensor_split(
    input: Tensor, indices_or_sections: Union[int, Sequence[int], Tensor, None] = None, dim: int = 0, *,
    sections: Optional[int] = None, indices: Optional[Sequence[int]] = None,
) -> Tuple[Tensor, ...]:
    """Views along ``dim``: ``n`` near-equal sections (the first ``size % n`` one element longer,
    numpy's ``array_split``), or the pieces between the split points ``indices`` (Python slicing:
    ``x[:i0], x[i0:i1], ..., x[ik:]``, so points may be negative, repeat or pass the end).
    PyTorch's keyword forms ``sections=`` and ``indices=`` work too.

    Gradient: each piece's gradient goes back to its slice of the input.
    """
    given = [value for value in (indices_or_sections, sections, indices) if value is not None]
    if len(given) != 1:
        raise TypeError("tensor_split() takes exactly one of indices_or_sections, sections= and indices=")
    indices_or_sections = given[0]
    x = _tensor(input, "tensor_split")
    if x.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    dim = normalize_dim(dim, x.ndim, "tensor_split")
    starts, stops = _section_bounds(indices_or_sections, x.shape[dim], "tensor_split")
    lead = (slice(None),) * dim
    return tuple(getitem(x, lead + (slice(start, stop),)) for start, stop in zip(starts, stops))


def _split_at(op_name, x, sections, dim, least):
    """``hsplit``/``vsplit``/``dsplit``: ``tensor_split`` along ``dim``; an int must divide the size."""
    x = _tensor(x, op_name)
    if x.ndim < least:
        raise RuntimeError(
            f"{op_name} requires a tensor with at least {least} dimensions, but got a tensor with "
            f"{x.ndim} dimensions!"
        )
    if not isinstance(sections, (list, tuple, Tensor)):
        sections = _int(sections, "sections", op_name)
        if sections == 0 or x.shape[dim] % sections:
            raise RuntimeError(
                f"{op_name} attempted to split along dimension {dim}, but the size of the dimension "
                f"{x.shape[dim]} is not divisible by the split_size {sections}!"
            )
    return tensor_split(x, sections, dim)


@op(method=True)
def hsplit(input: Tensor, sections: Union[int, Sequence[int]]) -> Tuple[Tensor, ...]:
    """``tensor_split`` along dim 1 (dim 0 of a 1-d tensor); an int number of sections must divide it."""
    x = _tensor(input, "hsplit")
    return _split_at("hsplit", x, sections, 1 if x.ndim > 1 else 0, 1)


@op(method=True)
def vsplit(input: Tensor, sections: Union[int, Sequence[int]]) -> Tuple[Tensor, ...]:
    """``tensor_split`` along dim 0 of a tensor of at least 2 dims; an int must divide the size."""
    return _split_at("vsplit", input, sections, 0, 2)


@op(method=True)
def dsplit(input: Tensor, sections: Union[int, Sequence[int]]) -> Tuple[Tensor, ...]:
    """``tensor_split`` along dim 2 of a tensor of at least 3 dims; an int must divide the size."""
    return _split_at("dsplit", input, sections, 2, 3)
