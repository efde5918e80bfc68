"""How ``F``'s losses check and convert their arguments, with PyTorch's errors.

The reduction (and PyTorch's deprecated ``size_average`` / ``reduce``), the input and target
as Tensors of one floating point dtype and shape, constant weights, class-index and
class-probability targets, and thresholds. The ``_plain_*`` tests recognise the common call,
for which none of the checks can fail, so that a loss may skip them (see ``_plain_pair``).
"""
import numpy as np

from .._tensor import Tensor


class TargetTypeError(TypeError, RuntimeError):
    """A target of the wrong dtype. It is a ``TypeError`` (microtensor's rule for wrong
    types) and a ``RuntimeError`` (what PyTorch raises), so either ``except`` catches it."""


class BatchSizeError(ValueError, RuntimeError):
    """Input and target batch sizes differ: a ``ValueError`` (what PyTorch raises for this case) and a
    ``RuntimeError`` (what it raises for the other shape mismatches of a class target)."""


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
        batch_differs = input.ndim >= 2 and target_array.ndim >= 1 and target_array.shape[0] != input.shape[0]
        raise (BatchSizeError if batch_differs else RuntimeError)(
            f"{op_name}(): input of shape {tuple(input.shape)} (batch, classes, ...) needs a target of shape "
            f"{expected}, got {tuple(target_array.shape)}"
            + (f"; expected input batch_size ({input.shape[0]}) to match target batch_size "
               f"({target_array.shape[0]})" if batch_differs else "")
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
    if isinstance(weight, Tensor) and weight.requires_grad:  # this loss is differentiable in weight
        _class_weight(weight, classes, input, "cross_entropy")
        return input, target, weight.to(input.dtype)
    return input, target, _class_weight(weight, classes, input, "cross_entropy")


def _threshold(value, name, op_name, allow_zero):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{op_name}(): {name} must be a number, got {type(value).__name__}")
    if value < 0 or (value == 0 and not allow_zero):
        kind = "negative" if allow_zero else "non-positive"
        raise RuntimeError(f"{op_name} does not support {kind} values for {name} (got {name}={value})")
    return float(value)
