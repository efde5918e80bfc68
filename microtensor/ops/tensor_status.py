"""Questions a tensor answers about itself: ``is_nonzero``, ``is_same_size``, ``get_device``,
``is_cpu``, ``is_inference`` and ``output_nr`` (the facts about dims and dtype are in ``tensor_facts.py``)."""
from __future__ import annotations

from .._registry import op, tensor_method
from .._tensor import Tensor
from ._util import not_a_tensor_error


def _tensor_only(value, op_name, argument="input"):
    if not isinstance(value, Tensor):
        raise not_a_tensor_error(op_name, argument, value)
    return value


@op(method=True)
def is_nonzero(input: Tensor) -> bool:
    """The truth of a one-element tensor's value (``bool(t)``); a RuntimeError for any other number of elements."""
    x = _tensor_only(input, "is_nonzero")
    if x.numel() == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if x.numel() > 1:
        raise RuntimeError(
            f"Boolean value of Tensor with more than one value is ambiguous (shape {list(x.shape)}); use .any() or .all()"
        )
    return bool(x._data.reshape(()))


@op(method=True)
def is_same_size(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape (the dtypes may differ)."""
    return _tensor_only(input, "is_same_size").shape == _tensor_only(other, "is_same_size", "other").shape


@op(method=True)
def get_device(input: Tensor) -> int:
    """The index of the device the tensor lives on, -1 for the CPU (PyTorch's convention): always -1 here."""
    _tensor_only(input, "get_device")
    return -1


@tensor_method(kind="property")
def is_cpu(self: Tensor) -> bool:
    """True: every microtensor tensor lives in the CPU's memory."""
    return True


@tensor_method(kind="property")
def output_nr(self: Tensor) -> int:
    """Which output of the op that made it this tensor is (``a, b = x.chunk(2)``: 0 and 1); 0 for a leaf."""
    return self._output_nr


@tensor_method()
def is_inference(self: Tensor) -> bool:
    """False: microtensor does not mark tensors made under ``mt.inference_mode()``; they behave as tensors
    made under ``mt.no_grad()`` (PyTorch returns True for them and refuses them in recorded ops later)."""
    return False
