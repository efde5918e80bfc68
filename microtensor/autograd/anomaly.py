"""``detect_anomaly``: name the op whose backward made NaN or Inf, and where it was created.

As in PyTorch, forward outputs are not checked (a ``-inf`` mask or a ``log(0)`` may be
meant); while the mode is on, every recorded op remembers the lines of user code that
created it, and the first backward gradient holding NaN (or Inf) raises naming both.
"""
import os
import traceback


class _AnomalyMode:
    """State of ``detect_anomaly``; kept here so ``apply`` can check it cheaply."""

    enabled = False    # record where each op was created (and check backward, with check_nan)
    check_nan = True   # raise on the first backward gradient holding NaN/Inf

    @staticmethod
    def record_creation(ctx, output):  # output: the op's result (not checked: PyTorch checks backward only)
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        user_frames = [frame for frame in traceback.extract_stack() if not frame.filename.startswith(package)]
        ctx._creation_site = "".join(traceback.format_list(user_frames[-6:]))


anomaly_mode = _AnomalyMode()


def _switch(enabled, check_nan):
    """Set the mode; return what was before."""
    previous = (anomaly_mode.enabled, anomaly_mode.check_nan)
    anomaly_mode.enabled, anomaly_mode.check_nan = enabled, check_nan
    return previous


class detect_anomaly:
    """Context manager: while on, every recorded op remembers where in user
    code it was created, and the first backward gradient holding NaN/Inf raises a
    ``RuntimeError`` naming the op and that place (with ``check_nan=False`` nothing
    raises). Slow; use it to debug, not to train.
    """

    def __init__(self, check_nan=True):
        self.check_nan = bool(check_nan)

    def __enter__(self):
        self._previous = _switch(True, self.check_nan)
        return self

    def __exit__(self, *exc_info):
        anomaly_mode.enabled, anomaly_mode.check_nan = self._previous
        return False


class set_detect_anomaly:
    """Turn anomaly detection on or off: right away, or for a ``with`` block (restored after)."""

    def __init__(self, mode, check_nan=True):
        self._previous = _switch(bool(mode), bool(check_nan))

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        anomaly_mode.enabled, anomaly_mode.check_nan = self._previous
        return False


def is_anomaly_enabled():
    """True while ``detect_anomaly`` / ``set_detect_anomaly(True)`` is on."""
    return anomaly_mode.enabled


def is_anomaly_check_nan_enabled():
    """True while anomaly detection raises on NaN/Inf gradients (``check_nan``)."""
    return anomaly_mode.check_nan
