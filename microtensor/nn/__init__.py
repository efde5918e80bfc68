"""``mt.nn``: modules, layers, losses, ``mt.nn.functional`` (as ``F``) and ``mt.nn.init``.

::

    import microtensor as mt
    import microtensor.nn.functional as F

    model = mt.nn.Sequential(mt.nn.Linear(2, 16), mt.nn.ReLU(), mt.nn.Linear(16, 2))
    loss = F.cross_entropy(model(x), y)

| file                  | contents |
|-----------------------|----------|
| parameter.py          | Parameter |
| module.py             | Module (registration, traversal, state_dict, train/eval, to, repr) |
| modules/linear.py     | Linear |
| modules/activation.py | ReLU Sigmoid Tanh LeakyReLU GELU Softplus Softmax LogSoftmax Identity |
| modules/container.py  | Sequential ModuleList |
| modules/dropout.py    | Dropout |
| modules/flatten.py    | Flatten |
| modules/loss.py       | MSELoss L1Loss BCELoss BCEWithLogitsLoss NLLLoss CrossEntropyLoss |
| functional.py         | the stateless forms of all of the above |
| init.py               | uniform_ normal_ constant_ zeros_ ones_ xavier_* kaiming_* calculate_gain |
| _linear_op.py         | the fused linear op (forward and backward) |
| _loss_ops.py          | the fused loss ops (forward and backward) |
"""
from . import functional, init
from .module import Module
from .modules import *  # noqa: F401,F403
from .modules import __all__ as _modules_all
from .parameter import Parameter

__all__ = ["Module", "Parameter", "functional", "init"] + list(_modules_all)
