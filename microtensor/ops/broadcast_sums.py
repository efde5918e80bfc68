"""Going between a shape and a broadcast of it: ``Tensor.broadcast_to`` (the method form of
``mt.broadcast_to``), ``Tensor.sum_to_size`` (its reverse, the sum that autograd does for a
broadcast operand) and ``rsub`` (``other - alpha * input``, the subtraction with the tensor second)."""
from __future__ import annotations

from typing import Any

from .._registry import op, tensor_method
from .._tensor import Tensor
from .._typing import Number, ShapeArg, TensorLike
from .arithmetic import sub
from .movement import reshape
from .reduction import sum as _sum
from .repetition import expand
from ._util import not_a_tensor_error, torch_result_dtype


@tensor_method()
def broadcast_to(self: Tensor, *size: ShapeArg, **kwargs: Any) -> Tensor:
    """``mt.broadcast_to(self, size)`` (``expand``): a view of this tensor broadcast to ``size``."""
    return expand(self, *size, **kwargs)


def _target_size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    if not size:
        raise TypeError('sum_to_size() missing 1 required positional arguments: "size"')
    return tuple(size)


@tensor_method()
def sum_to_size(self: Tensor, *size: ShapeArg) -> Tensor:
    """This tensor summed down to ``size``, a shape it broadcasts from (``t.sum_to_size(1, 3)`` for
    ``t`` of shape (2, 3) sums the rows); this tensor itself when it already has that shape.
    Gradient: the output's gradient broadcast back (sum's)."""
    target = _target_size(size)
    shape = self.shape
    leading = len(shape) - len(target)
    if leading < 0 or any(want not in (have, 1) for have, want in zip(shape[leading:], target)):
        raise RuntimeError(f"sum_to_size: size {list(target)} is not expandable to size {list(shape)}.")
    if shape == target:
        return self
    dims = tuple(range(leading)) + tuple(
        leading + d for d, (have, want) in enumerate(zip(shape[leading:], target)) if want == 1 and have != 1
    )
    summed = _sum(self, dims, keepdim=True) if dims else self
    return reshape(summed, target)


@op(method=False)
def rsub(input: Tensor, other: TensorLike, *, alpha: Number = 1) -> Tensor:
    """``other - alpha * input``: ``sub`` with the operands swapped (``other`` may be a number)."""
    if not isinstance(input, Tensor):
        raise not_a_tensor_error("rsub", "input", input)
    if isinstance(alpha, float) and torch_result_dtype(input._data, other._data if isinstance(other, Tensor) else other).kind in "biu":
        raise RuntimeError("rsub: For integral input tensors, argument alpha must not be a floating point number.")
    return sub(other, input, alpha=alpha)
