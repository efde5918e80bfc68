"""``detect_anomaly``: stop at the first op whose output or gradient holds NaN or Inf."""
import os
import traceback

import numpy as np


class _AnomalyMode:
    """State of ``detect_anomaly``; kept here so ``apply`` can check it cheaply."""

    enabled = False

    @staticmethod
    def record_creation(ctx, output):
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        user_frames = [frame for frame in traceback.extract_stack() if not frame.filename.startswith(package)]
        ctx._creation_site = "".join(traceback.format_list(user_frames[-6:]))
        if output.dtype.kind == "f" and not np.all(np.isfinite(output)):
            raise RuntimeError(
                f"Function '{ctx.name()}' returned nan or inf values in its forward output "
                f"(shape {output.shape}). It was called here:\n{ctx._creation_site}"
            )


anomaly_mode = _AnomalyMode()


class detect_anomaly:
    """Context manager: while on, every recorded op remembers where in user code it was
    called, and the first forward output or backward gradient holding NaN/Inf raises a
    ``RuntimeError`` naming the op and that place. Slow; use it to debug, not to train.
    """

    def __init__(self, check_nan=True):
        self.check_nan = check_nan

    def __enter__(self):
        self._previous = anomaly_mode.enabled
        anomaly_mode.enabled = bool(self.check_nan)
        return self

    def __exit__(self, *exc_info):
        anomaly_mode.enabled = self._previous
        return False


def is_anomaly_enabled():
    return anomaly_mode.enabled
