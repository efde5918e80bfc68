"""``F.lp_pool1d`` / ``F.lp_pool2d``: power-average pooling, ``(sum over the window of x^p)^(1/p)``.

As PyTorch computes it: ``avg_pool(x^p) * window size``, then the ``1/p``-th power (so with
``ceil_mode`` a clipped last window's sum is its mean times the full window size). ``p = inf`` is
the max of ``|x|``, ``p = -inf`` the min. Where a window's sum is 0 the gradient is 0 (not the
``0^(1/p - 1)`` of the power).
"""
from __future__ import annotations

import math
from typing import Optional

from .. import ops as _ops
from .._tensor import Tensor
from .._typing import IntOrInts
from ._avg_pool_ops import avg_pool1d, avg_pool2d
from ._max_pool_ops import max_pool1d, max_pool2d
from ._pool_windows import _check_tensor, _pair_argument

__all__ = ["lp_pool1d", "lp_pool2d"]


def _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, op_name):
    _check_tensor(input, op_name)
    one_d = op_name.endswith("1d")
    avg_pool, max_pool = (avg_pool1d, max_pool1d) if one_d else (avg_pool2d, max_pool2d)
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == -math.inf:
        return -max_pool(-input.abs(), kernel_size, stride, 0, 1, ceil_mode)
    if norm_type == 0:
        raise ValueError(f"{op_name}: norm_type must not be 0 (the result is the sum to the power 1 / norm_type)")
    kernel = _pair_argument(kernel_size, "kernel_size", op_name)
    total = avg_pool(input ** norm_type, kernel_size, stride, 0, ceil_mode) * math.prod(kernel)
    empty = total == 0
    return _ops.where(empty, 0.0, _ops.where(empty, 1.0, total) ** (1.0 / norm_type))


def lp_pool2d(
    input: Tensor, norm_type: float, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None,
    ceil_mode: bool = False,
) -> Tensor:
    """``(sum of x^norm_type over each kernel_size window)^(1/norm_type)`` of (N, C, H, W) or (C, H, W),
    windows ``stride`` apart (default: ``kernel_size``)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, "lp_pool2d")


def lp_pool1d(
    input: Tensor, norm_type: float, kernel_size: IntOrInts, stride: Optional[IntOrInts] = None,
    ceil_mode: bool = False,
) -> Tensor:
    """``lp_pool2d`` along the last dim of (N, C, L) or (C, L)."""
    return _lp_pool(input, norm_type, kernel_size, stride, ceil_mode, "lp_pool1d")
