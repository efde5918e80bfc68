"""Comparisons, logic and predicates: ``eq ne lt le gt ge``, ``logical_and logical_or
logical_xor logical_not``, ``isnan isinf isfinite``, ``allclose`` and ``equal``.

Comparisons and logical ops return bool tensors that never join the graph;
``allclose`` and ``equal`` return Python bools. Operands may be tensors, arrays,
numbers or lists and broadcast together as in PyTorch.
"""
import builtins

import numpy as np

from .._tensor import Tensor
from ._util import to_operand
from .arithmetic import broadcast_error
from .._registry import op


def _raw(value, op_name):
    """The numpy value of an operand of a non-differentiable op (Tensor, array, number or list)."""
    if isinstance(value, Tensor):
        return value._data
    value = to_operand(value, op_name)
    return value._data if isinstance(value, Tensor) else value


# ------------------------------------------- comparisons and logic (no grad)
def _compare(ufunc, op_name, input, other):
    a = _raw(input, op_name)
    b = _raw(other, op_name)
    try:
        result = ufunc(a, b)
    except ValueError:
        error = broadcast_error(op_name, a, b)
        if error is None:
            raise
        raise error from None
    return Tensor._make(np.asarray(result))


@op(method=True, numpy=np.equal)
def eq(input, other):
    """``input == other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.equal, "eq", input, other)


@op(method=True, numpy=np.not_equal)
def ne(input, other):
    """``input != other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.not_equal, "ne", input, other)


@op(method=True, dunders=("__lt__",), numpy=np.less)
def lt(input, other):
    """``input < other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.less, "lt", input, other)


@op(method=True, dunders=("__le__",), numpy=np.less_equal)
def le(input, other):
    """``input <= other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.less_equal, "le", input, other)


@op(method=True, dunders=("__gt__",), numpy=np.greater)
def gt(input, other):
    """``input > other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.greater, "gt", input, other)


@op(method=True, dunders=("__ge__",), numpy=np.greater_equal)
def ge(input, other):
    """``input >= other`` elementwise (bool tensor, no gradient)."""
    return _compare(np.greater_equal, "ge", input, other)


@op(method=True, dunders=("__and__",), numpy=np.logical_and)
def logical_and(input, other):
    """Elementwise AND of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_and, "logical_and", input, other)


@op(method=True, dunders=("__or__",), numpy=np.logical_or)
def logical_or(input, other):
    """Elementwise OR of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_or, "logical_or", input, other)


@op(method=True)
def logical_xor(input, other):
    """Elementwise XOR of the truth values (non-zero is True); a bool tensor."""
    return _compare(np.logical_xor, "logical_xor", input, other)


@op(method=True, dunders=("__invert__",), numpy=np.logical_not)
def logical_not(input):
    """Elementwise NOT of the truth values (non-zero is True); a bool tensor."""
    return Tensor._make(np.asarray(np.logical_not(_raw(input, "logical_not"))))


@op(method=True)
def isnan(input):
    """True where an element is NaN (bool tensor)."""
    return Tensor._make(np.asarray(np.isnan(_raw(input, "isnan"))))


@op(method=True)
def isinf(input):
    """True where an element is +inf or -inf (bool tensor)."""
    return Tensor._make(np.asarray(np.isinf(_raw(input, "isinf"))))


@op(method=True)
def isfinite(input):
    """True where an element is neither NaN nor infinite (bool tensor)."""
    return Tensor._make(np.asarray(np.isfinite(_raw(input, "isfinite"))))


@op(method=True)
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
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
def equal(input, other):
    """True if both have the same shape and the same elements (a Python bool)."""
    a = _raw(input, "equal")
    b = _raw(other, "equal")
    return builtins.bool(np.shape(a) == np.shape(b) and np.array_equal(a, b))

