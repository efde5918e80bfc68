"""F.* behaviours checked against PyTorch's, each with an independent expected value (closed forms, numpy,
central differences)."""
import math

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_probability_target_is_differentiable_in_weight(reduction, label_smoothing):
    rng = np.random.default_rng(0)
    x = mt.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    target = rng.random((4, 3))
    target = mt.tensor(target / target.sum(1, keepdims=True))
    weight = mt.tensor(rng.random(3) + 0.5, requires_grad=True)

    def loss(x, weight):
        return F.cross_entropy(x, target, weight, reduction=reduction, label_smoothing=label_smoothing)

    assert mt.autograd.gradcheck(loss, (x, weight))
    # closed form: dl/dw_c = -sum_n q_nc log softmax(x)_nc with q = (1 - e) y + e / C
    loss(x, weight).sum().backward()
    log_p = x.detach().numpy() - np.log(np.exp(x.detach().numpy()).sum(1, keepdims=True))
    q = (1 - label_smoothing) * target.numpy() + label_smoothing / 3
    expected = -(q * log_p).sum(0) / (4 if reduction == "mean" else 1)
    np.testing.assert_allclose(weight.grad.numpy(), expected, rtol=1e-10)


def test_poisson_nll_loss_full_differentiates_stirling_term_in_target():
    x = mt.tensor([0.3, -0.2, 0.5, 0.1], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([0.5, 2.0, 5.0, 3.5], dtype=mt.float64, requires_grad=True)
    for log_input in (True, False):
        inp = x if log_input else x.abs() + 0.5
        assert mt.autograd.gradcheck(
            lambda y: F.poisson_nll_loss(inp.detach(), y, log_input=log_input, full=True, reduction="sum"), (y,)
        )
    y.grad = None
    F.poisson_nll_loss(x, y, full=True, reduction="sum").backward()
    t, xv = y.detach().numpy(), x.detach().numpy()
    stirling = np.where(t > 1, np.log(np.maximum(t, 1)) + 1 / (2 * t), 0)  # d/dy (y log y - y + log(2 pi y) / 2)
    np.testing.assert_allclose(y.grad.numpy(), -xv + stirling, rtol=1e-12)


def test_poisson_nll_loss_full_target_gradient_is_finite_at_zero_counts():
    x = mt.tensor([0.4, -1.0], dtype=mt.float64)
    y = mt.tensor([0.0, 1.0], dtype=mt.float64, requires_grad=True)
    F.poisson_nll_loss(x, y, full=True, reduction="sum").backward()
    np.testing.assert_allclose(y.grad.numpy(), [-0.4, 1.0])


@pytest.mark.parametrize("full", [False, True])
def test_gaussian_nll_loss_takes_a_number_as_var(full):
    x = mt.tensor([[0.5, -1.0], [2.0, 0.0]], dtype=mt.float64, requires_grad=True)
    y = mt.tensor([[0.0, 1.0], [1.5, -0.5]], dtype=mt.float64)
    loss = F.gaussian_nll_loss(x, y, 0.25, full=full, reduction="sum")
    d = x.detach().numpy() - y.numpy()
    expected = (0.5 * (math.log(0.25) + d ** 2 / 0.25) + (0.5 * math.log(2 * math.pi) if full else 0)).sum()
    np.testing.assert_allclose(loss.item(), expected, rtol=1e-12)
    loss.backward()
    np.testing.assert_allclose(x.grad.numpy(), d / 0.25, rtol=1e-12)
    with pytest.raises(ValueError, match="negative"):
        F.gaussian_nll_loss(x, y, -1.0)
