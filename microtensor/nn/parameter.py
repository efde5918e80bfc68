"""``Parameter``: a Tensor that a ``Module`` registers as one of its learnable weights.

Assigning a ``Parameter`` to a module attribute (``self.weight = Parameter(...)``)
registers it, so ``module.parameters()`` finds it. It requires grad by default.
"""
import numpy as np

from .._tensor import Tensor, as_array


class Parameter(Tensor):
    """A learnable tensor: ``Parameter(data, requires_grad=True)``.

    Built from a Tensor it shares that tensor's memory (as PyTorch does); built from
    other data (lists, arrays) it copies it.
    """

    def __init__(self, data=None, requires_grad=True):
        if isinstance(data, Tensor):  # share memory (and in-place version) with the wrapped tensor
            self._data = data._data
            self._grad = None
            self._requires_grad = False
            self._grad_fn = None
            self._version_counter = data._version_counter
        else:
            array = np.empty((0,), dtype=_default_dtype()) if data is None else as_array(data)
            Tensor.__init__(self, array, requires_grad=False)
        if requires_grad:
            if self._data.dtype.kind != "f":
                raise RuntimeError(
                    f"Only Tensors of floating point dtype can require gradients, got a Parameter of dtype "
                    f"{self._data.dtype}; pass float data or Parameter(data, requires_grad=False)"
                )
            self.requires_grad = True

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        result = Parameter(Tensor._make(self._data.copy()), self.requires_grad)
        if self.grad is not None:
            result._grad = Tensor._make(self.grad._data.copy())
        memo[id(self)] = result
        return result


def _default_dtype():
    from .. import _dtypes

    return _dtypes.get_default_dtype()
