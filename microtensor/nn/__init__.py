"""``mt.nn``: modules, layers, losses, ``mt.nn.functional`` (as ``F``), ``mt.nn.init`` and ``mt.nn.utils``.

::

    import microtensor as mt
    import microtensor.nn.functional as F

    model = mt.nn.Sequential(mt.nn.Linear(2, 16), mt.nn.ReLU(), mt.nn.Linear(16, 2))
    loss = F.cross_entropy(model(x), y)

| file                  | contents |
|-----------------------|----------|
| parameter.py          | Parameter |
| module.py             | Module (registration, traversal, forward hooks, state_dict, train/eval, to, repr) |
| modules/linear.py     | Linear |
| modules/activation.py | ReLU Sigmoid Tanh LeakyReLU GELU Softplus Softmax LogSoftmax Identity |
| modules/container.py  | Sequential ModuleList ModuleDict ParameterList ParameterDict |
| modules/dropout.py    | Dropout |
| modules/flatten.py    | Flatten Unflatten |
| modules/loss.py       | MSELoss L1Loss BCELoss BCEWithLogitsLoss NLLLoss CrossEntropyLoss |
| functional.py         | the stateless forms of all of the above |
| init.py               | uniform_ normal_ constant_ zeros_ ones_ xavier_* kaiming_* calculate_gain |
| utils/                | clip_grad_norm_ clip_grad_value_ parameters_to_vector vector_to_parameters |
| _linear_op.py         | the fused linear op (forward and backward) |
| _loss_ops.py          | the fused loss ops (forward and backward) |
"""
from . import functional, init, utils
from .module import Module
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Parameter

__all__ = ["Module", "Parameter", "functional", "init", "utils"] + list(_modules_all)
