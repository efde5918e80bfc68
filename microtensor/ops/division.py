"""Division that rounds, and what it leaves over: ``//``, ``%``, ``fmod`` and ``div(rounding_mode=)``.

For ``a`` divided by ``b`` there are two ways to round the quotient to an integer, and
each has its own remainder:

* toward minus infinity: ``floor_divide(a, b) = floor(a / b)`` (Python's ``a // b``) and
  ``remainder(a, b) = a - floor(a / b) * b`` (Python's ``a % b``: the sign of ``b``);
* toward zero: ``div(a, b, rounding_mode="trunc") = trunc(a / b)`` and
  ``fmod(a, b) = a - trunc(a / b) * b`` (C's ``fmod``: the sign of ``a``).

The rounded quotients are flat steps, so their derivative is 0 wherever it exists; PyTorch
gives ``div(..., rounding_mode=...)`` that zero gradient and refuses to differentiate
``floor_divide`` (``//``), and so do we. The remainders are ``a`` minus a step function
times ``b``:  d/da = 1 and d/db = -(the rounded quotient).

Integers divided by an integer zero raise (PyTorch's ``ZeroDivisionError``); floats give
``inf`` or ``nan`` as IEEE division does.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._registry import op, tensor_method
from .._typing import TensorLike
from ._util import computing_operands, in_place_form, match_dtype
from ._two_operands import _binary
from .._float_errors import quiet_float_errors


def _integer_divisor_check(op_name, a, b, result):
    """PyTorch's error for an integer division by zero (numpy would quietly give 0)."""
    if result.dtype.kind in "iu" and np.any(np.asarray(b) == 0):
        raise RuntimeError(
            f"{op_name}: ZeroDivisionError: integer division by zero (the divisor holds a 0); "
            f"use a float tensor to get inf or nan instead"
        )


def _no_bool(op_name, a, b):
    if np.asarray(a).dtype.kind == "b" and np.asarray(b).dtype.kind == "b":
        raise NotImplementedError(f"{op_name}: not implemented for two bool tensors; convert one with .int() or .float()")


def _rounded(ufunc, op_name, a, b):
    """``ufunc(a, b)`` with PyTorch's result dtype and its errors; floats divide by 0 quietly."""
    _no_bool(op_name, a, b)
    a, b = computing_operands(a, b)
    with quiet_float_errors():  # int8 -128 // -1 wraps, as in PyTorch
        result = match_dtype(ufunc(a, b), a, b)
    _integer_divisor_check(op_name, a, b, result)
    return result


class FloorDivide(Function):
    """``floor(a / b)``; not differentiable (as in PyTorch): its backward raises."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        return _rounded(np.floor_divide, "floor_divide", a, b)

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(
            "derivative for floor_divide (the // operator) is not implemented, as in PyTorch; "
            "for a zero gradient use mt.div(a, b, rounding_mode='floor'), or detach() the input"
        )


def _trunc_divide(a, b):
    """``trunc(a / b)``; for integers computed exactly (no detour through floats)."""
    if np.result_type(a, b).kind in "iub":
        signs_differ = (np.asarray(a) < 0) != (np.asarray(b) < 0)
        return np.floor_divide(a, b) + ((np.remainder(a, b) != 0) & signs_differ)
    return np.trunc(np.true_divide(a, b))


def _zero_gradients(ctx, grad):
    """The gradients of a rounded quotient: 0 for both operands (a step function)."""
    zero = grad * 0
    need_a, need_b = ctx.needs_input_grad
    return (zero if need_a else None), (zero if need_b else None)


class DivTrunc(Function):
    """``trunc(a / b)`` (``div(a, b, rounding_mode="trunc")``);  d/da = d/db = 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        return _rounded(_trunc_divide, "div", a, b)

    backward = staticmethod(_zero_gradients)


class DivFloor(Function):
    """``floor(a / b)`` (``div(a, b, rounding_mode="floor")``);  d/da = d/db = 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        return _rounded(np.floor_divide, "div", a, b)

    backward = staticmethod(_zero_gradients)


class Remainder(Function):
    """``a - floor(a / b) * b`` (the sign of ``b``, Python's ``%``);  d/da = 1, d/db = -(a // b), the
    floored quotient as Python and PyTorch take it (``1 // -inf = -1``, so d/db = 1 there)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None)
        return _rounded(np.remainder, "remainder", a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return (grad if need_a else None), (-grad * _floor_quotient(a, b) if need_b else None)


def _floor_quotient(a, b):
    """``a // b`` for the gradient: numpy's floor_divide on arrays; on Tensors (create_graph) the
    zero-gradient ``div(rounding_mode="floor")``, as ``//`` itself may not be differentiated."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return DivFloor.apply(a, b)
    return np.floor_divide(a, b)


class Fmod(Function):
    """``a - trunc(a / b) * b`` (the sign of ``a``, C's ``fmod``);  d/da = 1, d/db = -trunc(a / b)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b if ctx.needs_input_grad[1] else None)
        return _rounded(np.fmod, "fmod", a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return (grad if need_a else None), (-grad * np.trunc(a / b) if need_b else None)


@op(method=True, dunders=("__floordiv__",), reflected=("__rfloordiv__",), numpy=np.floor_divide, out=True)
def floor_divide(input: Tensor, other: TensorLike) -> Tensor:
    """``input // other``: the quotient rounded down, ``floor(input / other)`` (not differentiable)."""
    return _binary(FloorDivide, "floor_divide", input, other)


@op(method=True, dunders=("__mod__",), reflected=("__rmod__",), numpy=np.remainder, out=True)
def remainder(input: Tensor, other: TensorLike) -> Tensor:
    """``input % other``: ``input - floor(input / other) * other``, with the sign of ``other`` (Python's ``%``).

    d/dinput = 1, d/dother = -floor(input / other)."""
    return _binary(Remainder, "remainder", input, other)


@op(method=True, numpy=np.fmod, out=True)
def fmod(input: Tensor, other: TensorLike) -> Tensor:
    """``input - trunc(input / other) * other``, with the sign of ``input`` (C's ``fmod``).

    d/dinput = 1, d/dother = -trunc(input / other)."""
    return _binary(Fmod, "fmod", input, other)


def rounded_div(input: TensorLike, other: TensorLike, rounding_mode: Optional[str]) -> Tensor:
    """``div(input, other, rounding_mode=...)`` for ``"trunc"`` and ``"floor"`` (``div`` itself does None)."""
    if rounding_mode not in ("trunc", "floor"):
        raise ValueError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {rounding_mode!r}"
        )
    return _binary(_DIV_ROUNDED[rounding_mode], f"div(rounding_mode={rounding_mode!r})", input, other)


_DIV_ROUNDED = {"trunc": DivTrunc, "floor": DivFloor}


for _operator, _function in (("__ifloordiv__", floor_divide), ("__imod__", remainder), (None, fmod)):
    if _operator:
        tensor_method(_operator)(in_place_form(_operator, _function))
    tensor_method(f"{_function.__name__}_")(in_place_form(f"{_function.__name__}_", _function))
