"""Repetition: a tensor's elements repeated, as a broadcast view (``expand expand_as
broadcast_tensors``), as tiled copies (``repeat tile``), each element or slice next to itself
(``repeat_interleave``), or along the other dims of a coordinate grid (``meshgrid``).

Every gradient adds up the copies: an expand returns it as is (the engine sums a
broadcast gradient back to the input's shape), repeat sums the tiles, and
repeat_interleave is an ``index_select`` whose backward sums each group.
"""
from __future__ import annotations

import builtins
import warnings
from typing import Optional, Sequence, Tuple, Union

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .gather_scatter import index_array
from .index_slices import index_select
from .movement import _sizes, reshape
from .._registry import op
from .._typing import ShapeArg


# ------------------------------------------------------------ expand / repeat
class Expand(Function):
    """``y = broadcast_to(x, shape)``;  the gradient is ``g``: the engine sums it back to x's shape."""

    numpy_level = True
    view_of = 0  # the output may be a numpy view of input 0: they share a version counter

    @staticmethod
    def forward(ctx, x, shape):
        out = np.broadcast_to(x, shape)
        for size, step in zip(out.shape, out.strides):
            if step == 0 and size > 1:
                return out  # elements repeat: numpy's read-only view (PyTorch refuses such writes too)
        return as_strided(x, out.shape, out.strides)  # nothing repeats: as writable as x, as in PyTorch

    @staticmethod
    def backward(ctx, grad):
        return grad, None


@op(method=True, numpy=np.broadcast_to, aliases=("broadcast_to",))
def expand(
    input: Tensor, *sizes: ShapeArg, shape: Optional[ShapeArg] = None, size: Optional[ShapeArg] = None,
) -> Tensor:
    """A broadcast view of ``input`` with ``sizes`` (-1 keeps a size; new dims go in front).

    Also what ``np.broadcast_to(t, shape)`` calls (PyTorch's keyword is ``size=``).
    Gradient: summed over the expanded dims.
    """
    x = _tensor(input, "expand")
    if size is not None:
        shape = size
    sizes = _sizes((shape,) if shape is not None else sizes, "expand")
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(sizes)}) must be greater or equal to the number of "
            f"dimensions in the tensor ({x.ndim}); sizes {list(sizes)}, tensor shape {list(x.shape)}"
        )
    lead = len(sizes) - x.ndim
    target = []
    for axis, size in enumerate(sizes):
        if axis < lead:
            if size < 0:
                raise RuntimeError(
                    f"expand: the expanded size of the tensor ({size}) isn't allowed in a leading, non-existing "
                    f"dimension {axis}; sizes {list(sizes)}, tensor shape {list(x.shape)}"
                )
            target.append(size)
            continue
        current = x.shape[axis - lead]
        if size == -1:
            size = current
        elif size < 0:
            raise RuntimeError(
                f"expand: invalid size {size} at dimension {axis} (sizes must be non-negative, or -1 to keep the "
                f"size); sizes {list(sizes)}, tensor shape {list(x.shape)}"
            )
        if current != size and current != 1:
            raise RuntimeError(
                f"expand: The expanded size of the tensor ({size}) must match the existing size ({current}) at "
                f"non-singleton dimension {axis}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(x.shape)}"
            )
        target.append(size)
    return Expand.apply(x, tuple(target))  # a view even when nothing is expanded, as in PyTorch


@op(method=True)
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, tuple(other.shape))


@op()
def broadcast_shapes(*shapes: ShapeArg) -> Tuple[int, ...]:
    """The shape that tensors of ``shapes`` broadcast to (an int is a 1-d shape), with PyTorch's error."""
    shapes = [(shape,) if isinstance(shape, (int, np.integer)) else tuple(shape) for shape in shapes]
    try:
        return tuple(int(size) for size in np.broadcast_shapes(*shapes))
    except ValueError:
        raise RuntimeError(
            f"broadcast_shapes: shapes {[list(shape) for shape in shapes]} cannot be broadcast together "
            f"(in each trailing dim the sizes must match or be 1)"
        ) from None


@op()
def broadcast_tensors(*tensors: Tensor) -> Tuple[Tensor, ...]:
    """Every tensor expanded (a view) to their common broadcast shape; one already of that shape is
    returned itself, as in PyTorch. Gradient: summed back over the expanded dims."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    tensors = [_tensor(t, "broadcast_tensors") for t in tensors]
    shape = broadcast_shapes(*(t.shape for t in tensors))
    return tuple(t if t.shape == shape else expand(t, shape) for t in tensors)


@op(method=True)
def repeat(input: Tensor, *sizes: ShapeArg) -> Tensor:
    """Tile ``input`` ``sizes[i]`` times along dim i (like ``np.tile``; extra sizes add leading dims).

    Gradient: the sum of the gradient over all the copies.
    """
    x = _tensor(input, "repeat")
    if not sizes:
        raise TypeError('repeat() missing 1 required positional arguments: "repeats"')
    sizes = _sizes(sizes, "repeat")
    if len(sizes) < x.ndim:
        raise RuntimeError(
            f"repeat: Number of dimensions of repeat dims ({len(sizes)}) can not be smaller than number of "
            f"dimensions of tensor ({x.ndim})"
        )
    if builtins.any(size < 0 for size in sizes):
        raise RuntimeError(f"repeat: repeats can not be negative, got {list(sizes)}")
    return Repeat.apply(x, sizes)


class Repeat(Function):
    """``y = tile(x, sizes)``;  dx = sum of g over the copies: reshape g to
    ``(r0, s0, r1, s1, ...)`` and sum over the ``r`` axes."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, sizes):
        shape = (1,) * (len(sizes) - x.ndim) + x.shape
        ctx.shape = x.shape
        ctx.split = tuple(value for pair in zip(sizes, shape) for value in pair)
        ctx.axes = tuple(range(0, 2 * len(sizes), 2))
        return np.tile(x.reshape(shape), sizes)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.reshape(ctx.split)
        if ctx.axes:
            grad = grad.sum(axis=ctx.axes)
        return grad.reshape(ctx.shape), None


@op(method=True, numpy=np.tile)
def tile(input: Tensor, *dims: ShapeArg) -> Tensor:
    """``input`` repeated ``dims[i]`` times along dim i; fewer ``dims`` than dims are padded
    with 1s in front (``np.tile``), more add leading dims. Gradient: the sum over the copies."""
    x = _tensor(input, "tile")
    if not dims:
        raise TypeError('tile() missing 1 required positional argument: "dims"')
    sizes = _sizes(dims, "tile")
    sizes = (1,) * (x.ndim - len(sizes)) + sizes
    if builtins.any(size < 0 for size in sizes):
        raise RuntimeError(f"tile: Trying to create tensor with negative dimension: repeats {list(sizes)}")
    return Repeat.apply(x, sizes)


# -------------------------------------------------------------- repeat_interleave
def _repeat_counts(repeats, size, op_name="repeat_interleave"):
    """PyTorch's ``repeats``: a non-negative int, or an integer tensor of 1 or ``size`` elements."""
    if isinstance(repeats, (Tensor, np.ndarray)):
        counts = repeats._data if isinstance(repeats, Tensor) else repeats
        if counts.dtype.kind not in "iu":
            raise NotImplementedError(f"{op_name}: repeats must be an integer tensor, got dtype {counts.dtype}")
        if counts.ndim > 1:
            raise RuntimeError(f"{op_name}: repeats must be 0-dim or 1-dim tensor, got shape {list(counts.shape)}")
        if counts.size != 1 and counts.size != size:
            raise RuntimeError(
                f"{op_name}: repeats must have the same size as input along dim, but got repeats.size(0) = "
                f"{counts.size} and input.size(dim) = {size}"
            )
        if counts.size and counts.min() < 0:
            raise RuntimeError(f"{op_name}: repeats can not be negative, got {counts.tolist()}")
        return counts.reshape(-1).astype(np.int64, copy=False)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)):
        raise TypeError(f"{op_name}(): repeats must be an int or an integer Tensor, got {type(repeats).__name__}")
    if repeats < 0:
        raise RuntimeError(f"{op_name}: Repeats must be non-negative, got {repeats}")
    return np.array([repeats], dtype=np.int64)


@op(method=True, numpy=np.repeat, numpy_names={"axis": "dim"})
def repeat_interleave(
    input: Tensor, repeats: Union[Tensor, int, None] = None, dim: Optional[int] = None, *,
    output_size: Optional[int] = None,
) -> Tensor:
    """Repeat each element (``dim=None``: of the flattened input) or each slice along ``dim``
    ``repeats`` times, next to each other: ``[a, b]`` with 2 -> ``[a, a, b, b]``. ``repeats`` is
    an int or an integer tensor (one count per slice). ``repeat_interleave(counts)`` alone
    repeats ``arange(len(counts))``. Gradient: the sum of the gradient over each group of copies.
    """
    if repeats is None:  # repeat_interleave(repeats): the positions 0, 1, ... repeated
        counts = index_array(input, "repeat_interleave", "repeats")
        if counts.ndim != 1:
            raise RuntimeError(f"repeat_interleave: repeats must be 1-dim, got shape {list(counts.shape)}")
        input, repeats, dim = Tensor._make(np.arange(counts.size, dtype=np.int64)), input, 0
    x = _tensor(input, "repeat_interleave")
    if dim is None:
        x, dim = reshape(x, -1), 0
    dim = normalize_dim(dim, x.ndim, "repeat_interleave")
    size = x.shape[dim] if x.ndim else 1
    counts = _repeat_counts(repeats, size)
    if counts.size == 1:
        counts = np.full(size, counts[0], dtype=np.int64)
    total = int(counts.sum())
    if output_size is not None and output_size != total:
        raise RuntimeError(f"repeat_interleave: Invalid output_size, expected {total} but got {output_size}")
    return index_select(x, dim, np.repeat(np.arange(size, dtype=np.int64), counts))


# ------------------------------------------------------------------ meshgrid
@op()
def meshgrid(*tensors: Union[Tensor, Sequence[Tensor]], indexing: Optional[str] = None) -> Tuple[Tensor, ...]:
    """Coordinate grids from 0-D/1-D tensors: output i holds tensor i's values along dim i
    (``indexing="ij"``, the default) and is constant along the others; ``"xy"`` swaps the
    roles of the first two dims (Cartesian, as in ``np.meshgrid``). Without ``indexing`` a
    UserWarning says it will be required, as in PyTorch. The outputs are expanded views.
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument.",
            UserWarning,
            stacklevel=2,
        )
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    tensors = [_tensor(t, "meshgrid") for t in tensors]
    for position, t in enumerate(tensors):
        if t.ndim > 1:
            raise RuntimeError(
                f"meshgrid: Expected 0D or 1D tensor in the tensor list but got a {t.ndim}-D tensor of "
                f"shape {list(t.shape)} at position {position}"
            )
    if len({t.dtype for t in tensors}) > 1:
        raise RuntimeError(
            f"meshgrid expects all tensors to have the same dtype, got {[str(t.dtype) for t in tensors]}"
        )
    axes = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        axes[0], axes[1] = 1, 0
    shape = [0] * len(tensors)
    for t, axis in zip(tensors, axes):
        shape[axis] = t.numel()
    grids = []
    for t, axis in zip(tensors, axes):
        along = [1] * len(tensors)
        along[axis] = -1
        grids.append(expand(reshape(t, tuple(along)), tuple(shape)))
    return tuple(grids)
