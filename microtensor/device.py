"""``mt.device`` and the default device: only the CPU runs, other devices can be named.

As in PyTorch, ``mt.device('cuda')`` and ``mt.device('cuda:0')`` can be made and printed
(so ``device = mt.device('cuda' if mt.cuda.is_available() else 'cpu')`` works); only
*using* a device other than the CPU (``t.to('cuda')``, ``device='cuda'`` in a creation
call, ``mt.set_default_device('cuda')``) raises a ``RuntimeError``.
"""

from __future__ import annotations

from typing import Any, Optional, Union

_builtin_type = type  # the class below takes a parameter named `type`, as PyTorch's does

DEVICE_TYPES = (
    "cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve", "fpga", "maia", "xla",
    "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone",
)


class device:
    """A device name and optional index: ``device('cpu')``, ``device('cuda:0')``, ``device('cuda', 1)``."""

    def __init__(self, type: Union[str, device], index: Optional[int] = None) -> None:
        if isinstance(type, device):
            type, index = type.type, type.index if index is None else index
        elif isinstance(type, int) and not isinstance(type, bool):
            raise RuntimeError(
                f"device({type}): a bare index means the current accelerator, and none is available "
                f"(microtensor runs on the CPU only); use mt.device('cpu')"
            )
        elif not isinstance(type, str):
            raise TypeError(f"device() expects a string such as 'cpu' or 'cuda:0', got {_builtin_type(type).__name__}")
        else:
            type, index = _parse(type, index)
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, str):
            try:
                other = device(other)
            except (RuntimeError, TypeError):
                return False
        return isinstance(other, device) and other.type == self.type and other.index == self.index

    def __hash__(self) -> int:
        return hash((self.type, self.index))


DeviceLike = Union[device, str]  # a device or its name, "cpu" (re-exported by _typing)



def _parse(text, index):
    name, colon, number = text.partition(":")
    if name not in DEVICE_TYPES:
        raise RuntimeError(
            f"Expected one of {', '.join(DEVICE_TYPES)} device type at start of device string: {text}"
        )
    if colon:
        if index is not None:
            raise RuntimeError(f"type (string) must not include an index because index was passed explicitly: {text}")
        if not number.isdigit():
            raise RuntimeError(f"Invalid device string: '{text}'")
        index = int(number)
    if index is not None:
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"device(): index must be an int, got {_builtin_type(index).__name__}")
        if index < 0:
            raise RuntimeError(f"Device index must not be negative, got {index}")
    return name, index


def _type_of(value):
    if isinstance(value, device):
        return value.type
    return str(value).split(":")[0]


def check_device(value: Any) -> None:
    """Raise a clear error for any device other than the CPU (``None`` means the default, the CPU)."""
    if value is None:
        return
    if _type_of(value) != "cpu":
        raise RuntimeError(
            f"device '{value}' is not available: microtensor runs on the CPU only (numpy). "
            f"Use device='cpu' or leave the device out."
        )


cpu = device("cpu")
_default_device = cpu


def set_default_device(device_name: Optional[DeviceLike]) -> None:
    """Set the device new tensors are made on (``None`` resets it); only ``'cpu'`` is available."""
    global _default_device
    if device_name is None:
        _default_device = cpu
        return
    chosen = device_name if isinstance(device_name, device) else device(device_name)
    check_device(chosen)
    _default_device = chosen


def get_default_device() -> device:
    """The device new tensors are made on: ``device(type='cpu')``."""
    return _default_device
