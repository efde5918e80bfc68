"""``mt.compile``: capture a training step once, replay it as a flat numpy program.

``mt.compile(step)`` returns a function with the same signature and results. Its
first call runs eagerly; the next two run eagerly while a recorder writes down every
op, gradient, ``zero_grad`` and optimizer update (recorder.py); the recording becomes
a straight-line Python function over numpy arrays (program.py) that must reproduce
the eager step bit for bit before it is trusted (compiled.py). Later calls replay it:
no Tensor objects, no graph, no engine, just the ops' own numpy code in a fixed order.

See docs/compile.md (the package is named ``capture`` so that ``mt.compile`` stays a function) for what it captures, what runs eagerly, and why.
"""
from .compiled import MAX_PROGRAMS, CompiledFunction
from .recorder import CaptureError

__all__ = ["compile", "CompiledFunction", "CaptureError", "MAX_PROGRAMS"]


def compile(fn=None, *, fullgraph=False, dynamic=None, backend="replay", mode=None, options=None, disable=False):
    """Wrap ``fn`` (usable as ``@mt.compile`` or ``@mt.compile(fullgraph=True)``), as ``torch.compile``.

    ``fullgraph=True`` raises a ``CaptureError`` naming the cause and the line instead of
    running a step eagerly; ``disable=True`` returns a wrapper that always runs eagerly.
    ``dynamic``, ``mode`` and ``options`` are accepted for PyTorch compatibility and change
    nothing (every new shape is a new signature); the only backend is ``"replay"``.
    """
    if backend not in ("replay", "inductor", "eager", None):
        raise ValueError(f"mt.compile: unknown backend {backend!r}; microtensor has one backend, 'replay'")

    def wrap(function):
        if not callable(function):
            raise TypeError(f"mt.compile expects a function, got {type(function).__name__}")
        return CompiledFunction(function, fullgraph=fullgraph, disable=disable)

    return wrap if fn is None else wrap(fn)
