"""mt.utils.data laid out as PyTorch's: datasets, samplers, DataLoader options and errors, collation."""
import collections
import importlib
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import microtensor as mt
from microtensor.utils.data import (
    BatchSampler, ChainDataset, ConcatDataset, DataLoader, Dataset, IterableDataset, RandomSampler, Sampler,
    SequentialSampler, Subset, SubsetRandomSampler, TensorDataset, WeightedRandomSampler, default_collate,
    default_convert, random_split,
)


def _tensor_dataset(n):
    return TensorDataset(mt.tensor(np.arange(2 * n, dtype=np.float32).reshape(n, 2)), mt.arange(n))


class Stream(IterableDataset):
    def __init__(self, n):
        self.n = n

    def __iter__(self):
        return iter(range(self.n))


def test_module_layout_is_pytorchs():
    for path in ("dataset", "sampler", "dataloader", "_utils.collate"):
        importlib.import_module(f"microtensor.utils.data.{path}")
    import microtensor.utils.data.dataloader as dataloader_module

    assert dataloader_module.DataLoader is mt.utils.data.DataLoader
    assert mt.utils.data._utils.collate.default_collate is default_collate
    assert mt.utils.data.dataset.random_split is random_split and mt.utils.data.sampler.BatchSampler is BatchSampler
    assert mt.utils.data.get_worker_info() is None


# ------------------------------------------------------------------ datasets
def test_dataset_base_classes():
    with pytest.raises(NotImplementedError, match="should implement __getitem__"):
        Dataset()[0]
    with pytest.raises(TypeError, match="has no len"):
        len(Dataset())
    with pytest.raises(NotImplementedError, match="should implement __iter__"):
        iter(IterableDataset())
    both = _tensor_dataset(3) + _tensor_dataset(2)
    assert isinstance(both, ConcatDataset) and len(both) == 5
    assert isinstance(Stream(2) + Stream(3), ChainDataset) and list(Stream(2) + Stream(3)) == [0, 1, 0, 1, 2]


def test_concat_dataset_indexing():
    parts = [list(range(3)), list(range(10, 12)), list(range(20, 24))]
    joined = ConcatDataset(parts)
    assert len(joined) == 9 and joined.cumulative_sizes == [3, 5, 9]
    assert [joined[i] for i in range(9)] == [0, 1, 2, 10, 11, 20, 21, 22, 23]
    assert joined[-1] == 23 and joined[-9] == 0
    with pytest.raises(ValueError, match="should not exceed dataset length"):
        joined[-10]
    with pytest.raises(AssertionError, match="should not be an empty iterable"):
        ConcatDataset([])
    with pytest.raises(AssertionError, match="does not support IterableDataset"):
        ConcatDataset([Stream(2)])


def test_subset_indexing():
    subset = Subset(list("abcdef"), [5, 0, 3])
    assert len(subset) == 3 and [subset[i] for i in range(3)] == ["f", "a", "d"]
    assert subset.__getitems__([2, 0]) == ["d", "f"]


def test_random_split_lengths_and_fractions():
    g = mt.Generator().manual_seed(0)
    parts = random_split(range(10), [3, 7], generator=g)
    assert [len(p) for p in parts] == [3, 7] and sorted(parts[0].indices + parts[1].indices) == list(range(10))
    assert [len(p) for p in random_split(range(10), [0.33, 0.33, 0.34])] == [4, 3, 3]  # remainder round-robin
    assert [len(p) for p in random_split(range(11), [0.5, 0.5])] == [6, 5]
    assert [len(p) for p in random_split(range(30), [0.3, 0.3, 0.4])] == [9, 9, 12]
    again = random_split(range(10), [3, 7], generator=mt.Generator().manual_seed(0))
    assert [p.indices for p in again] == [p.indices for p in parts]
    with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
        random_split(range(2), [1.0, 0.0])
    with pytest.raises(ValueError, match="Fraction at index 0 is not between 0 and 1"):
        random_split(range(10), [1.5, -0.5])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(10), [5, 4])
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(range(10), [12, -2])


# ------------------------------------------------------------------ samplers
def test_sequential_and_random_samplers():
    assert list(SequentialSampler(range(4))) == [0, 1, 2, 3] and len(SequentialSampler(range(4))) == 4
    sampler = RandomSampler(range(20), generator=mt.Generator().manual_seed(1))
    first, second = list(sampler), list(sampler)
    assert sorted(first) == sorted(second) == list(range(20)) and first != second and len(sampler) == 20
    longer = list(RandomSampler(range(3), num_samples=7, generator=mt.Generator().manual_seed(2)))
    assert len(longer) == 7 and sorted(longer[:3]) == sorted(longer[3:6]) == [0, 1, 2]  # whole rounds first
    drawn = list(RandomSampler(range(4), replacement=True, num_samples=4000, generator=mt.Generator().manual_seed(3)))
    assert stats.chisquare(np.bincount(drawn, minlength=4)).pvalue > 1e-3
    with pytest.raises(TypeError, match="replacement should be a boolean value, but got replacement=1"):
        RandomSampler(range(3), replacement=1)
    with pytest.raises(ValueError, match="num_samples should be a positive integer value, but got num_samples=0"):
        RandomSampler(range(3), num_samples=0)
    with pytest.raises(NotImplementedError, match="should implement __iter__"):
        iter(Sampler())


def test_subset_and_weighted_samplers():
    picked = list(SubsetRandomSampler([5, 6, 7, 8], generator=mt.Generator().manual_seed(4)))
    assert sorted(picked) == [5, 6, 7, 8] and len(SubsetRandomSampler([5, 6])) == 2
    weights = [0.0, 1.0, 3.0]
    drawn = list(WeightedRandomSampler(weights, 4000, generator=mt.Generator().manual_seed(5)))
    counts = np.bincount(drawn, minlength=3)
    assert counts[0] == 0 and stats.chisquare(counts[1:], [1000, 3000]).pvalue > 1e-3
    assert sorted(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="num_samples should be a positive integer value"):
        WeightedRandomSampler([0.1, 0.9], 0)
    with pytest.raises(ValueError, match="weights should be a 1d sequence"):
        WeightedRandomSampler([[0.1, 0.9]], 3)


def test_batch_sampler():
    assert list(BatchSampler(range(7), 3, False)) == [[0, 1, 2], [3, 4, 5], [6]]
    assert list(BatchSampler(range(7), 3, True)) == [[0, 1, 2], [3, 4, 5]]
    assert len(BatchSampler(range(7), 3, False)) == 3 and len(BatchSampler(range(7), 3, True)) == 2
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, but got batch_size=0"):
        BatchSampler(range(3), 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean value, but got drop_last=1"):
        BatchSampler(range(3), 2, 1)


# ---------------------------------------------------------------- DataLoader
def test_dataloader_with_sampler_and_batch_sampler():
    assert [b.tolist() for b in DataLoader(range(5), batch_size=2)] == [[0, 1], [2, 3], [4]]
    assert [b.tolist() for b in DataLoader(range(5), sampler=[4, 0, 2], batch_size=2)] == [[4, 0], [2]]
    loader = DataLoader(range(5), batch_sampler=[[0, 1], [4]])
    assert len(loader) == 2 and [b.tolist() for b in loader] == [[0, 1], [4]]
    assert loader.batch_size is None and not loader.drop_last
    loader = DataLoader(range(6), sampler=RandomSampler(range(6), True, 10), batch_size=4)
    assert len(loader) == 3 and [len(b) for b in loader] == [4, 4, 2]
    assert list(DataLoader(range(3), batch_size=None)) == [0, 1, 2]
    assert list(DataLoader(range(4), batch_size=2, collate_fn=lambda batch: sum(batch))) == [1, 5]


@pytest.mark.parametrize("kwargs, match", [
    ({"sampler": [0, 1], "shuffle": True}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_sampler": [[0]], "batch_size": 2}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "drop_last": True}, "batch_sampler option is mutually exclusive"),
    ({"batch_sampler": [[0]], "sampler": [0]}, "batch_sampler option is mutually exclusive"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"timeout": -1}, "timeout option should be non-negative"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified in multiprocessing"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"batch_size": 0}, "batch_size should be a positive integer value"),
    ({"batch_size": 2.5}, "batch_size should be a positive integer value"),
])
def test_dataloader_option_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DataLoader(range(5), **kwargs)


def test_dataloader_over_an_iterable_dataset():
    assert [b.tolist() for b in DataLoader(Stream(5), batch_size=2)] == [[0, 1], [2, 3], [4]]
    assert [b.tolist() for b in DataLoader(Stream(5), batch_size=2, drop_last=True)] == [[0, 1], [2, 3]]
    assert list(DataLoader(Stream(3), batch_size=None)) == [0, 1, 2]
    with pytest.raises(TypeError):
        len(DataLoader(Stream(3)))  # a stream without __len__ has no length

    class SizedStream(Stream):
        def __len__(self):
            return self.n

    assert len(DataLoader(SizedStream(5), batch_size=2)) == 3
    assert len(DataLoader(SizedStream(5), batch_size=2, drop_last=True)) == 2
    for kwargs, option in (({"shuffle": True}, "shuffle"), ({"sampler": [0]}, "sampler"),
                           ({"batch_sampler": [[0]]}, "batch_sampler")):
        with pytest.raises(ValueError, match=f"IterableDataset: expected unspecified {option} option"):
            DataLoader(Stream(3), **kwargs)


def test_dataloader_uses_getitems_when_the_dataset_has_it():
    class Batched(Dataset):
        calls = []

        def __len__(self):
            return 5

        def __getitem__(self, index):
            raise AssertionError("the loader should ask for whole batches")

        def __getitems__(self, indices):
            self.calls.append(list(indices))
            return [index * 10 for index in indices]

    assert [b.tolist() for b in DataLoader(Batched(), batch_size=3)] == [[0, 10, 20], [30, 40]]
    assert Batched.calls == [[0, 1, 2], [3, 4]]


@given(n=st.integers(1, 12), batch_size=st.integers(1, 5), drop_last=st.booleans(), seed=st.integers(0, 99),
       subset=st.booleans())
@settings(max_examples=15)
def test_tensor_dataset_fast_path_matches_collating_each_sample(n, batch_size, drop_last, seed, subset):
    dataset = _tensor_dataset(n)
    if subset:
        dataset = Subset(dataset, list(range(n - 1, -1, -2)))

    def epoch(collate_fn):
        loader = DataLoader(dataset, batch_size=batch_size, shuffle=True, drop_last=drop_last, collate_fn=collate_fn,
                            generator=mt.Generator().manual_seed(seed))
        return [[t.numpy() for t in batch] for batch in loader]

    fast, one_by_one = epoch(None), epoch(lambda batch: default_collate(batch))
    assert len(fast) == len(one_by_one) == len(DataLoader(dataset, batch_size=batch_size, drop_last=drop_last))
    for fast_batch, slow_batch in zip(fast, one_by_one):
        for a, b in zip(fast_batch, slow_batch):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_tensor_dataset_batches_are_lists_and_keep_the_graph():
    (batch,) = DataLoader(_tensor_dataset(3), batch_size=3)
    assert isinstance(batch, list) and len(batch) == 2  # PyTorch collates a tuple sample into a list
    weights = mt.ones(4, 2, requires_grad=True)
    (xb,) = next(iter(DataLoader(TensorDataset(weights * 3), batch_size=2)))
    xb.sum().backward()
    assert weights.grad.tolist() == [[3.0, 3.0], [3.0, 3.0], [0.0, 0.0], [0.0, 0.0]]


def test_subclass_overriding_getitem_is_fetched_sample_by_sample():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    (xb, yb) = next(iter(DataLoader(Doubled(mt.ones(3, 1), mt.arange(3)), batch_size=3)))
    assert xb.tolist() == [[2.0], [2.0], [2.0]] and yb.tolist() == [0, 1, 2]


# ----------------------------------------------------------------- collation
def test_default_collate_types():
    Point = collections.namedtuple("Point", ["x", "y"])
    batch = default_collate([Point(1, 2.0), Point(3, 4.0)])
    assert isinstance(batch, Point) and batch.x.dtype == mt.int64 and batch.y.dtype == mt.float64
    fields = default_collate([(np.array([1.0]), True), (np.array([2.0]), False)])
    assert isinstance(fields, list) and fields[0].shape == (2, 1) and fields[0].dtype == mt.float64
    assert fields[1].dtype == mt.bool and fields[1].tolist() == [True, False]
    nested = default_collate([{"a": [np.int32(1), "s"]}, {"a": [np.int32(2), "t"]}])
    assert nested["a"][0].dtype == mt.int32 and nested["a"][1] == ("s", "t")  # strings stay the transposed tuple
    stacked = default_collate([mt.zeros(2, 3), mt.ones(2, 3)])
    assert stacked.shape == (2, 2, 3) and stacked[1].sum().item() == 6
    mixed = default_collate([mt.zeros(2, dtype=mt.int64), mt.ones(2)])
    assert mixed.dtype == mt.float32  # stacking promotes as mt.stack does
    with pytest.raises(RuntimeError, match="each element in list of batch should be of equal size"):
        default_collate([[1, 2], [3]])
    with pytest.raises(RuntimeError, match="stack expects each tensor to be equal size"):
        default_collate([mt.zeros(2), mt.zeros(3)])
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers"):
        default_collate([np.array(["a"]), np.array(["b"])])
    with pytest.raises(TypeError, match="batch must contain tensors, numpy arrays, numbers"):
        default_collate([object(), object()])


def test_default_convert_only_turns_arrays_into_tensors():
    converted = default_convert({"x": np.arange(3), "n": 1, "pair": (np.float32(2.0), "s")})
    assert isinstance(converted["x"], mt.Tensor) and converted["x"].dtype == mt.int64 and converted["n"] == 1
    assert isinstance(converted["pair"], list) and converted["pair"][0].dtype == mt.float32
    assert converted["pair"][1] == "s"
    strings = np.array(["a", "b"])
    assert default_convert(strings) is strings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert [b.tolist() for b in DataLoader([np.array([1, 2])], batch_size=None)] == [[1, 2]]
