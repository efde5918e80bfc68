"""``F.mse_loss``, ``F.cross_entropy`` and the other loss functions: check the arguments, call the fused op.

Every loss takes ``reduction='mean'|'sum'|'none'`` as in PyTorch (and its deprecated
``size_average`` / ``reduce``). The checks are in ``_loss_arguments.py``, the maths of each
loss with its backward in ``_pointwise_loss_ops.py`` and ``_class_loss_ops.py``.
"""
from __future__ import annotations

import warnings
from typing import Optional

import numpy as np

from .._tensor import Tensor
from . import _class_loss_ops, _pointwise_loss_ops
from ._loss_arguments import (
    _as_tensor, _class_target, _constant, _float_input, _plain_class_indices, _plain_pair, _plain_reduction,
    _probability_target, _promote, _reduction, _same_shape, _threshold,
)

__all__ = [
    "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    "smooth_l1_loss", "huber_loss", "kl_div",
]


def mse_loss(
    input: Tensor, target: Tensor, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
    reduction: str = "mean",
) -> Tensor:
    """Mean squared error: l = (x - y)^2, then reduced; dl/dx = 2 (x - y) (/ N for 'mean')."""
    return _pair_loss(_pointwise_loss_ops.MSELoss, "mse_loss", input, target, size_average, reduce, reduction)


def l1_loss(
    input: Tensor, target: Tensor, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
    reduction: str = "mean",
) -> Tensor:
    """Mean absolute error: l = |x - y|, then reduced; dl/dx = sign(x - y) (/ N for 'mean')."""
    return _pair_loss(_pointwise_loss_ops.L1Loss, "l1_loss", input, target, size_average, reduce, reduction)


def _pair_loss(op, op_name, input, target, size_average, reduce, reduction):
    """``op`` (MSELoss, L1Loss) on an input and a target of one shape: the common call after one test,
    any other after every check, each with its own error."""
    if _plain_reduction(reduction, size_average, reduce) and _plain_pair(input, target):
        return op.apply(input, target, reduction)
    reduction = _reduction(reduction, size_average, reduce)
    input = _float_input(input, op_name)
    target = _as_tensor(target, "target", op_name)
    _same_shape(input, target, op_name)
    input, target = _promote(input, target)
    return op.apply(input, target, reduction)


def binary_cross_entropy(
    input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
    reduce: Optional[bool] = None, reduction: str = "mean",
) -> Tensor:
    """Binary cross-entropy of probabilities p in [0, 1]:
    l = -w [y log p + (1 - y) log(1 - p)], each log clamped at -100 (as PyTorch), so p = 0 or 1
    gives finite values. dl/dp = w (p - y) / max(p (1 - p), 1e-12)."""
    reduction = _reduction(reduction, size_average, reduce)
    input = _float_input(input, "binary_cross_entropy")
    target = _as_tensor(target, "target", "binary_cross_entropy")
    _same_shape(input, target, "binary_cross_entropy")
    values = input._data
    outside = ~((values >= 0) & (values <= 1))  # also catches nan
    if outside.any():
        bad = values[outside].flat[0]
        raise RuntimeError(
            f"binary_cross_entropy(): all elements of input should be between 0 and 1 (probabilities), but got "
            f"{bad} at index {tuple(int(i) for i in np.argwhere(outside)[0])}; for raw scores (logits) use "
            f"binary_cross_entropy_with_logits / BCEWithLogitsLoss"
        )
    target_values = target._data
    if not ((target_values >= 0) & (target_values <= 1)).all():  # also catches nan
        bad = target_values[~((target_values >= 0) & (target_values <= 1))].flat[0]
        raise RuntimeError(
            f"binary_cross_entropy(): all elements of target should be between 0 and 1, but got {bad}; "
            f"targets are probabilities (e.g. 0./1. labels)"
        )
    input, target = _promote(input, target)
    weight = _constant(weight, input, "weight", "binary_cross_entropy")
    return _pointwise_loss_ops.BinaryCrossEntropy.apply(input, target, weight, reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
    reduce: Optional[bool] = None, reduction: str = "mean", pos_weight: Optional[Tensor] = None,
) -> Tensor:
    """Sigmoid + binary cross-entropy in one stable formula (finite for logits of any size):
    l = w [(1 - y) x + (1 + (pos_weight - 1) y) log(1 + exp(-x))],
    with log(1 + exp(-x)) = log1p(exp(-|x|)) + max(-x, 0). dl/dx = w (sigmoid(x) - y) without pos_weight."""
    reduction = _reduction(reduction, size_average, reduce)
    input = _float_input(input, "binary_cross_entropy_with_logits")
    target = _as_tensor(target, "target", "binary_cross_entropy_with_logits")
    _same_shape(input, target, "binary_cross_entropy_with_logits")
    input, target = _promote(input, target)
    weight = _constant(weight, input, "weight", "binary_cross_entropy_with_logits")
    pos_weight = _constant(pos_weight, input, "pos_weight", "binary_cross_entropy_with_logits")
    return _pointwise_loss_ops.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def cross_entropy(
    input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
    ignore_index: int = -100, reduce: Optional[bool] = None, reduction: str = "mean", label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits ``input`` (N, C) / (N, C, d1, ...) / (C,) and class indices ``target``,
    or class probabilities: a floating point ``target`` of the input's shape, l_n = -sum_c w_c y_nc log
    softmax(x_n)_c ('mean' then divides by the number of samples, as PyTorch; no ``ignore_index``).

    l_n = -w_{t_n} log softmax(x_n)_{t_n}, computed stably in one fused op (any logits, even +-1000,
    give finite values); with ``label_smoothing`` e the target is (1 - e) one-hot + e / C.
    'mean' divides by the sum of the targets' weights (the number of non-ignored samples without
    ``weight``). Gradient: softmax(x) - onehot(t), weighted and scaled.
    """
    if (
        _plain_reduction(reduction, size_average, reduce) and weight is None
        and type(label_smoothing) in (float, int) and 0.0 <= label_smoothing <= 1.0
    ):
        indices = _plain_class_indices(input, target)
        if indices is not None:
            return _class_loss_ops.CrossEntropy.apply(input, indices, None, ignore_index, reduction, float(label_smoothing))
    reduction = _reduction(reduction, size_average, reduce)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy(): label_smoothing must be between 0.0 and 1.0, got {label_smoothing}")
    input = _float_input(input, "cross_entropy")
    if input.ndim and tuple(np.shape(target)) == tuple(input.shape):
        target = _as_tensor(target, "target", "cross_entropy")
        input, target, weight = _probability_target(input, target, weight, ignore_index)
        return _class_loss_ops.CrossEntropyProbabilities.apply(input, target, weight, reduction, float(label_smoothing))
    input, target, weight = _class_target(input, target, weight, ignore_index, "cross_entropy")
    return _class_loss_ops.CrossEntropy.apply(input, target, weight, ignore_index, reduction, float(label_smoothing))


def nll_loss(
    input: Tensor, target: Tensor, weight: Optional[Tensor] = None, size_average: Optional[bool] = None,
    ignore_index: int = -100, reduce: Optional[bool] = None, reduction: str = "mean",
) -> Tensor:
    """Negative log-likelihood of log-probabilities ``input`` (e.g. from log_softmax) at class indices
    ``target``: l_n = -w_{t_n} x_{n, t_n}; 'mean' divides by the sum of the targets' weights."""
    if _plain_reduction(reduction, size_average, reduce) and weight is None:
        indices = _plain_class_indices(input, target)
        if indices is not None:
            return _class_loss_ops.NLLLoss.apply(input, indices, None, ignore_index, reduction)
    reduction = _reduction(reduction, size_average, reduce)
    input, target, weight = _class_target(input, target, weight, ignore_index, "nll_loss")
    return _class_loss_ops.NLLLoss.apply(input, target, weight, ignore_index, reduction)


def smooth_l1_loss(
    input: Tensor, target: Tensor, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
    reduction: str = "mean", beta: float = 1.0,
) -> Tensor:
    """Smooth L1: l = (x - y)^2 / (2 beta) where |x - y| < beta, |x - y| - beta / 2 elsewhere
    (plain L1 for beta = 0). dl/dx = clip((x - y) / beta, -1, 1)."""
    reduction = _reduction(reduction, size_average, reduce)
    beta = _threshold(beta, "beta", "smooth_l1_loss", allow_zero=True)
    input = _float_input(input, "smooth_l1_loss")
    target = _as_tensor(target, "target", "smooth_l1_loss")
    _same_shape(input, target, "smooth_l1_loss")
    input, target = _promote(input, target)
    return _pointwise_loss_ops.SmoothL1Loss.apply(input, target, beta, 1.0, None, reduction)


def huber_loss(
    input: Tensor, target: Tensor, reduction: str = "mean", delta: float = 1.0, weight: Optional[Tensor] = None,
) -> Tensor:
    """Huber: l = (x - y)^2 / 2 where |x - y| <= delta, delta (|x - y| - delta / 2) elsewhere
    (= delta * smooth_l1_loss with beta = delta); optional elementwise ``weight`` of the input's shape.
    dl/dx = clip(x - y, -delta, delta)."""
    reduction = _reduction(reduction)
    delta = _threshold(delta, "delta", "huber_loss", allow_zero=False)
    input = _float_input(input, "huber_loss")
    target = _as_tensor(target, "target", "huber_loss")
    _same_shape(input, target, "huber_loss")
    if weight is not None:
        weight_shape = tuple(getattr(weight, "shape", np.shape(weight)))
        if weight_shape != tuple(input.shape):
            raise ValueError(
                f"huber_loss(): Weights and input must have the same size: weight {weight_shape}, input "
                f"{tuple(input.shape)}"
            )
    input, target = _promote(input, target)
    if weight is not None:
        weight = _constant(weight, input, "weight", "huber_loss")
    return _pointwise_loss_ops.HuberLoss.apply(input, target, delta, delta, weight, reduction)


_KL_MEAN_WARNING = (
    "reduction: 'mean' divides the total loss by both the batch size and the support size."
    "'batchmean' divides only by the batch size, and aligns with the KL div math definition."
    "'mean' will be changed to behave the same as 'batchmean' in the next major release."
)


def kl_div(
    input: Tensor, target: Tensor, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
    reduction: str = "mean", log_target: bool = False,
) -> Tensor:
    """KL divergence of ``target`` from the log-probabilities ``input``, pointwise
    l = y (log y - x) (0 where y = 0), or e^y (y - x) with ``log_target=True``. input and target
    broadcast. 'batchmean' (the KL divergence of each sample, averaged) divides the sum by the batch
    size input.shape[0]; 'mean' divides by every element and warns, as PyTorch does."""
    if size_average is not None or reduce is not None:  # the deprecated arguments win, without the warning
        reduction = _reduction(reduction, size_average, reduce)
    elif reduction != "batchmean":
        reduction = _reduction(reduction)
        if reduction == "mean":
            warnings.warn(_KL_MEAN_WARNING, UserWarning, stacklevel=2)
    input = _float_input(input, "kl_div")
    batch = input.shape[0] if input.ndim else 1
    target = _as_tensor(target, "target", "kl_div")
    try:
        np.broadcast_shapes(input.shape, target.shape)
    except ValueError:
        raise RuntimeError(
            f"kl_div(): the size of input {tuple(input.shape)} and target {tuple(target.shape)} do not broadcast"
        ) from None
    input, target = _promote(input, target)
    return _pointwise_loss_ops.KLDivergence.apply(input, target, bool(log_target), reduction, batch)
