"""``Linear``: the affine layer ``y = x W^T + b``, with PyTorch's default initialisation."""
from __future__ import annotations

import math
from typing import Any, Optional

from ... import _dtypes
from ...creation import empty
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..._tensor import Tensor
from ..._typing import DeviceLike, DTypeLike


class Identity(Module):
    """Returns its input unchanged (accepts and ignores any constructor arguments, as PyTorch)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``Linear(in_features, out_features, bias=True)``: ``y = x @ weight.T + bias``.

    ``weight`` has shape ``(out_features, in_features)``, ``bias`` ``(out_features,)``.
    Both start uniform in ``[-1/sqrt(in_features), 1/sqrt(in_features)]`` (PyTorch's
    ``kaiming_uniform_(a=sqrt(5))``), drawn from microtensor's generator.
    """

    def __init__(
        self, in_features: int, out_features: int, bias: bool = True, device: Optional[DeviceLike] = None,
        dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__()
        for name, value in (("in_features", in_features), ("out_features", out_features)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Linear: {name} must be a non-negative int, got {value!r}")
        self.in_features = in_features
        self.out_features = out_features
        dtype = _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw weight and bias from PyTorch's default distributions."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class NonDynamicallyQuantizableLinear(Linear):
    """A ``Linear`` under the name PyTorch gives ``MultiheadAttention.out_proj`` (same weights, same repr)."""


class Bilinear(Module):
    """``Bilinear(in1_features, in2_features, out_features, bias=True)``: ``y = x1^T W x2 + b`` per output
    feature, ``weight`` (out, in1, in2); weight and bias start U(-1/sqrt(in1), 1/sqrt(in1)), as in PyTorch."""

    def __init__(
        self, in1_features: int, in2_features: int, out_features: int, bias: bool = True,
        device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__()
        self.in1_features, self.in2_features, self.out_features = in1_features, in2_features, out_features
        dtype = _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)
        self.weight = Parameter(empty(out_features, in1_features, in2_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1: Tensor, input2: Tensor) -> Tensor:
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
