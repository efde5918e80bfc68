"""The in-place forms of elementwise ops (``t.tan_()``, ``t.addcmul_(a, b)``, ``t.eq_(u)``, ...) and
PyTorch's top-level in-place functions (``mt.relu_(t)``, ``mt.zero_(t)``, ...).

Each method computes its op out of place and writes the result into the tensor with
``apply_inplace`` (``autograd/inplace.py``): through a view into its base, with the version
counter bumped and the history rebased, so gradients stay right. Its signature is the op's, with
the tensor as ``self``. Ops without a gradient (comparisons, logic, ``gcd``) write values of the
tensor's dtype whose derivative is 0, as in PyTorch (``t.eq_(u)`` cuts ``t``'s history).
"""
from __future__ import annotations

import inspect
from typing import Callable

from .. import _dtypes
from .._registry import METHODS, TORCH_DTYPE_NAMES, op, tensor_method
from .._tensor import Tensor
from .._typing import TensorLike
from ..autograd.grad_mode import _state
from ..autograd.inplace import apply_inplace
from ..autograd.zero_link import ZeroDerivativeLink
from . import (
    affine_combinations, bessel_sinc_erfinv, clamping, comparison, float_representation,
    gamma_functions, hyperbolic, number_theory, rounding, scan, sign_functions, special_functions, trigonometry,
)

_WITH_GRADIENT = (
    (trigonometry, ("tan", "asin", "acos", "atan", "atan2", "hypot", "deg2rad", "rad2deg")),
    (hyperbolic, ("sinh", "cosh", "asinh", "acosh", "atanh")),
    (special_functions, ("erf", "erfc", "exp2", "rsqrt", "xlogy", "logit")),
    (affine_combinations, ("lerp", "addcmul", "addcdiv", "addmm", "addmv", "addbmm", "baddbmm")),
    (clamping, ("clamp_min", "clamp_max", "nan_to_num")),
    (scan, ("cumsum", "cumprod")),
    (gamma_functions, ("lgamma", "digamma")),
    (bessel_sinc_erfinv, ("erfinv", "i0", "sinc")),
    (sign_functions, ("copysign", "sgn")),
    (float_representation, ("ldexp", "nextafter")),
)
_ALIASES = {
    "fix": rounding.trunc, "arcsin": trigonometry.asin, "arccos": trigonometry.acos, "arctan": trigonometry.atan,
    "arctan2": trigonometry.atan2, "arcsinh": hyperbolic.asinh, "arccosh": hyperbolic.acosh,
    "arctanh": hyperbolic.atanh,
}
_WITHOUT_GRADIENT = (
    (comparison, ("eq", "ne", "lt", "le", "gt", "ge", "logical_and", "logical_or", "logical_xor", "logical_not")),
    (number_theory, ("gcd", "lcm")),
    (sign_functions, ("heaviside",)),
)
_ALIASES_WITHOUT_GRADIENT = {
    "greater": comparison.gt, "greater_equal": comparison.ge, "less": comparison.lt, "less_equal": comparison.le,
    "not_equal": comparison.ne,
}


def _cut_from_history(target: Tensor, result: Tensor) -> Tensor:
    """``result`` in ``target``'s dtype, linked to ``target`` with derivative 0 when ``target`` needs a
    gradient (so the in-place write replaces its history instead of keeping it)."""
    values = result if result.dtype == target.dtype else result.to(target.dtype)
    if _state.enabled and target.requires_grad:
        return ZeroDerivativeLink.apply(values, target)
    return values


def in_place_of(name: str, function: Callable[..., Tensor], *, gradient: bool = True) -> Callable[..., Tensor]:
    """The Tensor method ``t.<name>(...)``: ``function(t, ...)`` written into ``t`` by ``apply_inplace``."""
    if gradient:
        def method(self, *args, **kwargs):
            return apply_inplace(self, name, lambda: function(self, *args, **kwargs))
    else:
        def method(self, *args, **kwargs):
            return apply_inplace(self, name, lambda: _cut_from_history(self, function(self, *args, **kwargs)))

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"In-place ``{function.__name__}``: ``t.{name}(...)`` writes ``mt.{function.__name__}(t, ...)`` into ``t``."
    method.__wrapped__ = function  # the signature and hints are the op's (``inspect.signature`` follows it)
    return method


for _module, _names in _WITH_GRADIENT:
    for _name in _names:
        tensor_method(_name + "_")(in_place_of(_name + "_", getattr(_module, _name)))
for _name, _function in _ALIASES.items():
    tensor_method(_name + "_")(in_place_of(_name + "_", _function))
for _module, _names in _WITHOUT_GRADIENT:
    for _name in _names:
        tensor_method(_name + "_")(in_place_of(_name + "_", getattr(_module, _name), gradient=False))
for _name, _function in _ALIASES_WITHOUT_GRADIENT.items():
    tensor_method(_name + "_")(in_place_of(_name + "_", _function, gradient=False))


@tensor_method()
def polygamma_(self: Tensor, n: int) -> Tensor:
    """In-place ``polygamma``: ``t.polygamma_(n)`` writes ``mt.polygamma(n, t)`` into ``t``."""
    return apply_inplace(self, "polygamma_", lambda: gamma_functions.polygamma(n, self))


@tensor_method()
def mvlgamma_(self: Tensor, p: int) -> Tensor:
    """In-place ``mvlgamma``: ``t.mvlgamma_(p)`` writes ``mt.mvlgamma(t, p)`` into ``t``."""
    return apply_inplace(self, "mvlgamma_", lambda: gamma_functions.mvlgamma(self, p))


@tensor_method()
def float_power_(self: Tensor, exponent: TensorLike) -> Tensor:
    """In-place ``float_power``: the tensor must be float64, the dtype of the result."""
    if self.dtype != _dtypes.float64:
        raise RuntimeError(
            f"the base given to float_power_ has dtype {TORCH_DTYPE_NAMES.get(self.dtype.name, self.dtype.name)} "
            f"but the operation's result requires dtype Double; use float_power (out of place) or .double() first"
        )
    return apply_inplace(self, "float_power_", lambda: float_representation.float_power(self, exponent))


# ------------------------------------------------- top-level in-place functions (mt.relu_(t))
_TOP_LEVEL = (
    "abs_", "acos_", "acosh_", "addmv_", "arccos_", "arccosh_", "arcsin_", "arcsinh_", "arctan_", "arctanh_",
    "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_", "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_",
    "deg2rad_", "erf_", "erfc_", "exp2_", "exp_", "expm1_", "fill_", "fix_", "floor_", "frac_", "gcd_",
    "i0_", "index_put_", "lcm_", "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_",
    "negative_", "rad2deg_", "reciprocal_", "relu_", "round_", "rsqrt_", "sigmoid_", "sin_", "sinc_", "sinh_",
    "sqrt_", "square_", "tan_", "tanh_", "trunc_", "xlogy_", "zero_",
)


def _top_level(name: str) -> Callable[..., Tensor]:
    """``mt.<name>(t, ...)``: the Tensor method ``t.<name>(...)``, with its signature (``self`` as ``input``)."""
    method = METHODS[name]

    def function(input, *args, **kwargs):
        return method(input, *args, **kwargs)

    signature = inspect.signature(method)
    first, *rest = signature.parameters.values()
    function.__signature__ = signature.replace(parameters=[first.replace(name="input"), *rest])
    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"``mt.{name}(t, ...)`` is ``t.{name}(...)``: " + (method.__doc__ or "").split("\n")[0]
    function.__wrapped__ = method
    return function


for _name in _TOP_LEVEL:
    op(name=_name)(_top_level(_name))


@op()
def detach_(input: Tensor) -> Tensor:
    """``mt.detach_(t)`` is ``t.detach_()``: ``t`` leaves the graph (it no longer requires grad)."""
    return input.detach_()
