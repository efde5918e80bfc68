"""Functions of an element's sign: ``copysign`` (the magnitude of one, the sign of another),
``signbit`` (is the sign bit set, -0.0 included), ``sgn`` (``sign`` for real tensors),
``heaviside`` (the step function, with given values at 0) and ``positive`` (``+x``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._registry import op
from .._typing import TensorLike
from ._two_operands import _binary
from ._util import match_dtype
from .comparison import _plain, _raw
from .elementwise import Sign, _as_tensor, _floating_pair, _zeros_like_grad
from .._float_errors import quiet_float_errors


class Copysign(Function):
    """``z = |a|`` with the sign (bit) of ``b``;  dz/da = z / a = +-1 (0 at a = 0, nan at a = +-inf,
    as PyTorch computes it), dz/db = 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = _floating_pair(a, b)
        z = match_dtype(np.copysign(a, b), a, b)
        ctx.save_for_backward(a, z)
        return z

    @staticmethod
    def backward(ctx, grad):
        a, z = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with quiet_float_errors():
            ratio = np.where(a == 0, 0, z / np.where(a == 0, 1, a)) if need_a else None
        return (grad * ratio if need_a else None), (_zeros_like_grad(grad) if need_b else None)


@op(method=True, numpy=np.copysign, out=True)
def copysign(input: Tensor, other: TensorLike) -> Tensor:
    """``|input|`` with the sign of ``other`` elementwise (-0.0 counts as negative); a float result."""
    return _binary(Copysign, "copysign", _as_tensor(input, "copysign"), other)


def _signbit(x):
    return np.signbit(x.astype(np.int8) if x.dtype.kind == "b" else x)


@op(method=True, numpy=np.signbit, out=True)
def signbit(input: Tensor) -> Tensor:
    """True where the sign bit is set (negative numbers, -0.0 and negative nans): a bool tensor."""
    return _plain(_signbit, _as_tensor(input, "signbit")._data)


@op(method=True, out=True)
def sgn(input: Tensor) -> Tensor:
    """``sign`` for real tensors (PyTorch's ``sgn`` extends it to complex numbers, ``x / |x|``)."""
    return Sign.apply(_as_tensor(input, "sgn"))


def _step(x, values):
    return np.asarray(np.where(x == 0, values, x > 0), dtype=np.result_type(x, values))


@op(method=True, numpy=np.heaviside, out=True)
def heaviside(input: Tensor, values: Tensor) -> Tensor:
    """The Heaviside step: 0 where ``input < 0``, ``values`` where it is 0, 1 where it is positive.

    ``values`` is a tensor of ``input``'s dtype broadcast with it. It has no gradient (as in PyTorch).
    """
    x = _as_tensor(input, "heaviside")
    if not isinstance(values, Tensor):
        raise TypeError(f"heaviside(): argument 'values' (position 2) must be Tensor, not {type(values).__name__}")
    if values.dtype != x.dtype:
        raise RuntimeError(
            f"heaviside is not yet implemented for tensors with different dtypes (input {x.dtype}, values "
            f"{values.dtype}); convert values with values.to(input.dtype)"
        )
    return _plain(_step, x._data, _raw(values, "heaviside"))


@op(method=True)
def positive(input: Tensor) -> Tensor:
    """``+input``: the input itself (a bool tensor is an error, as in PyTorch)."""
    x = _as_tensor(input, "positive")
    if x.dtype.kind == "b":
        raise RuntimeError("The `+` operator, on a bool tensor is not supported. Use .to(int) first if a number was meant.")
    return x
