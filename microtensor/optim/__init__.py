"""Optimizers and learning-rate schedules, PyTorch's ``torch.optim`` in numpy.

``mt.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``, ``Adamax``, ``NAdam``, ``RAdam``
and ``Adadelta`` update ``p.data`` in place
from ``p.grad`` following PyTorch's documented algorithms (each module's docstring has
the exact update rule); ``LBFGS`` takes ``step(closure)`` and re-evaluates the model
itself. ``mt.optim.lr_scheduler`` has PyTorch's schedules (its docstring lists them).
``Rprop`` and ``ASGD`` update in place like SGD; ``mt.optim.swa_utils`` averages weights (SWA, EMA).
"""
from . import lr_scheduler
from . import swa_utils
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .lbfgs import LBFGS
from .nadam import NAdam
from .optimizer import Optimizer
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .sgd import SGD

__all__ = [
    "Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adamax", "NAdam", "RAdam", "Adadelta", "LBFGS",
    "lr_scheduler",
    "Rprop", "ASGD", "swa_utils",
]
