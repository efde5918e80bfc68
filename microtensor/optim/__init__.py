"""Optimizers and learning-rate schedules, PyTorch's ``torch.optim`` in numpy.

``mt.optim.SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad`` update ``p.data`` in place
from ``p.grad`` following PyTorch's documented algorithms (each module's docstring has
the exact update rule); ``LBFGS`` takes ``step(closure)`` and re-evaluates the model
itself. ``mt.optim.lr_scheduler`` has ``StepLR``, ``MultiStepLR``, ``ExponentialLR``,
``CosineAnnealingLR``, ``LambdaLR``, ``LinearLR``, ``OneCycleLR``, ``ReduceLROnPlateau``
and ``SequentialLR``.
"""
from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lbfgs import LBFGS
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "LBFGS", "lr_scheduler"]
