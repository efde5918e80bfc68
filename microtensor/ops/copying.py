"""Copies and conversions: ``cast``, ``clone``, ``full_like_value`` (what ``Tensor.fill_``
writes) and ``copy_from`` (what ``Tensor.copy_`` writes).

Each result is new memory that stays in the graph: the gradient passes through a
copy or a cast between float dtypes unchanged, and a value that is overwritten gets
a zero gradient.
"""
from __future__ import annotations

import builtins

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import to_operand, tensor_argument as _as_tensor
from .elementwise import _zeros_like_grad
from .._registry import op
from .._typing import DTypeLike, Number
from .._float_errors import quiet_float_errors


# ----------------------------------------------------- copies and conversions
def _dims_outer_to_inner(array):
    """PyTorch's memory order of the dims for a copy of an array whose elements repeat (an expand):
    dims sorted by stride, innermost the smallest, but a stride-0 dim keeps its place (so a row
    expanded to ``(2, 3)`` is copied row-major, where numpy's ``order='K'`` would give ``(1, 2)``)."""
    sizes, strides = array.shape, array.strides
    perm = list(range(array.ndim))[::-1]  # innermost first

    def after(dim0, dim1):  # 1: dim0 lies outside dim1; -1: inside; 0: undecided (a stride 0)
        if strides[dim0] == 0 or strides[dim1] == 0:
            return 0
        if strides[dim0] != strides[dim1]:
            return -1 if strides[dim0] < strides[dim1] else 1
        return 1 if sizes[dim0] > sizes[dim1] else 0

    for i in range(1, len(perm)):  # PyTorch's stable insertion sort
        moving = i
        for j in range(i - 1, -1, -1):
            order = after(perm[j], perm[moving])
            if order > 0:
                perm[j], perm[moving] = perm[moving], perm[j]
                moving = j
            elif order < 0:
                break
    return perm[::-1]


def _repeats_elements(array):
    return any(step == 0 and size > 1 for size, step in zip(array.shape, array.strides))


def preserved_copy(array, dtype=None):
    """A copy (cast to ``dtype``) laid out as PyTorch's ``preserve_format``: the same strides for an array
    whose elements each appear once (numpy's ``order='K'``), a dense layout in PyTorch's dim order for
    an expand."""
    if not _repeats_elements(array):
        return np.array(array, dtype=dtype, copy=True)
    order = _dims_outer_to_inner(array)
    out = np.empty([array.shape[d] for d in order], dtype=dtype or array.dtype).transpose(np.argsort(order))
    out[...] = array
    return out


class Cast(Function):
    """``y = x`` converted to another dtype;  dy/dx = 1 (the engine casts the gradient back
    to x's dtype). Casts to integer or bool dtypes carry no gradient."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dtype):
        if _repeats_elements(x):
            return preserved_copy(x, dtype)  # numpy's astype would lay an expand out column-major
        if _may_overflow(x.dtype, dtype):
            # quietly, as PyTorch: inf beyond a narrower float; nan or inf to an integer is undefined (the
            # platform's value, in PyTorch too)
            with quiet_float_errors():
                return x.astype(dtype)
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def _may_overflow(source, target):
    """Can converting ``source`` values to ``target`` meet a value it cannot hold (numpy would warn)?
    Floats to integers, bool or a narrower float, and anything to float16; int to int wraps quietly."""
    if target.kind == "f" and target.itemsize == 2:
        return source.kind != "b" and source != target
    return source.kind == "f" and (target.kind != "f" or target.itemsize < source.itemsize)


@op()
def cast(input: Tensor, dtype: DTypeLike) -> Tensor:
    """``input`` converted to ``dtype`` (always a copy); differentiable between float dtypes."""
    dtype = _dtypes.to_dtype(dtype)
    if dtype is None:
        raise TypeError("cast: dtype must not be None")
    return Cast.apply(_as_tensor(input, "cast"), dtype)


class Clone(Function):
    """``y = copy of x``;  dy/dx = 1."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        return preserved_copy(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


@op(method=True)
def clone(input: Tensor) -> Tensor:
    """A copy of ``input`` with its own memory that stays in the graph (gradient: identity)."""
    return Clone.apply(_as_tensor(input, "clone"))


class FullLikeValue(Function):
    """``y = value`` everywhere, shaped like x;  dy/dx = 0, dy/dvalue = 1 per element."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, value):
        with quiet_float_errors():  # a 0-d tensor's value is cast as copy_ casts it
            return np.full(x.shape, value, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad):
        need_x, need_value = ctx.needs_input_grad
        return (_zeros_like_grad(grad) if need_x else None), (grad if need_value else None)


@op()
def full_like_value(input: Tensor, value: Number) -> Tensor:
    """A tensor of ``input``'s shape and dtype filled with ``value`` (what ``Tensor.fill_`` writes).

    No gradient flows to ``input`` (its old values are gone); a 0-d tensor ``value``
    receives the sum of the gradient.
    """
    x = _as_tensor(input, "fill_")
    if isinstance(value, (Tensor, np.ndarray)):
        if np.ndim(value) != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {np.ndim(value)} dimensions "
                f"(shape {np.shape(value)})"
            )
        value = to_operand(value, "fill_")
    elif not isinstance(value, (builtins.bool, builtins.int, builtins.float, np.generic)):
        raise TypeError(f"fill_: value must be a number or a 0-d tensor, got {type(value).__name__}")
    return FullLikeValue.apply(x, value)


class CopyFrom(Function):
    """``y = source`` broadcast to the target's shape and cast to its dtype;
    dy/dtarget = 0, dy/dsource = 1 (summed over broadcast dims by the engine)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, target, source):
        return np.array(np.broadcast_to(source, target.shape), dtype=target.dtype, copy=True)

    @staticmethod
    def backward(ctx, grad):
        need_target, need_source = ctx.needs_input_grad
        return (_zeros_like_grad(grad) if need_target else None), (grad if need_source else None)


@op()
def copy_from(target: Tensor, source: Tensor) -> Tensor:
    """``source`` broadcast to ``target``'s shape and cast to its dtype (what ``Tensor.copy_`` writes).

    The gradient flows to ``source`` (summed over broadcast dimensions), none to ``target``.
    """
    x = _as_tensor(target, "copy_")
    source = _as_tensor(source, "copy_")
    try:
        return CopyFrom.apply(x, source)
    except ValueError:
        raise RuntimeError(
            f"copy_: the source of shape {source.shape} must be broadcastable to the target's shape {x.shape}"
        ) from None

