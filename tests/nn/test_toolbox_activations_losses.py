"""The toolbox's activation layers (SiLU, ELU, SELU, Hardtanh, ReLU6, Mish and their F. forms with
inplace=) and losses (smooth_l1_loss, huber_loss, kl_div): values against numpy formulas written here
(scipy's xlogy for KL), gradients by central differences, reductions, reprs and errors."""
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import xlogy

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import check_gradients, float_arrays, shapes

REDUCTIONS = ["mean", "sum", "none"]


def reduce(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


def t64(array, requires_grad=False):
    return mt.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


# ----------------------------------------------------------------- activations
@pytest.mark.parametrize("module, text", [
    (nn.SiLU(), "SiLU()"), (nn.SiLU(inplace=True), "SiLU(inplace=True)"), (nn.ELU(), "ELU(alpha=1.0)"),
    (nn.ELU(0.5, inplace=True), "ELU(alpha=0.5, inplace=True)"), (nn.SELU(), "SELU()"), (nn.Mish(), "Mish()"),
    (nn.Hardtanh(), "Hardtanh(min_val=-1.0, max_val=1.0)"),
    (nn.Hardtanh(-2, 3.0, True), "Hardtanh(min_val=-2, max_val=3.0, inplace=True)"),
    (nn.ReLU6(), "ReLU6()"), (nn.ReLU6(inplace=True), "ReLU6(inplace=True)"),
])
def test_activation_modules_print_as_pytorch(module, text):
    assert repr(module) == text


@pytest.mark.parametrize("module, function", [
    (nn.SiLU(), F.silu), (nn.ELU(alpha=0.3), lambda x: F.elu(x, 0.3)), (nn.SELU(), F.selu), (nn.Mish(), F.mish),
    (nn.Hardtanh(-0.5, 2.0), lambda x: F.hardtanh(x, -0.5, 2.0)), (nn.ReLU6(), F.relu6),
])
def test_activation_modules_compute_their_functional_form_and_keep_float32(module, function):
    x = mt.tensor(np.linspace(-4, 7, 12, dtype=np.float32).reshape(3, 4))
    out = module(x)
    assert out.dtype == mt.float32 and out.shape == (3, 4)
    np.testing.assert_array_equal(out.data, function(x).data)
    assert list(module.parameters()) == [] and module.state_dict() == {}


@pytest.mark.parametrize("function, name", [
    (F.silu, "silu"), (lambda t, **k: F.elu(t, 0.7, **k), "elu"), (F.selu, "selu"), (F.mish, "mish"),
    (F.hardtanh, "hardtanh"), (F.relu6, "relu6"), (F.relu, "relu"), (lambda t, **k: F.leaky_relu(t, 0.2, **k), "leaky"),
])
def test_inplace_activations_write_into_their_input_and_keep_the_gradient(function, name):
    values = np.array([-2.0, -0.5, 0.5, 3.0, 7.0])
    x = t64(values, requires_grad=True)
    (expected_grad,) = mt.autograd.grad(function(x * 2).sum(), x)
    y = x * 2
    out = function(y, inplace=True)
    assert out is y
    np.testing.assert_allclose(y.data, function(t64(values * 2)).data)
    (grad,) = mt.autograd.grad(out.sum(), x)
    np.testing.assert_allclose(grad.data, expected_grad.data)
    assert x.tolist() == values.tolist()  # only y was written to
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        function(x, inplace=True)


def test_inplace_modules_modify_their_input():
    for module in (nn.SiLU(inplace=True), nn.ELU(inplace=True), nn.Hardtanh(inplace=True), nn.ReLU(inplace=True)):
        x = mt.tensor([-3.0, 2.0])
        assert module(x) is x and x.tolist() != [-3.0, 2.0]


def test_hardtanh_module_checks_its_range_and_renames_old_keywords():
    with pytest.raises(AssertionError, match=r"max_val \(1\) must be greater than min_val \(2\)"):
        nn.Hardtanh(2, 1)
    with pytest.warns(FutureWarning, match="min_value"):
        module = nn.Hardtanh(min_value=-3.0)
    assert module.min_val == -3.0
    with pytest.raises(ValueError, match="min_val cannot be greater than max_val"):
        F.hardtanh(mt.ones(2), 1.0, -1.0)


# ------------------------------------------------------------ smooth L1, Huber
def smooth_l1_reference(x, y, beta):
    d = np.abs(x - y)
    if beta == 0:
        return d
    return np.where(d < beta, 0.5 * d ** 2 / beta, d - 0.5 * beta)


def huber_reference(x, y, delta):
    d = np.abs(x - y)
    return np.where(d <= delta, 0.5 * d ** 2, delta * (d - 0.5 * delta))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=6)
@given(shape=shapes(max_dims=3), threshold=st.sampled_from([0.5, 1.0, 2.0]), data=st.data())
def test_smooth_l1_and_huber_match_numpy_and_gradcheck(reduction, shape, threshold, data):
    x = data.draw(float_arrays(shape))
    y = data.draw(float_arrays(shape))
    out = F.smooth_l1_loss(t64(x), t64(y), reduction=reduction, beta=threshold)
    np.testing.assert_allclose(out.data, reduce(smooth_l1_reference(x, y, threshold), reduction), rtol=1e-12)
    out = F.huber_loss(t64(x), t64(y), reduction=reduction, delta=threshold)
    np.testing.assert_allclose(out.data, reduce(huber_reference(x, y, threshold), reduction), rtol=1e-12)
    check_gradients(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=threshold), x, y)
    check_gradients(lambda a, b: F.huber_loss(a, b, reduction=reduction, delta=threshold), x, y)


def test_smooth_l1_gradient_is_the_clipped_difference_and_beta_zero_is_l1():
    x = t64([0.0, 0.2, -3.0, 1.0, 2.0], requires_grad=True)
    y = t64([0.0, 0.0, 0.0, 0.5, 1.0])
    F.smooth_l1_loss(x, y, reduction="sum", beta=0.5).backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.4, -1.0, 1.0, 1.0])  # at |d| = beta: d / beta = 1
    x.grad = None
    F.huber_loss(x, y, reduction="sum", delta=0.5).backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 0.2, -0.5, 0.5, 0.5])
    x.grad = None
    loss = F.smooth_l1_loss(x, y, reduction="none", beta=0.0)
    np.testing.assert_allclose(loss.data, np.abs(x.data - y.data))
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, 1.0, -1.0, 1.0, 1.0])  # sign(d), 0 at d = 0


def test_huber_weight_scales_each_element_and_must_match_the_input():
    x, y = t64([[1.0, -2.0], [0.5, 3.0]]), t64(np.zeros((2, 2)))
    weight = np.array([[1.0, 2.0], [0.0, 0.5]])
    out = F.huber_loss(x, y, reduction="mean", weight=t64(weight))
    np.testing.assert_allclose(out.item(), np.mean(weight * huber_reference(x.data, 0.0, 1.0)))
    with pytest.raises(ValueError, match="Weights and input must have the same size"):
        F.huber_loss(x, y, weight=t64([1.0, 2.0]))


def test_smooth_l1_and_huber_modules_errors_and_dtypes():
    x = mt.tensor([[0.3, -2.0]], requires_grad=True)
    y = mt.tensor([[0.0, 0.0]])
    assert repr(nn.SmoothL1Loss()) == "SmoothL1Loss()" and repr(nn.HuberLoss()) == "HuberLoss()"
    out = nn.SmoothL1Loss(beta=0.5)(x, y)
    assert out.dtype == mt.float32 and out.shape == ()
    assert out.item() == pytest.approx((0.09 / 1.0 + 1.75) / 2, rel=1e-6)
    out.backward()
    assert x.grad.dtype == mt.float32
    assert nn.HuberLoss(reduction="sum", delta=2.0)(x, y).item() == pytest.approx(0.045 + 2.0, rel=1e-6)
    assert nn.SmoothL1Loss(reduction="none")(x, y).shape == (1, 2)
    assert F.smooth_l1_loss(x, y, reduce=False).shape == (1, 2)  # PyTorch's deprecated arguments
    assert F.smooth_l1_loss(x, y.double()).dtype == mt.float64  # mixed dtypes promote, as PyTorch
    with pytest.raises(RuntimeError, match="negative values for beta"):
        F.smooth_l1_loss(x, y, beta=-1.0)
    with pytest.raises(RuntimeError, match="non-positive values for delta"):
        F.huber_loss(x, y, delta=0.0)
    with pytest.raises(ValueError, match=r"target size \(2,\).*input size \(1, 2\)"):
        F.smooth_l1_loss(x, mt.zeros(2))
    with pytest.raises(ValueError, match="batchmean is not a valid value"):
        F.huber_loss(x, y, reduction="batchmean")
    with pytest.raises(TypeError, match="floating point"):
        F.smooth_l1_loss(mt.tensor([1, 2]), mt.tensor([1, 2]))


# ----------------------------------------------------------------------- KL
def kl_reference(x, y, log_target):
    return np.exp(y) * (y - x) if log_target else xlogy(y, y) - y * x


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
@settings(max_examples=5)
@given(shape=shapes(min_dims=1, max_dims=3), data=st.data())
def test_kl_div_matches_xlogy_formula_and_gradchecks(reduction, log_target, shape, data):
    x = data.draw(float_arrays(shape, -3.0, 0.0))
    y = data.draw(float_arrays(shape, -2.0, 0.5) if log_target else float_arrays(shape, 0.05, 1.0))
    expected = kl_reference(x, y, log_target)
    expected = expected.sum() / shape[0] if reduction == "batchmean" else reduce(expected, reduction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 'mean' warns; that is tested below
        np.testing.assert_allclose(
            F.kl_div(t64(x), t64(y), reduction=reduction, log_target=log_target).data, expected, rtol=1e-12
        )
        check_gradients(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target), x, y)


def test_kl_div_zero_targets_give_zero_loss_and_the_target_gradient_is_nan_there():
    x = t64([-1.0, -0.5, -2.0], requires_grad=True)
    y = t64([0.0, 0.5, 1.0], requires_grad=True)
    loss = F.kl_div(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 0.5 * (np.log(0.5) + 0.5), 2.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.0, -0.5, -1.0])
    assert np.isnan(y.grad.data[0])  # d/dy y log y does not exist at 0 (PyTorch gives nan too)
    np.testing.assert_allclose(y.grad.data[1:], [np.log(0.5) + 1 + 0.5, 1 + 2.0])
    assert np.isnan(F.kl_div(x, t64([-0.1, 0.5, 1.0]), reduction="sum").item())  # a negative probability


def test_kl_div_broadcasts_warns_for_mean_and_batchmean_divides_by_the_batch():
    x = t64([[-1.0, -0.5, -2.0], [-0.3, -1.5, -0.7]], requires_grad=True)
    y = t64([0.2, 0.3, 0.5], requires_grad=True)
    full = kl_reference(x.data, np.broadcast_to(y.data, (2, 3)), False)
    with pytest.warns(UserWarning, match="'batchmean' divides only by the batch size"):
        np.testing.assert_allclose(F.kl_div(x, y).item(), full.mean())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = F.kl_div(x, y, reduction="batchmean")
        np.testing.assert_allclose(out.item(), full.sum() / 2)
        assert F.kl_div(x, y, size_average=False).item() == pytest.approx(full.sum())  # legacy: no warning
        loss_module = nn.KLDivLoss(reduction="batchmean", log_target=False)
        assert loss_module.reduction == "batchmean" and repr(loss_module) == "KLDivLoss()"
        np.testing.assert_allclose(loss_module(x, y).item(), out.item())
    out.backward()
    assert x.grad.shape == (2, 3) and y.grad.shape == (3,)
    np.testing.assert_allclose(x.grad.data, -np.broadcast_to(y.data, (2, 3)) / 2)
    np.testing.assert_allclose(y.grad.data, (np.log(y.data) + 1 - x.data).sum(axis=0) / 2)
    assert F.kl_div(t64(-1.0), t64(0.5), reduction="batchmean").item() == pytest.approx(0.5 * (np.log(0.5) + 1))
    with pytest.raises(RuntimeError, match="do not broadcast"):
        F.kl_div(x, t64([0.5, 0.5]), reduction="sum")


def test_kl_div_second_derivative_and_float32():
    x = t64([-1.0, -0.5, -2.0], requires_grad=True)
    y = t64([0.2, 0.5, 0.3], requires_grad=True)

    def target_gradient(a, b):
        return mt.autograd.grad(F.kl_div(a, b, reduction="sum"), b, create_graph=True)[0]

    assert mt.autograd.gradcheck(target_gradient, (x, y))
    out = F.kl_div(mt.tensor([-1.0, -0.5]), mt.tensor([0.5, 0.5]), reduction="sum", log_target=False)
    assert out.dtype == mt.float32
