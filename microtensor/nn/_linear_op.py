"""The fused affine map behind ``nn.Linear`` and ``F.linear``: ``y = x @ W^T + b``.

One op instead of transpose + matmul + add keeps the forward and the backward to
two matrix products each. Shapes: ``x (..., in)``, ``W (out, in)``, ``b (out,)``,
``y (..., out)``. With ``G = dL/dy``:

* ``dL/dx = G @ W``                              (..., in)
* ``dL/dW = G_2^T @ x_2``  (batch dims flattened: ``G_2 (B, out)``, ``x_2 (B, in)``)
* ``dL/db = G``, summed over the batch dims by the engine's un-broadcasting.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error


class Linear(Function):
    """``x @ W^T + b``; see the module docstring for the gradients."""

    numpy_level = True
    fresh_gradients = (0, 1)  # matrix products (the bias gradient is the incoming grad itself)

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        out = np.matmul(x, weight.T)
        if bias is not None:
            out += bias
        ctx.save_for_backward(x, weight)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad[0], ctx.needs_input_grad[1]
        need_b = len(ctx.needs_input_grad) > 2 and ctx.needs_input_grad[2]
        grad_x = grad @ weight if need_x else None
        grad_w = None
        if need_w:
            out_features, in_features = weight.shape
            if x.ndim == 2:
                grad_w = grad.T @ x
            elif x.ndim == 1:
                grad_w = grad.reshape((out_features, 1)) * x.reshape((1, in_features))
            else:
                grad_w = grad.reshape((-1, out_features)).T @ x.reshape((-1, in_features))
        if len(ctx.needs_input_grad) == 2:  # applied without a bias (Linear(..., bias=False))
            return grad_x, grad_w
        return grad_x, grad_w, (grad if need_b else None)


def linear(input: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """``y = input @ weight^T + bias`` for ``input (..., in)``, ``weight (out, in)``, ``bias (out,)``.

    Gradients: dy/dinput = weight, dL/dweight = G^T input (batch dims summed), dL/dbias = sum of G.
    """
    try:  # the common case in one test; anything unusual gets its error from _check_linear
        x, w = input._data, weight._data
        fits = (
            w.ndim == 2 and x.ndim and x.shape[-1] == w.shape[1] and x.dtype == w.dtype
            and (bias is None or (bias._data.dtype == w.dtype and bias._data.shape in ((w.shape[0],), ())))
            and isinstance(input, Tensor) and isinstance(weight, Tensor) and (bias is None or isinstance(bias, Tensor))
        )
    except AttributeError:
        fits = False
    if not fits:
        _check_linear(input, weight, bias)
    if bias is None:
        return Linear.apply(input, weight)
    return Linear.apply(input, weight, bias)


def _check_linear(input, weight, bias):
    """Raise the error that names what is wrong with ``linear``'s arguments."""
    for name, value in (("input", input), ("weight", weight), ("bias", bias)):
        if value is not None and not isinstance(value, Tensor):
            raise not_a_tensor_error("linear", name, value)
    if weight.ndim != 2:
        raise RuntimeError(f"linear(): weight must be 2-D (out_features, in_features), got shape {tuple(weight.shape)}")
    if input.ndim == 0:
        raise RuntimeError("linear(): input must have at least 1 dimension, got a 0-d tensor")
    if input.shape[-1] != weight.shape[1]:
        rows = int(np.prod(input.shape[:-1])) if input.ndim > 1 else 1
        raise RuntimeError(
            f"linear(): mat1 and mat2 shapes cannot be multiplied ({rows}x{input.shape[-1]} and "
            f"{weight.shape[1]}x{weight.shape[0]}): input has {input.shape[-1]} features in its last "
            f"dimension (shape {tuple(input.shape)}) but the weight expects in_features={weight.shape[1]}"
        )
    if bias is not None and bias.shape not in ((weight.shape[0],), ()):
        raise RuntimeError(
            f"linear(): bias must have shape ({weight.shape[0]},) to match weight {tuple(weight.shape)}, "
            f"got {tuple(bias.shape)}"
        )
    dtypes = f"input {input.dtype}, weight {weight.dtype}" + (f", bias {bias.dtype}" if bias is not None else "")
    raise RuntimeError(
        f"linear(): expected all arguments to have the same dtype, got {dtypes}; convert the input "
        f"(x.to(weight.dtype)) or the module (model.double() / model.float())"
    )
