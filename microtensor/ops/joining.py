"""Joining: ``cat`` puts tensors end to end along an existing dim, ``stack`` along a new one
(dtypes promote, as in PyTorch). Each input's gradient is its own slice of the output's.
``hstack vstack dstack column_stack`` are ``cat`` after giving every input enough dims.
"""
from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim
from .movement import atleast_1d, atleast_2d, atleast_3d
from .._registry import op


def _operands(tensors, op_name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op_name}(): argument 'tensors' must be a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:
        # PyTorch: torch.cat()'s ValueError; the others' RuntimeError ("stack expects a non-empty TensorList")
        if op_name == "cat":
            raise ValueError(f"mt.cat(): expected a non-empty list of Tensors, got an empty {type(tensors).__name__}")
        raise RuntimeError(f"{op_name}(): expected a non-empty list of Tensors, got an empty {type(tensors).__name__}")
    result = []
    for position, value in enumerate(tensors):
        if not isinstance(value, Tensor):
            if not isinstance(value, (np.ndarray, list, tuple)):
                raise TypeError(
                    f"{op_name}(): expected a list of Tensors, but element {position} is {type(value).__name__}"
                )
            value = Tensor(value) if not isinstance(value, np.ndarray) else Tensor._make(value)
        result.append(value)
    dtype = _dtypes.promote([t.dtype for t in result], [], [])
    return result, dtype


def _pick_axis(dim, axis, op_name):
    if axis is not None:
        if dim not in (0, None) and dim != axis:
            raise TypeError(f"{op_name}(): got both dim={dim} and axis={axis}; pass only one")
        return axis
    return 0 if dim is None else dim


class Cat(Function):
    """``y = concatenate(xs, dim)``;  each input's gradient is its slice of ``g`` along ``dim``."""

    numpy_level = True

    @staticmethod
    def forward(ctx, *arrays, dim, dtype):
        ctx.dim = dim
        ctx.bounds = np.cumsum([0] + [a.shape[dim] if a.ndim else 0 for a in arrays]).tolist()
        return np.concatenate(arrays, axis=dim, dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.dim
        needs = ctx.needs_input_grad
        return tuple(
            grad[lead + (slice(ctx.bounds[i], ctx.bounds[i + 1]),)] if needs[i] else None
            for i in range(len(needs))
        )


@op(numpy=np.concatenate, numpy_names={"axis": "dim"}, aliases=("concat", "concatenate"), out=True)
def cat(tensors: Sequence[Tensor], dim: int = 0, *, axis: Optional[int] = None) -> Tensor:
    """Concatenate tensors along an existing ``dim`` (shapes must agree elsewhere; dtypes promote).

    Legacy 1-D empty tensors (shape ``(0,)``) are skipped, as in PyTorch.
    Gradient: each input receives its slice of the output's gradient.
    """
    tensors, dtype = _operands(tensors, "cat")
    dim = _pick_axis(dim, axis, "cat")
    kept = [t for t in tensors if t.shape != (0,)]
    if not kept:
        kept = tensors[:1]
    reference = kept[0]
    if reference.ndim == 0:
        raise RuntimeError("cat(): zero-dimensional tensor (at position 0) cannot be concatenated")
    axis_ = normalize_dim(dim, reference.ndim, "cat")
    for position, t in enumerate(tensors):
        if t.shape == (0,) and reference.shape != (0,):
            continue
        if t.ndim == 0:
            raise RuntimeError(f"cat(): zero-dimensional tensor (at position {position}) cannot be concatenated")
        if t.ndim != reference.ndim:
            raise RuntimeError(
                f"cat(): Tensors must have same number of dimensions: got {reference.ndim} and {t.ndim} "
                f"(tensor 0 has shape {tuple(reference.shape)}, tensor {position} has shape {tuple(t.shape)})"
            )
        for d in range(t.ndim):
            if d != axis_ and t.shape[d] != reference.shape[d]:
                raise RuntimeError(
                    f"cat(): Sizes of tensors must match except in dimension {axis_}. Expected size "
                    f"{reference.shape[d]} but got size {t.shape[d]} for tensor number {position} in the list "
                    f"(shapes {tuple(reference.shape)} and {tuple(t.shape)})"
                )
    if len(kept) != len(tensors):
        tensors = kept
    return Cat.apply(*tensors, dim=axis_, dtype=dtype)


class Stack(Function):
    """``y = stack(xs, dim)``;  input i's gradient is ``g`` indexed at position i along ``dim``."""

    numpy_level = True

    @staticmethod
    def forward(ctx, *arrays, dim, dtype):
        ctx.dim = dim
        return np.stack([a.astype(dtype, copy=False) for a in arrays], axis=dim)

    @staticmethod
    def backward(ctx, grad):
        lead = (slice(None),) * ctx.dim
        needs = ctx.needs_input_grad
        return tuple(grad[lead + (i,)] if needs[i] else None for i in range(len(needs)))


@op(numpy=np.stack, numpy_names={"axis": "dim"}, out=True)
def stack(tensors: Sequence[Tensor], dim: int = 0, *, axis: Optional[int] = None) -> Tensor:
    """Stack equally shaped tensors along a new ``dim`` (dtypes promote).

    Gradient: input i receives the output's gradient at index i along ``dim``.
    """
    tensors, dtype = _operands(tensors, "stack")
    dim = _pick_axis(dim, axis, "stack")
    reference = tensors[0]
    for position, t in enumerate(tensors):
        if t.shape != reference.shape:
            raise RuntimeError(
                f"stack(): stack expects each tensor to be equal size, but got {list(reference.shape)} at entry 0 "
                f"and {list(t.shape)} at entry {position}"
            )
    axis_ = normalize_dim(dim, reference.ndim + 1, "stack")
    return Stack.apply(*tensors, dim=axis_, dtype=dtype)


@op(out=True)
def hstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1, or dim 0 when the inputs are 1-d (0-d ones become 1-d first)."""
    tensors, _ = _operands(tensors, "hstack")
    tensors = atleast_1d(tensors)
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


@op(aliases=("row_stack",), out=True)
def vstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 0 after making each input at least 2-d (``(n,)`` becomes ``(1, n)``)."""
    tensors, _ = _operands(tensors, "vstack")
    return cat(atleast_2d(tensors), 0)


@op(out=True)
def dstack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 2 after making each input at least 3-d (``atleast_3d``)."""
    tensors, _ = _operands(tensors, "dstack")
    return cat(atleast_3d(tensors), 2)


@op(out=True)
def column_stack(tensors: Sequence[Tensor]) -> Tensor:
    """Concatenate along dim 1, each 0-d or 1-d input of ``n`` elements taken as a column ``(n, 1)``."""
    tensors, _ = _operands(tensors, "column_stack")
    columns = [t.reshape(t._data.size, 1) if t.ndim < 2 else t for t in tensors]
    return cat(columns, 1)
