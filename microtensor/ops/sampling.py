"""Sampling: ``multinomial``, ``normal``, ``bernoulli`` and the in-place fills ``uniform_``,
``normal_``, ``bernoulli_``, ``random_``, ``exponential_``.

Every draw comes from a numpy ``Generator``: the one of ``generator=`` (an
``mt.Generator``) or the default one that ``mt.manual_seed`` seeds.

Gradients are PyTorch's: a sample is not a differentiable function of its parameters
(there is no reparameterisation), so ``normal(mean, std)`` and ``bernoulli(p)`` record a
node that sends a zero gradient to ``mean``, ``std`` and ``p``. Write
``mean + std * mt.randn_like(std)`` for a sample that the gradient flows through.

The in-place fills follow the rules of every in-place op (``autograd/inplace.py``): on a
leaf that requires grad they raise unless grad mode is off (``with mt.no_grad():``, as
``nn.init`` does); on a tensor in a graph the overwritten values get a zero gradient.
"""
from __future__ import annotations

import builtins
import numbers
from typing import Optional

import numpy as np

from .. import random as _random
from .._registry import op, tensor_method
from ..creation import randn
from .._tensor import Tensor
from ..autograd.function import Function
from ..autograd.inplace import apply_inplace, write_untracked
from ._util import tensor_argument as _as_tensor, torch_result_dtype
from ._two_operands import broadcast_error
from .copying import copy_from
from .elementwise import _zeros_like_grad
from ..random import Generator
from .._typing import DeviceLike, DTypeLike, ShapeArg, TensorLike
from .._float_errors import quiet_float_errors


# --------------------------------------------------------------------- helpers
def _require_floating(dtype, op_name):
    if dtype.kind != "f":
        raise NotImplementedError(
            f"{op_name}: sampling from this distribution needs a floating dtype, got {dtype}; "
            f"convert first (e.g. t.float())"
        )


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, builtins.bool)


def _write_out(result, out, op_name):
    """``out=``: copy the result into ``out`` (which must have the result's shape)."""
    if out is None:
        return result
    if not isinstance(out, Tensor):
        raise TypeError(f"{op_name}(): argument 'out' must be a Tensor, not {type(out).__name__}")
    if out.shape != result.shape:
        raise RuntimeError(
            f"{op_name}(): out= has shape {tuple(out.shape)} but the result has shape {tuple(result.shape)}; "
            f"pass an out tensor of the result's shape"
        )
    return out.copy_(Tensor._make(result._data))


# ------------------------------------------------------------------ multinomial
def _check_request(probs, num_samples, replacement):
    if probs.ndim not in (1, 2):
        raise RuntimeError(f"multinomial: prob_dist must be 1 or 2 dim, got a {probs.ndim}-d tensor of shape {probs.shape}")
    if probs.dtype.kind != "f":
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: {probs.dtype}")
    if isinstance(num_samples, builtins.bool) or not isinstance(num_samples, (builtins.int, np.integer)):
        raise TypeError(f"multinomial(): num_samples must be an int, got {type(num_samples).__name__}")
    if num_samples <= 0:
        raise RuntimeError(f"multinomial: cannot sample n_sample <= 0 samples (num_samples={num_samples})")
    if not replacement and num_samples > probs.shape[-1]:
        raise RuntimeError(
            f"multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement "
            f"(num_samples={num_samples}, {probs.shape[-1]} categories); pass replacement=True or fewer samples"
        )


def _check_weights(rows, totals):
    """Every weight finite and >= 0 (NaN fails ``min >= 0``), every row's total > 0."""
    if not rows.min() >= 0 or not np.isfinite(totals).all():
        raise RuntimeError("multinomial: probability tensor contains either `inf`, `nan` or element < 0")
    if (totals <= 0).any():
        raise RuntimeError(
            "multinomial: invalid multinomial distribution (sum of probabilities <= 0); every row needs a positive weight"
        )


def _draw_with_replacement(rows, count, rng):
    """Inverse CDF: sample j where cdf[j-1] <= u < cdf[j]; a zero weight is an empty interval."""
    cdf = np.cumsum(rows, axis=1)
    _check_weights(rows, cdf[:, -1])
    cdf /= cdf[:, -1:]  # the last entry is exactly 1, so u < 1 always lands in a category
    uniform = rng.random((rows.shape[0], count))
    if rows.shape[0] == 1:
        return np.searchsorted(cdf[0], uniform[0], side="right")[None]
    return np.stack([np.searchsorted(row, u, side="right") for row, u in zip(cdf, uniform)])


def _draw_without_replacement(rows, count, rng):
    """The exponential race: with E_j ~ Exp(1), the order of p_j / E_j (largest first) is the
    order of successive draws without replacement; zero weights come last, as in PyTorch."""
    _check_weights(rows, rows.sum(axis=1))
    with quiet_float_errors():
        keys = rows / rng.standard_exponential(rows.shape)
    return np.argsort(-keys, axis=1, kind="stable")[:, :count]


@op(method=True)
def multinomial(
    input: Tensor, num_samples: int, replacement: bool = False, *, generator: Optional[Generator] = None,
    out: Optional[Tensor] = None,
) -> Tensor:
    """``num_samples`` category indices per row of ``input`` (1-D, or 2-D with one distribution
    per row), drawn with probability proportional to the row's (unnormalised) weights.

    Without replacement every index appears at most once per row. Returns int64 of shape
    ``(num_samples,)`` or ``(rows, num_samples)``.
    """
    probs = _as_tensor(input, "multinomial")._data
    _check_request(probs, num_samples, replacement)
    count = int(num_samples)
    rows = np.asarray(probs.reshape(-1, probs.shape[-1]), dtype=np.float64)
    if rows.shape[0] == 0:
        samples = np.zeros((0, count), dtype=np.int64)
    elif rows.shape[1] == 0:
        raise RuntimeError("multinomial: invalid multinomial distribution (sum of probabilities <= 0): no categories")
    else:
        draw = _draw_with_replacement if replacement else _draw_without_replacement
        samples = draw(rows, count, _random.numpy_rng(generator))
    result = Tensor._make(samples.astype(np.int64, copy=False).reshape(probs.shape[:-1] + (count,)))
    if out is not None and out.dtype != np.int64:
        raise RuntimeError(f"multinomial expects Long tensor out, got: {out.dtype}")
    return _write_out(result, out, "multinomial")


# ----------------------------------------------------------------------- normal
class Normal(Function):
    """``y = mean + std * z`` with ``z ~ N(0, 1)`` drawn in forward (mean and std broadcast);
    d/dmean = d/dstd = 0, as in PyTorch (a sample, not a reparameterised function)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, mean, std, rng, dtype):
        shape = np.broadcast_shapes(np.shape(mean), np.shape(std))
        return np.asarray(mean + std * rng.standard_normal(shape), dtype=dtype)

    @staticmethod
    def backward(ctx, grad):
        need_mean, need_std = ctx.needs_input_grad[:2]
        zero = _zeros_like_grad(grad)
        return (zero if need_mean else None), (zero if need_std else None), None, None


_NORMAL_FORMS = (
    "normal(mean: Tensor, std: Tensor), normal(mean: Tensor, std: float = 1.0), normal(mean: float, std: Tensor) "
    "or normal(mean: float, std: float, size: tuple of ints)"
)


def _normal_operand(value, name):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._make(value)
    if _is_number(value):
        return builtins.float(value)
    raise TypeError(f"normal(): {name} must be a Tensor or a float, got {type(value).__name__}; forms: {_NORMAL_FORMS}")


def _check_std(std):
    if isinstance(std, Tensor):
        if std._data.size and not (std._data >= 0).all():
            raise RuntimeError(f"normal expects all elements of std >= 0.0, got min {std._data.min()}")
    elif not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {std}")


@op()
def normal(
    mean: TensorLike = 0.0, std: TensorLike = 1.0, size: Optional[ShapeArg] = None, *,
    generator: Optional[Generator] = None, out: Optional[Tensor] = None, dtype: Optional[DTypeLike] = None,
    requires_grad: bool = False, device: Optional[DeviceLike] = None,
) -> Tensor:
    """Normal samples with the given ``mean`` and ``std`` (PyTorch's four forms).

    With a Tensor ``mean`` and/or ``std`` the result has their broadcast shape and one
    sample per element; with two floats, ``size`` gives the shape (``dtype=`` the default
    float dtype unless given).
    """
    mean, std = _normal_operand(mean, "mean"), _normal_operand(std, "std")
    _check_std(std)
    rng = _random.numpy_rng(generator)
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError(f"normal(): with a float mean and std pass size=, e.g. normal(0.0, 1.0, (2, 3)); forms: {_NORMAL_FORMS}")
        sample = randn(size, dtype=dtype, generator=rng, device=device)
        result = Tensor._make(np.asarray(mean + std * sample._data, dtype=sample.dtype), requires_grad=requires_grad)
        return _write_out(result, out, "normal")
    if size is not None or dtype is not None or requires_grad:
        raise TypeError(f"normal(): size=, dtype= and requires_grad= belong to the float-mean, float-std form; forms: {_NORMAL_FORMS}")
    dtype = torch_result_dtype(*(v._data for v in (mean, std) if isinstance(v, Tensor)))  # a float keeps the tensor's dtype
    _require_floating(dtype, "normal")
    try:
        np.broadcast_shapes(np.shape(getattr(mean, "_data", mean)), np.shape(getattr(std, "_data", std)))
    except ValueError:
        raise broadcast_error("normal", getattr(mean, "_data", mean), getattr(std, "_data", std)) from None
    return _write_out(Normal.apply(mean, std, rng, dtype), out, "normal")


# -------------------------------------------------------------------- bernoulli
class Bernoulli(Function):
    """``y_i = 1`` with probability ``p_i`` (the input's values, or the float ``p``), else 0,
    in the input's dtype; d/dinput = 0, as in PyTorch."""

    numpy_level = True

    @staticmethod
    def forward(ctx, input, p, rng):
        probability = input if p is None else p
        return (rng.random(input.shape) < probability).astype(input.dtype)

    @staticmethod
    def backward(ctx, grad):
        return (_zeros_like_grad(grad) if ctx.needs_input_grad[0] else None), None, None


def _check_probability(p, op_name):
    """``p`` (a number or an array) must lie in [0, 1]; NaN does not."""
    if not np.all((np.asarray(p) >= 0) & (np.asarray(p) <= 1)):
        shown = p if np.ndim(p) == 0 else f"values from {np.min(p)} to {np.max(p)}"
        raise RuntimeError(f"{op_name} expects p to be in [0, 1], but got p={shown}")


@op(method=True)
def bernoulli(
    input: Tensor, p: Optional[TensorLike] = None, *, generator: Optional[Generator] = None,
    out: Optional[Tensor] = None,
) -> Tensor:
    """0/1 samples in ``input``'s dtype and shape: 1 with probability ``input[i]``, or with the
    float probability ``p`` when it is given (then ``input`` only gives shape and dtype)."""
    x = _as_tensor(input, "bernoulli")
    if p is None:
        _require_floating(x.dtype, "bernoulli")
        _check_probability(x._data, "bernoulli")
    elif not _is_number(p):
        raise TypeError(f"bernoulli(): p must be a float, got {type(p).__name__}; for per-element p pass them as input")
    else:
        _check_probability(p, "bernoulli")
    return _write_out(Bernoulli.apply(x, p, _random.numpy_rng(generator)), out, "bernoulli")


# ------------------------------------------------------------- in-place fills
def _fill_in_place(self, op_name, values):
    """Write ``values`` into this tensor as ``fill_`` does: directly when no graph is involved,
    else as a recorded in-place copy (zero gradient to the old values)."""
    if write_untracked(self, op_name, values):
        return self
    source = Tensor._make(np.asarray(values))
    return apply_inplace(self, op_name, lambda: copy_from(self, source))


def _from_to(op_name, positional, named, default_from, default_to):
    """PyTorch's ``from=`` / ``to=`` arguments (``from`` is a Python keyword, so they arrive in ``named``)."""
    unknown = sorted(set(named) - {"from", "to"})
    if unknown or len(positional) > 2:
        raise TypeError(f"{op_name}() takes from and to, got {len(positional)} positional and {sorted(named)} keywords")
    values = dict(zip(("from", "to"), positional))
    for key in named:
        if key in values:
            raise TypeError(f"{op_name}() got multiple values for argument '{key}'")
    values.update(named)
    return values.get("from", default_from), values.get("to", default_to)


@tensor_method()
def uniform_(self: Tensor, *bounds: float, generator: Optional[Generator] = None, **named: float) -> Tensor:
    """Fill with samples uniform in ``[from, to)`` (default ``[0, 1)``): ``t.uniform_(-1, 1)``."""
    low, high = _from_to("uniform_", bounds, named, 0.0, 1.0)
    _require_floating(self.dtype, "uniform_")
    if low > high:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found from={low} > to={high}")
    return _fill_in_place(self, "uniform_", low + (high - low) * _random.numpy_rng(generator).random(self.shape))


@tensor_method()
def normal_(self: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Optional[Generator] = None) -> Tensor:
    """Fill with samples of the normal distribution N(mean, std**2)."""
    _require_floating(self.dtype, "normal_")
    _check_std(std)
    return _fill_in_place(self, "normal_", mean + std * _random.numpy_rng(generator).standard_normal(self.shape))


@tensor_method()
def exponential_(self: Tensor, lambd: float = 1.0, *, generator: Optional[Generator] = None) -> Tensor:
    """Fill with samples of the exponential distribution of rate ``lambd`` (mean ``1 / lambd``)."""
    if self.dtype.kind != "f":
        raise RuntimeError(
            f"Exponential distribution is a continuous probability distribution. dtype must be a floating point "
            f"but you specified {self.dtype}"
        )
    if not lambd > 0.0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={lambd}")
    return _fill_in_place(self, "exponential_", _random.numpy_rng(generator).standard_exponential(self.shape) / lambd)


@tensor_method()
def bernoulli_(self: Tensor, p: TensorLike = 0.5, *, generator: Optional[Generator] = None) -> Tensor:
    """Fill with 1 with probability ``p`` (a float, or a tensor broadcast to this shape), else 0."""
    probability = p._data if isinstance(p, Tensor) else p
    if not isinstance(probability, np.ndarray) and not _is_number(probability):
        raise TypeError(f"bernoulli_(): p must be a float or a Tensor, got {type(p).__name__}")
    _check_probability(probability, "bernoulli_")
    try:
        probability = np.broadcast_to(probability, self.shape)
    except ValueError:
        raise RuntimeError(
            f"bernoulli_: p of shape {tuple(np.shape(probability))} cannot be broadcast to the tensor's shape "
            f"{tuple(self.shape)}"
        ) from None
    return _fill_in_place(self, "bernoulli_", _random.numpy_rng(generator).random(self.shape) < probability)


_FLOAT_INTEGER_DIGITS = {np.dtype(np.float16): 11, np.dtype(np.float32): 24, np.dtype(np.float64): 53}


def _integer_limits(dtype):
    """The smallest and largest integer ``random_`` may write into ``dtype``."""
    if dtype.kind == "b":
        return 0, 1
    if dtype.kind == "f":
        return -(2 ** _FLOAT_INTEGER_DIGITS[dtype]), 2 ** _FLOAT_INTEGER_DIGITS[dtype]
    info = np.iinfo(dtype)
    return builtins.int(info.min), builtins.int(info.max)


@tensor_method()
def random_(self: Tensor, *bounds: int, generator: Optional[Generator] = None, **named: int) -> Tensor:
    """Fill with integers uniform in ``[from, to)``: ``t.random_(10)`` is ``[0, 10)``,
    ``t.random_(3, 10)`` is ``[3, 10)``; without ``to`` the largest value is the dtype's largest
    integer (``2**24`` for float32, ``2**53`` for float64), as in PyTorch."""
    if len(bounds) == 1 and not named:
        low, high = 0, bounds[0]
    else:
        low, high = _from_to("random_", bounds, named, 0, None)
    smallest, largest = _integer_limits(self.dtype)
    for name, value in (("from", low), ("to", high)):
        if value is None and name == "to":
            continue
        if isinstance(value, builtins.bool) or not isinstance(value, (builtins.int, np.integer)):
            raise TypeError(f"random_(): {name} must be an int, got {type(value).__name__} ({value!r})")
    if high is not None and low >= high:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    top = largest if high is None else high - 1
    if self.dtype.kind != "f" and not (smallest <= low <= largest and smallest <= top <= largest):
        raise RuntimeError(
            f"random_: the range [{low}, {top}] is out of bounds for {self.dtype} (which holds {smallest} to {largest})"
        )
    draw_dtype = np.int64 if self.dtype.kind == "f" else self.dtype
    values = _random.numpy_rng(generator).integers(low, top, size=self.shape, dtype=draw_dtype, endpoint=True)
    return _fill_in_place(self, "random_", values)
