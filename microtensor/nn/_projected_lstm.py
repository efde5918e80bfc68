"""The LSTM with projections (``nn.LSTM(proj_size=P)``), one layer-direction, built from autograd ops.

Gates ``i f g o`` as the plain LSTM, but the hidden state is projected to ``P < H`` features:
``c_t = f c_{t-1} + i g`` (H features), ``h_t = W_hr (o tanh(c_t))`` (P features), and the
recurrent weight ``W_hh`` is ``(4H, P)``. A Python loop over time of differentiable ops (the fused
node of ``_rnn_ops.py`` has no projection); autograd gives the gradients and second derivatives.
"""
from __future__ import annotations

from typing import List, Optional, Tuple

from .. import ops as _ops
from .._tensor import Tensor


def projected_lstm(
    xg: Tensor, h0: Tensor, c0: Tensor, w_hh: Tensor, b_hh: Optional[Tensor], w_hr: Tensor, reverse: bool,
) -> Tuple[Tensor, List[Tensor]]:
    """``xg (T, B, 4H)`` (the input projection), ``h0 (B, P)``, ``c0 (B, H)``; returns
    ``(output (T, B, P), [h_n, c_n])``."""
    size = c0.shape[-1]
    h, c = h0, c0
    steps = xg.shape[0]
    outputs: List[Tensor] = [None] * steps  # type: ignore[list-item]
    for t in (range(steps - 1, -1, -1) if reverse else range(steps)):
        gates = xg[t] + h @ w_hh.T
        if b_hh is not None:
            gates = gates + b_hh
        i, f = gates[..., :size].sigmoid(), gates[..., size:2 * size].sigmoid()
        g, o = gates[..., 2 * size:3 * size].tanh(), gates[..., 3 * size:].sigmoid()
        c = f * c + i * g
        h = (o * c.tanh()) @ w_hr.T
        outputs[t] = h
    return _ops.stack(outputs), [h, c]
