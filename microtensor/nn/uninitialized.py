"""``UninitializedParameter`` and ``UninitializedBuffer``: placeholders whose shape is not known yet.

Lazy modules (``nn.LazyLinear`` ...) hold them until their first forward, which calls
``materialize(shape)``: the object then becomes a regular ``Parameter`` (or ``Tensor``) in
place, so an optimizer built before that forward still holds the very parameters it updates.
Until then any use of its values is an error, with PyTorch's message.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .. import _dtypes
from .._tensor import Tensor
from .._typing import DeviceLike, DTypeLike
from ..device import check_device
from .parameter import Parameter

__all__ = ["UninitializedBuffer", "UninitializedParameter", "is_lazy"]

_VALUES = Tensor.__dict__["_data"]  # the storage slot, bypassing the guard below

_USED_MESSAGE = (
    "Attempted to use an uninitialized parameter in {what}. This error happens when you are using a `LazyModule` "
    "or explicitly manipulating `torch.nn.parameter.UninitializedParameter` objects. When using LazyModules Call "
    "`forward` with a dummy batch to initialize the parameters before calling torch functions"
)
_SHAPE_MESSAGE = (
    "Can't access the shape of an uninitialized parameter or buffer. This error usually happens in "
    "`load_state_dict` when trying to load an uninitialized parameter into an initialized one. Call `forward` "
    "to initialize the parameters before accessing their attributes."
)


class UninitializedTensorMixin:
    """What both placeholders share: the guard on their values, ``materialize``, ``dtype``, repr."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def _start(self, requires_grad: bool, device: Optional[DeviceLike], dtype: Optional[DTypeLike]) -> None:
        check_device(device)
        dtype = _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)
        _VALUES.__set__(self, np.empty((0,), dtype=dtype))
        self._grad = None
        self._grad_fn = None
        self._counter = None
        self._requires_grad = requires_grad

    @property
    def _data(self) -> np.ndarray:
        raise ValueError(_USED_MESSAGE.format(what="an operation"))

    @_data.setter
    def _data(self, value: np.ndarray) -> None:
        raise ValueError(_USED_MESSAGE.format(what="an in-place assignment"))

    @property
    def data(self) -> Any:
        raise ValueError(_USED_MESSAGE.format(what="`.data`"))

    @property
    def shape(self) -> Any:
        raise RuntimeError(_SHAPE_MESSAGE)

    def size(self, dim: Optional[int] = None) -> Any:
        raise RuntimeError(_SHAPE_MESSAGE)

    @property
    def dtype(self) -> Any:
        return _dtypes.to_dtype(_VALUES.__get__(self).dtype)

    def materialize(
        self, shape: Sequence[int] | int, device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        """Become a ``cls_to_become`` (Parameter or Tensor) of ``shape``, uninitialised values, in place."""
        check_device(device)
        dims = (shape,) if isinstance(shape, int) else tuple(shape)
        if any(isinstance(d, bool) or not isinstance(d, (int, np.integer)) or d < 0 for d in dims):
            raise ValueError(f"materialize: shape must be non-negative ints, got {shape!r}")
        kind = _VALUES.__get__(self).dtype if dtype is None else _dtypes.to_dtype(dtype)
        self.__class__ = self.cls_to_become
        self._data = np.empty(dims, dtype=kind)

    def detach(self) -> Any:
        """Another placeholder of the same dtype (what ``state_dict`` holds for a lazy layer, as PyTorch)."""
        return type(self)(False, dtype=self.dtype)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"

    def __deepcopy__(self, memo: dict) -> Any:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self._requires_grad, dtype=self.dtype)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol: Any) -> Any:
        return (type(self), (self._requires_grad, None, self.dtype))


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A ``Parameter`` of unknown shape (``UninitializedParameter(requires_grad=True, device=None, dtype=None)``);
    ``materialize(shape)`` turns it into a ``Parameter``."""

    cls_to_become = Parameter

    def __init__(
        self, requires_grad: bool = True, device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        self._start(requires_grad, device, dtype)


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer of unknown shape (``UninitializedBuffer(requires_grad=False, device=None, dtype=None)``);
    ``materialize(shape)`` turns it into a ``Tensor``."""

    cls_to_become = Tensor

    def __init__(
        self, requires_grad: bool = False, device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        self._start(requires_grad, device, dtype)


def is_lazy(value: Any) -> bool:
    """True for a placeholder not materialised yet (``torch.nn.parameter.is_lazy``)."""
    return isinstance(value, UninitializedTensorMixin)
