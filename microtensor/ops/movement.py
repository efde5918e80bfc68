"""Movement ops: reshape, transpose, permute, squeeze, expand, repeat, cat, stack
(indexing is in ``indexing.py``).

None of them changes a value, so every backward rule moves the gradient back:
a reshape reshapes it, a permutation applies the inverse permutation, an expand
returns it as is (the engine sums a broadcast gradient back to the input's shape),
cat and stack slice it.
"""
import builtins

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .._registry import op


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
def reshape(input, *shape, newshape=None, order="C", **kwargs):
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
def view(input, *shape):
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
def view_as(input, other):
    """``input.reshape(other.shape)``."""
    return reshape(input, tuple(other.shape))




@op(method=True)
def flatten(input, start_dim=0, end_dim=-1):
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


@op(method=True, numpy=np.expand_dims, numpy_names={"axis": "dim"})
def unsqueeze(input, dim):
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
def squeeze(input, dim=None):
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
def permute(input, *dims, **kwargs):
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
def transpose(input, dim0, dim1):
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
def expand(input, *sizes, shape=None, size=None):
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
def expand_as(input, other):
    """``input.expand(other.shape)``."""
    return expand(input, tuple(other.shape))




@op(method=True)
def repeat(input, *sizes):
    """Tile ``input`` ``sizes[i]`` times along dim i (like ``np.tile``; extra sizes add leading dims).

    Gradient: the sum of the gradient over all the copies.
    """
    x = _tensor(input, "repeat")
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


@op(numpy=np.concatenate, numpy_names={"axis": "dim"})
def cat(tensors, dim=0, *, axis=None, out=None):
    """Concatenate tensors along an existing ``dim`` (shapes must agree elsewhere; dtypes promote).

    Legacy 1-D empty tensors (shape ``(0,)``) are skipped, as in PyTorch.
    Gradient: each input receives its slice of the output's gradient.
    """
    if out is not None:
        raise TypeError("cat(): out= is not supported; assign the result instead")
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


@op(numpy=np.stack, numpy_names={"axis": "dim"})
def stack(tensors, dim=0, *, axis=None, out=None):
    """Stack equally shaped tensors along a new ``dim`` (dtypes promote).

    Gradient: input i receives the output's gradient at index i along ``dim``.
    """
    if out is not None:
        raise TypeError("stack(): out= is not supported; assign the result instead")
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
