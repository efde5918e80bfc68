"""F.relu_ and the other in-place functional activations, F.rrelu / nn.RReLU, F.alpha_dropout /
F.feature_alpha_dropout (and their modules) and F.gumbel_softmax: values against numpy written here,
float64 gradient checks, training/eval behaviour, reproducibility under mt.manual_seed, errors."""
import math
import warnings

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import check_gradients

X = np.array([-2.0, -0.5, 0.3, 1.5, -3.0, 2.5])
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805

IN_PLACE = [
    (F.relu_, (), lambda x: np.maximum(x, 0)),
    (F.elu_, (0.7,), lambda x: np.where(x > 0, x, 0.7 * np.expm1(x))),
    (F.leaky_relu_, (0.2,), lambda x: np.where(x > 0, x, 0.2 * x)),
    (F.hardtanh_, (-1.0, 0.5), lambda x: np.clip(x, -1.0, 0.5)),
    (F.celu_, (2.0,), lambda x: np.where(x > 0, x, 2.0 * np.expm1(x / 2.0))),
    (F.selu_, (), lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x))),
    (F.threshold_, (0.4, -7.0), lambda x: np.where(x > 0.4, x, -7.0)),
    (F.rrelu_, (0.1, 0.3), lambda x: np.where(x >= 0, x, 0.2 * x)),
]


@pytest.mark.parametrize("function, args, expected", IN_PLACE, ids=lambda v: getattr(v, "__name__", ""))
def test_in_place_activation_writes_through_views_and_bumps_the_version(function, args, expected):
    base = mt.tensor(X.copy())
    view = base[1:4]
    version = base._version
    out = function(base, *args)
    assert out is base and base._version > version
    np.testing.assert_allclose(base.numpy(), expected(X), rtol=1e-12)
    np.testing.assert_allclose(view.numpy(), expected(X)[1:4], rtol=1e-12)


@pytest.mark.parametrize("function, args, expected", IN_PLACE, ids=lambda v: getattr(v, "__name__", ""))
def test_in_place_activation_on_a_non_leaf_is_differentiable(function, args, expected):
    check_gradients(lambda x: function(x * 1.0, *args), X)  # X avoids every kink


def test_in_place_activation_on_a_leaf_that_requires_grad_raises():
    with pytest.raises(RuntimeError, match="leaf Variable"):
        F.relu_(mt.tensor(X, requires_grad=True))


def test_in_place_activation_of_a_saved_input_fails_at_backward():
    x = mt.tensor(X, requires_grad=True)
    y = x.exp()
    F.relu_(y)  # exp saved its output, which relu_ overwrote
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_rrelu_eval_is_a_leaky_relu_of_the_mean_slope():
    x = mt.tensor(np.array([-2.0, 0.0, 3.0]), requires_grad=True)
    y = F.rrelu(x, 0.1, 0.5)
    y.sum().backward()
    np.testing.assert_allclose(y.detach().numpy(), [-0.6, 0.0, 3.0])
    np.testing.assert_allclose(x.grad.numpy(), [0.3, 0.3, 1.0])  # the slope at 0, as PyTorch


def test_rrelu_training_draws_a_slope_per_element_and_its_gradient_is_that_slope():
    x = mt.tensor(-np.linspace(0.5, 3.0, 200), requires_grad=True)
    mt.manual_seed(3)
    y = F.rrelu(x, 0.1, 0.4, training=True)
    y.sum().backward()
    slopes = y.detach().numpy() / x.detach().numpy()
    assert slopes.min() >= 0.1 and slopes.max() <= 0.4 and np.unique(slopes.round(12)).size > 150
    np.testing.assert_allclose(x.grad.numpy(), slopes, rtol=1e-12)
    mt.manual_seed(3)
    np.testing.assert_array_equal(F.rrelu(x.detach(), 0.1, 0.4, training=True).numpy(), y.detach().numpy())
    positive = mt.tensor(np.array([0.5, 2.0]))
    np.testing.assert_array_equal(F.rrelu(positive, training=True).numpy(), [0.5, 2.0])


def test_rrelu_gradient_check_with_fixed_slopes():
    check_gradients(lambda x: F.rrelu(x, 0.2, 0.6), X)
    check_gradients(lambda x: F.rrelu(x, 0.3, 0.3, training=True), X)  # lower == upper: a fixed slope


def test_rrelu_module_follows_train_and_eval():
    layer = nn.RReLU(0.1, 0.3)
    assert repr(layer) == "RReLU(lower=0.1, upper=0.3)" and repr(nn.RReLU(inplace=True)).endswith("inplace=True)")
    x = mt.tensor(-np.ones(50))
    assert np.unique(layer(x).numpy()).size > 1
    layer.eval()
    np.testing.assert_allclose(layer(x).numpy(), -0.2 * np.ones(50))


def test_rrelu_errors():
    with pytest.raises(RuntimeError, match="Lower bound should be less than or equal to the upper bound"):
        F.rrelu(mt.tensor(X), 0.5, 0.2)
    with pytest.raises(NotImplementedError, match="rrelu"):
        F.rrelu(mt.tensor([1, -2]), training=True)
    with pytest.raises(TypeError, match="rrelu"):
        F.rrelu([1.0, -2.0])


ALPHA_PRIME = SELU_SCALE * SELU_ALPHA


def _alpha_affine(p):
    a = 1 / math.sqrt((ALPHA_PRIME ** 2 * p + 1) * (1 - p))
    return a, a * ALPHA_PRIME * p


def test_alpha_dropout_values_and_gradient():
    p = 0.3
    a, b = _alpha_affine(p)
    x = mt.tensor(np.linspace(-1, 1, 400), requires_grad=True)
    mt.manual_seed(0)
    y = F.alpha_dropout(x, p, training=True)
    y.sum().backward()
    kept = x.grad.numpy() != 0
    assert 0.6 < kept.mean() < 0.8
    np.testing.assert_allclose(y.detach().numpy()[kept], a * x.detach().numpy()[kept] + b, rtol=1e-12)
    np.testing.assert_allclose(y.detach().numpy()[~kept], -a * ALPHA_PRIME * (1 - p), rtol=1e-12)
    np.testing.assert_allclose(x.grad.numpy()[kept], a, rtol=1e-12)
    mt.manual_seed(0)
    np.testing.assert_array_equal(F.alpha_dropout(x.detach(), p, training=True).numpy(), y.detach().numpy())


def test_alpha_dropout_keeps_zero_mean_and_unit_variance():
    mt.manual_seed(1)
    x = mt.randn(20000, dtype=mt.float64)
    y = F.alpha_dropout(x, 0.2, training=True).numpy()
    assert abs(y.mean()) < 0.05 and abs(y.std() - 1) < 0.05


def test_feature_alpha_dropout_drops_whole_channels():
    mt.manual_seed(2)
    y = F.feature_alpha_dropout(mt.ones(4, 6, 3, dtype=mt.float64), 0.5, training=True).numpy()
    a, b = _alpha_affine(0.5)
    assert np.all(y == y[:, :, :1])
    assert set(np.unique(y.round(12))) <= {round(a + b, 12), round(-a * ALPHA_PRIME * 0.5, 12)}
    assert F.feature_alpha_dropout(mt.ones(3, 2), 0.5, training=True).shape == (3, 2)


def test_alpha_dropouts_in_eval_edge_probabilities_in_place_and_modules():
    x = mt.tensor(X)
    assert F.alpha_dropout(x) is x and F.feature_alpha_dropout(mt.ones(2, 2)) is not None  # training=False default
    np.testing.assert_array_equal(F.alpha_dropout(x, 1.0, training=True).numpy(), np.zeros(6))
    assert F.alpha_dropout(x, 0.0, training=True) is x
    target = mt.tensor(X.copy())
    assert F.alpha_dropout(target, 0.4, training=True, inplace=True) is target and target._version == 1
    layer = nn.AlphaDropout(0.2)
    assert repr(layer) == "AlphaDropout(p=0.2, inplace=False)"
    assert not np.allclose(layer(x).numpy(), X)
    assert layer.eval()(x) is x
    assert repr(nn.FeatureAlphaDropout(0.1, True)) == "FeatureAlphaDropout(p=0.1, inplace=True)"


def test_alpha_dropout_errors():
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        F.alpha_dropout(mt.tensor(X), 1.5, True)
    with pytest.raises(RuntimeError, match="Feature dropout requires at least 2 dimensions"):
        F.feature_alpha_dropout(mt.tensor(X), 0.5, True)
    with pytest.raises(TypeError, match="floating point"):
        F.alpha_dropout(mt.tensor([1, 2]), 0.5, True)


def test_gumbel_softmax_is_the_softmax_of_the_perturbed_logits():
    logits = np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]])
    mt.manual_seed(5)
    soft = F.gumbel_softmax(mt.tensor(logits), tau=0.5).numpy()
    mt.manual_seed(5)
    gumbel = -np.log(mt.random.numpy_rng().standard_exponential(logits.shape))
    z = (logits + gumbel) / 0.5
    np.testing.assert_allclose(soft, np.exp(z) / np.exp(z).sum(-1, keepdims=True), rtol=1e-12)


def test_gumbel_softmax_hard_is_one_hot_with_the_soft_gradient():
    logits = mt.tensor(np.array([[0.5, -1.0, 2.0], [0.0, 0.3, -0.2]]), requires_grad=True)
    weights = mt.tensor(np.array([[1.0, 2.0], [3.0, -1.0], [0.5, 0.0]]).T)
    mt.manual_seed(7)
    hard = F.gumbel_softmax(logits, hard=True, dim=0)
    (hard * weights).sum().backward()
    values = hard.detach().numpy()
    assert set(np.unique(values)) <= {0.0, 1.0} and np.all(values.sum(0) == 1)
    soft_logits = logits.detach().clone().requires_grad_()
    mt.manual_seed(7)
    (F.gumbel_softmax(soft_logits, dim=0) * weights).sum().backward()
    np.testing.assert_allclose(logits.grad.numpy(), soft_logits.grad.numpy(), rtol=1e-12)


def test_gumbel_softmax_gradient_check_with_a_fixed_seed():
    def seeded(x):
        mt.manual_seed(11)
        return F.gumbel_softmax(x, tau=2.0)
    check_gradients(seeded, np.array([[0.5, -1.0, 2.0], [0.1, 0.2, 0.3]]))


def test_gumbel_softmax_errors_and_deprecated_eps():
    with pytest.warns(UserWarning, match="`eps` parameter is deprecated"):
        F.gumbel_softmax(mt.zeros(2, 3), eps=1e-5)
    with pytest.raises(RuntimeError, match="dtype must be a floating point"):
        F.gumbel_softmax(mt.zeros(2, 3, dtype=mt.int64))
    with pytest.raises(ValueError, match="tau"):
        F.gumbel_softmax(mt.zeros(2, 3), tau=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        F.gumbel_softmax(mt.zeros(2, 3))
