"""What one captured step did, as a list of events over numbered values.

A ``Trace`` is what the ``Recorder`` (recorder.py) writes while a step runs eagerly,
and what the program builder (program.py) turns into Python code. Every array (or
tensor) the step touches gets a number, its *value*; an event reads values and makes
new ones:

========== ======================================================================
event      what it means
========== ======================================================================
``op``     a forward op: ``outputs = cls.forward(ctx, *args)``
``bwd``    a node's backward rule: ``input_grads = cls.backward(ctx, *grads)``
``fit``    the engine reduced a gradient to its input's shape and dtype
``add``    the engine summed two gradients of the same tensor
``deliver``a leaf received its gradient in ``.grad`` (adopted, copied or added)
``write``  an in-place op wrote a value into an array (``add_``, ``t[i] = v``)
``set_grad``  ``p.grad = None`` (``zero_grad``) or ``p.grad = t``
``opt``    ``optimizer.step()``: the optimizer's per-parameter update
========== ======================================================================

Values come from four sources besides events: the step's tensor arguments
(``arg``), tensors that live across steps such as parameters, buffers and data sets
(``external``: read by reference, guarded by identity), arrays made by creation
functions inside the step (``created``: their capture-time values, copied afresh at
each replay) and other arrays found in an op's arguments (``constant``).
"""
import numpy as np

from .._tensor import Tensor


class Trace:
    """The events of one step and where each value comes from."""

    def __init__(self):
        self.events = []
        self.sources = []      # per value: ("arg", position) | ("external", tensor) | ("created", copy)
                               #            | ("constant", array) | ("made", event index)
        self.arg_count = 0
        self.externals = []    # (tensor, array, requires_grad): replay needs these to be unchanged
        self.modules = {}      # id -> module whose train flag the step depends on
        self.optimizers = {}   # id -> optimizer whose step the trace contains
        self.result = None     # the step's return value, with tensors replaced by ("value", number)
        self.layouts = []      # per value: (shape, dtype, is an ndarray) at capture, for the lowerings

    def new_value(self, source, thing=None):
        self.sources.append(source)
        self.layouts.append((getattr(thing, "shape", ()), getattr(thing, "dtype", None), thing.__class__ is np.ndarray))
        return len(self.sources) - 1


def same_structure(first, second):
    """Did two traces of the same function do the same thing, value for value?

    Two captures of one step must agree on every op, every constant (compared by
    value) and every external tensor (compared by identity); if a constant differs,
    it came from data the recorder cannot see (a Python variable, a numpy array
    filled outside microtensor), and replaying the first capture would be wrong.
    Returns None when they agree, else a sentence saying where they differ.
    """
    if len(first.events) != len(second.events):
        return f"the two captured calls ran different numbers of steps ({len(first.events)} vs {len(second.events)})"
    if first.arg_count != second.arg_count or len(first.sources) != len(second.sources):
        return "the two captured calls used different numbers of values"
    for number, (a, b) in enumerate(zip(first.sources, second.sources)):
        if a[0] != b[0]:
            return f"value {number} came from {a[0]} in one call and {b[0]} in the other"
        if a[0] == "external" and (a[1] is not b[1] or a[2] is not b[2]):
            return f"value {number}: a different tensor object was read (a tensor made outside any op during the step?)"
        if a[0] in ("created", "constant") and not equal_values(a[1], b[1]):
            return (f"value {number} (a {a[0]} array of shape {np.shape(a[1])}) changed between calls: it depends on "
                    f"data the capture cannot see, such as a Python variable or a numpy array")
    for number, (a, b) in enumerate(zip(first.events, second.events)):
        difference = _event_difference(a, b)
        if difference:
            return f"step {number} ({a[0]}): {difference}"
    if not equal_values(first.result, second.result):
        return "the function returned different non-tensor values (Python state that changes between calls)"
    return None


def _event_difference(a, b):
    if a[0] != b[0] or len(a) != len(b):
        return "a different kind of step"
    for x, y in zip(a[1:], b[1:]):
        if not equal_values(x, y):
            return f"different arguments ({_short(x)} vs {_short(y)})"
    return None


def _short(value):
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


def equal_values(a, b):
    """Equality for the things events hold: arrays by value and dtype, nodes and objects by class."""
    if a is b:
        return True
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return False  # tensors are the same only as the same object
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.dtype == b.dtype
                and a.shape == b.shape and a.tobytes() == b.tobytes())
    if isinstance(a, (tuple, list)):
        return (type(a) is type(b) and len(a) == len(b)
                and all(equal_values(x, y) for x, y in zip(a, b)))
    if isinstance(a, dict):
        return (type(a) is type(b) and a.keys() == b.keys()
                and all(equal_values(a[k], b[k]) for k in a))
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (a != a and b != b)
    if type(a) is not type(b):
        return False
    if hasattr(a, "needs_input_grad"):  # graph nodes: the same op with the same flags
        return a.needs_input_grad == b.needs_input_grad
    try:
        return bool(a == b)
    except Exception:  # objects without a usable ==: only identity counts
        return False
