"""What the fused loss ops share: the reduction (``'mean'``, ``'sum'`` or ``'none'``) and how they are written.

Each loss op (``_pointwise_loss_ops.py``, ``_class_loss_ops.py``) takes the reduction as a
plain argument. ``_reduce`` applies it (the mean of nothing is nan, as in PyTorch);
``_scale`` is the factor ``s`` the gradient of every value then carries.

Backward rules use only operators and numpy functions that microtensor Tensors
also implement, so they work on arrays (first-order) and on Tensors
(``create_graph=True``). Values that do not depend on the inputs (masks, one-hot
targets, class weights, the 1/N of a mean) are kept on ``ctx`` as constants.

Notation in the ops' docstrings: ``x`` the input, ``y`` the target, ``G`` the incoming
gradient, ``s`` the reduction scale (``1/N`` for ``'mean'``, else 1).
"""
import numpy as np
from .._float_errors import quiet_float_errors


def _reduce(values, reduction):
    if reduction == "none":
        return values
    with quiet_float_errors():  # mean of nothing is nan, as in PyTorch
        return values.sum() if reduction == "sum" else values.mean()


def _reduce_nonnegative(values, reduction):
    """``_reduce`` of values that are >= 0 or nan (squares, absolute values).

    Their sum never meets inf - inf and their mean divides by zero only when there is
    nothing to average, so numpy's invalid/divide warnings can arise only for an empty
    array: only then is ``np.errstate`` (dearer than a small reduction) needed.
    """
    if reduction == "none" or not values.size:
        return _reduce(values, reduction)
    if reduction == "sum":
        return _sum_of_all(values)
    return _mean_of_all(values)


def _mean_of_all(values):
    """``values.mean()`` of a non-empty array, computed as numpy's ``_mean`` computes it for
    float32/float64 (the sum, then one division by the count as ``np.intp``), without its
    Python-level argument handling, which costs more than the sum itself. Other dtypes
    (float16 sums in float32) call ``mean`` itself."""
    if values.dtype not in _SUM_IN_OWN_DTYPE:
        return values.mean()
    total = _sum_of_all(values)
    return total.dtype.type(total / np.intp(values.size))


_SUM_IN_OWN_DTYPE = (np.dtype(np.float32), np.dtype(np.float64))


def _scale(size, reduction):
    return 1.0 / size if reduction == "mean" and size else 1.0


def _sum_of_all(values):
    """``values.sum()``, without the method's Python layer (dearer than a small sum)."""
    return np.add.reduce(values, None)
