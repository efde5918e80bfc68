"""``F.rrelu`` / ``F.rrelu_``: the randomized leaky ReLU (Xu et al., 2015).

``y = x`` for ``x > 0`` and ``y = a x`` otherwise. In training each element draws its own slope
``a ~ U(lower, upper)`` from microtensor's generator (``mt.manual_seed`` makes it reproducible) and
the gradient there is that slope; in evaluation the slope is the fixed mean ``(lower + upper) / 2``
(a leaky ReLU). The slopes come from an op of their own (``RandomSlopes``), as ``F.dropout``'s mask
does, so that a step replayed by ``mt.compile`` draws fresh ones.
"""
from __future__ import annotations

from .. import ops as _ops
from .. import random as _random
from .._tensor import Tensor
from ..autograd.function import Function
from ..ops._util import not_a_tensor_error
from ._functional_activations import _in_place

__all__ = ["rrelu", "rrelu_"]


class RandomSlopes(Function):
    """Slopes ``U(lower, upper)`` of ``shape`` drawn from microtensor's generator (no tensor input: nothing
    to differentiate)."""

    numpy_level = True

    @staticmethod
    def forward(ctx, shape, dtype, lower, upper):
        return _random.generator().uniform(lower, upper, shape).astype(dtype, copy=False)


def _checked(input, lower, upper, name):
    if not isinstance(input, Tensor):
        raise not_a_tensor_error(name, "input", input)
    if lower > upper:
        raise RuntimeError(
            f"Lower bound should be less than or equal to the upper bound ({name} got lower={lower}, upper={upper})")
    if input.dtype.kind != "f":
        raise NotImplementedError(f"{name}: not implemented for {input.dtype} input; use a floating point tensor")
    return input


def _rrelu(input, lower, upper, training):
    if not training:
        return _ops.leaky_relu(input, (lower + upper) / 2)
    slopes = RandomSlopes.apply(tuple(input.shape), input.dtype, float(lower), float(upper))
    return _ops.where(input > 0, input, input * slopes)


def rrelu(
    input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False, inplace: bool = False,
) -> Tensor:
    """x for x > 0, a x otherwise: a ~ U(lower, upper) per element in training, (lower + upper) / 2 in eval."""
    _checked(input, lower, upper, "rrelu")
    if inplace:
        return _in_place(_rrelu, "rrelu", input, lower, upper, training)
    return _rrelu(input, lower, upper, training)


def rrelu_(input: Tensor, lower: float = 1.0 / 8, upper: float = 1.0 / 3, training: bool = False) -> Tensor:
    """``rrelu`` written into ``input``."""
    return rrelu(input, lower, upper, training, inplace=True)


