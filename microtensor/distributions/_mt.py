"""The microtensor names the distributions use (``mt.log``, ``mt.Tensor``, ``mt.randn``, ...), each imported
from the module that defines it. The package root imports this package lazily (``mt.distributions``), so
``import microtensor`` here would close an import circle; the files here say ``from . import _mt as mt``."""
from .. import linalg  # noqa: F401
from .._dtype_info import finfo  # noqa: F401
from .._dtypes import get_default_dtype, int64  # noqa: F401
from .._size import Size  # noqa: F401
from .._tensor import Tensor  # noqa: F401
from ..autograd.grad_mode import no_grad  # noqa: F401
from ..creation import as_tensor, empty, eye, full, rand, randn, tensor, zeros_like  # noqa: F401
from ..spaced_values import arange  # noqa: F401
from ..ops import (  # noqa: F401
    bernoulli, broadcast_shapes, broadcast_tensors, erf, erfinv, exp, flip, isclose, log, log1p, multinomial,
    sigmoid, softmax, where, xlogy,
)
from ..random import manual_seed  # noqa: F401
