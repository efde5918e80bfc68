"""Linear algebra: ``matmul`` (``@``), ``mm``, ``bmm``, ``dot``, ``outer`` (``ger``),
``diag`` and ``trace`` (``einsum`` has a file of its own, ``einstein_summation.py``).

``matmul`` follows ``np.matmul``: 1-D x 1-D is a dot product (0-d result), a 1-D
left operand is a row vector and a 1-D right operand a column vector (the added
dim is removed from the result), and leading (batch) dims broadcast.

For ``C = A @ B``:  dA = dC @ B^T,  dB = A^T @ dC  (T swaps the last two dims).
The backward rule returns these for the *broadcast* batch shape; the engine sums
them back over broadcast batch dims. The 1-D promotions are undone by reshaping.
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ._util import match_dtype, tensor_operand
from .gather_scatter import AddAt, Take
from .._registry import op


def _refuse_bool_product(a, b, op_name):
    """A product of two bool tensors is not implemented, as in PyTorch (a sum of ANDs would be an OR)."""
    if a.dtype == np.bool_ and b.dtype == np.bool_:
        raise NotImplementedError(
            f"{op_name}: not implemented for 'Bool' tensors (as in PyTorch); convert them first, e.g. a.long() @ b.long()"
        )


def _check_matmul(a, b, op_name="matmul"):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to {op_name} need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
    _refuse_bool_product(a, b, op_name)
    inner_a = a.shape[-1]
    inner_b = b.shape[-2] if b.ndim > 1 else b.shape[0]
    if inner_a != inner_b:
        raise RuntimeError(
            f"{op_name}: cannot multiply {tuple(a.shape)} by {tuple(b.shape)}: inner sizes {inner_a} and {inner_b} differ"
        )
    if a.ndim > 2 or b.ndim > 2:
        batch_a = a.shape[:-2]
        batch_b = b.shape[:-2]
        try:
            np.broadcast_shapes(batch_a, batch_b)
        except ValueError:
            raise RuntimeError(
                f"{op_name}: cannot multiply {tuple(a.shape)} by {tuple(b.shape)}: batch dims {tuple(batch_a)} and "
                f"{tuple(batch_b)} do not broadcast"
            ) from None


class MatMul(Function):
    """``C = A @ B``;  dA = dC @ B^T, dB = A^T @ dC (1-D operands promoted, then the added dim removed)."""

    numpy_level = True
    fresh_gradients = (0, 1)  # products (or views of products) made in backward

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return match_dtype(np.matmul(a, b), a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if a.ndim == 1 and b.ndim == 1:
            return (grad * b if need_a else None), (grad * a if need_b else None)
        if a.ndim == 1:
            # (k,) @ (..., k, m) -> (..., m): treat a as (1, k) and g as (..., 1, m).
            g = np.expand_dims(grad, -2)
            if need_a:
                grad_a = g @ np.swapaxes(b, -1, -2)
                grad_a = grad_a.reshape(grad_a.shape[:-2] + (grad_a.shape[-1],))
            if need_b:
                grad_b = np.expand_dims(a, -1) @ g
            return grad_a, grad_b
        if b.ndim == 1:
            # (..., n, k) @ (k,) -> (..., n): treat b as (k, 1) and g as (..., n, 1).
            g = np.expand_dims(grad, -1)
            if need_a:
                grad_a = g @ np.expand_dims(b, -2)
            if need_b:
                grad_b = np.swapaxes(a, -1, -2) @ g
                grad_b = grad_b.reshape(grad_b.shape[:-1])
            return grad_a, grad_b
        if need_a:
            grad_a = grad @ np.swapaxes(b, -1, -2)
        if need_b:
            if b.ndim == 2 and a.ndim > 2:
                # A shared matrix (a linear layer on batched input): fold the batch into one product
                # instead of materialising one gradient per batch element.
                k = a.shape[-1]
                grad_b = a.reshape((-1, k)).T @ grad.reshape((-1, grad.shape[-1]))
            else:
                grad_b = np.swapaxes(a, -1, -2) @ grad
        return grad_a, grad_b


@op(method=True, dunders=("__matmul__",), reflected=("__rmatmul__",), numpy=np.matmul, out=True)
def matmul(input: Tensor, other: Tensor) -> Tensor:
    """Matrix product with ``np.matmul`` semantics (1-D, 2-D and batched with broadcasting).

    Gradients: d(A @ B)/dA applied to G is ``G @ B^T``; d/dB is ``A^T @ G``.
    """
    a = tensor_operand(input, "matmul")
    b = tensor_operand(other, "matmul")
    _check_matmul(a, b)
    return MatMul.apply(a, b)


@op(method=True)
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """2-D matrix product (no broadcasting); same gradients as ``matmul``."""
    a = tensor_operand(input, "mm")
    b = tensor_operand(mat2, "mm")
    for name, t in (("self", a), ("mat2", b)):
        if t.ndim != 2:
            raise RuntimeError(
                f"mm: {name} must be a matrix (2-D), got a {t.ndim}-D tensor of shape {tuple(t.shape)}; "
                f"use matmul for vectors and batches"
            )
    _check_matmul(a, b, "mm")
    return MatMul.apply(a, b)


@op(method=True)
def dot(input: Tensor, other: Tensor) -> Tensor:
    """Dot product of two 1-D tensors of the same size (a 0-d tensor); d/da = g b, d/db = g a."""
    a = tensor_operand(input, "dot")
    b = tensor_operand(other, "dot")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    _refuse_bool_product(a, b, "dot")
    if a.shape != b.shape:
        raise RuntimeError(
            f"dot: inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the "
            f"same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively"
        )
    return MatMul.apply(a, b)


@op(method=True)
def bmm(input: Tensor, mat2: Tensor) -> Tensor:
    """Batched matrix product of two 3-D tensors ``(b, n, k) @ (b, k, m) -> (b, n, m)`` (no
    broadcasting); same gradients as ``matmul``."""
    a = tensor_operand(input, "bmm")
    b = tensor_operand(mat2, "bmm")
    for name, t in (("batch1", a), ("batch2", b)):
        if t.ndim != 3:
            raise RuntimeError(f"bmm: {name} must be a 3D tensor, got shape {list(t.shape)}")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(
            f"bmm: Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, {a.shape[2]}] "
            f"but got: [{b.shape[0]}, {b.shape[1]}] (batch1 {list(a.shape)}, batch2 {list(b.shape)})."
        )
    _check_matmul(a, b, "bmm")
    return MatMul.apply(a, b)


@op(method=("outer", "ger"), aliases=("ger",))
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product ``a_i b_j`` of two 1-D tensors (built from reshape and broadcasting multiply)."""
    a = tensor_operand(input, "outer")
    b = tensor_operand(vec2, "outer")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"outer: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    return a.reshape(-1, 1) * b.reshape(1, -1)


# ------------------------------------------------------------------- diag / trace
class DiagonalOf(Take):
    """``diag`` of a matrix: the input taken at the (row, column) positions of a diagonal (see ``Take``)."""

    distinct = True


class DiagEmbed(AddAt):
    """``diag`` of a vector: zeros with the vector on a diagonal (see ``AddAt``)."""


def _diagonal_positions(rows, cols, offset):
    """(row, column) positions of diagonal ``offset`` of a rows x cols matrix."""
    length = max(0, min(rows + min(offset, 0), cols - max(offset, 0)))
    steps = np.arange(length)
    return steps + max(-offset, 0), steps + max(offset, 0)


@op(method=True, numpy=np.diag, numpy_names={"k": "diagonal"})
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """1-D input: the square matrix with ``input`` on diagonal ``diagonal`` (above the main one
    when > 0); 2-D input: that diagonal of the matrix, as a new 1-D tensor.

    Gradients: the one direction's gradient is the other direction applied to ``g``.
    """
    x = tensor_operand(input, "diag")
    if isinstance(diagonal, bool) or not isinstance(diagonal, (int, np.integer)):
        raise TypeError(f"diag(): argument 'diagonal' must be int, not {type(diagonal).__name__}")
    offset = int(diagonal)
    if x.ndim == 1:
        side = x.shape[0] + abs(offset)
        return DiagEmbed.apply(x, (side, side), _diagonal_positions(side, side, offset))
    if x.ndim == 2:
        return DiagonalOf.apply(x, _diagonal_positions(x.shape[0], x.shape[1], offset))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D (shape {list(x.shape)})")


class Trace(Function):
    """``t = sum_i x[i, i]`` (integers sum to int64);  dx = g on the main diagonal, 0 elsewhere."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        ctx.eye = np.eye(x.shape[0], x.shape[1], dtype=bool)
        return np.asarray(np.trace(x, dtype=np.int64 if x.dtype.kind in "iu" else x.dtype))

    @staticmethod
    def backward(ctx, grad):
        return np.where(ctx.eye, grad, 0)


@op(method=True)
def trace(input: Tensor) -> Tensor:
    """The sum of the main diagonal of a 2-D tensor (a 0-d tensor). Gradient: g times the identity."""
    x = tensor_operand(input, "trace")
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim} (shape {list(x.shape)})")
    if x.dtype == np.bool_:
        raise NotImplementedError('"trace" not implemented for \'Bool\'; convert with .long() first')
    return Trace.apply(x)
