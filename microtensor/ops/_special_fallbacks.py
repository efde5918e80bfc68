"""The special functions ``gammaln psi polygamma erfinv i0 i1`` for the ops: ``evaluate`` takes
scipy's when scipy is installed, else the numpy implementations here (slower, accurate to a few
ulps in float64; each takes and returns float64 arrays)."""
from __future__ import annotations

import math

import numpy as np
from .._float_errors import quiet_float_errors

_lgamma_scalar = np.vectorize(lambda x: math.inf if x <= 0 and x.is_integer() else math.lgamma(x),
                              otypes=[np.float64])
_erf_scalar = np.vectorize(math.erf, otypes=[np.float64])
_erfc_scalar = np.vectorize(math.erfc, otypes=[np.float64])

# Bernoulli numbers B_2k / (2k) for the asymptotic series of digamma, k = 1..7
_DIGAMMA_TAIL = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)
# B_2k / (2k)! for the Euler-Maclaurin tail of the Hurwitz zeta function, k = 1..8
_ZETA_TAIL = (1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160, -691 / 1307674368000,
              1 / 74724249600, -3617 / 10670622842880000)
_SHIFT = 10.0  # series and tails are used from here on; smaller arguments are shifted up to it


def lgamma(x):
    """``log |Gamma(x)|``; inf at 0 and the negative integers."""
    with quiet_float_errors():
        return _lgamma_scalar(np.asarray(x, dtype=np.float64))


def digamma(x):
    """``psi(x) = Gamma'(x) / Gamma(x)``: reflection below 0, recurrence up to 10, asymptotic series."""
    x = np.asarray(x, dtype=np.float64)
    with quiet_float_errors():
        negative = x < 0
        pole = (x <= 0) & (x == np.floor(x))
        reflected = np.where(negative, 1 - x, x)
        shift = np.zeros_like(x)
        z = reflected.copy()
        while True:
            small = np.isfinite(z) & (z < 10)
            if not small.any():
                break
            shift = shift - np.where(small, 1 / np.where(small, z, 1), 0)
            z = np.where(small, z + 1, z)
        inverse_square = 1 / (z * z)
        tail = np.zeros_like(z)
        for coefficient in reversed(_DIGAMMA_TAIL):
            tail = (tail + coefficient) * inverse_square
        result = np.log(z) - 0.5 / z - tail + shift
        result = np.where(negative, result - np.pi / np.tan(np.pi * (x - np.round(x))), result)
        result = np.where(pole, np.nan, result)
        return np.where(x == 0, np.copysign(np.inf, -x), result)


def hurwitz_zeta(s, q):
    """``zeta(s, q) = sum_k (q + k)^-s`` for an integer ``s >= 2``: the terms below 10 summed,
    the rest by the Euler-Maclaurin formula; inf at the poles q = 0, -1, -2, ..."""
    q = np.asarray(q, dtype=np.float64)
    with quiet_float_errors():
        pole = (q <= 0) & (q == np.floor(q))
        z = np.where(pole | ~np.isfinite(q), _SHIFT, q)
        head = np.zeros_like(z)
        while True:
            small = z < _SHIFT
            if not small.any():
                break
            head = head + np.where(small, z ** -s, 0)
            z = np.where(small, z + 1, z)
        tail = z ** (1 - s) / (s - 1) + 0.5 * z ** -s
        rising, power = float(s), z ** (-s - 1)
        for index, coefficient in enumerate(_ZETA_TAIL):
            tail = tail + coefficient * rising * power
            rising *= (s + 2 * index + 1) * (s + 2 * index + 2)
            power = power / (z * z)
        result = np.where(q == np.inf, 0.0, head + tail)
        return np.where(pole, np.inf, np.where(np.isnan(q), np.nan, result))


def polygamma(n, x):
    """``psi^(n)(x) = (-1)^(n+1) n! zeta(n+1, x)`` for n >= 1, ``digamma`` for n = 0."""
    if n == 0:
        return digamma(x)
    return (-1) ** (n + 1) * math.factorial(n) * hurwitz_zeta(n + 1, x)


def erfinv(x):
    """The inverse of ``erf`` on [-1, 1] (+-inf at +-1, nan outside): Giles' approximation, then
    Newton steps on ``erf y = x`` (on ``log erfc y = log(1 - |x|)`` near 1, where that is exact)."""
    x = np.asarray(x, dtype=np.float64)
    magnitude = np.abs(x)
    with quiet_float_errors():
        y = _giles(np.where(magnitude < 1, magnitude, 0.0))
        near_one = magnitude > 0.5
        complement = 1 - magnitude
        for _ in range(4):
            slope = np.exp(-y * y) * (2 / math.sqrt(math.pi))
            upper = _erfc_scalar(y)  # near 1: Newton on log erfc y = log(1 - |x|), nearly quadratic in y
            step = np.where(near_one, (np.log(upper) - np.log(complement)) * -upper, _erf_scalar(y) - magnitude)
            y = y - step / slope
        y = np.where(magnitude == 1, np.inf, np.where(magnitude > 1, np.nan, y))
        return np.copysign(y, x)


def _giles(x):
    """Mike Giles' single-precision approximation of erfinv (a start for Newton's method)."""
    w = -np.log((1 - x) * (1 + x))
    central, tail = w - 2.5, np.sqrt(w) - 3
    p = np.full_like(x, 2.81022636e-08)
    for c in (3.43273939e-07, -3.5233877e-06, -4.39150654e-06, 0.00021858087, -0.00125372503,
              -0.00417768164, 0.246640727, 1.50140941):
        p = c + p * central
    q = np.full_like(x, -0.000200214257)
    for c in (0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
              0.00943887047, 1.00167406, 2.83297682):
        q = c + q * tail
    return np.where(w < 5, p, q) * x


def i0(x):
    """The modified Bessel function of the first kind, order 0 (numpy's own)."""
    with quiet_float_errors():
        return np.i0(np.asarray(x, dtype=np.float64))


def i1(x):
    """The modified Bessel function of the first kind, order 1, by its power series
    ``sum_k (x/2)^(2k+1) / (k! (k+1)!)`` (all terms of one sign: no cancellation)."""
    x = np.asarray(x, dtype=np.float64)
    with quiet_float_errors():
        half = np.where(np.isfinite(x), x / 2, 0.0)
        quarter_square = half * half
        term = half.copy()
        total = term.copy()
        k = 0
        while np.any(np.abs(term) > np.abs(total) * 1e-17) and k < 2000:
            term = term * quarter_square / ((k + 1) * (k + 2))
            total = total + term
            k += 1
        return np.where(np.isfinite(x), total, np.where(np.isnan(x), np.nan, np.copysign(np.inf, x)))


_FALLBACKS = {"gammaln": lgamma, "psi": digamma, "polygamma": polygamma, "erfinv": erfinv, "i0": i0, "i1": i1}
_FOUND: dict = {}


def evaluate(name, x, *leading):
    """``scipy.special.<name>(*leading, x)`` (numpy's fallback above without scipy), with ``x``'s
    float dtype and no warnings. scipy is imported on first use, not with microtensor."""
    found = _FOUND.get(name)
    if found is None:
        try:
            from scipy import special
            found = getattr(special, name)
        except ImportError:  # pragma: no cover - exercised only without scipy
            found = _FALLBACKS[name]
        _FOUND[name] = found
    with quiet_float_errors():
        return np.asarray(found(*leading, x), dtype=x.dtype)
