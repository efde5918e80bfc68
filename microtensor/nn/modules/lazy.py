"""Lazy layers: ``LazyLinear``, ``LazyConv1d/2d/3d``, ``LazyBatchNorm1d/2d/3d`` and ``LazyModuleMixin``.

A lazy layer is built without its input size: its parameters are ``UninitializedParameter``
placeholders until the first forward, which reads the size from the input, materialises
them (the same objects, so an optimizer made earlier keeps working), initialises them as
the regular layer would, and turns the module into that regular class (``cls_to_become``).
``load_state_dict`` before the first forward materialises them with the checkpoint's shapes
and values; the first forward then only reads the size off them and changes the class.
"""
from __future__ import annotations

from typing import Any, Optional

from ... import _dtypes
from ..._tensor import Tensor
from ..._typing import DeviceLike, DTypeLike
from ...autograd.grad_mode import no_grad
from ...creation import tensor
from ..uninitialized import UninitializedBuffer, UninitializedParameter, is_lazy
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .conv import Conv1d, Conv2d
from .conv3d import Conv3d
from .linear import Linear


class LazyModuleMixin:
    """Put before a layer class: runs ``initialize_parameters(*input)`` before the first forward, then
    becomes ``cls_to_become``. Subclasses define ``initialize_parameters``."""

    cls_to_become: Optional[type] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._initialize_hook = self.register_forward_pre_hook(
            LazyModuleMixin._infer_parameters, with_kwargs=True,
        )

    def has_uninitialized_params(self) -> bool:
        """Whether a parameter or buffer of this module (not its children) is still a placeholder."""
        values = list(self._parameters.values()) + list(self._buffers.values())
        return any(is_lazy(value) for value in values)

    def initialize_parameters(self, *args: Any, **kwargs: Any) -> None:
        """Materialise the placeholders from the first input (each lazy layer defines it)."""
        raise NotImplementedError(f"initialize_parameters is not implemented for {type(self).__name__}")

    @staticmethod
    def _infer_parameters(module: Any, args: tuple, kwargs: dict) -> None:
        module.initialize_parameters(*args, **kwargs)
        if module.has_uninitialized_params():
            raise RuntimeError(f"module {type(module).__name__} has not been fully initialized")
        module._initialize_hook.remove()
        del module._initialize_hook
        if module.cls_to_become is not None:
            module.__class__ = module.cls_to_become


def _placeholder(device: Optional[DeviceLike], dtype: Optional[DTypeLike]) -> UninitializedParameter:
    return UninitializedParameter(device=device, dtype=dtype)


class LazyLinear(LazyModuleMixin, Linear):
    """``Linear`` whose ``in_features`` is the last dim of the first input: ``LazyLinear(out_features, bias=True)``."""

    cls_to_become = Linear

    def __init__(
        self, out_features: int, bias: bool = True, device: Optional[DeviceLike] = None,
        dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__(0, 0, False, device=device, dtype=dtype)
        self.weight = _placeholder(device, dtype)
        self.out_features = out_features
        if bias:
            self.bias = _placeholder(device, dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        if not self.has_uninitialized_params():  # loaded by load_state_dict before the first forward
            self.in_features = self.weight.shape[1]
            return
        if input.ndim == 0:
            raise ValueError("LazyLinear: expected an input with at least 1 dimension (its last is in_features), "
                             "got a 0-d tensor")
        with no_grad():
            self.in_features = input.shape[-1]
            if is_lazy(self.weight):
                self.weight.materialize((self.out_features, self.in_features))
            if is_lazy(self.bias):
                self.bias.materialize((self.out_features,))
            self.reset_parameters()


class _LazyConvMixin(LazyModuleMixin):
    """The lazy convolutions: ``in_channels`` is the channel dim of the first input."""

    _dims: int

    def __init__(
        self, out_channels: int, kernel_size: Any, stride: Any = 1, padding: Any = 0, dilation: Any = 1,
        groups: int = 1, bias: bool = True, padding_mode: str = "zeros", device: Optional[DeviceLike] = None,
        dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__(0, 0, kernel_size, stride, padding, dilation, groups, False, padding_mode, device, dtype)
        self.weight = _placeholder(device, dtype)
        self.out_channels = out_channels
        if bias:
            self.bias = _placeholder(device, dtype)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.in_channels != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        if not self.has_uninitialized_params():  # loaded by load_state_dict before the first forward
            self.in_channels = self.weight.shape[1] * self.groups
            return
        layer, dims = type(self).__name__, self._dims
        if input.ndim not in (dims + 1, dims + 2):
            raise RuntimeError(
                f"{layer}: expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input, got {input.ndim}D "
                f"input of shape {tuple(input.shape)}"
            )
        in_channels = input.shape[0] if input.ndim == dims + 1 else input.shape[1]
        if in_channels % self.groups:
            raise ValueError("in_channels must be divisible by groups")
        self.in_channels = in_channels
        with no_grad():
            if is_lazy(self.weight):
                self.weight.materialize((self.out_channels, in_channels // self.groups, *self.kernel_size))
            if is_lazy(self.bias):
                self.bias.materialize((self.out_channels,))
            self.reset_parameters()


class LazyConv1d(_LazyConvMixin, Conv1d):
    """``Conv1d`` whose ``in_channels`` is read from the first input: ``LazyConv1d(out_channels, kernel_size, ...)``."""

    cls_to_become = Conv1d


class LazyConv2d(_LazyConvMixin, Conv2d):
    """``Conv2d`` whose ``in_channels`` is read from the first input: ``LazyConv2d(out_channels, kernel_size, ...)``."""

    cls_to_become = Conv2d


class LazyConv3d(_LazyConvMixin, Conv3d):
    """``Conv3d`` whose ``in_channels`` is read from the first input: ``LazyConv3d(out_channels, kernel_size, ...)``."""

    cls_to_become = Conv3d


class _LazyNormMixin(LazyModuleMixin):
    """The lazy batch norms: ``num_features`` is dim 1 of the first input."""

    def __init__(
        self, eps: float = 1e-05, momentum: Optional[float] = 0.1, affine: bool = True,
        track_running_stats: bool = True, device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__(1, eps, momentum, False, False, device, dtype)  # 1: the regular layer refuses 0 features
        self.num_features = 0
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = _placeholder(device, dtype)
            self.bias = _placeholder(device, dtype)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype)
            self.num_batches_tracked = tensor(0, dtype=_dtypes.int64)

    def reset_parameters(self) -> None:
        if not self.has_uninitialized_params() and self.num_features != 0:
            super().reset_parameters()

    def initialize_parameters(self, input: Tensor, *args: Any, **kwargs: Any) -> None:
        if not self.has_uninitialized_params():  # loaded by load_state_dict before the first forward
            loaded = self.weight if self.affine else self.running_mean
            self.num_features = input.shape[1] if loaded is None else loaded.shape[0]
            return
        if input.ndim < 2:
            raise ValueError(f"{type(self).__name__}: expected at least 2D input (got {input.ndim}D input)")
        self.num_features = input.shape[1]
        with no_grad():
            for name in ("weight", "bias", "running_mean", "running_var"):
                value = getattr(self, name, None)
                if is_lazy(value):
                    value.materialize((self.num_features,))
            self.reset_parameters()


class LazyBatchNorm1d(_LazyNormMixin, BatchNorm1d):
    """``BatchNorm1d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyNormMixin, BatchNorm2d):
    """``BatchNorm2d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = BatchNorm2d


class LazyBatchNorm3d(_LazyNormMixin, BatchNorm3d):
    """``BatchNorm3d`` whose ``num_features`` is dim 1 of the first input."""

    cls_to_become = BatchNorm3d
