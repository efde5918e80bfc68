"""``mt.nn.functional`` (``import microtensor.nn.functional as F``): stateless layers and losses.

Activations forward to microtensor's ops; ``linear`` and the losses are fused ops
(see ``_linear_op.py``, ``_pointwise_loss_ops.py`` and ``_class_loss_ops.py`` for their maths). Every loss takes
``reduction='mean'|'sum'|'none'`` as in PyTorch.
"""
from __future__ import annotations

import warnings
from typing import Optional

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..ops._util import not_a_tensor_error
from .._tensor import Tensor
from ..autograd.function import Function
from ..ops.gather_scatter import one_hot
from . import (
    _adaptive_pool_ops, _attention_op, _avg_pool_ops, _class_loss_ops, _conv_ops, _embedding_op, _max_pool_ops,
    _norm_ops, _pad_op, _pointwise_loss_ops,
)
from ._linear_op import linear
# Layers whose ops live in files of their own (each file's __all__ lists its F. names).
from ._norm_ops import *  # noqa: F403
from ._embedding_op import *  # noqa: F403
from ._attention_op import *  # noqa: F403
from ._conv_ops import *  # noqa: F403
from ._max_pool_ops import *  # noqa: F403
from ._avg_pool_ops import *  # noqa: F403
from ._adaptive_pool_ops import *  # noqa: F403
from ._pad_op import *  # noqa: F403
from .._typing import DTypeLike

__all__ = [
    "linear", "relu", "sigmoid", "tanh", "leaky_relu", "gelu", "softplus", "softmax", "log_softmax", "dropout",
    "silu", "elu", "selu", "hardtanh", "relu6", "mish",
    "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits", "cross_entropy", "nll_loss",
    "smooth_l1_loss", "huber_loss", "kl_div",
]


class TargetTypeError(TypeError, RuntimeError):
    """A target of the wrong dtype. It is a ``TypeError`` (microtensor's rule for wrong
    types) and a ``RuntimeError`` (what PyTorch raises), so either ``except`` catches it."""


# ----------------------------------------------------------------- activations
def _in_place(op, name, input, *args):
    """``inplace=True``: the values of ``op(input, *args)`` written into ``input`` (PyTorch's ``name_``).
    (Without ``inplace`` each activation calls its op directly: one Python call less per layer.)"""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): inplace=True needs a Tensor input, not {type(input).__name__}")
    return input._apply_inplace(name + "_", lambda: op(input, *args))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return _in_place(_ops.relu, "relu", input) if inplace else _ops.relu(input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return _ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """tanh(x)."""
    return _ops.tanh(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    if inplace:
        return _in_place(_ops.leaky_relu, "leaky_relu", input, negative_slope)
    return _ops.leaky_relu(input, negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (exact, erf form) or its tanh approximation with ``approximate='tanh'``."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _ops.gelu(input, approximate=approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1 / beta) * log(1 + exp(beta * x)), linear above ``threshold``."""
    return _ops.softplus(input, beta=beta, threshold=threshold)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (SiLU, also called swish)."""
    return _in_place(_ops.silu, "silu", input) if inplace else _ops.silu(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _in_place(_ops.elu, "elu", input, alpha) if inplace else _ops.elu(input, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507)."""
    return _in_place(_ops.selu, "selu", input) if inplace else _ops.selu(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]."""
    if inplace:
        return _in_place(_ops.hardtanh, "hardtanh", input, min_val, max_val)
    return _ops.hardtanh(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return _in_place(_ops.relu6, "relu6", input) if inplace else _ops.relu6(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _in_place(_ops.mish, "mish", input) if inplace else _ops.mish(input)


def _softmax_dim(name, ndim):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: Optional[int] = None, dtype: Optional[DTypeLike] = None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""
    return _along_dim(_ops.softmax, "softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: Optional[int] = None, dtype: Optional[DTypeLike] = None) -> Tensor:
    """x_i - logsumexp(x) along ``dim``."""
    return _along_dim(_ops.log_softmax, "log_softmax", input, dim, dtype)


def _along_dim(op, op_name, input, dim, dtype):
    """PyTorch's functional softmax signature: an implicit ``dim`` (with its warning) and a cast first."""
    if dim is None:
        dim = _softmax_dim(op_name, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return op(input, dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """In training, zero each element with probability ``p`` and scale the rest by 1/(1-p)
    (so the expectation is unchanged); identity when ``training=False``.
    The mask comes from microtensor's generator (``mt.manual_seed`` makes it reproducible)."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("dropout", "input", input)
    if input.dtype.kind != "f":
        raise TypeError(f"dropout(): expected a floating point input, got {input.dtype}")
    mask = DropoutMask.apply(input.shape, input.dtype, p)
    return input.mul_(mask) if inplace else input * mask


class DropoutMask(Function):
    """The mask of ``dropout``: 0 with probability ``p``, else ``1/(1-p)``, drawn from microtensor's
    generator. An op of its own (with no tensor input, so nothing to differentiate) so that a step
    replayed by ``mt.compile`` draws a fresh mask each time, in the order eager code would."""

    numpy_level = True

    @staticmethod
    def forward(ctx, shape, dtype, p):
        if p == 1:
            return np.zeros(shape, dtype=dtype)
        keep = _random.generator().random(shape) >= p
        return keep.astype(dtype) * np.asarray(1.0 / (1.0 - p), dtype=dtype)


# ---------------------------------------------------------------------- losses
def _reduction(reduction, size_average=None, reduce=None):
    if size_average is not None or reduce is not None:  # PyTorch's deprecated arguments
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if (size_average and reduce) else ("sum" if reduce else "none")
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction; use 'mean', 'sum' or 'none'")
    return reduction


_REDUCTIONS = ("mean", "sum", "none")
_FAST_FLOATS = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))  # native byte order


def _plain_reduction(reduction, size_average, reduce):
    """The common call's reduction: a valid string and none of PyTorch's deprecated arguments,
    so ``_reduction`` would return ``reduction`` itself."""
    return size_average is None and reduce is None and type(reduction) is str and reduction in _REDUCTIONS


def _plain_pair(input, target):
    """Input and target are Tensors of one (native) floating point dtype and one shape.

    Then ``_float_input``, ``_as_tensor`` and ``_same_shape`` have nothing to report and
    ``_promote`` nothing to cast, so a loss may skip them: one test for the common call, while
    every other call still goes through them and gets their exact errors (as ``F.linear`` does).
    """
    return (
        isinstance(input, Tensor) and isinstance(target, Tensor)
        and input._data.dtype in _FAST_FLOATS and target._data.dtype == input._data.dtype
        and input._data.shape == target._data.shape
    )


def _plain_class_indices(input, target):
    """The class indices of the common classification call, else None.

    Common: a floating point Tensor input (N, C) / (N, C, d1, ...) / (C,) with C > 0 and an
    int64 Tensor target of shape (N, d1, ...) / () holding only indices in [0, C). For it
    ``_class_target`` would check nothing that fails and return ``target._data`` itself; any
    other call (an ignored or bad index, another dtype or shape, class probabilities) goes
    through ``_class_target``, which words the error.
    """
    if not (isinstance(input, Tensor) and isinstance(target, Tensor)):
        return None
    logits, indices = input._data, target._data
    if logits.dtype.kind != "f" or not logits.ndim or indices.dtype != np.int64 or not indices.size:
        return None
    classes, expected = _class_layout(logits.shape)
    # One reduction checks 0 <= index < C: viewed as unsigned, a negative index is >= 2**63 > C.
    if indices.shape != expected or indices.view(np.uint64).max() >= classes:
        return None
    return indices


def _class_layout(shape):
    """``(classes, target shape)`` for logits of ``shape`` (N, C, d1, ...) -> (C, (N, d1, ...)), (C,) -> (C, ())."""
    if len(shape) >= 2:
        return shape[1], (shape[0],) + shape[2:]
    return shape[0], ()


def _as_tensor(value, name, op_name):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic, list, tuple, int, float)):
        return Tensor(np.asarray(value) if isinstance(value, (np.ndarray, np.generic)) else value)
    raise TypeError(f"{op_name}(): argument '{name}' must be a Tensor, not {type(value).__name__}")


def _match_dtype(target, dtype):
    """The target in the input's dtype (float32 losses stay float32); a cast keeps the graph if needed."""
    if target.dtype == dtype:
        return target
    if target.requires_grad:
        return target.to(dtype)
    return Tensor._make(target._data.astype(dtype))


def _promote(input, target):
    """Input and target in their common dtype, as PyTorch promotes (float32 with float64 gives float64;
    an integer or bool target takes the input's float dtype). A cast keeps the graph if needed."""
    dtype = np.promote_types(input.dtype, target.dtype) if target.dtype.kind == "f" else input.dtype
    return _match_dtype(input, dtype), _match_dtype(target, dtype)


def _float_input(input, op_name):
    input = _as_tensor(input, "input", op_name)
    if input.dtype.kind != "f":
        raise TypeError(
            f"{op_name}(): expected a floating point input, got dtype {input.dtype}; convert with .float()"
        )
    return input


def _same_shape(input, target, op_name):
    if input.shape != target.shape:
        raise ValueError(
            f"{op_name}(): Using a target size {tuple(target.shape)} that is different to the input size "
            f"{tuple(input.shape)}. This would broadcast and likely give wrong results; reshape the target "
            f"(e.g. target.reshape({tuple(input.shape)})) or the input so that they match."
        )


def _constant(value, like, name, op_name):
    """An optional weight-like argument as a plain array of the input's dtype (no gradient flows to it)."""
    if value is None:
        return None
    array = np.asarray(value._data if isinstance(value, Tensor) else value)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{op_name}(): {name} must be numeric, got dtype {array.dtype}")
    try:
        np.broadcast_shapes(array.shape, like.shape)
    except ValueError:
        raise RuntimeError(
            f"{op_name}(): {name} of shape {tuple(array.shape)} does not broadcast to the input shape "
            f"{tuple(like.shape)}"
        ) from None
    return array.astype(like.dtype, copy=False)


def mse_loss(
    input: Tensor, target: Tensor, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
    reduction: str = "mean",
) -> Tensor:
    """Mean squared error: l = (x - y)^2, then reduced; dl/dx = 2 (x - y) (/ N for 'mean')."""
    if _plain_reduction(reduction, size_average, reduce) and _plain_pair(input, target):
        return _pointwise_loss_ops.MSELoss.apply(input, target, reduction)
    reduction = _reduction(reduction, size_average, reduce)
    input = _float_input(input, "mse_loss")
    target = _as_tensor(target, "target", "mse_loss")
    _same_shape(input, target, "mse_loss")
    input, target = _promote(input, target)
    return _pointwise_loss_ops.MSELoss.apply(input, target, reduction)


def l1_loss(
    input: Tensor, target: Tensor, size_average: Optional[bool] = None, reduce: Optional[bool] = None,
    reduction: str = "mean",
) -> Tensor:
    """Mean absolute error: l = |x - y|, then reduced; dl/dx = sign(x - y) (/ N for 'mean')."""
    if _plain_reduction(reduction, size_average, reduce) and _plain_pair(input, target):
        return _pointwise_loss_ops.L1Loss.apply(input, target, reduction)
    reduction = _reduction(reduction, size_average, reduce)
    input = _float_input(input, "l1_loss")
    target = _as_tensor(target, "target", "l1_loss")
    _same_shape(input, target, "l1_loss")
    input, target = _promote(input, target)
    return _pointwise_loss_ops.L1Loss.apply(input, target, reduction)


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


def _class_target(input, target, weight, ignore_index, op_name):
    """Check an (N, C, d1, ...) / (C,) input against its class-index target; return target and weight arrays."""
    input = _float_input(input, op_name)
    if input.ndim == 0:
        raise RuntimeError(f"{op_name}(): input must have at least 1 dimension (classes), got a 0-d tensor")
    target_array = np.asarray(target._data if isinstance(target, Tensor) else target)
    if target_array.dtype.kind not in "iu":
        hint = (
            f" Class-probability targets (cross_entropy only) must have the input's shape {tuple(input.shape)}; "
            f"got shape {tuple(target_array.shape)}."
            if target_array.dtype.kind == "f" else ""
        )
        raise TargetTypeError(
            f"{op_name}(): expected a target of class indices with an integer dtype (int64), but got "
            f"dtype {target_array.dtype}; convert with target.long().{hint}"
        )
    classes, expected = _class_layout(input.shape)
    if target_array.shape != expected:
        raise RuntimeError(
            f"{op_name}(): input of shape {tuple(input.shape)} (batch, classes, ...) needs a target of shape "
            f"{expected}, got {tuple(target_array.shape)}"
            + (f"; expected input batch_size ({input.shape[0]}) to match target batch_size "
               f"({target_array.shape[0]})" if input.ndim >= 2 and target_array.ndim >= 1
               and target_array.shape[0] != input.shape[0] else "")
        )
    if classes == 0:
        raise RuntimeError(f"{op_name}(): input of shape {tuple(input.shape)} has no classes")
    # Fast check first (two reductions); the exact culprit is looked for only on failure.
    if target_array.size and (target_array.min() < 0 or target_array.max() >= classes):
        valid = target_array != ignore_index
        bad = valid & ((target_array < 0) | (target_array >= classes))
    else:
        bad = None
    if bad is not None and bad.any():
        value = int(target_array[bad].flat[0])
        raise IndexError(
            f"{op_name}(): Target {value} is out of bounds: class indices must be in [0, {classes}) for an input "
            f"with {classes} classes (shape {tuple(input.shape)})"
            + (f" or equal ignore_index={ignore_index}" if ignore_index != -100 else "")
        )
    return input, target_array.astype(np.int64, copy=False), _class_weight(weight, classes, input, op_name)


def _class_weight(weight, classes, input, op_name):
    if weight is None:
        return None
    weight = np.asarray(weight._data if isinstance(weight, Tensor) else weight)
    if weight.shape != (classes,):
        raise RuntimeError(
            f"{op_name}(): weight tensor should be defined either for all {classes} classes or no classes but "
            f"got weight tensor of shape {tuple(weight.shape)}"
        )
    return weight.astype(input.dtype, copy=False)


def _probability_target(input, target, weight, ignore_index):
    """cross_entropy's class-probability target (the input's shape, floating point): input, target, weight."""
    if target.dtype.kind != "f":
        raise TargetTypeError(
            f"cross_entropy(): a target of the input's shape {tuple(input.shape)} holds class probabilities and "
            f"needs a floating point dtype, got {target.dtype}; convert with target.float(), or pass class "
            f"indices of shape {(input.shape[0],) + tuple(input.shape[2:]) if input.ndim >= 2 else ()}"
        )
    if ignore_index != -100:
        raise RuntimeError(
            f"cross_entropy(): ignore_index={ignore_index} is not supported for floating point (class-probability) "
            f"targets; give the rows to ignore a weight of zero instead (reduction='none', then mask)"
        )
    input, target = _promote(input, target)
    classes, _ = _class_layout(input.shape)
    return input, target, _class_weight(weight, classes, input, "cross_entropy")


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


def _threshold(value, name, op_name, allow_zero):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{op_name}(): {name} must be a number, got {type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero):
        kind = "negative" if allow_zero else "non-positive"
        raise RuntimeError(f"{op_name} does not support {kind} values for {name} (got {name}={value})")
    return float(value)


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


# ------------------------------------------- layers whose ops live in files of their own
__all__ += _norm_ops.__all__
__all__ += _embedding_op.__all__
__all__ += ["one_hot"]
__all__ += _attention_op.__all__
__all__ += _conv_ops.__all__
__all__ += _max_pool_ops.__all__
__all__ += _avg_pool_ops.__all__
__all__ += _adaptive_pool_ops.__all__
__all__ += _pad_op.__all__
