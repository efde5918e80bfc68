"""``RNNBase``: the parameters and the forward pass that ``nn.RNN``, ``nn.LSTM`` and ``nn.GRU`` share.

PyTorch's parameter names (``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``,
``weight_hr_l0`` for the LSTM's projection, ``..._reverse`` for the backward direction) and
initialisation (every parameter uniform in ``[-1/sqrt(hidden), 1/sqrt(hidden)]``). Each layer and
direction projects the whole input with one matmul (``F.linear``), then runs the fused recurrence
of ``nn/_rnn_ops.py`` (or, with ``proj_size``, ``nn/_projected_lstm.py``). The input is a padded
Tensor or a ``PackedSequence``, whose runs of equal batch size ``nn/_packed_recurrence.py`` handles.
"""
from __future__ import annotations

import math
import numbers
import warnings
from typing import List, Optional, Tuple

from ... import _dtypes
from ... import ops as _ops
from ..._tensor import Tensor
from ...creation import empty, zeros
from .. import functional as F
from .. import init
from .._packed_recurrence import run_packed
from .._projected_lstm import projected_lstm
from .._rnn_ops import GATES, recurrence
from ..module import Module
from ..parameter import Parameter
from ..utils.rnn import PackedSequence
from ..._typing import DeviceLike, DTypeLike

__all__ = ["RNNBase"]


def check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} should be of type int, got: {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{name} must be greater than zero, got {value}")


def check_state_dtypes(layer, states, dtype):
    """Refuse an initial state whose dtype is not the input's, as PyTorch (no silent promotion of the layer)."""
    for number, state in enumerate(states):
        if state is not None and state.dtype != dtype:
            which = f"hx[{number}]" if len(states) > 1 else "hx"
            raise RuntimeError(
                f"{layer}: {which} dtype ({state.dtype}) does not match input dtype ({dtype}); "
                f"convert it with {which.split('[')[0]}.to({dtype})")


def check_tensor(value, layer, what="input"):
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
        check_positive_int(input_size, "input_size")
        check_positive_int(hidden_size, "hidden_size")
        check_positive_int(num_layers, "num_layers")
        if isinstance(proj_size, bool) or not isinstance(proj_size, int) or proj_size < 0:
            raise ValueError("proj_size should be a positive integer or zero to disable projections")
        if proj_size >= hidden_size:
            raise ValueError("proj_size has to be smaller than hidden_size")
        if proj_size and mode != "LSTM":
            raise ValueError("proj_size argument is only supported for LSTM, not RNN or GRU")
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
        real_hidden = proj_size or hidden_size
        directions = 2 if bidirectional else 1
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = "_reverse" if direction == 1 else ""
                shapes: List[Tuple[str, Tuple[int, ...]]] = [
                    ("weight_ih", (gate_size, layer_input_size)), ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size:
                    shapes += [("weight_hr", (proj_size, hidden_size))]
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
        """The parameters, one list per layer and direction: ``[w_ih, w_hh, b_ih, b_hh(, w_hr)]``."""
        return [[getattr(self, name) for name in names] for names in self._all_weights]

    @property
    def _flat_weights(self):
        return [getattr(self, name) for name in self._flat_weights_names]

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            text += f", proj_size={self.proj_size}"
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

    def _state_sizes(self, count):
        """Features of h (``proj_size`` when projecting) and, for the LSTM, of c."""
        return [self.proj_size or self.hidden_size, self.hidden_size][:count]

    def _check_states(self, states, batch, dtype):
        expected = [(self.num_layers * (2 if self.bidirectional else 1), batch, size)
                    for size in self._state_sizes(len(states))]
        for number, (state, shape) in enumerate(zip(states, expected)):
            if state is not None and tuple(state.shape) != shape:
                which = f"hidden[{number}]" if len(states) > 1 else "hidden"
                raise RuntimeError(f"Expected {which} size {shape}, got {list(state.shape)}")
        check_state_dtypes(self._layer_name(), states, dtype)

    def _check_input(self, input, name):
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

    def _prepare(self, input, states):
        """Checks, unbatched/batch_first handling; returns (input (T, B, I), states (L*D, B, H) or None, batched)."""
        name = self._layer_name()
        check_tensor(input, name)
        if input.ndim not in (2, 3):
            raise ValueError(f"{name}: Expected input to be 2D or 3D, got {input.ndim}D tensor instead")
        batched = input.ndim == 3
        given = [state for state in states if state is not None]
        for state in given:
            check_tensor(state, name, "hx")
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
        self._check_input(input, name)
        if input.shape[0] == 0:
            raise RuntimeError(f"Expected sequence length to be larger than 0 in {name}")
        self._check_states(states, input.shape[1], input.dtype)
        return input, states, batched

    def _prepare_packed(self, packed: PackedSequence, states):
        """Checks; returns (data (N, I), batch sizes, states in the sorted order of the packed batch)."""
        name = self._layer_name()
        data = packed.data
        check_tensor(data, name, "PackedSequence.data")
        if data.ndim != 2:
            raise RuntimeError(f"{name}: input must have 2 dimensions, got {data.ndim}")
        self._check_input(data, name)
        batch_sizes = [int(size) for size in packed.batch_sizes.tolist()]
        for state in states:
            if state is not None:
                check_tensor(state, name, "hx")
        self._check_states(states, batch_sizes[0], data.dtype)
        if packed.sorted_indices is not None:
            states = [None if state is None else state.index_select(1, packed.sorted_indices) for state in states]
        return data, batch_sizes, states

    def _direction(self, index, xg, initial, reverse):
        """Layer-direction ``index`` over ``xg (T, B, G)`` from its initial states: (output, final states)."""
        weights = self.all_weights[index]
        w_hh = weights[1]
        b_hh = weights[3] if self.bias else None
        if self.proj_size:
            return projected_lstm(xg, initial[0], initial[1], w_hh, b_hh, weights[-1], reverse)
        result = recurrence(self.mode, xg, initial[0], initial[1] if self.mode == "LSTM" else None, w_hh, b_hh,
                            reverse=reverse)
        return result[0], list(result[1:])

    def _run(self, input, states, batch_sizes: Optional[List[int]] = None) -> Tuple[Tensor, List[Tensor]]:
        """All layers and directions over a padded (T, B, I) input or, with ``batch_sizes``, packed data (N, I);
        returns (output (T, B, D*H) or (N, D*H), final states each (L*D, B, H))."""
        directions = 2 if self.bidirectional else 1
        batch = input.shape[1] if batch_sizes is None else batch_sizes[0]
        sizes = self._state_sizes(len(states))
        finals: List[List[Tensor]] = [[] for _ in states]
        layer_input = input
        all_weights = self.all_weights
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(directions):
                index = layer * directions + direction
                weights = all_weights[index]
                xg = F.linear(layer_input, weights[0], weights[2] if self.bias else None)
                initial = [zeros(batch, size, dtype=input.dtype) if state is None else state[index]
                           for state, size in zip(states, sizes)]
                if batch_sizes is None:
                    output, final = self._direction(index, xg, initial, direction == 1)
                else:
                    def run_direction(chunk, carry, reverse, index=index):
                        return self._direction(index, chunk, carry, reverse)
                    output, final = run_packed(run_direction, xg, batch_sizes, initial, direction == 1)
                outputs.append(output)
                for stack, value in zip(finals, final):
                    stack.append(value)
            layer_input = outputs[0] if directions == 1 else _ops.cat(outputs, dim=-1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, training=True)
        return layer_input, [_ops.stack(final) for final in finals]

    def _forward(self, input, states):
        """The whole forward pass: (output Tensor or PackedSequence, final states in the caller's batch order)."""
        if isinstance(input, PackedSequence):
            data, batch_sizes, states = self._prepare_packed(input, states)
            output, finals = self._run(data, states, batch_sizes)
            if input.unsorted_indices is not None:
                finals = [final.index_select(1, input.unsorted_indices) for final in finals]
            return PackedSequence(output, input.batch_sizes, input.sorted_indices, input.unsorted_indices), finals
        input, states, batched = self._prepare(input, states)
        output, finals = self._run(input, states)
        if self.batch_first:
            output = output.transpose(0, 1)
        if not batched:
            output = output.squeeze(0 if self.batch_first else 1)
            finals = [final.squeeze(1) for final in finals]
        return output, finals
