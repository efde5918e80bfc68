"""PyTorch's legacy typed constructors, ``mt.FloatTensor`` ... ``mt.BoolTensor``, and ``Tensor.new``,
as old tutorials use them::

    mt.FloatTensor([1, 2])        # from data, converted to float32
    mt.LongTensor(2, 3)           # a 2x3 int64 tensor, uninitialised (zeros here, as mt.empty)
    mt.FloatTensor(mt.Size([2]))  # a Size is a shape too; a tuple or list is data
    isinstance(t, mt.FloatTensor) # True for a float32 tensor, as in PyTorch
    t.new(2, 3), t.new([1, 2])    # the same, in t's dtype

The names are not Tensor subclasses (PyTorch's are not either): calling one makes a plain
``Tensor``, and ``isinstance`` asks the tensor's dtype. Each carries a ``dtype``, so
``t.type(mt.DoubleTensor)`` and ``np.dtype(mt.FloatTensor)`` work too.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _dtypes
from ._registry import tensor_method
from ._size import Size
from ._tensor import Tensor, as_array
from .creation import _finish, _shape
from .device import check_device
from ._typing import DeviceLike


def _all_ints(args):
    return all(isinstance(value, (int, np.integer)) and not isinstance(value, bool) for value in args)


def legacy_new(dtype: np.dtype, op_name: str, args: tuple, device: Optional[DeviceLike]) -> Tensor:
    """PyTorch's legacy construction rules: no argument (an empty tensor), sizes or a ``Size``
    (uninitialised, zeros here), a tensor of ``dtype`` (a tensor sharing its memory), or data."""
    check_device(device)
    if not args:
        return _finish(np.zeros((0,), dtype), False, None)
    if _all_ints(args) or (len(args) == 1 and isinstance(args[0], Size)):
        return _finish(np.zeros(_shape(args, op_name), dtype), False, None)
    if len(args) == 1:
        (data,) = args
        if isinstance(data, Tensor):
            if data.dtype != dtype:
                raise TypeError(
                    f"{op_name}(): expected a tensor of dtype {dtype}, got one of dtype {data.dtype}; "
                    f"convert it first with .to(mt.{dtype})"
                )
            return data.detach()
        if isinstance(data, (list, tuple, np.ndarray)):
            return _finish(as_array(data, dtype), False, None)
        raise TypeError(f"{op_name}(): data must be a sequence (got {type(data).__name__})")
    raise TypeError(
        f"{op_name}() takes sizes (ints), a Size, a tensor or one sequence of data, got "
        f"({', '.join(type(value).__name__ for value in args)})"
    )


class _LegacyTensorType(type):
    """The metaclass of ``mt.FloatTensor`` and friends: ``isinstance`` checks the tensor's dtype."""

    def __instancecheck__(cls, instance: Any) -> bool:
        return isinstance(instance, Tensor) and instance.dtype == getattr(cls, "dtype", None)

    def __repr__(cls) -> str:
        return f"<class 'microtensor.{cls.__name__}'>"


class _LegacyTensor(metaclass=_LegacyTensorType):
    """Calling a subclass makes a plain ``Tensor`` of its ``dtype`` (``__new__`` returns it, so no ``__init__``)."""

    dtype: np.dtype

    def __new__(cls, *args: Any, device: Optional[DeviceLike] = None) -> Tensor:  # type: ignore[misc]
        return legacy_new(cls.dtype, cls.__name__, args, device)


class FloatTensor(_LegacyTensor):
    dtype = _dtypes.float32


class DoubleTensor(_LegacyTensor):
    dtype = _dtypes.float64


class HalfTensor(_LegacyTensor):
    dtype = _dtypes.float16


class LongTensor(_LegacyTensor):
    dtype = _dtypes.int64


class IntTensor(_LegacyTensor):
    dtype = _dtypes.int32


class ShortTensor(_LegacyTensor):
    dtype = _dtypes.int16


class CharTensor(_LegacyTensor):
    dtype = _dtypes.int8


class ByteTensor(_LegacyTensor):
    dtype = _dtypes.uint8


class BoolTensor(_LegacyTensor):
    dtype = _dtypes.bool


@tensor_method()
def new(self: Tensor, *args: Any, device: Optional[DeviceLike] = None) -> Tensor:
    """Legacy: a tensor of this tensor's dtype made by the rules of ``mt.FloatTensor``: ``t.new()``
    (empty), ``t.new(2, 3)`` (uninitialised, zeros here), ``t.new([1, 2])`` (data), ``t.new(u)`` (u's
    memory, u of this dtype). Prefer ``t.new_zeros`` / ``t.new_tensor``."""
    return legacy_new(self.dtype, "new", args, device)
