"""``F.bilinear``: ``y_o = x1^T W_o x2 + b_o`` for each output feature o (one einsum; gradients from autograd)."""
from __future__ import annotations

from typing import Optional

from .. import ops as _ops
from .._tensor import Tensor
from ..ops._util import not_a_tensor_error

__all__ = ["bilinear"]


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor, bias: Optional[Tensor] = None) -> Tensor:
    """``input1`` (*, in1) and ``input2`` (*, in2) with ``weight`` (out, in1, in2): (*, out)."""
    for name, value in (("input1", input1), ("input2", input2), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise not_a_tensor_error("bilinear", name, value)
    if weight.ndim != 3 or input1.shape[-1:] != weight.shape[1:2] or input2.shape[-1:] != weight.shape[2:3]:
        raise RuntimeError(
            f"bilinear(): expected input1 (*, {weight.shape[1] if weight.ndim == 3 else 'in1'}) and input2 "
            f"(*, {weight.shape[2] if weight.ndim == 3 else 'in2'}) for a weight (out, in1, in2) of shape "
            f"{tuple(weight.shape)}, got {tuple(input1.shape)} and {tuple(input2.shape)}"
        )
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear(): input1 and input2 must have the same leading (batch) dims, got "
                           f"{tuple(input1.shape)} and {tuple(input2.shape)}")
    out = _ops.einsum("...i,oij,...j->...o", input1, weight, input2)
    return out if bias is None else out + bias
