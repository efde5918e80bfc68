"""The fused recurrence behind ``nn.RNN``, ``nn.LSTM``, ``nn.GRU`` and their cells.

One ``Recurrence`` node runs one direction of one layer over the whole sequence. The
input projection of every time step is one matmul made before (``X W_ih^T + b_ih``, by
``F.linear``); the node gets it as ``xg`` ``(T, B, G)`` (``G`` = gates x hidden) and
loops over time in Python, one hidden matmul per step for all gates (``h W_hh^T + b_hh``).
Its backward is back-propagation through time, step by step in reverse, with the
weight gradient as one matmul over all steps at the end:
``dW_hh = sum_t dgates_t^T h_{t-1}``, ``db_hh = sum_t dgates_t``, ``dxg_t = dgates_t``
(for the GRU, ``dxg`` and the hidden-side gate gradient differ in the ``n`` gate).

Gate equations, PyTorch's orders (``s`` = sigmoid, ``*`` elementwise):

* RNN: ``h' = tanh(xg + h W^T + b)`` (or relu). ``da = dh' (1 - h'^2)`` (or ``dh' [h' > 0]``).
* LSTM, gates ``i f g o``: ``i, f, o = s(.)``, ``g = tanh(.)``, ``c' = f c + i g``,
  ``h' = o tanh(c')``. With ``dc~ = dc' + dh' o (1 - tanh(c')^2)``: ``di = dc~ g``,
  ``df = dc~ c``, ``dg = dc~ i``, ``do = dh' tanh(c')``, ``dc = dc~ f``; each gate's
  pre-activation gradient is ``dgate * s' `` (``s (1 - s)``) or ``dg (1 - g^2)``.
* GRU, gates ``r z n``: ``r, z = s(xg_rz + hg_rz)``, ``n = tanh(xg_n + r hg_n)`` with
  ``hg = h W^T + b_hh``, ``h' = (1 - z) n + z h``. ``dn = dh' (1 - z)``,
  ``dz = dh' (h - n)``, ``dan = dn (1 - n^2)``, ``dr = dan hg_n``; the input side gets
  ``dan`` for ``n``, the hidden side ``dan r``; ``dh = dh' z + dhg W``.

The step functions are written once, with operators, slicing and numpy functions that a
``Tensor`` dispatches, so the same code runs on arrays (the fast first-order pass) and on
Tensors: under ``create_graph=True`` the backward first recomputes the forward quantities
from the input Tensors and then applies the same closed forms, so second derivatives work.
"""
import numpy as np

from ..autograd.function import Function
from .._tensor import Tensor
from ..ops import activation as _activation

#: gates per hidden unit
GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _sigmoid(x):
    if isinstance(x, Tensor):
        return x.sigmoid()
    return _activation._stable_sigmoid(x)


def _relu(x):
    if isinstance(x, Tensor):
        return x.relu()
    return np.maximum(x, 0)


# ----------------------------------------------------------- one time step each
def _rnn_step(mode, xg, h, c, w_hh, b_hh):
    """(h', c' (None), what the backward needs)."""
    a = xg + h @ w_hh.T
    if b_hh is not None:
        a = a + b_hh
    h_new = np.tanh(a) if mode == "RNN_TANH" else _relu(a)
    return h_new, None, (h_new,)


def _rnn_step_backward(mode, cache, dh_new, dc_new, w_hh):
    """(dxg, dh, dc, dgates on the hidden side)."""
    (h_new,) = cache
    da = dh_new * (1 - h_new * h_new) if mode == "RNN_TANH" else dh_new * (h_new > 0)
    return da, da @ w_hh, None, da


def _lstm_step(mode, xg, h, c, w_hh, b_hh):
    size = h.shape[-1]
    gates = xg + h @ w_hh.T
    if b_hh is not None:
        gates = gates + b_hh
    sig = _sigmoid(gates)
    i, f, o = sig[..., :size], sig[..., size:2 * size], sig[..., 3 * size:]
    g = np.tanh(gates[..., 2 * size:3 * size])
    c_new = f * c + i * g
    tanh_c = np.tanh(c_new)
    return o * tanh_c, c_new, (c, i, f, g, o, tanh_c)


def _lstm_step_backward(mode, cache, dh_new, dc_new, w_hh):
    c, i, f, g, o, tanh_c = cache
    dc_total = dc_new + dh_new * o * (1 - tanh_c * tanh_c)
    dgates = np.concatenate([
        dc_total * g * i * (1 - i),
        dc_total * c * f * (1 - f),
        dc_total * i * (1 - g * g),
        dh_new * tanh_c * o * (1 - o),
    ], axis=-1)
    return dgates, dgates @ w_hh, dc_total * f, dgates


def _gru_step(mode, xg, h, c, w_hh, b_hh):
    size = h.shape[-1]
    hg = h @ w_hh.T
    if b_hh is not None:
        hg = hg + b_hh
    rz = _sigmoid(xg[..., :2 * size] + hg[..., :2 * size])
    r, z = rz[..., :size], rz[..., size:]
    hg_n = hg[..., 2 * size:]
    n = np.tanh(xg[..., 2 * size:] + r * hg_n)
    return n + z * (h - n), None, (h, r, z, n, hg_n)


def _gru_step_backward(mode, cache, dh_new, dc_new, w_hh):
    h, r, z, n, hg_n = cache
    dan = dh_new * (1 - z) * (1 - n * n)
    dar = dan * hg_n * r * (1 - r)
    daz = dh_new * (h - n) * z * (1 - z)
    dxg = np.concatenate([dar, daz, dan], axis=-1)
    dhg = np.concatenate([dar, daz, dan * r], axis=-1)
    return dxg, dh_new * z + dhg @ w_hh, None, dhg


STEPS = {
    "RNN_TANH": (_rnn_step, _rnn_step_backward),
    "RNN_RELU": (_rnn_step, _rnn_step_backward),
    "LSTM": (_lstm_step, _lstm_step_backward),
    "GRU": (_gru_step, _gru_step_backward),
}


# ----------------------------------------------------------- the whole sequence
def _time_order(length, reverse):
    return range(length - 1, -1, -1) if reverse else range(length)


def run_forward(mode, xg, h0, c0, w_hh, b_hh, reverse):
    """Run the recurrence; returns (outputs in time order, h_n, c_n, per-step caches, previous hiddens)."""
    step = STEPS[mode][0]
    h, c = h0, c0
    outputs, caches, previous = [None] * xg.shape[0], [], []
    for t in _time_order(xg.shape[0], reverse):
        previous.append(h)
        h, c, cache = step(mode, xg[t], h, c, w_hh, b_hh)
        outputs[t] = h
        caches.append(cache)
    return outputs, h, c, caches, previous


def run_backward(mode, caches, previous, grad_output, grad_hn, grad_cn, w_hh, reverse, needs):
    """Back-propagation through time; returns (dxg, dh0, dc0, dW_hh, db_hh) (None where not needed)."""
    step_backward = STEPS[mode][1]
    length = len(caches)
    dh, dc = grad_hn, grad_cn
    dxg, dhidden = [None] * length, [None] * length
    for s, t in zip(range(length - 1, -1, -1), _time_order(length, not reverse)):
        dxg[t], dh, dc, dhidden[s] = step_backward(mode, caches[s], grad_output[t] + dh, dc, w_hh)
    grad_w = grad_b = None
    if needs[3] or needs[4]:
        dgates = np.stack(dhidden).reshape((-1, w_hh.shape[0]))
        if needs[3]:
            grad_w = dgates.T @ np.stack(previous).reshape((-1, w_hh.shape[1]))
        if needs[4]:
            grad_b = dgates.sum(axis=0)
    return np.stack(dxg), dh, dc, grad_w, grad_b


class Recurrence(Function):
    """One direction of one recurrent layer over a sequence; see the module docstring.

    ``forward(xg (T, B, G), h0 (B, H), c0 (B, H) or None, w_hh (G, H), b_hh (G,) or None,
    mode, reverse)`` returns ``(output (T, B, H), h_n (B, H))`` and, for the LSTM, ``c_n``.
    The sequence is not empty (``T >= 1``; the layers check it).
    """

    numpy_level = True

    @staticmethod
    def forward(ctx, xg, h0, c0, w_hh, b_hh, mode, reverse):
        outputs, h_n, c_n, caches, previous = run_forward(mode, xg, h0, c0, w_hh, b_hh, reverse)
        ctx.mode, ctx.reverse, ctx.steps = mode, reverse, len(caches)
        flat_cache = [value for cache in caches for value in cache]
        ctx.save_for_backward(xg, h0, c0, w_hh, b_hh, *previous, *flat_cache)
        output = np.stack(outputs)
        if mode == "LSTM":
            return output, h_n.copy(), c_n
        return output, h_n.copy()

    @staticmethod
    def backward(ctx, grad_output, grad_hn, grad_cn=None):
        saved = ctx.saved_tensors
        xg, h0, c0, w_hh, b_hh = saved[:5]
        mode, reverse = ctx.mode, ctx.reverse
        if isinstance(grad_output, Tensor):  # create_graph: recompute with Tensors, so the graph reaches the inputs
            _, _, _, caches, previous = run_forward(mode, xg, h0, c0, w_hh, b_hh, reverse)
        else:
            steps = ctx.steps
            previous = list(saved[5:5 + steps])
            flat = saved[5 + steps:]
            width = len(flat) // steps
            caches = [flat[s * width:(s + 1) * width] for s in range(steps)]
        dxg, dh0, dc0, grad_w, grad_b = run_backward(
            mode, caches, previous, grad_output, grad_hn, grad_cn, w_hh, reverse, ctx.needs_input_grad)
        return dxg, dh0, dc0, grad_w, grad_b, None, None


def recurrence(mode, xg, h0, c0, w_hh, b_hh, reverse=False):
    """Apply one direction of one layer: ``(output, h_n)`` or ``(output, h_n, c_n)`` (LSTM)."""
    return Recurrence.apply(xg, h0, c0, w_hh, b_hh, mode, reverse)
