"""In-place ops (``add_``, ``mul_``, ``t[i] = v``, ``copy_``, ...) that keep autograd right.

An in-place op is computed out of place first, as a recorded op on the target tensor;
then its values are written into the target's memory and the target takes over the
result's history:

* a tensor that is not a view simply gets the result's ``grad_fn``;
* a view's base gets a ``CopySlices`` node (PyTorch's name): the base's new value is
  its old value with the viewed region replaced by the result. Its backward sends the
  gradient outside the region to the base's old history and the region's gradient to
  the result's history. Every view of the base remakes its history from there when it
  is next used (``views.refresh_view``).

Values an op saved for backward that the write overwrites are kept as copies, with
their history, so first and second derivatives stay right (``z.mul_(x)``).
"""
import numpy as np

from .. import _dtypes
from .._memory_overlap import ensure_writable
from .._registry import TORCH_DTYPE_NAMES
from .._tensor import _new_tensor
from .function import _SCRATCH_CONTEXT, Function
from .hooks import _hook_list
from .node_meta import shared_meta
from .outputs import edge_of
from .saved import OUTPUT, is_record
from .grad_mode import _state
from .views import MULTI, NO_GRAD, refresh_view, replay_tensors


def write_untracked(target, op_name, values):
    """Write ``values`` straight into ``target``'s memory when autograd has nothing to keep (not a view,
    no history, not recording a tensor that requires grad): the fast path of ``fill_`` and of the
    in-place random fills. Returns False, writing nothing, when the write must go through
    ``apply_inplace`` instead."""
    if target._view is not None or target._grad_fn is not None or (target._requires_grad and _state.enabled):
        return False
    ensure_writable(target._data, op_name)
    target._data[...] = values
    target._version_counter[0] += 1
    return True


def apply_inplace(target, op_name, compute):
    """Run ``compute()`` (the op out of place on ``target``), then write its result into ``target``."""
    if target._view is not None:
        refresh_view(target)  # which may also rewrite its steps (views.current_steps)
    view = target._view
    if _state.enabled:
        _check_not_leaf(target, op_name)
    result = compute()
    _check_result_fits(target, result, op_name)
    node = result._grad_fn
    if node is not None:
        _keep_overwritten_saved_values(node, target)
    ensure_writable(target._data, op_name)
    target._data[...] = result._data
    if _state.recorder is not None:
        _state.recorder.on_write(target._data, result._data)
    counter = target._version_counter
    counter[0] += 1
    if node is None or not _state.enabled:
        return target
    if view is None:
        retained = _take_retain_grad(target)
        target._grad_fn = node
        target._requires_grad = True
        if target._output_nr:
            target._output_nr = 0
        if retained:
            _hook_list(target).extend(retained)
        if node._saved:  # the node's output now lives in target: check target's version
            node._saved = [
                (record[0], OUTPUT, counter, counter[0]) if is_record(record) and record[1] is OUTPUT else record
                for record in node._saved
            ]
    else:
        _rebase_base(view[0], view[1], edge_of(result), result)
    return target


def _check_not_leaf(target, op_name):
    if target._requires_grad and target._grad_fn is None:
        raise RuntimeError(
            f"{op_name}: a leaf Variable that requires grad is being used in an in-place operation. "
            f"Wrap the update in `with mt.no_grad():` (as optimizers do), or work on a .clone()."
        )
    view = target._view
    if view is None:
        return
    base = view[0]
    if view[3] == MULTI and base._requires_grad:
        raise RuntimeError(
            f"{op_name}: this tensor is one of several views returned by one function (unbind, split, "
            f"chunk) and is being modified in-place; PyTorch forbids it with autograd on. Replace the "
            f"in-place operation by an out-of-place one, or .clone() the view first."
        )
    if view[3] == NO_GRAD and base._requires_grad:
        raise RuntimeError(
            f"{op_name}: a view was created in no_grad mode and is being modified in-place with grad mode "
            f"enabled; this is ambiguous, so it is forbidden. Make the view outside no_grad, or modify it "
            f"inside no_grad too."
        )
    if base._requires_grad and base._grad_fn is None:
        raise RuntimeError(
            f"{op_name}: a view of a leaf Variable that requires grad is being used in an in-place "
            f"operation. Wrap the update in `with mt.no_grad():`, or work on a .clone() of the leaf."
        )


def _check_result_fits(target, result, op_name):
    """PyTorch's rule for writing a result into ``target``: any cast but floating to integer or bool
    and integer to bool (``_dtypes.castable``, as ``mt.can_cast``), so ``uint8.add_(int64)`` wraps into uint8 and
    ``float32.add_(float64)`` rounds, while ``int64.add_(0.5)`` is refused."""
    if result.dtype != target.dtype and not _dtypes.castable(result.dtype, target.dtype):
        source, wanted = (TORCH_DTYPE_NAMES.get(dtype.name, dtype.name) for dtype in (result.dtype, target.dtype))
        raise RuntimeError(
            f"{op_name}: result type {source} can't be cast to the desired output type {wanted}; "
            f"assign the out-of-place result instead (x = x + y promotes), or convert the tensor first, e.g. x.float()"
        )
    if result.shape != target.shape:
        raise RuntimeError(
            f"{op_name}: output with shape {target.shape} doesn't match the broadcast shape {result.shape}"
        )


def _keep_overwritten_saved_values(node, target):
    """The op saved ``target``'s old values, which the write overwrites: keep a copy, with its history."""
    saved = node._saved
    for index, record in enumerate(saved or ()):
        if is_record(record) and record[1] is target:
            old = _new_tensor(record[0].copy(), target._requires_grad, target._grad_fn)
            old._output_nr = target._output_nr
            saved[index] = (old._data, old, None, None)



def _rebase_base(base, steps, value_edge, value):
    """Give ``base`` a ``CopySlices`` node: its region ``steps`` now holds ``value``."""
    node = object.__new__(CopySlices)
    node._saved = ()
    base_needs = base._requires_grad
    node.inputs = (edge_of(base) if base_needs else None, value_edge)
    node.input_meta = (
        shared_meta(base.shape, base.dtype) if base_needs else None,
        shared_meta(value.shape, value.dtype),
    )
    node.needs_input_grad = (base_needs, True)
    node.steps = steps
    node.template = base._data  # its layout: backward replays the steps on a buffer laid out alike
    retained = _take_retain_grad(base)
    base._grad_fn = node
    base._requires_grad = True
    if base._output_nr:
        base._output_nr = 0
    if retained:
        _hook_list(base).extend(retained)


def _take_retain_grad(tensor):
    """``retain_grad()``'s hook of a tensor about to get a new node, taken off its old node: as in PyTorch,
    ``.grad`` then holds the gradient of the tensor's new value (other hooks stay with the old value)."""
    if tensor._grad_fn is None or not tensor.__dict__.get("_retains_grad"):
        return None
    hooks = _hook_list(tensor)
    retained = [hook for hook in hooks if getattr(hook, "retains_grad", False)]
    hooks[:] = [hook for hook in hooks if not getattr(hook, "retains_grad", False)]
    return retained


def replay_arrays(array, steps):
    """The view that ``steps`` take of ``array`` (a numpy view of it)."""
    for cls, args in steps:
        array = cls.forward(_SCRATCH_CONTEXT, array, *args)
    return array


def writable_region(array, steps):
    """``replay_arrays`` for writing: the region an in-place op wrote through (a slice of an
    ``expand()`` in which nothing repeats is writable, as the write itself was)."""
    region = replay_arrays(array, steps)
    ensure_writable(region, "backward of an in-place op on a view")
    return region


class CopySlices(Function):
    """``base' = base`` with ``base'[view] = value`` (an in-place op through a view).

    d/d base = g with the viewed region zeroed;  d/d value = g[view].
    """

    numpy_level = True

    @staticmethod
    def backward(ctx, grad):
        need_base, need_value = ctx.needs_input_grad
        if isinstance(grad, np.ndarray):
            buffer = np.empty_like(ctx.template)  # the base's layout, so the steps give the same view
            buffer[...] = grad
            region = writable_region(buffer, ctx.steps)
            grad_value = np.array(region, copy=True) if need_value else None
            if need_base:
                region[...] = 0
            return (buffer if need_base else None), grad_value
        grad_value = replay_tensors(grad, ctx.steps) if need_value else None
        grad_base = None
        if need_base:
            mask = np.zeros_like(ctx.template, dtype=bool)
            writable_region(mask, ctx.steps)[...] = True
            grad_base = ZeroRegion.apply(grad, mask)
        return grad_base, grad_value


class ZeroRegion(Function):
    """``y = g`` with the positions where ``mask`` is True set to 0;  dy/dg is the same masking."""

    numpy_level = True

    @staticmethod
    def forward(ctx, grad, mask):
        ctx.mask = mask
        return np.where(mask, np.zeros((), dtype=grad.dtype), grad)

    @staticmethod
    def backward(ctx, grad):
        if isinstance(grad, np.ndarray):
            return np.where(ctx.mask, np.zeros((), dtype=grad.dtype), grad), None
        return ZeroRegion.apply(grad, ctx.mask), None
