"""Small helpers shared by the ops: argument conversion, dims, dtype of results."""
import numpy as np

from .. import _dtypes
from .._dims import normalize_dim, normalize_dims  # noqa: F401  (used by every op module)
from .._tensor import Tensor


def to_operand(value, op_name):
    """Tensors stay; numpy arrays become Tensors (keeping dtype); Python numbers stay (weak scalars)."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, (np.ndarray, np.generic)):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"{op_name}: unsupported operand dtype {value.dtype}")
        return Tensor._make(np.asarray(value))
    if isinstance(value, (list, tuple)):
        return Tensor(value)
    raise TypeError(
        f"{op_name}: unsupported operand type {type(value).__name__}; expected a Tensor, a numpy array or a number"
    )


def tensor_argument(value, op_name):
    """The tensor argument of an op: a Tensor as it is; a number, array or (nested) list
    becomes one (numbers get PyTorch's dtypes); anything else is a TypeError naming the op."""
    if type(value) is Tensor or isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, list, tuple)):
        return Tensor(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return to_operand(value, op_name)
    raise TypeError(f"{op_name}(): argument 'input' must be a Tensor, not {type(value).__name__}")


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


def pick_dim(dim, axis, op_name, default=None):
    """PyTorch's ``dim=`` with numpy's ``axis=`` accepted as an alias."""
    if axis is not None:
        if dim is not None and dim is not default:
            raise TypeError(f"{op_name}: got both dim={dim} and axis={axis}; pass one")
        return axis
    return dim
