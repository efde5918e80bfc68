"""The implicit reparameterisation gradient of a Beta sample: ``d x / d a`` and ``d x / d b``.

A sample ``x ~ Beta(a, b)`` is ``x = F^-1(u; a, b)`` for uniform noise ``u``, with ``F`` the CDF (the
regularised incomplete beta function). Holding ``u = F(x; a, b)`` fixed and differentiating::

    dx/da = -(dF/da)(x; a, b) / pdf(x; a, b)            dx/db = -(dF/db)(x; a, b) / pdf(x; a, b)

(Figurnov, Mohamed and Mnih, "Implicit Reparameterization Gradients", 2018). With ``B(a, b)`` the beta
function and ``c = psi(a) - psi(a + b)`` (``d log B / da``)::

    dF/da = (1 / B) integral_0^x t^(a-1) (1-t)^(b-1) (log t - c) dt

and dividing by ``pdf(x) = x^(a-1) (1-x)^(b-1) / B`` (``B`` cancels), with ``t = x e^(-w/a)``::

    dx/da = -(x / a) integral_0^inf e^-w ((1 - x e^(-w/a)) / (1 - x))^(b-1) (log x - w/a - c) dw      (lower)

Below the mean the exponent of this integrand is concave and falls from 0. Above it, the same identity
for ``1 - F(x; a, b) = F(1 - x; b, a)`` with ``y = 1 - x`` and ``t = y e^(-w/b)`` has that property::

    dx/da = (y / b) integral_0^inf e^-w ((1 - y e^(-w/b)) / x)^(a-1) (log(1 - y e^(-w/b)) - c) dw  (upper)

and by the symmetry ``x = 1 - x'`` with ``x' ~ Beta(b, a)``, ``dx/db`` is minus the ``dx/da`` above taken
at ``(b, a, 1 - x)``: ``_dx_da(b, a, y, x)``.
The integrals use exp-sinh quadrature (``w = exp(pi/2 sinh(k h))``: nodes spread over many decades of
``w``, so the integrand's width, from about 1 to ``sqrt(a b / (a + b))``, needs no tuning); the
relative error is below 1e-6 for concentrations in [0.05, 1000] (tested against central differences).
"""
from __future__ import annotations

import numpy as np

from ..ops._special_fallbacks import evaluate
from .._float_errors import quiet_float_errors

_STEP = 1 / 16
_K = np.arange(-56, 53) * _STEP  # k h in [-3.5, 3.25]: w from 1e-11 to 1e9, beyond which nothing is left
_W = np.exp(np.pi / 2 * np.sinh(_K))
_WEIGHTS = _STEP * np.pi / 2 * np.cosh(_K) * _W * np.exp(-_W)  # dw/dk, with the e^-w of both integrals


def _lower(a, b, x, y, c):
    """The lower integral (x below the mean); 1 - x e^(-w/a) = y + x (1 - e^(-w/a)), no cancellation near w = 0."""
    a_, b_, x_, y_ = a[:, None], b[:, None], x[:, None], y[:, None]
    log_one_minus_t = np.log(y_ + x_ * -np.expm1(-_W / a_))
    factor = np.exp((b_ - 1) * (log_one_minus_t - np.log(y_)))
    return -(x / a) * ((factor * (np.log(x_) - _W / a_ - c[:, None])) @ _WEIGHTS)


def _upper(a, b, x, y, c):
    """The upper integral (x above the mean); 1 - y e^(-w/b) = x + y (1 - e^(-w/b))."""
    a_, b_, x_, y_ = a[:, None], b[:, None], x[:, None], y[:, None]
    log_one_minus_s = np.log(x_ + y_ * -np.expm1(-_W / b_))
    factor = np.exp((a_ - 1) * (log_one_minus_s - np.log(x_)))
    return (y / b) * ((factor * (log_one_minus_s - c[:, None])) @ _WEIGHTS)


def _dx_da(a, b, x, y):
    """``dx/da`` for flat float64 arrays, ``y = 1 - x`` given separately (each keeps its own precision near 0,
    which ``1 - x`` would lose); each sample takes the one integral of its side of the mean."""
    c = evaluate("psi", a) - evaluate("psi", a + b)
    lower = x <= a / (a + b)
    result = np.empty_like(x)
    with quiet_float_errors():  # exp of very negative exponents underflows to 0, as it should
        for side, integral in ((lower, _lower), (~lower, _upper)):
            result[side] = integral(a[side], b[side], x[side], y[side], c[side])
    return result


_CHUNK = 1 << 14  # samples per pass: the quadrature holds (chunk, nodes) arrays, a few MB each


def beta_sample_gradients(a, b, x, needs=(True, True)):
    """``(dx/da, dx/db)`` at samples ``x`` of ``Beta(a, b)`` (arrays broadcast to ``x``'s shape), in ``x``'s dtype;
    an entry whose ``needs`` is False is None (not computed)."""
    dtype, shape = x.dtype, x.shape
    a, b, x = (np.asarray(np.broadcast_to(v, shape), dtype=np.float64).ravel() for v in (a, b, x))
    y = 1 - x
    da = np.empty_like(x) if needs[0] else None
    db = np.empty_like(x) if needs[1] else None
    for start in range(0, x.size, _CHUNK):
        part = slice(start, start + _CHUNK)
        if needs[0]:
            da[part] = _dx_da(a[part], b[part], x[part], y[part])
        if needs[1]:
            db[part] = -_dx_da(b[part], a[part], y[part], x[part])
    return tuple(None if g is None else g.reshape(shape).astype(dtype) for g in (da, db))
