"""``Function``: one differentiable operation, its forward and backward side by side.

Every op in microtensor, built in or written by a user, is a ``Function`` subclass::

    class Exp(mt.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)      # d/dx exp(x) = exp(x): keep the output
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    y = Exp.apply(x)

Calling ``apply`` runs ``forward`` and, when grad mode is on and some input requires
grad, turns the ``ctx`` into a node of the graph: it remembers which inputs need a
gradient and what was saved. Later the engine calls ``backward`` with the gradient
of the output and expects one gradient per forward argument (``None`` for
arguments that need none).

Two flavours share this one mechanism:

* A user's ``Function`` (the default) sees ``Tensor`` objects in ``forward`` and in
  ``backward``, exactly as in PyTorch.
* Built-in ops set ``numpy_level = True``: ``forward`` gets plain numpy arrays, and
  ``backward`` gets numpy arrays too, unless the engine is building a graph of the
  backward pass (``create_graph=True``), in which case it gets ``Tensor`` objects.
  Their backward rules are written with operators and numpy functions only, and
  ``Tensor`` implements numpy's dispatch protocols, so one rule serves both the
  fast first-order pass and higher-order derivatives.
"""
import numpy as np

from . import grad_mode

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the "
    "graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)

_OUTPUT = object()  # marks a saved value that is the op's own output


class _SavedValue:
    """One value passed to ``save_for_backward``, resolved after forward.

    ``tensor`` is the input Tensor it came from (so that with ``create_graph=True``
    the saved value stays connected to the graph), ``_OUTPUT`` for the op's own
    output (rebuilt on demand, because holding the output Tensor would make a
    reference cycle through its ``grad_fn``), or ``None`` for a constant.
    ``version`` is the tensor's in-place version counter at save time.
    """

    __slots__ = ("array", "tensor", "counter", "version")

    def __init__(self, array, tensor, counter, version):
        self.array = array
        self.tensor = tensor
        self.counter = counter
        self.version = version


class Function:
    """Base class of differentiable operations; see the module docstring."""

    numpy_level = False

    __slots__ = (
        "inputs",              # per forward argument: leaf Tensor, input node, or None
        "needs_input_grad",    # per forward argument: does it need a gradient?
        "input_meta",          # per forward argument: (shape, dtype) or None
        "_to_save",            # what forward passed to save_for_backward
        "_saved",              # resolved _SavedValue list; None once freed
        "_tensor_mode",        # backward is handed Tensors (not arrays)
        "_output_counter",     # the output tensor's version counter
        "_creation_site",      # where the op was called, for detect_anomaly
        "__dict__",            # ops may keep small non-tensor facts on ctx (axis, shape)
        "__weakref__",
    )

    @staticmethod
    def forward(ctx, *args):
        """Compute the result; save what backward needs with ``ctx.save_for_backward``."""
        raise NotImplementedError("a Function subclass must define a forward staticmethod")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """Return the gradient of the loss for each forward argument (None where not needed)."""
        raise NotImplementedError("a Function subclass must define a backward staticmethod")

    # ----------------------------------------------------------------- ctx API
    def save_for_backward(self, *values):
        """Keep values (inputs, the output, or others) for backward."""
        self._to_save = values

    @property
    def saved_tensors(self):
        """The saved values: Tensors for user Functions and when building a graph, else arrays."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        for value in saved:
            if value.counter is not None and value.counter[0] != value.version:
                _raise_modified_inplace(self, value)
        if not self._tensor_mode:
            return tuple(value.array for value in saved)
        return tuple(self._saved_as_tensor(value) for value in saved)

    def _saved_as_tensor(self, value):
        from ..tensor import Tensor

        if value.tensor is _OUTPUT:
            if grad_mode._enabled:
                return Tensor._make(value.array, True, self, value.counter)
            return Tensor._make(value.array, False, None, value.counter)
        if value.tensor is not None:
            return value.tensor
        if isinstance(value.array, np.ndarray):
            return Tensor._make(value.array)
        return value.array

    def mark_non_differentiable(self, *outputs):
        """Accepted for PyTorch compatibility; integer and bool outputs are never differentiable."""

    @property
    def next_functions(self):
        """The nodes (or leaf tensors) this node sends gradients to, as in PyTorch."""
        return tuple((entry, 0) for entry in self.inputs)

    def name(self):
        """The node's name as PyTorch prints it, e.g. ``MulBackward``."""
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    # ------------------------------------------------------------------- apply
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on ``args`` (Tensors and plain values) and record it in the graph."""
        from ..tensor import Tensor

        ctx = object.__new__(cls)
        ctx._to_save = ()
        record = False
        if grad_mode._enabled:
            for arg in args:
                if isinstance(arg, Tensor) and arg._requires_grad:
                    record = True
                    break

        if cls.numpy_level:
            forward_args = [arg.data if isinstance(arg, Tensor) else arg for arg in args]
            raw = cls.forward(ctx, *forward_args, **kwargs)
            out = raw
        else:
            forward_args = args
            with grad_mode.no_grad():
                raw = cls.forward(ctx, *args, **kwargs)
            out = raw.data if isinstance(raw, Tensor) else raw
        if type(out) is not np.ndarray:
            out = np.asarray(out)

        if not record or out.dtype.kind != "f":
            return Tensor._make(out)

        counter = [0]
        ctx._output_counter = counter
        ctx.needs_input_grad = needs = tuple(isinstance(arg, Tensor) and arg._requires_grad for arg in args)
        ctx.inputs = tuple(
            (arg if arg.grad_fn is None else arg.grad_fn) if need else None for arg, need in zip(args, needs)
        )
        ctx.input_meta = tuple((arg.data.shape, arg.data.dtype) if need else None for arg, need in zip(args, needs))
        ctx._saved = [ctx._resolve_saved(value, raw, out, args, forward_args, counter) for value in ctx._to_save]
        ctx._to_save = ()
        ctx._tensor_mode = not cls.numpy_level
        if _anomaly_mode.enabled:
            _anomaly_mode.record_creation(ctx, out)
        return Tensor._make(out, True, ctx, counter)

    def _resolve_saved(self, value, raw_output, output, args, forward_args, output_counter):
        from ..tensor import Tensor

        if value is raw_output or value is output:
            return _SavedValue(output, _OUTPUT, output_counter, 0)
        for arg, forward_arg in zip(args, forward_args):
            if value is forward_arg and isinstance(arg, Tensor):
                return _SavedValue(arg.data, arg, arg._version_counter, arg._version_counter[0])
        if isinstance(value, Tensor):
            return _SavedValue(value.data, None, value._version_counter, value._version_counter[0])
        return _SavedValue(value, None, None, None)


def _raise_modified_inplace(node, value):
    shape = "x".join(str(size) for size in np.shape(value.array)) or "scalar"
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{np.asarray(value.array).dtype} tensor of shape [{shape}]], which is "
        f"output 0 of {node.name()}, is at version {value.counter[0]}; expected version "
        f"{value.version} instead. Compute on a copy (.clone()) instead of modifying the "
        f"tensor in place, or modify it only after backward()."
    )


class _AnomalyMode:
    """State of ``detect_anomaly``; kept here so ``apply`` can check it cheaply."""

    enabled = False

    @staticmethod
    def record_creation(ctx, output):
        import traceback

        ctx._creation_site = "".join(traceback.format_stack(limit=12)[:-3])
        if output.dtype.kind == "f" and not np.all(np.isfinite(output)):
            raise RuntimeError(
                f"Function '{ctx.name()}' returned nan or inf values in its forward output "
                f"(shape {output.shape}). It was called here:\n{ctx._creation_site}"
            )


_anomaly_mode = _AnomalyMode()
