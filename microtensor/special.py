"""``mt.special``: PyTorch's ``torch.special`` names for microtensor's special functions.

Most are the top-level ops under their SciPy-style names (``expit`` is ``mt.sigmoid``,
``gammaln`` is ``mt.lgamma``, ``multigammaln`` is ``mt.mvlgamma``, ``psi`` is ``mt.digamma``);
``xlog1py entr ndtr ndtri log_ndtr`` exist only here, as in PyTorch. All are differentiable.
"""
from __future__ import annotations

from typing import Optional

from ._registry import with_out
from ._tensor import Tensor
from ._typing import DTypeLike
from . import ops as _ops
from .ops import special_extras as _extras

__all__ = [
    "expit", "logit", "erf", "erfc", "erfinv", "exp2", "expm1", "log1p", "gammaln", "digamma",
    "psi", "polygamma", "multigammaln", "i0", "sinc", "xlogy", "xlog1py", "log_softmax", "softmax",
    "logsumexp", "round", "entr", "ndtr", "ndtri", "log_ndtr",
]

logit = _ops.logit
erf = _ops.erf
erfc = _ops.erfc
erfinv = _ops.erfinv
exp2 = _ops.exp2
expm1 = _ops.expm1
log1p = _ops.log1p
gammaln = _ops.lgamma
digamma = _ops.digamma
psi = _ops.digamma
polygamma = _ops.polygamma
multigammaln = _ops.mvlgamma
i0 = _ops.i0
sinc = _ops.sinc
xlogy = _ops.xlogy
logsumexp = _ops.logsumexp
round = _ops.round
xlog1py = with_out(_extras.xlog1py, "xlog1py")
entr = with_out(_extras.entr, "entr")
ndtr = with_out(_extras.ndtr, "ndtr")
ndtri = with_out(_extras.ndtri, "ndtri")
log_ndtr = with_out(_extras.log_ndtr, "log_ndtr")
expit = with_out(_ops.sigmoid, "expit")



def softmax(input: Tensor, dim: int, *, dtype: Optional[DTypeLike] = None) -> Tensor:
    """``exp(x_i) / sum_j exp(x_j)`` along ``dim`` (required here, as in ``torch.special``)."""
    return _ops.softmax(input, dim, dtype)


def log_softmax(input: Tensor, dim: int, *, dtype: Optional[DTypeLike] = None) -> Tensor:
    """``x - logsumexp(x, dim)`` along ``dim`` (required here, as in ``torch.special``)."""
    return _ops.log_softmax(input, dim, dtype)
