"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``arange``, ``rand``, ``rand_like`` ... and the
Tensor methods ``t.new_zeros(...)``, ``t.new_tensor(...)`` ... that make tensors like ``t``.

Every function takes ``dtype=``, ``requires_grad=`` and ``device=`` (only ``'cpu'``),
as in PyTorch. Shapes may be given as ``zeros(2, 3)`` or ``zeros((2, 3))``.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _dtypes
from . import random as _random
from .device import check_device
from ._registry import tensor_method
from ._from_data import checked_scalar
from ._tensor import Tensor, _new_tensor, as_array
from .autograd.grad_mode import _state
from .random import Generator
from ._typing import DeviceLike, DTypeLike, Number, ShapeArg


def _finish(array, requires_grad, device):
    check_device(device)
    tensor = Tensor._make(array)
    if requires_grad:
        tensor.requires_grad = True
    if _state.recorder is not None:
        _state.recorder.on_created(tensor)
    return tensor


def _shape(size, op_name, size_kw=None):
    if size_kw is not None:  # torch.zeros(size=(2, 3))
        if size:
            raise TypeError(f"{op_name}() got the shape both positionally {tuple(size)} and as size={size_kw!r}")
        size = tuple(size_kw) if isinstance(size_kw, (tuple, list)) else (size_kw,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    # a 0-d integer tensor is a size too, as in PyTorch (mt.zeros(n) with n = mask.sum())
    size = tuple(_size_of_tensor(value) if isinstance(value, Tensor) else value for value in size)
    for value in size:
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"{op_name}: size must be ints, got {size!r}")
        if value < 0:
            raise RuntimeError(f"{op_name}: Trying to create tensor with negative dimension {value}: {tuple(size)}")
    return tuple(int(value) for value in size)


def _size_of_tensor(value):
    """A 0-d integer tensor as the int it holds; any other tensor stays (and is refused as a size)."""
    if value.ndim == 0 and value.dtype.kind in "iu":
        return int(value._data)
    return value


def _sizes(size, size_kw, op_name, example="mt.{op}(2, 3)"):
    """The shape given to ``zeros(*size)`` and the like: required, as in PyTorch (``mt.zeros()`` is
    an error; ``mt.zeros(())`` is the 0-d tensor)."""
    size_kw = _size_kw(size_kw, op_name)
    if not size and size_kw is None:
        raise TypeError(
            f"{op_name}() missing 1 required positional argument: 'size', e.g. {example.format(op=op_name)} "
            f"(or {example.format(op=op_name).replace('2, 3', '()')} for a 0-d tensor)"
        )
    return _shape(size, op_name, size_kw)


def _size_kw(kwargs, op_name):
    """The ``size=`` keyword PyTorch also accepts (``mt.zeros(size=(2, 3))``); nothing else."""
    unknown = sorted(set(kwargs) - {"size"})
    if unknown:
        raise TypeError(f"{op_name}() got an unexpected keyword argument '{unknown[0]}'")
    return kwargs.get("size")


def _float_dtype(dtype):
    return _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)


def tensor(
    data: Any, dtype: Optional[DTypeLike] = None, requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    """A new tensor holding a copy of ``data`` (Python numbers, nested lists, arrays, tensors).

    Python floats become the default dtype (float32), ints int64, bools bool; a
    numpy array keeps its dtype.
    """
    return _finish(as_array(data, dtype), requires_grad, device)


def as_tensor(data: Any, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None) -> Tensor:
    """Like ``tensor`` but without a copy when ``data`` already is a tensor or array of that dtype."""
    if isinstance(data, Tensor) and (dtype is None or _dtypes.to_dtype(dtype) == data.dtype):
        return data
    if isinstance(data, np.ndarray) and data.dtype.isnative and (dtype is None or _dtypes.to_dtype(dtype) == data.dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with ``array`` (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    dtype = array.dtype
    if dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: can't convert an array of dtype {dtype}; supported: float, int, uint, bool")
    if not dtype.isnative:  # PyTorch's dtypes are native-endian; a copy would break the memory sharing
        raise ValueError(
            f"from_numpy: the array has non-native byte order (dtype {dtype.str!r}) and can't share memory; "
            f"use mt.tensor(array) or mt.as_tensor(array), which copy it to the native byte order"
        )
    tensor = _new_tensor(array)
    if _state.recorder is not None:
        _state.recorder.on_created(tensor)
    return tensor


def zeros(
    *size: ShapeArg, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None, **size_kw: ShapeArg,
) -> Tensor:
    """A tensor of zeros of the given shape."""
    return _finish(np.zeros(_sizes(size, size_kw, "zeros"), _float_dtype(dtype)), requires_grad, device)


def ones(
    *size: ShapeArg, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None, **size_kw: ShapeArg,
) -> Tensor:
    """A tensor of ones of the given shape."""
    return _finish(np.ones(_sizes(size, size_kw, "ones"), _float_dtype(dtype)), requires_grad, device)


def empty(
    *size: ShapeArg, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None, **size_kw: ShapeArg,
) -> Tensor:
    """An uninitialised tensor of the given shape (zeros here: numpy's empty memory is not worth the surprise)."""
    return _finish(np.zeros(_sizes(size, size_kw, "empty"), _float_dtype(dtype)), requires_grad, device)


def full(
    size: ShapeArg, fill_value: Number, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None,
) -> Tensor:
    """A tensor of the given shape filled with ``fill_value`` (dtype inferred from it, as in PyTorch)."""
    if isinstance(size, (int, np.integer)):
        size = (size,)
    fill_value = _scalar(fill_value, "full")
    if dtype is None:
        dtype = _dtypes.scalar_dtype(fill_value)
    dtype = _dtypes.to_dtype(dtype)
    return _finish(np.full(_shape(tuple(size), "full"), _fill_value(fill_value, dtype, "full"), dtype), requires_grad, device)


def _scalar(value, op_name):
    """A fill value: a number, or the number a 0-d tensor holds (``full(s, t.max())``), as PyTorch."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise TypeError(
                f"{op_name}(): argument 'fill_value' must be a number or a 0-d tensor, got a tensor of shape "
                f"{value.shape}; use t.item() for a one-element tensor"
            )
        return value.item()
    return value


def _fill_value(value, dtype, op_name):
    """``value`` converted to ``dtype`` by PyTorch's checked rule (out of range raises rather than wraps)."""
    if not isinstance(value, (int, float, np.generic)):
        raise TypeError(f"{op_name}: fill_value must be a number, got {type(value).__name__}: {value!r}")
    return checked_scalar(value, dtype, op_name)


def _like(input, dtype):
    return input.dtype if dtype is None else _dtypes.to_dtype(dtype)


def zeros_like(
    input: Tensor, dtype: Optional[DTypeLike] = None, requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    """Zeros with the shape (and by default the dtype) of ``input``."""
    return _finish(np.zeros(input.shape, _like(input, dtype)), requires_grad, device)


def ones_like(
    input: Tensor, dtype: Optional[DTypeLike] = None, requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    """Ones with the shape (and by default the dtype) of ``input``."""
    return _finish(np.ones(input.shape, _like(input, dtype)), requires_grad, device)


def empty_like(
    input: Tensor, dtype: Optional[DTypeLike] = None, requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    return zeros_like(input, dtype=dtype, requires_grad=requires_grad, device=device)


def full_like(
    input: Tensor, fill_value: Number, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None,
) -> Tensor:
    dtype = _like(input, dtype)
    fill_value = _fill_value(_scalar(fill_value, "full_like"), dtype, "full_like")
    return _finish(np.full(input.shape, fill_value, dtype), requires_grad, device)


def eye(
    n: int, m: Optional[int] = None, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None,
) -> Tensor:
    """The ``n x m`` identity matrix."""
    n, m = (_size_of_tensor(value) if isinstance(value, Tensor) else value for value in (n, m))
    for name, value in (("n", n), ("m", m)):
        if value is None:
            continue
        if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
            raise TypeError(f"eye(): argument '{name}' must be int, not {type(value).__name__} ({value!r})")
        if value < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {value}")
    return _finish(np.eye(n, n if m is None else m, dtype=_float_dtype(dtype)), requires_grad, device)


def _random_float_dtype(dtype, op_name, kernel):
    """The floating dtype to sample in (PyTorch has no uniform or normal kernel for integers)."""
    dtype = _float_dtype(dtype)
    if dtype.kind != "f":
        raise NotImplementedError(
            f"{op_name}: \"{kernel}\" is not implemented for dtype {dtype}; sampling needs a floating dtype "
            f"(e.g. dtype=mt.float32), or use mt.randint for integers"
        )
    return dtype


def rand(
    *size: ShapeArg, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None, generator: Optional[Generator] = None, **size_kw: ShapeArg,
) -> Tensor:
    """Uniform samples in [0, 1) from microtensor's generator (seed it with ``mt.manual_seed``)."""
    dtype = _random_float_dtype(dtype, "rand", "uniform")
    rng = _random.numpy_rng(generator)
    array = rng.random(_sizes(size, size_kw, "rand")).astype(dtype)
    return _finish(array, requires_grad, device)


def randn(
    *size: ShapeArg, dtype: Optional[DTypeLike] = None, requires_grad: bool = False,
    device: Optional[DeviceLike] = None, generator: Optional[Generator] = None, **size_kw: ShapeArg,
) -> Tensor:
    """Standard normal samples from microtensor's generator."""
    dtype = _random_float_dtype(dtype, "randn", "normal")
    rng = _random.numpy_rng(generator)
    array = rng.standard_normal(_sizes(size, size_kw, "randn")).astype(dtype)
    return _finish(array, requires_grad, device)


def _check_fits(low, high, dtype, op_name):
    """PyTorch's random_ check: ``low`` and ``high - 1`` must be values of ``dtype`` (no wrapping)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        smallest, largest = 0, 1
    elif dtype.kind in "iu":
        smallest, largest = int(np.iinfo(dtype).min), int(np.iinfo(dtype).max)
    else:
        largest = float(np.finfo(dtype).max)
        smallest = -largest
    for name, value in (("from", low), ("to - 1", high - 1)):
        if not smallest <= value <= largest:
            raise RuntimeError(
                f"{op_name}: {name} = {value} is out of bounds for {dtype} (it takes {smallest} to {largest}); "
                f"use a wider dtype"
            )


def _check_integer_range(low, high, op_name):
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise TypeError(f"{op_name}: {name} must be an int, got {type(value).__name__} ({value!r})")
    if high <= low:
        raise RuntimeError(
            f"{op_name}: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
        )


def randint(
    low: int = 0, high: Optional[int] = None, size: Optional[ShapeArg] = None, dtype: Optional[DTypeLike] = None,
    requires_grad: bool = False, device: Optional[DeviceLike] = None, generator: Optional[Generator] = None,
) -> Tensor:
    """Integers uniform in ``[low, high)`` of shape ``size`` (``randint(high, size)`` also works)."""
    if high is None or (size is None and isinstance(high, (tuple, list))):
        if size is None and isinstance(high, (tuple, list)):
            low, high, size = 0, low, high
        else:
            low, high = 0, low
    if size is None:
        raise TypeError("randint: missing the size argument, e.g. mt.randint(0, 10, (3,))")
    _check_integer_range(low, high, "randint")
    dtype = _dtypes.int64 if dtype is None else _dtypes.to_dtype(dtype)
    _check_fits(low, high, dtype, "randint")
    rng = _random.numpy_rng(generator)
    array = rng.integers(low, high, size=_shape(tuple(size), "randint")).astype(dtype)
    return _finish(array, requires_grad, device)


def randperm(
    n: int, dtype: Optional[DTypeLike] = None, requires_grad: bool = False, device: Optional[DeviceLike] = None,
    generator: Optional[Generator] = None,
) -> Tensor:
    """A random permutation of ``0 .. n-1``."""
    (n,) = _shape((n,), "randperm")
    rng = _random.numpy_rng(generator)
    return _finish(rng.permutation(n).astype(_dtypes.int64 if dtype is None else _dtypes.to_dtype(dtype)), requires_grad, device)


def rand_like(
    input: Tensor, *, generator: Optional[Generator] = None, dtype: Optional[DTypeLike] = None,
    requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    """Uniform samples in [0, 1) with the shape (and by default the dtype) of ``input``."""
    dtype = _random_float_dtype(_like(input, dtype), "rand_like", "uniform")
    array = _random.numpy_rng(generator).random(input.shape).astype(dtype)
    return _finish(array, requires_grad, device)


def randn_like(
    input: Tensor, *, generator: Optional[Generator] = None, dtype: Optional[DTypeLike] = None,
    requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    """Standard normal samples with the shape (and by default the dtype) of ``input``."""
    dtype = _random_float_dtype(_like(input, dtype), "randn_like", "normal")
    array = _random.numpy_rng(generator).standard_normal(input.shape).astype(dtype)
    return _finish(array, requires_grad, device)


def randint_like(
    input: Tensor, low: int = 0, high: Optional[int] = None, *, generator: Optional[Generator] = None,
    dtype: Optional[DTypeLike] = None, requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    """Integers uniform in ``[low, high)`` with the shape (and by default the dtype) of ``input``.

    ``randint_like(x, 10)`` draws from ``[0, 10)``, ``randint_like(x, 3, 10)`` from ``[3, 10)``.
    """
    if high is None:
        low, high = 0, low
    _check_integer_range(low, high, "randint_like")
    dtype = _like(input, dtype)
    _check_fits(low, high, dtype, "randint_like")
    array = _random.numpy_rng(generator).integers(low, high, size=input.shape).astype(dtype)
    return _finish(array, requires_grad, device)


# ------------------------------------------------ t.new_*: tensors like this one
def _new_dtype(self, dtype):
    return self.dtype if dtype is None else _dtypes.to_dtype(dtype)


def _new_shape(size, size_kw, op_name):
    return _sizes(size, size_kw, op_name, example="t.{op}(2, 3)")


@tensor_method()
def new_tensor(
    self: Tensor, data: Any, *, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None,
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor holding a copy of ``data``, with this tensor's dtype unless ``dtype`` is given."""
    if isinstance(data, Tensor):
        data = data._data
    return _finish(np.array(as_array(data, None), dtype=_new_dtype(self, dtype), copy=True), requires_grad, device)


@tensor_method()
def new_zeros(
    self: Tensor, *size: ShapeArg, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None,
    requires_grad: bool = False, **size_kw: ShapeArg,
) -> Tensor:
    """Zeros of the given shape, with this tensor's dtype unless ``dtype`` is given."""
    shape = _new_shape(size, size_kw, "new_zeros")
    return _finish(np.zeros(shape, _new_dtype(self, dtype)), requires_grad, device)


@tensor_method()
def new_ones(
    self: Tensor, *size: ShapeArg, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None,
    requires_grad: bool = False, **size_kw: ShapeArg,
) -> Tensor:
    """Ones of the given shape, with this tensor's dtype unless ``dtype`` is given."""
    shape = _new_shape(size, size_kw, "new_ones")
    return _finish(np.ones(shape, _new_dtype(self, dtype)), requires_grad, device)


@tensor_method()
def new_empty(
    self: Tensor, *size: ShapeArg, dtype: Optional[DTypeLike] = None, device: Optional[DeviceLike] = None,
    requires_grad: bool = False, **size_kw: ShapeArg,
) -> Tensor:
    """An uninitialised tensor (zeros here, as ``mt.empty``) of the given shape and this tensor's dtype."""
    shape = _new_shape(size, size_kw, "new_empty")
    return _finish(np.zeros(shape, _new_dtype(self, dtype)), requires_grad, device)


@tensor_method()
def new_full(
    self: Tensor, size: ShapeArg, fill_value: Number, *, dtype: Optional[DTypeLike] = None,
    device: Optional[DeviceLike] = None, requires_grad: bool = False,
) -> Tensor:
    """A tensor of shape ``size`` (a tuple or list) filled with ``fill_value``, in this tensor's dtype."""
    if not isinstance(size, (tuple, list)):
        raise TypeError(f"new_full(): argument 'size' (position 1) must be tuple of ints, not {type(size).__name__}")
    dtype = _new_dtype(self, dtype)
    fill_value = _fill_value(_scalar(fill_value, "new_full"), dtype, "new_full")
    return _finish(np.full(_shape(tuple(size), "new_full"), fill_value, dtype), requires_grad, device)
