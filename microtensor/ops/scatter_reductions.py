"""``scatter_reduce`` (and ``scatter_reduce_``): combine ``src`` into ``input`` at index positions
along a dim with a reduction, ``sum``, ``prod``, ``mean``, ``amax`` or ``amin``, as in PyTorch;
``include_self=False`` leaves the input's own value out wherever something is written.

The positions are ``gather_scatter.py``'s (``positions_along``); each reduction's gradient is
a weight per element: 1 for ``sum``, 1 / count for ``mean``, the product of the others for
``prod`` (with zeros counted apart), and an even share among the tied extremes for
``amax``/``amin``.
"""
from __future__ import annotations


import numpy as np

from ..autograd.function import Function
from ..autograd.inplace import apply_inplace
from .._tensor import Tensor
from ._util import tensor_argument as _tensor
from .gather_scatter import _prepare, _written, add_at, positions_along, take_at
from .indexing import getitem
from .._registry import op, tensor_method


_SCATTER_REDUCTIONS = ("sum", "prod", "mean", "amax", "amin")


def _reduce_into(out, positions, src, reduce):
    """``out[positions] (op)= src`` in place for sum/prod/amax/amin (repeated positions all count)."""
    if reduce in ("sum", "mean"):
        add_at(out, positions, src)
    else:
        {"prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce].at(out, positions, src)


def _identity(reduce, dtype):
    if reduce in ("amax", "amin"):
        big = np.inf if dtype.kind == "f" else np.iinfo(dtype).max
        return -big if reduce == "amax" else big
    return 1 if reduce == "prod" else 0


class ScatterReduce(Function):
    """``out = x`` with every ``src`` element reduced into ``out[positions]`` by sum, prod, mean,
    amax or amin (``include_self=False``: the written positions start from nothing instead of x).

    d/dx and d/dsrc: sum: g; mean: g / count; prod: g * (product of the others); amax/amin: g shared
    evenly among the elements equal to the result (x's own element counts when included), as in PyTorch.
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, x, src, positions, reduce, include_self):
        written = _written(x.shape, positions)
        out = x.copy()
        if not include_self:
            out[written] = _identity(reduce, x.dtype)
        _reduce_into(out, positions, src, reduce)
        if reduce == "mean":
            count = np.where(written & include_self, 1, 0)
            add_at(count, positions, np.ones(src.shape, dtype=count.dtype))
            count = np.maximum(count, 1)
            out = (out / count).astype(x.dtype, copy=False) if out.dtype.kind == "f" else out // count
            ctx.count = count
        ctx.save_for_backward(x, src, out)
        ctx.written, ctx.positions, ctx.reduce, ctx.include_self = written, positions, reduce, include_self
        return out

    @staticmethod
    def backward(ctx, grad):
        x, src, out = ctx.saved_tensors  # Tensors when the backward is recorded (create_graph=True)
        written, positions, reduce, include_self = ctx.written, ctx.positions, ctx.reduce, ctx.include_self
        keep_self = written & include_self | ~written  # where x's element is part of the output
        if reduce == "sum":
            weight_x, weight_src = keep_self, 1
        elif reduce == "mean":
            weight_x, weight_src = keep_self / ctx.count, (1 / ctx.count)[positions]
        elif reduce == "prod":
            weight_x, weight_src = _prod_weights(x, src, out, positions, written, include_self)
        else:
            weight_x, weight_src = _tie_weights(_values(x), _values(src), _values(out), positions, written, keep_self)
        return grad * weight_x, take_at(grad, positions) * weight_src, None, None, None


def _values(value):
    return value._data if isinstance(value, Tensor) else value


def _tie_weights(x, src, out, positions, written, keep_self):
    """amax / amin: each element equal to its position's result gets 1 / (the number of such elements)."""
    ties_x = (x == out) & keep_self
    ties_src = src == out[positions]
    ties = ties_x.astype(x.dtype)
    add_at(ties, positions, ties_src.astype(x.dtype))
    return np.where(written, ties_x / np.maximum(ties, 1), 1), ties_src / np.maximum(ties, 1)[positions]


def _prod_weights(x, src, out, positions, written, include_self):
    """d out / d element for a product: the product of the other elements of its position
    (out / element, or for the one zero of a position the product of the non-zero others).
    Written with ops that Tensors follow too, so that a recorded backward differentiates again."""
    def nonzero(values):
        return np.where(values == 0, 1, values)

    zeros = np.where(written & include_self, _values(x) == 0, 0).astype(np.int64)
    add_at(zeros, positions, (_values(src) == 0).astype(np.int64))
    base = np.where(written & include_self, nonzero(x), 1)
    if isinstance(base, Tensor):
        rest = ScatterReduce.apply(base, nonzero(src), positions, "prod", True)
    else:
        rest = base.astype(x.dtype, copy=False)
        np.multiply.at(rest, positions, nonzero(src))

    def weight(values, zeros_here, rest_here, out_here):
        return np.where(values == 0, (zeros_here == 1) * rest_here, (zeros_here == 0) * out_here / nonzero(values))

    weight_x = np.where(written, weight(x, zeros, rest, out) * include_self, 1)
    weight_src = weight(src, zeros[positions], rest[positions], out[positions])
    return weight_x, weight_src


@op(method=True)
def scatter_reduce(
    input: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True,
) -> Tensor:
    """``input`` with each ``src[i][j][k]`` reduced into ``out[i][index[i][j][k]][k]`` (``dim = 1``) by
    ``reduce`` = ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"`` or ``"amin"``, repeated positions all
    counting; ``include_self=False`` leaves input's own value out at the positions written to. An
    integer ``"mean"`` rounds down. Gradients as in PyTorch (see ``ScatterReduce``)."""
    if reduce not in _SCATTER_REDUCTIONS:
        raise RuntimeError(
            f"scatter_reduce(): reduce argument must be either sum, prod, mean, amax or amin, got {reduce!r}"
        )
    written = _tensor(src, "scatter_reduce")
    x, dim, index = _prepare("scatter_reduce", input, dim, index, written)
    if written.dtype != x.dtype:
        raise RuntimeError(
            f"scatter_reduce(): Expected self.dtype to be equal to src.dtype (got {x.dtype} and {written.dtype}); "
            f"convert one with .to(dtype)"
        )
    if written.shape != index.shape:  # only the part of src that index covers is reduced
        written = getitem(written, tuple(slice(0, size) for size in index.shape))
    return ScatterReduce.apply(x, written, positions_along(index, dim, x.ndim), reduce, bool(include_self))


@tensor_method()
def scatter_reduce_(
    self: Tensor, dim: int, index: Tensor, src: Tensor, reduce: str, *, include_self: bool = True,
) -> Tensor:
    """In-place ``scatter_reduce``: reduces into this tensor."""
    return apply_inplace(
        self, "scatter_reduce_", lambda: scatter_reduce(self, dim, index, src, reduce, include_self=include_self)
    )
