"""Ops on how floats are represented: ``frexp`` (mantissa and exponent), ``ldexp``
(``x * 2**e``), ``nextafter`` (the next representable float towards another), the predicates
``isposinf isneginf isreal``, and ``float_power`` (a power computed in float64).
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from .._registry import TORCH_DTYPE_NAMES, op
from .._typing import TensorLike
from ._two_operands import _binary
from ._util import tensor_operand, torch_result_dtype
from .arithmetic import mul, pow
from .comparison import _plain
from .elementwise import _as_tensor, _zeros_like_grad
from .._float_errors import quiet_float_errors


class frexp_result(NamedTuple):
    """``frexp``'s named pair, shown as PyTorch shows it: ``frexp(mantissa=..., exponent=...)``."""

    mantissa: Tensor
    exponent: Tensor


frexp_result.__name__ = frexp_result.__qualname__ = "frexp"


class Mantissa(Function):
    """``m = x / 2^e`` with 0.5 <= |m| < 1 (``e`` the exponent ``frexp`` finds);  dm/dx = 2^-e."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        mantissa, exponent = np.frexp(x)
        with quiet_float_errors():
            ctx.scale = np.ldexp(np.ones((), dtype=x.dtype), -exponent)
        return mantissa

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.scale


@op(method=True, numpy=np.frexp, out=True)
def frexp(input: Tensor) -> frexp_result:
    """``(mantissa, exponent)`` with ``input = mantissa * 2**exponent``, 0.5 <= |mantissa| < 1
    (0, inf and nan keep their value with exponent 0); the exponent is int32."""
    x = _as_tensor(input, "frexp")
    if x.dtype.kind != "f":
        raise RuntimeError(f"frexp(): only floating-point dtypes are supported (got {x.dtype}); convert with .float()")
    return frexp_result(Mantissa.apply(x), Tensor._make(np.asarray(np.frexp(x._data)[1], dtype=np.int32)))


class Ldexp(Function):
    """``y = x * 2^e`` for integer exponents ``e``, exact (numpy's ldexp: ``0 * 2^255`` is 0, not the
    ``0 * inf`` of a product);  dy/dx = 2^e (the exponents get no gradient, being integers)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, exponent):
        ctx.exponent = exponent
        with quiet_float_errors():  # beyond the dtype's range: inf, as in PyTorch
            return np.ldexp(x, exponent)

    @staticmethod
    def backward(ctx, grad):
        with quiet_float_errors():
            scale = np.ldexp(np.ones((), dtype=grad.dtype), ctx.exponent)
        return grad * scale, None


@op(method=True, numpy=np.ldexp, out=True)
def ldexp(input: Tensor, other: TensorLike) -> Tensor:
    """``input * 2**other`` elementwise, a float result (integers become the default float dtype).
    Integer exponents scale exactly (``Ldexp``); float exponents, which may require grad, go through
    ``input * 2.0 ** other``."""
    x = _as_tensor(input, "ldexp")
    exponent = tensor_operand(other, "ldexp")
    dtype = torch_result_dtype(x._data, exponent._data)
    if dtype.kind != "f":
        dtype = _dtypes.get_default_dtype()
    if exponent.dtype.kind in "biu":
        return Ldexp.apply(x.to(dtype), exponent._data.astype(np.int64, copy=False))
    return mul(x.to(dtype), pow(2.0, exponent.to(dtype)))


class Nextafter(Function):
    """``z`` = the float after ``a`` towards ``b``;  dz/da = 1, dz/db = 0 (as PyTorch)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        dtype = torch_result_dtype(a, b)
        if dtype.kind != "f":
            raise NotImplementedError(
                f"\"nextafter_cpu\" not implemented for '{TORCH_DTYPE_NAMES.get(dtype.name, dtype.name)}': "
                f"nextafter takes floating-point tensors (convert with .float())"
            )
        a, b = (np.asarray(value, dtype=dtype) for value in (a, b))  # the step is one ulp of the result's dtype
        return np.asarray(np.nextafter(a, b))

    @staticmethod
    def backward(ctx, grad):
        need_a, need_b = ctx.needs_input_grad
        return (grad if need_a else None), (_zeros_like_grad(grad) if need_b else None)


@op(method=True, numpy=np.nextafter, out=True)
def nextafter(input: Tensor, other: TensorLike) -> Tensor:
    """The next float after ``input`` towards ``other`` elementwise (floating-point tensors)."""
    return _binary(Nextafter, "nextafter", _as_tensor(input, "nextafter"), other)


@op(method=True, numpy=np.isposinf, out=True)
def isposinf(input: Tensor) -> Tensor:
    """True where the element is +inf (a bool tensor; all False for integers)."""
    x = _as_tensor(input, "isposinf")._data
    return _plain(np.isposinf, x) if x.dtype.kind == "f" else _plain(np.zeros_like, x.astype(bool))


@op(method=True, numpy=np.isneginf, out=True)
def isneginf(input: Tensor) -> Tensor:
    """True where the element is -inf (a bool tensor; all False for integers)."""
    x = _as_tensor(input, "isneginf")._data
    return _plain(np.isneginf, x) if x.dtype.kind == "f" else _plain(np.zeros_like, x.astype(bool))


@op(method=True)
def isreal(input: Tensor) -> Tensor:
    """True where the element is real: everywhere, as microtensor has no complex dtypes."""
    return _plain(np.ones_like, _as_tensor(input, "isreal")._data.astype(bool))


@op(method=True, out=True)
def float_power(input: TensorLike, exponent: TensorLike) -> Tensor:
    """``input ** exponent`` computed in float64 (both are converted first), a float64 result."""
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise TypeError("float_power(): one of input and exponent must be a Tensor")
    base = input.to(_dtypes.float64) if isinstance(input, Tensor) else float(input)
    power = exponent.to(_dtypes.float64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(base, power)
