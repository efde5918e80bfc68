"""Whether operations record the computation graph: ``no_grad``, ``enable_grad``.

A single module-level switch (not thread-local; microtensor is single-threaded).
Both classes work as context managers and as function decorators, as in PyTorch.
"""
import functools

_enabled = True


def is_grad_enabled():
    """True when new operations are recorded for backward."""
    return _enabled


class set_grad_enabled:
    """Set graph recording on or off: right away, or for a ``with`` block.

    ``mt.set_grad_enabled(False)`` switches recording off until switched back on;
    ``with mt.set_grad_enabled(is_training): ...`` restores the previous mode after.
    """

    def __init__(self, mode):
        global _enabled
        self._previous = _enabled
        _enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        global _enabled
        _enabled = self._previous
        return False


class _GradMode:
    _mode = True

    def __new__(cls, function=None):
        # `@mt.no_grad` without parentheses, as PyTorch 2 allows: decorate right away.
        instance = super().__new__(cls)
        if function is not None:
            if not callable(function):
                raise TypeError(f"{cls.__name__}() takes no arguments (or a function to decorate), got {function!r}")
            return instance(function)
        return instance

    def __init__(self, function=None):
        pass

    def __enter__(self):
        global _enabled
        self._previous = _enabled
        _enabled = self._mode
        return self

    def __exit__(self, *exc_info):
        global _enabled
        _enabled = self._previous
        return False

    def __call__(self, function):
        @functools.wraps(function)
        def decorated(*args, **kwargs):
            with type(self)():
                return function(*args, **kwargs)

        return decorated


class no_grad(_GradMode):
    """Context manager / decorator: operations inside record no graph.

    Use it for inference and for updating parameters in place::

        with mt.no_grad():
            w -= lr * w.grad
    """

    _mode = False


class enable_grad(_GradMode):
    """Context manager / decorator: turn graph recording back on inside ``no_grad``."""

    _mode = True
