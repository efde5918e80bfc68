"""The embedding lookup ``y = W[i]`` as one fused op, and ``F.embedding``.

Shapes: ``W (V, D)`` (V rows, one per index), ``i`` any shape of int32/int64 indices,
``y (*i.shape, D)``. With ``G = dL/dy``:

    dL/dW[v] = sum over the positions k with i_k = v of G_k

(a scatter-add: a sort and ``np.add.reduceat`` on arrays, and under ``create_graph=True`` the
same sum as a product with the one-hot matrix of the indices, so it is differentiable). The row
``padding_idx`` gets no gradient; ``scale_grad_by_freq`` divides each row's gradient by
how often its index occurs in the batch.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad

__all__ = ["embedding"]


class Embedding(Function):
    """``y = W[indices]``; see the module docstring for the gradient."""

    numpy_level = True
    fresh_gradients = (0,)

    @staticmethod
    def forward(ctx, weight, indices, padding_idx, scale_grad_by_freq):
        if ctx.needs_input_grad[0]:
            ctx.indices = indices.reshape(-1)
            ctx.padding_idx, ctx.scale_grad_by_freq = padding_idx, scale_grad_by_freq
            ctx.weight_shape = weight.shape
        return np.take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx, grad):
        rows, dim = ctx.weight_shape
        indices = ctx.indices
        flat_grad = grad.reshape((indices.size, dim))
        if isinstance(flat_grad, np.ndarray):
            grad_weight = _scatter_add_rows(flat_grad, indices, rows, ctx.scale_grad_by_freq)
        else:  # building a graph: the scatter-add as a (differentiable) product with the one-hot matrix
            one_hot_t = np.zeros((rows, indices.size), dtype=flat_grad.dtype)
            one_hot_t[indices, np.arange(indices.size)] = 1
            if ctx.scale_grad_by_freq:
                one_hot_t /= np.maximum(np.bincount(indices, minlength=rows), 1)[:, None]
            grad_weight = Tensor._make(one_hot_t) @ flat_grad
        if ctx.padding_idx is not None:
            if isinstance(grad_weight, np.ndarray):
                grad_weight[ctx.padding_idx] = 0
            else:
                keep = np.ones((rows, 1), dtype=grad_weight.dtype)
                keep[ctx.padding_idx] = 0
                grad_weight = grad_weight * keep
        return grad_weight, None, None, None


def _scatter_add_rows(values, indices, rows, mean_of_repeats):
    """``out[v] = sum of values[k] over k with indices[k] = v`` (the mean with ``mean_of_repeats``).

    Sorting the indices puts equal ones next to each other; ``np.add.reduceat`` then sums each run in
    one pass (about 5x faster than ``np.add.at``, and no (rows, len(indices)) one-hot matrix).
    """
    out = np.zeros((rows, values.shape[1]), dtype=values.dtype)
    if not indices.size:
        return out
    order = np.argsort(indices, kind="stable")
    sorted_indices = indices[order]
    starts = np.flatnonzero(np.diff(sorted_indices, prepend=-1))
    sums = np.add.reduceat(values[order], starts, axis=0)
    if mean_of_repeats:
        sums /= np.diff(starts, append=indices.size)[:, None].astype(values.dtype)
    out[sorted_indices[starts]] = sums
    return out


_INDEX_KINDS = {np.dtype(np.int64), np.dtype(np.int32)}


def _indices(input):
    array = input._data if isinstance(input, Tensor) else np.asarray(input)
    if array.dtype not in _INDEX_KINDS:
        name = array.dtype if array.dtype.kind != "b" else "bool"
        raise RuntimeError(
            f"Expected tensor for argument #1 'indices' to have one of the following scalar types: Long, Int; "
            f"but got {name} instead (while checking arguments for embedding); convert with .long()"
        )
    return array


def _check_range(indices, rows):
    if indices.size and (indices.min() < 0 or indices.max() >= rows):
        bad = indices[(indices < 0) | (indices >= rows)].flat[0]
        raise IndexError(
            f"index out of range in self: embedding index {int(bad)} is not in [0, {rows}) for a weight with "
            f"num_embeddings={rows} rows"
        )


def padding_index(padding_idx, rows):
    """``padding_idx`` as a row number in ``[0, rows)`` (negative counts from the end), or None."""
    if padding_idx is None:
        return None
    if not -rows <= padding_idx < rows:
        raise AssertionError(f"Padding_idx must be within num_embeddings (got padding_idx={padding_idx} "
                             f"for num_embeddings={rows})")
    return padding_idx % rows


def renorm_rows_(weight, indices, max_norm, norm_type):
    """Rescale, in place and outside the graph, the rows of ``weight`` used by ``indices`` whose
    ``norm_type``-norm exceeds ``max_norm`` to norm ``max_norm`` (PyTorch's ``embedding_renorm_``:
    the factor is max_norm / (norm + 1e-7))."""
    rows = np.unique(indices)
    values = weight._data[rows]
    norms = np.linalg.norm(values, ord=norm_type, axis=1)
    too_long = norms > max_norm
    if not too_long.any():
        return
    scale = (max_norm / (norms[too_long] + 1e-7)).astype(values.dtype)
    with no_grad():
        weight._data[rows[too_long]] = values[too_long] * scale[:, None]
        weight._version_counter[0] += 1


def embedding(
    input: Tensor, weight: Tensor, padding_idx: Optional[int] = None, max_norm: Optional[float] = None,
    norm_type: float = 2.0, scale_grad_by_freq: bool = False, sparse: bool = False,
) -> Tensor:
    """Rows of ``weight`` (V, D) picked by the integer ``input`` (any shape): output ``(*input.shape, D)``.

    ``padding_idx``: that row gets no gradient. ``max_norm``: first rescale, in place, the rows used
    whose ``norm_type``-norm exceeds it. ``scale_grad_by_freq``: divide each row's gradient by the
    number of times its index occurs in ``input``. ``sparse=True`` is not supported.
    """
    if sparse:
        raise NotImplementedError("embedding(): sparse=True (sparse gradients) is not supported; use sparse=False")
    if not isinstance(weight, Tensor):
        raise TypeError(f"embedding(): argument 'weight' must be a Tensor, not {type(weight).__name__}")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding(): 'weight' must be 2-D (num_embeddings, embedding_dim), got shape "
                           f"{tuple(weight.shape)}")
    indices = _indices(input)
    rows = weight.shape[0]
    _check_range(indices, rows)
    padding_idx = padding_index(padding_idx, rows)
    if max_norm is not None:
        renorm_rows_(weight, indices, max_norm, norm_type)
    return Embedding.apply(weight, indices, padding_idx, bool(scale_grad_by_freq))
