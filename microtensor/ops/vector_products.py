"""Products of vectors along a dim: ``cross`` (``torch.cross`` and ``torch.linalg.cross``) and
``vecdot`` (``torch.linalg.vecdot``), built from ops that have gradients (``roll``, ``*``, ``sum``).

``c = a x b`` for 3-vectors: ``c_i = a_{i+1} b_{i+2} - a_{i+2} b_{i+1}`` (indices mod 3), which is
``roll(a, -1) * roll(b, -2) - roll(a, -2) * roll(b, -1)`` along the dim; so dc/da applied to g is
``b x g`` and dc/db is ``g x a``. ``vecdot(x, y) = sum(x * y)`` along the dim.
"""
from __future__ import annotations

from typing import Optional

from ._util import normalize_dim, tensor_argument as _tensor
from .reduction import sum as _sum
from .reordering import roll
from .._registry import TORCH_DTYPE_NAMES, op
from .._tensor import Tensor


def _cross(a, b, dim, op_name):
    axis = normalize_dim(dim, a.ndim, op_name)
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"{op_name}: expected both inputs to have the same dtype, but got {TORCH_DTYPE_NAMES[a.dtype.name]} and "
            f"{TORCH_DTYPE_NAMES[b.dtype.name]}; convert one, e.g. b.to(a.dtype)"
        )
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise RuntimeError(
            f"{op_name}: inputs dimension {dim} must have length 3. Got {a.shape[axis]} and {b.shape[axis]}"
        )
    return roll(a, -1, axis) * roll(b, -2, axis) - roll(a, -2, axis) * roll(b, -1, axis)


def _same_ndim(a, b, op_name):
    if a.ndim != b.ndim:
        raise RuntimeError(
            f"{op_name}: inputs must have the same number of dimensions (got shapes {tuple(a.shape)} and "
            f"{tuple(b.shape)}); add the missing dims with unsqueeze"
        )


def linalg_cross(input: Tensor, other: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.cross``: the cross product of 3-vectors along ``dim`` (other dims broadcast).
    Gradients: ``b x g`` for ``input``, ``g x a`` for ``other``."""
    name = "linalg.cross"
    a, b = _tensor(input, name), _tensor(other, name)
    _same_ndim(a, b, name)
    return _cross(a, b, dim, name)


@op(method=True)
def cross(input: Tensor, other: Tensor, dim: Optional[int] = None) -> Tensor:
    """``torch.cross``: ``linalg.cross`` along ``dim``; without ``dim``, along the first dim of size 3
    (PyTorch's deprecated default; pass ``dim`` or use ``mt.linalg.cross``)."""
    name = "cross"
    a, b = _tensor(input, name), _tensor(other, name)
    _same_ndim(a, b, name)
    if dim is None:
        sizes = [axis for axis in range(a.ndim) if a.shape[axis] == 3]
        if not sizes:
            raise RuntimeError(f"{name}: no dimension of size 3 in input (shape {tuple(a.shape)})")
        dim = sizes[0]
    return _cross(a, b, dim, name)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1) -> Tensor:
    """``torch.linalg.vecdot``: ``sum(x * y)`` along ``dim`` (other dims broadcast), for floating tensors.
    Gradients: ``g y`` and ``g x``."""
    name = "linalg.vecdot"
    x, y = _tensor(x, name), _tensor(y, name)
    if x.dtype.kind != "f":
        raise RuntimeError(f"{name}: Expected a floating point or complex tensor as input. Got "
                           f"{TORCH_DTYPE_NAMES[x.dtype.name]}")
    if x.dtype != y.dtype:
        raise RuntimeError(
            f"{name}: Expected x and y to have the same dtype, but found x of type {TORCH_DTYPE_NAMES[x.dtype.name]} "
            f"and y of type {TORCH_DTYPE_NAMES[y.dtype.name]} instead"
        )
    return _sum(x * y, dim)
