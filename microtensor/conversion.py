"""Tensors from other objects, PyTorch's way: ``mt.asarray`` (sharing memory when it can) and
``mt.scalar_tensor`` (a 0-d tensor from a number). ``mt.tensor`` (always a copy), ``mt.as_tensor``
and ``mt.from_numpy`` are in ``creation.py``."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _dtypes
from ._from_data import checked_scalar
from ._tensor import Tensor
from ._typing import DeviceLike, DTypeLike, Number
from .creation import _finish, _float_dtype, from_numpy, tensor
from .device import check_device


def scalar_tensor(
    s: Number, *, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None, requires_grad: bool = False,
) -> Tensor:
    """The 0-d tensor holding the number ``s``, in the default float dtype unless ``dtype`` is given
    (``scalar_tensor(3)`` is ``tensor(3.)``, unlike ``mt.tensor(3)``). ``s`` may be a 0-d
    tensor, and must fit the dtype as PyTorch checks it (``scalar_tensor(1e40)`` raises)."""
    if isinstance(s, Tensor) and s.ndim == 0:  # PyTorch takes a 0-d tensor, not a one-element one
        s = s.item()
    if not isinstance(s, (bool, int, float, np.bool_, np.integer, np.floating)):
        raise TypeError(f"scalar_tensor(): argument 's' (position 1) must be Number, not {type(s).__name__}")
    dtype = _float_dtype(dtype)
    return _finish(np.array(checked_scalar(s, dtype, "scalar_tensor"), dtype=dtype), requires_grad, device)


def _alias_error(what, dtype):
    return ValueError(f"asarray: can't alias {what} into dtype {dtype} (copy=False); pass copy=None to allow a copy")


def asarray(
    obj: Any, *, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None,
    copy: Optional[bool] = None, requires_grad: Optional[bool] = None,
) -> Tensor:
    """``obj`` as a tensor, sharing its memory when it can, as ``torch.asarray``:

    * a Tensor of the wanted dtype is returned itself (``copy=True``: a clone); of another dtype it
      is cast (``copy=False`` refuses, ValueError). Both stay in the graph unless ``requires_grad=False``,
      which detaches the result (PyTorch 2's default ``requires_grad=None`` follows ``obj``);
    * a numpy array of the wanted dtype (native byte order) shares its memory with the result
      (``copy=True``: a copy); of another dtype it is copied (``copy=False`` refuses);
    * anything else (numbers, nested lists, numpy scalars) is copied as ``mt.tensor`` would
      (``copy=False`` refuses).

    ``requires_grad=True`` sets it on a result that is a leaf, which may be ``obj`` itself, as in PyTorch.
    """
    check_device(device)
    wanted = _dtypes.to_dtype(dtype)
    if isinstance(obj, Tensor):
        result = _tensor_as(obj.detach() if requires_grad is False and obj.requires_grad else obj, wanted, copy)
    elif isinstance(obj, np.ndarray):
        result = _array_as(obj, wanted, copy)
    else:
        if copy is False:
            raise ValueError("asarray: can't alias arbitrary sequence into a tensor (copy=False); pass copy=None")
        result = tensor(obj, dtype=wanted)
    if requires_grad and not result.requires_grad:
        result.requires_grad_(True)
    return result


def _tensor_as(obj, wanted, copy):
    if wanted is None or wanted == obj.dtype:
        return obj.clone() if copy else obj
    if copy is False:
        raise _alias_error(f"a tensor of dtype {obj.dtype}", wanted)
    return obj.to(wanted)


def _array_as(obj, wanted, copy):
    if obj.dtype.kind not in "biuf":
        raise TypeError(f"asarray: can't convert a numpy array of dtype {obj.dtype}; supported: float, int, uint, bool")
    shares = (wanted is None or wanted == obj.dtype) and obj.dtype.isnative
    if shares and not copy:
        return from_numpy(obj)
    if copy is False:
        raise _alias_error(f"a numpy array of dtype {obj.dtype.str!r}", wanted or obj.dtype.newbyteorder("="))
    return _finish(np.array(obj, dtype=wanted or obj.dtype.newbyteorder("="), copy=True), False, None)
