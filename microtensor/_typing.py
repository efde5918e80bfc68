"""The names microtensor's type hints use, after PyTorch's stubs (``torch/types.py``).

``TensorLike`` is what an op takes where PyTorch takes "a Tensor or a number":
``x + 2`` and ``mt.maximum(x, 0.5)``. ``Dim`` is one dim or several (``x.sum((0, 1))``);
``_size`` a shape, given as ints or as one sequence (``mt.zeros(2, 3)``, ``mt.zeros((2, 3))``).
dtypes are numpy dtypes (``mt.float32 is np.dtype('float32')``) and anything
``np.dtype`` accepts (``np.float32``, ``'float32'``, ``float``).

``mypy`` reads these through the hints on the ops and the generated stubs
(``python -m microtensor._stubs``); at run time they are plain ``typing`` objects.
"""
import builtins
from typing import Any, Dict, Iterable, Sequence, Union

from ._dtypes import DTypeLike
from ._tensor import Tensor
from .device import DeviceLike

_bool = builtins.bool
_int = builtins.int
_float = builtins.float

Number = Union[_int, _float, _bool]
TensorLike = Union[Tensor, _int, _float, _bool]
Dim = Union[_int, Sequence[_int]]
_size = Sequence[_int]
ShapeArg = Union[_int, Sequence[_int]]  # one entry of ``*size``: an int, or the whole shape as a sequence
IntOrInts = Union[_int, Sequence[_int]]  # a kernel size, stride, padding: one for every dim, or one each
# What an optimizer takes: tensors (``model.parameters()``) or groups of them (``[{"params": ..., "lr": ...}]``).
ParamsT = Union[Iterable[Tensor], Iterable[Dict[builtins.str, Any]]]

__all__ = [
    "DTypeLike", "DeviceLike", "Dim", "IntOrInts", "Number", "ParamsT", "ShapeArg", "TensorLike", "_bool", "_float", "_int",
    "_size",
]
