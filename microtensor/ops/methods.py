"""Tensor methods that are not ops of their own: conversions, comparisons with None,
in-place ops, in-place view ops and the autograd entry points.

Each is declared with ``@tensor_method`` and attached to ``Tensor`` by the registry's
one binding step (``microtensor/_registry.py``); the ops themselves declare their
methods and operators where they are defined.
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence, Union

import builtins

import numpy as np

from .. import _dtypes
from .._from_data import checked_scalar
from .._registry import TORCH_DTYPE_NAMES, tensor_method
from .._tensor import Tensor
from ..autograd import hooks
from ..autograd.hooks import RemovableHandle
from ..autograd.backward import backward as autograd_backward
from ..autograd.grad_mode import _state, enable_grad
from ..autograd.inplace import apply_inplace, write_untracked
from ..autograd.views import record_relayout
from ..device import check_device, device as _device
from . import (
    activation, arithmetic, clamping, comparison, copying, elementwise, exponentials, indexing, movement, rectifiers,
    rounding, selection, trigonometry,
)
from .._typing import DeviceLike, Dim, DTypeLike, Number, TensorLike


@tensor_method(kind="property")
def T(self: Tensor) -> Tensor:
    return movement.permute(self, tuple(range(self.ndim - 1, -1, -1)))

@tensor_method(kind="property")
def mT(self: Tensor) -> Tensor:
    """The last two dims swapped (a view): the transpose of each matrix in a batch."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mT is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return movement.transpose(self, -2, -1)

@tensor_method(kind="property")
def mH(self: Tensor) -> Tensor:
    """The conjugate transpose of each matrix; for real tensors (all of microtensor's) it is ``mT``."""
    if self.ndim < 2:
        raise RuntimeError(f"tensor.mH is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return movement.transpose(self, -2, -1)

@tensor_method()
def adjoint(self: Tensor) -> Tensor:
    """``t.adjoint()``: the view ``t.mH`` (the conjugate transpose, ``mT`` for real tensors)."""
    if self.ndim < 2:
        raise RuntimeError(f"adjoint() is only supported on matrices or batches of matrices. Got {self.ndim}-D tensor.")
    return movement.transpose(self, -2, -1)

@tensor_method()
def backward(
    self: Tensor, gradient: Optional[Tensor] = None, retain_graph: Optional[bool] = None, create_graph: bool = False,
    inputs: Optional[Sequence[Tensor]] = None,
) -> None:
    """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (reverse mode)."""
    autograd_backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs)

@tensor_method()
def retain_grad(self: Tensor) -> None:
    """Keep this non-leaf tensor's gradient in ``.grad`` on backward (leaves always keep theirs)."""
    hooks.retain_grad(self)

@tensor_method(kind="property")
def retains_grad(self: Tensor) -> bool:
    return bool(self.__dict__.get("_retains_grad"))

@tensor_method()
def register_hook(self: Tensor, hook: Callable[[Tensor], Optional[Tensor]]) -> RemovableHandle:
    """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it.

    Returns a handle whose ``remove()`` takes the hook away again.
    """
    return hooks.register_hook(self, hook)

@tensor_method()
def to(
    self: Tensor, *args: Union[DTypeLike, DeviceLike, Tensor], dtype: Optional[DTypeLike] = None,
    device: Optional[DeviceLike] = None, copy: bool = False, **kwargs: Any,
) -> Tensor:
    """Convert dtype (``t.to(mt.float64)``) or device (only ``'cpu'`` exists)."""
    for arg in args:
        if isinstance(arg, Tensor):
            dtype = arg.dtype
        elif _is_device_like(arg):
            device = arg
        else:
            dtype = arg
    if device is not None:
        check_device(device)
    if dtype is None or _dtypes.to_dtype(dtype) == self.dtype:
        return self.clone() if copy else self
    return copying.cast(self, _dtypes.to_dtype(dtype))

@tensor_method("type")
def convert_type(self: Tensor, dtype: Optional[DTypeLike] = None) -> Union[str, Tensor]:
    """``t.type()``: the legacy type name, ``'microtensor.FloatTensor'`` (PyTorch's ``'torch.FloatTensor'``);
    ``t.type(dtype)``: ``t.to(dtype)``, where ``dtype`` may also be a legacy name or class
    (``'torch.DoubleTensor'``, ``mt.LongTensor``)."""
    if dtype is None:
        return f"microtensor.{TORCH_DTYPE_NAMES[self.dtype.name]}Tensor"
    if isinstance(dtype, str) and dtype.endswith("Tensor"):
        legacy = dtype.rsplit(".", 1)[-1][: -len("Tensor")]
        names = {name: numpy_name for numpy_name, name in TORCH_DTYPE_NAMES.items()}
        if legacy not in names:
            raise ValueError(f"type(): invalid type {dtype!r}; use a dtype (mt.float64) or a name like 'torch.DoubleTensor'")
        dtype = names[legacy]
    return self.to(dtype)

@tensor_method()
def type_as(self: Tensor, other: Tensor) -> Tensor:
    return self.to(other.dtype)

@tensor_method("float")
def to_float(self: Tensor) -> Tensor:
    return self.to(_dtypes.float32)

@tensor_method("double")
def to_double(self: Tensor) -> Tensor:
    return self.to(_dtypes.float64)

@tensor_method("half")
def to_half(self: Tensor) -> Tensor:
    return self.to(_dtypes.float16)

@tensor_method("long")
def to_long(self: Tensor) -> Tensor:
    return self.to(_dtypes.int64)

@tensor_method("int")
def to_int(self: Tensor) -> Tensor:
    return self.to(_dtypes.int32)

@tensor_method("bool")
def to_bool(self: Tensor) -> Tensor:
    return self.to(_dtypes.bool)

@tensor_method("short")
def to_short(self: Tensor) -> Tensor:
    return self.to(_dtypes.int16)

@tensor_method("byte")
def to_byte(self: Tensor) -> Tensor:
    return self.to(_dtypes.uint8)

@tensor_method("char")
def to_char(self: Tensor) -> Tensor:
    return self.to(_dtypes.int8)

@tensor_method()
def contiguous(self: Tensor) -> Tensor:
    """This tensor if its elements lie in row-major order in memory, else a contiguous copy."""
    if self._data.flags.c_contiguous:
        return self
    return movement.contiguous(self)


@tensor_method()
def __eq__(self: Tensor, other: Any) -> Any:
    if other is None or isinstance(other, str):
        return False  # as PyTorch: `t == None` is False, not an error
    return comparison.eq(self, other)

@tensor_method()
def __ne__(self: Tensor, other: Any) -> Any:
    if other is None or isinstance(other, str):
        return True
    return comparison.ne(self, other)

@tensor_method()
def _apply_inplace(self: Tensor, op_name: str, compute: Callable[[], Tensor]) -> Tensor:
    """Run ``compute()`` out of place, then write the result into this tensor (autograd/inplace.py)."""
    return apply_inplace(self, op_name, compute)

@tensor_method()
def add_(self: Tensor, other: TensorLike, alpha: Number = 1) -> Tensor:
    return self._apply_inplace("add_", lambda: self.add(other, alpha=alpha))

@tensor_method()
def sub_(self: Tensor, other: TensorLike, alpha: Number = 1) -> Tensor:
    return self._apply_inplace("sub_", lambda: self.sub(other, alpha=alpha))

@tensor_method()
def mul_(self: Tensor, other: TensorLike) -> Tensor:
    return self._apply_inplace("mul_", lambda: arithmetic.mul(self, other))

@tensor_method()
def div_(self: Tensor, other: TensorLike, *, rounding_mode: Optional[str] = None) -> Tensor:
    return self._apply_inplace("div_", lambda: arithmetic.div(self, other, rounding_mode=rounding_mode))

@tensor_method()
def pow_(self: Tensor, exponent: TensorLike) -> Tensor:
    return self._apply_inplace("pow_", lambda: arithmetic.pow(self, exponent))

@tensor_method()
def clamp_(self: Tensor, min: Optional[TensorLike] = None, max: Optional[TensorLike] = None) -> Tensor:
    return self._apply_inplace("clamp_", lambda: clamping.clamp(self, min, max))

tensor_method("clip_")(clamp_)

@tensor_method()
def neg_(self: Tensor) -> Tensor:
    return self._apply_inplace("neg_", lambda: arithmetic.neg(self))

@tensor_method()
def exp_(self: Tensor) -> Tensor:
    return self._apply_inplace("exp_", lambda: exponentials.exp(self))

tensor_method("multiply_")(mul_)
tensor_method("divide_")(div_)
tensor_method("subtract_")(sub_)
tensor_method("negative_")(neg_)

@tensor_method()
def true_divide(self: Tensor, other: TensorLike) -> Tensor:
    """``self / other`` (``div`` without a rounding mode)."""
    return arithmetic.div(self, other)

@tensor_method()
def true_divide_(self: Tensor, other: TensorLike) -> Tensor:
    return self._apply_inplace("true_divide_", lambda: arithmetic.div(self, other))

@tensor_method()
def zero_(self: Tensor) -> Tensor:
    return self.fill_(0)

@tensor_method()
def fill_(self: Tensor, value: Number) -> Tensor:
    """Set every element to ``value`` (no gradient flows to the old values); a number must fit the
    dtype as PyTorch checks it (``checked_scalar``: ``fill_(300)`` on int8 raises, -1 on uint8 is 255)."""
    number = isinstance(value, (builtins.bool, builtins.int, builtins.float, np.generic))
    if number:
        value = checked_scalar(value, self._data.dtype, "fill_")
    if number and write_untracked(self, "fill_", value):  # the common case (zeroing a buffer): no graph to keep
        return self
    return self._apply_inplace("fill_", lambda: copying.full_like_value(self, value))

@tensor_method()
def copy_(self: Tensor, source: TensorLike, non_blocking: bool = False) -> Tensor:
    """Copy ``source`` (broadcast to this tensor's shape, cast to its dtype) into this tensor.
    ``non_blocking`` is accepted for PyTorch code and changes nothing (there is one device)."""
    return self._apply_inplace("copy_", lambda: copying.copy_from(self, source))

@tensor_method()
def _become(self: Tensor, op_name: str, compute: Callable[[], Tensor]) -> Tensor:
    """An in-place view op (``t_``, ``transpose_``, ...): this tensor takes the view's shape and history."""
    if _state.enabled:
        if self._requires_grad and self._grad_fn is None:
            raise RuntimeError(
                f"{op_name}: a leaf Variable that requires grad is being used in an in-place operation. "
                f"Use the out-of-place form, or wrap the call in `with mt.no_grad():`."
            )
    old_shape = self.shape
    if not _state.enabled and self._grad_fn is not None:
        with enable_grad():  # the values do not change: keep the history, with the view op in it
            result = compute()
    else:
        result = compute()
    self._data = result._data
    self._grad_fn = result._grad_fn
    self._requires_grad = result._requires_grad or self._requires_grad
    if self._output_nr:
        self._output_nr = 0
    self._version_counter[0] += 1  # a new layout of the same memory: a new version, as in PyTorch
    view = result._view
    if view is not None and view[0] is not self:
        self._view = view
    elif self._view is not None:
        self._view = None
    elif view is not None:  # a base re-laid: its older views' steps must start from the old layout (views.py)
        record_relayout(self, view[1], old_shape)
    return self

@tensor_method()
def t_(self: Tensor) -> Tensor:
    return self._become("t_", lambda: self.t())

@tensor_method()
def transpose_(self: Tensor, dim0: int, dim1: int) -> Tensor:
    return self._become("transpose_", lambda: self.transpose(dim0, dim1))

tensor_method("swapdims_")(transpose_)
tensor_method("swapaxes_")(transpose_)

@tensor_method()
def squeeze_(self: Tensor, dim: Optional[Dim] = None) -> Tensor:
    return self._become("squeeze_", lambda: self.squeeze(dim))

@tensor_method()
def unsqueeze_(self: Tensor, dim: int) -> Tensor:
    return self._become("unsqueeze_", lambda: self.unsqueeze(dim))

@tensor_method()
def __iadd__(self: Tensor, other: TensorLike) -> Tensor:
    return self.add_(other)

@tensor_method()
def __isub__(self: Tensor, other: TensorLike) -> Tensor:
    return self.sub_(other)

@tensor_method()
def __imul__(self: Tensor, other: TensorLike) -> Tensor:
    return self.mul_(other)

@tensor_method()
def __itruediv__(self: Tensor, other: TensorLike) -> Tensor:
    return self.div_(other)

@tensor_method()
def __ipow__(self: Tensor, other: TensorLike) -> Tensor:
    return self.pow_(other)

@tensor_method()
def round_(self: Tensor, *, decimals: int = 0) -> Tensor:
    return self._apply_inplace("round_", lambda: rounding.round(self, decimals=decimals))

@tensor_method()
def __setitem__(self: Tensor, index: Any, value: TensorLike) -> None:
    self._apply_inplace("__setitem__", lambda: indexing.index_put(self, index, value))


_INPLACE_UNARY = (
    (elementwise, ("abs", "sqrt")),
    (exponentials, ("log", "log2", "log10", "log1p", "expm1")),
    (rounding, ("floor", "ceil", "trunc", "frac")),
    (trigonometry, ("sin", "cos")),
    (elementwise, ("sign", "square", "reciprocal")),
    (rectifiers, ("relu",)),
    (activation, ("sigmoid", "tanh")),
)


def _inplace_method(name: str, op: Callable[[Tensor], Tensor]) -> Callable[[Tensor], Tensor]:
    def method(self: Tensor) -> Tensor:
        return apply_inplace(self, name + "_", lambda: op(self))

    method.__name__ = name + "_"
    method.__doc__ = f"In-place ``{name}``: ``t.{name}_()`` writes ``mt.{name}(t)`` into ``t``."
    return method


for _module, _names in _INPLACE_UNARY:
    for _name in _names:
        tensor_method(_name + "_")(_inplace_method(_name, getattr(_module, _name)))
tensor_method("absolute_")(_inplace_method("absolute", elementwise.abs))


@tensor_method()
def where(self: Tensor, condition: Tensor, other: TensorLike) -> Tensor:
    """``condition ? self : other`` elementwise (PyTorch's ``Tensor.where``)."""
    return selection.where(condition, self, other)


def _is_device_like(value):
    return isinstance(value, _device) or (isinstance(value, str) and not _looks_like_dtype(value))


def _looks_like_dtype(text):
    try:
        np.dtype(text)
        return True
    except TypeError:
        return False
