"""Movement ops: reshape, transpose, permute, squeeze, expand, repeat, tile, cat, stack,
roll, flip (fliplr, flipud), repeat_interleave and meshgrid (indexing is in ``indexing.py``).

None of them changes a value, so every backward rule moves the gradient back:
a reshape reshapes it, a permutation applies the inverse permutation, an expand
returns it as is (the engine sums a broadcast gradient back to the input's shape),
cat and stack slice it, roll rolls it back, flip flips it again, repeat and
repeat_interleave add up the copies.
"""
from __future__ import annotations

import builtins
import math
import warnings
from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .gather_scatter import index_array, index_select
from .._registry import op
from .._typing import Dim, ShapeArg


def _sizes(sizes, op_name):
    """``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` -> ``(2, 3)`` of Python ints."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list, Tensor, np.ndarray)):
        sizes = sizes[0]
        if isinstance(sizes, (Tensor, np.ndarray)):
            sizes = np.asarray(sizes).reshape(-1).tolist()
    result = []
    for size in sizes:
        if isinstance(size, Tensor) and size.ndim == 0 and size.dtype.kind in "iu":
            size = size.item()
        if isinstance(size, bool) or not isinstance(size, (int, np.integer)):
            raise TypeError(f"{op_name}(): sizes must be ints or a tuple of ints, got {tuple(sizes)!r}")
        result.append(int(size))
    return tuple(result)


# ----------------------------------------------------------------- reshape
class Reshape(Function):
    """``y = x.reshape(shape)``;  the gradient is ``g.reshape(x.shape)``."""

    numpy_level = True
    view_of = 0  # the output may be a numpy view of input 0: they share a version counter

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


def _infer_shape(shape, numel, op_name="reshape"):
    """Resolve one -1 in ``shape``; PyTorch's error when the sizes do not fit."""
    unknown = [i for i, size in enumerate(shape) if size == -1]
    if len(unknown) > 1:
        raise RuntimeError(f"{op_name}: only one dimension can be inferred, got shape {list(shape)}")
    for size in shape:
        if size < -1:
            raise RuntimeError(f"{op_name}: invalid shape dimension {size} in shape {list(shape)}")
    known = 1
    for size in shape:
        if size != -1:
            known *= size
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if size == -1 else size for size in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _reshape(x, shape):
    if shape == x.shape:
        return x
    return Reshape.apply(x, shape)


@op(method=True, numpy=np.reshape)
def reshape(
    input: Tensor, *shape: ShapeArg, newshape: Optional[ShapeArg] = None, order: str = "C", **kwargs: Any,
) -> Tensor:
    """The same elements in a new ``shape`` (ints or a tuple; one -1 is inferred).

    Gradient: the output's gradient reshaped back to the input's shape.
    """
    x = _tensor(input, "reshape")
    if order != "C":
        raise ValueError(f"reshape: only C order is supported, got order={order!r}")
    if newshape is not None or "shape" in kwargs:
        shape = (newshape if newshape is not None else kwargs.pop("shape"),)
    if kwargs:
        raise TypeError(f"reshape() got unexpected keyword arguments {sorted(kwargs)}")
    shape = _infer_shape(_sizes(shape, "reshape"), x._data.size)
    return _reshape(x, shape)


@op(method=True)
def view(input: Tensor, *shape: ShapeArg) -> Tensor:
    """The same memory seen with a new ``shape``; PyTorch's error when the strides do not allow it."""
    if len(shape) == 1 and isinstance(shape[0], np.dtype):
        raise TypeError("view(dtype) is not supported; use .to(dtype)")
    x = _tensor(input, "view")
    target = _infer_shape(_sizes(shape, "view"), x._data.size, "view")
    if not _reshapes_without_copy(x._data, target):
        raise RuntimeError(
            f"view size is not compatible with input tensor's size and stride (at least one dimension spans "
            f"across two contiguous subspaces): can't view shape {list(x.shape)} with strides {list(x.stride())} "
            f"as {list(target)}. Use .reshape(...) instead."
        )
    return _reshape(x, target)


def _reshapes_without_copy(array, shape):
    """Can numpy (and so PyTorch's view rules) give ``shape`` as a view of ``array``?"""
    try:
        np.reshape(array, shape, copy=False)
    except TypeError:  # numpy < 2.1 has no copy= argument
        probe = array.view()
        try:
            probe.shape = shape
        except AttributeError:
            return False
    except ValueError:
        return False
    return True


@op(method=("view_as", "reshape_as"), aliases=("reshape_as",))
def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.reshape(other.shape)``."""
    return reshape(input, tuple(other.shape))




@op(method=True)
def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge dims ``start_dim..end_dim`` into one (a 0-d tensor becomes 1-d)."""
    x = _tensor(input, "flatten")
    if x.ndim == 0:
        normalize_dim(start_dim, 0, "flatten")
        normalize_dim(end_dim, 0, "flatten")
        return _reshape(x, (1,))
    start = normalize_dim(start_dim, x.ndim, "flatten")
    end = normalize_dim(end_dim, x.ndim, "flatten")
    if start > end:
        raise RuntimeError(f"flatten() has invalid args: start_dim ({start_dim}) cannot come after end_dim ({end_dim})")
    merged = 1
    for size in x.shape[start:end + 1]:
        merged *= size
    return _reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


@op(method=True)
def unflatten(input: Tensor, dim: int, sizes: Sequence[int]) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one ``-1`` inferred): ``(N, 10) -> (N, 2, 5)`` for
    ``unflatten(1, (2, 5))``; a view when the layout allows, as ``reshape``. Gradient: reshaped back."""
    x = _tensor(input, "unflatten")
    return reshape(x, _unflattened_shape(x.shape, dim, sizes))


def _unflattened_shape(shape, dim, sizes):
    """``shape`` with dimension ``dim`` replaced by ``sizes`` (one ``-1`` inferred), with PyTorch's errors."""
    dim = normalize_dim(dim, len(shape), "unflatten")
    if len(sizes) == 0:
        raise RuntimeError("unflatten: sizes must be non-empty")
    sizes = [int(size) for size in sizes]
    if sizes.count(-1) > 1:
        raise RuntimeError(f"unflatten: only one dimension can be inferred, got sizes {sizes}")
    if any(size < -1 for size in sizes):
        raise RuntimeError(f"unflatten: invalid size in {sizes}: sizes must be non-negative or -1")
    length = shape[dim]
    known = math.prod(size for size in sizes if size != -1)
    if -1 in sizes:
        if known == 0 or length % known != 0:
            raise RuntimeError(_mismatch(sizes, dim, length))
        sizes[sizes.index(-1)] = length // known
    elif known != length:
        raise RuntimeError(_mismatch(sizes, dim, length))
    return tuple(shape[:dim]) + tuple(sizes) + tuple(shape[dim + 1:])


def _mismatch(sizes, dim, length):
    return (
        f"unflatten: Provided sizes {sizes} don't multiply up to the size of dim {dim} ({length}) in the input tensor"
    )


@op(method=True, numpy=np.expand_dims, numpy_names={"axis": "dim"})
def unsqueeze(input: Tensor, dim: Dim) -> Tensor:
    """Insert a dim of size 1 at ``dim`` (in ``[-ndim-1, ndim]``; a tuple inserts several, like np.expand_dims)."""
    x = _tensor(input, "unsqueeze")
    dims = dim if isinstance(dim, (tuple, list)) else (dim,)
    out_ndim = x.ndim + len(dims)
    positions = sorted(normalize_dim(d, out_ndim, "unsqueeze") for d in dims)
    if len(set(positions)) != len(positions):
        raise RuntimeError(f"unsqueeze: dim {dim} repeats a position")
    shape = list(x.shape)
    for position in positions:
        shape.insert(position, 1)
    return _reshape(x, tuple(shape))


@op(method=True, numpy=np.squeeze, numpy_names={"axis": "dim"})
def squeeze(input: Tensor, dim: Optional[Dim] = None) -> Tensor:
    """Remove dims of size 1 (all of them, or those in ``dim``: an int or a tuple).
    Naming a dim whose size is not 1 leaves it alone, as in PyTorch."""
    x = _tensor(input, "squeeze")
    if dim is None:
        dims = range(x.ndim)
    else:
        dims = dim if isinstance(dim, (tuple, list)) else (dim,)
        dims = [normalize_dim(d, x.ndim, "squeeze") for d in dims]
        if x.ndim == 0:
            return x
    drop = {d for d in dims if x.shape[d] == 1}
    return _reshape(x, tuple(size for axis, size in enumerate(x.shape) if axis not in drop))


# ------------------------------------------------------ transpose / permute
class Permute(Function):
    """``y = x.transpose(dims)``;  the gradient is ``g`` permuted by the inverse permutation."""

    numpy_level = True
    view_of = 0  # the output may be a numpy view of input 0: they share a version counter

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims).tolist())
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, grad):
        return np.transpose(grad, ctx.inverse), None


@op(method=True)
def permute(input: Tensor, *dims: ShapeArg, **kwargs: Any) -> Tensor:
    """Reorder the dims (``dims`` a permutation of ``range(ndim)``, negative allowed);
    ``permute(1, 0)``, ``permute((1, 0))`` and PyTorch's keyword form ``permute(dims=(1, 0))``."""
    x = _tensor(input, "permute")
    if "dims" in kwargs:
        if dims:
            raise TypeError("permute() got the dims both positionally and as dims=")
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"permute() got an unexpected keyword argument '{sorted(kwargs)[0]}'")
    dims = _sizes(dims, "permute")
    if len(dims) != x.ndim:
        raise RuntimeError(
            f"permute(): number of dimensions in the tensor input does not match the length of the "
            f"desired ordering of dimensions i.e. input.dim() = {x.ndim} is not equal to len(dims) = {len(dims)}"
        )
    normalized = tuple(normalize_dim(d, x.ndim, "permute") for d in dims)
    if sorted(normalized) != list(range(x.ndim)):
        raise RuntimeError(f"permute(): dims {dims} must be a permutation of 0..{x.ndim - 1} (repeated dim)")
    if normalized == tuple(range(x.ndim)):
        return x
    return Permute.apply(x, normalized)


@op(method=("transpose", "swapaxes", "swapdims"), numpy=np.swapaxes, aliases=("swapaxes", "swapdims"))
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dims ``dim0`` and ``dim1``;  the gradient is swapped back."""
    x = _tensor(input, "transpose")
    if x.ndim == 0:
        normalize_dim(dim0, 0, "transpose")
        normalize_dim(dim1, 0, "transpose")
        return x
    a = normalize_dim(dim0, x.ndim, "transpose")
    b = normalize_dim(dim1, x.ndim, "transpose")
    if a == b:
        return x
    dims = list(range(x.ndim))
    dims[a], dims[b] = b, a
    return Permute.apply(x, tuple(dims))




# ------------------------------------------------------------ expand / repeat
class Expand(Function):
    """``y = broadcast_to(x, shape)``;  the gradient is ``g``: the engine sums it back to x's shape."""

    numpy_level = True
    view_of = 0  # the output may be a numpy view of input 0: they share a version counter

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

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
        if current != size and current != 1:
            raise RuntimeError(
                f"expand: The expanded size of the tensor ({size}) must match the existing size ({current}) at "
                f"non-singleton dimension {axis}.  Target sizes: {list(sizes)}.  Tensor sizes: {list(x.shape)}"
            )
        target.append(size)
    target = tuple(target)
    if target == x.shape:
        return x
    return Expand.apply(x, target)


@op(method=True)
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input.expand(other.shape)``."""
    return expand(input, tuple(other.shape))




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


# ----------------------------------------------------------------- cat / stack
def _operands(tensors, op_name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op_name}(): argument 'tensors' must be a list or tuple of Tensors, got {type(tensors).__name__}")
    if not tensors:
        raise RuntimeError(f"{op_name}(): expected a non-empty list of Tensors")
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


@op(numpy=np.concatenate, numpy_names={"axis": "dim"}, out=True)
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




class Contiguous(Function):
    """``y = x`` laid out in row-major order in new memory;  dy/dx = 1."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        return np.ascontiguousarray(x)  # called only for non-contiguous x, so always a copy

    @staticmethod
    def backward(ctx, grad):
        return grad


def contiguous(input):
    """``input`` itself when it is contiguous, else a row-major copy (``Tensor.contiguous``)."""
    x = _tensor(input, "contiguous")
    if x._data.flags.c_contiguous:
        return x
    return Contiguous.apply(x)


# -------------------------------------------------------------------- roll / flip
class Roll(Function):
    """``y = roll(x, shifts, dims)``: ``y[(i + s) mod n] = x[i]`` along each dim;
    dx = roll(g, -shifts, dims) (``dims=None``: over the flattened tensor)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.shifts, ctx.dims = shifts, dims
        return np.asarray(np.roll(x, shifts, axis=dims))

    @staticmethod
    def backward(ctx, grad):
        back = -ctx.shifts if ctx.dims is None else tuple(-shift for shift in ctx.shifts)
        if isinstance(grad, np.ndarray):
            return np.asarray(np.roll(grad, back, axis=ctx.dims)), None, None
        return Roll.apply(grad, back, ctx.dims), None, None


def _int_list(value, what, op_name):
    values = value if isinstance(value, (tuple, list)) else (value,)
    for item in values:
        if isinstance(item, bool) or not isinstance(item, (int, np.integer)):
            raise TypeError(f"{op_name}(): argument '{what}' must be an int or a tuple of ints, got {value!r}")
    return tuple(int(item) for item in values)


@op(method=True, numpy=np.roll, numpy_names={"shift": "shifts", "axis": "dims"})
def roll(input: Tensor, shifts: Union[int, Sequence[int]], dims: Optional[Dim] = None) -> Tensor:
    """Shift the elements by ``shifts`` along ``dims`` (ints or tuples of equal length),
    wrapping around; ``dims=None`` rolls the flattened tensor. Gradient: rolled back."""
    x = _tensor(input, "roll")
    shifts = _int_list(shifts, "shifts", "roll")
    if dims is None:
        if len(shifts) != 1:
            raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:0")
        return Roll.apply(x, shifts[0], None)
    dims = _int_list(dims, "dims", "roll")
    if len(shifts) != len(dims):
        raise RuntimeError(f"roll: shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    if x.ndim == 0:
        raise IndexError(f"roll: Dimension specified as {dims[0]} but tensor has no dimensions")
    dims = tuple(normalize_dim(d, x.ndim, "roll") for d in dims)
    return Roll.apply(x, shifts, dims)


class Flip(Function):
    """``y = x`` reversed along ``dims`` (a copy);  dx = g reversed along the same dims."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return np.flip(grad, ctx.dims).copy(), None
        return Flip.apply(grad, ctx.dims), None


@op(method=True)
def flip(input: Tensor, *dims: ShapeArg, **kwargs: Any) -> Tensor:
    """Reverse the order of the elements along ``dims`` (``flip(x, (0, 1))``, ``x.flip(0, 1)``
    or ``dims=``); a new tensor. Gradient: the output's gradient flipped back."""
    x = _tensor(input, "flip")
    if "dims" in kwargs:
        if dims:
            raise TypeError("flip() got the dims both positionally and as dims=")
        dims = (kwargs.pop("dims"),)
    if kwargs:
        raise TypeError(f"flip() got an unexpected keyword argument '{sorted(kwargs)[0]}'")
    if not dims:
        raise TypeError("flip() missing 1 required positional argument: 'dims'")
    dims = _sizes(dims, "flip")
    normalized = tuple(normalize_dim(d, x.ndim, "flip") for d in dims)
    for d in normalized:
        if normalized.count(d) > 1:
            raise RuntimeError(f"flip(): dim {d} appears multiple times in the list of dims {list(dims)}")
    if x.ndim == 0:
        normalized = ()
    return Flip.apply(x, normalized)


@op(method=True, numpy=np.fliplr)
def fliplr(input: Tensor) -> Tensor:
    """``flip(input, (1,))``: reverse the columns (input at least 2-D)."""
    x = _tensor(input, "fliplr")
    if x.ndim < 2:
        raise RuntimeError(f"fliplr: Input must be >= 2-d, got shape {list(x.shape)}.")
    return Flip.apply(x, (1,))


@op(method=True, numpy=np.flipud)
def flipud(input: Tensor) -> Tensor:
    """``flip(input, (0,))``: reverse the rows (input at least 1-D)."""
    x = _tensor(input, "flipud")
    if x.ndim < 1:
        raise RuntimeError("flipud: Input must be >= 1-d, got a 0-d tensor.")
    return Flip.apply(x, (0,))


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
