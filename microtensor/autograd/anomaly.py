"""``detect_anomaly``: stop at the first op whose output or gradient holds NaN or Inf."""
from .function import _anomaly_mode


class detect_anomaly:
    """Context manager: while on, every recorded op remembers where in user code it was
    called, and the first forward output or backward gradient holding NaN/Inf raises a
    ``RuntimeError`` naming the op and that place. Slow; use it to debug, not to train.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = _anomaly_mode.enabled
        _anomaly_mode.enabled = bool(self.check_nan)
        return self

    def __exit__(self, *exc_info):
        _anomaly_mode.enabled = self._previous
        return False


def is_anomaly_enabled():
    return _anomaly_mode.enabled
