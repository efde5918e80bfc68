"""Whether operations record the computation graph: ``no_grad``, ``enable_grad``, ...

The switch is per thread, as in PyTorch: a ``no_grad`` block in an evaluation thread
does not stop a training thread from recording. Each class works as a context manager
and as a decorator of functions and of generator functions (the mode then holds
inside the generator's body only, not in the code that consumes it).
"""
import functools
import inspect
import threading


class _ThreadState(threading.local):
    enabled = True      # record new operations for backward? (grad mode on and not inference mode)
    inference = False   # inside inference_mode?
    inference_grad = False  # grad mode switched on inside inference_mode: reported, yet nothing records
    recorder = None     # the mt.compile recorder capturing this thread's step, if any (compile/recorder.py)
    partial_backward = False  # is the engine running for autograd.grad or backward(inputs=...)? (checkpoint asks)


_state = _ThreadState()


def is_grad_enabled():
    """True when grad mode is on (in this thread): new operations are recorded for backward,
    unless inference mode is on too (as in PyTorch, ``enable_grad`` inside ``inference_mode``
    reports True but records nothing)."""
    return _state.enabled or _state.inference_grad


def is_inference_mode_enabled():
    """True inside ``mt.inference_mode()`` (in this thread)."""
    return _state.inference


def _set(enabled, inference):
    """Set grad mode and inference mode; return the ``(enabled, inference)`` that was before."""
    previous = (_state.enabled or _state.inference_grad, _state.inference)
    _state.enabled, _state.inference = enabled and not inference, inference
    _state.inference_grad = enabled and inference
    return previous


class _Mode:
    """A grad mode usable as ``with mode:``, ``@mode`` and ``@mode()``."""

    def _target(self):
        """The ``(enabled, inference)`` state this mode sets."""
        raise NotImplementedError

    def __enter__(self):
        self._previous = _set(*self._target())
        return self

    def __exit__(self, *exc_info):
        _set(*self._previous)
        return False

    def _fresh(self):
        """A new context manager of the same mode (decorated code may run re-entrantly)."""
        return self

    def clone(self):
        """A new manager of the same mode, as PyTorch's grad modes have."""
        return self._fresh()

    def __call__(self, function):
        if not callable(function):
            raise TypeError(f"{type(self).__name__} decorates a function, got {function!r}")
        if inspect.isgeneratorfunction(function):
            return _wrap_generator(self._fresh, function)

        @functools.wraps(function)
        def decorated(*args, **kwargs):
            with self._fresh():
                return function(*args, **kwargs)

        return decorated


def _wrap_generator(make_mode, function):
    """Run each step of the generator (up to each ``yield``) inside the mode."""

    @functools.wraps(function)
    def decorated(*args, **kwargs):
        generator = function(*args, **kwargs)
        try:
            with make_mode():
                response = generator.send(None)
            while True:
                try:
                    request = yield response
                except GeneratorExit:
                    with make_mode():
                        generator.close()
                    raise
                except BaseException as error:
                    with make_mode():
                        response = generator.throw(error)
                else:
                    with make_mode():
                        response = generator.send(request)
        except StopIteration as stop:
            return stop.value

    return decorated


class _Switch(_Mode):
    """``no_grad`` and ``enable_grad``: usable with and without parentheses as a decorator."""

    _enabled = True

    def __new__(cls, function=None):
        instance = object.__new__(cls)
        if function is not None:  # `@mt.no_grad` without parentheses, as PyTorch 2 allows
            return instance(function)
        return instance

    def _target(self):
        return self._enabled, _state.inference  # inference mode stays as it is, as in PyTorch

    def _fresh(self):
        return type(self)()


class no_grad(_Switch):
    """Context manager / decorator: operations inside record no graph.

    Use it for inference and for updating parameters in place::

        with mt.no_grad():
            w -= lr * w.grad
    """

    _enabled = False


class enable_grad(_Switch):
    """Context manager / decorator: turn graph recording back on inside ``no_grad``."""

    _enabled = True


class set_grad_enabled(_Mode):
    """Set graph recording on or off: right away, for a ``with`` block, or for a decorated function.

    ``mt.set_grad_enabled(False)`` switches recording off until switched back on;
    ``with mt.set_grad_enabled(is_training): ...`` restores the previous mode after.
    """

    def __init__(self, mode):
        self.mode = bool(mode)
        self._previous = _set(self.mode, _state.inference)

    def _target(self):
        return self.mode, _state.inference

    def __enter__(self):
        return self  # the mode was set by the constructor; __exit__ restores what was before it

    def __call__(self, function):
        _set(*self._previous)  # as a decorator, the mode holds only inside the function
        return super().__call__(function)

    def _fresh(self):
        return _ScopedMode(self.mode, _state.inference)


class _ScopedMode(_Mode):
    def __init__(self, enabled, inference):
        self._state = (enabled, inference)

    def _target(self):
        return self._state


class inference_mode(_Mode):
    """Like ``no_grad``, for code that only evaluates: nothing inside records a graph,
    not even under ``enable_grad``.

    ``mt.inference_mode(False)`` switches inference mode off and grad mode on, as in
    PyTorch. (PyTorch's inference tensors, which refuse later use in autograd, are not
    modelled: results are ordinary tensors that do not require grad.)
    """

    def __new__(cls, mode=True):
        instance = super().__new__(cls)
        if callable(mode):  # `@mt.inference_mode` without parentheses
            instance.__init__()
            return instance(mode)
        return instance

    def __init__(self, mode=True):
        self.mode = bool(mode) if not callable(mode) else True

    def _target(self):
        return not self.mode, self.mode

    def _fresh(self):
        return inference_mode(self.mode)
