"""View ops: narrow, select, diagonal, unfold, movedim / moveaxis (the ops that split a tensor into
views, unbind, split, chunk, tensor_split, are in ``splitting.py``).

Every result shares memory with its input, as in PyTorch: writing into the view
writes into the input.

* ``narrow`` and ``select`` (and so the splitting ops) are basic indexing
  (``x[:, start:start + length]``, ``x[:, index]``), so they go through ``getitem``,
  whose gradient scatters back into zeros.
* ``diagonal`` and ``unfold`` are strided views made with ``as_strided`` from the
  input's own strides (numpy's ``np.diagonal`` is read-only). Their gradients write
  the output's gradient back through the same strided view of a zeros array; the
  scatters are ``Function`` s of their own whose backward is the view again, so
  higher-order derivatives work.
* ``movedim`` is a ``permute``.
"""
from __future__ import annotations


import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .indexing import getitem
from .movement import permute
from .._registry import op, tensor_method
from .._typing import Dim


def _int(value, name, op_name):
    """A Python int from an int, a numpy integer or a 0-d integer Tensor; else a TypeError naming the op."""
    if isinstance(value, Tensor) and value.ndim == 0 and value.dtype.kind in "iu":
        return int(value.item())
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op_name}(): argument '{name}' must be an int, got {type(value).__name__} ({value!r})")
    return int(value)


# ------------------------------------------------------------- basic-index views
def _narrow(x, dim, start, length):
    """``x[:, ..., start:start + length]`` along ``dim`` (already checked), through ``getitem``."""
    return getitem(x, (slice(None),) * dim + (slice(start, start + length),))


@op(method=True)
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """The view ``input[..., start:start + length, ...]`` along ``dim`` (``start`` may be negative).

    Gradient: the output's gradient in the narrowed positions, zeros elsewhere.
    """
    x = _tensor(input, "narrow")
    if x.ndim == 0:
        raise RuntimeError("narrow() cannot be applied to a 0-dim tensor.")
    dim = normalize_dim(dim, x.ndim, "narrow")
    start = _int(start, "start", "narrow")
    length = _int(length, "length", "narrow")
    size = x.shape[dim]
    if length < 0:
        raise RuntimeError(f"narrow(): length must be non-negative, got length={length}.")
    if not -size <= start <= size:
        raise IndexError(
            f"narrow(): start out of range (expected to be in range of [{-size}, {size}], but got {start}) "
            f"for dimension {dim} of a tensor of shape {list(x.shape)}"
        )
    if start < 0:
        start += size
    if start + length > size:
        raise RuntimeError(
            f"narrow(): start ({start}) + length ({length}) exceeds dimension size ({size}). "
            f"(tensor shape {list(x.shape)}, dim {dim}); use a smaller start or length"
        )
    return _narrow(x, dim, start, length)


def _select(x, dim, index):
    """``x[:, ..., index]`` along ``dim`` (already checked), through ``getitem``."""
    return getitem(x, (slice(None),) * dim + (index,))


@op(method=True)
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The view ``input[..., index, ...]`` along ``dim``, which is removed (``index`` may be negative).

    Gradient: the output's gradient at ``index`` along ``dim``, zeros elsewhere.
    """
    x = _tensor(input, "select")
    if x.ndim == 0:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = normalize_dim(dim, x.ndim, "select")
    index = _int(index, "index", "select")
    size = x.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size {list(x.shape)} at dimension {dim}"
        )
    return _select(x, dim, index % size)


# ------------------------------------------------------------------ diagonal
def _diagonal_view(array, offset, dim1, dim2):
    """The writable strided view ``d[..., k] = array[..., k, ..., k + offset, ...]`` (``dim1``, ``dim2``
    removed, the diagonal last), made from ``array``'s own strides."""
    size1, size2 = array.shape[dim1], array.shape[dim2]
    length = max(min(size1, size2 - offset) if offset >= 0 else min(size1 + offset, size2), 0)
    if length:
        start = [slice(None)] * array.ndim
        if offset >= 0:
            start[dim2] = slice(offset, None)
        else:
            start[dim1] = slice(-offset, None)
        array = array[tuple(start)]
    kept = [axis for axis in range(array.ndim) if axis not in (dim1, dim2)]
    shape = tuple(array.shape[axis] for axis in kept) + (length,)
    strides = tuple(array.strides[axis] for axis in kept) + (array.strides[dim1] + array.strides[dim2],)
    return as_strided(array, shape, strides)


def _diagonal_scatter(grad, shape, offset, dim1, dim2):
    out = np.zeros(shape, dtype=grad.dtype)
    _diagonal_view(out, offset, dim1, dim2)[...] = grad
    return out


class Diagonal(Function):
    """``y[..., k] = x[..., k, ..., k + offset, ...]``;  dx = zeros like x with g written onto that diagonal."""

    numpy_level = True
    view_of = 0  # the output is a numpy view of input 0: they share a version counter

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.shape, ctx.offset, ctx.dim1, ctx.dim2 = x.shape, offset, dim1, dim2
        return _diagonal_view(x, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        args = (ctx.shape, ctx.offset, ctx.dim1, ctx.dim2)
        if isinstance(grad, np.ndarray):
            return _diagonal_scatter(grad, *args), None, None, None
        return DiagonalScatter.apply(grad, *args), None, None, None


class DiagonalScatter(Function):
    """``y = zeros(shape)`` with ``diagonal(y, offset, dim1, dim2) = g``: the backward of ``diagonal``.
    It is linear in ``g`` and its own backward is ``diagonal(gg, offset, dim1, dim2)``."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, shape, offset, dim1, dim2):
        ctx.offset, ctx.dim1, ctx.dim2 = offset, dim1, dim2
        return _diagonal_scatter(grad, shape, offset, dim1, dim2)

    @staticmethod
    def backward(ctx, grad):
        return Diagonal.apply(grad, ctx.offset, ctx.dim1, ctx.dim2), None, None, None, None


@op(method=True)
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The view of the diagonal ``d[..., k] = input[..., k, ..., k + offset, ...]`` of the
    ``(dim1, dim2)`` planes (``offset > 0`` above the main diagonal, ``< 0`` below). ``dim1`` and
    ``dim2`` are removed and the diagonal, of length ``max(min(n1, n2 - offset), 0)`` for
    ``offset >= 0`` (``max(min(n1 + offset, n2), 0)`` below), becomes the last dim.

    Gradient: zeros of the input's shape with the output's gradient written onto that diagonal.
    """
    x = _tensor(input, "diagonal")
    offset = _int(offset, "offset", "diagonal")
    first = normalize_dim(dim1, x.ndim, "diagonal")
    second = normalize_dim(dim2, x.ndim, "diagonal")
    if first == second:
        raise RuntimeError(
            f"diagonal dimensions cannot be identical {dim1}, {dim2}; pass two different dims of the "
            f"tensor of shape {list(x.shape)}"
        )
    return Diagonal.apply(x, offset, first, second)


# -------------------------------------------------------------------- unfold
def _unfold_geometry(shape, strides, itemsize, dim, size, step):
    """PyTorch's ``unfold`` view: ``dim`` becomes ``(n - size) // step + 1`` windows (stride times
    ``step``) and a last dim of ``size`` walks one window. A 0-d input gives shape ``(size,)``."""
    if not shape:
        return (size,), (itemsize,)
    shape, strides = list(shape), list(strides)
    shape.append(size)
    strides.append(strides[dim])
    shape[dim] = (shape[dim] - size) // step + 1
    strides[dim] *= step
    return tuple(shape), tuple(strides)


def _unfold_view(array, dim, size, step):
    shape, strides = _unfold_geometry(array.shape, array.strides, array.itemsize, dim, size, step)
    return as_strided(array, shape, strides)


def _unfold_scatter(grad, shape, dim, size, step):
    """``dx`` of ``unfold``: zeros of ``shape`` with window offset ``k``'s gradient ``g[..., k]``
    added at positions ``k, k + step, ...`` along ``dim`` (windows overlap when ``step < size``)."""
    out = np.zeros(shape, dtype=grad.dtype)
    if not shape:
        for k in range(size):
            out += grad[k]
        return out
    windows = grad.shape[dim]
    lead = (slice(None),) * dim
    for k in range(size):
        out[lead + (slice(k, k + (windows - 1) * step + 1, step),)] += grad[..., k]
    return out


class Unfold(Function):
    """``y[..., i, ..., k] = x[..., i * step + k, ...]`` (windows of ``size`` along ``dim``);
    dx = zeros like x with each window's gradient added back onto its positions."""

    numpy_level = True
    view_of = 0  # the output is a numpy view of input 0: they share a version counter

    @staticmethod
    def forward(ctx, x, dim, size, step):
        ctx.shape, ctx.dim, ctx.size, ctx.step = x.shape, dim, size, step
        return _unfold_view(x, dim, size, step)

    @staticmethod
    def backward(ctx, grad):
        args = (ctx.shape, ctx.dim, ctx.size, ctx.step)
        if isinstance(grad, np.ndarray):
            return _unfold_scatter(grad, *args), None, None, None
        return UnfoldScatter.apply(grad, *args), None, None, None


class UnfoldScatter(Function):
    """The backward of ``unfold``: window gradients summed back into zeros of ``shape``.
    It is linear in ``g`` and its own backward is ``unfold(gg, dim, size, step)``."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, shape, dim, size, step):
        ctx.dim, ctx.size, ctx.step = dim, size, step
        return _unfold_scatter(grad, shape, dim, size, step)

    @staticmethod
    def backward(ctx, grad):
        return Unfold.apply(grad, ctx.dim, ctx.size, ctx.step), None, None, None, None


@tensor_method()
def unfold(input: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """``Tensor.unfold``: the view of all windows of ``size`` elements along ``dimension``, ``step``
    apart: that dim becomes ``(n - size) // step + 1`` windows and a new last dim of ``size``
    holds ``y[..., i, ..., k] = x[..., i * step + k, ...]``.

    Gradient: each window's gradient added back onto the positions it covers (overlaps sum).
    """
    x = _tensor(input, "unfold")
    dim = normalize_dim(dimension, x.ndim, "unfold")
    size = _int(size, "size", "unfold")
    step = _int(step, "step", "unfold")
    max_size = x.shape[dim] if x.ndim else 1
    if size > max_size:
        raise RuntimeError(
            f"unfold(): maximum size for tensor at dimension {dim} is {max_size} but size is {size} "
            f"(tensor shape {list(x.shape)}); use a window size of at most {max_size}"
        )
    if size < 0:
        raise RuntimeError(f"unfold(): size is {size} but must be >= 0")
    if step <= 0:
        raise RuntimeError(f"unfold(): step is {step} but must be > 0 (the distance between window starts)")
    return Unfold.apply(x, dim, size, step)


# ------------------------------------------------------------------- movedim
def _dim_list(dims, ndim, name):
    dims = list(dims) if isinstance(dims, (tuple, list)) else [dims]
    normalized = [normalize_dim(d, ndim, "movedim") for d in dims]
    if len(set(normalized)) != len(normalized):
        raise RuntimeError(f"movedim: repeated dim in `{name}` ({dims})")
    return dims, normalized


@op(method=("movedim", "moveaxis"), aliases=("moveaxis",))
def movedim(input: Tensor, source: Dim, destination: Dim) -> Tensor:
    """Move the dims ``source`` (an int or a sequence) to the positions ``destination``; the
    other dims keep their order (numpy's ``moveaxis``). A ``permute``, so the gradient is
    permuted back."""
    x = _tensor(input, "movedim")
    source, moved = _dim_list(source, x.ndim, "source")
    destination, targets = _dim_list(destination, x.ndim, "destination")
    if len(moved) != len(targets):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({source} dims) should contain the same "
            f"number of dims as destination ({destination} dims)"
        )
    if x.ndim == 0:
        return x
    order = [d for d in range(x.ndim) if d not in moved]
    for target, dim in sorted(zip(targets, moved)):
        order.insert(target, dim)
    return permute(x, order)




# ``unfold`` is only a Tensor method (``torch.unfold`` does not exist).
