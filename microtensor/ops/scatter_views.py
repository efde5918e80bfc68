"""The out-of-place writes through a view: ``select_scatter``, ``slice_scatter`` and
``diagonal_scatter`` return a copy of ``input`` with ``src`` written where ``select``, a slice or
``diagonal`` would look (PyTorch's functional forms of ``x.select(...).copy_(src)``).

Each is that: a clone, the view of it, and ``copy_`` (cast into input's dtype). The gradient is
autograd's for a write into a view: to ``input`` the output's gradient with the written region
zeroed, to ``src`` the region's gradient.
"""
from __future__ import annotations

from typing import Optional

from .._registry import op
from .._tensor import Tensor
from .copying import clone
from .indexing import getitem
from .views import _int, diagonal, select
from .._dims import normalize_dim
from ._util import not_a_tensor_error, tensor_argument as _tensor


def _written(op_name, input, src, view_of):
    """``input`` cloned with ``src`` copied into ``view_of(clone)``; src must have the view's exact shape."""
    x = _tensor(input, op_name)
    if not isinstance(src, Tensor):
        raise not_a_tensor_error(op_name, "src", src)
    out = clone(x)
    region = view_of(out)
    if region.shape != src.shape:
        raise RuntimeError(
            f"{op_name}: expected src to have a size equal to the slice of self. src size = {list(src.shape)}, "
            f"slice size = {list(region.shape)}"
        )
    region.copy_(src)
    return out


@op(method=True)
def select_scatter(input: Tensor, src: Tensor, dim: int, index: int) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``input.select(dim, index)`` (src has that shape)."""
    return _written("select_scatter", input, src, lambda out: select(out, dim, index))


@op(method=True)
def slice_scatter(
    input: Tensor, src: Tensor, dim: int = 0, start: Optional[int] = None, end: Optional[int] = None, step: int = 1,
) -> Tensor:
    """A copy of ``input`` with ``src`` written at ``input[..., start:end:step, ...]`` along ``dim``
    (Python's slice rules: negative or too large bounds are clipped; ``step`` must be positive)."""
    x = _tensor(input, "slice_scatter")
    dim = normalize_dim(dim, x.ndim, "slice_scatter")
    bounds = [None if value is None else _int(value, name, "slice_scatter") for name, value in (("start", start), ("end", end))]
    step = _int(step, "step", "slice_scatter")
    if step <= 0:
        raise RuntimeError(f"slice_scatter: slice step must be positive, got step={step}")
    where = (slice(None),) * dim + (slice(bounds[0], bounds[1], step),)
    return _written("slice_scatter", x, src, lambda out: getitem(out, where))


@op(method=True)
def diagonal_scatter(input: Tensor, src: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """A copy of ``input`` with ``src`` written onto ``input.diagonal(offset, dim1, dim2)`` (src has its shape)."""
    return _written("diagonal_scatter", input, src, lambda out: diagonal(out, offset, dim1, dim2))
