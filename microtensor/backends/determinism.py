"""``mt.use_deterministic_algorithms`` and ``mt.set_float32_matmul_precision``: recorded and read back.

numpy on the CPU gives the same bits on every run, so every microtensor op is deterministic
already and nothing needs switching; matmuls always run at full float32 (or float64) precision,
so the precision setting changes nothing either. Both are kept so that PyTorch's reproducibility
and speed boilerplate runs, and so that the getters report what was set.
"""
from __future__ import annotations

import warnings

_state = {"deterministic": False, "warn_only": False, "matmul_precision": "highest"}
_PRECISIONS = ("highest", "high", "medium")


def _check_bool(value, name: str, position: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(
            f"use_deterministic_algorithms(): argument '{name}'{position} must be bool, not {type(value).__name__}"
        )


def use_deterministic_algorithms(mode: bool, *, warn_only: bool = False) -> None:
    """Record whether deterministic algorithms are required (and whether to only warn). Every
    microtensor op is deterministic (numpy, CPU), so none ever raises or warns because of it."""
    _check_bool(mode, "mode", " (position 1)")
    _check_bool(warn_only, "warn_only", "")
    _state["deterministic"] = mode
    _state["warn_only"] = warn_only


def are_deterministic_algorithms_enabled() -> bool:
    """The ``mode`` last given to ``use_deterministic_algorithms`` (False at first)."""
    return _state["deterministic"]


def is_deterministic_algorithms_warn_only_enabled() -> bool:
    """The ``warn_only`` last given to ``use_deterministic_algorithms`` (False at first)."""
    return _state["warn_only"]


def set_float32_matmul_precision(precision: str) -> None:
    """Record ``"highest"``, ``"high"`` or ``"medium"``; float32 matmuls stay full precision (numpy has
    no TF32 or bfloat16 passes). Any other string warns and changes nothing, as in PyTorch."""
    if not isinstance(precision, str):
        raise TypeError(f"set_float32_matmul_precision(): argument 'precision' must be str, not {type(precision).__name__}")
    if precision not in _PRECISIONS:
        warnings.warn(
            f"{precision} is not one of 'highest', 'high', or 'medium'; the current "
            "set_float32_matmul_precision call has no effect.",
            UserWarning,
            stacklevel=2,
        )
        return
    _state["matmul_precision"] = precision


def get_float32_matmul_precision() -> str:
    """The precision last set with ``set_float32_matmul_precision`` (``"highest"`` at first)."""
    return _state["matmul_precision"]
