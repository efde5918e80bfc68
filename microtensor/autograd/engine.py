"""The backward pass: reverse-mode differentiation over the recorded graph.

The graph is made of ``Function`` nodes. Each node's ``inputs`` holds, per forward
argument, the node that produced it, the leaf ``Tensor`` itself, or ``None``.
``run_backward`` walks it without recursion (Kahn's algorithm), so graphs of any
depth work:

1. count, for every node reachable from the outputs, how many consumers it has;
2. start from the outputs; a node runs once all of its consumers have sent their
   gradient (the gradients are summed in a dictionary local to this call, so
   intermediate tensors never carry ``.grad``);
3. each node's ``backward`` returns one gradient per input; broadcasting is undone
   here, in one place (``fit_gradient`` in ``fit.py``), and the dtype is matched to the input;
4. leaves receive their gradient in ``.grad`` (accumulating), or, for
   ``autograd.grad``, in the result;
5. saved values are released after use unless ``retain_graph=True``.
"""
import numpy as np

from .._tensor import Tensor, _new_tensor
from .anomaly import anomaly_mode as _anomaly_mode
from .outputs import edge_of
from .saved import FREED_MESSAGE
from .grad_mode import _state
from .hooks import NODE_HOOKS, NODE_PREHOOKS, run_hooks, run_node_posthooks, run_node_prehooks
from .fit import fit_gradient



def run_backward(outputs, output_grads, retain_graph=False, create_graph=False, inputs=None, allow_unused=False):
    """Backpropagate ``output_grads`` from ``outputs``.

    With ``inputs=None`` gradients are accumulated into the leaves' ``.grad``.
    Otherwise nothing is accumulated and the gradients of ``inputs`` are returned
    as a tuple (``autograd.grad``).
    """
    recorder = _state.recorder  # mt.compile capturing a step: it notes each gradient computed here
    if recorder is not None:
        recorder.on_backward_start(output_grads, create_graph, inputs)
    capture = None
    if inputs is not None:
        capture = {}
        for tensor in inputs:
            capture[_capture_key(tensor)] = None

    pending = {}  # node -> gradient summed so far (a list, one per output, for several outputs)
    hooked_leaves = {}  # leaf -> gradient summed so far, for leaves whose hooks must see the total
    roots = []
    for output, grad in zip(outputs, output_grads):
        if create_graph and not isinstance(grad, Tensor):
            grad = Tensor._make(grad)
        node = output.grad_fn
        if node is None:
            if output._hooks:
                _hold_for_hooks(hooked_leaves, output, grad)
            else:
                _deliver_to_leaf(output, grad, capture, create_graph)
            continue
        if node not in pending:
            roots.append(node)
            if not output._output_nr:  # the common loss.backward(): the root's first gradient
                pending[node] = grad
                continue
        _add_pending(pending, edge_of(output), grad, recorder)

    consumers = _count_consumers(roots)
    ready = [node for node in roots if consumers[node] == 0]
    plain = not create_graph and not _anomaly_mode.enabled  # built-in ops may run on bare arrays
    # ... and, with nothing watching (autograd.grad's capture, mt.compile's recorder), leaves
    # without hooks get their gradient straight into .grad
    direct = plain and capture is None and recorder is None
    mode_before, partial_before = _state.enabled, _state.partial_backward
    _state.enabled = create_graph  # user Functions' backward records nothing unless create_graph
    _state.recorder = None  # the ops that backward rules call are not steps of the captured program
    _state.partial_backward = capture is not None
    try:
        while ready:
            node = ready.pop()
            grad = pending.pop(node, None)
            targets = node.inputs
            if grad is None:  # no gradient reached this node: its inputs get none from it
                input_grads = None
            elif direct and node.numpy_level and node._output_meta is None and node._pre_hooks is None:
                input_grads = _plain_backward(node, grad, retain_graph)  # the common case
            else:
                input_grads = _watched_backward(node, grad, capture, recorder, plain, retain_graph, create_graph)
            meta = node.input_meta
            for index, target in enumerate(targets):
                if target is None:
                    continue
                input_grad = None if input_grads is None else input_grads[index]
                fresh = None  # known only once a fit ran; else looked up for a leaf below
                if input_grad is not None:
                    shape, dtype = meta[index]
                    if input_grad.__class__ is not np.ndarray or input_grad.shape != shape or (
                        input_grad.dtype is not dtype and input_grad.dtype != dtype
                    ):
                        given = input_grad
                        input_grad, fresh = fit_gradient(input_grad, shape, dtype, node, index, create_graph)
                        if recorder is not None:
                            recorder.on_fit(given, input_grad, shape, dtype, node, index)
                if target.__class__ is Tensor or isinstance(target, Tensor):
                    if input_grad is None:
                        continue
                    if direct and not target._hooks:  # _deliver_to_leaf's common case, inlined
                        leaf_grad = target._grad
                        if leaf_grad is not None:
                            leaf_grad._data += input_grad
                        else:
                            if fresh is None:
                                fresh = index in node.fresh_gradients
                            target._grad = _first_gradient(target, input_grad, fresh)
                        continue
                    if fresh is None:
                        fresh = index in node.fresh_gradients
                    if target._hooks:
                        if recorder is not None:
                            recorder.unsupported("a gradient hook (register_hook) on a leaf tensor")
                        _hold_for_hooks(hooked_leaves, target, input_grad)
                    elif recorder is not None:
                        recorder.on_deliver(target, input_grad, fresh)
                    else:
                        _deliver_to_leaf(target, input_grad, capture, create_graph, fresh)
                    continue
                if target.__class__ is tuple:  # one output of a node with several
                    if input_grad is not None:
                        _add_pending(pending, target, input_grad, recorder)
                    target = target[0]
                elif input_grad is not None:
                    previous = pending.get(target)
                    if previous is None:
                        pending[target] = input_grad
                    elif previous.__class__ is list:
                        _add_pending(pending, target, input_grad, recorder)
                    else:
                        pending[target] = previous + input_grad
                        if recorder is not None:
                            recorder.on_add(previous, input_grad, pending[target])
                remaining = consumers[target] - 1
                consumers[target] = remaining
                if remaining == 0:
                    ready.append(target)
        for leaf, grad in hooked_leaves.items():
            _deliver_to_leaf(leaf, run_hooks(leaf._hooks, grad, create_graph), capture, create_graph)
    finally:
        _state.enabled, _state.partial_backward = mode_before, partial_before
        _state.recorder = recorder

    if capture is None:
        return None
    results = []
    for position, tensor in enumerate(inputs):
        grad = capture[_capture_key(tensor)]
        if grad is None:
            if not allow_unused:
                raise RuntimeError(
                    f"One of the differentiated Tensors (inputs[{position}], shape {tensor.shape}) appears "
                    f"to not have been used in the graph. Set allow_unused=True if this is the desired behavior."
                )
            results.append(None)
        elif isinstance(grad, Tensor):
            results.append(grad)
        else:
            results.append(Tensor._make(np.array(grad, copy=True)))
    return tuple(results)


def _plain_backward(node, grad, retain_graph):
    """A built-in op's backward on arrays: its gradients, one per input; frees what it saved."""
    saved = node._saved
    if saved is None:
        raise RuntimeError(FREED_MESSAGE)
    input_grads = node.backward(node, grad)
    if input_grads.__class__ is not tuple:
        input_grads = _as_gradient_tuple(input_grads)
    if len(input_grads) != len(node.inputs):
        input_grads = _drop_trailing_nones(node, input_grads)
    if saved and not retain_graph:
        node._saved = None
    return input_grads


def _watched_backward(node, grad, capture, recorder, plain, retain_graph, create_graph):
    """One node's backward with everything the common case leaves out: several outputs, hooks on
    the node, ``autograd.grad``'s capture, mt.compile's recorder, user Functions, ``create_graph``."""
    several = node._output_meta is not None
    if several:
        grad = _materialize(node, grad, create_graph)
    hooks = node._pre_hooks
    if hooks is not None:
        grad = _run_node_hooks(node, grad, create_graph)
    if capture is not None:
        _capture_node_gradient(capture, node, grad)
    if plain and node.numpy_level and not several:
        input_grads = _plain_backward(node, grad, retain_graph)
    else:
        input_grads = _call_backward(node, grad, retain_graph, create_graph)
    if hooks is not None and hooks.get(NODE_HOOKS):
        input_grads = run_node_posthooks(node, input_grads, grad, create_graph)
    if recorder is not None:
        recorder.on_node_backward(node, grad, input_grads)
    return input_grads


def _add_pending(pending, target, grad, recorder=None):
    """Sum ``grad`` into what ``target`` (a node, or ``(node, output number)``) has received."""
    if target.__class__ is tuple:
        node, number = target
        grads = pending.get(node)
        if grads is None:
            grads = pending[node] = [None] * len(node._output_meta)
        elif grads.__class__ is not list:  # output 0 arrived first, on its own
            grads = pending[node] = [grads] + [None] * (len(node._output_meta) - 1)
        grads[number] = _sum(grads[number], grad, recorder)
        return
    previous = pending.get(target)
    if previous.__class__ is list:
        previous[0] = _sum(previous[0], grad, recorder)
    else:
        pending[target] = _sum(previous, grad, recorder)


def _sum(previous, grad, recorder):
    if previous is None:
        return grad
    total = previous + grad
    if recorder is not None:
        recorder.on_add(previous, grad, total)
    return total


def _materialize(node, grad, create_graph):
    """The gradients of every output of a node with several, zeros where none arrived (as PyTorch)."""
    grads = grad if grad.__class__ is list else [grad] + [None] * (len(node._output_meta) - 1)
    if not node.__dict__.get("_materialize_grads", True):  # ctx.set_materialize_grads(False)
        return grads
    for number, meta in enumerate(node._output_meta):
        if grads[number] is None and meta is not None:
            zeros = np.zeros(meta[0], dtype=meta[1])
            grads[number] = Tensor._make(zeros) if create_graph else zeros
    return grads


def _run_node_hooks(node, grad, create_graph):
    """The hooks on the node's outputs (``tensor.register_hook``), then its own pre-hooks."""
    hooks = node._pre_hooks
    if node._output_meta is None:
        if hooks.get(0):
            grad = run_hooks(hooks[0], grad, create_graph)
    else:
        grad = [run_hooks(hooks[n], g, create_graph) if hooks.get(n) and g is not None else g for n, g in enumerate(grad)]
    if hooks.get(NODE_PREHOOKS):
        grad = run_node_prehooks(node, grad, create_graph)
    return grad


def _capture_node_gradient(capture, node, grad):
    if node._output_meta is None:
        if id(node) in capture:
            capture[id(node)] = grad
        return
    for number, output_grad in enumerate(grad):
        key = (id(node), number) if number else id(node)
        if key in capture:
            capture[key] = output_grad


def _capture_key(tensor):
    """Where ``autograd.grad`` collects a tensor's gradient: at the leaf, or at its node (and output)."""
    node = tensor.grad_fn
    if node is None:
        return id(tensor)
    return (id(node), tensor._output_nr) if tensor._output_nr else id(node)


def _count_consumers(roots):
    """Number of edges into each node reachable from ``roots`` (iterative DFS; the roots start at 0)."""
    consumers = dict.fromkeys(roots, 0)
    stack = list(roots)
    while stack:
        for target in stack.pop().inputs:
            if target is None:
                continue
            kind = target.__class__
            if kind is tuple:
                target = target[0]
            elif kind is Tensor or isinstance(target, Tensor):
                continue
            count = consumers.get(target)
            if count is None:  # first seen: walk it too
                consumers[target] = 1
                stack.append(target)
            else:
                consumers[target] = count + 1
    return consumers


def _call_backward(node, grad, retain_graph, create_graph):
    """Run one node's backward; returns one gradient (or None) per forward argument."""
    if node._saved is None:
        raise RuntimeError(FREED_MESSAGE)
    tensor_mode = create_graph or not node.numpy_level
    grads = grad if grad.__class__ is list else [grad]
    if tensor_mode:
        grads = [g if g is None or isinstance(g, Tensor) else Tensor._make(g) for g in grads]
    result = node.backward(node, *grads)
    if result.__class__ is not tuple:
        result = _as_gradient_tuple(result)
    if len(result) != len(node.inputs):
        result = _drop_trailing_nones(node, result)
    if tensor_mode:  # a user Function, or create_graph: the built-in ops' fast path skips these checks
        if not node.numpy_level:
            _check_non_tensor_gradients(node, result)
        if not create_graph:
            result = tuple(r._data if isinstance(r, Tensor) else r for r in result)
    if not retain_graph and node._saved:
        node._saved = None
    if _anomaly_mode.enabled:
        _check_backward_finite(node, result)
    return result


def _as_gradient_tuple(result):
    return tuple(result) if isinstance(result, (tuple, list)) else (result,)


def _drop_trailing_nones(node, result):
    """PyTorch accepts extra gradients past the inputs when they are all None; any other count is an error."""
    count = len(node.inputs)
    if len(result) > count and all(extra is None for extra in result[count:]):
        return result[:count]
    _raise_wrong_count(node, result)


def _check_non_tensor_gradients(node, result):
    """A user Function's backward may return a gradient only where forward got a Tensor (as in PyTorch)."""
    for position, (gradient, meta) in enumerate(zip(result, node.input_meta)):
        if gradient is not None and meta is False:  # False: the forward argument was not a Tensor
            raise RuntimeError(
                f"function {node.name()} returned a gradient different than None at position {position + 1}, "
                f"but the corresponding forward input was not a Variable (a Tensor); return None there"
            )


def _raise_wrong_count(node, result):
    raise RuntimeError(
        f"function {node.name()} returned an incorrect number of gradients "
        f"(expected {len(node.inputs)}, got {len(result)})"
    )


def _hold_for_hooks(hooked_leaves, leaf, grad):
    """A leaf with hooks gets its gradient at the end, once: its hooks must see the total."""
    previous = hooked_leaves.get(leaf)
    hooked_leaves[leaf] = grad if previous is None else previous + grad


def _deliver_to_leaf(leaf, grad, capture, create_graph, fresh=False):
    """Add ``grad`` into ``leaf.grad`` (or into ``capture`` for ``autograd.grad``).

    A first gradient is copied, so that ``.grad`` never shares memory with another
    tensor's gradient, unless ``fresh``: a new array nothing else holds (made by the
    engine, or declared in the op's ``fresh_gradients``), which is adopted as it is.
    """
    if capture is not None:
        key = id(leaf)
        if key in capture:
            previous = capture[key]
            capture[key] = grad if previous is None else previous + grad
        return
    if create_graph:
        if not isinstance(grad, Tensor):
            grad = Tensor._make(grad)
        leaf._grad = grad if leaf._grad is None else leaf._grad + grad
        return
    if isinstance(grad, Tensor):
        grad = grad._data
    if type(grad) is not np.ndarray:
        grad = np.asarray(grad)
    if leaf._grad is None:
        leaf._grad = _first_gradient(leaf, grad, fresh)
    else:
        leaf._grad._data += grad


def _first_gradient(leaf, grad, fresh):
    """The ``.grad`` of a leaf that had none: ``grad`` itself if ``fresh`` (and of the leaf's dtype), else a copy."""
    if fresh and grad.dtype == leaf._data.dtype and grad.flags.writeable:
        return _new_tensor(grad)
    return _new_tensor(np.array(grad, dtype=leaf._data.dtype, copy=True))


def _check_backward_finite(node, grads):
    if not _anomaly_mode.check_nan:
        return
    for index, grad in enumerate(grads):
        if grad is None:
            continue
        values = np.asarray(grad._data if hasattr(grad, "_grad_fn") else grad)
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            site = getattr(node, "_creation_site", None) or "(unknown: the op ran before detect_anomaly was on)\n"
            raise RuntimeError(
                f"Function '{node.name()}' returned nan or inf values in its {index}th output "
                f"(the gradient of its input {index}, shape {values.shape}). The op was created here:\n{site}"
            )
