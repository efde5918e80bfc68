"""``Upsample`` (and the older ``UpsamplingNearest2d``, ``UpsamplingBilinear2d``): ``F.interpolate`` as a layer."""
from __future__ import annotations

from typing import Optional, Sequence, Union

from .. import functional as F
from ..module import Module
from ..._tensor import Tensor


class Upsample(Module):
    """``Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None)``:
    resize the spatial dims of (N, C, *) inputs (see ``F.interpolate`` for the modes)."""

    def __init__(
        self, size: Optional[Union[int, Sequence[int]]] = None,
        scale_factor: Optional[Union[float, Sequence[float]]] = None, mode: str = "nearest",
        align_corners: Optional[bool] = None, recompute_scale_factor: Optional[bool] = None,
    ) -> None:
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, (tuple, list)):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor is not None else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input: Tensor) -> Tensor:
        return F.interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def extra_repr(self):
        shown = f"scale_factor={self.scale_factor!r}" if self.scale_factor is not None else f"size={self.size!r}"
        return f"{shown}, mode={self.mode!r}"


class UpsamplingNearest2d(Upsample):
    """``Upsample(size, scale_factor, mode='nearest')`` of (N, C, H, W) inputs."""

    def __init__(self, size: Optional[Union[int, Sequence[int]]] = None,
                 scale_factor: Optional[Union[float, Sequence[float]]] = None) -> None:
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    """``Upsample(size, scale_factor, mode='bilinear', align_corners=True)`` of (N, C, H, W) inputs."""

    def __init__(self, size: Optional[Union[int, Sequence[int]]] = None,
                 scale_factor: Optional[Union[float, Sequence[float]]] = None) -> None:
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
