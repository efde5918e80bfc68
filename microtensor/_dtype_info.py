"""``mt.finfo`` and ``mt.iinfo``: the limits of a dtype, as ``torch.finfo`` / ``torch.iinfo`` give them.

``mt.finfo(mt.float32).eps`` is the gap between 1 and the next float (the usual "small number"
added to a denominator); ``.max``, ``.min`` and ``.tiny`` are the largest, most negative and
smallest positive normal numbers. The values are Python numbers, as in PyTorch.
"""
import numpy as np

from . import _dtypes


class finfo:
    """The limits of a floating-point dtype (the default dtype when none is given)."""

    def __init__(self, type=None):
        dtype = _dtypes.get_default_dtype() if type is None else _dtypes.to_dtype(type)
        if dtype.kind != "f":
            raise TypeError(f"finfo: {dtype} is not a floating point dtype; use mt.iinfo for integer dtypes")
        info = np.finfo(dtype)
        self.dtype = str(dtype)
        self.bits = int(info.bits)
        self.eps = float(info.eps)
        self.max = float(info.max)
        self.min = float(info.min)
        self.tiny = self.smallest_normal = float(info.smallest_normal)
        # PyTorch's resolution is 10 ** -precision as a Python float (1e-06 for float32), not numpy's
        # float32(1e-06), which is 9.99999997e-07 as a Python float.
        self.resolution = 10.0 ** -int(info.precision)

    def __eq__(self, other):
        """Equal when for the same dtype, as ``torch.finfo(torch.float32) == torch.finfo(torch.float32)``."""
        return self.dtype == other.dtype if isinstance(other, finfo) else NotImplemented

    def __hash__(self):
        return hash(("finfo", self.dtype))

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, eps={self.eps:g}, "
                f"smallest_normal={self.smallest_normal:g}, tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype."""

    def __init__(self, type):
        dtype = _dtypes.to_dtype(type)
        if dtype.kind == "b":
            raise TypeError("iinfo: microtensor.bool is not supported by mt.iinfo (as in PyTorch); its values are False and True")
        if dtype.kind not in "iu":
            raise TypeError(f"iinfo: {dtype} is not an integer dtype; use mt.finfo for floating point dtypes")
        info = np.iinfo(dtype)
        self.bits, self.min, self.max = int(info.bits), int(info.min), int(info.max)
        self.dtype = str(dtype)

    def __eq__(self, other):
        """Equal when for the same dtype, as ``torch.iinfo(torch.int8) == torch.iinfo(torch.int8)``."""
        return self.dtype == other.dtype if isinstance(other, iinfo) else NotImplemented

    def __hash__(self):
        return hash(("iinfo", self.dtype))

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"
