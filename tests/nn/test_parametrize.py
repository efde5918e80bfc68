"""mt.nn.utils.parametrize and the weight_norm / spectral_norm reparametrizations (both forms):
values against numpy, gradients reaching the original tensors, state-dict keys, removal."""
import copy
import pickle
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor.nn.utils import parametrizations, parametrize
from tests.strategies import check_gradients


class Symmetric(mt.nn.Module):
    def forward(self, X):
        return X.triu() + X.triu(1).transpose(-1, -2)

    def right_inverse(self, A):
        return A.triu()


class Scale(mt.nn.Module):
    def forward(self, X):
        return 2.0 * X

    def right_inverse(self, A):
        return A / 2.0


def _linear(n_in=3, n_out=3):
    mt.manual_seed(0)
    return mt.nn.Linear(n_in, n_out, dtype=mt.float64)


def test_register_recomputes_the_weight_and_trains_the_original():
    layer = _linear()
    layer(mt.ones(1, 3, dtype=mt.float64))  # reads install the registered-name fast reads first
    plain = _linear()
    start = layer.weight.detach().numpy().copy()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    assert type(layer).__name__ == "ParametrizedLinear" and parametrize.type_before_parametrizations(layer) is mt.nn.Linear
    assert parametrize.is_parametrized(layer) and parametrize.is_parametrized(layer, "weight")
    assert not parametrize.is_parametrized(layer, "bias") and not parametrize.is_parametrized(plain)
    original = layer.parametrizations.weight.original
    np.testing.assert_array_equal(original.detach().numpy(), np.triu(start))  # right_inverse at registration
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original"]
    assert [name for name, _ in layer.named_parameters()] == ["bias", "parametrizations.weight.original"]
    np.testing.assert_array_equal(layer.weight.detach().numpy(), layer.weight.detach().numpy().T)
    with mt.no_grad():
        original.add_(1.0)
    triu = np.triu(original.detach().numpy())
    np.testing.assert_allclose(layer.weight.detach().numpy(), triu + np.triu(triu, 1).T)  # recomputed on each read
    layer(mt.ones(2, 3, dtype=mt.float64)).sum().backward()
    np.testing.assert_allclose(original.grad.detach().numpy(), np.triu(np.full((3, 3), 2.0)) + np.triu(np.full((3, 3), 2.0), 1))
    assert plain.weight.shape == (3, 3) and type(plain) is mt.nn.Linear  # other instances untouched
    optimizer = mt.optim.SGD(layer.parameters(), lr=0.1)
    before = original.detach().numpy().copy()
    optimizer.step()
    assert not np.array_equal(before, original.detach().numpy())


def test_assignment_chaining_cached_and_removal():
    layer = _linear()
    parametrize.register_parametrization(layer, "weight", Symmetric())
    parametrize.register_parametrization(layer, "weight", Scale())
    target = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 5.0], [3.0, 5.0, 6.0]])
    layer.weight = mt.tensor(target)  # right_inverse through the chain
    np.testing.assert_allclose(layer.parametrizations.weight.original.detach().numpy(), np.triu(target) / 2)
    np.testing.assert_allclose(layer.weight.detach().numpy(), target)
    assert layer.weight is not layer.weight
    with parametrize.cached():
        assert layer.weight is layer.weight
    state = layer.state_dict()
    other = _linear()
    parametrize.register_parametrization(other, "weight", Symmetric())
    parametrize.register_parametrization(other, "weight", Scale())
    other.load_state_dict(state)
    np.testing.assert_allclose(other.weight.detach().numpy(), target)
    twin = copy.deepcopy(layer)
    np.testing.assert_allclose(twin.weight.detach().numpy(), target)
    assert twin.parametrizations.weight.original is not layer.parametrizations.weight.original
    with pytest.raises(RuntimeError, match="only supported through state_dict"):
        pickle.dumps(layer)
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is mt.nn.Linear and not hasattr(layer, "parametrizations")
    assert isinstance(layer.weight, mt.nn.Parameter) and list(layer.state_dict()) == ["bias", "weight"]
    np.testing.assert_allclose(layer.weight.detach().numpy(), target)
    parametrize.register_parametrization(other, "bias", Scale())
    parametrize.remove_parametrizations(other, "weight", leave_parametrized=False)
    np.testing.assert_allclose(other.weight.detach().numpy(), np.triu(target) / 2)
    assert type(other).__name__ == "ParametrizedLinear"  # the bias is still parametrized


def test_registration_errors():
    layer = _linear()
    with pytest.raises(ValueError, match="does not have a parameter, a buffer, or a parametrized element"):
        parametrize.register_parametrization(layer, "nothing", Scale())

    class Shrink(mt.nn.Module):
        def forward(self, X):
            return X[:2]

    with pytest.raises(ValueError, match="may not change the shape"):
        parametrize.register_parametrization(layer, "weight", Shrink())
    assert type(layer) is mt.nn.Linear and "weight" in layer._parameters
    with pytest.raises(ValueError, match="does not have a parametrization on weight"):
        parametrize.remove_parametrizations(layer, "weight")
    parametrize.register_parametrization(layer, "weight", Shrink(), unsafe=True)
    assert layer.weight.shape == (2, 3)
    with pytest.raises(RuntimeError, match="does not implement right_inverse"):
        layer.weight = mt.zeros(2, 3, dtype=mt.float64)


@pytest.mark.parametrize("dim", [0, 1, None])
def test_weight_norm_parametrization(dim):
    mt.manual_seed(1)
    conv = mt.nn.Conv1d(2, 3, 2, dtype=mt.float64)
    weight = conv.weight.detach().numpy().copy()
    parametrizations.weight_norm(conv, dim=dim)
    g = conv.parametrizations.weight.original0
    v = conv.parametrizations.weight.original1
    assert list(conv.state_dict()) == ["bias", "parametrizations.weight.original0", "parametrizations.weight.original1"]
    want_g_shape = () if dim is None else tuple(s if d == dim else 1 for d, s in enumerate(weight.shape))
    assert g.shape == want_g_shape
    np.testing.assert_allclose(conv.weight.detach().numpy(), weight, rtol=1e-12)
    with mt.no_grad():
        g.mul_(3.0)
        v.add_(mt.tensor(np.linspace(-1, 1, v.numel()).reshape(v.shape)))
    axes = tuple(d for d in range(v.ndim) if d != dim)
    want = g.detach().numpy() * v.detach().numpy() / np.sqrt((v.detach().numpy() ** 2).sum(axes, keepdims=True))
    np.testing.assert_allclose(conv.weight.detach().numpy(), want, rtol=1e-12)
    check_gradients(lambda g_, v_: parametrizations.weight_norm_value(v_, g_, -1 if dim is None else dim),
                    g.detach().numpy(), v.detach().numpy())


def test_older_weight_norm_hook():
    mt.manual_seed(2)
    layer = mt.nn.Linear(3, 2, dtype=mt.float64)
    weight = layer.weight.detach().numpy().copy()
    with pytest.warns(FutureWarning, match="parametrizations.weight_norm"):
        mt.nn.utils.weight_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight_g", "weight_v"] and layer.weight_g.shape == (2, 1)
    with mt.no_grad():
        layer.weight_g.mul_(2.0)
    x = mt.ones(1, 3, dtype=mt.float64)
    layer(x).sum().backward()  # the pre-hook recomputes module.weight
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * weight, rtol=1e-12)
    assert layer.weight_g.grad is not None and layer.weight_v.grad is not None
    with pytest.raises(RuntimeError, match="Cannot register two weight_norm hooks"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mt.nn.utils.weight_norm(layer)
    mt.nn.utils.remove_weight_norm(layer)
    assert list(layer.state_dict()) == ["bias", "weight"] and not layer._forward_pre_hooks
    np.testing.assert_allclose(layer.weight.detach().numpy(), 2 * weight, rtol=1e-12)
    with pytest.raises(ValueError, match="weight_norm of 'weight' not found"):
        mt.nn.utils.remove_weight_norm(layer)


def _top_singular_value(matrix):
    return np.linalg.svd(matrix, compute_uv=False)[0]


def test_spectral_norm_parametrization():
    mt.manual_seed(3)
    layer = mt.nn.Linear(4, 3, dtype=mt.float64)
    weight = layer.weight.detach().numpy().copy()
    parametrizations.spectral_norm(layer, n_power_iterations=2)
    spectral = layer.parametrizations.weight[0]
    assert list(layer.state_dict()) == ["bias", "parametrizations.weight.original",
                                        "parametrizations.weight.0._u", "parametrizations.weight.0._v"]
    for _ in range(10):
        value = layer.weight
    u, v = spectral._u.detach().numpy(), spectral._v.detach().numpy()
    np.testing.assert_allclose(value.detach().numpy(), weight / (u @ weight @ v), rtol=1e-12)
    np.testing.assert_allclose(_top_singular_value(value.detach().numpy()), 1.0, rtol=1e-8)
    np.testing.assert_allclose(np.linalg.norm(u), 1.0) and np.testing.assert_allclose(np.linalg.norm(v), 1.0)
    layer.eval()
    frozen = spectral._u.detach().numpy().copy()
    layer.weight
    np.testing.assert_array_equal(spectral._u.detach().numpy(), frozen)  # no power iteration in eval mode
    check_gradients(spectral, layer.parametrizations.weight.original.detach().numpy())
    transposed = parametrizations.spectral_norm(mt.nn.ConvTranspose1d(2, 3, 2))
    assert transposed.parametrizations.weight[0].dim == 1 and transposed.parametrizations.weight[0]._u.shape == (3,)
    with pytest.raises(ValueError, match="n_power_iterations to be positive"):
        parametrizations.spectral_norm(mt.nn.Linear(2, 2), n_power_iterations=0)
    with pytest.raises(IndexError, match="Dimension out of range"):
        parametrizations.spectral_norm(mt.nn.Linear(2, 2), dim=2)


def test_older_spectral_norm_hook():
    mt.manual_seed(4)
    conv = mt.nn.Conv2d(2, 3, 2, dtype=mt.float64)
    mt.nn.utils.spectral_norm(conv)
    assert list(conv.state_dict()) == ["bias", "weight_orig", "weight_u", "weight_v"]
    x = mt.ones(1, 2, 3, 3, dtype=mt.float64)
    for _ in range(15):
        conv(x)
    matrix = conv.weight.detach().numpy().reshape(3, -1)
    np.testing.assert_allclose(_top_singular_value(matrix), 1.0, rtol=1e-8)
    conv(x).sum().backward()
    assert conv.weight_orig.grad.shape == (3, 2, 2, 2)
    mt.nn.utils.remove_spectral_norm(conv)
    assert list(conv.state_dict()) == ["bias", "weight"] and isinstance(conv.weight, mt.nn.Parameter)
    with pytest.raises(ValueError, match="spectral_norm of 'weight' not found"):
        mt.nn.utils.remove_spectral_norm(conv)


def _orthonormal_columns(W):
    tall = W if W.shape[-2] >= W.shape[-1] else np.swapaxes(W, -1, -2)
    return np.abs(np.swapaxes(tall, -1, -2) @ tall - np.eye(tall.shape[-1])).max()


@pytest.mark.parametrize("shape, orthogonal_map, use_trivialization", [
    ((3, 3), None, True), ((4, 2), None, True), ((2, 3), "cayley", True), ((2, 3, 3), "matrix_exp", True),
    ((4, 2), "householder", False), ((2, 4), "householder", False),
])
def test_orthogonal_stays_orthogonal_while_training(shape, orthogonal_map, use_trivialization):
    rng = np.random.default_rng(6)
    start = rng.normal(size=shape)
    module = mt.nn.Module()
    module.weight = mt.nn.Parameter(mt.tensor(start))
    parametrizations.orthogonal(module, orthogonal_map=orthogonal_map, use_trivialization=use_trivialization)
    W = module.weight.detach().numpy()
    assert _orthonormal_columns(W) < 1e-12
    tall = start if shape[-2] >= shape[-1] else np.swapaxes(start, -1, -2)
    q, r = np.linalg.qr(tall)
    want = q * np.sign(np.diagonal(r, axis1=-2, axis2=-1))[..., None, :]
    np.testing.assert_allclose(W if shape[-2] >= shape[-1] else np.swapaxes(W, -1, -2), want, atol=1e-12)
    optimizer = mt.optim.SGD(module.parameters(), lr=0.1)
    target = mt.tensor(rng.normal(size=shape))
    for _ in range(3):
        optimizer.zero_grad()
        ((module.weight - target) ** 2).sum().backward()
        optimizer.step()
    assert _orthonormal_columns(module.weight.detach().numpy()) < 1e-10
    assert not np.allclose(module.weight.detach().numpy(), W)
    if module.parametrizations.weight[0].orthogonal_map != "householder":  # its X.diagonal().int() is a step
        check_gradients(module.parametrizations.weight[0], module.parametrizations.weight.original.detach().numpy())


def test_orthogonal_errors():
    with pytest.raises(ValueError, match="Expected a matrix or batch of matrices. Got a tensor of 1 dimensions"):
        parametrizations.orthogonal(mt.nn.Linear(2, 2), name="bias")
    with pytest.raises(ValueError, match='orthogonal_map has to be one of "matrix_exp", "cayley", "householder"'):
        parametrizations.orthogonal(mt.nn.Linear(2, 2), orthogonal_map="qr")
    layer = parametrizations.orthogonal(mt.nn.Linear(2, 2, dtype=mt.float64), orthogonal_map="cayley",
                                        use_trivialization=False)
    with pytest.raises(NotImplementedError, match="not possible to assign"):
        layer.weight = mt.eye(2, dtype=mt.float64)
    layer = parametrizations.orthogonal(mt.nn.Linear(2, 2, dtype=mt.float64))
    layer.weight = mt.tensor([[0.0, 2.0], [3.0, 0.0]], dtype=mt.float64)  # orthogonalized into the base
    np.testing.assert_allclose(layer.weight.detach().numpy(), [[0.0, 1.0], [1.0, 0.0]], atol=1e-12)


def test_a_second_parametrized_name_after_its_fast_read():
    layer = _linear()
    parametrize.register_parametrization(layer, "weight", Scale())
    bias = layer.bias  # a plain read first (the registered-name fast read of the class)
    start = bias.detach().numpy().copy()
    parametrize.register_parametrization(layer, "bias", Scale())
    np.testing.assert_allclose(layer.bias.detach().numpy(), start)  # Scale's right_inverse halved the original
    np.testing.assert_allclose(bias.detach().numpy(), start / 2)
    parametrize.remove_parametrizations(layer, "bias")
    assert layer.bias is bias and type(layer).__name__ == "ParametrizedLinear"
    np.testing.assert_allclose(layer.bias.detach().numpy(), start)
    parametrize.remove_parametrizations(layer, "weight")
    assert type(layer) is mt.nn.Linear and layer.weight.shape == (3, 3)


def test_saving_a_parametrized_module_whole_is_refused_at_save_time(tmp_path):
    # Its class (ParametrizedLinear) is made at run time: no import path could rebuild it, so a file
    # written anyway could never be loaded. PyTorch refuses when saving, too; the state dict saves fine.
    model = mt.nn.Sequential(mt.nn.Linear(3, 2))
    mt.nn.utils.parametrizations.weight_norm(model[0])
    path = tmp_path / "model.pt"
    with pytest.raises(TypeError, match=r"can't save .*made at run time.*state_dict\(\)"):
        mt.save(model, path)
    assert not path.exists()
    mt.save(model.state_dict(), path)
    assert "0.parametrizations.weight.original0" in mt.load(path)
