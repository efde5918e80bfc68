"""``Graph``: the ONNX nodes, constants and initializers that an export builds, and the model they make.

The converters (``_converters*.py``) call ``graph.node("Relu", [x])`` and friends; the
graph hands out unique names, keeps the nodes in order, turns numpy arrays into
``Constant`` nodes and parameters into initializers, and at the end drops nodes whose
results nothing reads (a fused input projection of an LSTM, for example) before
``onnx.helper.make_model`` puts it all together.
"""
import numpy as np

INT64_MAX = np.iinfo(np.int64).max
INT64_MIN = np.iinfo(np.int64).min


class Graph:
    """The ONNX graph under construction, for one opset of the default domain."""

    def __init__(self, onnx, opset):
        self.onnx = onnx
        self.opset = opset
        self.nodes = []
        self.initializers = {}   # name -> numpy array (parameters and buffers, by their PyTorch names)
        self._counts = {}
        self._taken = set()

    # ----------------------------------------------------------------- names
    def fresh(self, hint):
        """A name no other value of the graph has, built from ``hint``."""
        count = self._counts.get(hint, 0)
        self._counts[hint] = count + 1
        name = hint if count == 0 and hint not in self._taken else f"{hint}_{count}"
        while name in self._taken:
            count += 1
            name = f"{hint}_{count}"
        self._taken.add(name)
        return name

    def reserve(self, name):
        """Claim an exact name (a graph input, an output, an initializer)."""
        self._taken.add(name)
        return name

    # ----------------------------------------------------------------- nodes
    def node(self, op_type, inputs, outputs=1, **attributes):
        """Add one node; returns its output name (or the list of names when ``outputs`` is a count > 1 or a list).

        An input of ``""`` is an omitted optional input, as ONNX spells it.
        """
        several = not isinstance(outputs, int) or outputs > 1
        names = list(outputs) if not isinstance(outputs, int) else [self.fresh(op_type) for _ in range(outputs)]
        attributes = {key: value for key, value in attributes.items() if value is not None}
        self.nodes.append(self.onnx.helper.make_node(
            op_type, list(inputs), names, name=self.fresh(f"/{op_type}"), **attributes))
        return names if several else names[0]

    def constant(self, value, dtype=None):
        """A ``Constant`` node holding ``value`` (an array or a number, as ``dtype`` when given)."""
        array = np.asarray(value, dtype=dtype)
        tensor = self.onnx.numpy_helper.from_array(np.ascontiguousarray(array))
        return self.node("Constant", [], value=tensor)

    def ints(self, values):
        """A 1-D int64 constant (shapes, axes, starts and ends of slices)."""
        return self.constant(np.asarray(list(values), dtype=np.int64))

    def initializer(self, name, array):
        self.reserve(name)
        self.initializers[name] = np.asarray(array)
        return name

    # ------------------------------------------------ ops that change by opset
    def reduce(self, op_type, x, axes, keepdims):
        """``ReduceSum``/``ReduceMean``/``ReduceMax``/...: axes are an input from opset 18 (ReduceSum: 13)."""
        if axes is None:
            return self.node(op_type, [x], keepdims=int(keepdims))
        axes = [int(axis) for axis in axes]
        if op_type == "ReduceSum" or self.opset >= 18:
            return self.node(op_type, [x, self.ints(axes)], keepdims=int(keepdims))
        return self.node(op_type, [x], axes=axes, keepdims=int(keepdims))

    def unsqueeze(self, x, axes):
        return self.node("Unsqueeze", [x, self.ints(axes)])

    def squeeze(self, x, axes):
        return self.node("Squeeze", [x, self.ints(axes)])

    def transpose_last(self, x, rank):
        """Swap the last two dims (``k.transpose(-2, -1)``)."""
        perm = list(range(rank))
        perm[-2], perm[-1] = perm[-1], perm[-2]
        return self.node("Transpose", [x], perm=perm)

    # ---------------------------------------------------------------- model
    def model(self, inputs, outputs, graph_name, doc):
        """The ``ModelProto``: ``inputs``/``outputs`` are ``ValueInfoProto`` lists."""
        helper = self.onnx.helper
        used = self._live_nodes([info.name for info in outputs])
        initializers = [self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name)
                        for name, array in self.initializers.items() if name in used["names"]]
        graph = helper.make_graph(used["nodes"], graph_name, inputs, outputs, initializers, doc_string=doc)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                                  producer_name="microtensor")
        # the oldest IR version that carries this opset, so that older onnxruntime builds load the file
        model.ir_version = helper.find_min_ir_version_for(list(model.opset_import))
        return model

    def _live_nodes(self, output_names):
        """The nodes the outputs depend on (in order), and every name they read."""
        needed = set(output_names)
        live = []
        for node in reversed(self.nodes):
            if any(name in needed for name in node.output):
                live.append(node)
                needed.update(name for name in node.input if name)
        return {"nodes": live[::-1], "names": needed}

