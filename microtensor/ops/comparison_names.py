"""PyTorch's long names of the comparisons (``greater`` for ``gt``, ``not_equal`` for ``ne``, ...),
as ``mt.`` functions and Tensor methods. Each calls its op in ``comparison.py``."""
from __future__ import annotations

from .._tensor import Tensor
from .._registry import op
from .._typing import TensorLike
from . import comparison


@op(method=True)
def greater(input: Tensor, other: TensorLike) -> Tensor:
    """``input > other`` elementwise: ``gt`` by its long name."""
    return comparison.gt(input, other)


@op(method=True)
def greater_equal(input: Tensor, other: TensorLike) -> Tensor:
    """``input >= other`` elementwise: ``ge`` by its long name."""
    return comparison.ge(input, other)


@op(method=True)
def less(input: Tensor, other: TensorLike) -> Tensor:
    """``input < other`` elementwise: ``lt`` by its long name."""
    return comparison.lt(input, other)


@op(method=True)
def less_equal(input: Tensor, other: TensorLike) -> Tensor:
    """``input <= other`` elementwise: ``le`` by its long name."""
    return comparison.le(input, other)


@op(method=True)
def not_equal(input: Tensor, other: TensorLike) -> Tensor:
    """``input != other`` elementwise: ``ne`` by its long name."""
    return comparison.ne(input, other)
