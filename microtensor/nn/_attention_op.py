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
import warnings
from typing import Optional, Tuple

import numpy as np

from .. import random as _random
from .._tensor import Tensor
from ..autograd.function import Function
from ..creation import zeros
from ..ops import cat
from ._linear_op import linear

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward"]


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
    """Row softmax of an array, in place; rows that are all -inf give zeros. Returns (P, those rows or None)."""
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
    if attn_mask.dtype != np.bool_ and attn_mask.dtype != query.dtype:
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
    (True = take part) or float (added), broadcast to ``(..., L, S)``; ``is_causal`` masks ``j > i`` (not
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
    elif attn_mask is not None:
        bias = attn_mask
    out = _attend(query, key, value, bias, allowed, dropout_p, scale, need_weights=False)
    if grouped:
        out = out.reshape(heads_shape + out.shape[-2:])
    return out


def _attend(query, key, value, bias, allowed, dropout_p, scale, need_weights, generator=None):
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


# ------------------------------------------------------------ multi-head attention
def _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads):
    """PyTorch's checks; returns whether the input is batched (3-D) rather than unbatched (2-D)."""
    if query.ndim not in (2, 3):
        raise AssertionError(
            f"query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor")
    batched = query.ndim == 3
    kind, dims = ("batched (3-D)", 3) if batched else ("unbatched (2-D)", 2)
    if key.ndim != dims or value.ndim != dims:
        raise AssertionError(
            f"For {kind} `query`, expected `key` and `value` to be {dims}-D but found {key.ndim}-D and "
            f"{value.ndim}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != dims - 1:
        raise AssertionError(
            f"For {kind} `query`, expected `key_padding_mask` to be `None` or {dims - 1}-D but found "
            f"{key_padding_mask.ndim}-D tensor instead"
        )
    if attn_mask is not None and attn_mask.ndim not in (2, 3):
        raise AssertionError(
            f"For {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found {attn_mask.ndim}-D tensor "
            f"instead"
        )
    if not batched and attn_mask is not None and attn_mask.ndim == 3:
        expected = (num_heads, query.shape[0], key.shape[0])
        if tuple(attn_mask.shape) != expected:
            raise AssertionError(f"Expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
    return batched


def _additive_mask(mask, name, dtype):
    """A bool mask (True = masked out, MultiheadAttention's convention) as 0 / -inf of ``dtype``; floats pass."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"multi_head_attention_forward(): {name} must be a Tensor, not {type(mask).__name__}")
    if mask.dtype == np.bool_:
        return Tensor._make(np.where(mask._data, np.asarray(-np.inf, dtype=dtype), np.asarray(0, dtype=dtype)))
    if mask.dtype.kind != "f":
        raise AssertionError(f"only bool and floating types of {name} are supported")
    return mask


def _pad_last(mask):
    """One more key position that nothing masks (for bias_k / add_zero_attn)."""
    return cat([mask, zeros(*mask.shape[:-1], 1, dtype=mask.dtype)], dim=-1)


def _in_projection(query, key, value, in_proj_weight, in_proj_bias, q_proj_weight, k_proj_weight,
                   v_proj_weight, separate):
    """q, k, v from one packed (3E, E) weight (one matmul for self-attention) or three separate ones."""
    if separate:
        biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
        weights = (q_proj_weight, k_proj_weight, v_proj_weight)
        return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))
    if query is key and key is value:
        return linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)
    weights = in_proj_weight.chunk(3)
    biases = (None, None, None) if in_proj_bias is None else in_proj_bias.chunk(3)
    return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), weights, biases))


def multi_head_attention_forward(
    query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
    in_proj_weight: Optional[Tensor], in_proj_bias: Optional[Tensor], bias_k: Optional[Tensor],
    bias_v: Optional[Tensor], add_zero_attn: bool, dropout_p: float, out_proj_weight: Tensor,
    out_proj_bias: Optional[Tensor], training: bool = True, key_padding_mask: Optional[Tensor] = None,
    need_weights: bool = True, attn_mask: Optional[Tensor] = None, use_separate_proj_weight: bool = False,
    q_proj_weight: Optional[Tensor] = None, k_proj_weight: Optional[Tensor] = None,
    v_proj_weight: Optional[Tensor] = None, static_k: Optional[Tensor] = None, static_v: Optional[Tensor] = None,
    average_attn_weights: bool = True, is_causal: bool = False,
) -> Tuple[Tensor, Optional[Tensor]]:
    """``nn.MultiheadAttention``'s computation on sequence-first inputs (``(L, N, E)``, or ``(L, E)`` unbatched).

    Returns ``(attn_output (L, N, E), attn_weights)``: the weights ``(N, L, S)`` averaged over heads (or
    ``(N, num_heads, L, S)``), after dropout, or None without ``need_weights``. Masks: bool True = masked
    out (the opposite of ``scaled_dot_product_attention``), floats are added. One difference from
    PyTorch: a query whose keys are all masked gets zeros in both paths (PyTorch gives NaN there when
    ``need_weights=True`` and zeros otherwise).
    """
    if static_k is not None or static_v is not None:
        raise NotImplementedError(
            "multi_head_attention_forward(): static_k / static_v are not supported in microtensor")
    batched = _mha_shape_check(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    length, batch, embed_dim = query.shape
    source = key.shape[0]
    if (key_padding_mask is not None and attn_mask is not None and key_padding_mask.dtype != attn_mask.dtype):
        warnings.warn("Support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for both "
                      "instead.", UserWarning, stacklevel=3)
    key_padding_mask = _additive_mask(key_padding_mask, "key_padding_mask", query.dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            "Need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    if is_causal and key_padding_mask is None and not need_weights:
        attn_mask = None  # the causal hint replaces the mask, as in PyTorch
    else:
        attn_mask = _additive_mask(attn_mask, "attn_mask", query.dtype)
        is_causal = False
    if embed_dim != embed_dim_to_check:
        raise AssertionError(f"was expecting embedding dimension of {embed_dim_to_check}, but got {embed_dim}")
    head_dim = embed_dim // num_heads
    if head_dim * num_heads != embed_dim:
        raise AssertionError(f"embed_dim {embed_dim} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"key's sequence and batch dims {tuple(key.shape[:2])} do not match value's {tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise AssertionError(f"key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
    q, k, v = _in_projection(query, key, value, in_proj_weight, in_proj_bias, q_proj_weight,
                             k_proj_weight, v_proj_weight, use_separate_proj_weight)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (length, source):
                raise RuntimeError(
                    f"The shape of the 2D attn_mask is {tuple(attn_mask.shape)}, but should be {(length, source)}.")
            attn_mask = attn_mask.reshape(1, 1, length, source)
        else:
            if tuple(attn_mask.shape) != (batch * num_heads, length, source):
                raise RuntimeError(f"The shape of the 3D attn_mask is {tuple(attn_mask.shape)}, but should be "
                                   f"{(batch * num_heads, length, source)}.")
            attn_mask = attn_mask.reshape(batch, num_heads, length, source)
    if bias_k is not None and bias_v is not None:
        k = cat([k, bias_k.expand(1, batch, embed_dim)])
        v = cat([v, bias_v.expand(1, batch, embed_dim)])
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError("bias_k is set but bias_v is None" if bias_k is not None else
                             "bias_v is set but bias_k is None")
    # (sequence, batch, E) -> (batch, heads, sequence, head_dim)
    q = q.reshape(length, batch, num_heads, head_dim).permute(1, 2, 0, 3)
    k = k.reshape(k.shape[0], batch, num_heads, head_dim).permute(1, 2, 0, 3)
    v = v.reshape(v.shape[0], batch, num_heads, head_dim).permute(1, 2, 0, 3)
    if add_zero_attn:
        k = cat([k, zeros(batch, num_heads, 1, head_dim, dtype=k.dtype)], dim=2)
        v = cat([v, zeros(batch, num_heads, 1, head_dim, dtype=v.dtype)], dim=2)
        attn_mask = None if attn_mask is None else _pad_last(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_last(key_padding_mask)
    source = k.shape[2]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (batch, source):
            wrong = 0 if key_padding_mask.shape[0] != batch else 1
            expected = (batch, source)[wrong]
            raise AssertionError(
                f"Expected key_padded_mask.shape[{wrong}] to be {expected}, but got {key_padding_mask.shape[wrong]}")
        padding = key_padding_mask.reshape(batch, 1, 1, source)
        attn_mask = padding if attn_mask is None else attn_mask + padding
    allowed = np.tri(length, source, dtype=bool) if is_causal else None
    result = _attend(q, k, v, attn_mask, allowed, dropout_p if training else 0.0, 1.0 / math.sqrt(head_dim),
                     need_weights)
    out, weights = result if need_weights else (result, None)
    out = out.permute(2, 0, 1, 3).reshape(length * batch, embed_dim)
    out = linear(out, out_proj_weight, out_proj_bias).reshape(length, batch, embed_dim)
    if weights is not None and average_attn_weights:
        weights = weights.mean(dim=1)
    if not batched:
        out = out.squeeze(1)
        weights = None if weights is None else weights.squeeze(0)
    return out, weights
