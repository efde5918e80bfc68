"""Distances and norms of parts: ``cdist`` (p-norm distances between two sets of row vectors),
``pdist`` (between the rows of one matrix, each pair once), ``dist`` (the p-norm of a difference),
``renorm`` (slices rescaled to a largest norm) and PyTorch's left-over ``frobenius_norm`` and
``nuclear_norm``.

Each is ``vector_norm`` (or ``matrix_norm``) of differences or slices, so the gradients are the
norm's: ``d||u||_2/du = u / ||u||``, 0 at ``u = 0`` (two equal rows give zero gradient, not NaN).
"""
from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from ..autograd.inplace import apply_inplace
from .._registry import TORCH_DTYPE_NAMES, op, tensor_method
from .._tensor import Tensor
from .._typing import Dim
from ._util import normalize_dim, tensor_argument as _tensor
from .norms import matrix_norm, vector_norm
from .selection import where

_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist", "donot_use_mm_for_euclid_dist")


def _dtype_name(tensor):
    return TORCH_DTYPE_NAMES[tensor.dtype.name]


def _check_p(name, p):
    if p < 0:
        raise RuntimeError(f"{name} only supports non-negative p values")


@op()
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0,
          compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """``out[..., i, j] = ||x1[..., i, :] - x2[..., j, :]||_p`` for ``x1 (..., P, M)``, ``x2 (..., R, M)``
    (batch dims broadcast). ``compute_mode`` is accepted; the distances are always taken from the
    differences (PyTorch's matrix-product shortcut for p = 2 is faster but less accurate)."""
    x1, x2 = _tensor(x1, "cdist"), _tensor(x2, "cdist")
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for argument, value in (("X1", x1), ("X2", x2)):
        if value.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {argument} got: {value.ndim}D")
        if value.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {argument} got: {_dtype_name(value)}")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}")
    if x1.dtype != x2.dtype:
        raise RuntimeError(f"cdist: X1 and X2 must have the same dtype, got {_dtype_name(x1)} and {_dtype_name(x2)}")
    try:
        np.broadcast_shapes(tuple(x1.shape[:-2]), tuple(x2.shape[:-2]))
    except ValueError:
        raise RuntimeError(f"cdist: the batch dims of X1 {tuple(x1.shape[:-2])} and X2 {tuple(x2.shape[:-2])} "
                           f"do not broadcast") from None
    _check_p("cdist", p)
    return vector_norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


@op()
def pdist(input: Tensor, p: float = 2) -> Tensor:
    """The p-norm distances between the rows of ``input (N, M)``, each pair ``i < j`` once, in row order:
    the ``N (N - 1) / 2`` entries above the diagonal of ``cdist(input, input)``."""
    x = _tensor(input, "pdist")
    if x.ndim != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {x.ndim}D")
    if x.dtype.kind != "f":
        raise RuntimeError(f"pdist only supports floating-point dtypes, got {_dtype_name(x)}")
    _check_p("pdist", p)
    rows, columns = np.triu_indices(x.shape[0], 1)
    first = x.index_select(0, Tensor(rows.astype(np.int64)))
    second = x.index_select(0, Tensor(columns.astype(np.int64)))
    return vector_norm(first - second, p, -1)


@op(method=True)
def dist(input: Tensor, other: Tensor, p: float = 2) -> Tensor:
    """``||input - other||_p`` over all elements (the two broadcast), for any p: 0 counts the non-zero
    differences, ``inf`` / ``-inf`` take the largest / smallest ``|difference|``."""
    a, b = _tensor(input, "dist"), _tensor(other, "dist")
    try:
        np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        raise RuntimeError(f"dist: the shapes {tuple(a.shape)} and {tuple(b.shape)} do not broadcast") from None
    difference = a - b
    if difference.dtype.kind != "f":
        raise RuntimeError(f"dist: expected floating point tensors, got {_dtype_name(a)} and {_dtype_name(b)}; "
                           f"convert with .float() or .double()")
    return vector_norm(difference, p)


@op(method=True, out=True)
def renorm(input: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """Each slice ``input.select(dim, i)`` whose p-norm exceeds ``maxnorm`` scaled down to norm ``maxnorm``
    (by ``maxnorm / (norm + 1e-7)``, as PyTorch); the other slices unchanged."""
    x = _tensor(input, "renorm")
    if x.ndim < 2:
        raise RuntimeError(f"renorm: input needs at least 2 dimensions, got {x.ndim} dimensions")
    if x.dtype.kind != "f":
        raise RuntimeError(f"renorm: expected a floating point tensor as input, got {_dtype_name(x)}")
    if p <= 0:
        raise RuntimeError("renorm: non-positive-norm not supported")
    if maxnorm < 0:
        raise RuntimeError(f"renorm: expected maxnorm to be >= 0 but got {maxnorm}")
    axis = normalize_dim(dim, x.ndim, "renorm")
    others = tuple(d for d in range(x.ndim) if d != axis)
    norms = vector_norm(x, p, others, keepdim=True)
    return x * where(norms > maxnorm, maxnorm / (norms + 1e-7), 1.0)


@tensor_method()
def renorm_(self: Tensor, p: float, dim: int, maxnorm: float) -> Tensor:
    """In-place ``renorm``."""
    return apply_inplace(self, "renorm_", lambda: renorm(self, p, dim, maxnorm))


@op(out=True)
def frobenius_norm(input: Tensor, dim: Union[int, Sequence[int]], keepdim: bool = False) -> Tensor:
    """PyTorch's left-over ``frobenius_norm``: the 2-norm of the entries over one or two dims ``dim``
    (``linalg.vector_norm``)."""
    x = _tensor(input, "frobenius_norm")
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"frobenius_norm: Expected at most 2 dimensions, but got {len(dims)} dimensions instead.")
    return vector_norm(x, 2, dims, keepdim=keepdim)


@op(out=True)
def nuclear_norm(input: Tensor, dim: Optional[Dim] = None, keepdim: bool = False) -> Tensor:
    """PyTorch's left-over ``nuclear_norm``: the sum of singular values of the matrices over ``dim``
    (the last two dims by default), ``linalg.matrix_norm(input, 'nuc')``."""
    if isinstance(dim, bool):  # nuclear_norm(input, keepdim) overload
        dim, keepdim = None, dim
    x = _tensor(input, "nuclear_norm")
    dims = (-2, -1) if dim is None else tuple(dim)  # type: ignore[arg-type]
    return matrix_norm(x, "nuc", dims, keepdim=keepdim)
