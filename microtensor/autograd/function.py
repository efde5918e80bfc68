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

from .._tensor import Tensor, _new_tensor
from .grad_mode import _state, no_grad
from .views import attach_view, refresh_view, shares_memory

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
    _output_meta = None  # per output (shape, dtype), for a Function with several outputs
    _pre_hooks = None    # output number -> hooks run on that output's gradient (register_hook)
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
            if record.__class__ is not tuple:  # a constant: a number, an array, None
                if tensor_mode and record.__class__ is np.ndarray:
                    record = _new_tensor(record)
                values.append(record)
                continue
            array, source, counter, version = record
            if source is _CONSTANT:
                values.append(array)
                continue
            if counter is not None and counter[0] != version:
                _raise_modified_inplace(self, array, counter[0], version)
            values.append(self._saved_as_tensor(array, source, counter) if tensor_mode else array)
        return tuple(values)

    def _saved_as_tensor(self, array, source, counter):
        if source is _OUTPUT or source.__class__ is tuple:  # the op's output (number source[1] of several)
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
        """``apply`` for any number of arguments, several outputs, and every user Function."""
        record = False
        if _state.enabled:
            for arg in args:
                if isinstance(arg, Tensor):
                    if arg._view is not None:
                        refresh_view(arg)
                    if arg._requires_grad:
                        record = True
        numpy_level = cls.numpy_level
        if not record:
            if numpy_level:
                ctx = _SCRATCH_CONTEXT
                raw = cls.forward(ctx, *[arg._data if isinstance(arg, Tensor) else arg for arg in args], **kwargs)
            else:
                ctx = _ScratchContext()
                with no_grad():
                    raw = cls.forward(ctx, *args, **kwargs)
            if raw.__class__ is tuple:
                return tuple(_plain_output(cls, ctx, args, value) for value in raw)
            return _plain_output(cls, ctx, args, raw)

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
                    inputs[index] = edge_of(arg)
                    needs[index] = True
                    meta[index] = _shared_meta(data.shape, data.dtype)
                else:
                    meta[index] = None
        ctx.inputs = tuple(inputs)
        ctx.input_meta = _shared_meta_tuple(tuple(meta))
        needs = tuple(needs)
        ctx.needs_input_grad = _NEEDS_TUPLES.setdefault(needs, needs)
        if numpy_level:
            raw = cls.forward(ctx, *forward_args, **kwargs)
            if raw.__class__ is np.ndarray or isinstance(raw, np.generic):
                return _one_recorded_output(cls, ctx, args, forward_args, raw)
        else:
            forward_args = args
            with no_grad():
                raw = cls.forward(ctx, *args, **kwargs)
        several = raw.__class__ is tuple
        raws = raw if several else (raw,)
        outputs, arrays, recorded = _recorded_outputs(cls, ctx, args, raws, several)
        if not recorded:  # nothing differentiable came out: ctx is not part of the graph
            return outputs if several else outputs[0]

        to_save = ctx._saved  # what forward passed to save_for_backward, resolved now
        if to_save:
            ctx._saved = [_saved_record(value, args, forward_args, raws, arrays, outputs) for value in to_save]
        if _anomaly_mode.enabled:
            for out in arrays:
                if out is not None:
                    _anomaly_mode.record_creation(ctx, out)
                    break
        return outputs if several else outputs[0]

    @classmethod
    def _apply_unary(cls, a):
        """``apply(a)`` for a built-in one-argument op, unrolled like ``_apply_binary``."""
        if not isinstance(a, Tensor):
            return cls._apply_general((a,), {})
        if a._view is not None:
            refresh_view(a)
        a_data = a._data
        if not (a._requires_grad and _state.enabled):
            out = cls.forward(_SCRATCH_CONTEXT, a_data)
            if out.__class__ is not np.ndarray:
                out = _unary_result(out, a_data)
            return _new_tensor(out)
        ctx = _allocate(cls)
        ctx._saved = ()
        ctx.inputs = (a if a._grad_fn is None else edge_of(a),)
        ctx.input_meta = _shared_meta(a_data.shape, a_data.dtype, _ONE_META)
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
                    saved.append((out, _OUTPUT, counter, 0))
                elif value is a_data:
                    version_counter = a._version_counter
                    saved.append((a_data, a, version_counter, version_counter[0]))
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
            if a._view is not None:
                refresh_view(a)
            a_data, a_grad = a._data, a._requires_grad
        else:
            a_data, a_grad = a, False
        if isinstance(b, Tensor):
            if b._view is not None:
                refresh_view(b)
            b_data, b_grad = b._data, b._requires_grad
        else:
            b_data, b_grad = b, False
        if not ((a_grad or b_grad) and _state.enabled):
            out = cls.forward(_SCRATCH_CONTEXT, a_data, b_data)
            return _new_tensor(out if out.__class__ is np.ndarray else np.asarray(out))
        ctx = _allocate(cls)
        ctx._saved = ()
        ctx.inputs = (
            (a if a._grad_fn is None else edge_of(a)) if a_grad else None,
            (b if b._grad_fn is None else edge_of(b)) if b_grad else None,
        )
        key = (
            a_data.shape if a_grad else a_data is not a, a_data.dtype if a_grad else None,
            b_data.shape if b_grad else b_data is not b, b_data.dtype if b_grad else None,
        )
        entry = _PAIR_META.get(key)
        if entry is None:
            entry = _pair_meta(key)
        ctx.input_meta, ctx.needs_input_grad = entry
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
                if value is None or value.__class__ is float or value.__class__ is int:
                    saved.append(value)
                elif value is a_data and a_data is not a:
                    version_counter = a._version_counter
                    saved.append((a_data, a, version_counter, version_counter[0]))
                elif value is b_data and b_data is not b:
                    version_counter = b._version_counter
                    saved.append((b_data, b, version_counter, version_counter[0]))
                elif value is out or value is raw:
                    counter = [0]
                    saved.append((out, _OUTPUT, counter, 0))
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

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *outputs):
        pass


_SCRATCH_CONTEXT = _ScratchContext()


def edge_of(tensor):
    """Where the gradient of ``tensor`` goes: the tensor (a leaf), its node, or ``(node, output number)``."""
    node = tensor._grad_fn
    if node is None:
        return tensor
    if tensor._output_nr:
        return (node, tensor._output_nr)
    return node


def _is_passed_through(cls, value):
    """User Functions may return non-tensor values (None, numbers); they pass through unchanged."""
    return value is None or (not cls.numpy_level and not isinstance(value, (Tensor, np.ndarray, np.generic)))


def _view_output(cls, args, array, out):
    """Make ``out`` a view of the op's input when its array shares that input's memory."""
    source = args[0]
    if isinstance(source, Tensor) and shares_memory(array, source._data):
        out._counter = source._version_counter
        attach_view(source, out, cls, args[1:])


def _plain_output(cls, ctx, args, value):
    """One output of an op that records nothing, as a Tensor."""
    if _is_passed_through(cls, value):
        return value
    if isinstance(value, Tensor):
        for arg in args:
            if value is arg:  # a user Function that modified an input in place and returns it
                if any(value is dirty for dirty in ctx.__dict__.get("_dirty", ())):
                    value._version_counter[0] += 1
                return value
        value = value._data
    if value.__class__ is not np.ndarray:
        value = _scalar_result(cls, value, args)
    out = _new_tensor(value)
    if cls.view_of is not None:
        _view_output(cls, args, value, out)
    return out


def _one_recorded_output(cls, ctx, args, forward_args, raw):
    """The output of a built-in op that returned one array (the common case of ``_recorded_outputs``)."""
    out = raw if raw.__class__ is np.ndarray else _scalar_result(cls, raw, args)
    if out.dtype.kind != "f":
        return _new_tensor(out)
    tensor = _new_tensor(out, True, ctx)
    if cls.view_of is not None:
        _view_output(cls, args, out, tensor)
    to_save = ctx._saved
    if to_save:
        ctx._saved = [_saved_record(value, args, forward_args, (raw,), (out,), (tensor,)) for value in to_save]
    if _anomaly_mode.enabled:
        _anomaly_mode.record_creation(ctx, out)
    return tensor


def _recorded_outputs(cls, ctx, args, raws, several):
    """Wrap forward's results as Tensors whose ``grad_fn`` is ``ctx``.

    Returns the outputs, their arrays (None for passed-through values), and whether any
    output is differentiable (if none is, ``ctx`` is not a node of the graph).
    """
    dirty = ctx.__dict__.get("_dirty", ())
    non_differentiable = ctx.__dict__.get("_non_differentiable", ())
    outputs, arrays = [], []
    recorded = False
    for number, value in enumerate(raws):
        if _is_passed_through(cls, value):
            outputs.append(value)
            arrays.append(None)
            continue
        given = value if isinstance(value, Tensor) else None
        array = value._data if given is not None else value
        if array.__class__ is not np.ndarray:
            array = _scalar_result(cls, array, args)
        arrays.append(array)
        differentiable = array.dtype.kind == "f" and not any(value is t for t in non_differentiable)
        if given is not None and any(given is t for t in dirty):
            outputs.append(_adopt_dirty(ctx, given, number, differentiable))
            recorded = recorded or differentiable
            continue
        if not differentiable:
            outputs.append(_new_tensor(array))
            continue
        out = _new_tensor(array, True, ctx)
        if number:
            out._output_nr = number
        if cls.view_of is not None:
            _view_output(cls, args, array, out)
        outputs.append(out)
        recorded = True
    if several:
        ctx._output_meta = tuple(None if a is None else (a.shape, a.dtype) for a in arrays)
    return tuple(outputs), arrays, recorded


def _adopt_dirty(ctx, tensor, number, differentiable):
    """An input that forward modified in place (``ctx.mark_dirty``) becomes the output itself."""
    if tensor._view is not None:
        raise RuntimeError(
            f"{ctx.name()}: mark_dirty() on a view is not supported by microtensor; pass a .clone() "
            f"of the view, or modify the base tensor instead"
        )
    if tensor._requires_grad and tensor._grad_fn is None:
        raise RuntimeError(
            f"{ctx.name()}: a leaf Variable that requires grad is being used in an in-place operation "
            f"(mark_dirty). Wrap the call in `with mt.no_grad():`, or work on a .clone()."
        )
    tensor._version_counter[0] += 1
    if differentiable:
        tensor._grad_fn = ctx
        tensor._requires_grad = True
        tensor._output_nr = number
    return tensor


def _saved_record(value, args, forward_args, raws, arrays, outputs):
    """The record of one value forward passed to ``save_for_backward`` (see ``_constant_record``)."""
    if value is None:
        return None
    for number, (raw, array) in enumerate(zip(raws, arrays)):
        if array is not None and (value is raw or value is array):
            counter = outputs[number]._version_counter
            return (array, _OUTPUT if number == 0 else (_OUTPUT, number), counter, counter[0])
    if value.__class__ is float or value.__class__ is int:
        return value
    for arg, forward_arg in zip(args, forward_args):
        if value is forward_arg and isinstance(arg, Tensor):
            counter = arg._version_counter
            return (arg._data, arg, counter, counter[0])
    return _constant_record(value)


def _scalar_result(cls, value, args):
    """A numpy scalar from a built-in op as a 0-d array; for a one-argument op, of its input's float
    dtype (as ``_apply_unary`` makes it)."""
    if cls.numpy_level and len(args) == 1 and isinstance(args[0], Tensor):
        return _unary_result(value, args[0]._data)
    return np.asarray(value)


def _unary_result(out, x):
    """A 0-d result of a one-input op as an array of the input's float dtype.

    numpy returns scalars for 0-d results, and numpy 1.x promotes a 0-d float32 array
    combined with a Python float to float64 (value-based casting); PyTorch keeps float32.
    """
    out = np.asarray(out)
    if out.dtype != x.dtype and out.dtype.kind == "f" and x.dtype.kind == "f":
        out = out.astype(x.dtype)
    return out


def _constant_record(value):
    """How a saved value that is neither an input nor the output is kept.

    A value that belongs to a tensor is kept as a record ``(array, source, counter,
    version)``: ``source`` is the input Tensor it came from (so that with
    ``create_graph=True`` it stays connected to the graph), ``_OUTPUT`` for the op's own
    output (rebuilt on demand: holding the output Tensor would make a reference cycle
    through its ``grad_fn``), or ``None`` for another tensor; ``version`` is checked
    against the tensor's version counter on use. Anything else (numbers, arrays, None)
    is kept as it is; a tuple is wrapped, so it is not taken for a record.
    """
    if isinstance(value, Tensor):
        counter = value._version_counter
        return (value._data, None, counter, counter[0])
    if value.__class__ is tuple:
        return (value, _CONSTANT, None, None)
    return value


# Objects that live as long as the graph are interned where they repeat, so that a deep
# graph holds fewer objects for Python's cycle collector to walk over and over (it walks
# every live container object; ours are never in cycles, so each one is pure cost).
_CONSTANT = object()  # marks a saved tuple that is a constant, not a record
_NEEDS_TUPLES = {(a, b): (a, b) for a in (False, True) for b in (False, True)}
_ONE_INPUT_NEEDS_GRAD = (True,)
_META = {}
_PAIR_META = {}
_ONE_META = object()  # asks _shared_meta for the one-input tuple ``(meta,)``


def _shared_meta(shape, dtype, wrap=None):
    """One ``(shape, dtype)`` tuple per distinct input shape and dtype (or ``((shape, dtype),)``)."""
    key = (shape, dtype, wrap)
    meta = _META.get(key)
    if meta is None:
        if len(_META) > 4096:  # many distinct shapes (e.g. variable lengths): start again
            _META.clear()
        meta = (shape, dtype) if wrap is None else (_shared_meta(shape, dtype),)
        _META[key] = meta
    return meta


def _pair_meta(key):
    """``(input_meta, needs_input_grad)`` of a two-argument node, from ``_apply_binary``'s key.

    Per argument the key holds (shape, dtype) when it needs a gradient, else (True, None)
    for a tensor that does not (meta None) or (False, None) for a plain value (meta False).
    """
    metas = []
    for shape, dtype in ((key[0], key[1]), (key[2], key[3])):
        if dtype is not None:
            metas.append(_shared_meta(shape, dtype))
        else:
            metas.append(None if shape else False)
    needs = (key[1] is not None, key[3] is not None)
    if len(_PAIR_META) > 4096:
        _PAIR_META.clear()
    entry = _PAIR_META[key] = (tuple(metas), _NEEDS_TUPLES[needs])
    return entry


def _shared_meta_tuple(metas):
    meta = _META.get(metas)
    if meta is None:
        if len(_META) > 4096:
            _META.clear()
        meta = _META[metas] = metas
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
