"""The piecewise-linear activations that keep or drop values by a threshold, as fused ops:
``F.threshold``, ``F.hardshrink``, ``F.softshrink`` and ``F.prelu``.

Their gradient is the incoming gradient ``g`` kept where the input is on a sloped piece and
dropped (or scaled) elsewhere. That pattern is read off the input ``x`` and does not move when
``x`` moves a little, so the gradient's own derivative with respect to ``x`` is 0: under
``create_graph=True`` each backward returns its gradient through ``ZeroDerivativeLink``, so that
differentiating it again gives zeros for ``x``, as PyTorch's own kernels do (see
``autograd/zero_link.py``). ``nan`` passes through each of them, as in PyTorch.
"""
from __future__ import annotations

import numpy as np

from .._float_errors import quiet_float_errors
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.zero_link import ZeroDerivativeLink
from ..ops._util import not_a_tensor_error
from .._registry import TORCH_DTYPE_NAMES

__all__ = ["threshold", "hardshrink", "softshrink", "prelu"]


def _kept_gradient(ctx, grad):
    """``g`` where the input was on its slope-1 piece (``ctx.kept``), 0 elsewhere."""
    gradient = np.where(ctx.kept, grad, 0)
    if grad.__class__ is np.ndarray:
        return gradient
    return ZeroDerivativeLink.apply(gradient, ctx.saved_tensors[0])


class Threshold(Function):
    """``y = value if x <= threshold else x``;  dy/dx = 0 where x <= threshold, else 1."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, threshold, value):
        dropped = x <= threshold  # False for nan: nan passes through
        if ctx.needs_input_grad[0]:
            ctx.kept = ~dropped
            ctx.save_for_backward(x)  # for create_graph only (ZeroDerivativeLink)
        return np.where(dropped, np.asarray(value).astype(x.dtype), x)

    @staticmethod
    def backward(ctx, grad):
        return _kept_gradient(ctx, grad), None, None


class Hardshrink(Function):
    """``y = 0 if -lambd <= x <= lambd else x``;  dy/dx = 1 where |x| > lambd, else 0 (0 at nan, as PyTorch)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, lambd):
        dropped = (x >= -lambd) & (x <= lambd)
        if ctx.needs_input_grad[0]:
            ctx.kept = np.abs(x) > lambd
            ctx.save_for_backward(x)
        return np.where(dropped, x.dtype.type(0), x)

    @staticmethod
    def backward(ctx, grad):
        return _kept_gradient(ctx, grad), None


class Softshrink(Function):
    """``y = x - lambd`` for x > lambd, ``x + lambd`` for x < -lambd, ``0 * x`` in between (so -0 for
    a small negative x and nan for nan, as PyTorch);  dy/dx = 1 where |x| > lambd, else 0."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, lambd):
        if ctx.needs_input_grad[0]:
            ctx.kept = np.abs(x) > lambd
            ctx.save_for_backward(x)
        shift = x.dtype.type(lambd)
        with quiet_float_errors():  # 0 * inf in the branch np.where does not pick
            return np.where(x > lambd, x - shift, np.where(x < -lambd, x + shift, x * x.dtype.type(0)))

    @staticmethod
    def backward(ctx, grad):
        return _kept_gradient(ctx, grad), None


class Prelu(Function):
    """``y = x if x > 0 else w x`` (``w`` broadcast over the channels);
    dy/dx = 1 where x > 0, else w;  dy/dw = 0 where x > 0, else x.

    The derivative of dy/dx with respect to x is 0 (``ZeroDerivativeLink``); with respect to
    ``w`` it is the mask ``x <= 0``, which recording ``g * w`` keeps."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, w):
        positive = x > 0
        if ctx.needs_input_grad[0] or ctx.needs_input_grad[1]:
            ctx.positive = positive
            ctx.save_for_backward(x, w)
        with quiet_float_errors():  # 0 * inf in the branch np.where does not pick
            return np.where(positive, x, w * x)

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved_tensors
        need_x, need_w = ctx.needs_input_grad
        grad_x = grad_w = None
        if need_x:
            grad_x = np.where(ctx.positive, grad, grad * w)
            if grad.__class__ is not np.ndarray:
                grad_x = ZeroDerivativeLink.apply(grad_x, x)
        if need_w:
            grad_w = np.where(ctx.positive, 0, grad * x)  # the engine sums it over the broadcast dims
        return grad_x, grad_w


def _float_input(input, name):
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(name, "input", input)
    if input.dtype.kind != "f":
        raise RuntimeError(f'"{name}" not implemented for \'{TORCH_DTYPE_NAMES.get(input.dtype.name, input.dtype.name)}\': '
                           f"pass a floating point tensor, e.g. input.float()")
    return input


def threshold(input: Tensor, threshold: float, value: float, inplace: bool = False) -> Tensor:
    """``value`` where ``input <= threshold``, else ``input`` (an integer tensor keeps its dtype)."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("threshold", "input", input)
    if inplace:
        return input._apply_inplace("threshold_", lambda: Threshold.apply(input, threshold, value))
    return Threshold.apply(input, threshold, value)


def hardshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """0 where ``|input| <= lambd``, else ``input``."""
    return Hardshrink.apply(_float_input(input, "hardshrink"), float(lambd))


def softshrink(input: Tensor, lambd: float = 0.5) -> Tensor:
    """``input - lambd`` above ``lambd``, ``input + lambd`` below ``-lambd``, 0 in between."""
    if lambd < 0:
        raise RuntimeError(f"lambda must be greater or equal to 0, but found to be {lambd}.")
    return Softshrink.apply(_float_input(input, "softshrink"), float(lambd))


def prelu(input: Tensor, weight: Tensor) -> Tensor:
    """``input`` where positive, ``weight * input`` elsewhere; ``weight`` has 1 value or one per channel (dim 1)."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("prelu", "input", input)
    if not isinstance(weight, Tensor):
        raise not_a_tensor_error("prelu", "weight", weight)
    if input.dtype != weight.dtype:
        names = [TORCH_DTYPE_NAMES.get(t.dtype.name, t.dtype.name) for t in (input, weight)]
        raise RuntimeError(
            f"prelu: Type promoting not supported. Got {names[0]} and {names[1]}: give input and weight one dtype"
        )
    count = weight.numel()
    if count != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if channels != count:
            raise RuntimeError(
                f"Mismatch of parameter numbers and input channel size. Found parameter numbers = {count} and "
                f"channel size = {channels} (prelu's channels are dim 1 of the input, of shape {tuple(input.shape)})"
            )
        weight = weight.reshape((count,) + (1,) * (input.ndim - 2))
    else:
        weight = weight.reshape(())
    return Prelu.apply(input, weight)
