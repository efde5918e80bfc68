"""``mt.autograd.functional``: Jacobians, Hessians and products against closed forms."""
import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import functional as AF

X = np.array([0.3, 0.7, 1.1])


def _x(requires_grad=False):
    return mt.tensor(X.copy(), dtype=mt.float64, requires_grad=requires_grad)


def test_jacobian_of_one_input_and_one_output():
    # f(x) = exp(x) * sum(x): df_i/dx_j = exp(x_i) * (sum(x) [i == j] + 1)
    J = AF.jacobian(lambda t: t.exp() * t.sum(), _x())
    expected = np.exp(X)[:, None] * (X.sum() * np.eye(3) + 1)
    assert J.shape == (3, 3) and not J.requires_grad
    np.testing.assert_allclose(J.numpy(), expected)


def test_jacobian_shapes_for_tuples_of_inputs_and_outputs():
    a = mt.tensor([0.3, 0.7], dtype=mt.float64)
    b = mt.tensor(2.0, dtype=mt.float64)
    (ja, jb), (qa, qb) = AF.jacobian(lambda a, b: (a * b, (a * a).sum()), (a, b))
    np.testing.assert_allclose(ja.numpy(), 2.0 * np.eye(2))  # d(a b)/da = b I
    np.testing.assert_allclose(jb.numpy(), [0.3, 0.7])       # d(a b)/db = a
    assert qa.shape == (2,) and qb.shape == ()
    np.testing.assert_allclose(qa.numpy(), [0.6, 1.4])       # d sum a^2 / da = 2a
    assert qb.numpy() == 0.0                                # independent of b: zeros
    only_input = AF.jacobian(lambda a: (a.sin(), a.sum()), a)
    assert isinstance(only_input, tuple) and [j.shape for j in only_input] == [(2, 2), (2,)]
    np.testing.assert_allclose(only_input[0].numpy(), np.diag(np.cos([0.3, 0.7])))


def test_jacobian_strict_refuses_an_independent_input():
    a, b = mt.tensor([0.3, 0.7], dtype=mt.float64), mt.tensor(2.0, dtype=mt.float64)
    with pytest.raises(RuntimeError, match="independent of input 1"):
        AF.jacobian(lambda a, b: a * 2, (a, b), strict=True)


def test_jacobian_with_create_graph_is_differentiable_and_inputs_are_untouched():
    x = _x(requires_grad=True)
    J = AF.jacobian(lambda t: t ** 3, x, create_graph=True)  # diag(3 x^2)
    assert J.requires_grad
    J.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 6 * X)
    plain = _x()
    AF.jacobian(lambda t: t * 2, plain)
    assert not plain.requires_grad and plain.grad is None


def test_hessian_of_one_and_of_two_inputs():
    # f = sum x^3 + x0 x1: H = diag(6x) + the x0-x1 coupling
    H = AF.hessian(lambda t: (t ** 3).sum() + t[0] * t[1], _x())
    expected = np.diag(6 * X)
    expected[0, 1] = expected[1, 0] = 1.0
    np.testing.assert_allclose(H.numpy(), expected)
    a, b = mt.tensor([0.3, 0.7], dtype=mt.float64), mt.tensor(2.0, dtype=mt.float64)
    (haa, hab), (hba, hbb) = AF.hessian(lambda a, b: (a * a * b).sum(), (a, b))  # f = b sum a^2
    np.testing.assert_allclose(haa.numpy(), 2 * 2.0 * np.eye(2))
    np.testing.assert_allclose(hab.numpy(), [0.6, 1.4])
    np.testing.assert_allclose(hba.numpy(), [0.6, 1.4])
    assert hbb.numpy() == 0.0
    with pytest.raises(RuntimeError, match="single element"):
        AF.hessian(lambda t: t * 2, _x())


def test_vjp_jvp_hvp_vhp():
    v2 = mt.tensor([1.0, 3.0], dtype=mt.float64)
    x = mt.tensor([0.3, 0.7], dtype=mt.float64)
    out, product = AF.vjp(lambda t: t ** 2, x, v2)
    np.testing.assert_allclose(out.numpy(), [0.09, 0.49])
    np.testing.assert_allclose(product.numpy(), 2 * np.array([0.3, 0.7]) * [1.0, 3.0])
    _, product = AF.vjp(lambda t: (t ** 2).sum(), x)  # v may be left out for a scalar output
    np.testing.assert_allclose(product.numpy(), [0.6, 1.4])
    with pytest.raises(RuntimeError, match="v can only be None"):
        AF.vjp(lambda t: t ** 2, x)
    with pytest.raises(RuntimeError, match="invalid size"):
        AF.vjp(lambda t: t ** 2, x, _x())
    # J of (x0 x1, x0 + x1, x1^2) is [[x1, x0], [1, 1], [0, 2 x1]]
    out, product = AF.jvp(lambda t: np.stack([t[0] * t[1], t[0] + t[1], t[1] ** 2]), x, v2)
    jac = np.array([[0.7, 0.3], [1.0, 1.0], [0.0, 1.4]])
    np.testing.assert_allclose(product.numpy(), jac @ [1.0, 3.0])
    hessian = np.array([[6 * 0.3, 1.0], [1.0, 6 * 0.7]])  # of sum x^3 + x0 x1
    for product_function in (AF.hvp, AF.vhp):
        value, product = product_function(lambda t: (t ** 3).sum() + t[0] * t[1], x, v2)
        np.testing.assert_allclose(value.numpy(), 0.3 ** 3 + 0.7 ** 3 + 0.21)
        np.testing.assert_allclose(product.numpy(), hessian @ [1.0, 3.0])


def test_forward_mode_strategy_is_refused_clearly():
    with pytest.raises(NotImplementedError, match="forward-mode"):
        AF.jacobian(lambda t: t * 2, _x(), strategy="forward-mode")
