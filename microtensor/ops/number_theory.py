"""Number theory on integer tensors, elementwise: ``gcd`` (the greatest common divisor, never
negative, ``gcd(0, 0) = 0``) and ``lcm`` (the least common multiple, never negative, 0 when an
operand is 0). They take integer dtypes only and have no gradient.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .._registry import TORCH_DTYPE_NAMES, op
from .._typing import TensorLike
from ._two_operands import broadcast_error
from ._util import match_dtype, torch_result_dtype
from .comparison import _plain, _raw
from .elementwise import _as_tensor


def _integer_pair(ufunc, op_name, input, other):
    a = _as_tensor(input, op_name)._data
    b = _raw(other, op_name)
    dtype = torch_result_dtype(a, b)
    if dtype.kind not in "iu":
        name = TORCH_DTYPE_NAMES.get(dtype.name, dtype.name)
        raise NotImplementedError(f'"{op_name}_cpu" not implemented for \'{name}\': {op_name} takes integer tensors only')
    try:
        return _plain(lambda x, y: match_dtype(np.asarray(ufunc(x, y)), x, y), a, b)
    except ValueError:
        error = broadcast_error(op_name, a, b)
        if error is None:
            raise
        raise error from None


@op(method=True, numpy=np.gcd, out=True)
def gcd(input: Tensor, other: TensorLike) -> Tensor:
    """The greatest common divisor of integer tensors elementwise (``gcd(0, 0) = 0``)."""
    return _integer_pair(np.gcd, "gcd", input, other)


@op(method=True, numpy=np.lcm, out=True)
def lcm(input: Tensor, other: TensorLike) -> Tensor:
    """The least common multiple of integer tensors elementwise (0 when either is 0)."""
    return _integer_pair(np.lcm, "lcm", input, other)
