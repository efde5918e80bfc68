"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and the cells ``RNNCell``, ``LSTMCell``, ``GRUCell``.

PyTorch's names, shapes, gate orders (LSTM ``i f g o``, GRU ``r z n``) and initialisation (every
parameter uniform in ``[-1/sqrt(hidden), 1/sqrt(hidden)]``). The layers share ``RNNBase``
(``rnn_base.py``: parameters, padded and packed inputs, the loop over layers and directions);
a cell is one step of the fused recurrence of ``nn/_rnn_ops.py``.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Tuple, Union

from ... import _dtypes
from ..._tensor import Tensor
from ...creation import empty, zeros
from .. import functional as F
from .. import init
from .._rnn_ops import recurrence
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ..._typing import DeviceLike, DTypeLike
from .rnn_base import RNNBase, check_positive_int, check_state_dtypes, check_tensor

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

Input = Union[Tensor, PackedSequence]


class RNN(RNNBase):
    """``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    ``forward(input, hx=None)``: ``input`` ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``) or
    unbatched ``(L, H_in)``; ``hx`` ``(num_layers * D, N, H)``. Returns ``(output, h_n)``:
    ``output`` ``(L, N, D * H)``, ``h_n`` ``(num_layers * D, N, H)`` (D = 2 if bidirectional). A
    ``PackedSequence`` input gives a ``PackedSequence`` output, and ``h_n`` holds each sequence's state
    after its own last step (the same for ``LSTM`` and ``GRU``). Its repr does not show
    ``nonlinearity``, as PyTorch's (``RNNCell``'s shows ``relu``).
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        if len(args) > 3:
            self.__dict__["nonlinearity"] = args[3]
            args = args[:3] + args[4:]
        else:
            self.__dict__["nonlinearity"] = kwargs.pop("nonlinearity", "tanh")
        if self.nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{self.nonlinearity}'. Select from 'tanh' or 'relu'.")
        super().__init__("RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU", *args, **kwargs)

    def forward(self, input: Input, hx: Optional[Tensor] = None) -> Tuple[Input, Tensor]:
        output, finals = self._forward(input, [hx])
        return output, finals[0]


class LSTM(RNNBase):
    """``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0)``; gates ``i f g o``: ``c_t = f c_{t-1} + i g``, ``h_t = o tanh(c_t)``.

    ``forward(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))`` with the shapes of ``RNN``.
    With ``proj_size = P > 0`` the hidden state is projected, ``h_t = W_hr (o tanh(c_t))`` (``weight_hr_l{k}``
    ``(P, H)``): ``output`` and ``h_n`` have ``P`` features, ``c_n`` keeps ``H``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(
        self, input: Input, hx: Optional[Tuple[Tensor, Tensor]] = None,
    ) -> Tuple[Input, Tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0) of two Tensors, got {type(hx).__name__}")
        output, finals = self._forward(input, list(hx) if hx is not None else [None, None])
        return output, (finals[0], finals[1])


class GRU(RNNBase):
    """``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False)``; gates ``r z n``: ``n = tanh(W_in x + b_in + r (W_hn h + b_hn))``,
    ``h_t = (1 - z) n + z h_{t-1}``. ``forward(input, hx=None)`` returns ``(output, h_n)`` as ``RNN``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "proj_size" in kwargs:
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
        super().__init__("GRU", *args, **kwargs)

    def forward(self, input: Input, hx: Optional[Tensor] = None) -> Tuple[Input, Tensor]:
        output, finals = self._forward(input, [hx])
        return output, finals[0]


# ------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """One time step: ``weight_ih (G*H, input_size)``, ``weight_hh (G*H, H)``, ``bias_ih``, ``bias_hh (G*H,)``."""

    _mode = None
    _states = 1

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device: Optional[DeviceLike] = None,
        dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__()
        check_positive_int(input_size, "input_size")
        check_positive_int(hidden_size, "hidden_size")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        dtype = _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)
        self.weight_ih = Parameter(empty(num_chunks * hidden_size, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(empty(num_chunks * hidden_size, hidden_size, dtype=dtype, device=device))
        if bias:
            self.bias_ih = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
            self.bias_hh = Parameter(empty(num_chunks * hidden_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            text += f", nonlinearity={self.nonlinearity}"
        return text

    def _step(self, mode, input, states):
        """Checks and one step; ``states`` is a list (None entries: zeros). Returns the new states."""
        name = type(self).__name__
        check_tensor(input, name)
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for number, state in enumerate(states):
            if state is not None:
                check_tensor(state, name, "hx")
                if state.ndim not in (1, 2):
                    which = f"hx[{number}]" if len(states) > 1 else "hidden"
                    raise ValueError(f"{name}: Expected {which} to be 1D or 2D, got {state.ndim}D instead")
        batched = input.ndim == 2
        if not batched:
            input = input.unsqueeze(0)
            states = [None if state is None else state.unsqueeze(0) for state in states]
        if input.shape[1] != self.input_size:
            raise RuntimeError(f"input has inconsistent input_size: got {input.shape[1]} expected {self.input_size}")
        if input.dtype != self.weight_ih.dtype:
            raise RuntimeError(
                f"{name}: input dtype ({input.dtype}) does not match weight dtype ({self.weight_ih.dtype}); "
                f"convert the input (input.to({self.weight_ih.dtype})) or the module"
            )
        check_state_dtypes(name, states, input.dtype)
        batch = input.shape[0]
        for number, state in enumerate(states):
            if state is None:
                continue
            if state.shape[0] != batch:
                raise RuntimeError(f"Input batch size {batch} doesn't match hidden{number} batch size {state.shape[0]}")
            if state.shape[1] != self.hidden_size:
                raise RuntimeError(
                    f"hidden{number} has inconsistent hidden_size: got {state.shape[1]}, expected {self.hidden_size}"
                )
        states = [zeros(batch, self.hidden_size, dtype=input.dtype) if state is None else state for state in states]
        xg = F.linear(input, self.weight_ih, self.bias_ih).unsqueeze(0)
        result = recurrence(mode, xg, states[0], states[1] if mode == "LSTM" else None, self.weight_hh, self.bias_hh)
        new_states = list(result[1:])
        return new_states if batched else [state.squeeze(0) for state in new_states]


class RNNCell(RNNCellBase):
    """``RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh')``:
    ``h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)``. ``forward(input, hx=None)`` returns ``h'``."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
        device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=1, device=device, dtype=dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        if self.nonlinearity not in ("tanh", "relu"):
            raise RuntimeError(f"Unknown nonlinearity: {self.nonlinearity}")
        mode = "RNN_TANH" if self.nonlinearity == "tanh" else "RNN_RELU"
        return self._step(mode, input, [hx])[0]


class LSTMCell(RNNCellBase):
    """``LSTMCell(input_size, hidden_size, bias=True)``; ``forward(input, (h, c)=None)`` returns ``(h', c')``."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Optional[DeviceLike] = None,
        dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=4, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tuple[Tensor, Tensor]] = None) -> Tuple[Tensor, Tensor]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTMCell: hx must be a tuple (h, c) of two Tensors, got {type(hx).__name__}")
        h, c = self._step("LSTM", input, list(hx) if hx is not None else [None, None])
        return h, c


class GRUCell(RNNCellBase):
    """``GRUCell(input_size, hidden_size, bias=True)``; ``forward(input, hx=None)`` returns ``h'``."""

    def __init__(
        self, input_size: int, hidden_size: int, bias: bool = True, device: Optional[DeviceLike] = None,
        dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__(input_size, hidden_size, bias, num_chunks=3, device=device, dtype=dtype)

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tensor:
        return self._step("GRU", input, [hx])[0]
