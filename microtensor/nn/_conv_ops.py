"""``F.conv1d`` and ``F.conv2d``: convolution as im2col + one matrix product.

Cross-correlation, as in PyTorch. For input ``x (N, C, H, W)``, weight
``w (O, C/g, kh, kw)``, stride ``s``, dilation ``d``, zero padding and ``g`` groups::

    y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] * xp[n, G(o) + c, i*s_h + p*d_h, j*s_w + q*d_w]

where ``xp`` is the padded input and ``G(o)`` the first input channel of ``o``'s group.

How it is computed (no Python loop over pixels or samples):

* **im2col**: a strided view (``as_strided``) of the zero-padded input presents every
  receptive field at once; copying that view is the only im2col cost. Its layout is
  chosen per shape (``ConvGeometry``) for the longer contiguous runs in that copy:

  - ``ChannelsLast`` (many channels): ``xp`` channels-last ``(N, Hp, Wp, C)``, rows are
    receptive fields ``cols[g, (n, i, j), (p, q, c)]`` (runs of ``kw * C/g`` values);
    ``y = cols @ W`` with ``W[g, (p, q, c), o]``;
  - ``ChannelsFirst`` (few channels, wider images, e.g. a first layer): ``xp`` NCHW, rows
    are kernel taps ``cols[g, (c, p, q), (n, i, j)]`` (runs of an output row);
    ``y = W @ cols`` with ``W[g, o, (c, p, q)]``, the weight itself.
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

import functools
from typing import Optional, Union

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ..autograd.function import Function
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from .._typing import IntOrInts

__all__ = ["conv1d", "conv2d"]


class ConvGeometry:
    """Everything about a 2-D convolution but the values: stride, dilation, zero padding
    ``((top, bottom), (left, right))``, groups, kernel and output size, and the im2col layout
    (``ChannelsLast`` or ``ChannelsFirst``) that gives the longer contiguous runs for these shapes.
    Made once per shapes and options (``_plan`` caches it)."""

    __slots__ = ("stride", "dilation", "pads", "groups", "kernel", "output_size", "layout")

    def __init__(self, stride, dilation, pads, groups, kernel, in_channels, input_size):
        self.stride, self.dilation, self.pads, self.groups, self.kernel = stride, dilation, pads, groups, kernel
        self.output_size = tuple(
            (length + before + after - d * (k - 1) - 1) // s + 1
            for length, (before, after), k, s, d in zip(input_size, pads, kernel, stride, dilation))
        # the run of adjacent values the im2col copy reads: one kernel row of channels, or one output row
        run_channels_last = (in_channels // groups) * (kernel[1] if dilation[1] == 1 else 1)
        run_channels_first = self.output_size[1] if stride[1] == 1 else 1
        self.layout = ChannelsLast if run_channels_last >= run_channels_first else ChannelsFirst

    def offsets(self):
        """``(p, q, row slice, column slice)`` of every kernel offset in a padded image."""
        (kernel_h, kernel_w), (out_h, out_w) = self.kernel, self.output_size
        (stride_h, stride_w), (dilation_h, dilation_w) = self.stride, self.dilation
        for p in range(kernel_h):
            rows = slice(p * dilation_h, p * dilation_h + stride_h * (out_h - 1) + 1, stride_h)
            for q in range(kernel_w):
                yield p, q, rows, slice(q * dilation_w, q * dilation_w + stride_w * (out_w - 1) + 1, stride_w)


# -------------------------------------------------------------- numpy kernels
def _zero_padded(x, pads, channels_last):
    """``x (N, C, H, W)`` zero-padded, as ``(N, Hp, Wp, C)`` (channels last) or ``(N, C, Hp, Wp)``; contiguous."""
    (top, bottom), (left, right) = pads
    n, c, h, w = x.shape
    if channels_last:
        x = x.transpose(0, 2, 3, 1)
    if not (top or bottom or left or right):
        return np.ascontiguousarray(x)
    if channels_last:
        padded = np.zeros((n, h + top + bottom, w + left + right, c), dtype=x.dtype)
        padded[:, top:top + h, left:left + w] = x
    else:
        padded = np.zeros((n, c, h + top + bottom, w + left + right), dtype=x.dtype)
        padded[:, :, top:top + h, left:left + w] = x
    return padded


class ChannelsLast:
    """im2col rows are receptive fields: ``cols[g, (n, i, j), (p, q, c)]``, read from a channels-last
    padded copy (contiguous runs of ``kw * C/g`` values); ``y = cols @ W`` with ``W[g, (p, q, c), o]``.
    Suits many channels and small images."""

    @staticmethod
    def im2col(x, geometry):
        padded = _zero_padded(x, geometry.pads, True)
        n, channels = x.shape[0], x.shape[1]
        groups, (kernel_h, kernel_w), (out_h, out_w) = geometry.groups, geometry.kernel, geometry.output_size
        per_group = channels // groups
        s_n, s_h, s_w, s_c = padded.strides
        windows = as_strided(
            padded, (groups, n, out_h, out_w, kernel_h, kernel_w, per_group),
            (s_c * per_group, s_n, s_h * geometry.stride[0], s_w * geometry.stride[1],
             s_h * geometry.dilation[0], s_w * geometry.dilation[1], s_c),
            writeable=False)
        return windows.reshape(groups, n * out_h * out_w, kernel_h * kernel_w * per_group)

    @staticmethod
    def weight_matrix(weight, groups):
        """``w (O, C/g, kh, kw)`` as ``W[g, (p, q, c), o]``."""
        out_channels, per_group, kernel_h, kernel_w = weight.shape
        return weight.reshape(groups, out_channels // groups, per_group, kernel_h, kernel_w).transpose(
            0, 3, 4, 2, 1).reshape(groups, kernel_h * kernel_w * per_group, out_channels // groups)

    @staticmethod
    def forward(cols, weight, n, geometry):
        """``y`` as a view ``(N, g, O/g, oh, ow)`` of the product ``cols @ W``."""
        groups, (out_h, out_w) = geometry.groups, geometry.output_size
        products = np.matmul(cols, ChannelsLast.weight_matrix(weight, groups))  # (g, N*oh*ow, O/g)
        return products.reshape(groups, n, out_h, out_w, weight.shape[0] // groups).transpose(1, 0, 4, 2, 3)

    @staticmethod
    def grad_matrix(grad, groups):
        """``G (N, O, oh, ow)`` as ``G2[g, (n, i, j), o]`` (one copy)."""
        n, out_channels, out_h, out_w = grad.shape
        return grad.reshape(n, groups, out_channels // groups, out_h * out_w).transpose(1, 0, 3, 2).reshape(
            groups, n * out_h * out_w, out_channels // groups)

    @staticmethod
    def weight_grad(cols, grad_matrix, weight_shape, groups):
        """``dW = cols^T G2``, back in PyTorch's layout (O, C/g, kh, kw)."""
        out_channels, per_group, kernel_h, kernel_w = weight_shape
        products = np.matmul(cols.transpose(0, 2, 1), grad_matrix)  # (g, (p, q, c), O/g)
        return np.ascontiguousarray(products.reshape(
            groups, kernel_h, kernel_w, per_group, out_channels // groups).transpose(0, 4, 3, 1, 2)
        ).reshape(weight_shape)

    @staticmethod
    def bias_grad(grad_matrix):
        """Column sums of ``G2``, as ``ones @ G2`` (a matrix-vector product beats a reduction down the long axis)."""
        ones = np.ones(grad_matrix.shape[1], dtype=grad_matrix.dtype)
        return np.matmul(ones, grad_matrix).reshape(-1)

    @staticmethod
    def input_grad(grad_matrix, weight, x_shape, geometry):
        """``dcols = G2 W^T``, then col2im: each kernel offset's block added back onto its pixels."""
        n, channels, height, width = x_shape
        groups, (out_h, out_w), (kernel_h, kernel_w) = geometry.groups, geometry.output_size, geometry.kernel
        (top, bottom), (left, right) = geometry.pads
        dcols = np.matmul(grad_matrix, ChannelsLast.weight_matrix(weight, groups).transpose(0, 2, 1))
        blocks = dcols.reshape(groups, n, out_h, out_w, kernel_h, kernel_w, channels // groups)
        padded = np.zeros((n, height + top + bottom, width + left + right, groups, channels // groups),
                          dtype=dcols.dtype)
        for p, q, rows, columns in geometry.offsets():
            padded[:, rows, columns] += blocks[:, :, :, :, p, q].transpose(1, 2, 3, 0, 4)
        inner = padded[:, top:top + height, left:left + width]
        return np.ascontiguousarray(inner.transpose(0, 3, 4, 1, 2)).reshape(x_shape)


class ChannelsFirst:
    """im2col rows are kernel taps: ``cols[g, (c, p, q), (n, i, j)]``, read from an NCHW padded copy
    (contiguous runs of ``ow`` values); ``y = W @ cols`` with ``W[g, o, (c, p, q)]`` = the weight itself.
    Suits few channels and wider images (a first layer)."""

    @staticmethod
    def im2col(x, geometry):
        padded = _zero_padded(x, geometry.pads, False)
        n, channels = x.shape[0], x.shape[1]
        groups, (kernel_h, kernel_w), (out_h, out_w) = geometry.groups, geometry.kernel, geometry.output_size
        per_group = channels // groups
        s_n, s_c, s_h, s_w = padded.strides
        windows = as_strided(
            padded, (groups, per_group, kernel_h, kernel_w, n, out_h, out_w),
            (s_c * per_group, s_c, s_h * geometry.dilation[0], s_w * geometry.dilation[1],
             s_n, s_h * geometry.stride[0], s_w * geometry.stride[1]),
            writeable=False)
        return windows.reshape(groups, per_group * kernel_h * kernel_w, n * out_h * out_w)

    @staticmethod
    def forward(cols, weight, n, geometry):
        """``y`` as a view ``(N, g, O/g, oh, ow)`` of the product ``W @ cols``."""
        groups, (out_h, out_w) = geometry.groups, geometry.output_size
        products = np.matmul(weight.reshape(groups, weight.shape[0] // groups, -1), cols)  # (g, O/g, N*oh*ow)
        return products.reshape(groups, weight.shape[0] // groups, n, out_h, out_w).transpose(2, 0, 1, 3, 4)

    @staticmethod
    def grad_matrix(grad, groups):
        """``G (N, O, oh, ow)`` as ``Gt[g, o, (n, i, j)]`` (one copy)."""
        n, out_channels, out_h, out_w = grad.shape
        return grad.reshape(n, groups, out_channels // groups, out_h * out_w).transpose(1, 2, 0, 3).reshape(
            groups, out_channels // groups, n * out_h * out_w)

    @staticmethod
    def weight_grad(cols, grad_matrix, weight_shape, groups):
        """``dW = Gt cols^T``: already PyTorch's layout."""
        return np.matmul(grad_matrix, cols.transpose(0, 2, 1)).reshape(weight_shape)

    @staticmethod
    def bias_grad(grad_matrix):
        return grad_matrix.sum(axis=-1).reshape(-1)

    @staticmethod
    def input_grad(grad_matrix, weight, x_shape, geometry):
        """``dcols = W^T Gt``, then col2im: each kernel offset's block added back onto its pixels."""
        n, channels, height, width = x_shape
        groups, (out_h, out_w), (kernel_h, kernel_w) = geometry.groups, geometry.output_size, geometry.kernel
        (top, bottom), (left, right) = geometry.pads
        w_matrix = weight.reshape(groups, weight.shape[0] // groups, -1)
        dcols = np.matmul(w_matrix.transpose(0, 2, 1), grad_matrix)  # (g, (c, p, q), N*oh*ow)
        blocks = dcols.reshape(groups, channels // groups, kernel_h, kernel_w, n, out_h, out_w)
        padded = np.zeros((n, groups, channels // groups, height + top + bottom, width + left + right),
                          dtype=dcols.dtype)
        for p, q, rows, columns in geometry.offsets():
            padded[..., rows, columns] += blocks[:, :, p, q].transpose(2, 0, 1, 3, 4)
        inner = padded[..., top:top + height, left:left + width]
        return np.ascontiguousarray(inner).reshape(x_shape)


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


# ------------------------------------------------------------------ the ops
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


# --------------------------------------------------------- argument checking
def _tuple(value, count, name, op_name):
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * count
        if len(value) != count or not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                          for v in value):
            raise RuntimeError(
                f"{op_name}(): expected {name} to be a single integer value or a list of {count} values to match "
                f"the convolution dimensions, but got {name}={list(value)}"
            )
        return tuple(int(v) for v in value)
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op_name}(): {name} must be an int or a tuple of {count} ints, not {type(value).__name__}")
    return (int(value),) * count


def same_padding(kernel_size, dilation):
    """PyTorch's 'same' padding per dim: total ``d (k - 1)``, the odd one extra on the right/bottom."""
    pads = []
    for kernel, dilate in zip(kernel_size, dilation):
        total = dilate * (kernel - 1)
        pads.append((total // 2, total - total // 2))
    return tuple(pads)


def _pads(padding, kernel_size, stride, dilation, count, op_name):
    if isinstance(padding, str):
        if padding == "valid":
            return ((0, 0),) * count
        if padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError(f"{op_name}(): padding='same' is not supported for strided convolutions "
                                   f"(stride={stride}); pad explicitly or use stride=1")
            return same_padding(kernel_size, dilation)
        raise RuntimeError(f"{op_name}(): Invalid padding string: {padding!r}; use 'valid', 'same' or numbers")
    padding = _tuple(padding, count, "padding", op_name)
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op_name}(): negative padding is not supported, got padding={padding}")
    return tuple((p, p) for p in padding)


def _check_tensors(input, weight, bias, op_name):
    for name, value in (("input", input), ("weight", weight), ("bias", bias)):
        if value is not None and not isinstance(value, Tensor):
            raise not_a_tensor_error(op_name, name, value)
    if input._data.dtype != weight._data.dtype or (bias is not None and bias._data.dtype != input._data.dtype):
        found = f"input {input.dtype}, weight {weight.dtype}" + (f", bias {bias.dtype}" if bias is not None else "")
        raise RuntimeError(
            f"{op_name}(): expected input, weight and bias to have the same dtype, but found {found}; convert the "
            f"input (x.to(weight.dtype)) or the module (model.double() / model.float())"
        )


def _check_dims(input_shape, weight_shape, dims, op_name):
    if len(input_shape) not in (dims + 1, dims + 2):
        raise RuntimeError(
            f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input to {op_name}, but got input of size: "
            f"{list(input_shape)}"
        )
    if len(weight_shape) != dims + 2:
        raise RuntimeError(
            f"{op_name}(): expected a {dims + 2}-dimensional weight (out_channels, in_channels / groups"
            f"{', kH, kW' if dims == 2 else ', kW'}), but got a {len(weight_shape)}-dimensional weight of size "
            f"{list(weight_shape)}"
        )


def _check_shapes(input_shape, weight_shape, bias_shape, groups, op_name):
    """PyTorch's channel / group / bias checks, on the batched input shape."""
    if groups <= 0:
        raise RuntimeError(f"{op_name}(): non-positive groups is not supported, got groups={groups}")
    if weight_shape[0] % groups:
        raise RuntimeError(
            f"{op_name}(): Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, but "
            f"got weight of size {list(weight_shape)} instead"
        )
    if input_shape[1] != weight_shape[1] * groups:
        raise RuntimeError(
            f"{op_name}(): Given groups={groups}, weight of size {list(weight_shape)}, expected input"
            f"{list(input_shape)} to have {weight_shape[1] * groups} channels, but got {input_shape[1]} channels "
            f"instead"
        )
    if bias_shape is not None and bias_shape != (weight_shape[0],):
        raise RuntimeError(
            f"{op_name}(): Given weight of size {list(weight_shape)}, expected bias to be 1-dimensional with "
            f"{weight_shape[0]} elements, but got bias of size {list(bias_shape)} instead"
        )


def _check_kernel_fits(spatial, kernel, pads, dilation, op_name):
    padded = [size + before + after for size, (before, after) in zip(spatial, pads)]
    effective = [d * (k - 1) + 1 for k, d in zip(kernel, dilation)]
    if any(e > p for e, p in zip(effective, padded)):
        def show(sizes):
            return "(" + " x ".join(str(s) for s in sizes) + ")"
        raise RuntimeError(
            f"{op_name}(): Calculated padded input size per channel: {show(padded)}. Kernel size: {show(effective)}. "
            f"Kernel size can't be greater than actual input size"
        )


def _plan(input_shape, weight_shape, bias_shape, stride, padding, dilation, groups, dims, op_name):
    """The checked 2-D geometry of a convolution of these shapes (1-D: a height-1 image)."""
    _check_dims(input_shape, weight_shape, dims, op_name)
    kernel = tuple(weight_shape[2:])
    stride = _tuple(stride, dims, "stride", op_name)
    dilation = _tuple(dilation, dims, "dilation", op_name)
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op_name}(): non-positive stride is not supported, got stride={stride}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op_name}(): non-positive dilation is not supported, got dilation={dilation}")
    pads = _pads(padding, kernel, stride, dilation, dims, op_name)
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"{op_name}(): groups must be an int, not {type(groups).__name__}")
    batched = len(input_shape) == dims + 2
    _check_shapes(input_shape if batched else (1,) + input_shape, weight_shape, bias_shape, int(groups), op_name)
    _check_kernel_fits(input_shape[-dims:], kernel, pads, dilation, op_name)
    spatial = tuple(input_shape[-dims:])
    if dims == 1:
        stride, dilation, pads, kernel, spatial = (1,) + stride, (1,) + dilation, ((0, 0),) + pads, (1,) + kernel, \
            (1,) + spatial
    return ConvGeometry(stride, dilation, pads, int(groups), kernel, input_shape[-dims - 1], spatial)


_cached_plan = functools.lru_cache(maxsize=256)(_plan)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


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

