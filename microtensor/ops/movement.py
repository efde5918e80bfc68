"""Shape ops: the same elements seen with other dims. ``reshape view view_as flatten unflatten
squeeze unsqueeze`` change the shape and keep the order of the elements; ``permute transpose``
reorder the dims; ``contiguous`` lays a reordered tensor out in new row-major memory.

None of them changes a value, so every backward rule moves the gradient back: a reshape
reshapes it, a permutation applies the inverse permutation. The other ops that move
elements have a file each: ``repetition.py`` (``expand repeat tile repeat_interleave
meshgrid``), ``joining.py`` (``cat stack``), ``reordering.py`` (``roll flip``);
indexing is in ``indexing.py``, the other views (``narrow select split diagonal unfold
movedim`` ...) in ``views.py``.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
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
        if known == 0 and numel == 0:
            raise RuntimeError(
                f"cannot reshape tensor of 0 elements into shape {list(shape)} because the unspecified dimension "
                f"size -1 can be any value and is ambiguous"
            )
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if size == -1 else size for size in shape)
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def _reshape(x, shape):
    """``x`` itself when the shape is already ``shape`` (as PyTorch's ``flatten`` returns ``self``), else
    the reshaped tensor. ``reshape``, ``view`` and ``squeeze`` always return a new view, as PyTorch
    does: ``x.view(x.shape)`` is a view of ``x`` (``_base``, its own ``grad_fn``), not ``x``."""
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
    return Reshape.apply(x, shape)


@op(method=True)
def view(input: Tensor, *shape: ShapeArg, size: Optional[ShapeArg] = None) -> Tensor:
    """The same memory seen with a new ``shape`` (or ``size=``, PyTorch's keyword); PyTorch's error when
    the strides do not allow it."""
    if size is not None:
        if shape:
            raise TypeError("view() got the shape both positionally and as size=")
        shape = (size,)
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
    return Reshape.apply(x, target)


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
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"squeeze: dim {_first_repeat(dims)} appears multiple times in the list of dims {list(dim)}")
        if x.ndim == 0:
            dims = ()
    drop = {d for d in dims if x.shape[d] == 1}
    return Reshape.apply(x, tuple(size for axis, size in enumerate(x.shape) if axis not in drop))


def _at_least(op_name, shape_of, tensors):
    """``atleast_Nd``: each tensor reshaped (a view) by ``shape_of``; one tensor in, one out, else a tuple."""
    single = len(tensors) == 1 and not isinstance(tensors[0], (list, tuple))
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    results = tuple(_reshape(x, shape_of(x.shape)) for x in (_tensor(t, op_name) for t in tensors))
    return results[0] if single else results


@op()
def atleast_1d(*tensors: Tensor) -> Any:
    """A 0-d tensor as shape ``(1,)``; others unchanged. Several tensors (or a list) give a tuple."""
    return _at_least("atleast_1d", lambda shape: shape or (1,), tensors)


@op()
def atleast_2d(*tensors: Tensor) -> Any:
    """0-d -> ``(1, 1)``, ``(n,)`` -> ``(1, n)``; others unchanged (views). Several tensors give a tuple."""
    return _at_least("atleast_2d", lambda shape: (1,) * (2 - len(shape)) + shape if len(shape) < 2 else shape, tensors)


def _three_d(shape):
    return {0: (1, 1, 1), 1: (1,) + shape + (1,), 2: shape + (1,)}.get(len(shape), shape)


@op()
def atleast_3d(*tensors: Tensor) -> Any:
    """0-d -> ``(1, 1, 1)``, ``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` -> ``(m, n, 1)`` (numpy's rule, views)."""
    return _at_least("atleast_3d", _three_d, tensors)


@op(method=True)
def ravel(input: Tensor) -> Tensor:
    """The elements as one dim, ``reshape(-1)``: a view when the layout allows, else a copy."""
    x = _tensor(input, "ravel")
    return Reshape.apply(x, (x._data.size,))


def _first_repeat(dims):
    return next(d for i, d in enumerate(dims) if d in dims[:i])


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
    return Permute.apply(x, normalized)  # a view even for the identity order, as in PyTorch


@op(method=("transpose", "swapaxes", "swapdims"), numpy=np.swapaxes, aliases=("swapaxes", "swapdims"))
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Swap dims ``dim0`` and ``dim1``;  the gradient is swapped back."""
    x = _tensor(input, "transpose")
    if x.ndim == 0:
        normalize_dim(dim0, 0, "transpose")
        normalize_dim(dim1, 0, "transpose")
        return Permute.apply(x, ())
    a = normalize_dim(dim0, x.ndim, "transpose")
    b = normalize_dim(dim1, x.ndim, "transpose")
    dims = list(range(x.ndim))
    dims[a], dims[b] = b, a
    return Permute.apply(x, tuple(dims))


@op(method=True)
def t(input: Tensor) -> Tensor:
    """The transpose of a tensor with at most 2 dims (a view; a 0-d or 1-d tensor is its own transpose)."""
    x = _tensor(input, "t")
    if x.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {x.ndim}D; use transpose(d0, d1)")
    return Permute.apply(x, tuple(range(x.ndim - 1, -1, -1)))


# -------------------------------------------------------------- contiguous
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
