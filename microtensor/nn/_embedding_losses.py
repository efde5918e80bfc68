"""Losses of distances, margins and likelihoods, written as compositions of ops (gradients from autograd),
PyTorch's formulas, and ``F.pairwise_distance``:

* ``pairwise_distance(x1, x2, p=2, eps=1e-6)``:  ``|| x1 - x2 + eps ||_p`` along the last dim;
* ``cosine_embedding_loss(x1, x2, y, margin=0)``: ``1 - cos`` where y = 1, ``max(0, cos - margin)`` where y = -1,
  with ``cos = x1.x2 / sqrt((|x1|^2 + 1e-12)(|x2|^2 + 1e-12))``;
* ``margin_ranking_loss(x1, x2, y, margin=0)``: ``max(0, -y (x1 - x2) + margin)``;
* ``triplet_margin_loss(a, p, n, margin=1, p=2, eps=1e-6, swap=False)``: ``max(d(a, p) - d(a, n) + margin, 0)``
  (``swap``: ``d(a, n)`` is the smaller of ``d(a, n)`` and ``d(p, n)``);
* ``hinge_embedding_loss(x, y, margin=1)``: ``x`` where y = 1, ``max(0, margin - x)`` where y = -1;
* ``soft_margin_loss(x, y)``: ``log(1 + exp(-y x))``;
* ``multilabel_soft_margin_loss(x, y, weight=None)``: the mean over the C classes of
  ``-w_c (y log sigmoid(x) + (1 - y) log sigmoid(-x))``, one value per sample;
* ``poisson_nll_loss(x, y, log_input=True, full=False, eps=1e-8)``: ``exp(x) - y x`` (or
  ``x - y log(x + eps)``), plus Stirling's ``y log y - y + log(2 pi y) / 2`` where y > 1 if ``full``;
* ``gaussian_nll_loss(x, y, var, full=False, eps=1e-6)``: ``(log(var) + (x - y)^2 / var) / 2`` (plus
  ``log(2 pi) / 2`` if ``full``), ``var`` clamped at ``eps`` without stopping its gradient.

Each then reduces with ``reduction='mean'|'sum'|'none'``.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad
from ..ops._util import not_a_tensor_error
from ..ops.norms import vector_norm
from ._loss_arguments import _reduction

__all__ = [
    "pairwise_distance", "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
    "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss", "poisson_nll_loss",
    "gaussian_nll_loss",
]


def _tensors(op_name, **values):
    for name, value in values.items():
        if not isinstance(value, Tensor):
            raise not_a_tensor_error(op_name, name, value)
    return values.values()


def _reduce(loss, reduction):
    if reduction == "mean":
        return loss.mean()
    return loss.sum() if reduction == "sum" else loss


def pairwise_distance(x1: Tensor, x2: Tensor, p: float = 2.0, eps: float = 1e-06, keepdim: bool = False) -> Tensor:
    """The p-norm of ``x1 - x2 + eps`` along the last dim (broadcasting x1 and x2)."""
    x1, x2 = _tensors("pairwise_distance", x1=x1, x2=x2)
    difference = x1 - x2 + eps
    return vector_norm(difference, float(p), (difference.ndim - 1,) if difference.ndim else None, keepdim=keepdim)


def cosine_embedding_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None, reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Pull pairs with target 1 together (1 - cos) and push pairs with target -1 below ``margin``."""
    reduction = _reduction(reduction, size_average, reduce)
    x1, x2, y = _tensors("cosine_embedding_loss", input1=input1, input2=input2, target=target)
    if x1.ndim not in (1, 2) or tuple(x1.shape) != tuple(x2.shape):
        raise RuntimeError(f"cosine_embedding_loss(): expected input1 and input2 of the same shape (N, D) or (D,), "
                           f"got {tuple(x1.shape)} and {tuple(x2.shape)}")
    dot = (x1 * x2).sum(-1)
    cos = dot / ((((x1 * x1).sum(-1) + 1e-12) * ((x2 * x2).sum(-1) + 1e-12)) ** 0.5)
    positive = _ops.where(y == 1, 1 - cos, 0.0)
    negative = _ops.where(y == -1, _ops.clamp(cos - margin, min=0), 0.0)
    return _reduce(positive + negative, reduction)


def margin_ranking_loss(
    input1: Tensor, input2: Tensor, target: Tensor, margin: float = 0.0, size_average=None, reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """``max(0, -target (input1 - input2) + margin)``: input1 should rank above input2 where target is 1."""
    reduction = _reduction(reduction, size_average, reduce)
    x1, x2, y = _tensors("margin_ranking_loss", input1=input1, input2=input2, target=target)
    if not (x1.ndim == x2.ndim == y.ndim):
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension but got sizes: "
                           f"input1: {tuple(x1.shape)}, input2: {tuple(x2.shape)}, target: {tuple(y.shape)} ")
    return _reduce(_ops.clamp(-y * (x1 - x2) + margin, min=0), reduction)


def triplet_margin_loss(
    anchor: Tensor, positive: Tensor, negative: Tensor, margin: float = 1.0, p: float = 2.0, eps: float = 1e-06,
    swap: bool = False, size_average=None, reduce=None, reduction: str = "mean",
) -> Tensor:
    """``max(d(anchor, positive) - d(anchor, negative) + margin, 0)`` with ``d`` the pairwise p-distance."""
    reduction = _reduction(reduction, size_average, reduce)
    anchor, positive, negative = _tensors("triplet_margin_loss", anchor=anchor, positive=positive, negative=negative)
    if margin <= 0:
        raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got {margin} instead")
    if not (anchor.ndim == positive.ndim == negative.ndim):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the same number of "
                           f"dimensions, but got: anchor {anchor.ndim}D, positive {positive.ndim}D, and negative "
                           f"{negative.ndim}D inputs")
    to_positive = pairwise_distance(anchor, positive, p, eps)
    to_negative = pairwise_distance(anchor, negative, p, eps)
    if swap:
        to_negative = _ops.minimum(to_negative, pairwise_distance(positive, negative, p, eps))
    return _reduce(_ops.clamp(to_positive - to_negative + margin, min=0), reduction)


def hinge_embedding_loss(
    input: Tensor, target: Tensor, margin: float = 1.0, size_average=None, reduce=None, reduction: str = "mean",
) -> Tensor:
    """``input`` where target is 1, ``max(0, margin - input)`` where target is -1 (input: a distance)."""
    reduction = _reduction(reduction, size_average, reduce)
    x, y = _tensors("hinge_embedding_loss", input=input, target=target)
    pushed = _ops.where(y != 1, _ops.clamp(margin - x, min=0), 0.0)
    pulled = _ops.where(y != -1, x, 0.0)
    return _reduce(pushed + pulled, reduction)


def soft_margin_loss(input: Tensor, target: Tensor, size_average=None, reduce=None, reduction: str = "mean") -> Tensor:
    """``log(1 + exp(-target input))`` for targets 1 / -1 (a smooth hinge)."""
    reduction = _reduction(reduction, size_average, reduce)
    x, y = _tensors("soft_margin_loss", input=input, target=target)
    return _reduce(_ops.softplus(-y * x), reduction)


def multilabel_soft_margin_loss(
    input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average=None, reduce=None,
    reduction: str = "mean",
) -> Tensor:
    """Per sample, the mean over classes of the binary cross-entropy of ``sigmoid(input)`` and the 0/1 ``target``."""
    reduction = _reduction(reduction, size_average, reduce)
    x, y = _tensors("multilabel_soft_margin_loss", input=input, target=target)
    loss = -(y * -_ops.softplus(-x) + (1 - y) * -_ops.softplus(x))
    if weight is not None:
        loss = loss * weight
    return _reduce(loss.mean(-1) if x.ndim else loss, reduction)


def poisson_nll_loss(
    input: Tensor, target: Tensor, log_input: bool = True, full: bool = False, size_average=None,
    eps: float = 1e-08, reduce=None, reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of counts ``target`` under a Poisson law of rate ``exp(input)`` (``log_input``)
    or ``input``."""
    reduction = _reduction(reduction, size_average, reduce)
    x, y = _tensors("poisson_nll_loss", input=input, target=target)
    loss = _ops.exp(x) - y * x if log_input else x - y * _ops.log(x + eps)
    if full:  # Stirling's term, a function of y (its gradient log y + 1 / (2 y) where y > 1, 0 elsewhere)
        above = y > 1
        counts = _ops.where(above, y, 1.0)  # y <= 1 never reaches the logs, so no nan gradient
        stirling = counts * _ops.log(counts) - counts + 0.5 * _ops.log(2 * math.pi * counts)
        loss = loss + _ops.where(above, stirling, 0.0).to(loss.dtype)
    return _reduce(loss, reduction)


def gaussian_nll_loss(
    input: Tensor, target: Tensor, var: Tensor, full: bool = False, eps: float = 1e-06, reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of ``target`` under N(input, var); ``var`` may have one fewer dim (or a last
    dim of 1) than ``input`` for one variance per sample, or be a Python number (one variance for all)."""
    reduction = _reduction(reduction)
    if isinstance(var, (int, float)) and not isinstance(var, bool) and isinstance(input, Tensor):
        var = Tensor._make(np.full(input.shape, float(var), dtype=input.dtype))
    x, y, var = _tensors("gaussian_nll_loss", input=input, target=target, var=var)
    if tuple(var.shape) != tuple(x.shape):
        if tuple(x.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif not (tuple(x.shape[:-1]) == tuple(var.shape[:-1]) and var.shape[-1] == 1):
            raise ValueError("var is of incorrect size")
    if (var._data < 0).any():
        raise ValueError("var has negative entry/entries")
    var = var.clone()
    with no_grad():
        var.clamp_(min=eps)  # in place under no_grad: the gradient still flows to var, as in PyTorch
    loss = 0.5 * (_ops.log(var) + (x - y) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduce(loss, reduction)
