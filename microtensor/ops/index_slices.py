"""Whole slices at index positions along a dim: ``index_select``, ``index_add`` (``index_add_``),
``index_copy`` (``index_copy_``) and ``index_fill`` (``index_fill_``), and ``one_hot``.

For ``dim = 1``, with ``index`` a 1-D int64 (or int32) tensor:

* ``index_select``: ``out[:, j, :] = input[:, index[j], :]``
* ``index_add``:    ``out[:, index[j], :] += alpha * source[:, j, :]``  (repeated indices add up)
* ``index_copy``:   ``out[:, index[j], :] = source[:, j, :]``;  ``index_fill``: ``out[:, index[j], :] = value``

They are ``gather`` and ``scatter_add`` with one index per slice instead of one per element, so
they take and add at positions with the same two adjoint maps (``Take`` and ``add_at`` in
``gather_scatter.py``): each one's gradient is the other.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.inplace import apply_inplace
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .gather_scatter import WHOLE, Scatter, Take, add_at, check_in_range, index_array, take_at
from .indexing import checked_number
from .._registry import op, tensor_method
from .._typing import Number, TensorLike


class IndexSelect(Take):
    """``out = input[:, ..., index]`` along ``dim``: see ``Take``."""


def _vector_index(index, size, dim, op_name):
    index = index_array(index, op_name)
    if index.ndim > 1:
        raise IndexError(f"{op_name}(): Index is supposed to be a vector, got shape {list(index.shape)}")
    index = index.reshape(-1)
    check_in_range(index, size, dim, op_name, IndexError)
    return index


def _select_positions(ndim, dim, index):
    return (slice(None),) * dim + (index,) if ndim else WHOLE


@op(method=True)
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices of ``input`` at the positions ``index`` (1-D, int64 or int32) along ``dim``.

    Gradient: the output's gradient added back at ``index`` (an ``index_add`` into zeros).
    """
    x = _tensor(input, "index_select")
    dim = normalize_dim(dim, x.ndim, "index_select")
    index = _vector_index(index, x.shape[dim] if x.ndim else 1, dim, "index_select")
    if x.ndim == 0 and index.size != 1:
        raise RuntimeError(f"index_select(): Index to scalar can have only 1 value, got {index.size} value(s)")
    return IndexSelect.apply(x, _select_positions(x.ndim, dim, index))


class IndexAdd(Function):
    """``out = x; out[:, ..., index] += alpha * source`` along ``dim`` (repeats add up);
    d/dx = g, d/dsource = alpha * g[:, ..., index]."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, source, positions, alpha):
        ctx.positions, ctx.alpha = positions, alpha
        return add_at(x.copy(), positions, source if alpha == 1 else source * np.asarray(alpha, x.dtype))

    @staticmethod
    def backward(ctx, grad):
        need_x, need_source = ctx.needs_input_grad[:2]
        grad_source = None
        if need_source:
            grad_source = take_at(grad, ctx.positions)
            if ctx.alpha != 1:
                grad_source = grad_source * ctx.alpha
        return (grad if need_x else None), grad_source, None, None


@op(method=True)
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Number = 1) -> Tensor:
    """``input`` with ``alpha * source[:, j]`` added to the slice ``index[j]`` along ``dim``
    (repeated indices add up). Gradient: d/d input = g; d/d source = alpha * index_select(g)."""
    x = _tensor(input, "index_add")
    source = _tensor(source, "index_add")
    dim = normalize_dim(dim, x.ndim, "index_add")
    index = _vector_index(index, x.shape[dim] if x.ndim else 1, dim, "index_add")
    if source.dtype != x.dtype:
        raise RuntimeError(
            f"index_add(): self ({x.dtype}) and source ({source.dtype}) must have the same scalar type"
        )
    expected = x.shape[:dim] + (index.size,) + x.shape[dim + 1:] if x.ndim else (index.size,)
    if source.shape != expected and not (x.ndim == 0 and source.numel() == index.size == 1):
        raise RuntimeError(
            f"index_add(): source tensor shape must match self tensor shape, excluding the specified dimension, "
            f"with index.numel() = {index.size} along dim {dim}. Got self.shape = {list(x.shape)} "
            f"source.shape = {list(source.shape)}"
        )
    if x.ndim == 0:
        source = source.reshape(())
    return IndexAdd.apply(x, source, _select_positions(x.ndim, dim, index), alpha)


@tensor_method()
def index_add_(self: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha: Number = 1) -> Tensor:
    """In-place ``index_add``: adds into this tensor."""
    return apply_inplace(self, "index_add_", lambda: index_add(self, dim, index, source, alpha=alpha))


class IndexCopy(Scatter):
    """``out = x; out[:, ..., index] = source`` along ``dim`` (``Scatter`` at whole slices);
    d/dx = g with the written slices zeroed, d/dsource = g[:, ..., index]."""


class IndexFill(Scatter):
    """``out = x; out[:, ..., index] = value`` along ``dim``; d/dx = g with the filled slices zeroed,
    d/dvalue = the sum of g over them (each slice once)."""


@op(method=True)
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with the slice ``index[j]`` along ``dim`` replaced by ``source``'s slice ``j``
    (``index``: 1-D or 0-d int64/int32; for a repeated index one of the writes wins).
    Gradient: d/d input = g with those slices zeroed; d/d source = index_select(g, dim, index)."""
    x = _tensor(input, "index_copy")
    source = _tensor(source, "index_copy")
    dim = normalize_dim(dim, x.ndim, "index_copy")
    index = _vector_index(index, x.shape[dim] if x.ndim else 1, dim, "index_copy")
    if source.dtype != x.dtype:
        raise RuntimeError(
            f"index_copy(): self and source expected to have the same dtype, but got (self) {x.dtype} and "
            f"(source) {source.dtype}; convert one with .to(dtype)"
        )
    expected = x.shape[:dim] + (index.size,) + x.shape[dim + 1:] if x.ndim else (index.size,)
    if source.shape != expected and not (x.ndim == 0 and source.numel() == index.size == 1):
        raise RuntimeError(
            f"index_copy(): source must have self's shape apart from dim {dim}, where it has index.numel() = "
            f"{index.size}: expected shape {list(expected)}, got {list(source.shape)}"
        )
    if x.ndim == 0:
        source = source.reshape(())
    return IndexCopy.apply(x, source, _select_positions(x.ndim, dim, index), None)


@op(method=True)
def index_fill(input: Tensor, dim: int, index: Tensor, value: TensorLike) -> Tensor:
    """``input`` with the slices at ``index`` (1-D or 0-d, negative positions counting from the end)
    along ``dim`` set to ``value`` (a number or a 0-d tensor, cast to input's dtype).
    Gradient: d/d input = g with those slices zeroed; d/d value = the sum of g over them."""
    x = _tensor(input, "index_fill")
    dim = normalize_dim(dim, x.ndim, "index_fill")
    size = x.shape[dim] if x.ndim else 1
    index = index_array(index, "index_fill")
    if index.ndim > 1:
        raise RuntimeError(f"index_fill(): Index has to be a vector/scalar, got shape {list(index.shape)}")
    index = index.reshape(-1)
    check_in_range(np.where(index < 0, index + size, index), size, dim, "index_fill", IndexError)
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"index_fill(): only supports a 0-dimensional value tensor, but got tensor with {value.ndim} "
                f"dimension(s); use index_copy with a source of the slices' shape instead"
            )
    elif isinstance(value, (bool, int, float, np.generic)):
        value = np.asarray(checked_number(value, x.dtype, "index_fill")).astype(x.dtype)
    else:
        raise TypeError(f"index_fill(): value must be a number or a 0-d tensor, got {type(value).__name__}")
    filled = np.unique(np.where(index < 0, index + size, index))  # each slice once: d/dvalue counts it once
    return IndexFill.apply(x, value, _select_positions(x.ndim, dim, filled), None)


@tensor_method()
def index_copy_(self: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """In-place ``index_copy``: writes into this tensor."""
    return apply_inplace(self, "index_copy_", lambda: index_copy(self, dim, index, source))


@tensor_method()
def index_fill_(self: Tensor, dim: int, index: Tensor, value: TensorLike) -> Tensor:
    """In-place ``index_fill``: fills slices of this tensor."""
    return apply_inplace(self, "index_fill_", lambda: index_fill(self, dim, index, value))


@op()
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """int64 one-hot encoding: ``out[..., c] = 1`` where ``tensor[...] == c``, shape
    ``tensor.shape + (num_classes,)``; ``num_classes=-1`` uses ``tensor.max() + 1``. Not differentiable."""
    if not isinstance(tensor, Tensor) or tensor.dtype != np.int64:
        raise RuntimeError(
            "one_hot is only applicable to index tensor of type LongTensor (int64); "
            f"got {getattr(tensor, 'dtype', type(tensor).__name__)}"
        )
    labels = tensor._data
    if num_classes == -1:
        if labels.size == 0:
            raise RuntimeError("one_hot: Can not infer total number of classes from empty tensor.")
        num_classes = int(labels.max()) + 1
    if labels.size and labels.min() < 0:
        raise RuntimeError(f"one_hot: Class values must be non-negative (got {int(labels.min())}).")
    largest = int(labels.max()) if labels.size else -1
    if largest >= num_classes or num_classes < 0:
        raise RuntimeError(
            f"one_hot: Class values must be smaller than num_classes (got class {largest} "
            f"and num_classes={num_classes})."
        )
    out = np.zeros(labels.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, labels[..., None], 1, axis=-1)
    return Tensor._make(out)
