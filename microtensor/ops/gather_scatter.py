"""Reading and writing at index positions along a dim: ``gather`` (and ``take_along_dim``, a gather
after broadcasting; ``take``, on the flattened input), ``scatter``
(``scatter_``) and ``scatter_add`` (``scatter_add_``); ``scatter_reduce`` (sum, prod, mean, amax,
amin) is in ``scatter_reductions.py``; ``index_select`` and ``index_add``, which use the same
positions for whole slices, are in ``index_slices.py``.

For ``dim = 1`` of a 3-D input, with ``index`` an int64 tensor of the input's number of dims:

* ``gather``:       ``out[i][j][k] = input[i][index[i][j][k]][k]``  (out has index's shape)
* ``scatter``:      ``out[i][index[i][j][k]][k] = src[i][j][k]``    (out has input's shape)
* ``scatter_add``:  ``out[i][index[i][j][k]][k] += src[i][j][k]``   (repeated positions add up)

Each is one numpy indexing with a tuple of *positions*: ``index`` on ``dim`` and a
broadcast ``arange`` on every other dim. Taking at positions (``Take``) and adding at
positions into zeros (``AddAt``) are adjoint linear maps, so each is the other's
backward: gather's gradient is a scatter-add of ``g`` (``np.bincount``, no Python loop),
and a scatter-add's gradient is a gather of ``g``. Both are ``Function`` s, so
``create_graph=True`` differentiates a backward again. ``scatter`` overwrites:
``d out / d input`` is ``g`` with the written positions zeroed and ``d out / d src`` is
``g`` gathered at the positions (PyTorch's rule, also for repeated positions).
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..autograd.function import Function
from ..autograd.inplace import apply_inplace
from .._tensor import Tensor
from ._util import normalize_dim, tensor_argument as _tensor
from .indexing import checked_number, getitem
from .._registry import op, tensor_method
from .._typing import Number

WHOLE = (Ellipsis,)  # the positions of a 0-d tensor's one element (tested by identity: share it, never rebuild it)


# --------------------------------------------------------------- positions
def positions_along(index, dim, ndim):
    """The numpy index into an ``ndim``-d array that reads ``index`` along ``dim`` and the
    aligned position on every other dim (``np.ogrid``-style aranges of index's sizes,
    broadcasting against it)."""
    if ndim == 0:
        return WHOLE
    if index.ndim == 0:  # a 0-d index into a 1-d input
        return (index,)
    return tuple(
        index if axis == dim else np.arange(size).reshape((-1,) + (1,) * (ndim - axis - 1))
        for axis, size in enumerate(index.shape)
    )


def _take_at(array, positions):
    if positions is WHOLE:
        return array.copy()
    taken = array[positions]
    return taken if taken.__class__ is np.ndarray else np.asarray(taken)  # a 0-d index gives a scalar


def add_at(out, positions, values):
    """``out[positions] += values`` with repeated positions adding up (in place, no Python loop).

    ``np.bincount`` over flat positions when they cover much of ``out`` (it is faster there
    than ``np.add.at``); ``np.add.at`` for a few positions, slices, or integer arrays.
    """
    if (
        positions is not WHOLE and out.dtype.kind == "f" and len(positions) == out.ndim
        and all(isinstance(p, np.ndarray) for p in positions)
    ):
        positions = np.broadcast_arrays(*positions)
        if positions[0].size * 8 >= out.size:
            flat = np.ravel_multi_index(positions, out.shape).ravel()
            weights = np.broadcast_to(values, positions[0].shape).ravel()
            out += np.bincount(flat, weights=weights, minlength=out.size).reshape(out.shape)
            return out
    np.add.at(out, tuple(positions), values)
    return out


def _into_zeros(shape, positions, values, distinct):
    """zeros(shape) with ``values`` added at ``positions`` (just written, when no position repeats)."""
    out = np.zeros(shape, dtype=values.dtype)
    if distinct:
        out[positions] = values
        return out
    return add_at(out, positions, values)


class Take(Function):
    """``y = x[positions]`` (index arrays and slices);  dx = zeros like x with ``dx[positions] += g``.

    The base of ``gather``, ``index_select``, ``sort``, ``topk`` and ``diag``; subclasses give
    the node its name and say whether positions can repeat (``distinct``: a sort's cannot).
    """

    numpy_level = True
    distinct = False

    @staticmethod
    def forward(ctx, x, positions):
        ctx.shape, ctx.positions = x.shape, positions
        return _take_at(x, positions)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _into_zeros(ctx.shape, ctx.positions, grad, ctx.distinct), None
        return AddAt.apply(grad, ctx.shape, ctx.positions), None


class AddAt(Function):
    """``y = zeros(shape); y[positions] += g`` (repeats add up), the adjoint of ``Take``;
    dg = gg[positions]."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, shape, positions):
        ctx.positions = positions
        return _into_zeros(shape, positions, grad, False)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return _take_at(grad, ctx.positions), None, None
        return Take.apply(grad, ctx.positions), None, None


def take_at(x, positions):
    """``x[positions]`` for an array (numpy) or a Tensor (recorded, differentiable)."""
    if isinstance(x, np.ndarray):
        return _take_at(x, positions)
    return Take.apply(x, positions)


# ------------------------------------------------------------ argument checks
def index_array(index, op_name, what="index"):
    """The index as an int32/int64 ndarray (PyTorch's dtypes for an index); a TypeError or
    PyTorch's RuntimeError for anything else."""
    if isinstance(index, Tensor):
        array = index._data
    elif isinstance(index, (np.ndarray, list, tuple)):
        array = np.asarray(index)
        if array.size == 0 and array.dtype.kind == "f":  # [] is an empty index list
            array = array.astype(np.int64)
    else:
        raise TypeError(f"{op_name}(): argument '{what}' must be a Tensor, not {type(index).__name__}")
    if array.dtype not in (np.int64, np.int32):
        raise RuntimeError(f"{op_name}(): Expected dtype int32/int64 for {what}, got {array.dtype}")
    return array


def check_in_range(index, size, dim, op_name, error=RuntimeError):
    if index.size:
        low, high = index.min(), index.max()
        if low < 0 or high >= size:
            raise error(
                f"{op_name}(): index {int(low if low < 0 else high)} is out of bounds for dimension {dim} "
                f"with size {size}"
            )


def _same_rank(a, b):
    """PyTorch counts a 0-d and a 1-d tensor as having the same number of dims."""
    return a.ndim == b.ndim or (a.ndim <= 1 and b.ndim <= 1)


def _check_index_shape(x, dim, index, op_name, src=None):
    """PyTorch's rules: index has input's number of dims and is no larger than input
    apart from ``dim`` (and, with a src, no larger than src in any dim)."""
    if not _same_rank(index, x):
        raise RuntimeError(
            f"{op_name}(): Index tensor must have the same number of dimensions as input tensor "
            f"(index shape {list(index.shape)}, input shape {list(x.shape)})"
        )
    too_big = any(i > s for axis, (i, s) in enumerate(zip(index.shape, x.shape)) if axis != dim)
    if src is not None:
        if not _same_rank(index, src):
            raise RuntimeError(
                f"{op_name}(): Index tensor must have the same number of dimensions as src tensor "
                f"(index shape {list(index.shape)}, src shape {list(src.shape)})"
            )
        too_big = too_big or any(i > s for i, s in zip(index.shape, src.shape))
    if too_big:
        detail = f" and to be no larger size than src {list(src.shape)}" if src is not None else ""
        raise RuntimeError(
            f"{op_name}(): Expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart "
            f"from dimension {dim}{detail}"
        )


def _prepare(op_name, input, dim, index, src=None):
    """(input Tensor, dim, index array) checked against each other, for gather and scatter."""
    x = _tensor(input, op_name)
    dim = normalize_dim(dim, x.ndim, op_name)
    index = index_array(index, op_name)
    _check_index_shape(x, dim, index, op_name, src)
    check_in_range(index, x.shape[dim] if x.ndim else 1, dim, op_name)
    if x.ndim == 0:
        index = index.reshape(())  # the one element of a 0-d input
    return x, dim, index


# ------------------------------------------------------------------- gather
class Gather(Take):
    """``out = input[positions_along(index, dim)]``: see ``Take``."""


@op(method=True)
def gather(input: Tensor, dim: int, index: Tensor, *, sparse_grad: bool = False) -> Tensor:
    """Values of ``input`` along ``dim`` at ``index`` (int64, same number of dims as input):
    ``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim = 1``; out has index's shape.

    Gradient: d/d input is a scatter-add of the output's gradient at the same positions.
    """
    x, dim, index = _prepare("gather", input, dim, index)
    return Gather.apply(x, positions_along(index, dim, x.ndim))


@op(method=True)
def take_along_dim(input: Tensor, indices: Tensor, dim: Optional[int] = None) -> Tensor:
    """``gather`` after broadcasting ``input`` and ``indices`` together on every dim but ``dim``
    (the values ``argsort``/``argmax(keepdim=True)`` positions point at); ``dim=None`` reads the
    flattened input at the flattened indices. Gradient: a scatter-add, as for ``gather``."""
    x = _tensor(input, "take_along_dim")
    index = index_array(indices, "take_along_dim", "indices")
    if dim is None:
        return gather(x.reshape(-1), 0, index.reshape(-1))
    if x.ndim != index.ndim:
        raise RuntimeError(
            f"take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{x.ndim} dimensions for input, and {index.ndim} dimensions for indices"
        )
    dim = normalize_dim(dim, x.ndim, "take_along_dim")
    try:
        shape = np.broadcast_shapes(x.shape[:dim] + (1,) + x.shape[dim + 1:],
                                    index.shape[:dim] + (1,) + index.shape[dim + 1:])
    except ValueError:
        raise RuntimeError(
            f"take_along_dim(): input of shape {list(x.shape)} and indices of shape {list(index.shape)} "
            f"must broadcast together on every dim but dim {dim}"
        ) from None
    x = x.expand(shape[:dim] + (x.shape[dim],) + shape[dim + 1:])
    return gather(x, dim, np.broadcast_to(index, shape[:dim] + (index.shape[dim],) + shape[dim + 1:]))


@op(method=True)
def take(input: Tensor, index: Tensor) -> Tensor:
    """The elements of the flattened ``input`` at ``index`` (any shape; negative positions count from
    the end), in index's shape. Gradient: added back at the positions, repeats adding up."""
    x = _tensor(input, "take")
    index = index_array(index, "take")
    size = x.numel()
    if index.size and (index.min() < -size or index.max() >= size):
        bad = int(index.min() if index.min() < -size else index.max())
        raise IndexError(f"take(): out of range: tried to access index {bad} on a tensor of {size} elements")
    return Take.apply(x.reshape(-1), (np.where(index < 0, index + size, index),))


# ------------------------------------------------------------------ scatter
_REDUCTIONS = (None, "add", "multiply")


class Scatter(Function):
    """``out = x`` with ``out[positions] = src`` (``reduce=None``: the last write wins),
    ``+= src`` (``"add"``) or ``*= src`` (``"multiply"``); ``src`` may be a number.

    d/dx = g with the written positions zeroed (``reduce=None``), g (``"add"``);
    d/dsrc = g[positions]. ``"multiply"`` has no derivative, as in PyTorch.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, src, positions, reduce):
        ctx.shape, ctx.positions, ctx.reduce = x.shape, positions, reduce
        out = x.copy()
        if reduce is None:
            out[positions] = src
        elif reduce == "add":
            add_at(out, positions, src)
        else:
            np.multiply.at(out, positions, src)
        return out

    @staticmethod
    def backward(ctx, grad):
        if ctx.reduce == "multiply":
            raise RuntimeError(
                "scatter(reduce='multiply'): the derivative is not implemented (as in PyTorch); "
                "compute the product out of place (e.g. with index_select and prod) to differentiate it"
            )
        need_x, need_src = ctx.needs_input_grad[:2]
        grad_x = grad_src = None
        if need_x:
            grad_x = grad if ctx.reduce == "add" else np.where(_written(ctx.shape, ctx.positions), 0, grad)
        if need_src:
            grad_src = take_at(grad, ctx.positions)
        return grad_x, grad_src, None, None


class ScatterAdd(Scatter):
    """``scatter_add``: ``Scatter`` with ``reduce="add"``."""


def _written(shape, positions):
    mask = np.zeros(shape, dtype=bool)
    mask[positions] = True
    return mask


def _is_number(value):
    return isinstance(value, (bool, int, float, np.generic)) or (isinstance(value, Tensor) and value.ndim == 0)


def _scatter(op_name, node, input, dim, index, src, value, reduce):
    if reduce not in _REDUCTIONS:
        raise RuntimeError(f"{op_name}(): reduce argument must be either add or multiply, got {reduce!r}")
    if src is not None and value is not None:
        raise TypeError(f"{op_name}(): give either src (a Tensor) or value (a number), not both")
    if src is None and value is None:
        raise TypeError(f"{op_name}(): missing the values to write: give src (a Tensor) or value (a number)")
    if src is None or (_is_number(src) and not isinstance(src, Tensor)):
        number = value if src is None else src
        if not _is_number(number):
            raise TypeError(f"{op_name}(): value must be a number, got {type(number).__name__}")
        x, dim, index = _prepare(op_name, input, dim, index)
        number = number.item() if isinstance(number, Tensor) else number
        written = np.asarray(checked_number(number, x.dtype, op_name)).astype(x.dtype)
    else:
        written = _tensor(src, op_name)
        x, dim, index = _prepare(op_name, input, dim, index, written)
        if written.dtype != x.dtype:
            raise RuntimeError(
                f"{op_name}(): Expected self.dtype to be equal to src.dtype (got {x.dtype} and "
                f"{written.dtype}); convert one with .to(dtype)"
            )
        if written.shape != index.shape:  # only the part of src that index covers is written
            written = getitem(written, tuple(slice(0, size) for size in index.shape))
    return node.apply(x, written, positions_along(index, dim, x.ndim), reduce)


@op(method=True)
def scatter(
    input: Tensor, dim: int, index: Tensor, src: Optional[Tensor] = None, value: Optional[Number] = None, *,
    reduce: Optional[str] = None,
) -> Tensor:
    """A copy of ``input`` with ``src`` (a tensor, or a number ``value``) written at
    ``index`` along ``dim``: ``out[i][index[i][j][k]][k] = src[i][j][k]`` for ``dim = 1``.

    ``reduce="add"`` / ``"multiply"`` combine instead of overwriting. Gradient: d/d input is
    g with the written positions zeroed; d/d src is g gathered at ``index``.
    """
    return _scatter("scatter", Scatter, input, dim, index, src, value, reduce)


@op(method=True)
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeated positions add up).

    Gradient: d/d input = g; d/d src = g gathered at ``index``.
    """
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): argument 'src' must be a Tensor, not {type(src).__name__}")
    return _scatter("scatter_add", ScatterAdd, input, dim, index, src, None, "add")


# ------------------------------------------------------------ scatter_reduce
@tensor_method()
def scatter_(
    self: Tensor, dim: int, index: Tensor, src: Optional[Tensor] = None, value: Optional[Number] = None, *,
    reduce: Optional[str] = None,
) -> Tensor:
    """In-place ``scatter``: writes into this tensor."""
    return apply_inplace(self, "scatter_", lambda: scatter(self, dim, index, src, value, reduce=reduce))


@tensor_method()
def scatter_add_(self: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """In-place ``scatter_add``: adds into this tensor."""
    return apply_inplace(self, "scatter_add_", lambda: scatter_add(self, dim, index, src))
