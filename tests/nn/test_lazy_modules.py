"""Lazy layers: placeholders until the first forward, then the regular layer with the same Parameter objects."""
import math

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn


def test_lazy_linear_materialises_and_becomes_linear():
    layer = nn.LazyLinear(3)
    assert layer.has_uninitialized_params()
    assert isinstance(layer.weight, nn.parameter.UninitializedParameter)
    assert repr(layer.weight) == "<UninitializedParameter>"
    assert repr(layer) == "LazyLinear(in_features=0, out_features=3, bias=True)"
    weight = layer.weight
    x = mt.randn(2, 5)
    out = layer(x)
    assert type(layer) is nn.Linear and layer.in_features == 5
    assert layer.weight is weight and type(weight) is nn.Parameter and weight.shape == (3, 5)
    bound = 1 / math.sqrt(5)  # Linear's default initialisation, drawn after the shape is known
    assert np.all(np.abs(weight.detach().numpy()) <= bound) and np.all(np.abs(layer.bias.detach().numpy()) <= bound)
    expected = x.numpy() @ weight.detach().numpy().T + layer.bias.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)


def test_an_optimizer_made_before_the_first_forward_updates_the_materialised_parameters():
    layer = nn.LazyLinear(2, bias=False)
    optimizer = mt.optim.SGD(layer.parameters(), lr=0.5)
    x = mt.tensor([[1.0, 2.0, 3.0]])
    layer(x).sum().backward()
    before = layer.weight.detach().numpy().copy()
    optimizer.step()
    np.testing.assert_allclose(layer.weight.detach().numpy(), before - 0.5 * np.array([[1.0, 2.0, 3.0]] * 2))


def test_touching_an_uninitialized_parameter_is_pytorchs_error():
    weight = nn.LazyLinear(3).weight
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        weight + 1
    with pytest.raises(ValueError, match="Attempted to use an uninitialized parameter"):
        weight.data
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized parameter or buffer"):
        weight.shape
    assert weight.dtype == mt.float32 and weight.requires_grad


@pytest.mark.parametrize("lazy, regular, shape, weight_shape", [
    (lambda: nn.LazyConv1d(4, 3), nn.Conv1d, (2, 6, 5), (4, 6, 3)),
    (lambda: nn.LazyConv1d(4, 3), nn.Conv1d, (6, 5), (4, 6, 3)),  # unbatched: channels are dim 0
    (lambda: nn.LazyConv2d(4, 3, groups=2, padding=1), nn.Conv2d, (1, 6, 4, 4), (4, 3, 3, 3)),
    (lambda: nn.LazyConv3d(2, 1, bias=False), nn.Conv3d, (1, 3, 2, 2, 2), (2, 3, 1, 1, 1)),
])
def test_lazy_convolutions(lazy, regular, shape, weight_shape):
    layer = lazy()
    out = layer(mt.randn(*shape))
    assert type(layer) is regular and layer.weight.shape == weight_shape and layer.in_channels == weight_shape[1] * layer.groups
    assert out.shape[len(shape) - len(weight_shape) + 1] == weight_shape[0]  # the channel dim


def test_lazy_layers_check_the_first_input():
    with pytest.raises(ValueError, match="LazyLinear: expected an input with at least 1 dimension"):
        nn.LazyLinear(2)(mt.tensor(3.0))
    with pytest.raises(RuntimeError, match="LazyConv2d: expected 3D .unbatched. or 4D .batched. input, got 2D"):
        nn.LazyConv2d(2, 1)(mt.randn(3, 3))
    with pytest.raises(ValueError, match="LazyBatchNorm1d: expected at least 2D input"):
        nn.LazyBatchNorm1d()(mt.randn(3))
    with pytest.raises(ValueError, match="in_channels must be divisible by groups"):
        nn.LazyConv2d(4, 3, groups=2)(mt.randn(1, 3, 4, 4))


def test_lazy_batch_norm_materialises_parameters_and_buffers():
    layer = nn.LazyBatchNorm1d()
    assert isinstance(layer.running_mean, nn.UninitializedBuffer)
    x = mt.tensor([[0.0, 1.0], [2.0, 3.0]])
    out = layer(x)
    assert type(layer) is nn.BatchNorm1d and layer.num_features == 2
    np.testing.assert_allclose(layer.weight.detach().numpy(), [1.0, 1.0])
    np.testing.assert_allclose(layer.running_mean.numpy(), [0.1, 0.2], rtol=1e-6)  # 0.1 * batch mean
    np.testing.assert_allclose(out.detach().numpy(), [[-1.0, -1.0], [1.0, 1.0]], atol=1e-4)
    assert layer.num_batches_tracked.item() == 1
    layer = nn.LazyBatchNorm2d(affine=False)
    layer(mt.randn(2, 3, 2, 2))
    assert type(layer) is nn.BatchNorm2d and layer.running_var.shape == (3,) and layer.weight is None


def test_state_dict_of_a_lazy_layer_holds_placeholders():
    state = nn.LazyLinear(2).state_dict()
    assert all(isinstance(value, nn.UninitializedParameter) for value in state.values())


def test_materialize_by_hand():
    buffer = nn.UninitializedBuffer(dtype=mt.float64)
    buffer.materialize((2, 3))
    assert type(buffer) is mt.Tensor and buffer.shape == (2, 3) and buffer.dtype == mt.float64


def test_a_deep_copy_of_a_lazy_model_initialises_on_its_own():
    import copy

    model = nn.Sequential(nn.LazyLinear(3), nn.ReLU(), nn.LazyLinear(2))
    clone = copy.deepcopy(model)
    assert clone(mt.randn(2, 5)).shape == (2, 2) and type(clone[2]) is nn.Linear
    assert nn.parameter.is_lazy(model[0].weight) and not nn.parameter.is_lazy(clone[0].weight)


def test_load_state_dict_before_the_first_forward_takes_the_checkpoint():
    source = nn.Linear(3, 2)
    lazy = nn.LazyLinear(2)
    optimizer = mt.optim.SGD(lazy.parameters(), lr=0.1)
    assert repr(lazy.load_state_dict(source.state_dict())) == "<All keys matched successfully>"
    assert lazy.weight.shape == (2, 3) and type(lazy).__name__ == "LazyLinear"
    np.testing.assert_array_equal(lazy.weight.detach().numpy(), source.weight.detach().numpy())
    x = mt.randn(4, 3)
    np.testing.assert_array_equal(lazy(x).detach().numpy(), source(x).detach().numpy())  # not re-initialised
    assert type(lazy) is nn.Linear and lazy.in_features == 3
    lazy(x).sum().backward()
    optimizer.step()  # the optimizer made before loading holds the loaded parameters
    np.testing.assert_allclose(lazy.weight.detach().numpy(), source.weight.detach().numpy() - 0.1 * x.numpy().sum(0))


def test_load_state_dict_into_lazy_conv_and_batchnorm():
    conv, lazy_conv = nn.Conv2d(2, 4, 3, groups=2), nn.LazyConv2d(4, 3, groups=2)
    lazy_conv.load_state_dict(conv.state_dict())
    x = mt.randn(1, 2, 5, 5)
    np.testing.assert_array_equal(lazy_conv(x).detach().numpy(), conv(x).detach().numpy())
    assert lazy_conv.in_channels == 2
    norm, lazy_norm = nn.BatchNorm1d(5), nn.LazyBatchNorm1d()
    with mt.no_grad():
        norm.running_mean += 1.5
    lazy_norm.load_state_dict(norm.state_dict())
    norm.eval(), lazy_norm.eval()
    x = mt.randn(3, 5)
    np.testing.assert_array_equal(lazy_norm(x).detach().numpy(), norm(x).detach().numpy())
    assert lazy_norm.num_features == 5


def test_a_failed_load_leaves_the_lazy_layer_lazy_and_a_lazy_checkpoint_loads_nothing():
    lazy = nn.LazyLinear(2)
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "bias"'):
        lazy.load_state_dict({"weight": mt.ones(2, 3)})
    assert lazy.has_uninitialized_params()
    assert repr(lazy.load_state_dict(nn.LazyLinear(2).state_dict())) == "<All keys matched successfully>"
    assert lazy.has_uninitialized_params()
    assert lazy(mt.ones(1, 4)).shape == (1, 2)
