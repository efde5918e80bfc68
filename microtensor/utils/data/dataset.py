"""Datasets (PyTorch's ``torch.utils.data.dataset``): ``Dataset``, ``IterableDataset``,
``TensorDataset``, ``Subset``, ``ConcatDataset``, ``ChainDataset`` and ``random_split``.

A map-style dataset has ``__getitem__`` (and usually ``__len__``); an iterable one has
``__iter__``. ``TensorDataset`` and ``Subset`` of it also hand the ``DataLoader`` a way to
make a whole batch by indexing each tensor with the batch's index array at once
(``_batch_fetcher``), instead of one sample at a time.
"""
from __future__ import annotations

import bisect
import math
import warnings
from typing import Any, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

from ... import random as _random
from ..._tensor import Tensor
from ...random import Generator

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "ConcatDataset", "ChainDataset", "Subset", "random_split"]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__`` (and ``__len__`` for the default samplers).

    ``a + b`` is ``ConcatDataset([a, b])``.
    """

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError(f"Subclasses of Dataset should implement __getitem__ ({type(self).__name__} does not).")

    def __add__(self, other):
        return ConcatDataset([self, other])

    def _batch_fetcher(self):
        """A function from an index array to a collated batch, or None (then samples are fetched one by one)."""
        return None


class IterableDataset(Dataset):
    """A dataset that is a stream of samples: subclasses define ``__iter__``.

    ``a + b`` is ``ChainDataset([a, b])``.
    """

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"Subclasses of IterableDataset should implement __iter__ ({type(self).__name__} does not).")

    def __add__(self, other):
        return ChainDataset([self, other])


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors: ``ds[i] == (t0[i], t1[i], ...)``."""

    def __init__(self, *tensors: Tensor) -> None:
        if not tensors:
            raise ValueError("TensorDataset needs at least one tensor")
        converted = []
        for position, tensor in enumerate(tensors):
            if isinstance(tensor, np.ndarray):
                tensor = Tensor(tensor)
            if not isinstance(tensor, Tensor):
                raise TypeError(
                    f"TensorDataset expects Tensors (or numpy arrays), but argument {position} is a "
                    f"{type(tensor).__name__}"
                )
            if tensor.ndim == 0:
                raise ValueError(f"TensorDataset: argument {position} is a 0-d tensor; tensors need a first dimension")
            converted.append(tensor)
        sizes = [tensor.shape[0] for tensor in converted]
        if any(size != sizes[0] for size in sizes):
            raise ValueError(
                f"Size mismatch between tensors: TensorDataset needs the same first dimension in every tensor, "
                f"got sizes {sizes} (shapes {[tuple(t.shape) for t in converted]})"
            )
        self.tensors = tuple(converted)

    def __getitem__(self, index: int) -> Tuple[Tensor, ...]:
        return tuple(_row(tensor, index) for tensor in self.tensors)

    def __len__(self) -> int:
        return self.tensors[0].shape[0]

    def _batch_fetcher(self):
        if type(self).__getitem__ is not TensorDataset.__getitem__:
            return None  # a subclass decides what a sample is
        return self._batch

    def _batch(self, indices):
        """Every tensor indexed by an index array at once: what ``default_collate`` would make of the rows."""
        return [_rows(tensor, indices) for tensor in self.tensors]


def _row(tensor, index):
    if tensor.requires_grad:
        return tensor[index]
    return Tensor._make(np.array(tensor._data[index], copy=True))


def _rows(tensor, indices):
    if tensor.requires_grad:
        return tensor[Tensor._make(indices)]  # stays in the graph, as stacking the rows would
    return Tensor._make(tensor._data[indices])


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset: Dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index: int) -> Any:
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __getitems__(self, indices):
        if callable(getattr(self.dataset, "__getitems__", None)):
            return self.dataset.__getitems__([self.indices[i] for i in indices])
        return [self.dataset[self.indices[i]] for i in indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _batch_fetcher(self):
        fetch = getattr(self.dataset, "_batch_fetcher", lambda: None)()
        if fetch is None or type(self).__getitem__ is not Subset.__getitem__:
            return None
        positions = np.asarray(getattr(self.indices, "_data", self.indices), dtype=np.int64)
        return lambda indices: fetch(positions[indices])


class ConcatDataset(Dataset):
    """The samples of several map-style datasets one after the other."""

    @staticmethod
    def cumsum(sequence: Iterable[Dataset]) -> List[int]:
        totals, running = [], 0
        for dataset in sequence:
            running += len(dataset)
            totals.append(running)
        return totals

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise AssertionError("ConcatDataset: datasets should not be an empty iterable")
        for dataset in self.datasets:
            if isinstance(dataset, IterableDataset):
                raise AssertionError("ConcatDataset does not support IterableDataset; use ChainDataset")
        self.cumulative_sizes = self.cumsum(self.datasets)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> Any:
        if index < 0:
            if -index > len(self):
                raise ValueError(f"ConcatDataset: absolute value of index {index} should not exceed dataset length {len(self)}")
            index = len(self) + index
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][index - start]


class ChainDataset(IterableDataset):
    """The samples of several iterable datasets one stream after the other."""

    def __init__(self, datasets: Iterable[Dataset]) -> None:
        self.datasets = datasets

    def __iter__(self) -> Iterator[Any]:
        for dataset in self.datasets:
            if not isinstance(dataset, IterableDataset):
                raise AssertionError("ChainDataset only supports IterableDataset")
            yield from dataset

    def __len__(self) -> int:
        return sum(len(dataset) for dataset in self.datasets)


def _split_counts(total, fractions):
    counts = []
    for position, fraction in enumerate(fractions):
        if fraction < 0 or fraction > 1:
            raise ValueError(f"random_split: Fraction at index {position} is not between 0 and 1 (got {fraction})")
        counts.append(math.floor(total * fraction))
    for i in range(total - sum(counts)):  # the remainder goes round-robin, as in PyTorch
        counts[i % len(counts)] += 1
    for position, count in enumerate(counts):
        if count == 0:
            warnings.warn(f"Length of split at index {position} is 0. This might result in an empty dataset.", stacklevel=3)
    return counts


def random_split(
    dataset: Dataset, lengths: Sequence[Union[int, float]], generator: Optional[Generator] = None,
) -> List[Subset]:
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths: ints summing
    to ``len(dataset)``, or fractions summing to 1 (``floor(fraction * len)`` each, the remainder
    given out one by one from the first split on, as in PyTorch)."""
    lengths = list(lengths)
    total = len(dataset)
    if lengths and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        lengths = _split_counts(total, lengths)
    if sum(lengths) != total or any(length < 0 for length in lengths):
        raise ValueError(
            f"Sum of input lengths {lengths} does not equal the length of the input dataset ({total})! "
            f"Pass non-negative ints that sum to {total}, or fractions that sum to 1"
        )
    order = _random.numpy_rng(generator).permutation(total).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets
