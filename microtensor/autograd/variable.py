"""``Variable``: the name old PyTorch code (before 0.4) used for a tensor in the graph.

Kept so that ``from torch.autograd import Variable`` tutorials run: ``Variable(t,
requires_grad=True)`` is a new leaf on ``t``'s memory, and every Tensor is a Variable.
"""
import warnings

from .._tensor import Tensor


class _VariableMeta(type):
    def __instancecheck__(cls, other):
        return isinstance(other, Tensor)


class Variable(metaclass=_VariableMeta):
    """Deprecated: a Tensor is all you need; ``Variable(t, requires_grad=r)`` is
    ``t.detach().requires_grad_(r)``."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        if volatile:
            warnings.warn("volatile was removed and now has no effect. Use `with mt.no_grad():` instead.", stacklevel=2)
        return data.detach().requires_grad_(requires_grad)
