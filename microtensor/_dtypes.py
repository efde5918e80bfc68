"""dtypes, the default dtype, and PyTorch's type-promotion rules.

microtensor's dtypes *are* numpy dtypes (``mt.float32 is np.dtype('float32')``), so
a tensor's ``.dtype`` can be handed straight to numpy and back. What differs from
numpy is promotion, which follows PyTorch:

* Python numbers are "weak": ``float32_tensor * 2.5`` stays float32, and an integer
  tensor combined with a Python float becomes the *default* float dtype (float32),
  not float64 as numpy would make it.
* 0-d tensors are weaker than tensors with dimensions: a float64 0-d tensor does
  not turn a float32 matrix into float64 (but a float one does turn an int matrix
  into a float one).
* True division of integers gives the default float dtype.
"""
from __future__ import annotations

import builtins
from typing import Optional, Type, Union

import numpy as np

DTypeLike = Union[np.dtype, Type[object], builtins.str]  # what np.dtype accepts (re-exported by _typing)

float16 = half = np.dtype(np.float16)
float32 = float = np.dtype(np.float32)
float64 = double = np.dtype(np.float64)
int8 = np.dtype(np.int8)
uint8 = np.dtype(np.uint8)
int16 = short = np.dtype(np.int16)
int32 = int = np.dtype(np.int32)
int64 = long = np.dtype(np.int64)
bool = np.dtype(np.bool_)
# PyTorch 2.3+ has these as "limited" dtypes (creation, conversion, comparison; little arithmetic)
uint16 = np.dtype(np.uint16)
uint32 = np.dtype(np.uint32)
uint64 = np.dtype(np.uint64)

_default_float = float32

# Kind order used by promotion: bool < integer < floating point.
_KIND_RANK = {"b": 0, "u": 1, "i": 1, "f": 2}


def get_default_dtype() -> np.dtype:
    """The dtype Python floats become (``float32`` unless changed), as in PyTorch."""
    return _default_float


def set_default_dtype(dtype: DTypeLike) -> None:
    """Set the dtype Python floats become; only float32 and float64 are allowed."""
    global _default_float
    dtype = to_dtype(dtype)
    if dtype not in (float32, float64):
        raise TypeError(
            f"set_default_dtype: only floating point dtypes float32 and float64 are supported, got {dtype}"
        )
    _default_float = dtype


def to_dtype(dtype: Optional[DTypeLike]) -> Optional[np.dtype]:
    """Turn anything dtype-like (``mt.float32``, ``np.float32``, ``'float32'``, ``float``) into a numpy dtype."""
    if dtype is None:
        return None
    try:
        result = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{dtype!r} is not a dtype; use e.g. mt.float32, mt.float64, mt.int64 or mt.bool") from None
    if result.kind not in _KIND_RANK:
        raise TypeError(f"microtensor does not support dtype {result}; use float32, float64, integer types or bool")
    return result


def is_floating(dtype: np.dtype) -> builtins.bool:
    return dtype.kind == "f"


def castable(source: np.dtype, target: np.dtype) -> builtins.bool:
    """PyTorch's rule for writing a result of dtype ``source`` into a tensor of dtype ``target`` (in-place
    ops, ``out=``, ``mt.can_cast``): every cast except floating to integer or bool, and integer to bool."""
    if source.kind == "f":
        return target.kind == "f"
    return source.kind == "b" or target.kind != "b"


def kind_rank(dtype: np.dtype) -> builtins.int:
    return _KIND_RANK[dtype.kind]


def checked_integer(value, dtype, op_name):
    """A Python int converted to an integer ``dtype`` by PyTorch's checked rule: signed types take
    [min, max]; unsigned ones [-max, max], a negative value wrapping (-1 -> 255 for uint8); outside
    that a RuntimeError naming the op, the value and the range."""
    info = np.iinfo(dtype)
    low = info.min if info.min < 0 else -info.max
    if not low <= value <= info.max:
        raise RuntimeError(
            f"{op_name}: value {value} cannot be converted to type {np.dtype(dtype)} without overflow "
            f"(it takes {low} to {info.max})"
        )
    return value % (info.max + 1) if value < 0 and info.min == 0 else value


def scalar_dtype(value):
    """The dtype a Python scalar becomes on its own: bool, int64 or the default float."""
    if isinstance(value, (builtins.bool, np.bool_)):
        return bool
    if isinstance(value, (builtins.int, np.integer)):
        return int64
    if isinstance(value, (builtins.float, np.floating)):
        return _default_float
    raise TypeError(f"expected a number, got {type(value).__name__}: {value!r}")


def promote(dtypes_dimmed, dtypes_zero_dim, scalars):
    """PyTorch's result type for an op over operands of three priorities.

    ``dtypes_dimmed``: dtypes of tensors with at least one dimension;
    ``dtypes_zero_dim``: dtypes of 0-d tensors; ``scalars``: Python numbers.
    A weaker group only matters when it is of a higher kind (bool < int < float)
    than everything stronger than it.
    """
    result = None
    for group in (dtypes_dimmed, dtypes_zero_dim):
        if not group:
            continue
        group_type = _result_type_within(group)
        if result is None or kind_rank(group_type) > kind_rank(result):
            # A weaker group of a higher kind decides the result with its own width:
            # int32 matrix + float64 0-d tensor -> float64, as in PyTorch.
            result = group_type
    for value in scalars:
        value_type = scalar_dtype(value)
        if result is None or kind_rank(value_type) > kind_rank(result):
            result = value_type
    return result



def _result_type_within(dtypes):
    """PyTorch's promotion among operands of equal priority: the highest kind wins
    outright (int64 + float32 -> float32, unlike numpy's float64); within a kind
    numpy's rules agree with PyTorch's (int8 + uint8 -> int16)."""
    top = max(kind_rank(dtype) for dtype in dtypes)
    return np.result_type(*[dtype for dtype in dtypes if kind_rank(dtype) == top])
