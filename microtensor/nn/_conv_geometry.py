"""A convolution's geometry (stride, dilation, padding, groups, output size, im2col layout) and its checked arguments.

``_plan`` checks the arguments and shapes of ``conv1d`` / ``conv2d`` as PyTorch does and
returns the 2-D ``ConvGeometry`` (1-D: a height-1 image); ``_cached_plan`` remembers it per
shapes and options, as a training loop convolves the same shapes again and again.
"""
import functools

import numpy as np

from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ._conv_layouts import ChannelsFirst, ChannelsLast


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
            f"{op_name}(): expected a {dims + 2}-dimensional weight (out_channels, in_channels / groups, "
            f"{', '.join('k' + axis for axis in 'DHW'[-dims:])}), but got a {len(weight_shape)}-dimensional weight of size "
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


def _checked_arguments(input_shape, weight_shape, bias_shape, stride, padding, dilation, groups, dims, op_name):
    """``(stride, dilation, pads, groups, kernel)`` of a ``dims``-D convolution of these shapes, checked as in
    PyTorch (``pads`` per dim ``(before, after)``)."""
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
    return stride, dilation, pads, int(groups), kernel


def _plan(input_shape, weight_shape, bias_shape, stride, padding, dilation, groups, dims, op_name):
    """The checked 2-D geometry of a convolution of these shapes (1-D: a height-1 image)."""
    stride, dilation, pads, groups, kernel = _checked_arguments(
        input_shape, weight_shape, bias_shape, stride, padding, dilation, groups, dims, op_name)
    spatial = tuple(input_shape[-dims:])
    if dims == 1:
        stride, dilation, pads, kernel, spatial = (1,) + stride, (1,) + dilation, ((0, 0),) + pads, (1,) + kernel, \
            (1,) + spatial
    return ConvGeometry(stride, dilation, pads, groups, kernel, input_shape[-dims - 1], spatial)


_cached_plan = functools.lru_cache(maxsize=256)(_plan)


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value
