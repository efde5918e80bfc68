"""Losses: values against numpy formulas written here, every reduction, extreme inputs,
gradients by central differences (first and second order), and the error messages."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import check_gradients, float_arrays, shapes

REDUCTIONS = ["mean", "sum", "none"]


def reduce(values, reduction):
    return {"mean": np.mean, "sum": np.sum, "none": lambda v: v}[reduction](values)


def t64(array, requires_grad=False):
    return mt.tensor(np.asarray(array, dtype=np.float64), requires_grad=requires_grad)


def logits_and_targets(draw_or_rng, n=4, classes=3):
    rng = np.random.default_rng(draw_or_rng)
    return rng.normal(size=(n, classes)) * 2, rng.integers(0, classes, size=n)


# ---------------------------------------------------------------- regression
@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=10)
@given(shape=shapes(max_dims=3), data=st.data())
def test_mse_and_l1_match_numpy_and_gradcheck(reduction, shape, data):
    x = data.draw(float_arrays(shape))
    y = data.draw(float_arrays(shape, away_from_zero=0.0))
    y = np.where(np.abs(x - y) < 1e-3, y + 0.5, y)  # keep |x - y| away from L1's kink
    np.testing.assert_allclose(F.mse_loss(t64(x), t64(y), reduction=reduction).data, reduce((x - y) ** 2, reduction))
    np.testing.assert_allclose(F.l1_loss(t64(x), t64(y), reduction=reduction).data, reduce(np.abs(x - y), reduction))
    check_gradients(lambda a, b: F.mse_loss(a, b, reduction=reduction), x, y)
    check_gradients(lambda a, b: F.l1_loss(a, b, reduction=reduction), x, y)


def test_mse_and_l1_modules_use_their_reduction():
    x, y = t64([[1.0, 2.0], [3.0, 5.0]]), t64([[1.0, 0.0], [0.0, 1.0]])
    assert nn.MSELoss()(x, y).item() == pytest.approx((0 + 4 + 9 + 16) / 4)
    assert nn.MSELoss(reduction="sum")(x, y).item() == pytest.approx(29)
    np.testing.assert_allclose(nn.L1Loss(reduction="none")(x, y).data, [[0, 2], [3, 4]])


def test_mse_shape_mismatch_is_a_value_error_naming_both_shapes():
    with pytest.raises(ValueError, match=r"\(4,\).*\(4, 1\)"):
        F.mse_loss(mt.ones(4, 1), mt.ones(4))
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        nn.L1Loss()(mt.ones(2), mt.ones(3))


# ---------------------------------------------------------------------- BCE
def bce_reference(p, y, weight=1.0):
    with np.errstate(divide="ignore"):
        return -weight * (y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log(1 - p), -100))


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=10)
@given(shape=shapes(max_dims=2), data=st.data())
def test_bce_matches_numpy_and_gradchecks(reduction, shape, data):
    p = data.draw(float_arrays(shape, low=0.05, high=0.95))
    y = data.draw(float_arrays(shape, low=0.01, high=0.99))  # inside [0, 1] by more than gradcheck's step
    w = data.draw(float_arrays(shape[-1:], low=0.1, high=2.0))
    out = F.binary_cross_entropy(t64(p), t64(y), weight=t64(w), reduction=reduction)
    np.testing.assert_allclose(out.data, reduce(bce_reference(p, y, w), reduction), rtol=1e-12)
    check_gradients(lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction), p, y)


def test_bce_at_probabilities_zero_and_one_is_finite_and_clamped_at_100():
    p = mt.tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    y = mt.tensor([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy(p, y, reduction="none")
    np.testing.assert_allclose(loss.data, [100, 100, 0, 0])
    loss.sum().backward()
    grad = p.grad.numpy()
    assert np.all(np.isfinite(grad))
    assert grad[0] < 0 and grad[1] > 0  # pushes towards the target
    assert loss.dtype == p.grad.dtype == mt.float32


@pytest.mark.parametrize("bad", [1.5, -0.2, float("nan")])
def test_bce_probabilities_outside_unit_interval_are_refused_naming_the_value(bad):
    with pytest.raises(RuntimeError, match=f"between 0 and 1.*{bad}"):
        nn.BCELoss()(mt.tensor([0.5, bad]), mt.tensor([1.0, 0.0]))


def bce_logits_reference(x, y, pos_weight=1.0):
    log_sigmoid = -np.logaddexp(0, -x)
    log_one_minus = -np.logaddexp(0, x)
    return -(pos_weight * y * log_sigmoid + (1 - y) * log_one_minus)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=10)
@given(shape=shapes(max_dims=2), data=st.data())
def test_bce_with_logits_matches_numpy_and_gradchecks(reduction, shape, data):
    x = data.draw(float_arrays(shape, low=-6, high=6))
    y = data.draw(float_arrays(shape, low=0.0, high=1.0))
    pos_weight = data.draw(float_arrays(shape[-1:], low=0.2, high=3.0))
    out = F.binary_cross_entropy_with_logits(t64(x), t64(y), reduction=reduction)
    np.testing.assert_allclose(out.data, reduce(bce_logits_reference(x, y), reduction), rtol=1e-10, atol=1e-12)
    weighted = F.binary_cross_entropy_with_logits(t64(x), t64(y), reduction=reduction, pos_weight=t64(pos_weight))
    np.testing.assert_allclose(weighted.data, reduce(bce_logits_reference(x, y, pos_weight), reduction), rtol=1e-10,
                               atol=1e-12)
    check_gradients(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction), x, y)
    check_gradients(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=reduction, pos_weight=t64(pos_weight)), x, y
    )


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
@pytest.mark.parametrize("scale", [500.0, 1000.0])
def test_bce_with_logits_is_stable_for_huge_logits(dtype, scale):
    x = mt.tensor([scale, -scale, scale, -scale], dtype=dtype, requires_grad=True)
    y = mt.tensor([1.0, 0.0, 0.0, 1.0], dtype=dtype)
    loss = nn.BCEWithLogitsLoss(reduction="none")(x, y)
    np.testing.assert_allclose(loss.data, [0, 0, scale, scale], rtol=1e-6, atol=1e-12)
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [0, 0, 1, -1], atol=1e-12)
    assert loss.dtype == x.grad.dtype == dtype


def test_bce_with_logits_equals_bce_of_sigmoid():
    x = np.linspace(-4, 4, 9)
    y = np.linspace(0, 1, 9)
    expected = F.binary_cross_entropy(t64(1 / (1 + np.exp(-x))), t64(y)).item()
    assert F.binary_cross_entropy_with_logits(t64(x), t64(y)).item() == pytest.approx(expected, rel=1e-12)


# ------------------------------------------------------------ cross entropy
def log_softmax_reference(x, axis=1):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def cross_entropy_reference(x, t, weight=None, ignore_index=-100, reduction="mean", smoothing=0.0):
    """Written sample by sample from PyTorch's documented formula, for (N, C) inputs."""
    classes = x.shape[1]
    w = np.ones(classes) if weight is None else weight
    logp = log_softmax_reference(x)
    losses, weights = [], []
    for row, target in zip(logp, t):
        if target == ignore_index:
            losses.append(0.0)
            weights.append(0.0)
            continue
        nll = -w[target] * row[target]
        smooth = -(w * row).sum()
        losses.append((1 - smoothing) * nll + smoothing / classes * smooth)
        weights.append(w[target])
    losses = np.array(losses)
    if reduction == "none":
        return losses
    if reduction == "sum":
        return losses.sum()
    return losses.sum() / np.sum(weights)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@settings(max_examples=10)
@given(n=st.integers(1, 5), classes=st.integers(1, 4), data=st.data())
def test_cross_entropy_and_nll_match_numpy_and_gradcheck(reduction, n, classes, data):
    x = data.draw(float_arrays((n, classes), low=-5, high=5))
    t = np.array(data.draw(st.lists(st.integers(0, classes - 1), min_size=n, max_size=n)))
    expected = cross_entropy_reference(x, t, reduction=reduction)
    np.testing.assert_allclose(F.cross_entropy(t64(x), mt.tensor(t), reduction=reduction).data, expected, rtol=1e-10)
    nll = F.nll_loss(t64(log_softmax_reference(x)), mt.tensor(t), reduction=reduction)
    np.testing.assert_allclose(nll.data, expected, rtol=1e-10, atol=1e-12)
    check_gradients(lambda a: F.cross_entropy(a, mt.tensor(t), reduction=reduction), x)
    check_gradients(lambda a: F.nll_loss(a, mt.tensor(t), reduction=reduction), x)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_with_weight_ignore_index_and_label_smoothing(reduction, smoothing):
    x, _ = logits_and_targets(0, n=6, classes=4)
    t = np.array([0, 3, -1, 2, 3, 1])
    w = np.array([0.5, 1.0, 2.0, 1.5])
    out = F.cross_entropy(t64(x), mt.tensor(t), weight=t64(w), ignore_index=-1, reduction=reduction,
                          label_smoothing=smoothing)
    expected = cross_entropy_reference(x, t, w, ignore_index=-1, reduction=reduction, smoothing=smoothing)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10)
    check_gradients(lambda a: F.cross_entropy(a, mt.tensor(t), weight=t64(w), ignore_index=-1,
                                              reduction=reduction, label_smoothing=smoothing), x)
    module = nn.CrossEntropyLoss(weight=t64(w), ignore_index=-1, reduction=reduction, label_smoothing=smoothing)
    np.testing.assert_allclose(module(t64(x), mt.tensor(t)).data, expected, rtol=1e-10)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    x, t = logits_and_targets(1, n=5, classes=3)
    logits = t64(x, requires_grad=True)
    F.cross_entropy(logits, mt.tensor(t)).backward()
    p = np.exp(log_softmax_reference(x))
    np.testing.assert_allclose(logits.grad.data, (p - np.eye(3)[t]) / 5, rtol=1e-12)


def test_nll_loss_with_weight_and_ignore_index_matches_numpy():
    logp = log_softmax_reference(np.random.default_rng(2).normal(size=(5, 3)))
    t = np.array([2, 0, 7, 1, 2])
    w = np.array([1.0, 2.0, 3.0])
    kept = t != 7
    expected = -(w[t[kept]] * logp[kept, t[kept]]).sum() / w[t[kept]].sum()
    out = nn.NLLLoss(weight=t64(w), ignore_index=7)(t64(logp), mt.tensor(t))
    assert out.item() == pytest.approx(expected, rel=1e-12)


def test_cross_entropy_over_extra_dimensions_and_single_sample():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 4))  # (N, C, d)
    t = rng.integers(0, 3, size=(2, 4))
    flat = np.moveaxis(x, 1, -1).reshape(-1, 3)
    for reduction in REDUCTIONS:
        expected = cross_entropy_reference(flat, t.reshape(-1), reduction=reduction)
        out = F.cross_entropy(t64(x), mt.tensor(t), reduction=reduction)
        np.testing.assert_allclose(out.data, np.reshape(expected, out.shape), rtol=1e-10)
    check_gradients(lambda a: F.cross_entropy(a, mt.tensor(t)), x)
    single = F.cross_entropy(t64(x[0, :, 0]), mt.tensor(t[0, 0]))
    assert single.shape == () and single.item() == pytest.approx(-log_softmax_reference(x[0, :, 0], 0)[t[0, 0]])


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_cross_entropy_is_finite_for_huge_logits(dtype):
    x = mt.tensor([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 500.0]], dtype=dtype, requires_grad=True)
    t = mt.tensor([1, 1])
    loss = F.cross_entropy(x, t, reduction="none")
    np.testing.assert_allclose(loss.data, [2000.0, 0.0])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [[1, -1, 0], [0, 0, 0]], atol=1e-6)
    assert loss.dtype == x.grad.dtype == dtype


def test_cross_entropy_all_ignored_mean_is_nan_as_in_pytorch():
    out = F.cross_entropy(mt.ones(2, 3), mt.tensor([-100, -100]))
    assert np.isnan(out.item())
    assert F.cross_entropy(mt.ones(2, 3), mt.tensor([-100, -100]), reduction="sum").item() == 0


@pytest.mark.parametrize("kwargs", [{}, {"label_smoothing": 0.1}, {"weight": mt.tensor([1.0, 2.0, 0.5])}])
@pytest.mark.parametrize("shape, target", [((2, 3), [1, 1]), ((1, 3, 2), [[1, 1]])])
def test_all_ignored_mean_loss_is_nan_but_its_gradient_is_zero(kwargs, shape, target):
    # the loss is 0/0, but no target takes part, so every gradient entry is exactly 0 (as in PyTorch)
    for loss_fn in (F.cross_entropy, F.nll_loss):
        if loss_fn is F.nll_loss and "label_smoothing" in kwargs:
            continue
        x = mt.tensor(np.random.default_rng(0).standard_normal(shape), requires_grad=True)
        loss = loss_fn(x, mt.tensor(target), ignore_index=1, **kwargs)
        assert np.isnan(loss.item())
        loss.backward()
        np.testing.assert_array_equal(x.grad.numpy(), np.zeros(shape))


def test_some_ignored_targets_keep_a_finite_mean_gradient():
    x = mt.tensor([[0.0, 0.0], [0.0, 0.0]], requires_grad=True)
    F.nll_loss(x, mt.tensor([0, 1]), ignore_index=1).backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[-1.0, 0.0], [0.0, 0.0]])  # d(-x00 / 1)


def test_zero_weight_sum_without_ignored_targets_is_nan_only_where_a_target_counts():
    x = mt.zeros(2, 3, requires_grad=True)
    F.nll_loss(x, mt.tensor([0, 0]), weight=mt.tensor([0.0, 1.0, 1.0])).backward()
    grad = x.grad.numpy()
    assert np.isnan(grad[:, 0]).all()  # -w_t / sum(w) = -0 / 0
    np.testing.assert_array_equal(grad[:, 1:], 0)


@pytest.mark.parametrize("bad", [3, -2, 10])
def test_cross_entropy_target_out_of_range_names_the_value(bad):
    with pytest.raises(IndexError, match=f"Target {bad} is out of bounds.*\\[0, 3\\)"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([0, bad]))
    with pytest.raises(IndexError, match=f"Target {bad}"):
        nn.NLLLoss()(mt.zeros(2, 3), mt.tensor([bad, 0]))


def test_cross_entropy_float_target_is_a_clear_error():
    with pytest.raises(TypeError, match=r"integer dtype.*float32.*\.long\(\)"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match="integer dtype"):  # PyTorch's exception type works too
        nn.CrossEntropyLoss()(mt.zeros(2, 3), mt.tensor([0.0, 1.0]))


def test_cross_entropy_batch_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"\(4, 3\).*\(4,\).*\(5,\)"):
        F.cross_entropy(mt.zeros(4, 3), mt.tensor([0, 1, 2, 0, 1]))


def test_cross_entropy_bad_weight_shape():
    with pytest.raises(RuntimeError, match="weight"):
        F.cross_entropy(mt.zeros(2, 3), mt.tensor([0, 1]), weight=mt.ones(2))


@pytest.mark.parametrize(
    "call",
    [
        lambda r: F.mse_loss(mt.ones(2), mt.ones(2), reduction=r),
        lambda r: F.l1_loss(mt.ones(2), mt.ones(2), reduction=r),
        lambda r: F.binary_cross_entropy(mt.ones(2) * 0.5, mt.ones(2), reduction=r),
        lambda r: F.binary_cross_entropy_with_logits(mt.ones(2), mt.ones(2), reduction=r),
        lambda r: F.cross_entropy(mt.ones(2, 3), mt.tensor([0, 1]), reduction=r),
        lambda r: F.nll_loss(mt.ones(2, 3), mt.tensor([0, 1]), reduction=r),
        lambda r: nn.MSELoss(reduction=r),
        lambda r: nn.CrossEntropyLoss(reduction=r),
    ],
)
def test_bad_reduction_string_is_a_value_error(call):
    with pytest.raises(ValueError, match="elementwise_mean is not a valid value for reduction"):
        call("elementwise_mean")


@pytest.mark.parametrize(
    "loss, make_target",
    [
        (nn.MSELoss(), lambda: mt.randn(4, 3)),
        (nn.L1Loss(), lambda: mt.randn(4, 3)),
        (nn.BCEWithLogitsLoss(), lambda: mt.rand(4, 3)),
        (nn.CrossEntropyLoss(), lambda: mt.tensor([0, 2, 1, 1])),
    ],
)
def test_float32_losses_and_gradients_stay_float32(loss, make_target):
    x = mt.randn(4, 3, requires_grad=True)
    out = loss(x, make_target())
    out.backward()
    assert out.dtype == x.grad.dtype == mt.float32


def test_target_gradients_for_regression_and_bce_losses():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(3, 2)), rng.uniform(0.1, 0.9, size=(3, 2))
    check_gradients(lambda a, b: F.mse_loss(a, b), x, y)
    check_gradients(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=t64([2.0, 0.5])), x, y)
    check_gradients(lambda a, b: F.binary_cross_entropy(a, b), rng.uniform(0.1, 0.9, size=(3, 2)), y)


@pytest.mark.parametrize(
    "loss, make_target, low, high",
    [
        (lambda a, t: F.cross_entropy(a, t, label_smoothing=0.1), lambda rng: mt.tensor(rng.integers(0, 3, size=4)), -3, 3),
        (lambda a, t: F.binary_cross_entropy_with_logits(a, t), lambda rng: t64(rng.uniform(size=(4, 3))), -3, 3),
        (lambda a, t: F.binary_cross_entropy(a, t), lambda rng: t64(rng.uniform(size=(4, 3))), 0.1, 0.9),
        (lambda a, t: F.mse_loss(a, t), lambda rng: t64(rng.normal(size=(4, 3))), -3, 3),
    ],
)
def test_second_derivatives_of_losses(loss, make_target, low, high):
    """gradcheck the gradient itself (built with create_graph=True): the backward rules
    are differentiable too."""
    rng = np.random.default_rng(5)
    target = make_target(rng)

    def gradient(a):
        (g,) = mt.autograd.grad(loss(a, target), a, create_graph=True)
        return g

    check_gradients(gradient, rng.uniform(low, high, size=(4, 3)))


def test_functional_forms_accept_numpy_targets():
    x = mt.tensor([[0.2, 0.8]], requires_grad=True)
    assert F.mse_loss(x, np.array([[0.0, 1.0]], dtype=np.float32)).item() == pytest.approx(0.04)
    assert F.cross_entropy(x, np.array([1])).item() == pytest.approx(-log_softmax_reference(np.array([[0.2, 0.8]]))[0, 1],
                                                                    rel=1e-6)


def test_a_batch_size_mismatch_is_pytorchs_value_error():
    for loss_fn in (F.cross_entropy, F.nll_loss):
        with pytest.raises(ValueError, match=r"expected input batch_size \(2\) to match target batch_size \(3\)"):
            loss_fn(mt.zeros(2, 3), mt.tensor([0, 1, 2]))
        with pytest.raises(RuntimeError, match="needs a target of shape"):  # also a RuntimeError, as before
            loss_fn(mt.zeros(2, 3), mt.tensor([0, 1, 2]))
