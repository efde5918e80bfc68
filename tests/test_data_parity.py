"""mt.utils.data where a learner's PyTorch code meets it: collation dtypes of mixed Python
numbers, strings inside tuples, the DataLoader's iterator, sampler attributes and errors."""
import numpy as np
import pytest

import microtensor as mt
from microtensor.utils.data import DataLoader, RandomSampler, TensorDataset, WeightedRandomSampler, default_collate


def test_collate_python_numbers_is_a_tensor_of_the_inferred_dtype():
    # a batch that starts with an int is mt.tensor(batch): a float in it makes it the default float dtype
    mixed = default_collate([1, 2.5])
    assert mixed.dtype == mt.get_default_dtype() and mixed.tolist() == [1.0, 2.5]
    # bools with ints are ints (True is 1), bools alone stay bools
    assert default_collate([True, 2]).dtype == mt.int64 and default_collate([True, 2]).tolist() == [1, 2]
    assert default_collate([True, False]).dtype == mt.bool
    assert default_collate([3, 4]).dtype == mt.int64
    # a batch that starts with a float is float64, ints in it included
    assert default_collate([1.5, 2]).dtype == mt.float64 and default_collate([1.5, 2]).tolist() == [1.5, 2.0]


def test_collate_strings_inside_tuples_stay_the_transposed_tuple():
    names, labels = default_collate([("a", 1), ("b", 2)])
    assert names == ("a", "b") and labels.tolist() == [1, 2]
    assert default_collate(["a", "b"]) == ["a", "b"]  # a batch of strings is the batch itself


def test_collate_tensor_with_numpy_array_names_the_element():
    with pytest.raises(TypeError, match="element 1"):
        default_collate([mt.zeros(2), np.zeros(2)])


def test_dataloader_iterator_has_len_and_next():
    loader = DataLoader(TensorDataset(mt.arange(5.0)), batch_size=2)
    batches = iter(loader)
    assert len(batches) == 3  # ceil(5 / 2)
    (first,) = next(batches)
    assert first.tolist() == [0.0, 1.0]
    assert iter(batches) is batches
    assert [len(b[0]) for b in batches] == [2, 1]


def test_random_sampler_on_an_empty_dataset_is_an_error():
    with pytest.raises(ValueError, match="num_samples=0"):
        RandomSampler(range(0))
    with pytest.raises(ValueError, match="num_samples=0"):
        DataLoader(TensorDataset(mt.zeros(0, 2)), shuffle=True)
    assert list(DataLoader(TensorDataset(mt.zeros(0, 2)))) == []  # in order, an empty epoch


def test_weighted_random_sampler_keeps_weights_as_a_float64_tensor():
    sampler = WeightedRandomSampler([1, 3], 4)
    assert isinstance(sampler.weights, mt.Tensor) and sampler.weights.dtype == mt.float64
    assert sampler.weights.tolist() == [1.0, 3.0]
    assert len(list(sampler)) == 4
