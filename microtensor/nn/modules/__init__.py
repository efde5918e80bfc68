"""The layers of ``mt.nn``, one idea per file."""
from .activation import GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .container import ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss

__all__ = sorted(name for name, value in globals().items() if isinstance(value, type))
