"""``DataLoader`` (PyTorch's ``torch.utils.data.dataloader``): a dataset in mini-batches.

``DataLoader(dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
collate_fn=None, drop_last=False, generator=None, ...)`` is iterable once per epoch.
Its indices come from a sampler (``SequentialSampler``, or ``RandomSampler(generator=)``
when ``shuffle=True``: a fresh order every epoch from microtensor's default generator, so
``mt.manual_seed`` makes it repeatable), grouped by a ``BatchSampler``; the samples of a
batch are combined by ``collate_fn`` (``default_collate``). ``batch_size=None`` turns
batching off: each sample comes out on its own (through ``default_convert``). An
``IterableDataset`` is read as a stream, ``batch_size`` samples at a time.

For a ``TensorDataset`` (or a ``Subset`` of one) with the default collate function, a
batch is made by indexing each tensor with the batch's index array at once, and the
batches are cut as slices of the epoch's index array: no per-sample Python loop.

Loading runs in the calling process: ``num_workers``, ``pin_memory``, ``timeout``,
``worker_init_fn``, ``prefetch_factor`` and ``persistent_workers`` are checked as
PyTorch checks them and otherwise do not change what comes out.
"""
from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable, Iterator, List, Optional, Sequence

import numpy as np

from ._utils.collate import default_collate, default_convert
from .dataset import Dataset, IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler
from ...random import Generator

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


def get_worker_info() -> None:
    """None: batches are loaded in the calling process, never in worker processes."""
    return None


class DataLoader:
    """Iterate over ``dataset`` in mini-batches (see the module docstring)."""

    def __init__(
        self, dataset: Dataset, batch_size: int = 1, shuffle: Optional[bool] = None,
        sampler: Optional[Iterable[int]] = None, batch_sampler: Optional[Iterable[Sequence[int]]] = None,
        num_workers: int = 0, collate_fn: Optional[Callable[[List[Any]], Any]] = None, pin_memory: bool = False,
        drop_last: bool = False, timeout: float = 0, worker_init_fn: Optional[Callable[[int], None]] = None,
        multiprocessing_context: Any = None, generator: Optional[Generator] = None, *,
        prefetch_factor: Optional[int] = None, persistent_workers: bool = False, pin_memory_device: str = "",
        in_order: bool = True,
    ) -> None:
        _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers)
        iterable = isinstance(dataset, IterableDataset)
        if iterable:
            _check_iterable_options(shuffle, sampler, batch_sampler)
        else:
            shuffle = bool(shuffle)
            if not hasattr(dataset, "__getitem__"):
                raise TypeError(
                    f"DataLoader: dataset must be a map-style dataset (with __getitem__) or an IterableDataset, "
                    f"got {type(dataset).__name__}"
                )
        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, and drop_last"
                )
            batch_size, drop_last = None, False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually exclusive with drop_last")
        if sampler is None and not iterable:
            sampler = RandomSampler(dataset, generator=generator) if shuffle else SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None and not iterable:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        elif batch_size is not None and iterable:
            BatchSampler(range(0), batch_size, drop_last)  # the same checks of batch_size and drop_last

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self.num_workers = num_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.in_order = in_order
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None or (self.batch_size is not None and isinstance(self.dataset, IterableDataset))

    def __len__(self) -> int:
        if isinstance(self.dataset, IterableDataset):
            length = len(self.dataset)  # a TypeError if the stream has no length, as in PyTorch
            if self.batch_size is None:
                return length
            return length // self.batch_size if self.drop_last else -(-length // self.batch_size)
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        return len(self.sampler)

    def __iter__(self) -> "_SingleProcessDataLoaderIter":
        if isinstance(self.dataset, IterableDataset):
            batches = self._iterate_stream()
        elif self.batch_sampler is None:
            batches = (self.collate_fn(self.dataset[index]) for index in self.sampler)
        else:
            batches = self._iterate_batches()
        return _SingleProcessDataLoaderIter(self, batches)

    def _iterate_batches(self):
        fetch = None
        if self.collate_fn is default_collate:
            fetch = getattr(self.dataset, "_batch_fetcher", lambda: None)()
        batches = getattr(self.batch_sampler, "_index_batches", lambda: None)() if fetch is not None else None
        if batches is not None:
            yield from (fetch(indices) for indices in batches)
            return
        for indices in self.batch_sampler:
            if fetch is not None:
                yield fetch(np.asarray(indices, dtype=np.int64))
            else:
                yield self.collate_fn(self._samples(indices))

    def _samples(self, indices):
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(list(indices))
        return [self.dataset[index] for index in indices]

    def _iterate_stream(self):
        stream = iter(self.dataset)
        if self.batch_size is None:
            yield from (self.collate_fn(sample) for sample in stream)
            return
        while True:
            batch = list(itertools.islice(stream, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield self.collate_fn(batch)


class _SingleProcessDataLoaderIter:
    """One epoch of a ``DataLoader`` (what ``iter(loader)`` gives): ``next()`` is the next batch,
    ``len()`` the loader's length, as in PyTorch."""

    def __init__(self, loader: DataLoader, batches: Iterator[Any]) -> None:
        self._loader = loader
        self._batches = batches

    def __iter__(self) -> "_SingleProcessDataLoaderIter":
        return self

    def __next__(self) -> Any:
        return next(self._batches)

    def __len__(self) -> int:
        return len(self._loader)


def _check_worker_options(num_workers, timeout, prefetch_factor, persistent_workers):
    if num_workers < 0:
        raise ValueError("num_workers option should be non-negative; use num_workers=0 to disable multiprocessing.")
    if timeout < 0:
        raise ValueError("timeout option should be non-negative")
    if num_workers == 0 and prefetch_factor is not None:
        raise ValueError(
            "prefetch_factor option could only be specified in multiprocessing. let num_workers > 0 to enable "
            "multiprocessing, otherwise set prefetch_factor to None."
        )
    if prefetch_factor is not None and prefetch_factor < 0:
        raise ValueError("prefetch_factor option should be non-negative")
    if persistent_workers and num_workers == 0:
        raise ValueError("persistent_workers option needs num_workers > 0")


def _check_iterable_options(shuffle, sampler, batch_sampler):
    if shuffle not in (False, None):
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified shuffle option, but got shuffle={shuffle}"
        )
    if sampler is not None:
        raise ValueError(f"DataLoader with IterableDataset: expected unspecified sampler option, but got sampler={sampler}")
    if batch_sampler is not None:
        raise ValueError(
            f"DataLoader with IterableDataset: expected unspecified batch_sampler option, but got "
            f"batch_sampler={batch_sampler}"
        )
