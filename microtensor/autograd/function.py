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
import functools

import numpy as np

from .._tensor import Tensor, _new_tensor
from .anomaly import anomaly_mode as _anomaly_mode
from .grad_mode import _state, no_grad
from .function_ctx import FunctionCtx
from .node_meta import GENERAL_META, ONE_INPUT_NEEDS_GRAD, ONE_META, PAIR_META, general_meta, pair_meta, shared_meta
from .outputs import edge_of, one_recorded_output, plain_output, recorded_outputs, unary_result
from .saved import (
    OUTPUT, constant_record, only_plain_values, saved_record,
)
from .views import refresh_view

_allocate = object.__new__


class Function(FunctionCtx):
    """Base class of differentiable operations; see the module docstring. Its instances are the
    nodes of the graph and the ``ctx`` of forward and backward (the ctx API is ``FunctionCtx``'s)."""

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

    @staticmethod
    def setup_context(ctx, inputs, output):
        """PyTorch 2's other style: define ``forward(*args)`` without ``ctx`` and save here what
        backward needs (``inputs`` is the tuple of arguments, ``output`` what forward returned)."""
        raise NotImplementedError("setup_context is optional: define it to use forward without ctx")

    @classmethod
    def _user_forward(cls, ctx, args, kwargs):
        """Run a user Function's forward (under no_grad), in either of PyTorch's two styles."""
        with no_grad():
            if cls.setup_context is _NO_SETUP_CONTEXT:
                return cls.forward(ctx, *args, **kwargs)
            output = cls.forward(*args, **kwargs)
            cls.setup_context(ctx, args, output)
            return output

    # ------------------------------------------------------------------- apply
    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the op on ``args`` (Tensors and plain values) and record it in the graph.

        This is the hot path of every op, so it is written for speed: one pass to
        unwrap the arguments, and no node at all when nothing will be recorded.
        When recording, ``ctx.needs_input_grad`` is known before ``forward`` runs,
        so an op can save only what the needed gradients use.
        """
        if _state.recorder is not None:  # mt.compile is capturing a step: it runs the op and notes it
            return _state.recorder.on_apply(cls, args, kwargs)
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
                if raw is None:
                    raise forward_returned_none(cls)
            else:
                ctx = _scratch_for(len(args))  # needs_input_grad: one False per argument, as PyTorch
                raw = cls._user_forward(ctx, args, kwargs)
            if raw.__class__ is tuple:
                return tuple(plain_output(cls, ctx, args, value) for value in raw)
            return plain_output(cls, ctx, args, raw)

        ctx = _allocate(cls)
        ctx._saved = ()
        forward_args = list(args)
        inputs = []
        key = []  # per argument: shape and dtype if it needs a gradient, None for another tensor, False else
        for index, arg in enumerate(args):
            if isinstance(arg, Tensor):
                data = forward_args[index] = arg._data
                if arg._requires_grad:
                    inputs.append(arg if arg._grad_fn is None else arg._grad_fn if not arg._output_nr else edge_of(arg))
                    key.append(data.shape)
                    key.append(data.dtype)
                    continue
                key.append(None)
            else:
                key.append(False)  # not a tensor at all (a dim, a shape, a number)
            inputs.append(None)
        ctx.inputs = tuple(inputs)
        key = tuple(key)
        entry = GENERAL_META.get(key)
        if entry is None:
            entry = general_meta(key)
        ctx.input_meta, ctx.needs_input_grad = entry
        if numpy_level:
            raw = cls.forward(ctx, *forward_args, **kwargs)
            if raw.__class__ is np.ndarray or isinstance(raw, np.generic):
                return one_recorded_output(cls, ctx, args, forward_args, raw)
            if raw is None:
                raise forward_returned_none(cls)
        else:
            forward_args = args
            raw = cls._user_forward(ctx, args, kwargs)
        several = raw.__class__ is tuple
        raws = raw if several else (raw,)
        outputs, arrays, recorded = recorded_outputs(cls, ctx, args, raws, several)
        if not recorded:  # nothing differentiable came out: ctx is not part of the graph
            return outputs if several else outputs[0]

        to_save = ctx._saved  # what forward passed to save_for_backward, resolved now
        if to_save and not only_plain_values(to_save):
            ctx._saved = [saved_record(value, args, forward_args, raws, arrays, outputs) for value in to_save]
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
            out = cls.forward(_SCRATCH_ONE, a_data)
            if out.__class__ is not np.ndarray:
                if out is None:
                    raise forward_returned_none(cls)
                out = unary_result(out, a_data)
            return _new_tensor(out)
        ctx = _allocate(cls)
        ctx._saved = ()
        ctx.inputs = (a if a._grad_fn is None else a._grad_fn if not a._output_nr else edge_of(a),)
        ctx.input_meta = shared_meta(a_data.shape, a_data.dtype, ONE_META)
        ctx.needs_input_grad = ONE_INPUT_NEEDS_GRAD
        out = raw = cls.forward(ctx, a_data)
        if out.__class__ is not np.ndarray:
            if out is None:
                raise forward_returned_none(cls)
            out = unary_result(out, a_data)
        if out.dtype.kind != "f":
            return _new_tensor(out)
        counter = None
        to_save = ctx._saved
        if to_save:
            saved = []
            for value in to_save:
                if value is out or value is raw:
                    counter = [0]
                    saved.append((out, OUTPUT, counter, 0))
                elif value is a_data:
                    version_counter = a._version_counter
                    saved.append((a_data, a, version_counter, version_counter[0]))
                else:
                    saved.append(constant_record(value))
            if not only_plain_values(to_save):  # else forward's own tuple of plain values is kept
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
            out = cls.forward(_SCRATCH_PAIR, a_data, b_data)
            if out.__class__ is np.ndarray:
                return _new_tensor(out)
            if out is None:
                raise forward_returned_none(cls)
            return _new_tensor(np.asarray(out))
        ctx = _allocate(cls)
        ctx._saved = ()
        ctx.inputs = (
            # edge_of(a) written out for a leaf and for the first output of a node (no call)
            (a if a._grad_fn is None else a._grad_fn if not a._output_nr else edge_of(a)) if a_grad else None,
            (b if b._grad_fn is None else b._grad_fn if not b._output_nr else edge_of(b)) if b_grad else None,
        )
        key = (
            a_data.shape if a_grad else a_data is not a, a_data.dtype if a_grad else None,
            b_data.shape if b_grad else b_data is not b, b_data.dtype if b_grad else None,
        )
        entry = PAIR_META.get(key)
        if entry is None:
            entry = pair_meta(key)
        ctx.input_meta, ctx.needs_input_grad = entry
        out = raw = cls.forward(ctx, a_data, b_data)
        if out.__class__ is not np.ndarray:
            if out is None:
                raise forward_returned_none(cls)
            out = np.asarray(out)  # numpy returns scalars for 0-d results
        if out.dtype.kind != "f":
            return _new_tensor(out)
        counter = None
        to_save = ctx._saved
        if to_save:
            saved = []
            records = False
            for value in to_save:
                if value is None:
                    saved.append(None)
                    continue
                if value is a_data and a_data is not a:
                    version_counter = a._counter
                    if version_counter is None:
                        version_counter = a._counter = [0]
                    saved.append((a_data, a, version_counter, version_counter[0]))
                elif value is b_data and b_data is not b:
                    version_counter = b._counter
                    if version_counter is None:
                        version_counter = b._counter = [0]
                    saved.append((b_data, b, version_counter, version_counter[0]))
                elif value is out or value is raw:
                    counter = [0]
                    saved.append((out, OUTPUT, counter, 0))
                elif value.__class__ is float or value.__class__ is int:
                    saved.append(value)
                    continue
                else:
                    saved.append(constant_record(value))
                records = True
            if records:  # else forward's own tuple of plain values is kept: no new container per node
                ctx._saved = saved
        if _anomaly_mode.enabled:
            _anomaly_mode.record_creation(ctx, out)
        return _new_tensor(out, True, ctx, counter)


_NO_SETUP_CONTEXT = Function.setup_context


def forward_returned_none(cls):
    """The error for a ``numpy_level`` forward that returned None (it would become an object-dtype tensor).
    A user Function (``numpy_level = False``) may return None, as in PyTorch: ``apply`` then returns None."""
    return TypeError(
        f"{cls.__name__}.forward returned None; a numpy_level forward must return a numpy array "
        f"(or a tuple of them); did it forget a 'return'?"
    )


class _ScratchContext:
    """The ``ctx`` handed to forward when nothing is recorded: saving is a no-op and
    no input needs a gradient."""

    __slots__ = ("__dict__",)

    class _NoInputNeedsGrad(tuple):
        def __getitem__(self, index):
            return False

    needs_input_grad = _NoInputNeedsGrad()  # for any number of arguments; see _scratch_for below

    def save_for_backward(self, *values):
        pass

    def mark_dirty(self, *tensors):
        self._dirty = tensors

    def mark_non_differentiable(self, *outputs):
        pass

    def set_materialize_grads(self, value):
        pass


def _scratch_for(arguments):
    """A scratch ``ctx`` whose ``needs_input_grad`` is a plain tuple of ``arguments`` Falses, as a
    recorded node's would be: indexing it costs no Python call (the one- and two-argument paths)."""
    ctx = _ScratchContext()
    ctx.needs_input_grad = (False,) * arguments
    return ctx


_SCRATCH_CONTEXT = _ScratchContext()
_SCRATCH_ONE = _scratch_for(1)
_SCRATCH_PAIR = _scratch_for(2)


def once_differentiable(backward):
    """Decorate a user Function's ``backward`` that cannot itself be differentiated.

    It runs under ``no_grad``. Under ``create_graph=True`` its gradients still require
    grad, but differentiating them again raises an error, as in PyTorch.
    """

    @functools.wraps(backward)
    def wrapper(ctx, *grad_outputs):
        with no_grad():
            result = backward(ctx, *grad_outputs)
        if not any(isinstance(g, Tensor) and g.requires_grad for g in grad_outputs):
            return result
        several = isinstance(result, tuple)
        grads = result if several else (result,)
        marked = _OnceDifferentiated.apply(*[None if g is None else g.detach().requires_grad_() for g in grads])
        return marked if several else marked[0] if isinstance(marked, tuple) else marked

    return wrapper


class _OnceDifferentiated(Function):
    """The gradients of a ``@once_differentiable`` backward: their own backward is an error."""

    @staticmethod
    def forward(ctx, *grads):
        return tuple(None if g is None else g.clone() for g in grads)

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable: its "
            "backward cannot be differentiated again (write a differentiable backward, or drop create_graph=True)"
        )
