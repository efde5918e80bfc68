"""Products and sums fused the way BLAS names them: ``addmm addmv addbmm baddbmm`` (``beta *
input + alpha * (a @ b)``), ``addcmul addcdiv`` (``input + value * t1 * t2`` or ``/ t2``, the
update lines of optimizers written by hand), ``lerp`` (``start + weight * (end - start)``),
and the products ``mv`` and ``inner``.

Each is a combination of ops microtensor already differentiates (``matmul``, ``*``, ``+``),
so its gradient is theirs, summed by the engine; ``beta = 0`` ignores ``input`` entirely
(nan or inf in it do not leak into the result), as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._registry import op
from .._tensor import Tensor
from .._typing import Number, TensorLike
from ._util import tensor_argument
from .linalg import bmm, matmul
from .selection import where


def _scaled_sum(op_name, input, product, beta, alpha):
    """``beta * input + alpha * product``; ``input`` must broadcast to the product's shape. Integer and
    bool tensors take integer ``beta`` and ``alpha`` only (PyTorch would truncate a float one quietly)."""
    input = tensor_argument(input, op_name)
    try:
        fits = np.broadcast_shapes(tuple(input.shape), tuple(product.shape)) == tuple(product.shape)
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(f"{op_name}: input of shape {tuple(input.shape)} does not broadcast to the product's "
                           f"shape {tuple(product.shape)}")
    if _dtypes.promote([input.dtype, product.dtype], [], []).kind in "biu":
        for name, value in (("beta", beta), ("alpha", alpha)):
            if isinstance(value, float):
                raise RuntimeError(f"{op_name}: For integral input tensors, argument {name} must not be a floating "
                                   f"point number (got {name}={value}); convert the tensors with .double() first")
    product = product if alpha == 1 else product * alpha
    if beta == 0:  # input is ignored, nan and inf included; still in its graph, with a zero gradient
        if not input.requires_grad:
            return product
        return where(Tensor._make(np.ones((), dtype=bool)), product, input)
    return (input if beta == 1 else input * beta) + product


def _check_dims(op_name, **tensors):
    for name, (value, dims) in tensors.items():
        if value.ndim != dims:
            raise RuntimeError(f"{op_name}: {name} must be a {dims}-D tensor, got a {value.ndim}-D tensor "
                               f"of shape {tuple(value.shape)}")


@op(method=True, out=True)
def addmm(input: TensorLike, mat1: Tensor, mat2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
    """``beta * input + alpha * (mat1 @ mat2)`` for matrices ``mat1 (n, m)``, ``mat2 (m, p)``."""
    mat1, mat2 = tensor_argument(mat1, "addmm"), tensor_argument(mat2, "addmm")
    _check_dims("addmm", mat1=(mat1, 2), mat2=(mat2, 2))
    return _scaled_sum("addmm", input, matmul(mat1, mat2), beta, alpha)


@op(method=True, out=True)
def addmv(input: TensorLike, mat: Tensor, vec: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
    """``beta * input + alpha * (mat @ vec)`` for a matrix ``mat (n, m)`` and a vector ``vec (m,)``."""
    mat, vec = tensor_argument(mat, "addmv"), tensor_argument(vec, "addmv")
    _check_dims("addmv", mat=(mat, 2), vec=(vec, 1))
    return _scaled_sum("addmv", input, matmul(mat, vec), beta, alpha)


@op(method=True, out=True)
def baddbmm(input: TensorLike, batch1: Tensor, batch2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
    """``beta * input + alpha * bmm(batch1, batch2)``: a batch of ``addmm``, ``(b, n, m) @ (b, m, p)``."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


@op(method=True, out=True)
def addbmm(input: TensorLike, batch1: Tensor, batch2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
    """``beta * input + alpha * sum_i batch1[i] @ batch2[i]``: the batch of products summed to one matrix."""
    return _scaled_sum("addbmm", input, bmm(batch1, batch2).sum(0), beta, alpha)


@op(method=True, out=True)
def addcmul(input: Tensor, tensor1: TensorLike, tensor2: TensorLike, *, value: Number = 1) -> Tensor:
    """``input + value * tensor1 * tensor2`` elementwise, with broadcasting."""
    product = tensor_argument(tensor1, "addcmul") * tensor2
    return tensor_argument(input, "addcmul") + (product if value == 1 else product * value)


@op(method=True, out=True)
def addcdiv(input: Tensor, tensor1: TensorLike, tensor2: TensorLike, *, value: Number = 1) -> Tensor:
    """``input + value * tensor1 / tensor2`` elementwise, with broadcasting (Adam's update line)."""
    quotient = tensor_argument(tensor1, "addcdiv") / tensor2
    return tensor_argument(input, "addcdiv") + (quotient if value == 1 else quotient * value)


@op(method=True, out=True)
def lerp(input: Tensor, end: TensorLike, weight: TensorLike) -> Tensor:
    """Linear interpolation ``input + weight * (end - input)``: ``input`` at weight 0, ``end`` at 1."""
    start = tensor_argument(input, "lerp")
    return start + weight * (end - start)


@op(method=True, out=True)
def mv(input: Tensor, vec: Tensor) -> Tensor:
    """Matrix times vector: ``input (n, m) @ vec (m,)`` gives ``(n,)``."""
    input, vec = tensor_argument(input, "mv"), tensor_argument(vec, "mv")
    _check_dims("mv", input=(input, 2), vec=(vec, 1))
    return matmul(input, vec)


@op(method=True, out=True)
def inner(input: Tensor, other: Tensor) -> Tensor:
    """The sum of products over the last dim of both: ``dot`` for vectors, ``input @ other.mT`` for matrices."""
    input, other = tensor_argument(input, "inner"), tensor_argument(other, "inner")
    if input.ndim == 0 or other.ndim == 0:
        return input * other
    if input.shape[-1] != other.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got shapes "
                           f"{list(input.shape)} and {list(other.shape)}")
    flat = other.reshape(-1, other.shape[-1])
    result = matmul(input, flat.mT)
    return result.reshape(tuple(input.shape[:-1]) + tuple(other.shape[:-1]))
