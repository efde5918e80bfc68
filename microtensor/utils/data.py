"""Datasets and mini-batches: ``Dataset``, ``TensorDataset``, ``DataLoader`` (PyTorch's).

``DataLoader(dataset, batch_size=1, shuffle=False, drop_last=False)`` is iterable
once per epoch; each epoch visits every sample exactly once (in order, or in a fresh
random permutation when ``shuffle=True``, drawn from microtensor's default generator (or ``generator=``)
so ``mt.manual_seed`` makes it reproducible; ``generator=`` takes a
``numpy.random.Generator`` of your own). ``len(loader)`` is the number of batches.

For a ``TensorDataset`` a batch is made by indexing each underlying array with the
batch's index array at once (no per-sample Python loop); the batch tensors are
fresh copies that do not require grad. Any other dataset is indexed sample by
sample and the samples are combined by ``default_collate`` (Tensors and arrays are
stacked along a new first dimension, Python ints become an int64 tensor and floats
a float64 tensor as in PyTorch, tuples/lists/dicts are collated field by field).

Loading runs in the calling process: ``num_workers`` and ``pin_memory`` are
accepted for compatibility with PyTorch code and ignored.
"""
import math

import numpy as np

from .. import random as _random
from .._tensor import Tensor


class Dataset:
    """An indexable collection of samples: subclasses define ``__getitem__`` and ``__len__``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __len__")


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors: ``ds[i] == (t0[i], t1[i], ...)``."""

    def __init__(self, *tensors):
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

    def __getitem__(self, index):
        return tuple(_row(tensor, index) for tensor in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]

    def _batch(self, indices):
        """All tensors indexed by an index array at once (the DataLoader's fast path)."""
        return tuple(Tensor._make(tensor._data[indices]) for tensor in self.tensors)


def _row(tensor, index):
    if tensor.requires_grad:
        return tensor[index]
    return Tensor._make(np.array(tensor._data[index], copy=True))


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices`` (in that order)."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = list(indices)

    def __getitem__(self, index):
        if isinstance(index, (list, np.ndarray)):
            return self.dataset[[self.indices[i] for i in index]]
        return self.dataset[self.indices[index]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given lengths
    (ints summing to ``len(dataset)``, or fractions summing to 1, as in PyTorch)."""
    total = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(length, float) for length in lengths) and math.isclose(sum(lengths), 1.0):
        counts = [int(math.floor(total * fraction)) for fraction in lengths]
        for i in range(total - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if sum(lengths) != total or any(length < 0 for length in lengths):
        raise ValueError(
            f"random_split: sum of input lengths {lengths} does not equal the length of the input dataset ({total})"
        )
    rng = _random.numpy_rng(generator)
    order = rng.permutation(total).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets


def default_collate(samples):
    """Combine a list of samples into a batch (see the module docstring)."""
    first = samples[0]
    if isinstance(first, Tensor):
        return Tensor._make(np.stack([sample._data for sample in samples]))
    if isinstance(first, np.ndarray):
        return Tensor._make(np.stack(samples))
    if isinstance(first, np.generic):
        return Tensor._make(np.array(samples))
    if isinstance(first, bool):
        return Tensor._make(np.array(samples, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor._make(np.array(samples, dtype=np.int64))
    if isinstance(first, float):
        return Tensor._make(np.array(samples, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(samples)
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in samples]) for key in first}
    if isinstance(first, (tuple, list)):
        lengths = {len(sample) for sample in samples}
        if len(lengths) != 1:
            raise RuntimeError(f"default_collate: each element in the batch should be of equal size, got sizes {sorted(lengths)}")
        fields = [default_collate(list(field)) for field in zip(*samples)]
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(
        f"default_collate: batch must contain Tensors, numpy arrays, numbers, strings, dicts or "
        f"lists/tuples of them; found {type(first).__name__}"
    )


class DataLoader:
    """Iterate over ``dataset`` in mini-batches (see the module docstring).

    Args:
        dataset: a ``Dataset`` (anything with ``__getitem__`` and ``__len__``).
        batch_size: samples per batch; ``None`` yields single samples unbatched.
        shuffle: a new random order every epoch.
        drop_last: drop the last, smaller batch.
        collate_fn: turns a list of samples into a batch (default ``default_collate``).
        generator: a ``numpy.random.Generator`` for shuffling (default microtensor's).
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, collate_fn=None, generator=None,
                 num_workers=0, pin_memory=False):
        if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer))
                                       or batch_size <= 0):
            raise ValueError(f"batch_size should be a positive integer value, but got batch_size={batch_size!r}")
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(
                f"DataLoader: dataset must define __getitem__ and __len__, got {type(dataset).__name__}"
            )
        self.dataset = dataset
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)

    def _order(self):
        n = len(self.dataset)
        if self.shuffle:
            rng = _random.numpy_rng(self.generator)
            return rng.permutation(n)
        return np.arange(n)

    def __iter__(self):
        order = self._order()
        if self.batch_size is None:
            for index in order:
                yield self.dataset[int(index)]
            return
        n = len(order)
        size = self.batch_size
        stop = n - n % size if self.drop_last else n
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None and not any(
            tensor.requires_grad for tensor in self.dataset.tensors
        )
        collate = self.collate_fn or default_collate
        for start in range(0, stop, size):
            indices = order[start:start + size]
            if fast:
                yield self.dataset._batch(indices)
            else:
                yield collate([self.dataset[int(index)] for index in indices])
