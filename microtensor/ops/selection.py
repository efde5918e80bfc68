"""Selection by a bool mask: ``where``, ``masked_fill`` (``masked_fill_``) and ``masked_select``;
``masked_scatter`` (``masked_scatter_``); the positions of the nonzero elements: ``nonzero`` and ``argwhere``.

The mask is a constant (it gets no gradient); the gradient of the result goes to
the input each element was taken from, as in PyTorch. Input and mask broadcast
together; the engine sums a broadcast gradient back to the input's shape.
"""
from __future__ import annotations

import builtins
from typing import Optional, Tuple, Union, overload

import numpy as np

from ..autograd.function import Function
from ..autograd.inplace import apply_inplace
from .._tensor import Tensor
from ._util import to_operand, torch_result_dtype, tensor_argument as _as_tensor
from .indexing import IndexScatter, checked_number
from .._registry import op, tensor_method
from .._typing import TensorLike


# ------------------------------------------------------------------ selection
def _bool_condition(condition, op_name, what="condition"):
    if isinstance(condition, Tensor):
        condition = condition._data
    elif isinstance(condition, (builtins.bool, np.bool_)):
        condition = np.asarray(condition)
    elif isinstance(condition, (list, tuple)):
        condition = np.asarray(condition)
    if not isinstance(condition, np.ndarray):
        raise TypeError(f"{op_name}: {what} must be a bool tensor or array, got {type(condition).__name__}")
    if condition.dtype.kind != "b":
        raise RuntimeError(
            f"{op_name}: expected {what} to be a boolean tensor, but got a tensor with dtype {condition.dtype}; "
            f"compare first (e.g. x > 0) or convert with .bool()"
        )
    return condition


class Where(Function):
    """``y = condition ? a : b`` elementwise;  dy/da = condition, dy/db = not condition.

    ``condition`` is a bool array (a constant: it gets no gradient).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, condition, a, b):
        needs = ctx.needs_input_grad
        if needs[1] or needs[2]:
            ctx.condition = condition
        out = np.where(condition, a, b)
        wanted = torch_result_dtype(a, b)
        return out if out.dtype == wanted else out.astype(wanted)

    @staticmethod
    def backward(ctx, grad):
        condition = ctx.condition
        _, need_a, need_b = ctx.needs_input_grad
        grad_a = np.where(condition, grad, 0) if need_a else None
        grad_b = np.where(condition, 0, grad) if need_b else None
        return None, grad_a, grad_b


@overload
def where(condition: Tensor) -> Tuple[Tensor, ...]: ...
@overload
def where(condition: Tensor, input: TensorLike, other: TensorLike) -> Tensor: ...
@op(numpy=np.where, out=True)
def where(
    condition: Tensor, input: Optional[TensorLike] = None, other: Optional[TensorLike] = None,
) -> Union[Tensor, Tuple[Tensor, ...]]:
    """``input`` where ``condition`` is True, else ``other``, elementwise with broadcasting.

    ``condition`` is a bool tensor or array; ``input``/``other`` are tensors, arrays or
    numbers (promoted together as in PyTorch). The gradient goes to the chosen branch
    only: d/d input = condition, d/d other = not condition.
    ``where(condition)`` alone returns the indices of the nonzero (True) elements, one int64
    tensor per dimension (``nonzero(condition, as_tuple=True)``), as in PyTorch.
    """
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    condition = _bool_condition(condition, "where")
    if input is None or other is None:
        raise TypeError("where: give both input and other, or neither (to get the indices of True elements)")
    a = input if type(input) is Tensor else to_operand(input, "where")
    b = other if type(other) is Tensor else to_operand(other, "where")
    try:
        return Where.apply(condition, a, b)
    except ValueError:
        raise RuntimeError(
            f"where: condition of shape {condition.shape}, input of shape {np.shape(getattr(a, '_data', a))} and "
            f"other of shape {np.shape(getattr(b, '_data', b))} do not broadcast together"
        ) from None


def _array(input, op_name):
    if isinstance(input, Tensor):
        return input._data
    if isinstance(input, (np.ndarray, list, tuple, builtins.bool, builtins.int, builtins.float)):
        return np.asarray(input)
    raise TypeError(f"{op_name}(): argument 'input' must be a Tensor, not {type(input).__name__}")


@op(method=True)
def nonzero(input: Tensor, *, as_tuple: bool = False) -> Union[Tensor, Tuple[Tensor, ...]]:
    """The positions of the nonzero elements (True for bool, NaN counts as nonzero) in row-major order:
    an int64 tensor of shape ``(count, input.dim())``, one row per element; with ``as_tuple=True``
    one 1-D int64 tensor per dim instead (a 0-d input counting as 1-D), ready for ``input[...]``.
    Not differentiable."""
    array = _array(input, "nonzero")
    if as_tuple:
        return tuple(Tensor._make(index.astype(np.int64, copy=False)) for index in np.nonzero(np.atleast_1d(array)))
    return Tensor._make(np.argwhere(array).astype(np.int64, copy=False))


@op(method=True)
def argwhere(input: Tensor) -> Tensor:
    """``nonzero(input)``: the ``(count, input.dim())`` int64 positions of the nonzero elements."""
    return nonzero(_array(input, "argwhere"))


class MaskedFill(Function):
    """``y = mask ? value : x`` (x and mask broadcast; keeps x's dtype);  dy/dx = not mask,
    dy/dvalue = sum over mask."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, mask, value):
        needs = ctx.needs_input_grad
        if needs[0] or needs[2]:
            ctx.mask = mask
        out = np.where(mask, value, x)
        return out if out.dtype == x.dtype else out.astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        mask = ctx.mask
        need_x, _, need_value = ctx.needs_input_grad
        grad_x = np.where(mask, 0, grad) if need_x else None
        grad_value = np.where(mask, grad, 0) if need_value else None
        return grad_x, None, grad_value


@op(method=True)
def masked_fill(input: Tensor, mask: Tensor, value: TensorLike) -> Tensor:
    """A copy of ``input`` with ``value`` where the bool ``mask`` is True (input and mask
    broadcast together, as in PyTorch; the in-place ``masked_fill_`` keeps input's shape).

    ``value`` is a number or a 0-d tensor (which then receives the sum of the gradient
    over the masked positions). The result keeps ``input``'s dtype, as in PyTorch.
    """
    x = _as_tensor(input, "masked_fill")
    mask = _bool_condition(mask, "masked_fill", "mask")
    if isinstance(value, (Tensor, np.ndarray)):
        if np.ndim(value) != 0:
            raise RuntimeError(
                f"masked_fill only supports a 0-dimensional value tensor, but got tensor with "
                f"{np.ndim(value)} dimension(s) (shape {np.shape(value)}); use where(mask, value, input) instead"
            )
        value = to_operand(value, "masked_fill")
    elif not isinstance(value, (builtins.bool, builtins.int, builtins.float, np.generic)):
        raise TypeError(f"masked_fill: value must be a number or a 0-d tensor, got {type(value).__name__}")
    value = checked_number(value, x.dtype, "masked_fill")
    try:
        return MaskedFill.apply(x, mask, value)
    except ValueError:
        raise RuntimeError(
            f"masked_fill: mask of shape {mask.shape} does not broadcast with the input's shape {x.shape}"
        ) from None


@tensor_method()
def masked_fill_(self: Tensor, mask: Tensor, value: TensorLike) -> Tensor:
    """In-place ``masked_fill``: ``value`` where ``mask`` (broadcast to this tensor's shape) is True."""
    return apply_inplace(self, "masked_fill_", lambda: masked_fill(self, mask, value))


class MaskedSelect(Function):
    """``y = x[mask]`` (x and mask broadcast to one shape; y is 1-D);  dx = zeros with
    ``dx[mask] = g`` (the engine sums it back over broadcast dims)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.mask = np.broadcast_to(mask, shape)
        return np.broadcast_to(x, shape)[ctx.mask]

    @staticmethod
    def backward(ctx, grad):
        mask = ctx.mask
        if isinstance(grad, np.ndarray):
            out = np.zeros(mask.shape, dtype=grad.dtype)
            out[mask] = grad
            return out, None
        return IndexScatter.apply(grad, mask.shape, (mask,), True), None


@op(method=True)
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements of ``input`` where the bool ``mask`` is True, as a 1-D tensor (input and
    mask broadcast together). Gradient: g back at the selected positions, zeros elsewhere."""
    x = _as_tensor(input, "masked_select")
    mask = _bool_condition(mask, "masked_select", "mask")
    try:
        np.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_select: mask of shape {mask.shape} and input of shape {x.shape} do not broadcast together"
        ) from None
    return MaskedSelect.apply(x, mask)



class MaskedScatter(Function):
    """``y = x`` with ``y[mask] = source.flatten()[:k]`` (k = the mask's True count, x and mask
    broadcast);  dy/dx = not mask, and d/dsource puts ``g[mask]`` on source's first k elements
    (the others were not read: 0)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, x, mask, source):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        ctx.mask = mask = np.broadcast_to(mask, shape)
        ctx.source_shape, ctx.count = source.shape, int(np.count_nonzero(mask))
        out = np.array(np.broadcast_to(x, shape))
        out[mask] = source.reshape(-1)[:ctx.count]
        return out

    @staticmethod
    def backward(ctx, grad):
        mask, count, size = ctx.mask, ctx.count, int(np.prod(ctx.source_shape))
        need_x, _, need_source = ctx.needs_input_grad
        grad_x = np.where(mask, 0, grad) if need_x else None
        grad_source = None
        if need_source:
            selected = grad[mask]
            if isinstance(grad, np.ndarray):
                grad_source = np.zeros(size, dtype=grad.dtype)
                grad_source[:count] = selected
            else:
                grad_source = IndexScatter.apply(selected, (size,), (slice(0, count),), False)
            grad_source = grad_source.reshape(ctx.source_shape)
        return grad_x, None, grad_source


@op(method=True)
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """A copy of ``input`` whose elements where the bool ``mask`` is True (input and mask broadcast
    together) are, in row-major order, the first elements of ``source`` (of input's dtype, with at
    least as many elements as the mask has True entries).

    Gradient: to ``input`` g where the mask is False; to ``source`` g at the masked positions, on
    the source elements that were written (0 for the rest).
    """
    x = _as_tensor(input, "masked_scatter")
    mask = _bool_condition(mask, "masked_scatter", "mask")
    if not isinstance(source, Tensor):
        raise TypeError(f"masked_scatter(): argument 'source' must be a Tensor, not {type(source).__name__}")
    if source.dtype != x.dtype:
        raise RuntimeError(
            f"masked_scatter: expected self and source to have same dtypes but got {x.dtype} and {source.dtype}"
        )
    try:
        shape = np.broadcast_shapes(x.shape, mask.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_scatter: mask of shape {mask.shape} does not broadcast with the input's shape {x.shape}"
        ) from None
    count = int(np.count_nonzero(np.broadcast_to(mask, shape)))
    if source.numel() < count:
        raise RuntimeError(
            f"masked_scatter: Number of elements of source < number of ones in mask ({source.numel()} < {count})"
        )
    return MaskedScatter.apply(x, mask, source)


@tensor_method()
def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In-place ``masked_scatter``: ``mask`` (broadcast to this tensor's shape) picks where ``source`` goes."""
    return apply_inplace(self, "masked_scatter_", lambda: masked_scatter(self, mask, source))
