"""Comparisons, logic and predicates: ``eq ne lt le gt ge``, ``logical_and logical_or
logical_xor logical_not``, ``isnan isinf isfinite``, ``allclose`` and ``equal``.

Comparisons and logical ops return bool tensors that never join the graph;
``allclose`` and ``equal`` return Python bools. Operands may be tensors, arrays,
numbers or lists and broadcast together as in PyTorch.
"""
from __future__ import annotations

import builtins

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import _state
from ._util import to_operand
from ._two_operands import broadcast_error
from .._registry import op
from .._typing import TensorLike


def _raw(value, op_name):
    """The numpy value of an operand of a non-differentiable op (Tensor, array, number or list)."""
    if isinstance(value, Tensor):
        return value._data
    value = to_operand(value, op_name)
    return value._data if isinstance(value, Tensor) else value


class NumpyCall(Function):
    """``y = function(*arrays)``, a result with no gradient (a comparison, ``isnan``, ...).

    Eagerly these ops just wrap numpy's result; while ``mt.compile`` captures a step they go
    through this op, so that a replay computes the mask again instead of freezing it."""

    numpy_level = True

    @staticmethod
    def forward(ctx, function, *arrays):
        return np.asarray(function(*arrays))


def _plain(function, *arrays):
    if _state.recorder is not None:
        return NumpyCall.apply(function, *arrays)
    return Tensor._make(np.asarray(function(*arrays)))


# ------------------------------------------- comparisons and logic (no grad)
def _compare(ufunc, op_name, input, other):
    a = _raw(input, op_name)
    b = _raw(other, op_name)
    try:
        return _plain(ufunc, a, b)
    except ValueError:
        error = broadcast_error(op_name, a, b)
        if error is None:
            raise
        raise error from None


@op(method=True, numpy=np.equal)
def eq(input: Tensor, other: TensorLike) -> Tensor:
    """``input == other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.equal, "eq", input, other)


@op(method=("ne", "not_equal"), numpy=np.not_equal, aliases=("not_equal",))
def ne(input: Tensor, other: TensorLike) -> Tensor:
    """``input != other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.not_equal, "ne", input, other)


@op(method=("lt", "less"), dunders=("__lt__",), numpy=np.less, aliases=("less",))
def lt(input: Tensor, other: TensorLike) -> Tensor:
    """``input < other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.less, "lt", input, other)


@op(method=("le", "less_equal"), dunders=("__le__",), numpy=np.less_equal, aliases=("less_equal",))
def le(input: Tensor, other: TensorLike) -> Tensor:
    """``input <= other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.less_equal, "le", input, other)


@op(method=("gt", "greater"), dunders=("__gt__",), numpy=np.greater, aliases=("greater",))
def gt(input: Tensor, other: TensorLike) -> Tensor:
    """``input > other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.greater, "gt", input, other)


@op(method=("ge", "greater_equal"), dunders=("__ge__",), numpy=np.greater_equal, aliases=("greater_equal",))
def ge(input: Tensor, other: TensorLike) -> Tensor:
    """``input >= other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.greater_equal, "ge", input, other)


@op(method=True, numpy=np.logical_and)
def logical_and(input: Tensor, other: TensorLike) -> Tensor:
    """Elementwise AND of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_and, "logical_and", input, other)


@op(method=True, numpy=np.logical_or)
def logical_or(input: Tensor, other: TensorLike) -> Tensor:
    """Elementwise OR of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_or, "logical_or", input, other)


@op(method=True)
def logical_xor(input: Tensor, other: TensorLike) -> Tensor:
    """Elementwise XOR of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_xor, "logical_xor", input, other)


@op(method=True, numpy=np.logical_not)
def logical_not(input: Tensor) -> Tensor:
    """Elementwise NOT of the truth values (non-zero is True); a bool tensor."""
    return _plain(np.logical_not, _raw(input, "logical_not"))


@op(method=True)
def isnan(input: Tensor) -> Tensor:
    """True where an element is NaN (bool tensor)."""
    return _plain(np.isnan, _raw(input, "isnan"))


@op(method=True)
def isinf(input: Tensor) -> Tensor:
    """True where an element is +inf or -inf (bool tensor)."""
    return _plain(np.isinf, _raw(input, "isinf"))


@op(method=True)
def isfinite(input: Tensor) -> Tensor:
    """True where an element is neither NaN nor infinite (bool tensor)."""
    return _plain(np.isfinite, _raw(input, "isfinite"))


@op(method=True)
def allclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> bool:
    """True if ``|input - other| <= atol + rtol * |other|`` everywhere (with broadcasting).

    Unlike PyTorch, operands of different dtypes are compared (after promotion)
    rather than refused.
    """
    a = _raw(input, "allclose")
    b = _raw(other, "allclose")
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        raise broadcast_error("allclose", a, b) from None
    return builtins.bool(np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


@op(method=True)
def equal(input: Tensor, other: Tensor) -> bool:
    """True if both have the same shape and the same elements (a Python bool)."""
    a = _raw(input, "equal")
    b = _raw(other, "equal")
    return builtins.bool(np.shape(a) == np.shape(b) and np.array_equal(a, b))

