"""From two traces to an ONNX graph: value names, one converter call per op, inputs and outputs.

``Exporter`` walks the events of the main trace in order. Each op's converter (the
table in ``_converters.py``) gets an ``Event``: the op's arguments as ONNX value
names or Python values, the arrays eager computed (for shapes and dtypes), and the
same op in the probe trace, so that it can tell which numbers follow a dynamic axis.
"""
import numpy as np

from ._graph import Graph


class ExportError(RuntimeError):
    """An op or a value that the exporter cannot write as ONNX (raised as a RuntimeError, as PyTorch does)."""


class Exporter:
    def __init__(self, onnx, opset, main, probe, initializer_names, input_names, output_names):
        self.onnx = onnx
        self.graph = Graph(onnx, opset)
        for name in list(initializer_names.values()) + list(input_names) + list(output_names):
            self.graph.reserve(name)  # no intermediate value may take these names
        self.main, self.probe = main, probe
        self.initializer_names = initializer_names
        self.names = {}  # value number -> ONNX name
        for number, source in enumerate(main.sources):
            if source[0] == "arg":
                self.names[number] = input_names[source[1]]

    # ------------------------------------------------------------ values
    def name_of(self, number, index):
        """The ONNX name of value ``number`` (read by op ``index``), making initializers and constants on first use."""
        name = self.names.get(number)
        if name is not None:
            return name
        source = self.main.sources[number]
        kind = source[0]
        if number in self.initializer_names:
            name = self.graph.initializer(self.initializer_names[number], self.main.arrays[number])
        elif kind in ("external", "created", "constant"):
            array = self.main.arrays[number]
            other = self.probe.arrays[number]
            if other.shape != array.shape or not np.array_equal(other, array, equal_nan=True):
                raise self.error(
                    index, f"it reads a tensor of shape {array.shape} that no traced op computed and whose values "
                           f"or size change with the input: a tensor built outside microtensor's ops from the "
                           f"input's values, or one sized by a dynamic axis (mt.zeros(x.shape[0], ...)). The "
                           f"graph would freeze it as a constant. Use ops (x * 0, mt.zeros_like(x)), pass it "
                           f"as an argument of forward, or export without that dynamic axis")
            name = self.graph.constant(array)
        else:
            raise self.error(index, f"value {number} has no ONNX name yet ({kind})")
        self.names[number] = name
        return name

    def error(self, index, reason):
        if not 0 <= index < len(self.main.events):
            return ExportError(f"mt.onnx.export: cannot write the model's outputs: {reason}")
        event = self.main.events[index]
        return ExportError(f"mt.onnx.export: cannot write the op {event[1].__name__} (used at "
                           f"{self.main.lines[index]}): {reason}")

    # ------------------------------------------------------------ the walk
    def convert_all(self, table):
        for index, event in enumerate(self.main.events):
            cls = event[1]
            converter = table.get(cls)
            if converter is None:
                raise ExportError(
                    f"mt.onnx.export: no ONNX form for the op {cls.__name__} (used at {self.main.lines[index]}); "
                    f"the ops the exporter writes are listed in docs/onnx.md. Rewrite that step with ops that have "
                    f"one, or leave it out of the exported forward.")
            results = converter(Event(self, index))
            outputs = event[5]
            if not isinstance(results, (list, tuple)):
                results = [results]
            for number, name in zip(outputs, results):
                if number is not None and name is not None:
                    self.names[number] = name


class Event:
    """One op as its converter sees it (see the module docstring)."""

    def __init__(self, exporter, index):
        self.exporter = exporter
        self.graph = exporter.graph
        self.index = index
        event = exporter.main.events[index]
        self.cls, self.specs, self.kwspecs, self.outputs = event[1], event[2], event[3], event[5]
        probe = exporter.probe.events[index]
        self.probe_specs, self.probe_kwspecs = probe[2], probe[3]

    def _spec(self, key, probe=False):
        if isinstance(key, str):
            return (self.probe_kwspecs if probe else self.kwspecs)[key]
        specs = self.probe_specs if probe else self.specs
        return specs[key] if key < len(specs) else ("py", None)

    @property
    def count(self):
        return len(self.specs)

    # --------------------------------------------------------- arguments
    def is_none(self, key):
        return self._spec(key) == ("py", None)

    def is_value(self, key):
        return self._spec(key)[0] in ("value", "tensor")

    def value(self, key):
        """The ONNX name of a tensor argument."""
        spec = self._spec(key)
        if spec[0] not in ("value", "tensor"):
            raise self.error(f"argument {key} is {spec[1]!r}, where a tensor was expected")
        return self.exporter.name_of(spec[1], self.index)

    def array(self, key, probe=False):
        """The array eager had for a tensor argument (its shape and dtype; in the probe run when asked)."""
        spec = self._spec(key, probe)
        trace = self.exporter.probe if probe else self.exporter.main
        return trace.arrays[spec[1]]

    def rank(self, key):
        return self.array(key).ndim

    def py(self, key):
        """A Python argument (an axis, a flag); it must be the same in the probe run."""
        spec = self._spec(key)
        if spec[0] != "py":
            raise self.error(f"argument {key} holds tensors where the exporter expects a plain value")
        value = spec[1]
        other = self._spec(key, probe=True)[1]
        if not _same(value, other):
            raise self.error(f"its argument {value!r} changes with the input ({other!r} for other sizes); that "
                             f"dynamic axis cannot be followed here")
        return value

    def py_raw(self, key, probe=False):
        """A Python argument as it is (geometry objects, shapes the converter compares itself)."""
        return self._spec(key, probe)[1]

    def operand(self, key, dtype):
        """A tensor argument or a Python number as an ONNX value of ``dtype`` (a Cast or a typed constant)."""
        spec = self._spec(key)
        if spec[0] == "py":
            value = self.py(key)
            return self.graph.constant(value, dtype=dtype)
        name = self.value(key)
        return self.cast(name, self.array(key).dtype, dtype)

    def cast(self, name, from_dtype, to_dtype):
        if np.dtype(from_dtype) == np.dtype(to_dtype):
            return name
        return self.graph.node("Cast", [name], to=self.onnx_type(to_dtype))

    def onnx_type(self, dtype):
        return self.exporter.onnx.helper.np_dtype_to_tensor_dtype(np.dtype(dtype))

    # ------------------------------------------------------------ outputs
    def out_array(self, position=0):
        return self.exporter.main.arrays[self.outputs[position]]

    @property
    def dtype(self):
        """The dtype of the (first) output."""
        return self.out_array(0).dtype

    # ------------------------------------------------------- dynamic shapes
    def target_shape(self, key, input_key, keep_code):
        """A target shape (``Reshape``: ``keep_code`` 0 copies the input's dim; ``Expand``: 1 keeps it).

        Numbers that are the same in both runs are written as they are; a number that
        follows a dynamic axis must be the input's size at the same position (written
        as ``keep_code``); one more such number in a reshape becomes ``-1``.
        """
        main, other = tuple(self.py_raw(key)), tuple(self.py_raw(key, probe=True))
        if main == other:
            return list(main)
        if len(main) != len(other):
            raise self.error(f"the target shape {main} has another length for other input sizes ({other})")
        in_main, in_other = self.array(input_key).shape, self.array(input_key, probe=True).shape
        shape, unknown = [], 0
        for position, (a, b) in enumerate(zip(main, other)):
            if a == b:
                shape.append(a)
            elif position < len(in_main) and in_main[position] == a and in_other[position] == b:
                shape.append(keep_code)
            else:
                unknown += 1
                shape.append(-1)
        if unknown > (1 if keep_code == 0 else 0):
            raise self.error(f"the target shape {main} (or {other} for other input sizes) cannot be written with "
                             f"the dynamic axes; reshape so that the dynamic dims stay in their places")
        return shape

    def error(self, reason):
        return self.exporter.error(self.index, reason)


def _same(a, b):
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and np.array_equal(a, b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except Exception:
        return a is b
