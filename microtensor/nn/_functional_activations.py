"""``F.relu`` and the other activations, ``F.softmax`` / ``F.log_softmax`` and ``F.dropout``: the parameter-free layers.

Each activation forwards to its microtensor op (``mt.relu``, ...); ``inplace=True`` writes the
result into the input, as PyTorch's ``relu_`` does. The softmaxes take PyTorch's functional
signature (an implicit ``dim`` warns). ``dropout`` multiplies by a mask drawn by an op of its
own (``DropoutMask``), so that a step replayed by ``mt.compile`` draws a fresh one.
"""
from __future__ import annotations

import warnings
from typing import Optional

import numpy as np

from .. import ops as _ops
from .. import random as _random
from ..ops._util import not_a_tensor_error
from .._tensor import Tensor
from ..autograd.function import Function
from .._typing import DTypeLike

__all__ = [
    "relu", "sigmoid", "tanh", "leaky_relu", "gelu", "softplus", "softmax", "log_softmax", "dropout",
    "silu", "elu", "selu", "hardtanh", "relu6", "mish",
]


def _in_place(op, name, input, *args):
    """``inplace=True``: the values of ``op(input, *args)`` written into ``input`` (PyTorch's ``name_``).
    (Without ``inplace`` each activation calls its op directly: one Python call less per layer.)"""
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): inplace=True needs a Tensor input, not {type(input).__name__}")
    return input._apply_inplace(name + "_", lambda: op(input, *args))


def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """max(x, 0)."""
    return _in_place(_ops.relu, "relu", input) if inplace else _ops.relu(input)


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + exp(-x))."""
    return _ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """tanh(x)."""
    return _ops.tanh(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """x for x > 0, negative_slope * x otherwise."""
    if inplace:
        return _in_place(_ops.leaky_relu, "leaky_relu", input, negative_slope)
    return _ops.leaky_relu(input, negative_slope)


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """x * Phi(x) (exact, erf form) or its tanh approximation with ``approximate='tanh'``."""
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return _ops.gelu(input, approximate=approximate)


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """(1 / beta) * log(1 + exp(beta * x)), linear above ``threshold``."""
    return _ops.softplus(input, beta=beta, threshold=threshold)


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """x * sigmoid(x) (SiLU, also called swish)."""
    return _in_place(_ops.silu, "silu", input) if inplace else _ops.silu(input)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """x for x > 0, alpha * (exp(x) - 1) otherwise."""
    return _in_place(_ops.elu, "elu", input, alpha) if inplace else _ops.elu(input, alpha)


def selu(input: Tensor, inplace: bool = False) -> Tensor:
    """scale * elu(x, alpha) with the self-normalising constants (alpha ~ 1.6733, scale ~ 1.0507)."""
    return _in_place(_ops.selu, "selu", input) if inplace else _ops.selu(input)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False) -> Tensor:
    """x clipped to [min_val, max_val]."""
    if inplace:
        return _in_place(_ops.hardtanh, "hardtanh", input, min_val, max_val)
    return _ops.hardtanh(input, min_val, max_val)


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """min(max(x, 0), 6)."""
    return _in_place(_ops.relu6, "relu6", input) if inplace else _ops.relu6(input)


def mish(input: Tensor, inplace: bool = False) -> Tensor:
    """x * tanh(softplus(x))."""
    return _in_place(_ops.mish, "mish", input) if inplace else _ops.mish(input)


def _softmax_dim(name, ndim):
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim=X as an argument.",
        UserWarning,
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: Optional[int] = None, dtype: Optional[DTypeLike] = None) -> Tensor:
    """exp(x_i) / sum_j exp(x_j) along ``dim``."""
    return _along_dim(_ops.softmax, "softmax", input, dim, dtype)


def log_softmax(input: Tensor, dim: Optional[int] = None, dtype: Optional[DTypeLike] = None) -> Tensor:
    """x_i - logsumexp(x) along ``dim``."""
    return _along_dim(_ops.log_softmax, "log_softmax", input, dim, dtype)


def _along_dim(op, op_name, input, dim, dtype):
    """PyTorch's functional softmax signature: an implicit ``dim`` (with its warning) and a cast first."""
    if dim is None:
        dim = _softmax_dim(op_name, input.ndim)
    if dtype is not None:
        input = input.to(dtype)
    return op(input, dim)


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """In training, zero each element with probability ``p`` and scale the rest by 1/(1-p)
    (so the expectation is unchanged); identity when ``training=False``.
    The mask comes from microtensor's generator (``mt.manual_seed`` makes it reproducible)."""
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0:
        return input
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("dropout", "input", input)
    if input.dtype.kind != "f":
        raise TypeError(f"dropout(): expected a floating point input, got {input.dtype}")
    mask = DropoutMask.apply(input.shape, input.dtype, p)
    return input.mul_(mask) if inplace else input * mask


class DropoutMask(Function):
    """The mask of ``dropout``: 0 with probability ``p``, else ``1/(1-p)``, drawn from microtensor's
    generator. An op of its own (with no tensor input, so nothing to differentiate) so that a step
    replayed by ``mt.compile`` draws a fresh mask each time, in the order eager code would."""

    numpy_level = True

    @staticmethod
    def forward(ctx, shape, dtype, p):
        if p == 1:
            return np.zeros(shape, dtype=dtype)
        keep = _random.generator().random(shape) >= p
        return keep.astype(dtype) * np.asarray(1.0 / (1.0 - p), dtype=dtype)
