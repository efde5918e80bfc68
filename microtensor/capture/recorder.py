"""The ``Recorder``: watches one eager run of a step and writes its ``Trace``.

While a step is captured, ``grad_mode._state.recorder`` holds a Recorder, and the few
places where a step touches data tell it what happened: ``Function.apply`` (every
op), the backward engine (every gradient it computes, sums and delivers), in-place
writes, ``p.grad = ...``, ``optimizer.step()``, the creation functions, and the ways
data leaves microtensor for Python (``.item()``, ``bool()``, ``.numpy()``, ...). The
step itself runs exactly as it would without the recorder.

Anything the recorder cannot turn into a replayable event makes the capture fail
with a reason (``unsupported``); the step still finishes eagerly, and the compiled
function keeps running that signature eagerly. With ``fullgraph=True`` the reason is
raised as a ``CaptureError`` at the line that caused it.
"""
import os
import sys

import numpy as np

from .. import random as _random
from .._tensor import Tensor
from ..autograd.anomaly import anomaly_mode
from ..autograd.engine import _deliver_to_leaf
from ..autograd.grad_mode import _state
from ..autograd.inplace import CopySlices
from .snapshots import Snapshots
from .trace import Trace

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class CaptureError(RuntimeError):
    """A step that ``mt.compile(fullgraph=True)`` cannot capture as one program."""


class Recorder:
    """Notes what one eager run of a step does (see the module docstring)."""

    def __init__(self, fullgraph=False):
        self.trace = Trace()
        self.fullgraph = fullgraph
        self.failure = None          # why this step cannot be replayed, once known
        self.snapshots = Snapshots()  # the state before the step, to validate the program against
        self.nodes = {}              # op event index -> the graph node eager made for it
        self.static_nodes = {}       # bwd event index -> a node replayed as it is (no forward of its own)
        self._values = {}            # id(array or tensor) -> value number
        self._keep = []              # everything numbered stays alive, so ids stay unique
        self._node_events = {}       # id(node) -> index of the op event that made it
        self._arg_tensors = {}       # id(tensor) -> argument position

    # ------------------------------------------------------------ start, end
    def start(self, arg_tensors):
        for position, tensor in enumerate(arg_tensors):
            self._arg_tensors[id(tensor)] = position
            self._number(tensor._data, ("arg", position))
            self._keep.append(tensor)
        self.trace.arg_count = len(arg_tensors)
        self.snapshots.generator(_random.default_generator._rng)
        if anomaly_mode.enabled:
            self.unsupported("detect_anomaly() is on")

    def finish(self, result):
        """Note the step's return value: tensors by value number, other values as they are."""
        self.trace.result = self._result_spec(result)

    def _result_spec(self, value):
        if isinstance(value, Tensor):
            return ("value", self._tensor_value(value))
        if isinstance(value, (tuple, list)):
            return (type(value).__name__, [self._result_spec(item) for item in value])
        if isinstance(value, dict):
            return ("dict", {key: self._result_spec(item) for key, item in value.items()})
        if isinstance(value, np.ndarray):
            self.unsupported("the step returns a numpy array (return the tensor instead)")
        return ("py", value)

    # ---------------------------------------------------------------- values
    def _number(self, thing, source):
        number = self.trace.new_value(source, thing)
        self._values[id(thing)] = number
        self._keep.append(thing)
        return number

    def _tensor_value(self, tensor):
        """The value number of ``tensor``'s array; a tensor not seen yet lives across steps (external)."""
        array = tensor._data
        number = self._values.get(id(array))
        if number is None:
            number = self._number(array, ("external", tensor, array))
            self.trace.externals.append((tensor, array, tensor._requires_grad))
            self.snapshots.array(array)
        return number

    def _known(self, thing, what):
        number = self._values.get(id(thing))
        if number is None:
            self.unsupported(f"{what} that was not computed by an op in this step")
        return number

    def _gradient_value(self, grad):
        """A gradient handed to a backward rule: computed in the step, or made by the engine (ones, zeros)."""
        number = self._values.get(id(grad))
        if number is None:
            if not isinstance(grad, np.ndarray):
                self.unsupported(f"a gradient of type {type(grad).__name__}")
                return None
            number = self._number(grad, ("created", grad.copy()))
        return number

    def _spec(self, value):
        """How an op's non-tensor argument is rebuilt at replay (arrays inside it by value number)."""
        if isinstance(value, Tensor):
            return ("tensor", self._tensor_value(value))
        if isinstance(value, np.ndarray):
            number = self._values.get(id(value))
            if number is None:
                self._check_not_a_view_of_the_step(value)
                self.snapshots.array(value)
                number = self._number(value, ("constant", value))
            return ("value", number)
        if isinstance(value, (tuple, list)):
            inner = [self._spec(item) for item in value]
            if all(spec[0] == "py" for spec in inner):
                return ("py", value)
            return (type(value).__name__, inner)
        if isinstance(value, np.random.Generator):
            self.snapshots.generator(value)
        elif isinstance(value, _random.Generator):
            self.snapshots.generator(value._rng)
        return ("py", value)

    def _check_not_a_view_of_the_step(self, array):
        """An array an op gets outside its tensor arguments is read by reference at replay: fine for a view
        of a buffer (batch norm's running statistics), wrong for a view of a value this step computed."""
        base = array.base
        while isinstance(base, np.ndarray):
            number = self._values.get(id(base))
            if number is not None and self.trace.sources[number][0] == "made":
                self.unsupported("an op got a numpy view of a value computed in this step, made outside any op")
                return
            base = base.base

    def _leaf(self, tensor):
        """Where a leaf's ``.grad`` lives at replay: an argument, or a tensor that lives across steps."""
        self.snapshots.grad(tensor)
        position = self._arg_tensors.get(id(tensor))
        if position is not None:
            return ("arg", position)
        number = self._tensor_value(tensor)
        if self.trace.sources[number][0] != "external":
            self.unsupported("a tensor created inside the step with requires_grad=True")
        return ("external", number)

    # ------------------------------------------------------------- failures
    def unsupported(self, reason):
        """This step cannot be replayed: remember why (the first reason), or raise under fullgraph."""
        if self.failure is not None:
            return
        self.failure = f"{reason} (at {_user_line()})"
        if self.fullgraph:
            _state.recorder = None
            raise CaptureError(
                f"mt.compile(fullgraph=True) cannot capture this step: {self.failure}. Move it out of the "
                f"compiled function, or drop fullgraph=True to run such steps eagerly."
            )

    def on_escape(self, what):
        self.unsupported(f"{what} reads a tensor's value into Python, so the rest of the step may depend on it")

    def on_random_outside_op(self, rng):
        self.unsupported("a random tensor made outside an op (mt.rand, mt.randn, ... inside the step)")

    # ---------------------------------------------------------------- events
    def on_apply(self, cls, args, kwargs):
        for arg in args:  # an op may update an argument in place (batch norm's running statistics):
            array = arg._data if isinstance(arg, Tensor) else arg  # keep its values from before the op
            if array.__class__ is np.ndarray and id(array) not in self._values:
                self.snapshots.array(array)
        _state.recorder = None  # the op runs as always; ops it runs inside are part of it
        try:
            result = cls.apply(*args, **kwargs)
        finally:
            _state.recorder = self
        if self.failure is None:
            self._note_op(cls, args, kwargs, result)
        return result

    def _note_op(self, cls, args, kwargs, result):
        if not cls.numpy_level:
            self.unsupported(f"the custom Function {cls.__name__}, which compile cannot replay")
            return
        arg_specs = tuple(("value", self._tensor_value(arg)) if isinstance(arg, Tensor) else self._spec(arg)
                          for arg in args)
        kwarg_specs = {key: self._spec(value) for key, value in kwargs.items()}
        several = result.__class__ is tuple
        index = len(self.trace.events)
        node = None
        outputs = []
        for out in (result if several else (result,)):
            if out is None:
                outputs.append(None)
                continue
            if not isinstance(out, Tensor):
                self.unsupported(f"{cls.__name__} returned a {type(out).__name__}")
                return
            if out._grad_fn is not None and node is None:
                node = out._grad_fn
            outputs.append(self._number(out._data, ("made", index)))
        unary_fix = len(args) == 1 and isinstance(args[0], Tensor)
        needs = None
        if node is not None:
            self.nodes[index] = node
            self._node_events[id(node)] = index
            self._keep.append(node)
            needs = node.needs_input_grad
        scalars = tuple(out is not None and out._data.ndim == 0 for out in (result if several else (result,)))
        self.trace.events.append(("op", cls, arg_specs, kwarg_specs, needs, tuple(outputs), several, unary_fix,
                                  scalars))

    def on_backward_start(self, output_grads, create_graph, inputs):
        if create_graph:
            self.unsupported("backward(create_graph=True)")
        if inputs is not None:
            self.unsupported("autograd.grad() or backward(inputs=...)")
        for grad in output_grads:
            self._gradient_value(grad)

    def on_node_backward(self, node, grad, input_grads):
        if self.failure is not None:
            return
        index = len(self.trace.events)
        forward = self._node_events.get(id(node))
        if forward is None:
            if not (node.view_of is not None or type(node) is CopySlices) or node._saved:
                self.unsupported(f"the graph node {node.name()} was made outside the recorded ops")
                return
            self.static_nodes[index] = node
            self._keep.append(node)
        if node._pre_hooks is not None:
            self.unsupported(f"a hook on the gradient of a {node.name()} output (register_hook)")
        several = node._output_meta is not None
        grads = grad if several else [grad]
        inputs = tuple(None if g is None else self._gradient_value(g) for g in grads)
        outputs = tuple(None if g is None else self._number(g, ("made", index)) for g in input_grads)
        self.trace.events.append(("bwd", forward, type(node), inputs, outputs, several))

    def on_fit(self, given, fitted, shape, dtype, node, index):
        source = self._known(given, "a gradient")
        if source is None:
            return
        number = self._number(fitted, ("made", len(self.trace.events)))
        self.trace.events.append(("fit", source, number, shape, dtype, index))

    def on_add(self, previous, grad, total):
        first, second = self._known(previous, "a gradient"), self._known(grad, "a gradient")
        if first is None or second is None:
            return
        number = self._number(total, ("made", len(self.trace.events)))
        self.trace.events.append(("add", first, second, number))

    def on_deliver(self, leaf, grad, fresh):
        before = leaf._grad
        ref = self._leaf(leaf)
        _deliver_to_leaf(leaf, grad, None, False, fresh)
        source = self._known(grad, "a gradient")
        if source is None:
            return
        if before is None:
            adopted = leaf._grad._data is grad
            number = source if adopted else self._number(leaf._grad._data, ("made", len(self.trace.events)))
            self.trace.events.append(("deliver", ref, source, "adopt" if adopted else "copy", number,
                                      leaf._data.dtype))
            return
        total = self._values.get(id(before._data))
        if total is None or self.trace.sources[total][0] != "made":
            self.unsupported(
                "gradient accumulation across calls: a .grad was not None when backward ran and was not made "
                "in this step; call optimizer.zero_grad() inside the compiled function")
            return
        self.trace.events.append(("deliver", ref, source, "add", total, leaf._data.dtype))

    def on_write(self, target, value):
        if self.failure is not None:
            return
        written = self._known(target, "an in-place write into an array")
        source = self._known(value, "an in-place write of a value")
        if written is not None and source is not None:
            self.trace.events.append(("write", written, source))

    def on_set_grad(self, tensor, value):
        ref = self._leaf(tensor)
        source = None
        if value is not None:
            source = self._known(value._data, "p.grad = t with a tensor")
        self.trace.events.append(("set_grad", ref, source))

    def on_optimizer_step(self, optimizer, closure):
        if closure is not None:
            self.unsupported(f"{type(optimizer).__name__}.step(closure)")
            return
        self.trace.optimizers[id(optimizer)] = optimizer
        items = []
        index = 0
        for group_number, group in enumerate(optimizer.param_groups):
            for param in group["params"]:
                grad = param.grad
                if grad is not None:
                    param_value = self._tensor_value(param)
                    grad_value = self._values.get(id(grad._data))
                    if grad_value is None or self.trace.sources[grad_value][0] != "made":
                        self.unsupported(
                            f"{type(optimizer).__name__}.step() uses a .grad that was not computed in this step "
                            f"(gradient accumulation across calls); call zero_grad() inside the compiled function")
                        return
                    self.snapshots.optimizer_state(optimizer.state[param])
                    items.append((param_value, grad_value, group_number, index))
                index += 1
        self.trace.events.append(("opt", id(optimizer), tuple(items)))

    def on_call(self, function, *args):
        """A function that works on ``.grad`` arrays directly (``clip_grad_norm_``): replays call it again.

        Its arguments are kept as they are (the parameters themselves, which replays guard), and
        the gradients it reads must have been computed in this step."""
        for value in args:
            for tensor in value if isinstance(value, list) else ():
                if isinstance(tensor, Tensor) and tensor._grad is not None:
                    self._tensor_value(tensor)
                    self._known(tensor._grad._data, f"{function.__name__}() reads a .grad")
        _state.recorder = None
        try:
            result = function(*args)
        finally:
            _state.recorder = self
        number = None
        if isinstance(result, Tensor):
            number = self._number(result._data, ("made", len(self.trace.events)))
        self.trace.events.append(("call", function, args, number))
        return result

    def on_created(self, tensor):
        array = tensor._data
        self._number(array, ("created", array.copy()))

    def on_module_call(self, module):
        self.trace.modules[id(module)] = module


def _user_line():
    """``file:line`` of the innermost caller outside microtensor: where the step did it."""
    frame = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE):
            return f"{filename}:{frame.f_lineno}"
        frame = frame.f_back
    return "an unknown line"
