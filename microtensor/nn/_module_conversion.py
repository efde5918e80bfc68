"""Converting a module's floating-point parameters and buffers to another dtype (``to``, ``float``,
``double``, ``half``), and the device methods of a CPU-only library (``cpu``, ``cuda``).

``_ModuleConversion`` is a base class of ``Module``.
"""
import numpy as np

from .. import _dtypes
from .._tensor import Tensor


class _ModuleConversion:
    """The dtype and device methods of ``Module`` (one of its base classes)."""

    def _convert(self, dtype):
        for module in self.modules():
            for registry in (module._parameters, module._buffers):
                for tensor in registry.values():
                    if tensor is None or tensor.dtype.kind != "f" or tensor.dtype == dtype:
                        continue
                    tensor._data = tensor._data.astype(dtype)
                    if tensor.grad is not None:
                        tensor._grad = Tensor._make(tensor.grad._data.astype(dtype))
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False, memory_format=None, **kwargs):
        """Convert floating-point parameters and buffers to ``dtype`` in place (same Parameter
        objects, so an optimizer built earlier keeps working); ``device`` may only be the CPU.
        ``non_blocking`` and ``memory_format`` are accepted and change nothing."""
        from ..device import check_device, device as device_type

        for arg in args:
            if isinstance(arg, Tensor):
                dtype = arg.dtype
            elif isinstance(arg, device_type) or (isinstance(arg, str) and not _is_dtype_name(arg)):
                device = arg
            elif isinstance(arg, bool):  # to(device, dtype, non_blocking) / to(tensor, non_blocking): nothing to wait for
                continue
            else:
                dtype = arg
        if kwargs:
            raise TypeError(f"to() got unexpected keyword argument(s) {sorted(kwargs)}")
        check_device(device)
        if dtype is not None:
            dtype = _dtypes.to_dtype(dtype)
            if dtype.kind != "f":
                raise TypeError(f"nn.Module.to only accepts floating point dtypes, but got desired dtype={dtype}")
            self._convert(dtype)
        return self

    def double(self):
        """Convert floating-point parameters and buffers to float64 (in place); returns self."""
        return self._convert(_dtypes.float64)

    def float(self):
        """Convert floating-point parameters and buffers to float32 (in place); returns self."""
        return self._convert(_dtypes.float32)

    def half(self):
        """Convert floating-point parameters and buffers to float16 (in place); returns self."""
        return self._convert(_dtypes.float16)

    def share_memory(self):
        """Nothing to do (one process, numpy memory); returns self, as PyTorch's does after moving storages."""
        return self

    def cpu(self):
        """Nothing to move: microtensor runs on the CPU only; returns self."""
        return self

    def cuda(self, device=None):
        """There is no GPU: raises the same clear error as ``to('cuda')``."""
        from ..device import check_device

        check_device("cuda" if device is None else device if not isinstance(device, int) else f"cuda:{device}")
        return self  # only reached for device='cpu'

    def type(self, dst_type):
        """Same as ``to(dst_type)``."""
        return self.to(dst_type)


def _is_dtype_name(text):
    try:
        np.dtype(text)
        return True
    except TypeError:
        return False
