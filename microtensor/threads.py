"""``mt.get_num_threads`` / ``mt.set_num_threads`` and the inter-op pair, for PyTorch code that calls them.

microtensor runs every op in the calling Python thread, through numpy. These functions only
record the number given (checked as PyTorch checks it) and return it again; they start no thread
and change no thread pool. numpy's BLAS (matmul, linalg) may use threads of its own: their number
is fixed when numpy loads, by ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS``
in the environment (or at run time with the ``threadpoolctl`` package), not by these functions.
"""
from __future__ import annotations

import os

_recorded = {"intra-op": os.cpu_count() or 1, "inter-op": os.cpu_count() or 1}


def _checked(value: int, op_name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuntimeError(f"{op_name} expects an int, but got {type(value).__name__}")
    if value <= 0:
        raise RuntimeError(f"{op_name} expects a positive integer, got {value}")
    return value


def get_num_threads() -> int:
    """The intra-op thread count last set (at first the number of CPUs). Controls nothing: see the module."""
    return _recorded["intra-op"]


def set_num_threads(int: int) -> None:  # noqa: A002  (PyTorch's parameter name)
    """Record ``int`` as the intra-op thread count; ops still run in the calling thread and numpy's
    BLAS keeps its own thread count (set it with ``OMP_NUM_THREADS`` before numpy loads)."""
    _recorded["intra-op"] = _checked(int, "set_num_threads")


def get_num_interop_threads() -> int:
    """The inter-op thread count last set (at first the number of CPUs). Controls nothing: see the module."""
    return _recorded["inter-op"]


def set_num_interop_threads(int: int) -> None:  # noqa: A002  (PyTorch's parameter name)
    """Record ``int`` as the inter-op thread count; microtensor never runs ops in parallel, so it changes nothing."""
    _recorded["inter-op"] = _checked(int, "set_num_interop_threads")
