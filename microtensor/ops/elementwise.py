"""Elementwise maths of one input: the conventions every elementwise op follows, the
helpers they share, and the algebraic ops ``abs sign square sqrt reciprocal``.

The other elementwise ops have a file each: ``exponentials.py`` (``exp expm1 log log10
log2 log1p``), ``trigonometry.py`` (``sin cos``), ``rounding.py`` (``floor ceil trunc
round frac``), ``clamping.py`` (``clamp maximum minimum nan_to_num``) and
``closeness.py`` (``isclose``).

Every differentiable op is a ``Function`` with ``numpy_level = True``: ``forward``
works on numpy arrays, ``backward`` returns the gradient of the (broadcast) output
for each input and is written only with operators and numpy functions that
``Tensor`` dispatches back to microtensor ops, so the same rule gives first-order
gradients on arrays and higher-order ones on Tensors (``create_graph=True``).

Conventions follow PyTorch:

* ops that only make sense on real numbers (``exp log sqrt sin cos reciprocal``)
  turn integer and bool inputs into the default float dtype;
* ``log(0) = -inf``, ``log(-1) = nan``, ``sqrt(-1) = nan``, ``1/0 = inf`` and
  ``exp(1000) = inf`` come back silently, without numpy's RuntimeWarning;
* at kinks the subgradient is PyTorch's: ``abs'(0) = 0``, ``sign' = 0``, ``clamp``
  passes the gradient at the boundaries, ``maximum``/``minimum`` split it half and
  half between equal inputs.
"""
from __future__ import annotations

import numpy as np

from .. import _dtypes
from ..autograd.function import Function
from .._tensor import Tensor
from ._util import tensor_argument as _as_tensor, torch_result_dtype
from .._registry import op
from .._float_errors import quiet_float_errors


# --------------------------------------------------------------------- helpers
def _floating(x):
    """``x`` itself if floating point, else ``x`` converted to the default float dtype."""
    if x.dtype.kind == "f":
        return x
    return np.asarray(x, dtype=_dtypes.get_default_dtype())


def _floating_pair(a, b):
    """``a`` and ``b`` in the float dtype the op computes in, as PyTorch converts them first:
    PyTorch's result dtype when it is a float, else (ints, bools) the default float dtype. Arrays
    of another dtype are converted, so ``xlogy(float32, int8)`` takes ``log`` in float32 (numpy
    would in float16) and ``float32 nd`` with a ``float64 0-d`` computes in float32, not in float64
    then rounded; Python numbers stay weak."""
    dtype = torch_result_dtype(a, b)
    if dtype.kind != "f":
        dtype = _dtypes.get_default_dtype()
    return _as_dtype(a, dtype), _as_dtype(b, dtype)


def _as_dtype(value, dtype):
    if value.__class__ is np.ndarray:
        return value if value.dtype == dtype else value.astype(dtype)
    return np.asarray(value, dtype=dtype) if isinstance(value, bool) else value


def _zeros_like_grad(grad):
    """A zero gradient of ``grad``'s shape and dtype (an array; the engine accepts it in every mode)."""
    return np.zeros(grad.shape, dtype=grad.dtype)


# ---------------------------------------------- powers, roots, sign and magnitude
class Sqrt(Function):
    """``y = sqrt(x)`` (nan for x < 0);  dy/dx = 1 / (2 sqrt(x)) = 1 / (2y) (inf at 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with quiet_float_errors():
            y = np.sqrt(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        with quiet_float_errors():
            return grad / (y * 2)


class Abs(Function):
    """``y = |x|``;  dy/dx = sign(x) (0 at x = 0 and at x = nan, as in PyTorch)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * np.where(x != x, 0, np.sign(x))  # sign(nan) = 0 here, as in PyTorch


class Sign(Function):
    """``y = sign x = (x > 0) - (x < 0)`` in {-1, 0, 1} (0 for nan, as PyTorch computes it);
    dy/dx = 0 everywhere (PyTorch's convention at 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            return np.array(x, copy=True)
        if x.dtype.kind == "f":
            return np.where(np.isnan(x), x.dtype.type(0), np.sign(x))
        return np.sign(x)

    @staticmethod
    def backward(ctx, grad):
        return _zeros_like_grad(grad)


class Square(Function):
    """``y = x^2``;  dy/dx = 2x."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            x = x.astype(np.int64)
        ctx.save_for_backward(x)
        with quiet_float_errors():
            return np.square(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * (x * 2)


class Reciprocal(Function):
    """``y = 1/x`` (``1/0 = inf``);  dy/dx = -1/x^2 = -y^2 (the output is saved)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x):
        with quiet_float_errors():
            y = np.reciprocal(_floating(x))
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        with quiet_float_errors():
            return -grad * (y * y)


@op(method=True, numpy=np.sqrt, out=True)
def sqrt(input: Tensor) -> Tensor:
    """Square root elementwise (``nan`` below 0, no warning).  d/dx sqrt(x) = 1/(2 sqrt(x))."""
    return Sqrt.apply(_as_tensor(input, "sqrt"))


@op(method=("abs", "absolute"), dunders=("__abs__",), numpy=np.absolute, aliases=("absolute",), out=True)
def abs(input: Tensor) -> Tensor:
    """``|input|`` elementwise.  d/dx |x| = sign(x), taken as 0 at x = 0 (PyTorch's subgradient).
    A bool tensor is refused, as in PyTorch."""
    x = _as_tensor(input, "abs")
    if x._data.dtype.kind == "b":
        raise NotImplementedError('"abs" not implemented for \'Bool\': a mask is its own absolute value; '
                                  "convert it first (mask.int()) if you need numbers")
    return Abs.apply(x)


@op(method=True, numpy=np.sign, out=True)
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (keeps the dtype).  Its gradient is 0 everywhere."""
    return Sign.apply(_as_tensor(input, "sign"))


@op(method=True, numpy=np.square, out=True)
def square(input: Tensor) -> Tensor:
    """``input ** 2`` elementwise.  d/dx x^2 = 2x."""
    return Square.apply(_as_tensor(input, "square"))


@op(method=True, numpy=np.reciprocal, out=True)
def reciprocal(input: Tensor) -> Tensor:
    """``1 / input`` elementwise (``inf`` at 0, no warning).  d/dx 1/x = -1/x^2."""
    return Reciprocal.apply(_as_tensor(input, "reciprocal"))
