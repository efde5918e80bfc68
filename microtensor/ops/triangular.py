"""Triangular parts of (batches of) matrices: ``tril`` and ``triu`` (and ``tril_``, ``triu_``).

``tril(x, k)`` keeps ``x[..., i, j]`` where ``j - i <= k`` and sets the rest to 0;
``triu(x, k)`` keeps ``j - i >= k``. Both are a fixed mask on the last two dims, so the
gradient is the same mask applied to ``g`` (and differentiates again under
``create_graph=True``, as ``np.where`` on Tensors is ``mt.where``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from ..autograd.inplace import apply_inplace
from ._util import tensor_argument as _tensor
from .._registry import op, tensor_method
from .._tensor import Tensor


class Tril(Function):
    """``y = where(mask, x, 0)`` with the mask ``j - i <= diagonal`` on the last two dims;
    dx = where(mask, g, 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, mask):
        ctx.mask = mask
        return np.where(mask, x, np.zeros((), dtype=x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.mask, grad, 0), None


class Triu(Tril):
    """``Tril`` with the mask ``j - i >= diagonal``."""


def _triangle(node, op_name, input, diagonal):
    x = _tensor(input, op_name)
    if x.ndim < 2:
        raise RuntimeError(
            f"{op_name}: input tensor must have at least 2 dimensions, got shape {list(x.shape)}"
        )
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"{op_name}(): argument 'diagonal' must be int, not {type(diagonal).__name__}")
    rows, cols = x.shape[-2:]
    lower = np.tri(rows, cols, int(diagonal), dtype=bool)
    mask = lower if node is Tril else ~np.tri(rows, cols, int(diagonal) - 1, dtype=bool)
    return node.apply(x, mask)


@op(method=True, numpy=np.tril, numpy_names={"k": "diagonal"})
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims: ``x[..., i, j]`` where ``j - i <= diagonal``,
    0 elsewhere (keeps the dtype). Gradient: the same triangle of ``g``."""
    return _triangle(Tril, "tril", input, diagonal)


@op(method=True, numpy=np.triu, numpy_names={"k": "diagonal"})
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims: ``x[..., i, j]`` where ``j - i >= diagonal``,
    0 elsewhere (keeps the dtype). Gradient: the same triangle of ``g``."""
    return _triangle(Triu, "triu", input, diagonal)


@tensor_method()
def tril_(self: Tensor, diagonal: int = 0) -> Tensor:
    """In-place ``tril``."""
    return apply_inplace(self, "tril_", lambda: tril(self, diagonal))


@tensor_method()
def triu_(self: Tensor, diagonal: int = 0) -> Tensor:
    """In-place ``triu``."""
    return apply_inplace(self, "triu_", lambda: triu(self, diagonal))
