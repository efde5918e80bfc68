"""``quiet_float_errors()``: numpy's floating-point warnings off while an op computes.

PyTorch never warns when a result is inf or nan (``1 / 0``, ``log(0)``, ``0 * inf``), so
microtensor's ops compute under numpy's ``"ignore"`` setting for every kind of floating-point
error, and give the inf or nan as the result.

``np.errstate`` would do it, but it builds its settings afresh on every entry, which costs
more than a small op itself. Here the settings are built once, at import, and entered through
the context variable that numpy 2's ``errstate`` sets: the same effect for half the cost. On a
numpy without that variable (numpy 1.x), ``quiet_float_errors`` is ``np.errstate(all="ignore")``.
"""
import numpy as np

try:  # numpy >= 2: the context variable behind np.errstate, and its way of building settings
    from numpy._core._ufunc_config import _extobj_contextvar, _make_extobj
except ImportError:  # pragma: no cover - numpy 1.x
    _extobj_contextvar = _make_extobj = None


if _extobj_contextvar is not None:
    _IGNORE_ALL = _make_extobj(all="ignore")

    class quiet_float_errors:
        """``with quiet_float_errors():`` runs its body with numpy's floating-point warnings off."""

        __slots__ = ("_token",)

        def __enter__(self):
            self._token = _extobj_contextvar.set(_IGNORE_ALL)

        def __exit__(self, *exception):
            _extobj_contextvar.reset(self._token)

else:  # pragma: no cover - numpy 1.x

    def quiet_float_errors():
        """``with quiet_float_errors():`` runs its body with numpy's floating-point warnings off."""
        return np.errstate(all="ignore")
