"""Small helpers shared by the ops: argument conversion, dims, dtype of results."""
from __future__ import annotations

import numpy as np

from .. import _dtypes
from .._dims import normalize_dim, normalize_dims  # noqa: F401  (used by every op module)
from .._tensor import Tensor
from .._typing import TensorLike
from ..autograd.inplace import apply_inplace


def to_operand(value, op_name):
    """Tensors stay; numpy arrays become Tensors (keeping dtype); Python numbers stay (weak scalars)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"{op_name}: unsupported operand dtype {value.dtype}")
        if not value.dtype.isnative:  # a big-endian array: tensors hold native-endian data
            value = value.astype(value.dtype.newbyteorder("="))
        return Tensor._make(np.asarray(value))
    if isinstance(value, (list, tuple)):
        return Tensor(value)
    raise TypeError(
        f"{op_name}: unsupported operand type {type(value).__name__}; expected a Tensor, a numpy array or a number"
    )


def tensor_operand(value, op_name):
    """``to_operand``, with a Python number (or bool) made a Tensor too: for ops that take only tensors."""
    value = to_operand(value, op_name)
    if not isinstance(value, Tensor):
        value = Tensor(value)
    return value


def tensor_argument(value, op_name):
    """The tensor argument of an op: a Tensor as it is; a number, array or (nested) list
    becomes one (numbers get PyTorch's dtypes); anything else is a TypeError naming the op."""
    if type(value) is Tensor or isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, list, tuple)):
        return Tensor(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return to_operand(value, op_name)
    raise not_a_tensor_error(op_name, "input", value)


def not_a_tensor_error(op_name, argument, value):
    """The TypeError for an argument that must be a Tensor; for a numpy array it says how to wrap it."""
    message = f"{op_name}(): argument '{argument}' must be a Tensor, not {type(value).__name__}"
    if isinstance(value, (np.ndarray, np.generic)):
        message += "; wrap the array with mt.tensor(x) (a copy) or mt.from_numpy(x) (shares its memory)"
    return TypeError(message)


def torch_result_dtype(*operands):
    """PyTorch's result dtype for arrays / Python scalars as ops see them in forward."""
    dimmed, zero_dim, scalars = [], [], []
    for value in operands:
        if isinstance(value, np.ndarray):
            (dimmed if value.ndim else zero_dim).append(value.dtype)
        elif value is not None:
            scalars.append(value)
    return _dtypes.promote(dimmed, zero_dim, scalars)


def match_dtype(result, a, b=None, *more):
    """Cast numpy's result of an op on ``a``, ``b`` (...) to PyTorch's promoted dtype.

    Fast path: the result already has the dtype of every array operand (the common
    case of same-dtype operands, or a float tensor with Python numbers).
    """
    dtype = result.dtype
    a_is_array = a.__class__ is np.ndarray
    b_is_array = b.__class__ is np.ndarray
    if (
        (not a_is_array or a.dtype is dtype)
        and (not b_is_array or b.dtype is dtype)
        and (a_is_array or b_is_array)
        and not more
    ):
        # numpy turns 0-d results into numpy scalars; tensors hold arrays
        return result if result.__class__ is np.ndarray else np.asarray(result)
    wanted = torch_result_dtype(a, b, *more)
    if result.__class__ is not np.ndarray:
        return np.asarray(result, dtype=wanted)
    return result.astype(wanted) if wanted != dtype else result


def computing_operands(a, b):
    """``a`` and ``b`` converted to PyTorch's result dtype when one of them lacks it: PyTorch converts
    the operands first and computes in that dtype, so ``float32 nd * float64 0-d`` multiplies by the
    0-d value rounded to float32 (numpy would compute in float64 and round the product: ``fmod``,
    ``%`` and ``//`` by 0.001 then differ visibly), ``int8 * 0.1`` computes in float32, and an int8
    tensor with a uint8 0-d tensor 200 computes with it wrapped to int8 (-56), as PyTorch does.
    Fast path: two arrays of one dtype, or an array with a Python number its dtype holds (numpy
    keeps the array's dtype for a weak scalar)."""
    a_is_array = a.__class__ is np.ndarray
    b_is_array = b.__class__ is np.ndarray
    if a_is_array and b_is_array:
        if a.dtype is b.dtype:
            return a, b
    elif a_is_array:
        if a.dtype.kind == "f" or b.__class__ is not float:
            return a, b
    elif b_is_array and (b.dtype.kind == "f" or a.__class__ is not float):
        return a, b
    wanted = torch_result_dtype(a, b)
    if a_is_array and a.dtype != wanted:
        a = a.astype(wanted)
    if b_is_array and b.dtype != wanted:
        b = b.astype(wanted)
    return a, b


def promoted(ufunc, a, b):
    """``(ufunc(a, b), a, b)`` computed as PyTorch computes it: the operands converted to the result
    dtype (``computing_operands``; they are returned, for the ops that save them), the result in that
    dtype and an array (``match_dtype``). One call for what the two would do: the common cases (one
    dtype, or a float array with a Python number) are tested here without further calls."""
    if a.__class__ is np.ndarray:
        dtype = a.dtype
        fast = b.dtype is dtype if b.__class__ is np.ndarray else dtype.kind == "f" or b.__class__ is not float
    elif b.__class__ is np.ndarray:
        dtype = b.dtype
        fast = dtype.kind == "f" or a.__class__ is not float
    else:
        fast = False
    if not fast:
        a, b = computing_operands(a, b)
        return match_dtype(ufunc(a, b), a, b), a, b
    out = ufunc(a, b)
    if out.dtype is dtype:  # numpy hands back a scalar for a 0-d result; tensors hold arrays
        return (out if out.__class__ is np.ndarray else np.asarray(out)), a, b
    return match_dtype(out, a, b), a, b  # numpy's dtype differs (bool + int is int64, as in PyTorch)


def integer_scalars_as_torch(op_name, a, b):
    """The operands with each Python int that does not fit the other operand's integer dtype
    converted as PyTorch converts it: ``+ - * // %``, ``fmod``, ``div`` with a rounding mode and the
    bitwise ops wrap it into the dtype (it fits int64 or uint64 first, else OverflowError), ``/``
    takes it as a float, others (``**``, ``alpha=``) use PyTorch's checked conversion
    (``_dtypes.checked_integer``: RuntimeError outside the range)."""
    return _torch_scalar(op_name, a, b), _torch_scalar(op_name, b, a)


_WRAPPING_OPS = frozenset({
    "add", "sub", "mul", "floor_divide", "remainder", "fmod", "div(rounding_mode='trunc')",
    "div(rounding_mode='floor')", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
    "bitwise_right_shift",
})


def _torch_scalar(op_name, value, other):
    if value.__class__ is not int or not isinstance(other, Tensor) or other._data.dtype.kind not in "biu":
        return value
    dtype = np.dtype(torch_result_dtype(other._data, value))
    if dtype.kind not in "iu":
        return value
    info = np.iinfo(dtype)
    if info.min <= value <= info.max:
        return value
    if op_name == "div":
        return float(value)
    if op_name == "pow" and value < 0:
        raise RuntimeError("pow: Integers to negative integer powers are not allowed. "
                           "Convert the base to a float tensor first, e.g. x.float() ** -1")
    if op_name not in _WRAPPING_OPS:
        return _dtypes.checked_integer(value, dtype, op_name)
    if not -(2**63) <= value < 2**64:
        raise OverflowError(
            f"{op_name}: the Python int {value} does not fit in 64 bits (int64 or uint64); use a float or a smaller value"
        )
    return int(np.array(value % 2**64, dtype=np.uint64).astype(dtype))


def pick_dim(dim, axis, op_name, default=None):
    """PyTorch's ``dim=`` with numpy's ``axis=`` accepted as an alias."""
    if axis is not None:
        if dim is not None and dim is not default:
            raise TypeError(f"{op_name}: got both dim={dim} and axis={axis}; pass one")
        return axis
    return dim


def in_place_form(op_name, function):
    """The Tensor method ``t.<op>_(other)`` (or ``__i<op>__``): ``function(t, other)`` written into ``t``
    by ``apply_inplace`` (so through a view into its base; ``t``'s dtype must hold the result)."""

    def method(self: Tensor, other: TensorLike) -> Tensor:
        return apply_inplace(self, op_name, lambda: function(self, other))

    method.__name__ = method.__qualname__ = op_name
    method.__doc__ = f"In-place ``{function.__name__}``: the result is written into this tensor."
    return method
