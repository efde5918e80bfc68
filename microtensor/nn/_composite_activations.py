"""Activations written as short compositions of microtensor's ops (their gradients come from autograd):
``F.logsigmoid``, ``softsign``, ``hardsigmoid``, ``softmin``, ``glu``, ``tanhshrink``,
and ``celu`` (``threshold``, ``softshrink``, ``hardshrink`` and ``prelu`` are fused ops in ``_shrink_ops.py``,
``hardswish`` in ``_hardswish_op.py``).

Each follows PyTorch's formula, signature and defaults. They are less common than the activations
with fused ops of their own (``_functional_activations.py``), so one graph node per step is fine.
"""
from __future__ import annotations

from typing import Optional

from .. import ops as _ops
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from .._typing import DTypeLike
from ._functional_activations import _along_dim, _in_place

__all__ = [
    "logsigmoid", "softsign", "hardsigmoid", "softmin", "glu", "tanhshrink", "celu",
]


def _tensor(input, name):
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(name, "input", input)
    return input


def logsigmoid(input: Tensor) -> Tensor:
    """log(sigmoid(x)) = -softplus(-x), finite for large |x|."""
    return -_ops.softplus(-_tensor(input, "logsigmoid"))


def softsign(input: Tensor) -> Tensor:
    """x / (1 + |x|)."""
    input = _tensor(input, "softsign")
    return input / (1 + _ops.abs(input))


def hardsigmoid(input: Tensor, inplace: bool = False) -> Tensor:
    """0 for x <= -3, 1 for x >= 3, x / 6 + 1/2 in between."""
    if inplace:
        return _in_place(hardsigmoid, "hardsigmoid", input)
    return _ops.hardtanh(_tensor(input, "hardsigmoid") / 6 + 0.5, 0.0, 1.0)


def softmin(input: Tensor, dim: Optional[int] = None, dtype: Optional[DTypeLike] = None) -> Tensor:
    """softmax(-x) along ``dim``: the smallest values get the largest weights."""
    return _along_dim(lambda x, d: _ops.softmax(-x, d), "softmin", _tensor(input, "softmin"), dim, dtype)


def glu(input: Tensor, dim: int = -1) -> Tensor:
    """Gated linear unit: split ``input`` in halves a, b along ``dim``; a * sigmoid(b)."""
    input = _tensor(input, "glu")
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    size = input.shape[dim]
    if size % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {dim % input.ndim} is size {size}")
    a, b = _ops.chunk(input, 2, dim)
    return a * _ops.sigmoid(b)


def tanhshrink(input: Tensor) -> Tensor:
    """x - tanh(x)."""
    input = _tensor(input, "tanhshrink")
    return input - _ops.tanh(input)


def celu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha (exp(x / alpha) - 1) otherwise (ELU continuously differentiable in alpha)."""
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: alpha cannot be 0 for CELU")
    if inplace:
        return _in_place(lambda x: celu(x, alpha), "celu", input)
    return _ops.elu(_tensor(input, "celu") / alpha, 1.0) * alpha
