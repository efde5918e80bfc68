"""``F.scaled_dot_product_attention``: softmax(Q K^T * scale + mask) V as one fused op.

Shapes: ``Q (..., L, E)``, ``K (..., S, E)``, ``V (..., S, Ev)``, output ``(..., L, Ev)``; the
batch dims ``...`` broadcast, and so does the mask against ``(..., L, S)``. A bool mask says
which positions take part (True = attend), a float mask is added to the scores;
``is_causal`` keeps ``j <= i`` (the lower triangle, top-left aligned as PyTorch's). A row whose
positions are all masked gives zeros (and zero gradients), as PyTorch's CPU kernel does.

Forward, with ``D`` the dropout mask scaled by ``1 / (1 - p)`` (all ones without dropout)::

    S = Q K^T * scale + mask        P = softmax(S) (rows)        O = (P * D) V

Backward, from ``G = dL/dO`` (and ``W``, the gradient of the returned weights ``P * D``, if any)::

    dV = (P D)^T G        dP = (G V^T + W) * D        dS = P * (dP - rowsum(dP * P))
    dQ = dS K * scale     dK = dS^T Q * scale         dmask = dS (a float mask that requires grad)

Under ``create_graph=True`` the backward recomputes ``P`` from the input Tensors with
differentiable ops and applies the same formulas, so second derivatives work.
"""
from __future__ import annotations

import math
from typing import Optional

import numpy as np

from .. import random as _random
from .._tensor import Tensor
from ..autograd.function import Function

__all__ = ["scaled_dot_product_attention"]


def _swap(x):
    return x.swapaxes(-1, -2)


def _scores(q, k, bias, allowed, scale):
    """``Q K^T * scale + bias`` with the disallowed positions at -inf, for arrays (in place where it can)."""
    scores = (q * np.asarray(scale, dtype=q.dtype)) @ _swap(k)
    if bias is not None:
        if np.broadcast_shapes(scores.shape, bias.shape) == scores.shape:
            scores += bias
        else:
            scores = scores + bias
    if allowed is not None:
        if np.broadcast_shapes(scores.shape, allowed.shape) != scores.shape:
            scores = np.broadcast_to(scores, np.broadcast_shapes(scores.shape, allowed.shape)).copy()
        np.copyto(scores, -np.inf, where=~allowed)
    return scores


def _scores_tensor(q, k, bias, allowed, scale):
    """The same with differentiable ops, for the recomputation under ``create_graph``."""
    scores = (q @ _swap(k)) * scale
    if bias is not None:
        scores = scores + bias
    if allowed is not None:
        scores = scores.masked_fill(Tensor._make(~allowed), float("-inf"))
    return scores


def _softmax_rows(scores):
    """Row softmax of an array, in place; rows that are all -inf (or empty: no keys) give zeros. Returns (P, those
    rows or None)."""
    if scores.shape[-1] == 0:
        return scores, None
    top = scores.max(axis=-1, keepdims=True)
    dead = None
    if not np.all(np.isfinite(top)):
        dead = top == -np.inf
        top[dead] = 0
    scores -= top
    np.exp(scores, out=scores)
    total = scores.sum(axis=-1, keepdims=True)
    if dead is not None:
        total[dead] = 1
    scores /= total
    return scores, dead


def _softmax_rows_tensor(scores, dead):
    """Row softmax with differentiable ops, zero rows where ``dead``."""
    if dead is None:
        return scores.softmax(-1)
    dead = Tensor._make(dead)
    probabilities = scores.masked_fill(dead, 0.0).softmax(-1)
    return probabilities.masked_fill(dead, 0.0)


class ScaledDotProductAttention(Function):
    """softmax(Q K^T * scale + mask) V; see the module docstring for both passes.

    ``forward(q, k, v, bias, allowed, keep, scale, need_weights)``: ``bias`` is the float mask
    (or None), ``allowed`` the bool mask of positions that take part (or None), ``keep`` the
    dropout factor ``D`` (or None). Returns the output, and the weights ``P * D`` with ``need_weights``.
    """

    numpy_level = True
    fresh_gradients = (0, 1, 2)

    @staticmethod
    def forward(ctx, q, k, v, bias, allowed, keep, scale, need_weights):
        probabilities, dead = _softmax_rows(_scores(q, k, bias, allowed, scale))
        weights = probabilities if keep is None else probabilities * keep
        out = weights @ v
        ctx.scale, ctx.allowed, ctx.dead = scale, allowed, dead
        ctx.save_for_backward(q, k, v, bias, probabilities, weights, keep)
        if need_weights:
            return out, weights.copy()
        return out

    @staticmethod
    def backward(ctx, grad_out, grad_weights=None):
        q, k, v, bias, probabilities, weights, keep = ctx.saved_tensors
        scale = ctx.scale
        tensors = isinstance(grad_out, Tensor)
        if tensors:  # create_graph: P as a function of the input Tensors
            probabilities = _softmax_rows_tensor(_scores_tensor(q, k, bias, ctx.allowed, scale), ctx.dead)
            weights = probabilities if keep is None else probabilities * keep
        needs = ctx.needs_input_grad
        grad_v = _swap(weights) @ grad_out if needs[2] else None
        grad_p = grad_out @ _swap(v)
        if grad_weights is not None:
            grad_p = grad_p + grad_weights
        if keep is not None:
            grad_p = grad_p * keep
        if tensors:
            grad_scores = probabilities * (grad_p - (grad_p * probabilities).sum(axis=-1, keepdims=True))
        else:  # the same, in place
            row = np.einsum("...ij,...ij->...i", grad_p, probabilities)[..., None]
            grad_p -= row
            grad_p *= probabilities
            grad_scores = grad_p
        grad_q = (grad_scores @ k) * scale if needs[0] else None
        grad_k = (_swap(grad_scores) @ q) * scale if needs[1] else None
        grad_bias = grad_scores if needs[3] else None
        return grad_q, grad_k, grad_v, grad_bias, None, None, None, None


# ------------------------------------------------------------------ the function
def _check_inputs(query, key, value):
    for name, tensor in (("query", query), ("key", key), ("value", value)):
        if not isinstance(tensor, Tensor):
            raise TypeError(f"scaled_dot_product_attention(): {name} must be a Tensor, not {type(tensor).__name__}")
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            f"Expected query, key, and value to all be at least 2 dimensional, but got query.dim: {query.ndim} "
            f"key.dim: {key.ndim} and value.dim: {value.ndim} instead."
        )
    if not (query.dtype == key.dtype == value.dtype) or query.dtype.kind != "f":
        raise RuntimeError(
            f"Expected query, key, and value to have the same floating point dtype, but got query.dtype: "
            f"{query.dtype} key.dtype: {key.dtype} and value.dtype: {value.dtype} instead."
        )
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError(
            f"scaled_dot_product_attention(): query (shape {tuple(query.shape)}) and key (shape {tuple(key.shape)}) "
            f"must have the same embedding size in their last dimension"
        )
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"scaled_dot_product_attention(): key (shape {tuple(key.shape)}) and value (shape {tuple(value.shape)}) "
            f"must have the same sequence length (dimension -2)"
        )


def _check_broadcast(query, key, value, attn_mask):
    try:
        np.broadcast_shapes(query.shape[:-2], key.shape[:-2], value.shape[:-2])
    except ValueError:
        raise RuntimeError(
            f"scaled_dot_product_attention(): the batch dimensions of query {tuple(query.shape)}, key "
            f"{tuple(key.shape)} and value {tuple(value.shape)} do not broadcast"
        ) from None
    if attn_mask is None:
        return
    if attn_mask.dtype not in (np.bool_, np.float32, query.dtype):  # PyTorch's rule: bool, float32 or query's
        raise RuntimeError(
            f"Expected attn_mask dtype to be bool or float or to match query dtype, but got attn_mask.dtype: "
            f"{attn_mask.dtype} and query.dtype: {query.dtype} instead."
        )
    scores_shape = np.broadcast_shapes(query.shape[:-2], key.shape[:-2]) + (query.shape[-2], key.shape[-2])
    try:
        np.broadcast_shapes(attn_mask.shape, scores_shape)
    except ValueError:
        raise RuntimeError(
            f"scaled_dot_product_attention(): attn_mask of shape {tuple(attn_mask.shape)} does not broadcast to the "
            f"attention scores' shape {scores_shape} (batch..., L, S)"
        ) from None


def _grouped(query, key, value, mask):
    """``enable_gqa``: view the query heads as groups over the key/value heads (no copies of K, V)."""
    heads, kv_heads = query.shape[-3], key.shape[-3]
    if key.shape[-3] != value.shape[-3] or heads % kv_heads:
        raise RuntimeError(
            f"Number of heads in key and value must divide the number of heads in query: query has {heads}, "
            f"key {key.shape[-3]} and value {value.shape[-3]} (dimension -3)"
        )
    group = heads // kv_heads
    batch = query.shape[:-3]
    query = query.reshape(batch + (kv_heads, group) + query.shape[-2:])
    key, value = key.unsqueeze(-3), value.unsqueeze(-3)
    if mask is not None:
        full = np.broadcast_shapes(mask.shape, batch + (heads,) + query.shape[-2:-1] + key.shape[-2:-1])
        mask = mask.expand(*full).reshape(full[:-3] + (kv_heads, group) + full[-2:])
    return query, key, value, mask


def scaled_dot_product_attention(
    query: Tensor, key: Tensor, value: Tensor, attn_mask: Optional[Tensor] = None, dropout_p: float = 0.0,
    is_causal: bool = False, scale: Optional[float] = None, enable_gqa: bool = False,
) -> Tensor:
    """softmax(query key^T * scale + attn_mask) value, as ``torch.nn.functional.scaled_dot_product_attention``.

    ``query (..., L, E)``, ``key (..., S, E)``, ``value (..., S, Ev)`` -> ``(..., L, Ev)``. ``attn_mask``: bool
    (True = take part) or float (added; float32 or the query's dtype), broadcast to ``(..., L, S)``; ``is_causal`` masks ``j > i`` (not
    together with ``attn_mask``); ``scale`` defaults to ``1 / sqrt(E)``; ``dropout_p`` drops attention weights
    (from microtensor's default generator; applied whenever ``dropout_p > 0``, as PyTorch);
    ``enable_gqa`` lets ``key``/``value`` have fewer heads (dim -3) that groups of query heads share.
    Rows with every position masked give zeros.
    """
    _check_inputs(query, key, value)
    if attn_mask is not None and not isinstance(attn_mask, Tensor):
        raise TypeError(f"scaled_dot_product_attention(): attn_mask must be a Tensor, not {type(attn_mask).__name__}")
    if is_causal and attn_mask is not None:
        raise RuntimeError("_scaled_dot_product_attention: Explicit attn_mask should not be set when is_causal=True")
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, (int, float)) or not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {dropout_p}")
    if scale is None:
        scale = 1.0 / math.sqrt(query.shape[-1]) if query.shape[-1] else 1.0
    heads_shape = query.shape[:-2]
    grouped = enable_gqa and query.ndim >= 3 and key.ndim >= 3 and query.shape[-3] != key.shape[-3]
    if grouped:
        query, key, value, attn_mask = _grouped(query, key, value, attn_mask)
    _check_broadcast(query, key, value, attn_mask)
    length, source = query.shape[-2], key.shape[-2]
    bias = allowed = None
    if is_causal:
        allowed = np.tri(length, source, dtype=bool)
    elif attn_mask is not None and attn_mask.dtype == np.bool_:
        allowed = attn_mask._data
    elif attn_mask is not None:  # a float32 mask on other queries is cast (differentiably) to their dtype
        bias = attn_mask if attn_mask.dtype == query.dtype else attn_mask.to(query.dtype)
    out = attend(query, key, value, bias, allowed, dropout_p, scale, need_weights=False)
    if grouped:
        out = out.reshape(heads_shape + out.shape[-2:])
    return out


def attend(query, key, value, bias, allowed, dropout_p, scale, need_weights, generator=None):
    """Apply the fused op (drawing the dropout mask first); ``(out, weights)`` with ``need_weights``."""
    keep = None
    if dropout_p > 0:
        batch = np.broadcast_shapes(query.shape[:-2], key.shape[:-2])
        shape = batch + (query.shape[-2], key.shape[-2])
        for mask in (bias, allowed):
            if mask is not None:
                shape = np.broadcast_shapes(shape, mask.shape)
        if dropout_p == 1:
            keep = np.zeros(shape, dtype=query.dtype)
        else:
            kept = _random.numpy_rng(generator).random(shape) >= dropout_p
            keep = kept.astype(query.dtype) * np.asarray(1.0 / (1.0 - dropout_p), dtype=query.dtype)
    return ScaledDotProductAttention.apply(query, key, value, bias, allowed, keep, float(scale), need_weights)
