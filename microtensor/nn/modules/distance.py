"""``PairwiseDistance`` and ``CosineSimilarity``: ``F.pairwise_distance`` and ``F.cosine_similarity`` as layers."""
from __future__ import annotations

from .. import functional as F
from ..module import Module
from ..._tensor import Tensor


class PairwiseDistance(Module):
    """``|| x1 - x2 + eps ||_p`` along the last dim."""

    def __init__(self, p: float = 2.0, eps: float = 1e-06, keepdim: bool = False) -> None:
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))`` along ``dim``."""

    def __init__(self, dim: int = 1, eps: float = 1e-08) -> None:
        super().__init__()
        self.dim, self.eps = dim, eps

    def forward(self, x1: Tensor, x2: Tensor) -> Tensor:
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
