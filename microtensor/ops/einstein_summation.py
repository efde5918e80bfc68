"""``einsum``: Einstein summation, ``mt.einsum("ij,jk->ik", a, b)``, with its gradient.

The equation names each operand's dims with letters; letters repeated across operands are
multiplied together and letters missing from the output are summed away. Both equation forms
work (``"ij,jk->ik"`` and the implicit ``"ij,jk"``, whose output is the letters used once, in
alphabetical order), as do ``...`` for the dims the letters leave unnamed and PyTorch's sublist form
``einsum(a, [0, 1], b, [1, 2], [0, 2])``.

Gradient: d(out)/d(operand k) is itself an einsum, of the output's gradient with every other
operand, written back to operand k's letters (a letter repeated within one operand, a
diagonal, gets its gradient on that diagonal only).
"""
from __future__ import annotations

import string
from typing import Any

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import tensor_operand
from .gather_scatter import AddAt, add_at
from .._registry import op


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
    tensors = [tensor_operand(value, "einsum") for value in operands]
    subscripts, output, sizes = _parse_equation(equation, [t.shape for t in tensors])
    dtype = _dtypes.promote([t.dtype for t in tensors], [], [])
    if dtype == np.bool_ and any(char not in output for letters in subscripts for char in letters):
        if len(tensors) > 1:
            raise NotImplementedError(f"einsum(): summing products of 'Bool' tensors is not implemented (as in "
                                      f"PyTorch); convert them first, e.g. .long() (equation {equation!r})")
        dtype = np.dtype(np.int64)  # a sum of bools counts them, as sum does
    tensors = [t if t.dtype == dtype else t.to(dtype) for t in tensors]
    return Einsum.apply(*tensors, subscripts=tuple(subscripts), output=output, sizes=sizes)
