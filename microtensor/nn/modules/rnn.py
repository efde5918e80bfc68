"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and the cells ``RNNCell``, ``LSTMCell``, ``GRUCell``.

PyTorch's names, shapes, parameter names (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``,
``bias_hh_l0``, ``..._reverse`` for the backward direction), gate orders (LSTM ``i f g o``,
GRU ``r z n``) and initialisation (every parameter uniform in ``[-1/sqrt(hidden),
1/sqrt(hidden)]``). Each layer and direction projects the whole input sequence with one
matmul (``F.linear``), then runs the fused recurrence of ``nn/_rnn_ops.py`` (a Python loop
over time, one hidden matmul per step for all gates, a closed-form backward through time).
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import Any, Optional, Tuple

from ... import _dtypes
from ... import ops as _ops
from ..._tensor import Tensor
from ...creation import empty, zeros
from .. import functional as F
from .. import init
from .._rnn_ops import GATES, recurrence
from ..module import Module
from ..parameter import Parameter
from ..._typing import DeviceLike, DTypeLike

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero, got {value}")


def _check_tensor(value, layer, what="input"):
    if hasattr(value, "batch_sizes") and hasattr(value, "data"):
        raise NotImplementedError(
            f"{layer}: PackedSequence inputs are not supported by microtensor; pad the sequences to one length "
            f"and pass a Tensor (masking the padded steps in the loss), or run the sequences one at a time"
        )
    if not isinstance(value, Tensor):
        raise TypeError(f"{layer}: {what} must be a Tensor, not {type(value).__name__}")


class RNNBase(Module):
    """What ``RNN``, ``LSTM`` and ``GRU`` share: the parameters of every layer and direction
    and the loop over layers (``mode``: ``'RNN_TANH'``, ``'RNN_RELU'``, ``'LSTM'``, ``'GRU'``)."""

    def __init__(
        self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
        batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
        device: Optional[DeviceLike] = None, dtype: Optional[DTypeLike] = None,
    ) -> None:
        super().__init__()
        if mode not in GATES:
            raise ValueError(f"Unrecognized RNN mode: {mode}")
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Number) or not 0 <= dropout <= 1:
            raise ValueError(
                f"dropout should be a number in range [0, 1] representing the probability of an element being "
                f"zeroed, got {dropout!r}"
            )
        if dropout > 0 and num_layers == 1:
            warnings.warn(
                f"dropout option adds dropout after all but last recurrent layer, so non-zero dropout expects "
                f"num_layers greater than 1, but got dropout={dropout} and num_layers={num_layers}",
                UserWarning, stacklevel=3,
            )
        for name, value in (("bias", bias), ("batch_first", batch_first), ("bidirectional", bidirectional)):
            if not isinstance(value, bool):
                raise TypeError(f"{name} should be of type bool, got: {type(value).__name__}")
        _check_positive_int(input_size, "input_size")
        _check_positive_int(hidden_size, "hidden_size")
        _check_positive_int(num_layers, "num_layers")
        if proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size > 0:
            raise NotImplementedError(
                f"LSTM(proj_size={proj_size}): projections (weight_hr) are not implemented in microtensor; "
                f"use proj_size=0 and, if needed, a Linear layer on the output"
            )
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        dtype = _dtypes.get_default_dtype() if dtype is None else _dtypes.to_dtype(dtype)
        gate_size = GATES[mode] * hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else hidden_size * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes = [("weight_ih", (gate_size, layer_input_size)), ("weight_hh", (gate_size, hidden_size))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                names = []
                for stem, shape in shapes:
                    name = f"{stem}_l{layer}{suffix}"
                    setattr(self, name, Parameter(empty(*shape, dtype=dtype, device=device)))
                    names.append(name)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    def reset_parameters(self):
        """Every parameter uniform in [-1/sqrt(hidden_size), 1/sqrt(hidden_size)], as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for weight in self.parameters():
            init.uniform_(weight, -bound, bound)

    def flatten_parameters(self):
        """A no-op (PyTorch packs the weights for cuDNN here); kept so that code calling it runs."""

    @property
    def all_weights(self):
        """The parameters, one list per layer and direction: ``[w_ih, w_hh, b_ih, b_hh]``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if self.bias is not True:
            text += f", bias={self.bias}"
        if self.batch_first is not False:
            text += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            text += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            text += f", bidirectional={self.bidirectional}"
        return text

    # ------------------------------------------------------------------ forward
    def _layer_name(self):
        return "RNN" if self.mode.startswith("RNN") else self.mode

    def _prepare(self, input, states):
        """Checks, unbatched/batch_first handling; returns (input (T, B, I), states (L*D, B, H) or None, batched)."""
        name = self._layer_name()
        _check_tensor(input, name)
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
        batched = input.ndim == 3
        given = [state for state in states if state is not None]
        for state in given:
            _check_tensor(state, name, "hx")
        if given and any(state.ndim != (3 if batched else 2) for state in given):
            kind = "batched 3-D" if batched else "unbatched 2-D"
            if len(given) == 1:
                found = f"{given[0].ndim}-D tensor"
            else:
                found = "(" + ", ".join(f"{state.ndim}-D" for state in given) + ") tensors"
            raise RuntimeError(
                f"For {kind} input, hx{' and cx' if len(given) > 1 else ''} should also be "
                f"{3 if batched else 2}-D but got {found}"
            )
        if not batched:
            input = input.unsqueeze(0 if self.batch_first else 1)
            states = [None if state is None else state.unsqueeze(1) for state in states]
        if self.batch_first:
            input = input.transpose(0, 1)
        weight = self.weight_ih_l0
        if input.dtype != weight.dtype:
            raise ValueError(
                f"{name} input dtype ({input.dtype}) does not match weight dtype ({weight.dtype}). Convert input: "
                f"input.to({weight.dtype}), or convert model: model.to({input.dtype})"
            )
        if input.shape[-1] != self.input_size:
            raise RuntimeError(
                f"input.size(-1) must be equal to input_size. Expected {self.input_size}, got {input.shape[-1]}"
            )
        if input.shape[0] == 0:
            raise RuntimeError(f"Expected sequence length to be larger than 0 in {name}")
        expected = (self.num_layers * (2 if self.bidirectional else 1), input.shape[1], self.hidden_size)
        for number, state in enumerate(states):
            if state is not None and tuple(state.shape) != expected:
                which = f"hidden[{number}]" if len(states) > 1 else "hidden"
                raise RuntimeError(f"Expected {which} size {expected}, got {list(state.shape)}")
        return input, states, batched

    def _state(self, states, index, batch, dtype):
        """Layer-direction ``index``'s initial state from each given stack (zeros when not given)."""
        return [zeros(batch, self.hidden_size, dtype=dtype) if state is None else state[index] for state in states]

    def _run(self, input, states):
        """All layers and directions; returns (output (T, B, D*H), final states each (L*D, B, H))."""
        directions = 2 if self.bidirectional else 1
        finals = [[] for _ in states]
        layer_input = input
        all_weights = self.all_weights
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = all_weights[index]
                w_ih, w_hh = weights[0], weights[1]
                b_ih, b_hh = (weights[2], weights[3]) if self.bias else (None, None)
                initial = self._state(states, index, input.shape[1], input.dtype)
                c0 = initial[1] if self.mode == "LSTM" else None
                result = recurrence(self.mode, F.linear(layer_input, w_ih, b_ih), initial[0], c0, w_hh, b_hh,
                                    reverse=direction == 1)
                outputs.append(result[0])
                for final, value in zip(finals, result[1:]):
                    final.append(value)
            layer_input = outputs[0] if directions == 1 else _ops.cat(outputs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
        return layer_input, [_ops.stack(final) for final in finals]

    def _finish(self, output, finals, batched):
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            finals = [final.squeeze(1) for final in finals]
        return output, finals


class RNN(RNNBase):
    """``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False,
    dropout=0.0, bidirectional=False)``: ``h_t = tanh(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``.

    ``forward(input, hx=None)``: ``input`` ``(L, N, H_in)`` (``(N, L, H_in)`` with ``batch_first``) or
    unbatched ``(L, H_in)``; ``hx`` ``(num_layers * D, N, H)``. Returns ``(output, h_n)``:
    ``output`` ``(L, N, D * H)``, ``h_n`` ``(num_layers * D, N, H)`` (D = 2 if bidirectional).
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

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        input, states, batched = self._prepare(input, [hx])
        output, finals = self._run(input, states)
        output, finals = self._finish(output, finals, batched)
        return output, finals[0]

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + f", nonlinearity={self.nonlinearity}"


class LSTM(RNNBase):
    """``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0)``; gates ``i f g o``: ``c_t = f c_{t-1} + i g``, ``h_t = o tanh(c_t)``.

    ``forward(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))`` with the shapes of ``RNN``.
    ``proj_size > 0`` raises ``NotImplementedError``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__("LSTM", *args, **kwargs)

    def forward(
        self, input: Tensor, hx: Optional[Tuple[Tensor, Tensor]] = None,
    ) -> Tuple[Tensor, Tuple[Tensor, Tensor]]:
        if hx is not None and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"LSTM: hx must be a tuple (h_0, c_0) of two Tensors, got {type(hx).__name__}")
        input, states, batched = self._prepare(input, list(hx) if hx is not None else [None, None])
        output, finals = self._run(input, states)
        output, finals = self._finish(output, finals, batched)
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

    def forward(self, input: Tensor, hx: Optional[Tensor] = None) -> Tuple[Tensor, Tensor]:
        input, states, batched = self._prepare(input, [hx])
        output, finals = self._run(input, states)
        output, finals = self._finish(output, finals, batched)
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
        _check_positive_int(input_size, "input_size")
        _check_positive_int(hidden_size, "hidden_size")
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
        _check_tensor(input, name)
        if input.ndim not in (1, 2):
            raise ValueError(f"{name}: Expected input to be 1D or 2D, got {input.ndim}D instead")
        for number, state in enumerate(states):
            if state is not None:
                _check_tensor(state, name, "hx")
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
