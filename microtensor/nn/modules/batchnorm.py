"""``BatchNorm1d``, ``BatchNorm2d``, ``BatchNorm3d``: per-channel batch normalisation with running statistics;
``InstanceNorm1d/2d/3d``: the same per sample (their shared base, PyTorch's ``_NormBase``).

In training mode each channel is standardised with the batch's mean and biased variance,
and (with ``track_running_stats=True``) the buffers ``running_mean`` and ``running_var``
move towards them: ``running <- (1 - momentum) running + momentum batch``, the running
variance taking the unbiased batch variance; ``momentum=None`` makes it the cumulative
average (``momentum = 1 / num_batches_tracked``). In eval mode the running statistics are
used instead (or the batch's when they are not tracked).
"""
from __future__ import annotations

import warnings
from typing import Optional

from ... import _dtypes
from ...creation import empty, ones, tensor, zeros
from .. import functional as F
from .. import init
from ..module import Module
from ..parameter import Parameter
from ..._tensor import Tensor
from ..._typing import DeviceLike, DTypeLike


class _NormBase(Module):
    """Parameters, buffers and initialisation shared by the batch-norm layers (PyTorch's names)."""

    # a checkpoint from before PyTorch 0.4.1 (or a hand-made dict) has no step count: loading keeps ours
    _optional_buffers = ("num_batches_tracked",)

    def __init__(
        self, num_features: int, eps: float = 1e-05, momentum: Optional[float] = 0.1, affine: bool = True,
        track_running_stats: bool = True, device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None, *,
        bias: bool = True,
    ) -> None:
        super().__init__()
        if isinstance(num_features, bool) or not isinstance(num_features, int) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive int, got {num_features!r}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        dtype = _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)
        if affine:
            self.weight = Parameter(empty(num_features, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(empty(num_features, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", zeros(num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", ones(num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=_dtypes.int64))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """running_mean = 0, running_var = 1, num_batches_tracked = 0."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Reset the running statistics; weight = 1, bias = 0."""
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input_dim(self, input):
        raise NotImplementedError

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
                f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}")


class _BatchNorm(_NormBase):
    def forward(self, input: Tensor) -> Tensor:
        self._check_input_dim(input)
        momentum = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:  # cumulative moving average
                momentum = 1.0 / self.num_batches_tracked.item()
        # batch statistics in training, and in eval when no running statistics are kept
        use_batch_statistics = self.training or self.running_mean is None
        tracked = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if tracked else None,
            self.running_var if tracked else None,
            self.weight, self.bias, use_batch_statistics, momentum, self.eps,
        )


def _dims_error(expected, input):
    ndim = getattr(input, "ndim", None)
    if ndim is None:
        raise TypeError(f"expected a Tensor input, got {type(input).__name__}")
    raise ValueError(f"expected {expected} input (got {ndim}D input)")


class BatchNorm1d(_BatchNorm):
    """Batch norm over the channels of (N, C) or (N, C, L) inputs."""

    def _check_input_dim(self, input):
        if getattr(input, "ndim", None) not in (2, 3):
            _dims_error("2D or 3D", input)


class BatchNorm2d(_BatchNorm):
    """Batch norm over the channels of (N, C, H, W) inputs."""

    def _check_input_dim(self, input):
        if getattr(input, "ndim", None) != 4:
            _dims_error("4D", input)


class BatchNorm3d(_BatchNorm):
    """Batch norm over the channels of (N, C, D, H, W) inputs."""

    def _check_input_dim(self, input):
        if getattr(input, "ndim", None) != 5:
            _dims_error("5D", input)


class _InstanceNorm(_NormBase):
    """Instance norm: each sample's channels standardised over their positions (``F.instance_norm``);
    PyTorch's defaults ``affine=False`` and ``track_running_stats=False``."""

    _spatial = None  # number of position dims

    def __init__(
        self, num_features: int, eps: float = 1e-05, momentum: Optional[float] = 0.1, affine: bool = False,
        track_running_stats: bool = False, device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)

    def forward(self, input: Tensor) -> Tensor:
        batched = self._spatial + 2
        if getattr(input, "ndim", None) not in (batched - 1, batched):
            _dims_error(f"{batched - 1}D (unbatched) or {batched}D (batched)", input)
        if input.ndim == batched - 1:
            return self.forward(input.unsqueeze(0)).squeeze(0)
        if input.shape[1] != self.num_features and self.affine:
            raise ValueError(f"expected input's size at dim=1 to match num_features ({self.num_features}), but got: "
                             f"{input.shape[1]}.")
        if input.shape[1] != self.num_features:
            warnings.warn(
                "input's size at dim=1 does not match num_features. You can silence this warning by not passing "
                "in num_features, which is not used because affine=False", UserWarning, stacklevel=2,
            )
        return F.instance_norm(
            input, self.running_mean, self.running_var, self.weight, self.bias,
            self.training or not self.track_running_stats, 0.0 if self.momentum is None else self.momentum, self.eps,
        )


class InstanceNorm1d(_InstanceNorm):
    """Instance norm of (N, C, L) or unbatched (C, L) inputs."""

    _spatial = 1


class InstanceNorm2d(_InstanceNorm):
    """Instance norm of (N, C, H, W) or unbatched (C, H, W) inputs (style transfer, GAN generators)."""

    _spatial = 2


class InstanceNorm3d(_InstanceNorm):
    """Instance norm of (N, C, D, H, W) or unbatched (C, D, H, W) inputs."""

    _spatial = 3
