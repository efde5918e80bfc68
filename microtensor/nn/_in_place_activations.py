"""The in-place functional activations ``F.relu_``, ``elu_``, ``leaky_relu_``, ``hardtanh_``, ``celu_``,
``selu_`` and ``threshold_`` (``F.rrelu_`` is beside ``F.rrelu``).

Each is its activation with ``inplace=True``: the result is written into ``input`` through the
in-place machinery (version counter bumped, views of the same storage updated, autograd
recording the write), so the rules of every in-place op apply.
"""
from __future__ import annotations

from .._tensor import Tensor
from . import _composite_activations as _composite
from . import _shrink_ops
from . import _functional_activations as _activations

__all__ = ["relu_", "elu_", "leaky_relu_", "hardtanh_", "celu_", "selu_", "threshold_"]


def relu_(input: Tensor) -> Tensor:
    """``relu`` written into ``input``."""
    return _activations.relu(input, inplace=True)


def elu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``elu`` written into ``input``."""
    return _activations.elu(input, alpha, inplace=True)


def leaky_relu_(input: Tensor, negative_slope: float = 0.01) -> Tensor:
    """``leaky_relu`` written into ``input``."""
    return _activations.leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input: Tensor, min_val: float = -1.0, max_val: float = 1.0) -> Tensor:
    """``hardtanh`` written into ``input``."""
    return _activations.hardtanh(input, min_val, max_val, inplace=True)


def celu_(input: Tensor, alpha: float = 1.0) -> Tensor:
    """``celu`` written into ``input``."""
    return _composite.celu(input, alpha, inplace=True)


def selu_(input: Tensor) -> Tensor:
    """``selu`` written into ``input``."""
    return _activations.selu(input, inplace=True)


def threshold_(input: Tensor, threshold: float, value: float) -> Tensor:
    """``threshold`` written into ``input``."""
    return _shrink_ops.threshold(input, threshold, value, inplace=True)
