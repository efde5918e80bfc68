"""``ChannelShuffle``: interleave the channels of ``groups`` groups (ShuffleNet); see ``F.channel_shuffle``."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module


class ChannelShuffle(Module):
    """Split the channels of (N, C, *) into ``groups`` groups and interleave them."""

    def __init__(self, groups: int) -> None:
        super().__init__()
        self.groups = groups

    def forward(self, input: Tensor) -> Tensor:
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
