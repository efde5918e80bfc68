"""Bitwise logic on integer and bool tensors: ``& | ^ ~ << >>``.

On bool tensors ``&``, ``|``, ``^`` and ``~`` are the logical AND, OR, XOR and NOT (a mask
and a mask); on integer tensors they act on each bit of the two's-complement numbers,
``6 & 3 == 2`` and ``~5 == -6``, as in PyTorch and Python. Float tensors have no bits to
combine: PyTorch refuses them, and so do we (``logical_and`` and friends take any dtype).
Results are integers or bools, so nothing here joins the graph.
"""
from __future__ import annotations

import numpy as np

from .._tensor import Tensor
from .._registry import op, tensor_method
from ..autograd.inplace import apply_inplace
from .._typing import TensorLike
from ._util import in_place_form, integer_scalars_as_torch, match_dtype
from ._two_operands import broadcast_error
from .comparison import _plain, _raw


def _check_integral(op_name, *operands):
    for value in operands:
        kind = value.dtype.kind if isinstance(value, (np.ndarray, np.generic)) else None
        if kind is not None and kind not in "biu":
            raise NotImplementedError(
                f"{op_name}: not implemented for {value.dtype} tensors (bitwise ops need integer or bool "
                f"tensors); for a mask of truth values use logical_and / logical_or / logical_xor / logical_not"
            )
        if isinstance(value, float):
            raise NotImplementedError(
                f"{op_name}: not implemented for a float ({value!r}; PyTorch: not implemented for 'Float'): it has "
                f"no bits to combine; pass an int or a bool"
            )


def _bitwise(ufunc, op_name, input, other):
    a = _raw(input, op_name)
    b = _raw(other, op_name)
    _check_integral(op_name, a, b)
    combine = lambda x, y: match_dtype(np.asarray(ufunc(x, y)), x, y)  # noqa: E731
    try:
        return _plain(combine, a, b)
    except ValueError:
        error = broadcast_error(op_name, a, b)
        if error is None:
            raise
        raise error from None
    except OverflowError:  # numpy refuses a Python int outside the tensor's range: PyTorch wraps it
        input, other = integer_scalars_as_torch(op_name, input, other)
        return _plain(combine, _raw(input, op_name), _raw(other, op_name))


@op(method=True, dunders=("__and__",), reflected=("__rand__",), numpy=np.bitwise_and)
def bitwise_and(input: Tensor, other: TensorLike) -> Tensor:
    """``input & other``: AND of each bit (of the truth values, for bool tensors)."""
    return _bitwise(np.bitwise_and, "bitwise_and", input, other)


@op(method=True, dunders=("__or__",), reflected=("__ror__",), numpy=np.bitwise_or)
def bitwise_or(input: Tensor, other: TensorLike) -> Tensor:
    """``input | other``: OR of each bit (of the truth values, for bool tensors)."""
    return _bitwise(np.bitwise_or, "bitwise_or", input, other)


@op(method=True, dunders=("__xor__",), reflected=("__rxor__",), numpy=np.bitwise_xor)
def bitwise_xor(input: Tensor, other: TensorLike) -> Tensor:
    """``input ^ other``: XOR of each bit (of the truth values, for bool tensors)."""
    return _bitwise(np.bitwise_xor, "bitwise_xor", input, other)


@op(method=True, dunders=("__lshift__",), reflected=("__rlshift__",), numpy=np.left_shift)
def bitwise_left_shift(input: Tensor, other: TensorLike) -> Tensor:
    """``input << other``: the bits moved left, ``input * 2**other`` for integers."""
    return _bitwise(np.left_shift, "bitwise_left_shift", input, other)


@op(method=True, dunders=("__rshift__",), reflected=("__rrshift__",), numpy=np.right_shift)
def bitwise_right_shift(input: Tensor, other: TensorLike) -> Tensor:
    """``input >> other``: the bits moved right, ``floor(input / 2**other)`` for integers."""
    return _bitwise(np.right_shift, "bitwise_right_shift", input, other)


@op(method=True, dunders=("__invert__",), numpy=np.invert)
def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: every bit flipped (``~5 == -6``); NOT of the truth values for a bool tensor."""
    a = _raw(input, "bitwise_not")
    if a.dtype.kind not in "biu":
        raise NotImplementedError(
            f"~ (operator.invert) is only implemented on integer and Boolean-type tensors, not {a.dtype}; "
            f"for a mask use logical_not(), or (x == 0)"
        )
    return _plain(np.invert, a)


for _name, _function in (("and", bitwise_and), ("or", bitwise_or), ("xor", bitwise_xor),
                         ("lshift", bitwise_left_shift), ("rshift", bitwise_right_shift)):
    tensor_method(f"__i{_name}__")(in_place_form(f"__i{_name}__", _function))
    tensor_method(f"{_function.__name__}_")(in_place_form(f"{_function.__name__}_", _function))


@tensor_method()
def bitwise_not_(self: Tensor) -> Tensor:
    """In-place ``bitwise_not``: every bit of this tensor flipped."""
    return apply_inplace(self, "bitwise_not_", lambda: bitwise_not(self))
