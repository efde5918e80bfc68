"""LBFGS: convergence against scipy.optimize and known answers, and PyTorch's step/closure rules.

Oracles: scipy's L-BFGS-B minimum of the Rosenbrock function (and its known minimum (1, 1)),
an exactly solvable least-squares problem, and PyTorch's documented first step
``x1 = x0 - min(1, 1/|g|_1) * lr * g`` and evaluation counting.
"""
import numpy as np
import pytest
from scipy import optimize

import microtensor as mt
from microtensor import nn


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def _closure_for(optimizer, loss_fn, counter=None):
    def closure():
        if counter is not None:
            counter.append(1)
        optimizer.zero_grad()
        loss = loss_fn()
        loss.backward()
        return loss

    return closure


@pytest.mark.parametrize("start", [(-1.5, 2.0), (-1.2, 1.0), (2.0, -1.0)])
def test_strong_wolfe_finds_the_rosenbrock_minimum_as_scipy(start):
    x = mt.tensor(start, dtype=mt.float64, requires_grad=True)
    optimizer = mt.optim.LBFGS([x], lr=1, max_iter=100, line_search_fn="strong_wolfe",
                               tolerance_grad=1e-12, tolerance_change=1e-14)
    closure = _closure_for(optimizer, lambda: rosenbrock(x))
    for _ in range(3):
        optimizer.step(closure)
    reference = optimize.minimize(optimize.rosen, np.array(start), jac=optimize.rosen_der, method="L-BFGS-B",
                                  options=dict(gtol=1e-12, ftol=1e-15))
    np.testing.assert_allclose(reference.x, [1.0, 1.0], atol=1e-5)
    np.testing.assert_allclose(x.detach().numpy(), reference.x, atol=1e-5)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-7)
    assert rosenbrock(x).item() < 1e-14


def test_fixed_step_lbfgs_also_reaches_the_rosenbrock_minimum_in_float64():
    x = mt.tensor([-1.5, 2.0], dtype=mt.float64, requires_grad=True)
    optimizer = mt.optim.LBFGS([x], max_iter=200, tolerance_change=1e-15)
    closure = _closure_for(optimizer, lambda: rosenbrock(x))
    for _ in range(3):
        optimizer.step(closure)
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-4)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_least_squares_with_a_known_answer(line_search_fn):
    # y = X w + b exactly, so the least-squares minimum is w, b (and the loss is 0 there).
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    w_true, b_true = np.array([[1.5, -2.0, 0.5]]), np.array([0.25])
    y = X @ w_true.T + b_true
    model = nn.Linear(3, 1).double()
    optimizer = mt.optim.LBFGS(model.parameters(), line_search_fn=line_search_fn, max_iter=50,
                               tolerance_grad=1e-12, tolerance_change=1e-16)
    inputs, targets = mt.tensor(X), mt.tensor(y)
    closure = _closure_for(optimizer, lambda: ((model(inputs) - targets) ** 2).mean())
    for _ in range(4):
        optimizer.step(closure)
    np.testing.assert_allclose(model.weight.detach().numpy(), w_true, atol=1e-6)
    np.testing.assert_allclose(model.bias.detach().numpy(), b_true, atol=1e-6)
    lstsq = np.linalg.lstsq(np.hstack([X, np.ones((30, 1))]), y, rcond=None)[0].ravel()
    np.testing.assert_allclose(lstsq, [1.5, -2.0, 0.5, 0.25], atol=1e-12)


def test_float32_parameters_stay_float32_and_converge():
    x = mt.tensor([-1.2, 1.0], requires_grad=True)
    optimizer = mt.optim.LBFGS([x], max_iter=100, line_search_fn="strong_wolfe")
    closure = _closure_for(optimizer, lambda: rosenbrock(x))
    for _ in range(3):
        optimizer.step(closure)
    assert x.dtype == mt.float32
    assert all(v.dtype == mt.float32 for v in optimizer.state[x]["old_dirs"])
    np.testing.assert_allclose(x.detach().numpy(), [1.0, 1.0], atol=1e-3)


def test_the_first_iteration_is_a_gradient_step_scaled_by_the_l1_norm():
    # f = |x|^2 / 2, g = x = (3, 4): t = min(1, 1/7) * lr, so x1 = x0 - g/7 * lr.
    for lr in (1.0, 0.5):
        x = mt.tensor([3.0, 4.0], dtype=mt.float64, requires_grad=True)
        optimizer = mt.optim.LBFGS([x], lr=lr, max_iter=1)
        optimizer.step(_closure_for(optimizer, lambda: (x * x).sum() / 2))
        np.testing.assert_allclose(x.detach().numpy(), np.array([3.0, 4.0]) * (1 - lr / 7), rtol=1e-15)


def test_closure_evaluations_follow_max_iter_and_max_eval():
    def run(**options):
        x = mt.tensor([-1.5, 2.0], dtype=mt.float64, requires_grad=True)
        optimizer = mt.optim.LBFGS([x], **options)
        calls = []
        optimizer.step(_closure_for(optimizer, lambda: rosenbrock(x), calls))
        return len(calls), optimizer.state[x]

    # Without a line search: one evaluation to start, one after each iteration but the last.
    calls, state = run(max_iter=7)
    assert calls == 7 and state["func_evals"] == 7 and state["n_iter"] == 7
    calls, state = run(max_iter=20, max_eval=4)  # 1 + 3 iterations reach the budget
    assert calls == 4 and state["n_iter"] == 3
    assert mt.optim.LBFGS([mt.tensor([1.0], requires_grad=True)], max_iter=8).defaults["max_eval"] == 10
    calls, state = run(max_iter=10, line_search_fn="strong_wolfe")
    assert calls == state["func_evals"] <= 10 * 5 // 4 + 25


def test_step_returns_the_first_loss_and_state_carries_over():
    x = mt.tensor([-1.5, 2.0], dtype=mt.float64, requires_grad=True)
    optimizer = mt.optim.LBFGS([x], max_iter=5, history_size=3)
    losses = []

    def closure():
        optimizer.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        losses.append(loss)
        return loss

    returned = optimizer.step(closure)
    assert returned is losses[0] and returned.item() == pytest.approx(rosenbrock(np.array([-1.5, 2.0])))
    optimizer.step(closure)
    state = optimizer.state[x]
    assert state["n_iter"] == 10 and len(state["old_dirs"]) <= 3 and len(state["old_stps"]) == len(state["ro"])
    assert set(optimizer.state) == {x}  # the state lives on the first parameter


def test_a_point_that_is_already_optimal_is_left_alone():
    x = mt.tensor([1.0, 1.0], dtype=mt.float64, requires_grad=True)
    optimizer = mt.optim.LBFGS([x])
    calls = []
    optimizer.step(_closure_for(optimizer, lambda: rosenbrock(x), calls))
    assert calls == [1] and x.tolist() == [1.0, 1.0]


def test_closure_runs_with_grad_enabled_even_under_no_grad():
    x = mt.tensor([2.0], dtype=mt.float64, requires_grad=True)
    optimizer = mt.optim.LBFGS([x], max_iter=3)
    with mt.no_grad():
        optimizer.step(_closure_for(optimizer, lambda: ((x - 1) ** 2).sum()))
    assert abs(x.item() - 1.0) < 1e-6


def test_parameters_without_grad_count_as_zero_gradient():
    x = mt.tensor([2.0], dtype=mt.float64, requires_grad=True)
    unused = mt.tensor([5.0, 6.0], dtype=mt.float64, requires_grad=True)
    optimizer = mt.optim.LBFGS([x, unused], max_iter=10)
    optimizer.step(_closure_for(optimizer, lambda: ((x - 1) ** 2).sum()))
    assert abs(x.item() - 1.0) < 1e-6 and unused.tolist() == [5.0, 6.0]


def test_state_dict_round_trip_continues_identically(tmp_path):
    def fresh():
        x = mt.tensor([-1.5, 2.0], dtype=mt.float64, requires_grad=True)
        optimizer = mt.optim.LBFGS([x], max_iter=4, line_search_fn="strong_wolfe")
        return x, optimizer, _closure_for(optimizer, lambda: rosenbrock(x))

    x, optimizer, closure = fresh()
    optimizer.step(closure)
    mt.save({"opt": optimizer.state_dict(), "x": x.detach()}, tmp_path / "lbfgs.npz")
    saved = optimizer.state_dict()
    iterations, pairs = saved["state"][0]["n_iter"], len(saved["state"][0]["old_dirs"])
    optimizer.step(closure)
    assert optimizer.state[x]["n_iter"] > iterations and len(optimizer.state[x]["old_dirs"]) > pairs
    assert saved["state"][0]["n_iter"] == iterations and len(saved["state"][0]["old_dirs"]) == pairs  # a snapshot

    checkpoint = mt.load(tmp_path / "lbfgs.npz")
    y, resumed, resumed_closure = fresh()
    y.data = checkpoint["x"].numpy().copy()
    resumed.load_state_dict(checkpoint["opt"])
    resumed.step(resumed_closure)
    np.testing.assert_array_equal(y.detach().numpy(), x.detach().numpy())


def test_step_needs_a_closure():
    optimizer = mt.optim.LBFGS([mt.tensor([1.0], requires_grad=True)])
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'closure'"):
        optimizer.step()
    with pytest.raises(TypeError, match="closure"):
        optimizer.step(None)


def test_one_parameter_group_only():
    a, b = mt.tensor([1.0], requires_grad=True), mt.tensor([1.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"LBFGS doesn't support per-parameter options \(parameter groups\)"):
        mt.optim.LBFGS([{"params": [a]}, {"params": [b]}])
    optimizer = mt.optim.LBFGS([a])
    with pytest.raises(ValueError, match="parameter groups"):
        optimizer.add_param_group({"params": [b]})


def test_defaults_and_argument_checks():
    p = [mt.tensor([1.0], requires_grad=True)]
    defaults = mt.optim.LBFGS(p).defaults
    assert defaults == dict(lr=1, max_iter=20, max_eval=25, tolerance_grad=1e-7, tolerance_change=1e-9,
                            history_size=100, line_search_fn=None)
    with pytest.raises(RuntimeError, match="only 'strong_wolfe' is supported"):
        mt.optim.LBFGS(p, line_search_fn="backtracking")
    with pytest.raises(ValueError, match="Invalid learning rate"):
        mt.optim.LBFGS(p, lr=-1)
    with pytest.raises(ValueError, match="history_size must be a positive int"):
        mt.optim.LBFGS(p, history_size=0)
    with pytest.raises(ValueError, match="max_iter must be a positive int"):
        mt.optim.LBFGS(p, max_iter=2.5)
