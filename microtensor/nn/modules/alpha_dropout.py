"""``AlphaDropout`` and ``FeatureAlphaDropout``: SELU-preserving dropout in training, identity in eval."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .dropout import Dropout


class AlphaDropout(Dropout):
    """In training, set each element to SELU's negative saturation with probability ``p`` and renormalise
    (keeping zero mean and unit variance); identity in eval mode. See ``F.alpha_dropout``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.alpha_dropout(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(Dropout):
    """``AlphaDropout`` of whole channels of an (N, C, ...) input; identity in eval mode.
    See ``F.feature_alpha_dropout``."""

    def forward(self, input: Tensor) -> Tensor:
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)
