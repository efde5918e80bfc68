"""Turning what ``forward`` returned into Tensors: views, several outputs, ``mark_dirty``.

``Function.apply`` calls these once ``forward`` has run: with nothing recorded
(``plain_output``), or with the node ``ctx`` as each output's ``grad_fn``
(``one_recorded_output`` for the common single array, ``recorded_outputs`` for the rest).
"""
import numpy as np

from .._tensor import Tensor, _new_tensor
from .anomaly import anomaly_mode
from .saved import only_plain_values, saved_records_of_one
from .views import attach_view, shares_memory


def edge_of(tensor):
    """Where the gradient of ``tensor`` goes: the tensor (a leaf), its node, or ``(node, output number)``."""
    node = tensor._grad_fn
    if node is None:
        return tensor
    if tensor._output_nr:
        return (node, tensor._output_nr)
    return node


def _is_passed_through(cls, value):
    """User Functions may return non-tensor values (None, numbers); they pass through unchanged."""
    return value is None or (not cls.numpy_level and not isinstance(value, (Tensor, np.ndarray, np.generic)))


def _view_output(cls, args, array, out):
    """Make ``out`` a view of the op's input when its array shares that input's memory."""
    source = args[0]
    if isinstance(source, Tensor) and shares_memory(array, source._data):
        out._counter = source._version_counter
        attach_view(source, out, cls, args[1:])


def plain_output(cls, ctx, args, value):
    """One output of an op that records nothing, as a Tensor."""
    if _is_passed_through(cls, value):
        return value
    if isinstance(value, Tensor):
        for arg in args:
            if value is arg:  # a user Function that modified an input in place and returns it
                if any(value is dirty for dirty in ctx.__dict__.get("_dirty", ())):
                    value._version_counter[0] += 1
                return value
        value = value._data
    if value.__class__ is not np.ndarray:
        value = scalar_result(cls, value, args)
    out = _new_tensor(value)
    if cls.view_of is not None:
        _view_output(cls, args, value, out)
    return out


def one_recorded_output(cls, ctx, args, forward_args, raw):
    """The output of a built-in op that returned one array (the common case of ``recorded_outputs``)."""
    out = raw if raw.__class__ is np.ndarray else scalar_result(cls, raw, args)
    if out.dtype.kind != "f":
        return _new_tensor(out)
    tensor = _new_tensor(out, True, ctx)
    if cls.view_of is not None:
        _view_output(cls, args, out, tensor)
    to_save = ctx._saved
    if to_save and not only_plain_values(to_save):
        ctx._saved = saved_records_of_one(to_save, args, forward_args, raw, out, tensor)
    if anomaly_mode.enabled:
        anomaly_mode.record_creation(ctx, out)
    return tensor


def recorded_outputs(cls, ctx, args, raws, several):
    """Wrap forward's results as Tensors whose ``grad_fn`` is ``ctx``.

    Returns the outputs, their arrays (None for passed-through values), and whether any
    output is differentiable (if none is, ``ctx`` is not a node of the graph).
    """
    dirty = ctx.__dict__.get("_dirty", ())
    non_differentiable = ctx.__dict__.get("_non_differentiable", ())
    outputs, arrays = [], []
    recorded = False
    for number, value in enumerate(raws):
        if _is_passed_through(cls, value):
            outputs.append(value)
            arrays.append(None)
            continue
        given = value if isinstance(value, Tensor) else None
        array = value._data if given is not None else value
        if array.__class__ is not np.ndarray:
            array = scalar_result(cls, array, args)
        arrays.append(array)
        differentiable = array.dtype.kind == "f" and not any(value is t for t in non_differentiable)
        if given is not None and any(given is t for t in dirty):
            outputs.append(_adopt_dirty(ctx, given, number, differentiable))
            recorded = recorded or differentiable
            continue
        if not differentiable:
            outputs.append(_new_tensor(array))
            continue
        out = _new_tensor(array, True, ctx)
        if number:
            out._output_nr = number
        if cls.view_of is not None:
            _view_output(cls, args, array, out)
        outputs.append(out)
        recorded = True
    if several:
        ctx._output_meta = tuple(None if a is None else (a.shape, a.dtype) for a in arrays)
    return tuple(outputs), arrays, recorded


def _adopt_dirty(ctx, tensor, number, differentiable):
    """An input that forward modified in place (``ctx.mark_dirty``) becomes the output itself."""
    if tensor._view is not None:
        raise RuntimeError(
            f"{ctx.name()}: mark_dirty() on a view is not supported by microtensor; pass a .clone() "
            f"of the view, or modify the base tensor instead"
        )
    if tensor._requires_grad and tensor._grad_fn is None:
        raise RuntimeError(
            f"{ctx.name()}: a leaf Variable that requires grad is being used in an in-place operation "
            f"(mark_dirty). Wrap the call in `with mt.no_grad():`, or work on a .clone()."
        )
    tensor._version_counter[0] += 1
    if differentiable:
        tensor._grad_fn = ctx
        tensor._requires_grad = True
        tensor._output_nr = number
    return tensor


def scalar_result(cls, value, args):
    """A numpy scalar from a built-in op as a 0-d array; for a one-argument op, of its input's float
    dtype (as ``Function._apply_unary`` makes it)."""
    if cls.numpy_level and len(args) == 1 and isinstance(args[0], Tensor):
        return unary_result(value, args[0]._data)
    return np.asarray(value)


def unary_result(out, x):
    """A 0-d result of a one-input op as an array of the input's float dtype.

    numpy returns scalars for 0-d results, and numpy 1.x promotes a 0-d float32 array
    combined with a Python float to float64 (value-based casting); PyTorch keeps float32.
    """
    out = np.asarray(out)
    if out.dtype != x.dtype and out.dtype.kind == "f" and x.dtype.kind == "f":
        out = out.astype(x.dtype)
    return out
