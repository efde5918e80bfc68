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


def _layer(name, base, dims, mode=None, doc=""):
    attributes = {"_dims": dims, "__doc__": doc, "__module__": __name__, "__qualname__": name}
    if mode is not None:
        attributes["_mode"] = mode
    return type(name, (base,), attributes)


_WHAT = {"reflect": "the input mirrored at its edge (the edge not repeated)", "replicate": "copies of the edge value",
         "circular": "the input wrapped around from the other side"}
ConstantPad1d = _layer("ConstantPad1d", _ConstantPadNd, 1, doc="Pad the last dim of (N, C, L) with ``value``.")
ConstantPad2d = _layer("ConstantPad2d", _ConstantPadNd, 2, doc="Pad the last 2 dims of (N, C, H, W) with ``value``.")
ConstantPad3d = _layer("ConstantPad3d", _ConstantPadNd, 3, doc="Pad the last 3 dims of (N, C, D, H, W) with ``value``.")
ZeroPad1d = _layer("ZeroPad1d", _ZeroPadNd, 1, doc="Pad the last dim of (N, C, L) with zeros.")
ZeroPad2d = _layer("ZeroPad2d", _ZeroPadNd, 2, doc="Pad the last 2 dims of (N, C, H, W) with zeros.")
ZeroPad3d = _layer("ZeroPad3d", _ZeroPadNd, 3, doc="Pad the last 3 dims of (N, C, D, H, W) with zeros.")
ReflectionPad1d, ReflectionPad2d, ReflectionPad3d = (
    _layer(f"ReflectionPad{d}d", _PadNd, d, "reflect", f"Pad the last {d} dim(s) with {_WHAT['reflect']}.")
    for d in (1, 2, 3))
ReplicationPad1d, ReplicationPad2d, ReplicationPad3d = (
    _layer(f"ReplicationPad{d}d", _PadNd, d, "replicate", f"Pad the last {d} dim(s) with {_WHAT['replicate']}.")
    for d in (1, 2, 3))
CircularPad1d, CircularPad2d, CircularPad3d = (
    _layer(f"CircularPad{d}d", _PadNd, d, "circular", f"Pad the last {d} dim(s) with {_WHAT['circular']}.")
    for d in (1, 2, 3))
