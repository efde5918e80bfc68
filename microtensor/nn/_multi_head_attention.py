"""``F.multi_head_attention_forward``: ``nn.MultiheadAttention``'s computation, PyTorch's function.

The embedding of size E is split into ``num_heads`` heads of size E / num_heads. Per head::

    q, k, v = x_q W_q + b_q, x_k W_k + b_k, x_v W_v + b_v     (one packed (3E, E) weight, or three)
    head_h = softmax(q_h k_h^T / sqrt(E / num_heads) + mask) v_h
    out = concat(head_1, ..., head_H) W_o + b_o

with the options PyTorch has: ``bias_k``/``bias_v`` and ``add_zero_attn`` (one extra key position),
``key_padding_mask`` and ``attn_mask`` (bool: True = masked out, or float, added to the scores),
``static_k``/``static_v``, and the attention weights when ``need_weights`` (averaged over the
heads unless ``average_attn_weights=False``). Every head's attention is the one fused op of
``_attention_op.py``.
"""
from __future__ import annotations

import math
import warnings
from typing import Optional, Tuple

import numpy as np

from .._tensor import Tensor
from ..creation import zeros
from ..ops import cat
from ._attention_op import attend
from ._linear_op import linear

__all__ = ["multi_head_attention_forward"]


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
    result = attend(q, k, v, attn_mask, allowed, dropout_p if training else 0.0, 1.0 / math.sqrt(head_dim),
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
