"""Reverse-mode automatic differentiation: ``Function``, ``backward``, ``grad``, ``gradcheck``."""
from .anomaly import detect_anomaly, is_anomaly_enabled
from .backward import backward, grad
from .function import Function
from .gradcheck import GradcheckError, gradcheck
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled

__all__ = [
    "Function", "backward", "grad", "gradcheck", "GradcheckError", "no_grad", "enable_grad",
    "is_grad_enabled", "set_grad_enabled", "detect_anomaly", "is_anomaly_enabled",
]
