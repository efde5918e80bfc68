"""Tracing a model's forward for export, with the recorder of ``mt.compile``.

The model runs eagerly once on the given arguments while a ``Recorder``
(``microtensor/capture/recorder.py``) notes every op: the op's class, its arguments
(arrays by *value number*, Python values as they are) and its outputs. Parameters and
buffers show up as *external* values; they become initializers under their
``state_dict`` names.

The model then runs a second time, on a *probe*: the same arguments with their values
shuffled and every dynamic axis one longer. The two traces must agree op for op.
Comparing them tells the converters which numbers in the first trace follow the
dynamic axes (a ``view(batch, -1)`` shape, say), and it catches what a single trace
cannot see: a tensor computed from the input outside any op (with numpy, or
``mt.tensor`` of Python values) differs between the runs, and is refused rather than
frozen into the file as a constant.
"""
import numpy as np

from .._tensor import Tensor
from ..autograd.grad_mode import _state, no_grad
from ..capture.recorder import Recorder, _user_line


class _ExportRecorder(Recorder):
    """A ``Recorder`` that also notes the line of the model's code where each op was called, and each value's array."""

    def __init__(self):
        super().__init__()
        self.lines = []
        self.arrays = {}  # value number -> the array eager had for it

    def _number(self, thing, source):
        number = super()._number(thing, source)
        self.arrays[number] = thing
        return number

    def _note_op(self, cls, args, kwargs, result):
        before = len(self.trace.events)
        super()._note_op(cls, args, kwargs, result)
        if len(self.trace.events) > before:
            self.lines.append(_user_line())


class Traced:
    """One traced run: the events, where each value comes from, and each value's array."""

    def __init__(self, recorder):
        trace = recorder.trace
        self._all_events = trace.events
        self.events = [event for event in trace.events if event[0] == "op"]
        self.writes = len(trace.events) - len(self.events)  # in-place writes (x[i] = v, add_, running stats)
        self.sources = trace.sources
        self.result = trace.result
        self.lines = recorder.lines
        self.arrays = recorder.arrays
        self.consumers = {}  # value number -> indices of the events that read it
        for index, event in enumerate(self.events):
            for number in _values_in(list(event[2]) + list(event[3].values())):
                self.consumers.setdefault(number, []).append(index)


    def producer(self, number):
        """The op event that made value ``number`` (None for inputs, parameters and constants)."""
        source = self.sources[number]
        return self._all_events[source[1]] if source[0] == "made" else None


def _values_in(specs):
    for spec in specs:
        kind = spec[0]
        if kind in ("value", "tensor"):
            yield spec[1]
        elif kind in ("tuple", "list"):
            yield from _values_in(spec[1])


def run(model, args):
    """Trace ``model(*args)`` once; returns ``(Traced, eager output)``."""
    recorder = _ExportRecorder()
    recorder.start(flat_tensors(args))
    _state.recorder = recorder
    try:
        with no_grad():
            output = model(*args)
    finally:
        _state.recorder = None
        recorder.snapshots.restore_before()  # export leaves parameters, buffers and random state as they were
    recorder.finish(output)
    if recorder.failure is not None:
        raise RuntimeError(
            f"mt.onnx.export cannot trace {type(model).__name__}.forward: {recorder.failure}. An ONNX graph holds "
            f"only ops on tensors; keep Python decisions on tensor values and random draws out of forward.")
    return Traced(recorder), output


def flat_tensors(args):
    """The tensors among the arguments, in order, inside tuples and lists too: the graph's inputs."""
    found = []
    for arg in args:
        if isinstance(arg, Tensor):
            found.append(arg)
        elif isinstance(arg, (tuple, list)):
            found += flat_tensors(arg)
    return found


def _map_tensors(args, change):
    """``args`` with every tensor (inside tuples and lists too) replaced by ``change(tensor)``, in flat order."""
    mapped = [change(arg) if isinstance(arg, Tensor) else _map_tensors(arg, change)
              if isinstance(arg, (tuple, list)) else arg for arg in args]
    return mapped if isinstance(args, list) else tuple(mapped)


def probe_arguments(args, dynamic, seed=0):
    """The arguments of the second run: values shuffled, each dynamic axis one longer (see the module docstring).

    ``dynamic`` maps the position of a tensor among ``flat_tensors(args)`` to its dynamic dims.
    """
    rng = np.random.default_rng(seed)
    made = {}  # id(tensor) -> its probe: a tensor passed twice (query is key) stays one tensor
    counter = iter(range(len(flat_tensors(args))))

    def probe(tensor):
        position = next(counter)
        if id(tensor) in made:
            return made[id(tensor)]
        array = tensor._data
        for dim in sorted(dynamic.get(position, ())):
            length = array.shape[dim]
            array = np.take(array, np.arange(length + 1) % max(length, 1), axis=dim)
        if array.size > 1:
            array = array.reshape(-1)[rng.permutation(array.size)].reshape(array.shape)
        made[id(tensor)] = Tensor._make(np.array(array, dtype=tensor._data.dtype))
        return made[id(tensor)]

    return _map_tensors(args, probe)


def check_same_path(main, probe, model_name):
    """The probe run must take the same ops as the main one (no control flow on values or sizes)."""
    problem = None
    if len(main.events) != len(probe.events):
        problem = f"it ran {len(main.events)} ops on the given input and {len(probe.events)} on other values/sizes"
    else:
        for index, (a, b) in enumerate(zip(main.events, probe.events)):
            if a[1] is not b[1]:
                problem = (f"op {index} was {a[1].__name__} on the given input and {b[1].__name__} on other "
                           f"values/sizes (at {main.lines[index]})")
                break
    if problem is None and [s[0] for s in main.sources] != [s[0] for s in probe.sources]:
        problem = "its values came from different places on other input values/sizes"
    if problem is not None:
        raise RuntimeError(
            f"mt.onnx.export: {model_name}.forward takes a different path for different inputs: {problem}. An "
            f"ONNX graph is one fixed path; move the data-dependent branch out of forward (or drop that dynamic axis).")


def external_names(model, main, probe):
    """Value number -> initializer name for parameters and buffers; other external tensors must be constants.

    An external tensor that is neither a parameter nor a buffer was made outside the
    ops (``mt.tensor(...)`` of a Python list, a numpy computation): it is kept as a constant
    only if the probe run saw the same values.
    """
    by_tensor, by_array, by_memory = {}, {}, {}
    named = list(model.named_parameters()) + list(model.named_buffers()) if hasattr(model, "named_parameters") else []
    for name, tensor in named:
        by_tensor.setdefault(id(tensor), name)
        by_array.setdefault(id(tensor._data), name)
        if _memory(tensor._data) is not None:
            by_memory.setdefault(_memory(tensor._data), name)
    names = {}
    for number, source in enumerate(main.sources):
        if source[0] == "constant":  # a buffer's array (or a view of all of it) passed to an op as it is
            memory = _memory(source[1])
            name = by_array.get(id(source[1])) or (by_memory.get(memory) if memory is not None else None)
            if name is not None:
                names[number] = name
        if source[0] != "external":
            continue
        tensor, array = source[1], source[2]
        name = by_tensor.get(id(tensor)) or by_array.get(id(array))
        if name is not None:
            names[number] = name
            continue
        other = probe.sources[number][2]
        if other.shape != array.shape or not np.array_equal(other, array, equal_nan=True):
            reader = main.consumers.get(number, [None])[0]
            where = f" (read by {main.events[reader][1].__name__} at {main.lines[reader]})" if reader is not None else ""
            raise RuntimeError(
                f"mt.onnx.export: a tensor of shape {array.shape} computed from the input outside the traced ops"
                f"{where}: tensors built with numpy or from Python values are not recorded, so its values would "
                f"be frozen into the graph. Compute it with microtensor ops (comparisons, mt.where, masked_fill "
                f"are recorded), or pass it as an argument of forward.")
    return names


def _memory(array):
    """Where an array's values live, with its shape and dtype: a view that is all of another array matches it."""
    if not isinstance(array, np.ndarray) or not array.flags.c_contiguous:
        return None
    return array.__array_interface__["data"][0], array.shape, array.dtype.str
