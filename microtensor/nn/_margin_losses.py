"""Multi-class margin losses and the triplet loss of any distance, as compositions of ops (gradients
from autograd), PyTorch's formulas:

* ``multi_margin_loss(x, y, p=1, margin=1, weight=None)``: per sample, with C classes,
  ``sum_{j != y} w_y max(0, margin - x_y + x_j)^p / C`` (p is 1 or 2);
* ``multilabel_margin_loss(x, y)``: ``y`` lists each sample's target classes, ended by the first -1;
  ``sum_{j target} sum_{i not target} max(0, 1 - (x_j - x_i)) / C``;
* ``triplet_margin_with_distance_loss(a, p, n, distance_function=pairwise_distance, margin=1, swap=False)``:
  ``max(d(a, p) - d(a, n) + margin, 0)`` (``swap``: ``d(a, n)`` is the smaller of ``d(a, n)`` and ``d(p, n)``).

A hinge's gradient is 0 where its argument is exactly 0, as in PyTorch. Each then reduces with
``reduction='mean'|'sum'|'none'``.
"""
from __future__ import annotations

from typing import Callable, Optional

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from ._embedding_losses import _reduce, _tensors, pairwise_distance
from ._loss_arguments import _reduction

__all__ = ["multi_margin_loss", "multilabel_margin_loss", "triplet_margin_with_distance_loss"]


def _as_samples(input, op_name):
    """``input`` as (N, C): a vector (or a scalar: one class) is one sample."""
    if input.ndim > 2 or (input.ndim == 2 and input.shape[1] == 0) or (input.ndim == 1 and input.shape[0] == 0):
        raise RuntimeError(f"{op_name}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: "
                           f"{list(input.shape)}")
    return input.reshape(-1, 1 if input.ndim == 0 else input.shape[-1])


def _long_target(target, op_name):
    if target.dtype != np.int64:
        raise RuntimeError(f"{op_name}: expected scalar type Long but found {target.dtype} (the target holds class "
                           f"indices: use .long())")


def _hinge(z):
    return _ops.where(z > 0, z, 0.0)


def multi_margin_loss(
    input: Tensor, target: Tensor, p: int = 1, margin: float = 1.0, weight: Optional[Tensor] = None,
    size_average=None, reduce=None, reduction: str = "mean",
) -> Tensor:
    """Multi-class hinge loss of scores ``input`` (N, C) or (C,) against class indices ``target`` (N,)."""
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _tensors("multi_margin_loss", input=input, target=target)
    if p not in (1, 2):
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    scores = _as_samples(input, "multi_margin_loss")
    samples, classes = scores.shape
    if target.ndim > 1 or target.numel() != samples:
        raise RuntimeError(
            f"multi_margin_loss: target tensor should be 1-D with size equal to the number of input samples (batch "
            f"size). Expected target size [{samples}], but got {list(target.shape)}. Input has shape "
            f"{list(input.shape)}.")
    _long_target(target, "multi_margin_loss")
    labels = target._data.reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise RuntimeError(f"multi_margin_loss: target out of range (targets must be in [0, {classes - 1}], got "
                           f"{labels.min()}..{labels.max()})")
    if weight is not None and weight.numel() != classes:
        raise RuntimeError(f"inconsistent weight size, expected {classes} but got {list(weight.shape)}")
    index = Tensor._make(labels.reshape(-1, 1))
    others = Tensor._make(np.arange(classes) != labels.reshape(-1, 1))
    h = _ops.where(others, _hinge(margin - scores.gather(1, index) + scores), 0.0)
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * weight[Tensor._make(labels)].reshape(-1, 1)
    loss = h.sum(1) / classes
    return _reduce(loss.reshape(()) if target.ndim == 0 else loss, reduction)  # PyTorch's shape: the target's


def multilabel_margin_loss(
    input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean",
) -> Tensor:
    """Multi-label hinge loss: every target class of a sample should score 1 above every non-target class."""
    reduction = _reduction(reduction, size_average, reduce)
    input, target = _tensors("multilabel_margin_loss", input=input, target=target)
    scores = _as_samples(input, "multilabel_margin_loss")
    samples, classes = scores.shape
    if tuple(target.shape) != tuple(input.shape):
        raise RuntimeError(f"multilabel_margin_loss: inconsistent target size: {list(target.shape)} for input of "
                           f"size: {list(input.shape)}")
    _long_target(target, "multilabel_margin_loss")
    labels = target._data.reshape(samples, classes)
    listed = np.cumprod(labels != -1, axis=1).astype(bool)  # the targets before the first -1
    if ((labels < -1) | (labels >= classes)).any():
        raise RuntimeError(f"multilabel_margin_loss: argument #2 'target' is out of range (class indices must be in "
                           f"[0, {classes - 1}], each list ended by -1)")
    labels = np.where(listed, labels, 0)
    is_target = np.zeros((samples, classes), dtype=bool)
    is_target[np.nonzero(listed)[0], labels[listed]] = True
    pairs = Tensor._make(listed[:, :, None] & ~is_target[:, None, :])  # (target j, non-target i)
    target_scores = scores.gather(1, Tensor._make(labels))
    h = _ops.where(pairs, _hinge(1 - target_scores.unsqueeze(2) + scores.unsqueeze(1)), 0.0)
    loss = h.sum((1, 2)) / classes
    return _reduce(loss.reshape(()) if input.ndim <= 1 else loss, reduction)


def triplet_margin_with_distance_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, *,
    distance_function: Optional[Callable[[Tensor, Tensor], Tensor]] = None, margin: float = 1.0,
    swap: bool = False, reduction: str = "mean",
) -> Tensor:
    """``max(d(anchor, positive) - d(anchor, negative) + margin, 0)`` for any distance ``d``
    (default: ``pairwise_distance``)."""
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    anchor, positive, negative = _tensors(
        "triplet_margin_with_distance_loss", anchor=anchor, positive=positive, negative=negative)
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    distance = pairwise_distance if distance_function is None else distance_function
    to_positive = distance(anchor, positive)
    to_negative = distance(anchor, negative)
    if swap:
        to_negative = _ops.minimum(to_negative, distance(positive, negative))
    return _reduce(_ops.clamp(margin + to_positive - to_negative, min=0), reduction)
