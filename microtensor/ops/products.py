"""Products of whole tensors: ``tensordot`` (sums over chosen pairs of dims), ``kron`` (the
Kronecker product), ``addr`` (``beta * input + alpha * outer(vec1, vec2)``), ``vdot`` (the dot
product of two vectors, conjugating the first: for real tensors it is ``dot``) and
``chain_matmul`` (PyTorch's deprecated name for ``linalg.multi_dot``).

All are compositions of ``permute``, ``reshape``, ``*`` and ``matmul``, so their gradients are
those ops' gradients: ``tensordot(a, b)`` sends ``g`` back as ``g . b`` and ``a . g`` over the
free dims; ``kron(a, b)[i*m + k] = a[i] b[k]`` sends ``sum_k g[i*m + k] b[k]`` to ``a[i]``.
"""
from __future__ import annotations

import warnings
from typing import Sequence, Tuple, Union

import numpy as np

from ..autograd.inplace import apply_inplace
from .._registry import TORCH_DTYPE_NAMES, op, tensor_method
from .._tensor import Tensor
from .._typing import Number, TensorLike
from ._util import normalize_dim, tensor_argument as _tensor
from .affine_combinations import _scaled_sum
from .linalg import matmul
from .solvers import multi_dot

def _dtype_name(tensor):
    return TORCH_DTYPE_NAMES[tensor.dtype.name]


def _contracted_dims(dims, a, b):
    """The two lists of dims ``tensordot`` sums over: the last ``dims`` of ``a`` with the first of ``b``,
    or the pair of lists given."""
    if isinstance(dims, Tensor):
        dims = dims.tolist()
    if isinstance(dims, bool) or not isinstance(dims, (int, list, tuple)):
        raise TypeError(f"tensordot(): dims must be an int or a pair of lists of dims, not {type(dims).__name__}")
    if isinstance(dims, int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        if dims > min(a.ndim, b.ndim):
            raise RuntimeError(f"tensordot expects dims < ndim_a or ndim_b, but got dims={dims}")
        return list(range(a.ndim - dims, a.ndim)), list(range(dims))
    if len(dims) != 2:
        raise RuntimeError(f"tensordot(): dims must be an int or a pair of lists of dims, got {dims!r}")
    dims_a, dims_b = ([d] if isinstance(d, int) else list(d) for d in dims)
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    return ([normalize_dim(d, a.ndim, "tensordot") for d in dims_a],
            [normalize_dim(d, b.ndim, "tensordot") for d in dims_b])


@op(numpy=np.tensordot, numpy_names={"axes": "dims"}, out=True)
def tensordot(a: Tensor, b: Tensor, dims: Union[int, Tensor, Sequence[Sequence[int]]] = 2) -> Tensor:
    """Sum of products over pairs of dims: ``dims=n`` pairs the last n dims of ``a`` with the first n of
    ``b``; ``dims=([1, 0], [0, 2])`` names the pairs. The result has ``a``'s free dims then ``b``'s."""
    a, b = _tensor(a, "tensordot"), _tensor(b, "tensordot")
    if a.dtype != b.dtype:
        raise RuntimeError(f"tensordot: both inputs should have same dtype, got {_dtype_name(a)} and {_dtype_name(b)}")
    dims_a, dims_b = _contracted_dims(dims, a, b)
    for da, db in zip(dims_a, dims_b):
        if a.shape[da] != b.shape[db]:
            raise RuntimeError(f"contracted dimensions need to match, but first has size {a.shape[da]} in dim {da} "
                               f"and second has size {b.shape[db]} in dim {db}")
    free_a = [d for d in range(a.ndim) if d not in dims_a]
    free_b = [d for d in range(b.ndim) if d not in dims_b]
    size = 1
    for d in dims_a:
        size *= a.shape[d]
    left = a.permute(*free_a, *dims_a).reshape(-1, size)
    right = b.permute(*dims_b, *free_b).reshape(size, -1)
    shape = tuple(a.shape[d] for d in free_a) + tuple(b.shape[d] for d in free_b)
    return matmul(left, right).reshape(shape)


@op(method=True, numpy=np.kron, out=True)
def kron(input: Tensor, other: Tensor) -> Tensor:
    """The Kronecker product: blocks ``input[i, j] * other`` laid out in ``input``'s shape; the shorter
    shape gets leading 1s, so a ``(p, q)`` and an ``(m, n)`` give ``(p*m, q*n)``."""
    a, b = _tensor(input, "kron"), _tensor(other, "kron")
    ndim = max(a.ndim, b.ndim)
    shape_a = (1,) * (ndim - a.ndim) + tuple(a.shape)
    shape_b = (1,) * (ndim - b.ndim) + tuple(b.shape)
    interleaved_a = tuple(s for size in shape_a for s in (size, 1))
    interleaved_b = tuple(s for size in shape_b for s in (1, size))
    product = a.reshape(interleaved_a) * b.reshape(interleaved_b)
    return product.reshape(tuple(sa * sb for sa, sb in zip(shape_a, shape_b)))


def _check_vector(name, argument, value):
    if value.ndim != 1:
        raise RuntimeError(f"{name}: Expected 1-D argument {argument}, but got {value.ndim}-D")


@op(method=True, out=True)
def addr(input: TensorLike, vec1: Tensor, vec2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
    """``beta * input + alpha * outer(vec1, vec2)`` for vectors ``vec1 (n,)``, ``vec2 (m,)``; ``input``
    broadcasts to ``(n, m)`` and is ignored when ``beta`` is 0."""
    vec1, vec2 = _tensor(vec1, "addr"), _tensor(vec2, "addr")
    _check_vector("addr", "vec1", vec1)
    _check_vector("addr", "vec2", vec2)
    return _scaled_sum("addr", input, vec1.reshape(-1, 1) * vec2.reshape(1, -1), beta, alpha)


@tensor_method()
def addr_(self: Tensor, vec1: Tensor, vec2: Tensor, *, beta: Number = 1, alpha: Number = 1) -> Tensor:
    """In-place ``addr``: ``self = beta * self + alpha * outer(vec1, vec2)``."""
    return apply_inplace(self, "addr_", lambda: addr(self, vec1, vec2, beta=beta, alpha=alpha))


@op(method=True, out=True)
def vdot(input: Tensor, other: Tensor) -> Tensor:
    """``sum(conj(input) * other)`` of two 1-D tensors of one dtype and length (``dot`` for real tensors)."""
    a, b = _tensor(input, "vdot"), _tensor(other, "vdot")
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have "
                           f"the same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively")
    if a.dtype != b.dtype:
        raise RuntimeError(f"vdot : expected both vectors to have same dtype, but found {_dtype_name(a)} and "
                           f"{_dtype_name(b)}")
    return (a * b).sum()


@op(out=True)
def chain_matmul(*matrices: Tensor) -> Tensor:
    """Deprecated (as in PyTorch): the product of one or more 2-D matrices; use ``linalg.multi_dot``."""
    warnings.warn("chain_matmul is deprecated (as torch.chain_matmul is) and will be removed; use "
                  "mt.linalg.multi_dot instead, which takes a list of two or more tensors rather than separate "
                  "arguments", UserWarning, stacklevel=2)
    if not matrices:
        raise RuntimeError("chain_matmul(): Expected one or more matrices")
    tensors: Tuple[Tensor, ...] = tuple(_tensor(m, "chain_matmul") for m in matrices)
    for matrix in tensors:
        if matrix.ndim != 2:
            raise RuntimeError(f"chain_matmul: Tensor dimension is {matrix.ndim}, expected 2 instead.")
    return tensors[0] if len(tensors) == 1 else multi_dot(list(tensors))
