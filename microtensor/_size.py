"""``mt.Size``: a shape as PyTorch spells it, a tuple of ints with ``numel()``.

``Tensor.shape`` and ``Tensor.size()`` return plain tuples here (they compare equal to a
``Size`` of the same ints); ``mt.Size`` is for code that builds or checks shapes by name:
``mt.Size([2, 3]).numel() == 6``, ``mt.zeros(mt.Size([2, 3]))``.
"""
from __future__ import annotations

import math
import operator
from typing import Any, Iterable


def _as_size_int(value: Any, position: int) -> int:
    try:
        return operator.index(value)  # ints, numpy ints, bools and 0-d integer tensors
    except TypeError:
        raise TypeError(
            f"microtensor.Size() takes an iterable of 'int' (item {position} is '{type(value).__name__}')"
        ) from None


class Size(tuple):
    """A tuple of ints naming a shape, as ``torch.Size``: slicing, ``+`` and ``*`` give a ``Size`` again."""

    def __new__(cls, sizes: Iterable[Any] = ()) -> "Size":
        return super().__new__(cls, [_as_size_int(value, position) for position, value in enumerate(sizes)])

    def numel(self) -> int:
        """The number of elements a tensor of this shape holds (1 for ``Size([])``)."""
        return math.prod(self)

    def __getitem__(self, index: Any) -> Any:
        item = tuple.__getitem__(self, index)
        return Size(item) if isinstance(index, slice) else item

    def __add__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(self, other))

    def __radd__(self, other: Any) -> Any:
        if not isinstance(other, tuple):
            return NotImplemented
        return Size(tuple.__add__(other, self))

    def __mul__(self, times: Any) -> Any:
        result = tuple.__mul__(self, times)
        return result if result is NotImplemented else Size(result)

    __rmul__ = __mul__

    def __repr__(self) -> str:
        return f"microtensor.Size([{', '.join(str(value) for value in self)}])"

    __str__ = __repr__

    def __reduce__(self) -> Any:
        return (Size, (tuple(self),))
