"""PyTorch-parity details of nn.Module and nn.init: load_state_dict errors, to(), set_submodule, dirac_, sparse_."""
import numpy as np
import pytest

import microtensor as mt
from microtensor import nn


def test_load_state_dict_lists_missing_before_unexpected():
    layer = nn.Linear(2, 2)
    with pytest.raises(RuntimeError) as info:
        layer.load_state_dict({"weight": mt.zeros(2, 2), "extra": mt.zeros(1)})
    text = str(info.value)
    assert text.index('Missing key(s) in state_dict: "bias"') < text.index('Unexpected key(s) in state_dict: "extra"')


def test_load_state_dict_takes_a_one_element_form_of_a_0d_buffer():
    bn = nn.BatchNorm1d(2)
    bn.load_state_dict({**bn.state_dict(), "num_batches_tracked": mt.tensor([3])})
    assert bn.num_batches_tracked.shape == () and int(bn.num_batches_tracked) == 3


def test_to_accepts_non_blocking_and_share_memory_returns_self():
    layer = nn.Linear(1, 1)
    assert layer.to("cpu", non_blocking=True) is layer
    assert layer.to(mt.float64, non_blocking=True).weight.dtype == mt.float64
    assert layer.share_memory() is layer


def test_set_submodule():
    model = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU()))
    model.set_submodule("1.0", nn.Tanh())
    assert isinstance(model[1][0], nn.Tanh)
    with pytest.raises(TypeError):
        model.set_submodule("0", 3)
    with pytest.raises(AttributeError):
        model.set_submodule("1.5", nn.ReLU(), strict=True)


def test_init_range_errors_are_runtime_errors():
    with pytest.raises(RuntimeError):
        nn.init.uniform_(mt.zeros(3), 2, 1)
    with pytest.raises(RuntimeError):
        nn.init.normal_(mt.zeros(3), 0, -1)


def test_dirac_identity_convolution():
    weight = nn.init.dirac_(mt.zeros(4, 2, 3, 3), groups=2)
    expected = np.zeros((4, 2, 3, 3))
    for out, inp in [(0, 0), (1, 1), (2, 0), (3, 1)]:
        expected[out, inp, 1, 1] = 1
    assert np.array_equal(weight.numpy(), expected)
    x = mt.randn(1, 2, 5)
    assert np.allclose(mt.nn.functional.conv1d(x, nn.init.dirac_(mt.zeros(2, 2, 3)), padding=1).numpy(), x.numpy())
    with pytest.raises(ValueError):
        nn.init.dirac_(mt.zeros(4, 2))


def test_sparse_zeros_a_fraction_of_each_column():
    weight = nn.init.sparse_(mt.ones(10, 4), 0.3, std=0.5)
    assert ((weight.numpy() == 0).sum(axis=0) == 3).all()
    with pytest.raises(ValueError):
        nn.init.sparse_(mt.ones(2, 2, 2), 0.5)


def test_deprecated_init_spellings_warn_and_fill():
    with pytest.warns(FutureWarning):
        t = nn.init.constant(mt.zeros(2), 0.5)
    assert t.tolist() == [0.5, 0.5]
