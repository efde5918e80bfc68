"""Finding matplotlib and a display for ``microtensor.viz``: a clear error when matplotlib is missing,
and whether a window could be opened (``display_available``, ``interactive_backend``).

matplotlib is imported inside the functions, so ``import microtensor.viz`` never needs it.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Optional

_NON_INTERACTIVE_BACKENDS = {"agg", "cairo", "pdf", "pgf", "ps", "svg", "template"}


MATPLOTLIB_HINT = "pip install matplotlib, or pip install 'microtensor[examples]' for everything the examples use"


def import_matplotlib(submodule: Optional[str] = None) -> Any:
    """``matplotlib`` (or ``matplotlib.<submodule>``); without it, a ModuleNotFoundError that says what to install."""
    import importlib

    name = "matplotlib" if submodule is None else f"matplotlib.{submodule}"
    try:
        return importlib.import_module(name)
    except ImportError as error:
        raise ModuleNotFoundError(
            f"matplotlib is not installed (microtensor.viz and the examples draw with it): {MATPLOTLIB_HINT}",
            name="matplotlib",
        ) from error


def _import_pyplot():
    return import_matplotlib("pyplot")


def display_available() -> bool:
    """True when a window could be opened: on Linux and the BSDs that needs ``DISPLAY`` or
    ``WAYLAND_DISPLAY``; macOS and Windows always have a display."""
    if sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def interactive_backend() -> bool:
    """True when matplotlib's current backend draws windows and a display is present."""
    matplotlib = import_matplotlib()
    backend = str(matplotlib.get_backend()).lower()
    if backend in _NON_INTERACTIVE_BACKENDS or backend.startswith("module://matplotlib_inline"):
        return False
    return display_available()
