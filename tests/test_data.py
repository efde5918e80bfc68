"""TensorDataset and DataLoader: every sample once per epoch, batch shapes, reproducible shuffles."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.utils.data import DataLoader, Dataset, TensorDataset, random_split


def _dataset(n, features=3):
    X = mt.tensor(np.arange(n * features, dtype=np.float32).reshape(n, features))
    y = mt.tensor(np.arange(n))
    return TensorDataset(X, y)


@given(n=st.integers(1, 40), batch_size=st.integers(1, 12), shuffle=st.booleans(), drop_last=st.booleans())
@settings(max_examples=40)
def test_every_sample_once_per_epoch(n, batch_size, shuffle, drop_last):
    loader = DataLoader(_dataset(n), batch_size=batch_size, shuffle=shuffle, drop_last=drop_last)
    expected_batches = n // batch_size if drop_last else -(-n // batch_size)
    assert len(loader) == expected_batches
    for _ in range(2):
        seen = []
        batches = list(loader)
        assert len(batches) == expected_batches
        for xb, yb in batches:
            assert isinstance(xb, mt.Tensor) and isinstance(yb, mt.Tensor)
            assert xb.dtype == np.float32 and yb.dtype == np.int64
            assert xb.shape[1:] == (3,) and xb.shape[0] == yb.shape[0]
            assert xb.shape[0] == batch_size or (not drop_last and xb is batches[-1][0])
            # rows stay paired with their labels
            np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy() * 3)
            seen.extend(yb.tolist())
        if drop_last:
            assert len(seen) == len(set(seen)) == expected_batches * batch_size
            assert set(seen) <= set(range(n))
        else:
            assert sorted(seen) == list(range(n))
        if not shuffle:
            assert seen == list(range(len(seen)))


def test_drop_last_drops_only_the_short_batch():
    loader = DataLoader(_dataset(10), batch_size=4, drop_last=True)
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2, 3], [4, 5, 6, 7]]
    loader = DataLoader(_dataset(10), batch_size=4)
    assert [yb.tolist() for _, yb in loader] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_shuffle_is_reproducible_under_manual_seed_and_changes_per_epoch():
    loader = DataLoader(_dataset(50), batch_size=8, shuffle=True)

    def epochs():
        return [np.concatenate([yb.numpy() for _, yb in loader]).tolist() for _ in range(3)]

    mt.manual_seed(123)
    first = epochs()
    mt.manual_seed(123)
    assert epochs() == first
    assert first[0] != first[1] != first[2]
    assert first[0] != list(range(50))
    mt.manual_seed(124)
    assert epochs() != first


def test_batches_are_copies_not_views():
    X = mt.tensor(np.zeros((4, 2)))
    (xb,) = next(iter(DataLoader(TensorDataset(X), batch_size=2)))
    xb.data[...] = 7
    assert (X.numpy() == 0).all()


def test_tensor_dataset_indexing_and_len():
    ds = _dataset(5)
    assert len(ds) == 5
    x, y = ds[2]
    np.testing.assert_array_equal(x.data, [6, 7, 8])
    assert y.item() == 2


def test_tensor_dataset_size_mismatch_names_the_sizes():
    with pytest.raises(ValueError, match=r"Size mismatch.*\[4, 3\]"):
        TensorDataset(mt.zeros(4, 2), mt.zeros(3))
    with pytest.raises(TypeError, match="argument 1 is a list"):
        TensorDataset(mt.zeros(4, 2), [1, 2, 3, 4])


def test_generic_dataset_is_collated():
    class Squares(Dataset):
        def __len__(self):
            return 7

        def __getitem__(self, i):
            return {"x": np.full(2, i, dtype=np.float32), "y": i * i, "w": float(i), "name": f"s{i}"}

    batches = list(DataLoader(Squares(), batch_size=3))
    assert len(batches) == 3
    first = batches[0]
    assert first["x"].shape == (3, 2) and first["x"].dtype == np.float32
    assert first["y"].tolist() == [0, 1, 4] and first["y"].dtype == np.int64
    assert first["w"].dtype == np.float64  # Python floats collate to float64, as in PyTorch
    assert first["name"] == ["s0", "s1", "s2"]
    assert batches[-1]["y"].tolist() == [36]


def test_batch_size_none_yields_single_samples():
    samples = list(DataLoader(_dataset(3), batch_size=None))
    assert len(samples) == 3 and samples[1][1].item() == 1 and samples[1][0].shape == (3,)


def test_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(_dataset(3), batch_size=0)


def test_random_split_partitions_the_dataset():
    mt.manual_seed(0)
    parts = random_split(_dataset(10), [7, 3])
    assert [len(p) for p in parts] == [7, 3]
    labels = [int(p[i][1].item()) for p in parts for i in range(len(p))]
    assert sorted(labels) == list(range(10))
    with pytest.raises(ValueError, match="Sum of input lengths"):
        random_split(_dataset(10), [5, 4])


def test_training_loop_from_the_issue_runs():
    mt.manual_seed(0)
    X = mt.randn(64, 4)
    y = mt.tensor(np.arange(64) % 2)
    w = mt.zeros(4, requires_grad=True)
    opt = mt.optim.SGD([w], lr=0.1)
    steps = 0
    for xb, yb in DataLoader(TensorDataset(X, y), batch_size=16, shuffle=True):
        loss = ((xb @ w - yb) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        steps += 1
    assert steps == 4 and w.grad is not None
