"""``mt.backends.mkl``: whether numpy, which does microtensor's linear algebra, uses Intel MKL."""
from __future__ import annotations

import functools

import numpy as np


@functools.lru_cache(maxsize=1)
def is_available() -> bool:
    """True when the installed numpy is linked against MKL (numpy's build configuration says so)."""
    try:
        config = np.show_config(mode="dicts")
    except (TypeError, ValueError):  # numpy before 1.26 has no mode=
        return False
    libraries = config.get("Build Dependencies", {}) if isinstance(config, dict) else {}
    return any("mkl" in str(libraries.get(key, {}).get("name", "")).lower() for key in ("blas", "lapack"))
