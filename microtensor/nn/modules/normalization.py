"""``LayerNorm``: standardise over the last dims of each sample, then a learned elementwise affine map;
``GroupNorm``: standardise each sample over groups of channels, then a learned per-channel affine map;
``RMSNorm``: rescale by the root mean square over the last dims, then a learned elementwise scale;
``LocalResponseNorm``: divide each channel by the energy of its neighbours (AlexNet)."""
from __future__ import annotations

from typing import Optional

from ... import _dtypes
from ...creation import empty
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..._tensor import Tensor
from ..._typing import DeviceLike, DTypeLike, ShapeArg



def _affine_parameters(module, shape, weight, bias, dtype, device):
    """Register ``module.weight`` (ones) and ``module.bias`` (zeros) of ``shape``, or None where not wanted
    (``bias=None``: the layer has no bias at all, as RMSNorm)."""
    dtype = _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)
    parameters = [("weight", weight, init.ones_)] + ([] if bias is None else [("bias", weight and bias, init.zeros_)])
    for name, wanted, fill in parameters:
        if wanted:
            module.register_parameter(name, Parameter(fill(empty(*shape, dtype=dtype, device=device))))
        else:
            module.register_parameter(name, None)


def _reset_affine(module):
    """weight = 1, bias = 0 (where present)."""
    if module.weight is not None:
        init.ones_(module.weight)
    if getattr(module, "bias", None) is not None:
        init.zeros_(module.bias)


class LayerNorm(Module):
    """``LayerNorm(normalized_shape, eps=1e-05, elementwise_affine=True, bias=True)``.

    ``y = (x - mean) / sqrt(var + eps) * weight + bias`` with the mean and biased variance taken
    over the last ``len(normalized_shape)`` dims. ``weight`` starts at ones and ``bias`` at zeros,
    both of shape ``normalized_shape`` (absent with ``elementwise_affine=False``).
    """

    def __init__(
        self, normalized_shape: ShapeArg, eps: float = 1e-05, elementwise_affine: bool = True, bias: bool = True,
        device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(size) for size in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, bias, dtype, device)

    def reset_parameters(self):
        """weight = 1, bias = 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
                f"bias={self.bias is not None}")


class GroupNorm(Module):
    """``GroupNorm(num_groups, num_channels, eps=1e-05, affine=True, bias=True)``.

    The channels (dim 1) of an (N, C, *) input are split into ``num_groups`` groups; each sample's
    group is standardised over its channels and positions, then ``* weight + bias`` per channel.
    Unlike batch norm it uses no batch statistics, so train and eval behave alike. ``weight``
    starts at ones and ``bias`` at zeros, shape (num_channels,) (absent with ``affine=False``).
    """

    def __init__(
        self, num_groups: int, num_channels: int, eps: float = 1e-05, affine: bool = True,
        device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None, *, bias: bool = True,
    ) -> None:
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups ({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        _affine_parameters(self, (num_channels,), affine, bias, dtype, device)

    def reset_parameters(self):
        """weight = 1, bias = 0."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, bias={self.bias is not None}"


class RMSNorm(Module):
    """``RMSNorm(normalized_shape, eps=None, elementwise_affine=True)``: ``y = x / sqrt(mean(x^2) + eps) * weight``
    over the last ``len(normalized_shape)`` dims (no centring, no bias; LLaMA-style models). ``eps=None`` is
    the input dtype's machine epsilon; ``weight`` starts at ones."""

    def __init__(
        self, normalized_shape: ShapeArg, eps: Optional[float] = None, elementwise_affine: bool = True,
        device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__()
        if isinstance(normalized_shape, int):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(int(size) for size in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine_parameters(self, self.normalized_shape, elementwise_affine, None, dtype, device)  # a scale only

    def reset_parameters(self):
        """weight = 1."""
        _reset_affine(self)

    def forward(self, input: Tensor) -> Tensor:
        return F.rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"


class LocalResponseNorm(Module):
    """``LocalResponseNorm(size, alpha=1e-4, beta=0.75, k=1.0)`` over the channels (dim 1): see
    ``F.local_response_norm``."""

    def __init__(self, size: int, alpha: float = 1e-4, beta: float = 0.75, k: float = 1.0) -> None:
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input: Tensor) -> Tensor:
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
