"""Layers: forward against numpy, parameter gradients against central differences (float64)."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import erf

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import check_gradients, float_arrays, shapes


def gradcheck_module(module, x):
    """gradcheck the module's output w.r.t. its input and every parameter (float64)."""
    module.double()
    params = list(module.parameters())
    x = mt.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)

    def fn(inp, *ps):
        return module(inp)

    assert mt.autograd.gradcheck(fn, (x, *params))


# --------------------------------------------------------------------- Linear
@settings(max_examples=15)
@given(batch=shapes(min_dims=0, max_dims=2, max_side=3), sizes=st.tuples(st.integers(1, 4), st.integers(1, 4)),
       bias=st.booleans(), data=st.data())
def test_linear_forward_matches_numpy_and_gradchecks(batch, sizes, bias, data):
    in_features, out_features = sizes
    layer = nn.Linear(in_features, out_features, bias=bias)
    x = data.draw(float_arrays(batch + (in_features,)))
    expected = x.astype(np.float32) @ layer.weight.detach().numpy().T + (layer.bias.detach().numpy() if bias else 0)
    out = layer(mt.tensor(x.astype(np.float32)))
    assert out.shape == batch + (out_features,) and out.dtype == mt.float32
    np.testing.assert_allclose(out.data, expected, rtol=1e-5, atol=1e-6)
    gradcheck_module(layer, x)


def test_linear_parameter_gradients_are_the_textbook_formulas():
    layer = nn.Linear(3, 2).double()
    x = np.random.default_rng(0).normal(size=(5, 3))
    g = np.random.default_rng(1).normal(size=(5, 2))
    layer(mt.tensor(x)).backward(mt.tensor(g))
    np.testing.assert_allclose(layer.weight.grad.data, g.T @ x)
    np.testing.assert_allclose(layer.bias.grad.data, g.sum(axis=0))
    assert layer.weight.grad.dtype == mt.float64


def test_linear_shapes_dtypes_and_initial_bounds():
    mt.manual_seed(0)
    layer = nn.Linear(50, 40)
    assert layer.weight.shape == (40, 50) and layer.bias.shape == (40,)
    assert layer.weight.dtype == mt.float32 and layer.weight.requires_grad
    bound = 1 / math.sqrt(50)
    for values in (layer.weight.detach().numpy(), layer.bias.detach().numpy()):
        assert np.all(np.abs(values) <= bound)
        assert np.abs(values).max() > 0.8 * bound  # spread over the whole interval, not a tiny one
    assert abs(layer.weight.detach().numpy().std() - bound / math.sqrt(3)) < 0.1 * bound
    assert nn.Linear(2, 2, dtype=mt.float64).weight.dtype == mt.float64


def test_linear_init_is_reproducible_under_manual_seed():
    mt.manual_seed(7)
    a = nn.Linear(4, 3)
    mt.manual_seed(7)
    b = nn.Linear(4, 3)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    np.testing.assert_array_equal(a.bias.data, b.bias.data)
    assert not np.array_equal(a.weight.detach().numpy(), nn.Linear(4, 3).weight.detach().numpy())


def test_linear_wrong_input_size_names_the_shapes():
    with pytest.raises(RuntimeError, match=r"\(4x3 and 5x2\)"):
        nn.Linear(5, 2)(mt.ones(4, 3))


def test_linear_dtype_mismatch_is_a_clear_error():
    with pytest.raises(RuntimeError, match="same dtype.*float64"):
        nn.Linear(2, 2)(mt.ones(1, 2, dtype=mt.float64))


def test_functional_linear_without_bias_and_second_derivatives():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(3, 2))

    def grad_wrt_x(x, weight):
        out = F.linear(x, weight)
        (gx,) = mt.autograd.grad((out * out).sum(), x, create_graph=True)
        return gx

    check_gradients(grad_wrt_x, rng.normal(size=(4, 2)), w)


# ---------------------------------------------------------------- activations
def gelu_reference(x):
    return 0.5 * x * (1 + erf(x / math.sqrt(2)))


def gelu_tanh_reference(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def softmax_reference(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


ELEMENTWISE = [
    (nn.ReLU, lambda x: np.maximum(x, 0), 0.1),
    (nn.Sigmoid, lambda x: 1 / (1 + np.exp(-x)), 0.0),
    (nn.Tanh, np.tanh, 0.0),
    (lambda: nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x), 0.1),
    (nn.GELU, gelu_reference, 0.0),
    (lambda: nn.GELU(approximate="tanh"), gelu_tanh_reference, 0.0),
    (nn.Identity, lambda x: x, 0.0),
]


@pytest.mark.parametrize("make, reference, away", ELEMENTWISE)
@settings(max_examples=10)
@given(data=st.data())
def test_elementwise_activation_layers_match_numpy_and_gradcheck(make, reference, away, data):
    x = data.draw(float_arrays(data.draw(shapes(max_dims=3)), away_from_zero=away))
    layer = make()
    np.testing.assert_allclose(layer(mt.tensor(x)).data, reference(x), rtol=1e-10, atol=1e-12)
    gradcheck_module(layer, x)


@pytest.mark.parametrize("make, reference", [(nn.Softmax, softmax_reference),
                                             (nn.LogSoftmax, lambda x, a: np.log(softmax_reference(x, a)))])
@settings(max_examples=10)
@given(data=st.data())
def test_softmax_layers_match_numpy_and_gradcheck(make, reference, data):
    x = data.draw(float_arrays(data.draw(shapes(min_dims=1, max_dims=3))))
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    layer = make(dim=dim)
    out = layer(mt.tensor(x)).data
    np.testing.assert_allclose(out, reference(x, dim), rtol=1e-10, atol=1e-12)
    gradcheck_module(layer, x)


def test_softmax_float32_large_logits_stay_finite():
    x = mt.tensor([[1000.0, 0.0, -1000.0]])
    np.testing.assert_allclose(nn.Softmax(dim=1)(x).data, [[1, 0, 0]])
    assert np.all(np.isfinite(nn.LogSoftmax(dim=1)(x).numpy()))


def test_functional_activations_forward_to_the_ops():
    x = mt.tensor([-2.0, -0.5, 0.5, 3.0])
    np.testing.assert_allclose(F.relu(x).data, [0, 0, 0.5, 3])
    np.testing.assert_allclose(F.leaky_relu(x, 0.1).data, [-0.2, -0.05, 0.5, 3], rtol=1e-6)
    np.testing.assert_allclose(F.softplus(x).data, np.log1p(np.exp(x.numpy())), rtol=1e-6)
    np.testing.assert_allclose(F.tanh(x).data, np.tanh(x.numpy()), rtol=1e-6)
    np.testing.assert_allclose(F.sigmoid(x).data, 1 / (1 + np.exp(-x.numpy())), rtol=1e-6)


# -------------------------------------------------------------------- Flatten
@pytest.mark.parametrize("start, end, shape", [(1, -1, (2, 60)), (0, -1, (120,)), (1, 2, (2, 12, 5)), (2, 3, (2, 3, 20))])
def test_flatten_matches_numpy_reshape(start, end, shape):
    x = np.arange(120.0).reshape(2, 3, 4, 5)
    out = nn.Flatten(start, end)(mt.tensor(x))
    assert out.shape == shape
    np.testing.assert_array_equal(out.data, x.reshape(shape))
    gradcheck_module(nn.Flatten(start, end), x[:1, :2, :2, :2])


# points away from every kink (+-3 of the hard ones, +-0.5 of the shrinks, 0, the threshold 0.25)
COMPOSITE_POINTS = np.array([[-4.1, -2.2, -0.9, -0.3, 0.15], [0.4, 0.8, 1.7, 2.6, 3.4]])
COMPOSITE = [
    (nn.LogSigmoid, lambda x: -np.log1p(np.exp(-x))),
    (nn.Softsign, lambda x: x / (1 + np.abs(x))),
    (nn.Hardsigmoid, lambda x: np.clip(x / 6 + 0.5, 0, 1)),
    (nn.Hardswish, lambda x: x * np.clip(x + 3, 0, 6) / 6),
    (nn.Tanhshrink, lambda x: x - np.tanh(x)),
    (lambda: nn.Threshold(0.25, -2.0), lambda x: np.where(x > 0.25, x, -2.0)),
    (lambda: nn.CELU(0.5), lambda x: np.where(x > 0, x, 0.5 * (np.exp(x / 0.5) - 1))),
    (nn.Softshrink, lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0)),
    (nn.Hardshrink, lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    (lambda: nn.Softmin(dim=1), lambda x: softmax_reference(-x, 1)),
    (lambda: nn.GLU(dim=1), lambda x: x[:, :2] / (1 + np.exp(-x[:, 2:4]))),
    (nn.PReLU, lambda x: np.where(x > 0, x, 0.25 * x)),
]


@pytest.mark.parametrize("make, reference", COMPOSITE)
def test_composite_activations_match_numpy_and_gradcheck(make, reference):
    x = COMPOSITE_POINTS if make().__class__.__name__ != "GLU" else COMPOSITE_POINTS[:, :4]
    layer = make().double()
    np.testing.assert_allclose(layer(mt.tensor(x)).detach().numpy(), reference(x), rtol=1e-12, atol=1e-12)
    gradcheck_module(make(), x)


def test_prelu_learns_one_slope_per_channel():
    layer = nn.PReLU(3, init=0.1)
    assert repr(layer) == "PReLU(num_parameters=3)" and list(layer.state_dict()) == ["weight"]
    x = mt.tensor(-np.ones((2, 3, 4)), requires_grad=True)
    layer.double()(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), [-8.0, -8.0, -8.0])  # d(a x)/da = x, 8 values each
    gradcheck_module(nn.PReLU(3), np.linspace(-2, 2, 24).reshape(2, 3, 4) + 0.01)
    with pytest.raises(RuntimeError, match="parameter numbers = 3 and channel size = 4"):
        nn.PReLU(3)(mt.zeros(2, 4))


def test_composite_activation_errors_and_reprs():
    with pytest.raises(RuntimeError, match="Halving dimension must be even, but dimension 1 is size 3"):
        F.glu(mt.zeros(2, 3))
    with pytest.raises(RuntimeError, match="alpha cannot be 0"):
        F.celu(mt.zeros(2), 0.0)
    assert repr(nn.Threshold(0.1, 20, inplace=True)) == "Threshold(threshold=0.1, value=20, inplace=True)"
    assert repr(nn.Softshrink(0.3)) == "Softshrink(0.3)" and repr(nn.Softmin(1)) == "Softmin(dim=1)"
    x = mt.tensor([-4.0, 1.0, 4.0])
    F.hardswish(x, inplace=True)
    np.testing.assert_allclose(x.numpy(), [0.0, 4 / 6, 4.0])


# -------------------------------------------------------------------- Dropout
def test_dropout_is_the_identity_in_eval_mode():
    layer = nn.Dropout(0.5).eval()
    x = mt.randn(10, 10)
    np.testing.assert_array_equal(layer(x).data, x.data)
    np.testing.assert_array_equal(F.dropout(x, 0.5, training=False).data, x.data)


def test_dropout_in_training_zeros_about_p_and_scales_the_rest():
    mt.manual_seed(0)
    x = mt.ones(200, 200)
    out = nn.Dropout(0.3)(x).numpy()
    zero_fraction = np.mean(out == 0)
    assert abs(zero_fraction - 0.3) < 0.01  # 40000 draws: sd of the fraction is 0.0023
    np.testing.assert_allclose(out[out != 0], 1 / 0.7, rtol=1e-6)
    assert out.dtype == np.float32


def test_dropout_gradient_is_the_scaled_mask():
    mt.manual_seed(1)
    x = mt.randn(50, 4, requires_grad=True)
    out = F.dropout(x, 0.5)
    out.sum().backward()
    values = x.detach().numpy()
    mask = out.detach().numpy() / np.where(values == 0, 1, values)
    np.testing.assert_allclose(x.grad.data, mask, rtol=1e-5)
    assert set(np.round(np.unique(x.grad.numpy()), 5)) <= {0.0, 2.0}


def test_dropout_is_reproducible_under_manual_seed():
    x = mt.ones(30)
    mt.manual_seed(3)
    first = F.dropout(x, 0.5).data
    mt.manual_seed(3)
    np.testing.assert_array_equal(F.dropout(x, 0.5).data, first)


def test_dropout_edge_probabilities():
    x = mt.randn(5, 5)
    assert np.all(F.dropout(x, 1.0).numpy() == 0)
    np.testing.assert_array_equal(F.dropout(x, 0.0).data, x.data)


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_dropout_probability_outside_unit_interval_is_a_value_error(p):
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(p)
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout(mt.ones(2), p)


@pytest.mark.parametrize("layer, shape, mask_shape", [
    (nn.Dropout1d, (20, 30, 4), (20, 30, 1)), (nn.Dropout1d, (30, 4), (30, 1)),
    (nn.Dropout2d, (20, 30, 3, 2), (20, 30, 1, 1)), (nn.Dropout3d, (30, 2, 2, 2), (30, 1, 1, 1)),
    (nn.Dropout3d, (4, 30, 1, 2, 2), (4, 30, 1, 1, 1)),
])
def test_channel_dropout_zeroes_whole_channels_and_its_gradient_is_the_mask(layer, shape, mask_shape):
    mt.manual_seed(0)
    x = mt.ones(*shape, requires_grad=True)
    out = layer(0.4)(x)
    out.sum().backward()
    values = out.detach().numpy()
    kept = len(mask_shape) - mask_shape.count(1)  # the (sample,) channel dims
    per_channel = values.reshape(shape[:kept] + (-1,))
    assert (per_channel == per_channel[..., :1]).all()  # one value per channel
    np.testing.assert_allclose(np.unique(values), [0.0, 1 / 0.6], rtol=1e-6)
    assert abs(np.mean(per_channel[..., 0] == 0) - 0.4) < 0.15  # 600-900 channels
    np.testing.assert_array_equal(x.grad.numpy(), values)
    np.testing.assert_array_equal(layer(0.4).eval()(x).detach().numpy(), x.detach().numpy())
    assert repr(layer(0.4)) == f"{layer.__name__}(p=0.4, inplace=False)"


def test_channel_dropout_errors_and_dropout2d_of_a_3d_input():
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input, but received a 4D input"):
        F.dropout1d(mt.ones(2, 3, 4, 5))
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout2d(1.5)
    with pytest.warns(UserWarning, match=r"interpreted as shape \(N, C, L\)"):
        out = F.dropout2d(mt.ones(8, 50, 3), 0.5).numpy()  # PyTorch's reading of a 3-D input
    assert (out == out[..., :1]).all()
    assert np.all(F.dropout2d(mt.ones(2, 3, 2, 2), 1.0).numpy() == 0)


# ----------------------------------------------------------------- small MLP
def test_mlp_in_float64_gradchecks_every_parameter():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2), nn.LogSoftmax(dim=1))
    gradcheck_module(model, np.random.default_rng(0).normal(size=(2, 3)))


# ------------------------------------------------------------------- Bilinear
def test_bilinear_matches_the_quadratic_form_and_gradchecks():
    rng = np.random.default_rng(0)
    layer = nn.Bilinear(2, 3, 4).double()
    bound = 1 / math.sqrt(2)
    assert np.abs(layer.weight.detach().numpy()).max() <= bound and tuple(layer.weight.shape) == (4, 2, 3)
    x1, x2 = rng.standard_normal((5, 2)), rng.standard_normal((5, 3))
    weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    want = np.array([[x1[n] @ weight[o] @ x2[n] + bias[o] for o in range(4)] for n in range(5)])
    np.testing.assert_allclose(layer(mt.tensor(x1), mt.tensor(x2)).detach().numpy(), want, rtol=1e-12)
    assert mt.autograd.gradcheck(lambda a, b, w: F.bilinear(a, b, w, layer.bias),
                                 [mt.tensor(v, requires_grad=True) for v in (x1, x2, weight)])
    assert repr(nn.Bilinear(2, 3, 4, bias=False)) == "Bilinear(in1_features=2, in2_features=3, out_features=4, bias=False)"
    with pytest.raises(RuntimeError, match="bilinear"):
        layer(mt.tensor(x2), mt.tensor(x2))


# --------------------------------------------------------------- PixelShuffle
def test_pixel_shuffle_moves_channel_blocks_into_pixels_and_unshuffle_inverts_it():
    x = np.arange(2 * 8 * 2 * 3, dtype=np.float64).reshape(2, 8, 2, 3)
    out = nn.PixelShuffle(2)(mt.tensor(x)).numpy()
    assert out.shape == (2, 2, 4, 6)
    for c, h, w, i, j in [(0, 0, 0, 0, 0), (1, 1, 2, 1, 0), (0, 1, 1, 1, 1)]:  # y[c, h r + i, w r + j] = x[c r^2 + i r + j, h, w]
        assert out[1, c, h * 2 + i, w * 2 + j] == x[1, c * 4 + i * 2 + j, h, w]
    np.testing.assert_array_equal(F.pixel_unshuffle(mt.tensor(out), 2).numpy(), x)
    assert mt.autograd.gradcheck(lambda a: F.pixel_shuffle(a, 2), (mt.tensor(x[:1, :4] / 10, requires_grad=True),))
    assert repr(nn.PixelShuffle(3)) == "PixelShuffle(upscale_factor=3)"
    with pytest.raises(RuntimeError, match="divisible by the square of upscale_factor"):
        F.pixel_shuffle(mt.zeros(1, 7, 2, 2), 2)
