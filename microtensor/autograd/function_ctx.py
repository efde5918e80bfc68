"""``FunctionCtx``: what ``forward`` and ``backward`` can ask of their ``ctx``, as in PyTorch.

Every node of the graph is an instance of its op's ``Function`` class, and that node is also the
``ctx`` its forward and backward receive. This base class holds the ctx API (``save_for_backward``,
``saved_tensors``, ``mark_dirty``, ``mark_non_differentiable``, ``set_materialize_grads``) and
what a node tells about itself (``next_functions``, ``name()``, its hooks and ``metadata``);
``function.py`` holds ``apply``, which builds the node.
"""
import numpy as np

from .._tensor import _new_tensor
from .grad_mode import _state
from .hooks import NODE_HOOKS, NODE_PREHOOKS, register_node_hook
from .saved import CONSTANT, FREED_MESSAGE, OUTPUT, raise_modified_inplace


class FunctionCtx:
    """The ctx API shared by every ``Function`` node (the node's fields are ``Function.__slots__``)."""

    __slots__ = ()

    def save_for_backward(self, *values):
        """Keep values (inputs, the output, or others) for backward."""
        self._saved = values

    @property
    def saved_tensors(self):
        """The saved values: Tensors for user Functions and when building a graph, else arrays."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        # Built-in ops get arrays, unless backward is being recorded (create_graph=True: the
        # engine turns grad mode on exactly then); user Functions always get Tensors.
        tensor_mode = not self.numpy_level or _state.enabled
        if saved.__class__ is tuple and not tensor_mode:
            return saved  # forward's own tuple, kept by apply only when it holds no tensor's values
        values = []
        for record in saved:
            if record.__class__ is not tuple:  # a constant: a number, an array, None
                if tensor_mode and record.__class__ is np.ndarray:
                    record = _new_tensor(record)
                values.append(record)
                continue
            array, source, counter, version = record
            if source is CONSTANT:
                values.append(array)
                continue
            if counter is not None and counter[0] != version:
                raise_modified_inplace(self, array, counter[0], version)
            values.append(self._saved_as_tensor(array, source, counter) if tensor_mode else array)
        return tuple(values)

    def _saved_as_tensor(self, array, source, counter):
        if source is OUTPUT or source.__class__ is tuple:  # the op's output (number source[1] of several)
            if _state.enabled:
                tensor = _new_tensor(array, True, self, counter)
                if source.__class__ is tuple:
                    tensor._output_nr = source[1]
                return tensor
            return _new_tensor(array, False, None, counter)
        if source is not None:
            return source
        if isinstance(array, np.ndarray):
            return _new_tensor(array)
        return array

    def mark_non_differentiable(self, *outputs):
        """Declare outputs that get no gradient (integer and bool outputs never do)."""
        self._non_differentiable = outputs

    def mark_dirty(self, *tensors):
        """Declare inputs that forward modified in place (and returns as outputs)."""
        self._dirty = tensors

    def set_materialize_grads(self, value):
        """With False, backward gets None (not zeros) for an output no gradient reached."""
        self._materialize_grads = bool(value)

    @property
    def next_functions(self):
        """The nodes (or leaf tensors) this node sends gradients to, one per tensor argument, as in PyTorch."""
        return tuple((entry, 0) for entry, meta in zip(self.inputs, self.input_meta) if meta is not False)

    def register_hook(self, hook):
        """Call ``hook(grad_inputs, grad_outputs)`` after this node's backward; a returned tuple
        replaces ``grad_inputs`` (one per tensor input, as in ``next_functions``)."""
        return register_node_hook(self, hook, NODE_HOOKS)

    def register_prehook(self, hook):
        """Call ``hook(grad_outputs)`` before this node's backward; a returned tuple replaces them."""
        return register_node_hook(self, hook, NODE_PREHOOKS)

    @property
    def metadata(self):
        """A dict for the user's own notes about this node (empty at first), as in PyTorch."""
        notes = self.__dict__.get("_metadata")
        if notes is None:
            notes = self._metadata = {}
        return notes

    def name(self):
        """The node's name as PyTorch prints it, e.g. ``MulBackward``."""
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"
