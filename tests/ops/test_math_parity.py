"""The gamma family, erfinv, i0, sinc, sign and float-representation ops, fmax/fmin, gcd/lcm:
values against Python's math module, numpy and closed forms, float64 gradient checks (second
order where the derivative is itself an op), dtypes, errors; the numpy fallbacks used without scipy."""
import math

import numpy as np
import pytest

import microtensor as mt
from microtensor.ops import _special_fallbacks as fallback
from tests.strategies import check_gradients

X = np.array([0.5, 1.0, 2.5, 7.0])  # integers and half-integers, where psi and psi' have closed forms
NEGATIVE = np.array([-0.5, -1.5, -3.7])
EULER_GAMMA = 0.5772156649015329


def _digamma_closed_form(x):
    """psi(n) = -gamma + sum_{k<n} 1/k;  psi(n + 1/2) = -gamma - 2 ln 2 + sum_{k<=n} 2/(2k - 1)."""
    if float(x).is_integer():
        return -EULER_GAMMA + sum(1 / k for k in range(1, int(x)))
    return -EULER_GAMMA - 2 * math.log(2) + sum(2 / (2 * k - 1) for k in range(1, int(x) + 1))


def _trigamma_closed_form(x):
    """psi'(n) = pi^2/6 - sum_{k<n} 1/k^2;  psi'(n + 1/2) = pi^2/2 - sum_{k<=n} 4/(2k - 1)^2."""
    if float(x).is_integer():
        return math.pi ** 2 / 6 - sum(1 / k ** 2 for k in range(1, int(x)))
    return math.pi ** 2 / 2 - sum(4 / (2 * k - 1) ** 2 for k in range(1, int(x) + 1))


def test_lgamma_digamma_polygamma_values():
    x = np.concatenate([X, NEGATIVE])
    t = mt.tensor(x, dtype=mt.float64)
    np.testing.assert_allclose(mt.lgamma(t).numpy(), [math.lgamma(v) for v in x], rtol=1e-12)
    np.testing.assert_allclose(mt.digamma(t).numpy()[:4], [_digamma_closed_form(v) for v in X], rtol=1e-13)
    np.testing.assert_allclose(mt.polygamma(1, t).numpy()[:4], [_trigamma_closed_form(v) for v in X], rtol=1e-13)
    np.testing.assert_allclose(mt.polygamma(0, t).numpy(), mt.digamma(t).numpy())
    # psi(1) = -gamma, psi'(1) = pi^2/6, psi''(1) = -2 zeta(3), psi'''(1) = pi^4/15
    ones = mt.ones(1, dtype=mt.float64)
    assert mt.digamma(ones).item() == pytest.approx(-EULER_GAMMA, rel=1e-14)
    assert mt.polygamma(1, ones).item() == pytest.approx(math.pi ** 2 / 6, rel=1e-14)
    assert mt.polygamma(2, ones).item() == pytest.approx(-2 * 1.2020569031595942, rel=1e-14)
    assert mt.polygamma(3, ones).item() == pytest.approx(math.pi ** 4 / 15, rel=1e-13)
    edges = mt.digamma(mt.tensor([0.0, -0.0, -2.0])).numpy()
    assert edges[0] == -np.inf and edges[1] == np.inf and np.isnan(edges[2])
    assert mt.lgamma(mt.tensor([0.0, -3.0])).numpy().tolist() == [np.inf, np.inf]


def test_mvlgamma_is_the_sum_of_shifted_lgammas():
    x = np.array([2.0, 3.5])
    expected = [3 * 2 / 4 * math.log(math.pi) + sum(math.lgamma(v - j / 2) for j in range(3)) for v in x]
    np.testing.assert_allclose(mt.mvlgamma(mt.tensor(x, dtype=mt.float64), 3).numpy(), expected, rtol=1e-12)
    np.testing.assert_allclose(mt.mvlgamma(mt.tensor(x), 1).numpy(), [math.lgamma(v) for v in x], rtol=1e-6)
    with pytest.raises(RuntimeError, match="p has to be greater than or equal to 1"):
        mt.mvlgamma(mt.tensor(x), 0)
    with pytest.raises(TypeError, match="'p'"):
        mt.mvlgamma(mt.tensor(x), 1.5)
    with pytest.raises(RuntimeError, match="boolean"):
        mt.mvlgamma(mt.tensor([True]), 1)


def test_polygamma_checks_n():
    with pytest.raises(RuntimeError, match="negative n"):
        mt.polygamma(-1, mt.tensor([1.0]))
    with pytest.raises(TypeError, match="must be int"):
        mt.polygamma(1.0, mt.tensor([1.0]))


def test_erfinv_i0_sinc_values():
    y = np.array([-0.9, -0.3, 0.0, 0.5, 0.999])
    np.testing.assert_allclose([math.erf(v) for v in mt.erfinv(mt.tensor(y, dtype=mt.float64)).numpy()], y, rtol=1e-14)
    assert mt.erfinv(mt.tensor([-1.0, 1.0])).numpy().tolist() == [-np.inf, np.inf]
    assert np.isnan(mt.erfinv(mt.tensor([1.5])).numpy()).all()
    x = np.array([-2.0, 0.0, 0.5, 3.0])
    series = [sum((v / 2) ** (2 * k) / math.factorial(k) ** 2 for k in range(40)) for v in x]
    np.testing.assert_allclose(mt.i0(mt.tensor(x, dtype=mt.float64)).numpy(), series, rtol=1e-14)
    np.testing.assert_allclose(mt.sinc(mt.tensor(x, dtype=mt.float64)).numpy(),
                               [1.0 if v == 0 else math.sin(math.pi * v) / (math.pi * v) for v in x], atol=1e-16)


@pytest.mark.parametrize("function, low, high", [
    (mt.lgamma, 0.2, 4.0), (mt.digamma, 0.2, 4.0), (lambda t: mt.polygamma(2, t), 0.5, 4.0),
    (lambda t: mt.mvlgamma(t, 2), 1.0, 4.0), (mt.erfinv, -0.9, 0.9), (mt.i0, -3.0, 3.0), (mt.sinc, -2.0, 2.0),
])
def test_gradients_first_and_second_order(function, low, high):
    x = np.linspace(low, high, 5).reshape(5)
    (leaf,) = check_gradients(function, x)
    assert mt.autograd.gradgradcheck(function, (leaf,))


def test_sinc_and_i0_derivatives_at_zero():
    x = mt.zeros(1, dtype=mt.float64, requires_grad=True)
    (slope,) = mt.autograd.grad(mt.sinc(x).sum(), (x,), create_graph=True)
    (curvature,) = mt.autograd.grad(slope.sum(), (x,))
    assert slope.item() == 0 and curvature.item() == pytest.approx(-math.pi ** 2 / 3)
    (slope,) = mt.autograd.grad(mt.i0(x).sum(), (x,), create_graph=True)
    (curvature,) = mt.autograd.grad(slope.sum(), (x,))
    assert slope.item() == 0 and curvature.item() == pytest.approx(0.5)


@pytest.mark.parametrize("name", ["lgamma", "digamma", "erfinv", "i0", "sinc"])
def test_special_function_dtypes(name):
    function = getattr(mt, name)
    assert function(mt.tensor([1.0], dtype=mt.float16)).numpy() == pytest.approx(function(mt.tensor([1.0])).numpy(), abs=1e-3)
    assert function(mt.tensor([1, 0])).dtype == mt.float32
    assert function(mt.tensor([0.5], dtype=mt.float16)).dtype == mt.float16
    assert function(mt.tensor([0.5], dtype=mt.float64)).dtype == mt.float64


def test_fallbacks_without_scipy_agree_with_closed_forms():
    x = np.array([-3.7, -0.5, 0.3, 1.0, 2.5, 7.25, 30.0])
    np.testing.assert_allclose(fallback.lgamma(x), [math.lgamma(v) for v in x], rtol=1e-14)
    np.testing.assert_allclose(fallback.digamma(X), [_digamma_closed_form(v) for v in X], rtol=1e-13)
    assert fallback.digamma(np.array([1.0]))[0] == pytest.approx(-EULER_GAMMA, rel=1e-14)
    assert fallback.polygamma(1, np.array([1.0]))[0] == pytest.approx(math.pi ** 2 / 6, rel=1e-14)
    assert fallback.polygamma(2, np.array([1.0]))[0] == pytest.approx(-2 * 1.2020569031595942, rel=1e-14)
    # reflection checks psi below 0: psi(1 - x) - psi(x) = pi cot(pi x)
    np.testing.assert_allclose(fallback.digamma(1 - NEGATIVE) - fallback.digamma(NEGATIVE),
                               math.pi / np.tan(math.pi * NEGATIVE), rtol=1e-12, atol=1e-14)
    # recurrence checks psi^(1) below 10: psi1(x) = psi1(x + 1) + 1/x^2
    np.testing.assert_allclose(fallback.polygamma(1, x), fallback.polygamma(1, x + 1) + 1 / x ** 2, rtol=1e-12)
    y = np.array([-0.999999, -0.4, 0.0, 0.2, 0.7, 1 - 1e-15])
    np.testing.assert_allclose([math.erf(v) for v in fallback.erfinv(y)[:-1]], y[:-1], rtol=1e-15, atol=1e-16)
    assert math.erfc(fallback.erfinv(y)[-1]) == pytest.approx(1e-15, rel=1e-13)
    z = np.array([-2.0, 0.0, 0.5, 3.0])
    np.testing.assert_allclose(fallback.i1(z), [sum((v / 2) ** (2 * k + 1) / (math.factorial(k) * math.factorial(k + 1))
                                                    for k in range(40)) for v in z], rtol=1e-14)


# ------------------------------------------------------------- sign functions
def test_copysign_values_gradient_and_dtype():
    out = mt.copysign(mt.tensor([1.0, -2.0, 3.0]), mt.tensor([-0.0, 0.0, -1.0]))
    assert out.numpy().tolist() == [-1.0, 2.0, -3.0]
    assert mt.copysign(mt.tensor([1, 2]), -1).dtype == mt.float32
    assert mt.copysign(mt.tensor([1.0], dtype=mt.float16), mt.tensor([-1])).dtype == mt.float16
    check_gradients(mt.copysign, np.array([1.0, -2.0, 0.7]), np.array([-1.0, 0.5, 0.3]))
    a = mt.tensor([1.0, -2.0, 0.0], requires_grad=True)
    mt.copysign(a, mt.tensor([-1.0, 0.0, -0.0])).sum().backward()
    assert a.grad.numpy().tolist() == [-1.0, -1.0, 0.0]


def test_signbit_sgn_heaviside_positive():
    assert mt.signbit(mt.tensor([-0.0, 0.0, -1.0, np.inf])).numpy().tolist() == [True, False, True, False]
    assert mt.signbit(mt.tensor([True])).numpy().tolist() == [False]
    assert mt.sgn(mt.tensor([-3, 0, 2])).numpy().tolist() == [-1, 0, 1]
    out = mt.heaviside(mt.tensor([-1.0, 0.0, 2.0, np.nan]), mt.tensor([0.5]))
    assert out.numpy().tolist()[:3] == [0.0, 0.5, 1.0] and out.dtype == mt.float32
    with pytest.raises(TypeError, match="values"):
        mt.heaviside(mt.tensor([1.0]), 0.5)
    with pytest.raises(RuntimeError, match="different dtypes"):
        mt.heaviside(mt.tensor([1.0]), mt.tensor([1]))
    t = mt.tensor([1.0])
    assert mt.positive(t) is t and t.positive() is t
    with pytest.raises(RuntimeError, match="bool"):
        mt.positive(mt.tensor([True]))


# ---------------------------------------------------- float representation
def test_frexp_ldexp_round_trip_and_gradients():
    x = np.array([0.0, 1.0, 8.0, -3.0, 1e-300, np.inf])
    mantissa, exponent = mt.frexp(mt.tensor(x, dtype=mt.float64))
    assert exponent.dtype == mt.int32 and exponent.numpy().tolist()[:4] == [0, 1, 4, 2]
    np.testing.assert_array_equal(np.ldexp(mantissa.numpy(), exponent.numpy()), x)
    np.testing.assert_array_equal(mt.ldexp(mantissa, exponent).numpy(), x[:5].tolist() + [np.inf])
    with pytest.raises(RuntimeError, match="floating-point"):
        mt.frexp(mt.tensor([1]))
    check_gradients(lambda t: mt.frexp(t).mantissa, np.array([1.3, -2.6, 0.7]))
    check_gradients(mt.ldexp, np.array([1.3, -2.6]), np.array([2.0, -1.0]))
    assert mt.ldexp(mt.tensor([1, 2]), mt.tensor([1, 2])).dtype == mt.float32
    assert mt.ldexp(mt.tensor([1.0], dtype=mt.float16), mt.tensor([3])).dtype == mt.float16


def test_nextafter_and_infinity_predicates():
    assert (mt.nextafter(mt.tensor([1.0]), mt.tensor([2.0])) - 1).item() == np.finfo(np.float32).eps
    assert mt.nextafter(mt.tensor([1.0], dtype=mt.float64), 0.0).item() == 1 - np.finfo(np.float64).epsneg
    with pytest.raises(NotImplementedError, match="floating-point"):
        mt.nextafter(mt.tensor([1]), mt.tensor([2]))
    assert mt.nextafter(mt.tensor([1]), mt.tensor([2.0])).dtype == mt.float32
    check_gradients(mt.nextafter, np.array([1.5, -2.0]), np.array([3.0, 0.0]))
    t = mt.tensor([1.0, np.inf, -np.inf, np.nan])
    assert mt.isposinf(t).numpy().tolist() == [False, True, False, False]
    assert mt.isneginf(t).numpy().tolist() == [False, False, True, False]
    assert mt.isposinf(mt.tensor([3])).numpy().tolist() == [False]
    assert mt.isreal(mt.tensor([[1, 2]])).numpy().tolist() == [[True, True]]


def test_float_power_is_computed_in_float64():
    out = mt.float_power(mt.tensor([2, 3]), 2)
    assert out.dtype == mt.float64 and out.numpy().tolist() == [4.0, 9.0]
    assert mt.float_power(2, mt.tensor([0.5], dtype=mt.float16)).item() == math.sqrt(2)
    assert mt.float_power(mt.tensor([2]), -1).item() == 0.5
    check_gradients(mt.float_power, np.array([1.5, 2.0]), np.array([2.0, 0.5]))
    with pytest.raises(RuntimeError, match="requires dtype Double"):
        mt.tensor([2.0]).float_power_(2)


# ------------------------------------------------------ fmax fmin gcd lcm
def test_fmax_fmin_ignore_nan_and_send_the_gradient_to_the_winner():
    nan = np.nan
    a, b = np.array([1.0, 2.0, nan, 3.0, nan]), np.array([1.0, 1.0, 1.0, nan, nan])
    np.testing.assert_array_equal(mt.fmax(mt.tensor(a), mt.tensor(b)).numpy(), np.fmax(a, b))
    np.testing.assert_array_equal(mt.fmin(mt.tensor(a), mt.tensor(b)).numpy(), np.fmin(a, b))
    x, y = mt.tensor(a, requires_grad=True), mt.tensor(b, requires_grad=True)
    mt.fmax(x, y).sum().backward()
    assert x.grad.numpy().tolist() == [1, 1, 0, 1, 1] and y.grad.numpy().tolist() == [0, 0, 1, 0, 0]
    check_gradients(mt.fmin, np.array([1.0, -2.0, 0.5]), np.array([0.0, 1.0, 2.0]))
    assert mt.fmax(mt.tensor([1, 5]), 2.5).dtype == mt.float32


def test_gcd_lcm():
    a, b = mt.tensor([0, -4, 6, 7]), mt.tensor([0, 6, -9, 0])
    assert mt.gcd(a, b).numpy().tolist() == [math.gcd(0, 0), 2, 3, 7]
    assert mt.lcm(a, b).numpy().tolist() == [0, 12, 18, 0]
    assert mt.gcd(mt.tensor([4], dtype=mt.uint8), mt.tensor([6], dtype=mt.int16)).dtype == mt.int16
    assert mt.gcd(mt.tensor([4], dtype=mt.int32), mt.tensor(6)).dtype == mt.int32
    assert mt.gcd(mt.tensor([True]), mt.tensor([4])).dtype == mt.int64  # the promoted dtype must be an integer
    for bad in (mt.tensor([1.0]), mt.tensor([True])):
        with pytest.raises(NotImplementedError, match="not implemented"):
            mt.gcd(bad, bad)
    with pytest.raises(RuntimeError, match="size of tensor a"):
        mt.lcm(mt.tensor([1, 2]), mt.tensor([1, 2, 3]))


def test_the_ops_run_on_the_fallbacks_when_scipy_is_missing(monkeypatch):
    monkeypatch.setattr(fallback, "_FOUND", dict(fallback._FALLBACKS))
    x = mt.tensor([0.5, 2.5], requires_grad=True)
    for function in (mt.lgamma, mt.digamma, lambda t: mt.polygamma(2, t), mt.i0, lambda t: mt.erfinv(t / 3)):
        y = function(x)
        assert y.dtype == mt.float32
        (gradient,) = mt.autograd.grad(y.sum(), (x,))
        assert np.isfinite(gradient.numpy()).all()
    assert mt.digamma(mt.tensor([1.0], dtype=mt.float64)).item() == pytest.approx(-EULER_GAMMA, rel=1e-14)


def test_ldexp_with_integer_exponents_is_exact_and_differentiates_to_two_to_the_e():
    """0 * 2**255 is 0 (a product would give 0 * inf = nan in float32); beyond float32 the value is inf;
    d/dx x 2^e = 2^e, in the input's float dtype (inf where 2^e does not fit, as the value)."""
    x = mt.tensor([0.0, 1.0, 3.0, -2.0], requires_grad=True)
    y = mt.ldexp(x, mt.tensor([255, 255, -2, 3]))
    assert y.tolist() == [0.0, np.inf, 0.75, -16.0]
    y.sum().backward()
    assert x.grad.tolist() == [np.inf, np.inf, 0.25, 8.0]
    check_gradients(lambda t: mt.ldexp(t, mt.tensor([[1, -3], [0, 4]], dtype=mt.int32)), np.array([[1.3, -2.6], [0.5, 7.0]]))
    assert mt.ldexp(mt.tensor([1, 2]), mt.tensor([1, 2])).tolist() == [2.0, 8.0]  # integers: the default float
