"""Arithmetic: ``+ - * / **`` and negation, with broadcasting and PyTorch's type promotion.

Each op is a ``Function`` with ``numpy_level = True``: ``forward`` sees numpy arrays
(or Python numbers), ``backward`` returns the gradient of the *broadcast* output
for each input; the engine sums it back to each input's shape.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import (
    computing_operands, integer_scalars_as_torch, match_dtype, promoted, to_operand, torch_result_dtype,
)
from ._two_operands import _binary
from .division import rounded_div
from .._registry import op
from .._typing import Number, TensorLike
from .._float_errors import quiet_float_errors


class Add(Function):
    """``a + b``;  d/da = 1, d/db = 1."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        return promoted(np.add, a, b)[0]

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Function):
    """``a - b``;  d/da = 1, d/db = -1. PyTorch refuses a bool operand (tensor or Python bool) on
    either side, so that ``1 - mask`` is not mistaken for inverting a mask."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        if a.__class__ is bool or b.__class__ is bool or (  # _is_bool of each, without the calls
            a.__class__ is np.ndarray and a.dtype.kind == "b") or (b.__class__ is np.ndarray and b.dtype.kind == "b"
        ):
            _refuse_bool_subtraction(a, b)
        return promoted(np.subtract, a, b)[0]

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


def _is_floating(value):
    return value.__class__ is float or (value.__class__ is np.ndarray and value.dtype.kind == "f")


def _is_bool(value):
    return value.__class__ is bool or (value.__class__ is np.ndarray and value.dtype.kind == "b")


def _refuse_bool_subtraction(a, b):
    """PyTorch's RuntimeErrors for ``-`` with a bool operand (two bool tensors have their own)."""
    if _is_bool(a) and _is_bool(b) and (a.__class__ is np.ndarray and b.__class__ is np.ndarray):
        raise RuntimeError(
            "sub: Subtraction, the `-` operator, with two bool tensors is not supported. "
            "Use the `^` or `logical_xor()` operator instead."
        )
    kinds = [f"tensor of dtype {v.dtype}" if v.__class__ is np.ndarray else type(v).__name__ for v in (a, b)]
    raise RuntimeError(
        "sub: Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert "
        f"a mask, use the `~` or `logical_not()` operator instead (operands: {kinds[0]} and {kinds[1]}); "
        "to count with the truth values convert first, e.g. mask.int()"
    )


class Mul(Function):
    """``a * b``;  d/da = b, d/db = a."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        out, a, b = promoted(np.multiply, a, b)  # a and b as the product used them (PyTorch's dtype)
        needs = ctx.needs_input_grad  # save only what the needed gradients use
        ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (grad * b if need_a else None), (grad * a if need_b else None)


class Div(Function):
    """``a / b`` (true division; integers give the default float dtype);
    d/da = 1/b, d/db = -(a/b)/b (the inputs are saved, not the output, as in PyTorch; dividing
    twice, as PyTorch does, keeps b^2 from underflowing and gives its second derivative at b = 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        if not (_is_floating(a) or _is_floating(b)):  # ints and bools divide in the default float dtype
            dtype = _dtypes.get_default_dtype()
            a, b = np.asarray(a, dtype=dtype), np.asarray(b, dtype=dtype)
        else:
            a, b = computing_operands(a, b)
        with quiet_float_errors():  # x/0 = inf, 0/0 = nan, as in PyTorch
            out = match_dtype(np.true_divide(a, b), a, b)
        ctx.save_for_backward(a if ctx.needs_input_grad[1] else None, b)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with quiet_float_errors():  # b = 0 gives inf or nan, as in PyTorch, quietly
            return (grad / b if need_a else None), (-grad * ((a / b) / b) if need_b else None)


class Pow(Function):
    """``a ** b``;  d/da = b * a^(b-1), 0 where b == 0 (so d/dx x^0 = 0 at x = 0);
    d/db = a^b * log(a), 0 where a == 0 and b >= 0 (so -inf for 0^b with b < 0 and nan for a
    negative base, as in PyTorch; the output is saved only for d/db, as in PyTorch).

    Integers to a negative integer *tensor* exponent are PyTorch's integer powers (``_integer_pow``);
    a negative Python int exponent of an integer tensor is a RuntimeError, as in PyTorch."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = computing_operands(a, b)
        with quiet_float_errors():  # 0**-1 = inf, (-1)**0.5 = nan
            try:
                if b.__class__ is np.ndarray and b.dtype.kind == "i" and np.dtype(torch_result_dtype(a, b)).kind in "iu":
                    out = _integer_pow(a, b)
                else:
                    out = match_dtype(np.power(a, b), a, b)
            except ValueError as error:  # numpy: "Integers to negative integer powers are not allowed."
                if "negative integer powers" not in str(error):
                    raise
                raise RuntimeError(
                    f"pow: {error} Convert the base to a float tensor first, e.g. x.float() ** -1"
                ) from None
        ctx.save_for_backward(a, b, out if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        with quiet_float_errors():
            if need_a:
                grad_a = _pow_grad_base(grad, a, b)
            if need_b:
                grad_b = _pow_grad_exponent(grad, a, b, out)
        return grad_a, grad_b


def _integer_pow(a, b):
    """``a ** b`` for an integer result and an integer exponent tensor, as PyTorch computes it:
    ``a^b`` (wrapping) where ``b >= 0``; where ``b < 0``, ``1`` for ``a == 1``, ``(-1)^b`` for
    ``a == -1`` and ``0`` otherwise (``1 / a^|b|`` truncated toward zero; 0 also for ``a == 0``)."""
    negative = b < 0
    out = match_dtype(np.power(a, np.where(negative, 0, b).astype(b.dtype)), a, b)
    if not negative.any():
        return out
    odd = np.remainder(b, 2) == 1
    inverse = np.where(np.equal(a, 1), 1, np.where(np.equal(a, -1), np.where(odd, -1, 1), 0))
    return np.where(negative, inverse, out).astype(out.dtype)


def _pow_grad_exponent(grad, a, b, out):
    """``grad * a^b * log(a)``, 0 where ``a == 0`` and ``b >= 0`` as in PyTorch."""
    if a.__class__ is int or a.__class__ is float:
        return grad * (out * np.log(a)) if a != 0 else np.where(b >= 0, 0, grad * (out * -np.inf))
    return np.where((a == 0) & (b >= 0), 0, grad * (out * np.log(a)))


def _pow_grad_base(grad, a, b):
    """``grad * b * a^(b-1)``, 0 where ``b == 0`` as in PyTorch. With a tensor exponent only the
    points where that product is 0 * inf or 0 * nan (b == 0 at a == 0 or nan) are masked, so the
    second derivative d/db (b a^(b-1)) = 1/a at b == 0 still flows elsewhere."""
    if b.__class__ is int or b.__class__ is float:
        if b == 0:
            return np.zeros_like(grad) if grad.__class__ is np.ndarray else grad * 0
        return grad * (b * a ** (b - 1))
    singular = (b == 0) & ~(np.abs(a) > 0)
    return np.where(singular, 0, grad * (b * a ** (b - 1)))


class Neg(Function):
    """``-a``;  d/da = -1."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a):
        if a.dtype.kind == "b":
            raise RuntimeError("neg: negation, the `-` operator, on a bool tensor is not supported; use ~ or logical_not()")
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad):
        return -grad


def _alpha(alpha, input, other, op_name):
    """``alpha`` checked as PyTorch checks it against the result's dtype: no float alpha for an integer
    result, a bool alpha only for a bool one; it must fit an integer input's dtype (PyTorch raises rather
    than wrap it), and a Python int alpha must fit 64 bits (PyTorch's OverflowError)."""
    operands = [value if value.__class__ in (int, float, bool) else to_operand(value, op_name) for value in (input, other)]
    kind = np.dtype(torch_result_dtype(*[getattr(value, "_data", value) for value in operands])).kind
    if kind in "biu" and isinstance(alpha, (float, np.floating)):
        raise RuntimeError(f"{op_name}: For integral input tensors, argument alpha must not be a floating point "
                           f"number (got alpha={alpha}); convert the tensors to float first, e.g. .float()")
    if isinstance(alpha, (bool, np.bool_)):
        if kind != "b":
            raise RuntimeError(f"{op_name}: Boolean alpha only supported for Boolean results (got alpha={alpha} "
                               f"for a result of dtype kind {kind!r}); pass alpha as a number")
    elif kind == "b" and alpha.__class__ is int:
        return bool(alpha)  # a bool result adds the truth of alpha * other, as PyTorch
    if alpha.__class__ is int:
        if not -(2**63) <= alpha < 2**63:
            raise OverflowError(f"{op_name}(): alpha={alpha} is too big to convert to a 64-bit number; "
                                f"pass it as a float (alpha={float(alpha):g})")
        if isinstance(input, Tensor):
            integer_scalars_as_torch(f"{op_name}(alpha=...)", input, alpha)
    return alpha


def _scaled(other, alpha, input, op_name):
    """``alpha * other`` computed in the dtype of ``input + other``, as PyTorch computes it: a narrower
    ``other`` (uint8 beside int8, int8 beside a float number) is converted first, so it does not wrap."""
    other = to_operand(other, op_name)
    if isinstance(other, Tensor):
        operand = input if input.__class__ in (int, float, bool) else to_operand(input, op_name)
        dtype = torch_result_dtype(getattr(operand, "_data", operand), other._data)
        if other.dtype != dtype:
            other = other.to(dtype)
    return mul(other, alpha)


@op(method=True, dunders=("__add__",), reflected=("__radd__",), numpy=np.add, out=True)
def add(input: Tensor, other: TensorLike, alpha: Number = 1) -> Tensor:
    """``input + alpha * other`` elementwise, with broadcasting (``alpha * other`` in the result's dtype)."""
    if alpha.__class__ is not int or alpha != 1:  # alpha=True and alpha=1.0 are checked too
        other = _scaled(other, _alpha(alpha, input, other, "add"), input, "add")
    return _binary(Add, "add", input, other)


@op(method=("sub", "subtract"), dunders=("__sub__",), reflected=("__rsub__",), numpy=np.subtract, aliases=("subtract",), out=True)
def sub(input: Tensor, other: TensorLike, alpha: Number = 1) -> Tensor:
    """``input - alpha * other`` elementwise, with broadcasting (a bool operand is refused, as in PyTorch)."""
    if alpha.__class__ is not int or alpha != 1:  # alpha=True and alpha=1.0 are checked too
        a, b = (getattr(to_operand(value, "sub"), "_data", value) for value in (input, other))
        if _is_bool(a) or _is_bool(b):
            _refuse_bool_subtraction(a, b)
        other = _scaled(other, _alpha(alpha, input, other, "sub"), input, "sub")
    return _binary(Sub, "sub", input, other)


@op(method=("mul", "multiply"), dunders=("__mul__",), reflected=("__rmul__",), numpy=np.multiply, aliases=("multiply",), out=True)
def mul(input: Tensor, other: TensorLike) -> Tensor:
    """``input * other`` elementwise, with broadcasting."""
    return _binary(Mul, "mul", input, other)


@op(method=("div", "divide"), dunders=("__truediv__",), reflected=("__rtruediv__",), numpy=np.true_divide, aliases=("divide", "true_divide"), out=True)
def div(input: Tensor, other: TensorLike, *, rounding_mode: Optional[str] = None) -> Tensor:
    """``input / other`` elementwise (true division), with broadcasting.

    ``rounding_mode="trunc"`` rounds the quotient toward zero and ``"floor"`` down (``//``); both have
    a zero gradient (see ``ops/division.py``)."""
    if rounding_mode is not None:
        return rounded_div(input, other, rounding_mode)
    return _binary(Div, "div", input, other)


@op(method=True, dunders=("__pow__",), reflected=("__rpow__",), numpy=np.power, out=True)
def pow(input: Tensor, exponent: TensorLike) -> Tensor:
    """``input ** exponent`` elementwise, with broadcasting."""
    return _binary(Pow, "pow", input, exponent)


@op(method=("neg", "negative"), dunders=("__neg__",), numpy=np.negative, aliases=("negative",), out=True)
def neg(input: Tensor) -> Tensor:
    """``-input``."""
    return Neg.apply(to_operand(input, "neg"))



