"""Trigonometry, elementwise: ``sin cos tan``, their inverses ``asin acos atan``, the angle and
length of a point ``atan2 hypot``, and ``deg2rad rad2deg`` (integer inputs become the default
float dtype). Outside an inverse's domain (``asin(2)``) the result is nan, quietly, as in PyTorch.

The hyperbolic functions are in ``hyperbolic.py``; ``tanh`` is an activation (``activation.py``).
"""
from __future__ import annotations

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .elementwise import _as_tensor, _floating, _floating_pair
from ._two_operands import _binary
from ._util import match_dtype
from .._registry import op
from .._float_errors import quiet_float_errors


class Sin(Function):
    """``y = sin x``;  dy/dx = cos x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.sin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad * np.cos(x)


class Cos(Function):
    """``y = cos x``;  dy/dx = -sin x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.cos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return -grad * np.sin(x)


@op(method=True, numpy=np.sin, out=True)
def sin(input: Tensor) -> Tensor:
    """Sine elementwise.  d/dx sin x = cos x."""
    return Sin.apply(_as_tensor(input, "sin"))


@op(method=True, numpy=np.cos, out=True)
def cos(input: Tensor) -> Tensor:
    """Cosine elementwise.  d/dx cos x = -sin x."""
    return Cos.apply(_as_tensor(input, "cos"))


class Tan(Function):
    """``y = tan x``;  dy/dx = 1 + tan^2 x = 1 + y^2 (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with quiet_float_errors():
            y = np.tan(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * (1 + y * y)


class Asin(Function):
    """``y = asin x`` (nan outside [-1, 1]);  dy/dx = 1 / sqrt(1 - x^2) (inf at x = +-1)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad / np.sqrt(1 - x * x)


class Acos(Function):
    """``y = acos x`` (nan outside [-1, 1]);  dy/dx = -1 / sqrt(1 - x^2) (-inf at x = +-1)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.arccos(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return -grad / np.sqrt(1 - x * x)


class Atan(Function):
    """``y = atan x``;  dy/dx = 1 / (1 + x^2)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        x = _floating(x)
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            return grad / (1 + x * x)


class Atan2(Function):
    """``y = atan2(a, b)``, the angle of the point (b, a) in (-pi, pi];
    dy/da = b / (a^2 + b^2), dy/db = -a / (a^2 + b^2), both 0 at the origin (PyTorch takes
    1 / (a^2 + b^2) as 0 where it is infinite)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = _floating_pair(a, b)  # integers: the angle in the default float dtype
        ctx.save_for_backward(a, b)
        return match_dtype(np.arctan2(a, b), a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with quiet_float_errors():
            squared = a * a + b * b
            scale = grad / np.where(squared == 0, np.inf, squared)  # 0 at the origin, as in PyTorch
            return (scale * b if need_a else None), (-scale * a if need_b else None)


class Hypot(Function):
    """``h = sqrt(a^2 + b^2)``, without overflow for large a, b (integers give the default float dtype);
    dh/da = a / h, dh/db = b / h."""

    numpy_level = True

    @staticmethod
    def forward(ctx, a, b):
        a, b = _floating_pair(a, b)
        h = match_dtype(np.hypot(a, b), a, b)
        ctx.save_for_backward(a, b, h)
        return h

    @staticmethod
    def backward(ctx, grad):
        a, b, h = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        with quiet_float_errors():  # inf and nan come back quietly, as in PyTorch
            scale = grad / h
            return (scale * a if need_a else None), (scale * b if need_b else None)


@op(method=True, numpy=np.tan, out=True)
def tan(input: Tensor) -> Tensor:
    """Tangent elementwise.  d/dx tan x = 1 + tan^2 x."""
    return Tan.apply(_as_tensor(input, "tan"))


@op(method=("asin", "arcsin"), numpy=np.arcsin, aliases=("arcsin",), out=True)
def asin(input: Tensor) -> Tensor:
    """Inverse sine elementwise, in [-pi/2, pi/2].  d/dx asin x = 1 / sqrt(1 - x^2)."""
    return Asin.apply(_as_tensor(input, "asin"))


@op(method=("acos", "arccos"), numpy=np.arccos, aliases=("arccos",), out=True)
def acos(input: Tensor) -> Tensor:
    """Inverse cosine elementwise, in [0, pi].  d/dx acos x = -1 / sqrt(1 - x^2)."""
    return Acos.apply(_as_tensor(input, "acos"))


@op(method=("atan", "arctan"), numpy=np.arctan, aliases=("arctan",), out=True)
def atan(input: Tensor) -> Tensor:
    """Inverse tangent elementwise, in (-pi/2, pi/2).  d/dx atan x = 1 / (1 + x^2)."""
    return Atan.apply(_as_tensor(input, "atan"))


@op(method=("atan2", "arctan2"), numpy=np.arctan2, aliases=("arctan2",), out=True)
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (other, input): ``atan(input / other)`` in the right quadrant, in (-pi, pi]."""
    return _binary(Atan2, "atan2", _as_tensor(input, "atan2"), other)


@op(method=True, numpy=np.hypot, out=True)
def hypot(input: Tensor, other: Tensor) -> Tensor:
    """``sqrt(input^2 + other^2)`` elementwise, the length of the point (input, other)."""
    return _binary(Hypot, "hypot", _as_tensor(input, "hypot"), other)


@op(method=True, numpy=np.deg2rad)
def deg2rad(input: Tensor) -> Tensor:
    """Degrees to radians: ``input * pi / 180``."""
    return _floating_tensor(input, "deg2rad") * (np.pi / 180)


@op(method=True, numpy=np.rad2deg)
def rad2deg(input: Tensor) -> Tensor:
    """Radians to degrees: ``input * 180 / pi``."""
    return _floating_tensor(input, "rad2deg") * (180 / np.pi)


def _floating_tensor(input, op_name):
    tensor = _as_tensor(input, op_name)
    return tensor if tensor.dtype.kind == "f" else tensor.to(_floating(tensor._data).dtype)
