"""Padding layers, PyTorch's: ``ConstantPad1d/2d/3d``, ``ZeroPad1d/2d/3d``, ``ReflectionPad1d/2d/3d``,
``ReplicationPad1d/2d/3d`` and ``CircularPad1d/2d/3d``, each ``F.pad`` with its mode.

``padding`` is an int (the same on every side) or a tuple ``(left, right)`` for 1-d,
``(left, right, top, bottom)`` for 2-d and ``(left, right, top, bottom, front, back)`` for 3-d.
"""
from __future__ import annotations

from typing import Sequence, Union

from .. import functional as F
from ..module import Module
from ..._tensor import Tensor


def _padding(padding, dims, layer):
    if isinstance(padding, int) and not isinstance(padding, bool):
        return (padding,) * (2 * dims)
    padding = tuple(padding)
    if len(padding) != 2 * dims or not all(isinstance(p, int) and not isinstance(p, bool) for p in padding):
        raise ValueError(f"{layer}: padding must be an int or a tuple of {2 * dims} ints, got {padding!r}")
    return padding


class _PadNd(Module):
    """``F.pad(input, padding, mode)``; subclasses set ``_dims`` and ``_mode``."""

    _dims = None
    _mode = None

    def __init__(self, padding: Union[int, Sequence[int]]) -> None:
        super().__init__()
        self.padding = _padding(padding, self._dims, type(self).__name__)

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self):
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    """Pad with a constant ``value``."""

    _mode = "constant"

    def __init__(self, padding: Union[int, Sequence[int]], value: float) -> None:
        super().__init__(padding)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self):
        return f"padding={self.padding}, value={self.value}"


class _ZeroPadNd(_ConstantPadNd):
    """Pad with zeros."""

    def __init__(self, padding: Union[int, Sequence[int]]) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self):
        return f"{self.padding}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim of (N, C, L) with ``value``."""

    _dims = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last 2 dims of (N, C, H, W) with ``value``."""

    _dims = 2


class ConstantPad3d(_ConstantPadNd):
    """Pad the last 3 dims of (N, C, D, H, W) with ``value``."""

    _dims = 3


class ZeroPad1d(_ZeroPadNd):
    """Pad the last dim of (N, C, L) with zeros."""

    _dims = 1


class ZeroPad2d(_ZeroPadNd):
    """Pad the last 2 dims of (N, C, H, W) with zeros."""

    _dims = 2


class ZeroPad3d(_ZeroPadNd):
    """Pad the last 3 dims of (N, C, D, H, W) with zeros."""

    _dims = 3


class ReflectionPad1d(_PadNd):
    """Pad the last dim of (N, C, L) with the input mirrored at its edge (the edge not repeated)."""

    _dims = 1
    _mode = "reflect"


class ReflectionPad2d(_PadNd):
    """Pad the last 2 dims of (N, C, H, W) with the input mirrored at its edge (the edge not repeated)."""

    _dims = 2
    _mode = "reflect"


class ReflectionPad3d(_PadNd):
    """Pad the last 3 dims of (N, C, D, H, W) with the input mirrored at its edge (the edge not repeated)."""

    _dims = 3
    _mode = "reflect"


class ReplicationPad1d(_PadNd):
    """Pad the last dim of (N, C, L) with copies of the edge value."""

    _dims = 1
    _mode = "replicate"


class ReplicationPad2d(_PadNd):
    """Pad the last 2 dims of (N, C, H, W) with copies of the edge value."""

    _dims = 2
    _mode = "replicate"


class ReplicationPad3d(_PadNd):
    """Pad the last 3 dims of (N, C, D, H, W) with copies of the edge value."""

    _dims = 3
    _mode = "replicate"


class CircularPad1d(_PadNd):
    """Pad the last dim of (N, C, L) with the input wrapped around from the other side."""

    _dims = 1
    _mode = "circular"


class CircularPad2d(_PadNd):
    """Pad the last 2 dims of (N, C, H, W) with the input wrapped around from the other side."""

    _dims = 2
    _mode = "circular"


class CircularPad3d(_PadNd):
    """Pad the last 3 dims of (N, C, D, H, W) with the input wrapped around from the other side."""

    _dims = 3
    _mode = "circular"
