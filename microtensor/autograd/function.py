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

# microtensor.tensor.Tensor and its fast constructor, set by that module once it is
# defined (tensor.py imports this package first, so importing it here would be a cycle).
Tensor = None
_new_tensor = None
_allocate = object.__new__

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the "
    "graph are freed when you call .backward() or autograd.grad(). Specify "
    "retain_graph=True if you need to backward through the graph a second time or "
    "if you need to access saved tensors after calling backward."
)

_OUTPUT = object()  # marks a saved value that is the op's own output


class Function:
    """Base class of differentiable operations; see the module docstring."""

    numpy_level = False
    view_of = None  # index of the input whose memory the output may share (view ops)
    # Indices of inputs whose gradient backward always returns as a new array that nothing
    # else holds (e.g. a matrix product): the engine may adopt it as a leaf's .grad uncopied.
    fresh_gradients = ()

    __slots__ = (
        "inputs",              # per forward argument: leaf Tensor, input node, or None
        "input_meta",          # per forward argument: (shape, dtype); None: no grad; False: not a tensor
        "needs_input_grad",    # per forward argument: does it need a gradient?
        "_saved",              # saved-value records (see _constant_record); None once freed
        "_tensor_mode",        # set by the engine: backward is handed Tensors, not arrays
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
        self._saved = values

    @property
    def saved_tensors(self):
        """The saved values: Tensors for user Functions and when building a graph, else arrays."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        try:
            tensor_mode = self._tensor_mode  # set by the engine before it calls backward
        except AttributeError:
            tensor_mode = not self.numpy_level
        values = []
        for record in saved:
            counter = record[2]
            if counter is not None and counter[0] != record[3]:
                _raise_modified_inplace(self, record[0], counter[0], record[3])
            values.append(self._saved_as_tensor(*record) if tensor_mode else record[0])
        return tuple(values)

    def _saved_as_tensor(self, array, source, counter, version):
        if source is _OUTPUT:
            if grad_mode._enabled:
                return _new_tensor(array, True, self, counter)
            return _new_tensor(array, False, None, counter)
        if source is not None:
            return source
        if isinstance(array, np.ndarray):
            return _new_tensor(array)
        return array

    def mark_non_differentiable(self, *outputs):
        """Accepted for PyTorch compatibility; integer and bool outputs are never differentiable."""

    @property
    def next_functions(self):
        """The nodes (or leaf tensors) this node sends gradients to, one per tensor argument, as in PyTorch."""
        return tuple((entry, 0) for entry, meta in zip(self.inputs, self.input_meta) if meta is not False)

    def name(self):
        """The node's name as PyTorch prints it, e.g. ``MulBackward``."""
        return type(self).__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    # ------------------------------------------------------------------- apply
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on ``args`` (Tensors and plain values) and record it in the graph.

        This is the hot path of every op, so it is written for speed: one pass to
        unwrap the arguments, and no node at all when nothing will be recorded.
        When recording, ``ctx.needs_input_grad`` is known before ``forward`` runs,
        so an op can save only what the needed gradients use.
        """
        if cls.numpy_level and cls.view_of is None and not kwargs:
            if len(args) == 1:
                return cls._apply_unary(args[0])
            if len(args) == 2:
                return cls._apply_binary(args[0], args[1])
        return cls._apply_general(args, kwargs)

    @classmethod
    def _apply_general(cls, args, kwargs):
        """``apply`` for any number of arguments (and every user Function)."""
        record = False
        if grad_mode._enabled:
            for arg in args:
                if isinstance(arg, Tensor) and arg._requires_grad:
                    record = True
                    break
        numpy_level = cls.numpy_level
        if not record:
            if numpy_level:
                out = cls.forward(_SCRATCH_CONTEXT, *[arg._data if isinstance(arg, Tensor) else arg for arg in args], **kwargs)
            else:
                with grad_mode.no_grad():
                    out = cls.forward(_ScratchContext(), *args, **kwargs)
                if isinstance(out, Tensor):
                    out = out.data
            if type(out) is not np.ndarray:
                out = np.asarray(out)
            if cls.view_of is not None:
                return _new_tensor(out, False, None, _shared_counter(args[cls.view_of], out))
            return _new_tensor(out)

        ctx = _allocate(cls)
        ctx._saved = ()
        count = len(args)
        forward_args = list(args)
        inputs = [None] * count
        needs = [False] * count
        meta = [False] * count  # False: not a tensor at all (a dim, a shape, a number)
        for index in range(count):
            arg = args[index]
            if isinstance(arg, Tensor):
                data = forward_args[index] = arg._data
                if arg._requires_grad:
                    inputs[index] = arg if arg.grad_fn is None else arg.grad_fn
                    needs[index] = True
                    meta[index] = _shared_meta(data.shape, data.dtype)
                else:
                    meta[index] = None
        ctx.inputs = inputs
        ctx.input_meta = meta
        needs = tuple(needs)
        ctx.needs_input_grad = _NEEDS_TUPLES.setdefault(needs, needs)
        if numpy_level:
            out = raw = cls.forward(ctx, *forward_args, **kwargs)
        else:
            forward_args = args
            with grad_mode.no_grad():
                raw = cls.forward(ctx, *args, **kwargs)
            out = raw._data if isinstance(raw, Tensor) else raw
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if out.dtype.kind != "f":
            return _new_tensor(out)

        counter = None if cls.view_of is None else _shared_counter(args[cls.view_of], out)
        to_save = ctx._saved  # what forward passed to save_for_backward, resolved now
        if to_save:
            saved = []
            for value in to_save:
                if value is out or value is raw:
                    if counter is None:
                        counter = [0]
                    saved.append([out, _OUTPUT, counter, counter[0]])
                    continue
                if value is None:
                    saved.append(_NONE_RECORD)
                    continue
                if value.__class__ is float or value.__class__ is int:
                    saved.append((value, None, None, None))
                    continue
                for arg, forward_arg in zip(args, forward_args):
                    if value is forward_arg and isinstance(arg, Tensor):
                        version_counter = arg._version_counter
                        saved.append([arg._data, arg, version_counter, version_counter[0]])
                        break
                else:
                    saved.append(_constant_record(value))
            ctx._saved = saved
        if _anomaly_mode.enabled:
            _anomaly_mode.record_creation(ctx, out)
        return _new_tensor(out, True, ctx, counter)

    @classmethod
    def _apply_unary(cls, a):
        """``apply(a)`` for a built-in one-argument op, unrolled like ``_apply_binary``."""
        if not isinstance(a, Tensor):
            return cls._apply_general((a,), {})
        a_data = a._data
        if not (a._requires_grad and grad_mode._enabled):
            out = cls.forward(_SCRATCH_CONTEXT, a_data)
            if out.__class__ is not np.ndarray:
                out = _unary_result(out, a_data)
            return _new_tensor(out)
        ctx = _allocate(cls)
        ctx._saved = ()
        ctx.inputs = [a if a.grad_fn is None else a.grad_fn]
        ctx.input_meta = [_shared_meta(a_data.shape, a_data.dtype)]
        ctx.needs_input_grad = _ONE_INPUT_NEEDS_GRAD
        out = raw = cls.forward(ctx, a_data)
        if out.__class__ is not np.ndarray:
            out = _unary_result(out, a_data)
        if out.dtype.kind != "f":
            return _new_tensor(out)
        counter = None
        to_save = ctx._saved
        if to_save:
            saved = []
            for value in to_save:
                if value is out or value is raw:
                    counter = [0]
                    saved.append([out, _OUTPUT, counter, 0])
                elif value is a_data:
                    version_counter = a._version_counter
                    saved.append([a_data, a, version_counter, version_counter[0]])
                elif value is None:
                    saved.append(_NONE_RECORD)
                else:
                    saved.append(_constant_record(value))
            ctx._saved = saved
        if _anomaly_mode.enabled:
            _anomaly_mode.record_creation(ctx, out)
        return _new_tensor(out, True, ctx, counter)

    @classmethod
    def _apply_binary(cls, a, b):
        """``apply(a, b)`` for a built-in two-argument op (the arithmetic operators' hot path).

        The same node as ``apply`` builds, with the loops unrolled: a third less overhead
        per ``x * y``, which is most of what a small expression costs.
        """
        if isinstance(a, Tensor):
            a_data, a_grad = a._data, a._requires_grad
        else:
            a_data, a_grad = a, False
        if isinstance(b, Tensor):
            b_data, b_grad = b._data, b._requires_grad
        else:
            b_data, b_grad = b, False
        if not ((a_grad or b_grad) and grad_mode._enabled):
            out = cls.forward(_SCRATCH_CONTEXT, a_data, b_data)
            return _new_tensor(out if out.__class__ is np.ndarray else np.asarray(out))
        ctx = _allocate(cls)
        ctx._saved = ()
        ctx.inputs = [
            (a if a.grad_fn is None else a.grad_fn) if a_grad else None,
            (b if b.grad_fn is None else b.grad_fn) if b_grad else None,
        ]
        ctx.input_meta = [
            _shared_meta(a_data.shape, a_data.dtype) if a_grad else (None if a_data is not a else False),
            _shared_meta(b_data.shape, b_data.dtype) if b_grad else (None if b_data is not b else False),
        ]
        ctx.needs_input_grad = _NEEDS_TUPLES[(a_grad, b_grad)]
        out = raw = cls.forward(ctx, a_data, b_data)
        if out.__class__ is not np.ndarray:
            out = np.asarray(out)  # numpy returns scalars for 0-d results
        if out.dtype.kind != "f":
            return _new_tensor(out)
        counter = None
        to_save = ctx._saved
        if to_save:
            saved = []
            for value in to_save:
                if value is None:
                    saved.append(_NONE_RECORD)
                elif value is a_data and a_data is not a:
                    version_counter = a._version_counter
                    saved.append([a_data, a, version_counter, version_counter[0]])
                elif value is b_data and b_data is not b:
                    version_counter = b._version_counter
                    saved.append([b_data, b, version_counter, version_counter[0]])
                elif value is out or value is raw:
                    counter = [0]
                    saved.append([out, _OUTPUT, counter, 0])
                elif value.__class__ is float or value.__class__ is int:
                    saved.append((value, None, None, None))
                else:
                    saved.append(_constant_record(value))
            ctx._saved = saved
        if _anomaly_mode.enabled:
            _anomaly_mode.record_creation(ctx, out)
        return _new_tensor(out, True, ctx, counter)


class _ScratchContext:
    """The ``ctx`` handed to forward when nothing is recorded: saving is a no-op and
    no input needs a gradient."""

    __slots__ = ("__dict__",)

    class _NoInputNeedsGrad(tuple):
        def __getitem__(self, index):
            return False

    needs_input_grad = _NoInputNeedsGrad()

    def save_for_backward(self, *values):
        pass


_SCRATCH_CONTEXT = _ScratchContext()


def _unary_result(out, x):
    """A 0-d result of a one-input op as an array of the input's float dtype.

    numpy returns scalars for 0-d results, and numpy 1.x promotes a 0-d float32 array
    combined with a Python float to float64 (value-based casting); PyTorch keeps float32.
    """
    out = np.asarray(out)
    if out.dtype != x.dtype and out.dtype.kind == "f" and x.dtype.kind == "f":
        out = out.astype(x.dtype)
    return out


def _shared_counter(source, out):
    """A view shares its base's version counter, so modifying either in place is seen by both."""
    if isinstance(source, Tensor) and np.may_share_memory(out, source.data):
        return source._version_counter
    return [0]


def _constant_record(value):
    """The saved-value record of something that is neither an input nor the output.

    A record is a list ``[array, source, version_counter, version_at_save]``;
    ``source`` is the input Tensor the value came from (so that with
    ``create_graph=True`` it stays connected to the graph), ``_OUTPUT`` for the op's
    own output (rebuilt on demand: holding the output Tensor would make a reference
    cycle through its ``grad_fn``), or ``None`` for a constant like this one.
    """
    if isinstance(value, Tensor):
        counter = value._version_counter
        return [value.data, None, counter, counter[0]]
    return (value, None, None, None)


# Objects that live as long as the graph are interned where they repeat, so that a deep
# graph holds fewer objects for Python's cycle collector to walk over and over (it walks
# every live container object; ours are never in cycles, so each one is pure cost).
_NONE_RECORD = (None, None, None, None)
_NEEDS_TUPLES = {(a, b): (a, b) for a in (False, True) for b in (False, True)}
_ONE_INPUT_NEEDS_GRAD = (True,)
_META = {}


def _shared_meta(shape, dtype):
    """One ``(shape, dtype)`` tuple per distinct input shape and dtype."""
    key = (shape, dtype)
    meta = _META.get(key)
    if meta is None:
        if len(_META) > 4096:  # many distinct shapes (e.g. variable lengths): start again
            _META.clear()
        meta = _META[key] = key
    return meta


def _raise_modified_inplace(node, array, version_now, version_saved):
    shape = ", ".join(str(size) for size in np.shape(array))
    raise RuntimeError(
        f"one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: [{np.asarray(array).dtype} tensor of shape [{shape}]], saved by "
        f"{node.name()}, is at version {version_now}; expected version {version_saved} instead. Compute on a copy (.clone()) instead of modifying the "
        f"tensor in place, or modify it only after backward()."
    )


class _AnomalyMode:
    """State of ``detect_anomaly``; kept here so ``apply`` can check it cheaply."""

    enabled = False

    @staticmethod
    def record_creation(ctx, output):
        import os
        import traceback

        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        user_frames = [frame for frame in traceback.extract_stack() if not frame.filename.startswith(package)]
        ctx._creation_site = "".join(traceback.format_list(user_frames[-6:]))
        if output.dtype.kind == "f" and not np.all(np.isfinite(output)):
            raise RuntimeError(
                f"Function '{ctx.name()}' returned nan or inf values in its forward output "
                f"(shape {output.shape}). It was called here:\n{ctx._creation_site}"
            )


_anomaly_mode = _AnomalyMode()
