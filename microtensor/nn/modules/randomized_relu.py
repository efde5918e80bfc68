"""``RReLU``: the randomized leaky ReLU layer (random slopes in training, their mean in eval)."""
from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from ..module import Module


class RReLU(Module):
    """x for x > 0, a x otherwise: in training a ~ U(lower, upper) per element (drawn from microtensor's
    generator), in eval mode a = (lower + upper) / 2; see ``F.rrelu``."""

    def __init__(self, lower: float = 1.0 / 8, upper: float = 1.0 / 3, inplace: bool = False) -> None:
        super().__init__()
        self.lower = lower
        self.upper = upper
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:
        return F.rrelu(input, self.lower, self.upper, self.training, self.inplace)

    def extra_repr(self):
        return f"lower={self.lower}, upper={self.upper}" + (", inplace=True" if self.inplace else "")
