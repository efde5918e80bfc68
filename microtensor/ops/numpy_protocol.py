"""Which numpy ufuncs and functions run as microtensor ops when handed a Tensor.

``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` look here. This is
what lets a built-in op write its backward rule once with numpy spellings
(``np.exp(x)``, ``np.where(m, g, 0)``, ``g.sum(axis=...)``) and have it work on
arrays (first-order backward) and on Tensors (``create_graph=True``).
"""
import functools

import numpy as np

from . import activation, arithmetic, elementwise, linalg, movement, reduction

@functools.lru_cache(maxsize=None)
def ufunc_table():
    """numpy ufunc -> microtensor op (built on first use)."""
    return {
        np.add: arithmetic.add,
        np.subtract: arithmetic.sub,
        np.multiply: arithmetic.mul,
        np.true_divide: arithmetic.div,
        np.power: arithmetic.pow,
        np.negative: arithmetic.neg,
        np.exp: elementwise.exp,
        np.log: elementwise.log,
        np.sqrt: elementwise.sqrt,
        np.absolute: elementwise.abs,
        np.sin: elementwise.sin,
        np.cos: elementwise.cos,
        np.sign: elementwise.sign,
        np.square: elementwise.square,
        np.reciprocal: elementwise.reciprocal,
        np.maximum: elementwise.maximum,
        np.minimum: elementwise.minimum,
        np.tanh: activation.tanh,
        np.equal: elementwise.eq,
        np.not_equal: elementwise.ne,
        np.less: elementwise.lt,
        np.less_equal: elementwise.le,
        np.greater: elementwise.gt,
        np.greater_equal: elementwise.ge,
        np.logical_not: elementwise.logical_not,
        np.logical_and: elementwise.logical_and,
        np.logical_or: elementwise.logical_or,
        np.matmul: linalg.matmul,
}



def _with_numpy_names(function, **renames):
    """Adapt numpy's keyword names (axis, keepdims, a_min, ...) to microtensor's."""

    def adapted(*args, **kwargs):
        for numpy_name, our_name in renames.items():
            if numpy_name in kwargs:
                kwargs[our_name] = kwargs.pop(numpy_name)
        return function(*args, **kwargs)

    return adapted


_reduction_names = {"axis": "dim", "keepdims": "keepdim"}

@functools.lru_cache(maxsize=None)
def function_table():
    """numpy function -> microtensor op (built on first use)."""
    return {
        np.sum: _with_numpy_names(reduction.sum, **_reduction_names),
        np.mean: _with_numpy_names(reduction.mean, **_reduction_names),
        np.amax: _with_numpy_names(reduction.amax, **_reduction_names),
        np.amin: _with_numpy_names(reduction.amin, **_reduction_names),
        np.max: _with_numpy_names(reduction.amax, **_reduction_names),
        np.min: _with_numpy_names(reduction.amin, **_reduction_names),
        np.where: elementwise.where,
        np.clip: _with_numpy_names(elementwise.clamp, a_min="min", a_max="max"),
        np.broadcast_to: movement.expand,
        np.reshape: movement.reshape,
        np.transpose: lambda a, axes=None: movement.permute(a, tuple(range(a.ndim - 1, -1, -1)) if axes is None else axes),
        np.swapaxes: movement.swapaxes,
        np.expand_dims: _with_numpy_names(movement.unsqueeze, axis="dim"),
        np.squeeze: _with_numpy_names(movement.squeeze, axis="dim"),
        np.concatenate: _with_numpy_names(movement.cat, axis="dim"),
        np.stack: _with_numpy_names(movement.stack, axis="dim"),
        np.shape: lambda a: a.shape,
        np.ndim: lambda a: a.ndim,
        np.size: lambda a: a.numel(),
        np.result_type: lambda *args: np.result_type(*[getattr(a, "dtype", a) for a in args]),
    }
