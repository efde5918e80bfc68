"""``Dropout``: random zeroing during training, identity in evaluation; ``Dropout1d/2d/3d``: the same for
whole channels."""
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


class _ChannelDropout(Dropout):
    """Zero whole channels (feature maps) in training; ``_function`` is the ``F.`` form."""

    _function = None

    def forward(self, input: Tensor) -> Tensor:
        return type(self)._function(input, self.p, self.training, self.inplace)


class Dropout1d(_ChannelDropout):
    """In training, zero each channel of an (N, C, L) or (C, L) input with probability ``p`` (scaling the
    others by 1/(1-p)); identity in eval mode."""

    _function = staticmethod(F.dropout1d)


class Dropout2d(_ChannelDropout):
    """In training, zero each channel of an (N, C, H, W) input with probability ``p`` (scaling the others
    by 1/(1-p)); identity in eval mode."""

    _function = staticmethod(F.dropout2d)


class Dropout3d(_ChannelDropout):
    """In training, zero each channel of an (N, C, D, H, W) or (C, D, H, W) input with probability ``p``
    (scaling the others by 1/(1-p)); identity in eval mode."""

    _function = staticmethod(F.dropout3d)
