"""``F.conv1d`` and ``F.conv2d``: convolution as im2col + one matrix product.

Cross-correlation, as in PyTorch. For input ``x (N, C, H, W)``, weight
``w (O, C/g, kh, kw)``, stride ``s``, dilation ``d``, zero padding and ``g`` groups::

    y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xp[n, G(o) + c, i*s_h + p*d_h, j*s_w + q*d_w]

where ``xp`` is the padded input and ``G(o)`` the first input channel of ``o``'s group.

How it is computed (no Python loop over pixels or samples):

* **im2col**: a strided view of the zero-padded input presents every receptive field at
  once; copying it is the only im2col cost. Its layout (``ChannelsLast``, rows are
  receptive fields, or ``ChannelsFirst``, rows are kernel taps; see ``_conv_layouts.py``)
  is chosen per shape (``ConvGeometry``) for the longer contiguous runs in that copy.
* **one matmul** per layer (batched over the groups; one GEMM when ``g = 1``), then written
  out as contiguous NCHW with the bias added in the same pass.

Backward, with ``G = dL/dy`` as a matrix ``G2[g, (n, i, j), o]`` (or its transpose):

* ``dL/db = sum_{n, i, j} G``;
* ``dL/dW = cols^T G2``: one matmul (the forward's ``cols`` are kept for it);
* ``dL/dx``: ``dcols = G2 W^T``, then **col2im**: for each of the ``kh * kw`` kernel offsets,
  one strided ``+=`` of that offset's block of ``dcols`` into the padded gradient (receptive
  fields overlap, so the contributions add); the padding is cropped off.

Double backward: the three maps ``conv(x, w)``, ``dx = conv_input_grad(G, w)`` and
``dw = conv_weight_grad(x, G)`` are bilinear, and each one's derivatives are the
other two (see ``ConvInputGrad`` and ``ConvWeightGrad``), so backward under
``create_graph=True`` calls these ops and derivatives of any order work.

``conv1d`` is ``conv2d`` on a height-1 image; unbatched inputs get a batch of one.
"""
from __future__ import annotations

from typing import Optional, Union

import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from .._typing import IntOrInts
from ._conv_geometry import _cached_plan, _check_tensors, _hashable, _plan

__all__ = ["conv1d", "conv2d"]


def _conv_forward(x, weight, bias, geometry):
    """``(y, cols)``: the convolution of NCHW ``x`` (contiguous NCHW, plus bias) and its im2col matrix."""
    layout = geometry.layout
    cols = layout.im2col(x, geometry)
    source = layout.forward(cols, weight, x.shape[0], geometry)  # (N, g, O/g, oh, ow)
    out = np.empty((x.shape[0], weight.shape[0]) + geometry.output_size, dtype=source.dtype)
    target = out.reshape(source.shape)
    if bias is None:
        np.copyto(target, source)
    else:
        np.add(source, bias.reshape(source.shape[1:3] + (1, 1)), out=target)
    return out, cols


def _input_grad(grad, weight, x_shape, geometry, grad_matrix=None):
    """dL/dx for ``y = conv(x, weight)`` and ``grad = dL/dy``: col2im of the columns' gradient."""
    layout = geometry.layout
    if grad_matrix is None:
        grad_matrix = layout.grad_matrix(grad, geometry.groups)
    return layout.input_grad(grad_matrix, weight, tuple(x_shape), geometry)


def _weight_grad(cols, grad, weight_shape, geometry, grad_matrix=None):
    """dL/dw for ``y = conv(x, w)`` from x's im2col matrix, in (O, C/g, kh, kw)."""
    layout = geometry.layout
    if grad_matrix is None:
        grad_matrix = layout.grad_matrix(grad, geometry.groups)
    return layout.weight_grad(cols, grad_matrix, tuple(weight_shape), geometry.groups)


class Conv2d(Function):
    """``y = conv(x, w) + b`` (see the module docstring);
    dL/dx = conv_input_grad(G, w), dL/dw = conv_weight_grad(x, G), dL/db = sum of G over (n, i, j)."""

    numpy_level = True
    fresh_gradients = (0, 1, 2)

    @staticmethod
    def forward(ctx, x, weight, bias, geometry):
        out, cols = _conv_forward(x, weight, bias, geometry)
        ctx.geometry = geometry
        ctx.save_for_backward(x, weight, cols if ctx.needs_input_grad[1] else None)
        return out

    @staticmethod
    def backward(ctx, grad):
        x, weight, cols = ctx.saved_tensors
        geometry = ctx.geometry
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        if not isinstance(grad, np.ndarray):  # building a graph of the backward (create_graph=True)
            grad_b = grad.sum((0, 2, 3)) if need_b else None
            grad_x = ConvInputGrad.apply(grad, weight, tuple(x.shape), geometry) if need_x else None
            grad_w = ConvWeightGrad.apply(x, grad, tuple(weight.shape), geometry) if need_w else None
            return grad_x, grad_w, grad_b, None
        grad_matrix = geometry.layout.grad_matrix(grad, geometry.groups)
        grad_x = _input_grad(grad, weight, x.shape, geometry, grad_matrix) if need_x else None
        grad_w = _weight_grad(cols, grad, weight.shape, geometry, grad_matrix) if need_w else None
        grad_b = geometry.layout.bias_grad(grad_matrix) if need_b else None
        return grad_x, grad_w, grad_b, None


class ConvInputGrad(Function):
    """``z = conv_input_grad(G, w)``, the gradient of a convolution with respect to its input
    (a transposed convolution). Linear in each argument:
    dL/dG = conv(gz, w) and dL/dw = conv_weight_grad(gz, G)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, weight, x_shape, geometry):
        ctx.geometry = geometry
        ctx.save_for_backward(grad, weight)
        return _input_grad(grad, weight, x_shape, geometry)

    @staticmethod
    def backward(ctx, gz):
        grad, weight = ctx.saved_tensors
        geometry = ctx.geometry
        d_grad = Conv2d.apply(gz, weight, None, geometry) if ctx.needs_input_grad[0] else None
        d_weight = ConvWeightGrad.apply(gz, grad, tuple(weight.shape), geometry) if ctx.needs_input_grad[1] else None
        return d_grad, d_weight, None, None


class ConvWeightGrad(Function):
    """``v = conv_weight_grad(x, G)``, the gradient of a convolution with respect to its weight.
    Linear in each argument: dL/dx = conv_input_grad(G, gv) and dL/dG = conv(x, gv)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, grad, weight_shape, geometry):
        ctx.geometry = geometry
        ctx.save_for_backward(x, grad)
        cols = geometry.layout.im2col(x, geometry)
        return _weight_grad(cols, grad, weight_shape, geometry)

    @staticmethod
    def backward(ctx, gv):
        x, grad = ctx.saved_tensors
        geometry = ctx.geometry
        d_x = ConvInputGrad.apply(grad, gv, tuple(x.shape), geometry) if ctx.needs_input_grad[0] else None
        d_grad = Conv2d.apply(x, gv, None, geometry) if ctx.needs_input_grad[1] else None
        return d_x, d_grad, None, None


def _convolution(input, weight, bias, stride, padding, dilation, groups, dims, op_name):
    _check_tensors(input, weight, bias, op_name)
    args = (input._data.shape, weight._data.shape, None if bias is None else bias._data.shape,
            _hashable(stride), _hashable(padding), _hashable(dilation), groups, dims, op_name)
    try:  # a training loop convolves the same shapes again and again: check them once
        geometry = _cached_plan(*args)
    except TypeError as error:
        if "unhashable" not in str(error):
            raise
        geometry = _plan(*args)
    if input.ndim == 4 and dims == 2:
        return Conv2d.apply(input, weight, bias, geometry)
    batched = input.ndim == dims + 2
    if not batched:
        input = input.unsqueeze(0)
    if dims == 1:  # a height-1 image
        input, weight = input.unsqueeze(2), weight.unsqueeze(2)
    out = Conv2d.apply(input, weight, bias, geometry)
    if dims == 1:
        out = out.squeeze(2)
    return out if batched else out.squeeze(0)


def conv2d(
    input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrInts = 1,
    padding: Union[IntOrInts, str] = 0, dilation: IntOrInts = 1, groups: int = 1,
) -> Tensor:
    """2-D cross-correlation of ``input (N, C, H, W)`` or ``(C, H, W)`` with ``weight (O, C/groups, kH, kW)``.

    ``padding``: an int, a pair, 'valid' (none) or 'same' (output as large as the input; stride 1 only).
    The output is ``(N, O, H_out, W_out)`` with ``H_out = (H + 2 pad - dilation (kH - 1) - 1) // stride + 1``.
    Computed as im2col + one matmul; see the module docstring for the maths and the gradients.
    """
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 2, "conv2d")


def conv1d(
    input: Tensor, weight: Tensor, bias: Optional[Tensor] = None, stride: IntOrInts = 1,
    padding: Union[IntOrInts, str] = 0, dilation: IntOrInts = 1, groups: int = 1,
) -> Tensor:
    """1-D cross-correlation of ``input (N, C, L)`` or ``(C, L)`` with ``weight (O, C/groups, k)``:
    ``conv2d`` on a height-1 image, with the same options."""
    return _convolution(input, weight, bias, stride, padding, dilation, groups, 1, "conv1d")
