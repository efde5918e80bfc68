"""PyTorch's type-promotion queries: ``mt.result_type``, ``mt.promote_types``, ``mt.can_cast``.

They ask the rules ``microtensor/_dtypes.py`` applies in every op (Python numbers weak, 0-d
tensors weaker than tensors with dims, the highest kind winning outright), so
``mt.result_type(a, b) == (a + b).dtype`` for any two operands ``+`` takes.
"""
from __future__ import annotations

from typing import List, Union

import numpy as np

from . import _dtypes
from ._tensor import Tensor
from ._typing import DTypeLike, Number


def _dtype_argument(value, op_name, name):
    if isinstance(value, Tensor) or value is None:
        raise TypeError(f"{op_name}(): argument '{name}' must be a dtype (e.g. mt.float32), not {type(value).__name__}")
    return _dtypes.to_dtype(value)


def result_type(tensor1: Union[Tensor, Number], tensor2: Union[Tensor, Number]) -> np.dtype:
    """The dtype an arithmetic op on ``tensor1`` and ``tensor2`` (tensors or Python numbers) gives:
    ``result_type(int_tensor, 1.0)`` is the default float dtype, ``result_type(2, 3)`` int64."""
    dimmed: List[np.dtype] = []
    zero_dim: List[np.dtype] = []
    scalars: List[Number] = []
    for name, value in (("tensor1", tensor1), ("tensor2", tensor2)):
        if isinstance(value, Tensor):
            (dimmed if value.ndim else zero_dim).append(value.dtype)
        elif isinstance(value, (bool, int, float, np.bool_, np.integer, np.floating)):
            scalars.append(value)
        else:
            raise TypeError(
                f"result_type(): argument '{name}' must be a Tensor or a Python number, not {type(value).__name__}"
            )
    return _dtypes.promote(dimmed, zero_dim, scalars)


def promote_types(type1: DTypeLike, type2: DTypeLike) -> np.dtype:
    """The smallest dtype both ``type1`` and ``type2`` convert to without losing their kind:
    ``promote_types(mt.int32, mt.float32)`` is float32, ``(mt.uint8, mt.int8)`` int16."""
    first = _dtype_argument(type1, "promote_types", "type1")
    second = _dtype_argument(type2, "promote_types", "type2")
    return _dtypes.promote([first, second], [], [])


def can_cast(from_: DTypeLike, to: DTypeLike) -> bool:
    """Whether PyTorch's type promotion allows the cast (used by ops with ``out=``): every cast except
    floating to integer or bool, and integer to bool (a narrower dtype of the same kind is allowed)."""
    return _dtypes.castable(_dtype_argument(from_, "can_cast", "from_"), _dtype_argument(to, "can_cast", "to"))
