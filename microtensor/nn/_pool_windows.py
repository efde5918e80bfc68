"""The windows of fixed-window pooling (``max_pool*``, ``avg_pool*``): their geometry and checked arguments.

Output position ``(i, j)`` pools the window ``xp[i*s_h + p*d_h, j*s_w + q*d_w]`` for kernel
offsets ``(p, q)``, where ``xp`` is the input padded by ``padding`` (-inf for max, 0 for
average; on the right/bottom also by whatever ``ceil_mode``'s last window needs). Every
offset's values form one strided view of ``xp`` (``PoolGeometry.windows``), so both
directions of a pooling are a loop over the ``kH * kW`` offsets, never over pixels.

The arguments are checked as PyTorch checks them, once per input size and options
(``_pool_plan`` caches the geometry). 1-D pooling is 2-D pooling of a height-1 image;
unbatched ``(C, H, W)`` gets a batch of one (``_as_batched_2d``).
"""
import functools

import numpy as np

from .._tensor import Tensor
from ..ops._util import not_a_tensor_error


class PoolGeometry:
    """Kernel, stride, padding, dilation and output size of a 2-D pooling over an ``H x W`` input,
    and its windows: per kernel offset ``k = p * kW + q`` the strided view of the padded input
    and the mask of the outputs whose input there is real (None when all are).

    Made once per input size and options (``_pool_plan`` caches it), so nothing here is recomputed per call.
    """

    __slots__ = ("kernel", "stride", "padding", "dilation", "input_size", "output_size", "extra", "windows",
                 "overlapping", "inside")

    def __init__(self, kernel, stride, padding, dilation, input_size, ceil_mode):
        self.kernel, self.stride, self.padding, self.dilation = kernel, stride, padding, dilation
        self.input_size = input_size
        self.output_size = tuple(
            _pooled_length(*values, ceil_mode) for values in zip(input_size, kernel, stride, padding, dilation))
        # what the last window reaches beyond the padded input (ceil_mode only)
        self.extra = tuple(
            max(0, (out - 1) * s + d * (k - 1) + 1 - (length + 2 * p))
            for out, s, d, k, length, p in zip(self.output_size, stride, dilation, kernel, input_size, padding))
        # two windows share an input, so their gradients must add
        self.overlapping = any(s < d * (k - 1) + 1 for k, s, d in zip(kernel, stride, dilation))
        self.windows = [
            (p * kernel[1] + q, p, q, self._view_index(p, q), self._inside(p, q))
            for p in range(kernel[0]) for q in range(kernel[1])
        ]
        # all offsets' masks stacked (kH*kW, oh, ow), or None when every window lies inside the input
        self.inside = None if self.windows[0][4] is None else np.stack([window[4] for window in self.windows])

    def _view_index(self, p, q):
        rows, columns = (
            slice(o * d, o * d + s * (out - 1) + 1, s)
            for o, d, s, out in zip((p, q), self.dilation, self.stride, self.output_size))
        return (Ellipsis, rows, columns)

    def input_positions(self, p, q):
        """For offset ``(p, q)``: the input row of each output row and the input column of each output column."""
        rows = np.arange(self.output_size[0]) * self.stride[0] - self.padding[0] + p * self.dilation[0]
        columns = np.arange(self.output_size[1]) * self.stride[1] - self.padding[1] + q * self.dilation[1]
        return rows, columns

    def _inside(self, p, q):
        if not any(self.padding) and not any(self.extra):
            return None
        rows, columns = self.input_positions(p, q)
        height, width = self.input_size
        return ((rows >= 0) & (rows < height))[:, None] & ((columns >= 0) & (columns < width))[None, :]

    def padded_shape(self, n, c):
        (pad_h, pad_w), (extra_h, extra_w), (h, w) = self.padding, self.extra, self.input_size
        return (n, c, h + 2 * pad_h + extra_h, w + 2 * pad_w + extra_w)

    def padded(self, x, fill):
        """``x (N, C, H, W)`` padded for the windows, or ``x`` itself when no window leaves it."""
        shape = self.padded_shape(*x.shape[:2])
        if shape == x.shape:
            return x
        (pad_h, pad_w), (h, w) = self.padding, self.input_size
        out = np.full(shape, fill, dtype=x.dtype)
        out[:, :, pad_h:pad_h + h, pad_w:pad_w + w] = x
        return out

    def crop(self, padded):
        """The input's part of a padded array (a contiguous copy), or the array itself when there is no padding."""
        (pad_h, pad_w), (h, w) = self.padding, self.input_size
        if padded.shape[2:] == (h, w):
            return padded
        return np.ascontiguousarray(padded[:, :, pad_h:pad_h + h, pad_w:pad_w + w])


def _pooled_length(length, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's pooling output length (with ceil_mode, the last window must start inside the input or left pad)."""
    span = length + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= length + padding:
        out -= 1
    return out


def _dims_of(op_name):
    """The spatial dims of a pooling op by its name: ``max_pool3d`` -> 3."""
    return {"1d": 1, "2d": 2, "3d": 3}[op_name[-2:]]


def _pair_argument(value, name, op_name, allow_none=False):
    count = _dims_of(op_name)
    if isinstance(value, (tuple, list)):
        if len(value) == 1:
            value = tuple(value) * count
        valid = len(value) == count and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool)
                                            for v in value)
    else:
        valid = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
        value = (value,) * count
    if not valid:
        omitted = "be omitted, " if allow_none else ""
        raise RuntimeError(
            f"{op_name}: {name} must either {omitted}be a single int, or a tuple of {count} int"
            f"{'s' if count > 1 else ''}, got {value!r}"
        )
    return tuple(int(v) for v in value)


def _check_tensor(input, op_name):
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(op_name, "input", input)


def _check_shape(shape, op_name, dims):
    if len(shape) not in (dims + 1, dims + 2) or any(size == 0 for size in shape[-(dims + 1):]):
        raise RuntimeError(
            f"{op_name}(): Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with optional 0 dim batch size "
            f"for input, and non-zero sizes in the other dims, but got: {list(shape)}"
        )


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _pool_plan(shape, kernel_size, stride, padding, dilation, ceil_mode, op_name):
    """The checked geometry of a fixed-window pooling of an input of ``shape``, cached: a training loop
    pools the same shapes again and again, and the windows are worked out once."""
    args = (tuple(shape), _hashable(kernel_size), _hashable(stride), _hashable(padding), _hashable(dilation),
            bool(ceil_mode), op_name)
    try:
        return _cached_pool_plan(*args)
    except TypeError as error:  # an unhashable argument: check it without the cache (and raise its error)
        if "unhashable" not in str(error):
            raise
        return _window_geometry(*args)


def _window_arguments(shape, kernel_size, stride, padding, dilation, op_name):
    """``(kernel, stride, padding, dilation)`` of a fixed-window pooling, one int per spatial dim, checked as in
    PyTorch (the dims are the op's: ``max_pool3d`` has three)."""
    _check_shape(shape, op_name, _dims_of(op_name))
    kernel = _pair_argument(kernel_size, "kernel_size", op_name)
    stride = kernel if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) else \
        _pair_argument(stride, "stride", op_name, allow_none=True)
    padding = _pair_argument(padding, "padding", op_name)
    dilation = _pair_argument(dilation, "dilation", op_name)
    if any(k <= 0 for k in kernel):
        raise RuntimeError(f"{op_name}(): kernel_size should be greater than zero, but got kernel_size={kernel}")
    if any(s <= 0 for s in stride):
        raise RuntimeError(f"{op_name}(): stride should be greater than zero, but got stride={stride}")
    if any(d <= 0 for d in dilation):
        raise RuntimeError(f"{op_name}(): dilation should be greater than zero, but got dilation={dilation}")
    if any(p < 0 for p in padding):
        raise RuntimeError(f"{op_name}(): pad must be non-negative, but got padding={padding}")
    for k, p, d in zip(kernel, padding, dilation):
        if p > k // 2:
            raise RuntimeError(
                f"{op_name}(): pad should be at most half of effective kernel size, but got pad={p}, "
                f"kernel_size={k} and dilation={d}"
            )
    return kernel, stride, padding, dilation


def _window_geometry(shape, kernel_size, stride, padding, dilation, ceil_mode, op_name):
    """The 2-D geometry of a fixed-window pooling (1-D ops pass a height-1 image), checked as in PyTorch."""
    one_d = op_name.endswith("1d")
    kernel, stride, padding, dilation = _window_arguments(shape, kernel_size, stride, padding, dilation, op_name)
    if one_d:
        kernel, stride, padding, dilation = ((1,) + kernel, (1,) + stride, (0,) + padding, (1,) + dilation)
    size = tuple(shape[-2:]) if not one_d else (1, shape[-1])
    geometry = PoolGeometry(kernel, stride, padding, dilation, size, ceil_mode)
    if any(out <= 0 for out in geometry.output_size):
        planes = shape[-3] if len(shape) >= 3 and not one_d else shape[-2]
        shown = size if not one_d else size[1:]
        outs = geometry.output_size if not one_d else geometry.output_size[1:]
        raise RuntimeError(
            f"{op_name}(): Given input size: ({'x'.join(str(v) for v in (planes,) + shown)}). Calculated output "
            f"size: ({'x'.join(str(v) for v in (planes,) + outs)}). Output size is too small"
        )
    return geometry


_cached_pool_plan = functools.lru_cache(maxsize=256)(_window_geometry)


def _as_batched_2d(input, one_d):
    """``input`` as (N, C, H, W) (a height-1 image for 1-D ops), and how to undo it."""
    batched = input.ndim == (3 if one_d else 4)
    x = input if batched else input.unsqueeze(0)
    if one_d:
        x = x.unsqueeze(2)

    def restore(out):
        if one_d:
            out = out.squeeze(2)
        return out if batched else out.squeeze(0)

    return x, restore
