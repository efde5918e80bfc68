"""``F.ctc_loss``: PyTorch's arguments and checks around the CTC op of ``_ctc_loss_ops.py``.

``log_probs`` (T, N, C) (unbatched: (T, C)), targets padded (N, S) or concatenated
(sum(target_lengths),) (unbatched: (S,)), the lengths as Tensors or sequences of ints.
``'mean'`` divides each loss by its target length (at least 1), then averages over the batch.
"""
from __future__ import annotations

from typing import Sequence, Union

import numpy as np

from .._tensor import Tensor
from ..creation import tensor
from ._ctc_loss_ops import CTCNegativeLogLikelihood
from ._loss_arguments import _float_input, _reduction

__all__ = ["ctc_loss"]

Lengths = Union[Tensor, Sequence[int], int]


def _lengths(values, name, batch):
    if isinstance(values, Tensor):
        if values.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        array = np.asarray(values.tolist(), dtype=np.int64).reshape(-1)
    else:
        listed = [values] if isinstance(values, (int, np.integer)) else list(values)
        if any(isinstance(v, bool) or not isinstance(v, (int, np.integer)) for v in listed):
            raise RuntimeError(f"{name} must be integral, got {values!r}")
        array = np.asarray(listed, dtype=np.int64)
    if array.size != batch:
        raise RuntimeError(f"{name} must be of size batch_size")
    if (array < 0).any():
        raise RuntimeError(f"Expected {name} to have value at least 0, but got value {array.min()} (while checking "
                           f"arguments for ctc_loss)")
    return array


def _padded_targets(targets, target_lengths, batch):
    """The targets as (N, S) int64, from the padded or the concatenated layout."""
    if not isinstance(targets, Tensor):
        raise TypeError(f"ctc_loss(): argument 'targets' must be a Tensor, not {type(targets).__name__}")
    values = targets.detach().numpy()
    if values.dtype.kind == "f" and not np.all(values == np.round(values)):
        raise RuntimeError("ctc_loss(): targets must hold integer class indices")
    values = values.astype(np.int64)
    longest = int(target_lengths.max()) if batch else 0
    if values.ndim == 2:
        if values.shape[0] != batch:
            raise RuntimeError(f"Expected tensor to have size {batch} at dimension 0, but got size {values.shape[0]} "
                               f"for argument #2 'targets' (while checking arguments for ctc_loss)")
        if values.shape[1] < longest:
            raise RuntimeError(f"Expected tensor to have size at least {longest} at dimension 1, but got size "
                               f"{values.shape[1]} for argument #2 'targets' (while checking arguments for ctc_loss)")
        return values[:, :longest]
    if values.ndim != 1:
        raise RuntimeError(f"ctc_loss(): targets must be padded (N, S) or concatenated (sum(target_lengths),), "
                           f"got shape {tuple(values.shape)}")
    total = int(target_lengths.sum())
    if values.shape[0] != total:
        raise RuntimeError(f"Expected tensor to have size {total} at dimension 0, but got size {values.shape[0]} "
                           f"for argument #2 'targets' (while checking arguments for ctc_loss)")
    padded = np.zeros((batch, longest), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(target_lengths)])
    for n in range(batch):
        padded[n, :target_lengths[n]] = values[starts[n]:starts[n + 1]]
    return padded


def ctc_loss(
    log_probs: Tensor, targets: Tensor, input_lengths: Lengths, target_lengths: Lengths, blank: int = 0,
    reduction: str = "mean", zero_infinity: bool = False,
) -> Tensor:
    """The connectionist temporal classification loss ``-log p(target | log_probs)``, summed over every
    alignment of the target to the input steps (blanks between and repeats of labels)."""
    reduction = _reduction(reduction)
    log_probs = _float_input(log_probs, "ctc_loss")
    if log_probs.ndim not in (2, 3):
        raise RuntimeError(f"Expected 3-dimensional tensor, but got {log_probs.ndim}-dimensional tensor for "
                           f"argument #1 'log_probs' (while checking arguments for ctc_loss)")
    batched = log_probs.ndim == 3
    if not batched:
        log_probs = log_probs.unsqueeze(1)
        if isinstance(targets, Tensor) and targets.ndim == 1:
            targets = targets.unsqueeze(0)
    steps, batch, classes = log_probs.shape
    if isinstance(blank, bool) or not isinstance(blank, (int, np.integer)) or not 0 <= blank < classes:
        raise RuntimeError("blank must be in label range")
    inputs = _lengths(input_lengths, "input_lengths", batch)
    labels = _lengths(target_lengths, "target_lengths", batch)
    if (inputs > steps).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {steps}, but got value {inputs.max()} "
                           f"(while checking arguments for ctc_loss)")
    padded = _padded_targets(targets, labels, batch)
    used = np.arange(padded.shape[1])[None, :] < labels[:, None]
    if ((padded < 0) | (padded >= classes))[used].any() or (padded == blank)[used].any():
        raise ValueError(
            f"ctc_loss(): target labels must be classes in [0, {classes}) other than the blank {blank}, got "
            f"{sorted(set(padded[used].tolist()))}"
        )
    losses = CTCNegativeLogLikelihood.apply(log_probs, padded, inputs, labels, int(blank), bool(zero_infinity))
    if reduction == "none":
        return losses if batched else losses.squeeze(0)
    if reduction == "sum":
        return losses.sum()
    return (losses / tensor(np.maximum(labels, 1).astype(losses.dtype))).mean()
