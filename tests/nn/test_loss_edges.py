"""Loss edge cases (issue 11): ignored rows with -inf logits, class-probability targets,
binary cross-entropy's target range and target gradient, mixed-dtype promotion.
Oracles: numpy formulas written here and central differences (gradcheck in float64)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F

INF = float("inf")
REDUCTIONS = ["mean", "sum", "none"]


def log_softmax(x, axis):
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


# ------------------------------------------------ ignored rows holding -inf logits
FINITE_ROWS = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.0]])


def _logits_with_a_dead_row():
    return np.vstack([FINITE_ROWS, np.full((1, 3), -INF)])


def _expected_class_loss(targets, weight, reduction):
    """Loss of the two finite rows only (the third is ignored): -w_t log softmax(x)_t."""
    w = np.ones(3) if weight is None else np.asarray(weight)
    log_p = log_softmax(FINITE_ROWS, 1)
    per_row = np.array([-w[t] * log_p[i, t] for i, t in enumerate(targets)])
    if reduction == "none":
        return np.append(per_row, 0.0)
    return per_row.sum() / (w[targets].sum() if reduction == "mean" else 1)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("how", ["ignore_index", "zero weight"])
@pytest.mark.parametrize("loss", ["cross_entropy", "nll_loss"])
def test_an_ignored_row_of_minus_inf_logits_leaves_the_others_finite(loss, how, reduction):
    x = mt.tensor(_logits_with_a_dead_row(), requires_grad=True)
    if how == "ignore_index":
        target, weight = mt.tensor([0, 2, -100]), None
    else:
        target, weight = mt.tensor([0, 2, 1]), [1.0, 0.0, 2.0]
    call = F.cross_entropy if loss == "cross_entropy" else F.nll_loss  # nll_loss: x as log-probabilities
    out = call(x, target, weight=None if weight is None else mt.tensor(weight), reduction=reduction)
    if loss == "cross_entropy":
        np.testing.assert_allclose(out.detach().numpy(), _expected_class_loss([0, 2], weight, reduction), rtol=1e-12)
    assert np.all(np.isfinite(out.detach().numpy()))
    out.sum().backward()
    assert np.all(np.isfinite(x.grad.numpy()))
    np.testing.assert_array_equal(x.grad.numpy()[2], 0.0)  # the ignored row gets a zero gradient


def test_nll_loss_ignores_a_minus_inf_row_exactly():
    x = mt.tensor([[-1.0, -2.0], [-INF, -INF]])
    assert F.nll_loss(x, mt.tensor([1, -100]), reduction="sum").item() == 2.0
    assert F.nll_loss(x, mt.tensor([1, 0]), weight=mt.tensor([0.0, 3.0]), reduction="mean").item() == 2.0


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_label_smoothing_and_spatial_inputs_with_a_dead_position(reduction):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 2))
    x[1, :, 1] = -INF  # one spatial position of one sample is all -inf, and ignored
    target = np.array([[0, 2], [1, -100]])
    eps = 0.2
    log_p = log_softmax(np.where(np.isfinite(x), x, 0), 1)
    valid = target != -100
    one_hot = np.eye(3)[np.where(valid, target, 0)].transpose(0, 2, 1)
    per = -(((1 - eps) * one_hot + eps / 3) * log_p).sum(1) * valid
    expected = {"none": per, "sum": per.sum(), "mean": per.sum() / valid.sum()}[reduction]
    leaf = mt.tensor(x, requires_grad=True)
    out = F.cross_entropy(leaf, mt.tensor(target), reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-12)
    out.sum().backward()
    assert np.all(np.isfinite(leaf.grad.numpy())) and np.all(leaf.grad.numpy()[1, :, 1] == 0)


def test_a_dead_ignored_row_keeps_second_order_gradients_finite():
    x = mt.tensor(_logits_with_a_dead_row(), requires_grad=True)
    loss = F.cross_entropy(x, mt.tensor([0, 2, -100]), label_smoothing=0.1)
    (grad,) = mt.autograd.grad(loss, x, create_graph=True)
    (grad * grad).sum().backward()
    assert np.all(np.isfinite(x.grad.numpy())) and np.all(x.grad.numpy()[2] == 0)


def test_ignored_rows_change_nothing_in_the_gradient_of_the_others():
    finite = mt.tensor(FINITE_ROWS, requires_grad=True)
    F.cross_entropy(finite, mt.tensor([0, 2]), reduction="sum").backward()
    x = mt.tensor(_logits_with_a_dead_row(), requires_grad=True)
    F.cross_entropy(x, mt.tensor([0, 2, -100]), reduction="sum").backward()
    np.testing.assert_allclose(x.grad.numpy()[:2], finite.grad.numpy(), rtol=1e-12)


# ------------------------------------------------------- class-probability targets
def probability_reference(x, y, weight, eps, reduction):
    axis = 1 if x.ndim >= 2 else 0
    classes = x.shape[axis]
    shape = [1] * x.ndim
    shape[axis] = classes
    w = np.ones(shape) if weight is None else np.asarray(weight).reshape(shape)
    smoothed = (1 - eps) * y + eps / classes
    per = -(w * smoothed * log_softmax(x, axis)).sum(axis)
    return {"none": per, "sum": per.sum(), "mean": per.mean()}[reduction]  # mean over samples, not weights


@settings(max_examples=12, deadline=None)
@given(
    shape=st.sampled_from([(3,), (2, 3), (3, 4), (2, 3, 2), (1, 2, 2, 2)]),
    reduction=st.sampled_from(REDUCTIONS),
    eps=st.sampled_from([0.0, 0.25]),
    weighted=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_probability_targets_match_the_formula_and_gradcheck(shape, reduction, eps, weighted, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    y = rng.random(size=shape)
    classes = shape[1] if len(shape) >= 2 else shape[0]
    weight = rng.random(classes) + 0.5 if weighted else None
    w = None if weight is None else mt.tensor(weight)
    out = F.cross_entropy(mt.tensor(x), mt.tensor(y), weight=w, reduction=reduction, label_smoothing=eps)
    np.testing.assert_allclose(out.numpy(), probability_reference(x, y, weight, eps, reduction), rtol=1e-10)
    leaves = (mt.tensor(x, requires_grad=True), mt.tensor(y, requires_grad=True))

    def loss(a, b):
        return F.cross_entropy(a, b, weight=w, reduction=reduction, label_smoothing=eps)

    assert mt.autograd.gradcheck(loss, leaves)


def test_a_one_hot_float_target_equals_the_class_index_loss():
    x = mt.tensor([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]], dtype=mt.float64)
    index = mt.tensor([1, 2])
    one_hot = mt.tensor(np.eye(3)[[1, 2]])
    for kwargs in [{}, {"label_smoothing": 0.1}, {"reduction": "sum"}]:
        np.testing.assert_allclose(F.cross_entropy(x, one_hot, **kwargs).item(),
                                   F.cross_entropy(x, index, **kwargs).item(), rtol=1e-12)


def test_probability_mean_divides_by_samples_not_by_weights():
    x = np.array([[1.0, 2.0], [0.0, 0.0]])
    y = np.array([[1.0, 0.0], [0.0, 1.0]])
    out = F.cross_entropy(mt.tensor(x), mt.tensor(y), weight=mt.tensor([2.0, 4.0]))
    expected = (2.0 * -log_softmax(x, 1)[0, 0] + 4.0 * -log_softmax(x, 1)[1, 1]) / 2
    assert out.item() == pytest.approx(expected, rel=1e-12)


def test_probability_target_second_order_and_dtypes():
    x = mt.tensor(np.random.default_rng(1).normal(size=(2, 3)), requires_grad=True)
    y = mt.tensor(np.full((2, 3), 1 / 3), requires_grad=True)
    def first_derivatives(a, b):
        return mt.autograd.grad(F.cross_entropy(a, b, label_smoothing=0.1), (a, b), create_graph=True)

    assert mt.autograd.gradcheck(first_derivatives, (x, y))
    x32 = mt.ones(2, 3, requires_grad=True)
    out = F.cross_entropy(x32, mt.full((2, 3), 1 / 3))
    out.backward()
    assert out.dtype == x32.grad.dtype == mt.float32
    assert F.cross_entropy(mt.ones(2, 3), mt.full((2, 3), 1 / 3, dtype=mt.float64)).dtype == mt.float64


def test_a_zero_probability_at_a_minus_inf_logit_counts_zero():
    x = mt.tensor([[1.0, -INF, 3.0]], requires_grad=True)
    out = F.cross_entropy(x, mt.tensor([[0.5, 0.0, 0.5]]))
    log_p = log_softmax(np.array([1.0, 3.0]), 0)
    assert out.item() == pytest.approx(-0.5 * log_p.sum(), rel=1e-6)
    out.backward()
    assert np.all(np.isfinite(x.grad.numpy()))


# ----------------------------------------------------------- binary cross-entropy
def test_bce_target_gradient_is_minus_logit_and_infinite_at_zero_and_one():
    p = np.array([0.0, 1.0, 0.25, 0.5])
    y = mt.tensor([0.5, 0.5, 0.5, 0.5], dtype=mt.float64, requires_grad=True)
    loss = F.binary_cross_entropy(mt.tensor(p), y, reduction="sum")
    with np.errstate(divide="ignore"):
        log_p, log_q = np.log(p), np.log1p(-p)
    np.testing.assert_allclose(loss.item(), -(0.5 * np.maximum(log_p, -100) + 0.5 * np.maximum(log_q, -100)).sum())
    loss.backward()
    expected = log_q - log_p
    np.testing.assert_allclose(y.grad.numpy(), expected)
    assert y.grad.numpy()[0] == INF and y.grad.numpy()[1] == -INF


def test_bce_target_gradcheck_inside_the_interval():
    p = mt.tensor([0.2, 0.7, 0.9], requires_grad=True)
    y = mt.tensor([0.1, 0.5, 0.8], requires_grad=True)
    assert mt.autograd.gradcheck(lambda a, b: F.binary_cross_entropy(a, b), (p.double(), y.double()))


@pytest.mark.parametrize("bad", [1.5, -0.1, float("nan")])
def test_bce_targets_outside_the_unit_interval_raise_naming_the_value(bad):
    with pytest.raises(RuntimeError, match=f"all elements of target should be between 0 and 1.*{bad}"):
        F.binary_cross_entropy(mt.tensor([0.5, 0.5]), mt.tensor([0.0, bad]))


# ----------------------------------------------------------- mixed-dtype promotion
MIXED = [
    ("mse_loss", F.mse_loss), ("l1_loss", F.l1_loss), ("smooth_l1_loss", F.smooth_l1_loss),
    ("huber_loss", F.huber_loss), ("binary_cross_entropy", F.binary_cross_entropy),
    ("binary_cross_entropy_with_logits", F.binary_cross_entropy_with_logits),
    ("kl_div", lambda a, b: F.kl_div(a, b, reduction="batchmean")),
]


@pytest.mark.parametrize("name, loss", MIXED)
@pytest.mark.parametrize("input_dtype, target_dtype", [(mt.float32, mt.float64), (mt.float64, mt.float32)])
def test_mixed_float_dtypes_promote_to_float64(name, loss, input_dtype, target_dtype):
    values = np.array([0.25, 0.5, 0.75])
    x = mt.tensor(values, dtype=input_dtype, requires_grad=True)
    y = mt.tensor(values[::-1].copy(), dtype=target_dtype, requires_grad=True)
    out = loss(x, y)
    assert out.dtype == mt.float64
    out.backward()
    assert x.grad.dtype == input_dtype and y.grad.dtype == target_dtype  # each leaf's own dtype


def test_float32_input_with_an_integer_target_stays_float32():
    assert F.mse_loss(mt.ones(3), mt.tensor([1, 2, 3])).dtype == mt.float32


def test_cross_entropy_loss_module_takes_probability_targets():
    x = np.array([[0.5, -1.0, 2.0], [1.0, 1.0, 0.0]])
    y = np.array([[0.2, 0.3, 0.5], [1.0, 0.0, 0.0]])
    module = mt.nn.CrossEntropyLoss(weight=mt.tensor([1.0, 2.0, 0.5]), label_smoothing=0.3, reduction="sum")
    expected = probability_reference(x, y, [1.0, 2.0, 0.5], 0.3, "sum")
    assert module(mt.tensor(x), mt.tensor(y)).item() == pytest.approx(expected, rel=1e-12)


def test_smoothing_with_a_zero_weight_class_at_minus_inf_stays_finite():
    x = mt.tensor([[1.0, -INF, 3.0], [0.0, 2.0, 1.0]], requires_grad=True)
    out = F.cross_entropy(x, mt.tensor([0, 2]), weight=mt.tensor([1.0, 0.0, 2.0]), label_smoothing=0.1)
    assert np.isfinite(out.item())
    out.backward()
    assert np.all(np.isfinite(x.grad.numpy()))
