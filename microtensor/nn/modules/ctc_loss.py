"""``CTCLoss``: the module form of ``F.ctc_loss`` (connectionist temporal classification)."""
from __future__ import annotations

from typing import Sequence, Union

from .. import functional as F
from .._loss_arguments import _reduction
from ..module import Module
from ..._tensor import Tensor

__all__ = ["CTCLoss"]


class CTCLoss(Module):
    """``CTCLoss(blank=0, reduction='mean', zero_infinity=False)``; ``forward(log_probs (T, N, C), targets,
    input_lengths, target_lengths)``, see ``F.ctc_loss``."""

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__()
        self.blank = blank
        self.reduction = _reduction(reduction)
        self.zero_infinity = zero_infinity

    def forward(
        self, log_probs: Tensor, targets: Tensor, input_lengths: Union[Tensor, Sequence[int]],
        target_lengths: Union[Tensor, Sequence[int]],
    ) -> Tensor:
        return F.ctc_loss(log_probs, targets, input_lengths, target_lengths, self.blank, self.reduction,
                          self.zero_infinity)
