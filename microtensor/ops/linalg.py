"""Linear algebra: ``matmul`` (``@``), ``mm``, ``bmm``, ``dot``, ``outer`` (``ger``),
``einsum``, ``diag`` and ``trace``.

``matmul`` follows ``np.matmul``: 1-D x 1-D is a dot product (0-d result), a 1-D
left operand is a row vector and a 1-D right operand a column vector (the added
dim is removed from the result), and leading (batch) dims broadcast.

For ``C = A @ B``:  dA = dC @ B^T,  dB = A^T @ dC  (T swaps the last two dims).
The backward rule returns these for the *broadcast* batch shape; the engine sums
them back over broadcast batch dims. The 1-D promotions are undone by reshaping.
"""
from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import match_dtype, to_operand
from .gather_scatter import AddAt, Take, add_at
from .._registry import op


def _operand(value, op_name):
    value = to_operand(value, op_name)
    if not isinstance(value, Tensor):
        value = Tensor(value)
    return value


def _check_matmul(a, b, op_name="matmul"):
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(
            f"both arguments to {op_name} need to be at least 1D, but they are {a.ndim}D and {b.ndim}D"
        )
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
    a = _operand(input, "matmul")
    b = _operand(other, "matmul")
    _check_matmul(a, b)
    return MatMul.apply(a, b)


@op(method=True)
def mm(input: Tensor, mat2: Tensor) -> Tensor:
    """2-D matrix product (no broadcasting); same gradients as ``matmul``."""
    a = _operand(input, "mm")
    b = _operand(mat2, "mm")
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
    a = _operand(input, "dot")
    b = _operand(other, "dot")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
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
    a = _operand(input, "bmm")
    b = _operand(mat2, "bmm")
    for name, t in (("batch1", a), ("batch2", b)):
        if t.ndim != 3:
            raise RuntimeError(f"bmm: {name} must be a 3D tensor, got shape {list(t.shape)}")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(
            f"bmm: Expected size for first two dimensions of batch2 tensor to be: [{a.shape[0]}, {a.shape[2]}] "
            f"but got: [{b.shape[0]}, {b.shape[1]}] (batch1 {list(a.shape)}, batch2 {list(b.shape)})."
        )
    return MatMul.apply(a, b)


@op(method=("outer", "ger"), aliases=("ger",))
def outer(input: Tensor, vec2: Tensor) -> Tensor:
    """Outer product ``a_i b_j`` of two 1-D tensors (built from reshape and broadcasting multiply)."""
    a = _operand(input, "outer")
    b = _operand(vec2, "outer")
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
    x = _operand(input, "diag")
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
    x = _operand(input, "trace")
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim} (shape {list(x.shape)})")
    if x.dtype == np.bool_:
        raise NotImplementedError('"trace" not implemented for \'Bool\'; convert with .long() first')
    return Trace.apply(x)


# ------------------------------------------------------------------------ einsum
_LETTERS = string.ascii_letters
_SUBLIST_LETTERS = string.ascii_uppercase + string.ascii_lowercase  # PyTorch's numbering of sublist labels


def _split_term(term, operand, where):
    """The letters of one subscript term before and after its ``...`` (None: no ellipsis)."""
    for position, char in enumerate(term):
        if char not in _LETTERS and char != ".":
            raise RuntimeError(
                f"einsum(): invalid subscript given at index {position} in the equation string, "
                f"subscripts must be in [a-zA-Z] (got {char!r} in {where})"
            )
    if "." not in term:
        return term, None
    before, _, after = term.partition("...")
    if "." in before or "." in after or "..." not in term:
        raise RuntimeError(
            f"einsum(): found '.' for {operand} that is not part of exactly one ellipsis '...' (in {where})"
        )
    return before, after


def _parse_equation(equation, shapes):
    """(one letter string per operand, output letters, letter -> size) for ``equation``.

    Each ``...`` becomes letters of its own, aligned from the right across operands (so
    broadcast dims share letters); the implicit output (no ``->``) is made explicit: the
    ellipsis dims, then the letters that appear once, in alphabetical order.
    """
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) > len(shapes):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the equation")
    if len(terms) < len(shapes):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation")
    parts = []
    for index, (term, shape) in enumerate(zip(terms, shapes)):
        before, after = _split_term(term, f"operand {index}", equation)
        explicit = len(before) + len(after or "")
        if after is None and explicit != len(shape):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({explicit}) does not match the number "
                f"of dimensions ({len(shape)}) for operand {index} and no ellipsis was given"
            )
        if after is not None and explicit > len(shape):
            raise RuntimeError(
                f"einsum(): the number of subscripts in the equation ({explicit}) is more than the number "
                f"of dimensions ({len(shape)}) for operand {index}"
            )
        parts.append((before, after, len(shape) - explicit))
    spare = [char for char in _LETTERS if char not in equation]
    ellipsis_letters = "".join(spare[: max((dims for _, after, dims in parts if after is not None), default=0)])
    subscripts = [
        before if after is None else before + (ellipsis_letters[len(ellipsis_letters) - dims:] if dims else "") + after
        for before, after, dims in parts
    ]
    if arrow:
        before, after = _split_term(rhs, "the output", equation)
        output = before if after is None else before + ellipsis_letters + after
        for char in output:
            if output.count(char) > 1:
                raise RuntimeError(f"einsum(): output subscript {char} appears more than once in the output")
            if not any(char in term for term in subscripts):
                raise RuntimeError(
                    f"einsum(): output subscript {char} does not appear in the equation for any input operand"
                )
    else:
        named = "".join(before + (after or "") for before, after, _ in parts)
        output = ellipsis_letters + "".join(sorted(char for char in set(named) if named.count(char) == 1))
    return subscripts, output, _letter_sizes(subscripts, shapes)


def _letter_sizes(subscripts, shapes):
    """letter -> size; sizes of one letter must agree (or be 1: broadcasting)."""
    sizes = {}
    for index, (letters, shape) in enumerate(zip(subscripts, shapes)):
        own = {}
        for char, size in zip(letters, shape):
            if char in own and own[char] != size:
                raise RuntimeError(
                    f"einsum(): subscript {char} is repeated for operand {index} but the sizes don't match, "
                    f"{size} != {own[char]}"
                )
            own[char] = size
        for char, size in own.items():
            seen = sizes.get(char, 1)
            if size != seen and size != 1 and seen != 1:
                raise RuntimeError(
                    f"einsum(): subscript {char} has size {size} for operand {index} which does not broadcast "
                    f"with previously seen size {seen}"
                )
            sizes[char] = size if seen == 1 else seen
    return sizes


def _numpy_einsum(equation, arrays):
    """``np.einsum``; with more than two operands or large ones numpy's 'greedy' contraction
    order (pairwise, through BLAS), which costs ~50 us to plan but is much faster on big operands."""
    plan = "greedy" if len(arrays) > 2 or sum(array.size for array in arrays) > 4096 else False
    return np.asarray(np.einsum(equation, *arrays, optimize=plan))


def _contract(equation, operands):
    """``np.einsum`` of arrays, or the recorded ``einsum`` of Tensors (``create_graph=True``)."""
    if any(isinstance(value, Tensor) for value in operands):
        return einsum(equation, *operands)
    return _numpy_einsum(equation, operands)


def _on_diagonal(grad, letters, unique, sizes):
    """An operand with a repeated subscript (``ii``) gets its gradient on that diagonal:
    zeros of the operand's shape with ``out[i, i] = grad[i]``."""
    shape = tuple(sizes[char] for char in letters)
    rank = len(unique)
    positions = tuple(
        np.arange(sizes[char]).reshape((-1,) + (1,) * (rank - unique.index(char) - 1)) for char in letters
    )
    if isinstance(grad, Tensor):
        return AddAt.apply(grad, shape, positions)
    return add_at(np.zeros(shape, dtype=grad.dtype), positions, grad)


def _operand_gradient(index, grad, operands, subscripts, output, sizes):
    """d out / d operand ``index`` applied to ``grad``: the einsum of ``grad`` with the other
    operands that gives the operand's subscripts. Letters only the operand has (summed in
    forward) come back as broadcast copies; a repeated letter puts the result on a diagonal.
    Size-1 (broadcast) dims get the full size here; the engine sums them back."""
    letters = subscripts[index]
    unique = "".join(dict.fromkeys(letters))
    terms = [output] + [s for j, s in enumerate(subscripts) if j != index]
    values = [grad] + [value for j, value in enumerate(operands) if j != index]
    kept = "".join(char for char in unique if any(char in term for term in terms))
    result = _contract(",".join(terms) + "->" + kept, values)
    full = tuple(sizes[char] for char in unique)
    if result.shape != full:
        result = result.reshape(tuple(result.shape[kept.index(c)] if c in kept else 1 for c in unique))
        result = np.broadcast_to(result, full)
        if isinstance(result, np.ndarray):
            result = result.copy()
    if len(unique) != len(letters):
        result = _on_diagonal(result, letters, unique, sizes)
    return result


class Einsum(Function):
    """``out = einsum(subscripts -> output, *operands)`` (a sum of products over the letters
    not in the output);  d out / d operand_i = einsum(g, the other operands -> subscripts_i).
    Its backward is einsums too, so it differentiates again under ``create_graph=True``."""

    numpy_level = True

    @staticmethod
    def forward(ctx, *arrays, subscripts, output, sizes):
        ctx.subscripts, ctx.output, ctx.sizes = subscripts, output, sizes
        ctx.save_for_backward(*arrays)
        out = _numpy_einsum(",".join(subscripts) + "->" + output, arrays)
        if any(np.may_share_memory(out, array) for array in arrays):  # 'ij->ji' and 'ii->i' are numpy views
            out = out.copy()
        return out

    @staticmethod
    def backward(ctx, grad):
        operands = ctx.saved_tensors
        return tuple(
            _operand_gradient(index, grad, operands, ctx.subscripts, ctx.output, ctx.sizes) if needed else None
            for index, needed in enumerate(ctx.needs_input_grad)
        )


def _sublist_subscripts(sublist):
    letters = []
    for label in sublist:
        if label is Ellipsis:
            letters.append("...")
        elif isinstance(label, (int, np.integer)) and not isinstance(label, bool) and 0 <= label < 52:
            letters.append(_SUBLIST_LETTERS[label])
        else:
            raise ValueError(f"einsum(): subscript in subscript list is not within the valid range [0, 52), got {label!r}")
    return "".join(letters)


def _equation_and_operands(args):
    """``einsum(equation, *operands)``, ``einsum(equation, [operands])`` or PyTorch's sublist
    form ``einsum(op0, sublist0, op1, sublist1, ..., [output sublist])``."""
    if not args or (isinstance(args[0], str) and len(args) == 1):
        raise ValueError(
            "einsum(): must specify the equation string and at least one operand, or at least one operand "
            "and its subscripts list"
        )
    if isinstance(args[0], str):
        operands = args[1:]
        if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
            operands = tuple(operands[0])
        return args[0], operands
    pairs, rest = args[: len(args) // 2 * 2], args[len(args) // 2 * 2:]
    operands = pairs[0::2]
    inputs = ",".join(_sublist_subscripts(sublist) for sublist in pairs[1::2])
    return (inputs + "->" + _sublist_subscripts(rest[0]) if rest else inputs), operands


@op()
def einsum(*args: Any) -> Tensor:
    """Einstein summation: ``einsum("ij,jk->ik", a, b)`` is ``a @ b``. Letters name dims, a
    letter missing from the output is summed over, ``...`` stands for broadcast dims, and
    without ``->`` the output is the letters that appear once, in alphabetical order.
    Operands may also be given as one list; dtypes promote as in the other ops.

    Gradient of operand i: the einsum of the output's gradient with the other operands that
    gives operand i's subscripts (on the diagonal for a repeated letter such as ``ii``).
    """
    equation, operands = _equation_and_operands(args)
    if not operands:
        raise ValueError("einsum(): must specify the equation string and at least one operand")
    tensors = [_operand(value, "einsum") for value in operands]
    subscripts, output, sizes = _parse_equation(equation, [t.shape for t in tensors])
    dtype = _dtypes.promote([t.dtype for t in tensors], [], [])
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    return Einsum.apply(*tensors, subscripts=tuple(subscripts), output=output, sizes=sizes)
