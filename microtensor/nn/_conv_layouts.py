"""The two im2col layouts of a convolution: how the receptive fields are copied out, multiplied and added back.

A strided view (``as_strided``) of the zero-padded input presents every receptive field at
once; copying that view is the only im2col cost. Its layout is chosen per shape
(``ConvGeometry`` in ``_conv_geometry.py``) for the longer contiguous runs in that copy:

- ``ChannelsLast`` (many channels): ``xp`` channels-last ``(N, Hp, Wp, C)``, rows are
  receptive fields ``cols[g, (n, i, j), (p, q, c)]`` (runs of ``kw * C/g`` values);
  ``y = cols @ W`` with ``W[g, (p, q, c), o]``;
- ``ChannelsFirst`` (few channels, wider images, e.g. a first layer): ``xp`` NCHW, rows
  are kernel taps ``cols[g, (c, p, q), (n, i, j)]`` (runs of an output row);
  ``y = W @ cols`` with ``W[g, o, (c, p, q)]``, the weight itself.

Each layout also has the backward's pieces: the incoming gradient as a matrix, the weight's
and bias's gradients, and the input's gradient by **col2im** (for each of the ``kh * kw``
kernel offsets, one strided ``+=`` of that offset's block of the columns' gradient into the
padded gradient; receptive fields overlap, so the contributions add).
"""
import numpy as np
from numpy.lib.stride_tricks import as_strided


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
