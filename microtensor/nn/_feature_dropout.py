"""``F.dropout1d`` / ``dropout2d`` / ``dropout3d``: dropout of whole channels (feature maps).

Each channel of each sample is kept (scaled by 1 / (1 - p)) or zeroed as a whole: the mask has one
value per (sample, channel) and is broadcast over the spatial dims. Neighbouring pixels of a feature
map are strongly correlated, so zeroing single elements (``F.dropout``) regularises convolutions
little; zeroing maps does. The mask is ``F.dropout``'s op (``DropoutMask``), drawn from
microtensor's generator.
"""
from __future__ import annotations

import warnings

from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ._functional_activations import DropoutMask

__all__ = ["dropout1d", "dropout2d", "dropout3d"]


def _check_probability(p):
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _channel_dropout(input, p, training, inplace, batched):
    """Zero whole channels: one mask value per channel (and per sample if ``batched``)."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("dropout", "input", input)
    if input.ndim < 2:
        raise RuntimeError(
            f"Feature dropout requires at least 2 dimensions in the input, got shape {tuple(input.shape)}"
        )
    if not training or p == 0:
        return input
    if input.dtype.kind != "f":
        raise TypeError(f"dropout(): expected a floating point input, got {input.dtype}")
    kept = 2 if batched else 1
    mask = DropoutMask.apply(tuple(input.shape[:kept]) + (1,) * (input.ndim - kept), input.dtype, p)
    return input.mul_(mask) if inplace else input * mask


def _spatial_check(name, input, spatial):
    if isinstance(input, Tensor) and input.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(
            f"{name}: Expected {spatial + 1}D or {spatial + 2}D input, but received a {input.ndim}D input of shape "
            f"{tuple(input.shape)}. {name} drops whole channels of inputs with {spatial} spatial dimension(s), a "
            f"channel dimension and an optional batch dimension; use dropout for element-wise dropout"
        )


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, L) or unbatched (C, L) input with probability ``p``."""
    _check_probability(p)
    _spatial_check("dropout1d", input, 1)
    return _channel_dropout(input, p, training, inplace, batched=input.ndim == 3)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, H, W) input with probability ``p``.

    A 3-D input is taken as (N, C, L), as PyTorch does (with its warning): use ``dropout1d`` for that.
    """
    _check_probability(p)
    _spatial_check("dropout2d", input, 2)
    if input.ndim == 3:
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior is "
            "desired - input is interpreted as shape (N, C, L), where C is the channel dim. To maintain the 1D "
            "channel-wise dropout behavior, please switch to using dropout1d instead.",
            UserWarning, stacklevel=2,
        )
    return _channel_dropout(input, p, training, inplace, batched=True)


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero whole channels of an (N, C, D, H, W) or unbatched (C, D, H, W) input with probability ``p``."""
    _check_probability(p)
    _spatial_check("dropout3d", input, 3)
    return _channel_dropout(input, p, training, inplace, batched=input.ndim == 5)
