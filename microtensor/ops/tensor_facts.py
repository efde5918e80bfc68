"""What a tensor can tell about itself without computing: its number of dims and elements,
the bytes it takes, the kind of its dtype, and whether it holds a value (``v in t``).

These are the Tensor methods PyTorch code reads most after ``shape``, ``dim()`` and
``numel()`` (which live on the class itself, ``microtensor/_tensor.py``).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .._registry import op, tensor_method
from .._tensor import Tensor
from ._util import tensor_argument


@tensor_method()
def ndimension(self: Tensor) -> int:
    """The number of dimensions (an alias of ``dim()``)."""
    return self._data.ndim


@tensor_method()
def nelement(self: Tensor) -> int:
    """The number of elements (an alias of ``numel``)."""
    return self._data.size


@tensor_method()
def element_size(self: Tensor) -> int:
    """Bytes per element: 4 for float32, 8 for int64, 1 for bool."""
    return self._data.itemsize


@tensor_method(kind="property")
def itemsize(self: Tensor) -> int:
    """Bytes per element (``element_size()`` as a property)."""
    return self._data.itemsize


@tensor_method(kind="property")
def nbytes(self: Tensor) -> int:
    """Bytes the elements take: ``numel() * element_size()`` (a view counts its own elements only)."""
    return self._data.size * self._data.itemsize


@op(method=True)
def is_floating_point(input: Tensor) -> bool:
    """True when the dtype is a floating-point one (float16, float32, float64)."""
    return tensor_argument(input, "is_floating_point")._data.dtype.kind == "f"


@op(method=True)
def is_complex(input: Tensor) -> bool:
    """True when the dtype is complex (never here: microtensor has no complex dtypes)."""
    return tensor_argument(input, "is_complex")._data.dtype.kind == "c"


@tensor_method()
def is_signed(self: Tensor) -> bool:
    """True when the dtype holds negative numbers: every dtype but bool and uint8."""
    return self._data.dtype.kind not in "bu"


@tensor_method()
def __contains__(self: Tensor, element: Any) -> bool:
    """``element in t``: True when some element of ``t`` equals ``element`` (a number or a tensor), as in PyTorch."""
    if isinstance(element, Tensor):
        element = element._data
    elif not isinstance(element, (bool, int, float, np.number, np.bool_)):
        raise RuntimeError(
            f"Tensor.__contains__ only supports Tensor or scalar, but you passed in a {type(element).__name__}"
        )
    return bool(np.any(self._data == element))
