"""Helpers shared by the distributions: broadcasting parameters, probabilities <-> logits."""
from __future__ import annotations

import numbers
from typing import Any

from . import _mt as mt


def broadcast_all(*values: Any) -> tuple[mt.Tensor, ...]:
    """Tensors of one broadcast shape from Tensors and Python numbers (numbers take the Tensors' dtype,
    or the default dtype when there are none)."""
    if not all(isinstance(value, (mt.Tensor, numbers.Number)) for value in values):
        raise ValueError("Input arguments must all be instances of numbers.Number or microtensor.Tensor.")
    tensors = [value for value in values if isinstance(value, mt.Tensor)]
    dtype = tensors[0].dtype if tensors else mt.get_default_dtype()
    as_tensors = [value if isinstance(value, mt.Tensor) else mt.tensor(value, dtype=dtype) for value in values]
    return tuple(mt.broadcast_tensors(*as_tensors))


def clamp_probs(probs: mt.Tensor) -> mt.Tensor:
    """Probabilities pulled into [eps, 1 - eps] so that their logs stay finite."""
    eps = mt.finfo(probs.dtype).eps
    return probs.clamp(min=eps, max=1 - eps)


def probs_to_logits(probs: mt.Tensor, is_binary: bool = False) -> mt.Tensor:
    """log(p) for a categorical (over the last dim), log(p / (1 - p)) for a binary probability."""
    clamped = clamp_probs(probs)
    if is_binary:
        return mt.log(clamped) - mt.log1p(-clamped)
    return mt.log(clamped)


def logits_to_probs(logits: mt.Tensor, is_binary: bool = False) -> mt.Tensor:
    """sigmoid(logits) for a binary probability, softmax over the last dim for a categorical one."""
    if is_binary:
        return mt.sigmoid(logits)
    return mt.softmax(logits, dim=-1)


def sum_rightmost(value: mt.Tensor, dims: int) -> mt.Tensor:
    """``value`` summed over its ``dims`` last dimensions."""
    if dims == 0:
        return value
    return value.reshape(value.shape[:value.dim() - dims] + (-1,)).sum(-1)
