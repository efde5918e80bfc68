"""``F.embedding_bag``: the sum, mean or max of bags of embeddings, without building the (bag, item, dim) tensor.

The bags are the rows of a 2-D ``input`` (B, n), or the slices of a 1-D ``input`` starting at each of
``offsets`` (PyTorch's text-classification layout: every text's token ids end to end). With E the
looked-up rows (``F.embedding``) and M the (bags, items) membership matrix (1, the item's
``per_sample_weights`` value, or 1 / bag size for 'mean'), 'sum' and 'mean' are ``M @ E``; 'max'
takes each bag's ``amax``. Items equal to ``padding_idx`` are left out (and not counted in a mean);
an empty bag gives zeros. Gradients come from autograd.
"""
from __future__ import annotations

from typing import Optional

import numpy as np

from .. import ops as _ops
from .._tensor import Tensor
from ..creation import zeros
from ..ops._util import not_a_tensor_error
from ._embedding_op import embedding, padding_index

__all__ = ["embedding_bag"]


def _bags(input, offsets, include_last_offset):
    """The flat item ids, the bag of each item and the number of bags."""
    ids = np.asarray(input._data)
    if ids.ndim == 2:
        if offsets is not None:
            raise ValueError(
                "if input is 2D, then offsets has to be None, as input is treated is a mini-batch of fixed length "
                f"sequences. However, found offsets of type {type(offsets).__name__}"
            )
        return ids.reshape(-1), np.repeat(np.arange(ids.shape[0]), ids.shape[1]), ids.shape[0]
    if ids.ndim != 1:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension {ids.ndim}")
    if offsets is None or getattr(offsets, "ndim", None) != 1:
        raise ValueError(f"offsets has to be a 1D Tensor but got {offsets if offsets is None else offsets.ndim}")
    starts = np.asarray(offsets._data if isinstance(offsets, Tensor) else offsets, dtype=np.int64)
    if starts.size and (starts[0] != 0 or np.any(np.diff(starts) < 0) or starts[-1] > ids.size):
        raise ValueError(f"embedding_bag(): offsets must start at 0 and not decrease nor pass the input's "
                         f"{ids.size} items, got {starts.tolist()}")
    count = starts.size - 1 if include_last_offset else starts.size
    bag_of_item = np.searchsorted(starts, np.arange(ids.size), side="right") - 1
    if include_last_offset and starts.size:
        bag_of_item = np.where(np.arange(ids.size) < starts[-1], bag_of_item, -1)
    return ids, bag_of_item, count


def embedding_bag(
    input: Tensor, weight: Tensor, offsets: Optional[Tensor] = None, max_norm: Optional[float] = None,
    norm_type: float = 2, scale_grad_by_freq: bool = False, mode: str = "mean", sparse: bool = False,
    per_sample_weights: Optional[Tensor] = None, include_last_offset: bool = False, padding_idx: Optional[int] = None,
) -> Tensor:
    """(bags, D): the ``mode`` ('sum', 'mean' or 'max') of each bag's rows of ``weight`` (V, D)."""
    for name, value in (("input", input), ("weight", weight)):
        if not isinstance(value, Tensor):
            raise not_a_tensor_error("embedding_bag", name, value)
    if mode not in ("sum", "mean", "max"):
        raise ValueError(f"mode has to be one of sum, mean or max, got {mode!r}")
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                                  f"supported for mode='sum' (got mode='{mode}').")
    padding_idx = padding_index(padding_idx, weight.shape[0])
    ids, bag_of_item, count = _bags(input, offsets, include_last_offset)
    rows = embedding(Tensor._make(ids), weight, None, max_norm, norm_type, scale_grad_by_freq, sparse)
    kept = bag_of_item >= 0
    if padding_idx is not None:
        kept &= ids != padding_idx
    if mode == "max":
        bags = [rows[np.flatnonzero(kept & (bag_of_item == bag))] for bag in range(count)]
        return _ops.stack([bag.amax(0) if bag.shape[0] else zeros(weight.shape[1], dtype=weight.dtype)
                           for bag in bags]) if count else zeros(0, weight.shape[1], dtype=weight.dtype)
    membership = np.zeros((count, ids.size), dtype=weight.dtype)
    membership[bag_of_item[kept], np.flatnonzero(kept)] = 1
    if mode == "mean":
        sizes = membership.sum(axis=1, keepdims=True)
        membership = np.divide(membership, sizes, out=np.zeros_like(membership), where=sizes > 0)
    if per_sample_weights is not None:
        rows = rows * per_sample_weights.reshape(-1, 1)
    return Tensor._make(membership) @ rows
