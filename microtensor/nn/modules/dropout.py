"""``Dropout``: random zeroing during training, identity in evaluation."""
from __future__ import annotations

from .. import functional as F
from ..module import Module
from ..._tensor import Tensor


class Dropout(Module):
    """In training mode, zero each element with probability ``p`` and scale the others by
    1/(1-p); in eval mode (``model.eval()``) return the input unchanged."""

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
