"""numpy functions that are not microtensor ops but must accept a Tensor.

Most of numpy's dispatch is declared on the ops themselves (``@op(numpy=np.exp)``);
``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` look those up in the
registry. That is what lets a built-in op write its backward rule once with numpy
spellings (``np.exp(x)``, ``np.where(m, g, 0)``, ``g.sum(axis=...)``) and have it work
on arrays (first-order backward) and on Tensors (``create_graph=True``).
"""
import numpy as np

from .._registry import numpy_dispatch
from . import movement


@numpy_dispatch(np.transpose)
def _transpose(a, axes=None):
    return movement.permute(a, tuple(range(a.ndim - 1, -1, -1)) if axes is None else axes)


@numpy_dispatch(np.shape)
def _shape(a):
    return a.shape


@numpy_dispatch(np.ndim)
def _ndim(a):
    return a.ndim


@numpy_dispatch(np.size)
def _size(a, axis=None):
    return a.numel() if axis is None else a.shape[axis]


@numpy_dispatch(np.result_type)
def _result_type(*args):
    return np.result_type(*[getattr(a, "dtype", a) for a in args])
