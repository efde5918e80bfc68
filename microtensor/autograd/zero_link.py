"""``ZeroDerivativeLink``: a gradient recorded as a function of ``x`` too, with derivative 0.

Some gradient rules pick or scale the incoming gradient by a pattern read off the input ``x``:
leaky_relu's sign mask, hardtanh's inside mask, max pooling's argmax. The pattern does not change
when ``x`` moves a little, so the derivative of such a gradient with respect to ``x`` is 0 wherever
it exists. PyTorch still records the gradient as a function of ``x``, so that differentiating it
again (``create_graph=True``, as a gradient penalty does) gives zeros for ``x`` rather than the
error that ``x`` was not used. A backward rule building a graph (its ``grad`` is a Tensor) returns
``ZeroDerivativeLink.apply(gradient, x)`` to do the same.
"""
import numpy as np

from .._tensor import Tensor
from .function import Function


class ZeroDerivativeLink(Function):
    """``y = g``, a function of ``g`` and ``x``;  dy/dg = 1, dy/dx = 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, gradient, x):
        ctx.x_shape, ctx.x_dtype = x.shape, x.dtype
        return np.array(gradient, copy=True)  # a new array: the output never aliases an input

    @staticmethod
    def backward(ctx, grad):
        zeros = np.zeros(ctx.x_shape, ctx.x_dtype)
        return grad, (zeros if grad.__class__ is np.ndarray else Tensor._make(zeros))
