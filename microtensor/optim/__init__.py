"""Optimizers and learning-rate schedules, PyTorch's ``torch.optim`` in numpy.

``mt.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop`` update ``p.data`` in place from
``p.grad`` following PyTorch's documented algorithms (each module's docstring has
the exact update rule); ``mt.optim.lr_scheduler`` has ``StepLR``,
``ExponentialLR`` and ``CosineAnnealingLR``.
"""
from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "lr_scheduler"]
