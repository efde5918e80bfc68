"""``isclose``: elementwise equality within a tolerance, ``|input - other| <= atol + rtol * |other|``.

The answer is a bool tensor, without gradient; ``allclose``, which answers with one Python bool, is in
``comparison.py``.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from ._two_operands import broadcast_error
from .._registry import TORCH_DTYPE_NAMES, op
from .._float_errors import quiet_float_errors


@op(method=True)
def isclose(input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False) -> Tensor:
    """True where ``input`` and ``other`` are equal or ``|input - other| <= atol + rtol * |other|``
    (a bool tensor, broadcast, no gradient); NaNs are close to each other only with ``equal_nan``.

    As in PyTorch both must be tensors of the same dtype, and ``rtol``/``atol`` must be >= 0.
    """
    a, b = _close_operands(input, other, rtol, atol)
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise broadcast_error("isclose", a, b) from None
    close = a == b
    if equal_nan and a.dtype.kind == "f":
        close |= np.isnan(a) & np.isnan(b)
    if rtol == 0 and atol == 0:
        return Tensor._make(np.asarray(close))
    if a.dtype.kind in "biu":  # the difference in float64: int8 0 - (-128) would wrap to -128
        a, b = a.astype(np.float64), b.astype(np.float64)
    with quiet_float_errors():
        allowed = atol + np.abs(rtol * b)
        actual = np.abs(a - b)
        close |= np.isfinite(actual) & (actual <= allowed)
    return Tensor._make(np.asarray(close))


def _close_operands(input, other, rtol, atol):
    for position, (which, value) in enumerate((("input", input), ("other", other)), start=1):
        if not isinstance(value, Tensor):
            raise TypeError(
                f"isclose(): argument '{which}' (position {position}) must be Tensor, not {type(value).__name__}"
            )
    a, b = input._data, other._data
    if a.dtype != b.dtype:
        raise RuntimeError(
            f"isclose(): {TORCH_DTYPE_NAMES[a.dtype.name]} did not match {TORCH_DTYPE_NAMES[b.dtype.name]}; "
            f"convert one operand first, e.g. other.to(input.dtype)"
        )
    for name, value in (("rtol", rtol), ("atol", atol)):
        if value < 0:
            raise RuntimeError(f"isclose(): {name} must be greater than or equal to zero, but got {value}")
    return a, b
