"""Samplers (PyTorch's ``torch.utils.data.sampler``): which indices a ``DataLoader`` visits, in what order.

``SequentialSampler`` and ``RandomSampler`` also give a whole epoch's indices as one
array (``_index_array``), so a ``BatchSampler`` over them can cut batches as array slices
(``_index_batches``) without building a Python list per batch.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator, List, Optional, Sequence, Sized, Union

import numpy as np

from ... import random as _random
from ...ops.sampling import multinomial
from ..._tensor import Tensor
from ...random import Generator

__all__ = ["BatchSampler", "RandomSampler", "Sampler", "SequentialSampler", "SubsetRandomSampler", "WeightedRandomSampler"]


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


class Sampler:
    """Base class: subclasses define ``__iter__`` over indices (and ``__len__`` when they can)."""

    def __init__(self, data_source: Optional[Sized] = None) -> None:
        pass

    def __iter__(self) -> Iterator[Any]:
        raise NotImplementedError(f"Subclasses of Sampler should implement __iter__ ({type(self).__name__} does not).")

    def _index_array(self):
        """One epoch's indices as an int64 array, or None when the sampler has no such shortcut."""
        return None


class SequentialSampler(Sampler):
    """``0, 1, ..., len(data_source) - 1``."""

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)

    def _index_array(self):
        return np.arange(len(self.data_source))


class RandomSampler(Sampler):
    """A random order of the indices each epoch; with ``replacement=True``, ``num_samples``
    independent uniform draws. ``generator`` as for every random function (default: microtensor's).
    An empty ``data_source`` (without ``num_samples``) is an error, as in PyTorch."""

    def __init__(
        self, data_source: Sized, replacement: bool = False, num_samples: Optional[int] = None,
        generator: Optional[Generator] = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"replacement should be a boolean value, but got replacement={replacement}")
        if num_samples is not None and (not _is_int(num_samples) or num_samples <= 0):
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = generator
        if num_samples is None and self.num_samples <= 0:
            raise ValueError(
                f"num_samples should be a positive integer value, but got num_samples={self.num_samples}: "
                f"RandomSampler (shuffle=True) needs a non-empty dataset"
            )

    @property
    def num_samples(self) -> int:
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __len__(self) -> int:
        return self.num_samples

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def _index_array(self):
        n, count = len(self.data_source), self.num_samples
        rng = _random.numpy_rng(self.generator)
        if self.replacement:
            if n == 0:
                raise ValueError("RandomSampler: cannot draw samples with replacement from an empty data source")
            return rng.integers(0, n, size=count)
        # as PyTorch: whole permutations while they fit, then the first part of one more
        rounds = [rng.permutation(n) for _ in range(count // n)] if n else []
        rounds.append(rng.permutation(n)[: count % n] if n else np.arange(0))
        return np.concatenate(rounds)


class SubsetRandomSampler(Sampler):
    """The given indices in a random order each epoch."""

    def __init__(self, indices: Sequence[int], generator: Optional[Generator] = None) -> None:
        self.indices = indices
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        order = _random.numpy_rng(self.generator).permutation(len(self.indices))
        return (self.indices[i] for i in order.tolist())

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """``num_samples`` indices drawn with probability proportional to ``weights`` (``mt.multinomial``)."""

    def __init__(
        self, weights: Union[Tensor, Sequence[float]], num_samples: int, replacement: bool = True,
        generator: Optional[Generator] = None,
    ) -> None:
        if not _is_int(num_samples) or num_samples <= 0:
            raise ValueError(f"num_samples should be a positive integer value, but got num_samples={num_samples}")
        if not isinstance(replacement, bool):
            raise ValueError(f"replacement should be a boolean value, but got replacement={replacement}")
        weights = np.asarray(getattr(weights, "_data", weights), dtype=np.float64)
        if weights.ndim != 1:
            raise ValueError(f"weights should be a 1d sequence but given weights have shape {tuple(weights.shape)}")
        self.weights = Tensor._make(weights)  # a float64 Tensor, as PyTorch keeps it
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = generator

    def __iter__(self) -> Iterator[int]:
        return iter(self._index_array().tolist())

    def __len__(self) -> int:
        return self.num_samples

    def _index_array(self):
        drawn = multinomial(self.weights, self.num_samples, self.replacement, generator=self.generator)
        return drawn._data


class BatchSampler(Sampler):
    """Groups the indices of ``sampler`` into lists of ``batch_size`` (the last one shorter unless ``drop_last``)."""

    def __init__(self, sampler: Iterable[int], batch_size: int, drop_last: bool) -> None:
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size}")
        if not isinstance(drop_last, bool):
            raise ValueError(f"drop_last should be a boolean value, but got drop_last={drop_last}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[List[int]]:
        batch = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        if self.drop_last:
            return len(self.sampler) // self.batch_size
        return -(-len(self.sampler) // self.batch_size)

    def _index_batches(self):
        """The batches as slices of one index array, or None when the sampler has no ``_index_array``."""
        if type(self).__iter__ is not BatchSampler.__iter__ or type(self.sampler).__iter__ not in _ARRAY_ITERATORS:
            return None  # a subclass decides the order
        order = self.sampler._index_array()
        size = self.batch_size
        stop = len(order) - len(order) % size if self.drop_last else len(order)
        return (order[start:start + size] for start in range(0, stop, size))


# The samplers whose __iter__ walks their _index_array (a subclass overriding __iter__ is not one of them).
_ARRAY_ITERATORS = (SequentialSampler.__iter__, RandomSampler.__iter__, WeightedRandomSampler.__iter__)
