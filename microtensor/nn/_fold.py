"""``F.unfold`` (im2col) and ``F.fold`` (col2im, its adjoint), PyTorch's layouts.

``unfold`` of an (N, C, H, W) input with a kh x kw kernel, stride s, padding p and dilation d gives
(N, C kh kw, L): column ``l`` (output position (i, j), row-major) holds the receptive field

    out[n, c kh kw + a kw + b, l] = x_padded[n, c, i s_h + a d_h, j s_w + b d_w].

``fold`` sums such columns back into an (N, C, H, W) image (overlapping fields add up), so
``fold(unfold(x))`` is x times the number of fields covering each pixel. Both are written as one
strided slice per kernel offset (stacked, or added in place), and their gradients come from autograd.
"""
from __future__ import annotations

from typing import Sequence, Union

from .. import ops as _ops
from .._tensor import Tensor
from ..creation import zeros
from ..ops._util import not_a_tensor_error
from ._pad_op import pad

__all__ = ["unfold", "fold"]

IntPair = Union[int, Sequence[int]]


def _pair(value, name, op_name):
    values = tuple(value) if isinstance(value, (tuple, list)) else (value, value)
    if len(values) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise TypeError(f"{op_name}(): {name} must be an int or a pair of ints, got {value!r}")
    return values


def _geometry(spatial, kernel_size, dilation, padding, stride, op_name):
    kernel, dilation, padding, stride = (_pair(v, n, op_name) for v, n in ((kernel_size, "kernel_size"),
                                         (dilation, "dilation"), (padding, "padding"), (stride, "stride")))
    if min(kernel + dilation + stride) <= 0 or min(padding) < 0:
        raise RuntimeError(f"{op_name}(): kernel_size, dilation and stride must be positive and padding non-negative, "
                           f"got kernel_size={kernel}, dilation={dilation}, padding={padding}, stride={stride}")
    blocks = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                   for n, p, d, k, s in zip(spatial, padding, dilation, kernel, stride))
    if min(blocks) <= 0:
        raise RuntimeError(f"{op_name}(): the kernel {kernel} (dilation {dilation}) does not fit the padded input "
                           f"{tuple(n + 2 * p for n, p in zip(spatial, padding))}: no sliding block")
    return kernel, dilation, padding, stride, blocks


def _windows(kernel, dilation, stride, blocks):
    """The (rows, columns) slices of the padded image read by each kernel offset, in kernel order."""
    for a in range(kernel[0]):
        rows = slice(a * dilation[0], a * dilation[0] + stride[0] * (blocks[0] - 1) + 1, stride[0])
        for b in range(kernel[1]):
            yield rows, slice(b * dilation[1], b * dilation[1] + stride[1] * (blocks[1] - 1) + 1, stride[1])


def unfold(input: Tensor, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
           stride: IntPair = 1) -> Tensor:
    """The sliding blocks of ``input`` (N, C, H, W) (or (C, H, W)) as columns: (N, C kh kw, L)."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("unfold", "input", input)
    if input.ndim not in (3, 4):
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.ndim}D)")
    if input.ndim == 3:
        return unfold(input.unsqueeze(0), kernel_size, dilation, padding, stride).squeeze(0)
    n, c = input.shape[:2]
    kernel, dilation, padding, stride, blocks = _geometry(tuple(input.shape[2:]), kernel_size, dilation, padding,
                                                          stride, "unfold")
    padded = pad(input, (padding[1], padding[1], padding[0], padding[0])) if any(padding) else input
    fields = [padded[:, :, rows, columns] for rows, columns in _windows(kernel, dilation, stride, blocks)]
    return _ops.stack(fields, dim=2).reshape(n, c * kernel[0] * kernel[1], blocks[0] * blocks[1])


def fold(input: Tensor, output_size: IntPair, kernel_size: IntPair, dilation: IntPair = 1, padding: IntPair = 0,
         stride: IntPair = 1) -> Tensor:
    """Sum the columns of ``input`` (N, C kh kw, L) (or (C kh kw, L)) into an (N, C, H, W) image of
    ``output_size`` (H, W): the adjoint of ``unfold``."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("fold", "input", input)
    if input.ndim not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.ndim}D)")
    if input.ndim == 2:
        return fold(input.unsqueeze(0), output_size, kernel_size, dilation, padding, stride).squeeze(0)
    size = _pair(output_size, "output_size", "fold")
    kernel, dilation, padding, stride, blocks = _geometry(size, kernel_size, dilation, padding, stride, "fold")
    n, rows_in, length = input.shape
    taps = kernel[0] * kernel[1]
    if rows_in % taps or length != blocks[0] * blocks[1]:
        raise RuntimeError(
            f"fold(): expected an input of size (N, C * {taps}, {blocks[0] * blocks[1]}) for output_size {size}, "
            f"kernel_size {kernel}, dilation {dilation}, padding {padding} and stride {stride}, but got "
            f"{tuple(input.shape)}"
        )
    channels = rows_in // taps
    columns = input.reshape(n, channels, taps, blocks[0], blocks[1])
    out = zeros(n, channels, size[0] + 2 * padding[0], size[1] + 2 * padding[1], dtype=input.dtype)
    for tap, (rows, cols) in enumerate(_windows(kernel, dilation, stride, blocks)):
        out[:, :, rows, cols] += columns[:, :, tap]
    return out[:, :, padding[0]:padding[0] + size[0], padding[1]:padding[1] + size[1]]
