"""``F.alpha_dropout`` / ``F.feature_alpha_dropout``: dropout that keeps SELU's self-normalisation
(Klambauer et al., 2017).

A dropped unit is set to SELU's negative saturation ``-alpha' = -scale * alpha ~ -1.7581`` instead of
0, and the result is moved back to zero mean and unit variance by an affine map:
``y = a (x keep + (-alpha') (1 - keep)) + b`` with ``q = 1 - p``, ``a = 1 / sqrt((alpha'^2 p + 1) q)``
and ``b = a alpha' p``. So a kept unit is ``a x + a alpha' p`` (gradient ``a``) and a dropped one
``-a alpha' q`` (gradient 0). ``feature_alpha_dropout`` keeps or drops whole channels: one mask value
per ``(N, C)``, broadcast over the remaining dims. The keep mask is ``F.dropout``'s op
(``DropoutMask``), drawn from microtensor's generator. ``training`` defaults to False, as in PyTorch.
"""
from __future__ import annotations

import math

from .._tensor import Tensor
from ..ops._util import not_a_tensor_error
from ._feature_dropout import _check_probability
from ._functional_activations import DropoutMask, _in_place

__all__ = ["alpha_dropout", "feature_alpha_dropout"]

SELU_NEGATIVE_SATURATION = 1.7580993408473766  # scale * alpha of SELU


def _alpha_dropped(input, p, mask_shape):
    keep = (DropoutMask.apply(mask_shape, input.dtype, p) != 0).to(input.dtype)
    a = 1.0 / math.sqrt((SELU_NEGATIVE_SATURATION ** 2 * p + 1) * (1 - p))
    shift = (keep - 1) * (SELU_NEGATIVE_SATURATION * a) + SELU_NEGATIVE_SATURATION * a * p
    return input * (keep * a) + shift


def _alpha_dropout(input, p, training, inplace, feature, name):
    _check_probability(p)
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(name, "input", input)
    if not training or p == 0 or input.numel() == 0:
        return input
    if feature and input.ndim < 2:
        raise RuntimeError(
            f"Feature dropout requires at least 2 dimensions in the input ({name} got shape {tuple(input.shape)})")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}(): expected a floating point input, got {input.dtype}")
    if p == 1:
        compute = lambda x: x * 0.0  # noqa: E731
    else:
        mask_shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else tuple(input.shape)
        compute = lambda x: _alpha_dropped(x, p, mask_shape)  # noqa: E731
    return _in_place(compute, name, input) if inplace else compute(input)


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """In training, set each element to SELU's saturation with probability ``p`` and renormalise the whole
    (zero mean and unit variance are kept); identity when ``training=False`` (the default)."""
    return _alpha_dropout(input, p, training, inplace, False, "alpha_dropout")


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False, inplace: bool = False) -> Tensor:
    """``alpha_dropout`` of whole channels: each ``(n, c)`` of an input with at least 2 dims is kept or
    dropped as a whole."""
    return _alpha_dropout(input, p, training, inplace, True, "feature_alpha_dropout")
