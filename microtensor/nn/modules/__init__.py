"""The layers of ``mt.nn``, one idea per file."""
from .activation import GELU, Identity, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .activation import ELU, Hardtanh, Mish, ReLU6, SELU, SiLU
from .container import ModuleList, Sequential
from .container import ModuleDict, ParameterDict, ParameterList
from .dropout import Dropout
from .flatten import Flatten
from .flatten import Unflatten
from .linear import Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from .loss import HuberLoss, KLDivLoss, SmoothL1Loss
from .normalization import LayerNorm
from .batchnorm import BatchNorm1d, BatchNorm2d, BatchNorm3d
from .sparse import Embedding
from .rnn import GRU, GRUCell, LSTM, LSTMCell, RNN, RNNBase, RNNCell, RNNCellBase
from .attention import MultiheadAttention
from .transformer import TransformerEncoder, TransformerEncoderLayer
from .conv import Conv1d, Conv2d
from .pooling import AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool1d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d, MaxPool1d, MaxPool2d

__all__ = sorted(name for name, value in globals().items() if isinstance(value, type))
