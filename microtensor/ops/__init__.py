"""Every differentiable operation, one ``Function`` subclass each, grouped by kind.

| module         | ops |
|----------------|-----|
| arithmetic     | add sub mul div pow neg |
| elementwise    | exp log sqrt abs sin cos sign square reciprocal clamp maximum minimum where, |
|                | comparisons, logical ops, cast, clone, masked_fill |
| activation     | relu sigmoid tanh leaky_relu gelu softplus |
| reduction      | sum mean var std amax amin max min prod logsumexp argmax argmin all any softmax log_softmax |
| movement       | reshape view flatten transpose permute swapaxes unsqueeze squeeze expand getitem index_put cat stack |
| linalg         | matmul mm |
"""
from ._util import normalize_dim, normalize_dims
from .arithmetic import *  # noqa: F401,F403
from .elementwise import *  # noqa: F401,F403
from .activation import *  # noqa: F401,F403
from .reduction import *  # noqa: F401,F403
from .movement import *  # noqa: F401,F403
from .linalg import *  # noqa: F401,F403
from . import numpy_protocol  # noqa: F401

import sys as _sys  # noqa: E402

from .movement import getitem  # noqa: E402,F401

# Tensor methods and operators are these functions themselves (see tensor._attach_op_methods).
_sys.modules["microtensor.tensor"]._attach_op_methods(_sys.modules[__name__])
