"""The allowlist of classes and functions ``mt.load`` may use to rebuild a whole module, as in PyTorch.

``mt.load`` rebuilds a saved module only from microtensor's own layers and from what
is allowlisted here (``torch.serialization``'s names and behaviour)::

    mt.serialization.add_safe_globals([MyModel])          # from now on
    with mt.serialization.safe_globals([MyModel]):        # only inside the block
        model = mt.load("model.mt")

An entry is a class or function, or a pair ``(obj, "module.qualname")`` for an object
saved under another import path. Entries are matched by that path: nothing named in a
file is ever imported from outside microtensor while ``weights_only`` is on.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, List, Optional, Sequence, Tuple, Union

SafeGlobal = Union[Callable[..., Any], Tuple[Callable[..., Any], str]]

_lock = threading.Lock()
_allowed: List[SafeGlobal] = []  # entries in the order they were added, as get_safe_globals returns them


def path_of(obj):
    """``module.qualname`` of a class or function: how a saved file names it."""
    return f"{obj.__module__}.{obj.__qualname__}"


def _check_entries(entries, where):
    if not isinstance(entries, (list, tuple)):
        raise TypeError(f"{where} expects a list of classes or functions, got {type(entries).__name__}")
    checked = []
    for entry in entries:
        if isinstance(entry, tuple):
            if len(entry) != 2 or not isinstance(entry[1], str) or not callable(entry[0]):
                raise TypeError(
                    f"{where}: a tuple entry must be (class_or_function, 'module.qualname'), got {entry!r}"
                )
        elif not callable(entry) or not hasattr(entry, "__module__") or not hasattr(entry, "__qualname__"):
            raise TypeError(f"{where}: {entry!r} is not a class or function (give the object, not its name)")
        checked.append(entry)
    return checked


def add_safe_globals(safe_globals: Sequence[SafeGlobal]) -> None:
    """Allowlist classes/functions (or ``(obj, "module.qualname")`` pairs) for ``mt.load`` from now on."""
    entries = _check_entries(safe_globals, "add_safe_globals")
    with _lock:
        _allowed.extend(entries)


def get_safe_globals() -> List[SafeGlobal]:
    """The allowlist added with ``add_safe_globals`` (and active ``safe_globals`` blocks), in order."""
    with _lock:
        return list(_allowed)


def clear_safe_globals() -> None:
    """Empty the allowlist (microtensor's own classes stay allowed)."""
    with _lock:
        _allowed.clear()


class safe_globals:
    """Context manager: allowlist classes/functions for ``mt.load`` inside a ``with`` block only.

    ::

        with mt.serialization.safe_globals([MyModel]):
            model = mt.load("model.mt")
    """

    def __init__(self, safe_globals: Sequence[SafeGlobal]) -> None:
        self.safe_globals = _check_entries(safe_globals, "safe_globals")
        self._saved: Optional[List[SafeGlobal]] = None

    def __enter__(self) -> safe_globals:
        with _lock:
            self._saved = list(_allowed)
            _allowed.extend(self.safe_globals)
        return self

    def __exit__(self, *exc_info: Any) -> bool:
        with _lock:
            _allowed[:] = self._saved
        return False


def allowed_object(path):
    """The allowlisted object saved under ``path``, or None."""
    for entry in get_safe_globals():
        obj, name = entry if isinstance(entry, tuple) else (entry, path_of(entry))
        if name == path:
            return obj
    return None
