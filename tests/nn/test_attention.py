"""scaled_dot_product_attention and MultiheadAttention: forward against numpy softmax formulas written
here (masks, is_causal, fully masked rows, grouped heads), float64 gradients, PyTorch's parameters and errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import broadcastable_shapes


# ------------------------------------------------------------- numpy references
def reference_attention(q, k, v, bool_mask=None, float_mask=None, causal=False, scale=None):
    """softmax(q k^T * scale + mask) v, row by row; rows with no allowed position give zeros."""
    scale = 1 / math.sqrt(q.shape[-1]) if scale is None else scale
    scores = np.einsum("...le,...se->...ls", q, k) * scale
    allowed = np.ones(scores.shape[-2:], dtype=bool)
    if causal:
        allowed = np.arange(scores.shape[-1])[None, :] <= np.arange(scores.shape[-2])[:, None]
    if bool_mask is not None:
        allowed = allowed & bool_mask
    if float_mask is not None:
        scores = scores + float_mask
    allowed = np.broadcast_to(allowed, np.broadcast_shapes(allowed.shape, scores.shape))
    scores = np.broadcast_to(scores, allowed.shape)
    weights = np.zeros(scores.shape)
    for index in np.ndindex(scores.shape[:-1]):
        row, keep = scores[index], allowed[index]
        if keep.any():
            e = np.where(keep, np.exp(row - row[keep].max()), 0.0)
            weights[index] = e / e.sum()
    return np.einsum("...ls,...se->...le", weights, v), weights


# ------------------------------------------------------------- F.scaled_dot_product_attention
@settings(max_examples=20)
@given(batches=broadcastable_shapes(num_shapes=4, max_dims=2, max_side=2), sizes=st.tuples(*[st.integers(1, 3)] * 4),
       kind=st.sampled_from(["none", "bool", "float", "causal"]), seed=st.integers(0, 50))
def test_attention_matches_numpy_and_gradchecks(batches, sizes, kind, seed):
    (bq, bk, bv, bm), (length, source, embed, value_size) = batches, sizes
    rng = np.random.default_rng(seed)
    q, k, v = rng.normal(size=bq + (length, embed)), rng.normal(size=bk + (source, embed)), \
        rng.normal(size=bv + (source, value_size))
    mask = None
    if kind == "bool":
        mask = rng.random(bm + (length, source)) > 0.3
    elif kind == "float":
        mask = rng.normal(size=bm + (length, source))
    expected, _ = reference_attention(q, k, v, bool_mask=mask if kind == "bool" else None,
                                      float_mask=mask if kind == "float" else None, causal=kind == "causal")
    leaves = [mt.tensor(a, requires_grad=True) for a in (q, k, v)]
    mask_tensor = None if mask is None else mt.tensor(mask, requires_grad=kind == "float")

    def attend(q, k, v, *mask_args):
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask_tensor if not mask_args else mask_args[0],
                                              is_causal=kind == "causal")

    out = attend(*leaves)
    assert out.shape == expected.shape and out.dtype == mt.float64
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    extra = (mask_tensor,) if kind == "float" else ()
    direction = mt.tensor(rng.normal(size=expected.shape))  # one scalar along a random direction: the whole VJP
    assert mt.autograd.gradcheck(lambda *args: (attend(*args) * direction).sum(), tuple(leaves) + extra)


def test_fully_masked_rows_give_zeros_and_zero_gradients():
    rng = np.random.default_rng(0)
    q, k, v = (mt.tensor(rng.normal(size=shape), requires_grad=True) for shape in ((2, 3, 4), (2, 5, 4), (2, 5, 2)))
    bool_mask = np.ones((3, 5), dtype=bool)
    bool_mask[1] = False
    float_mask = np.where(bool_mask, 0.0, -np.inf)
    for mask in (mt.tensor(bool_mask), mt.tensor(float_mask)):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        np.testing.assert_array_equal(out.detach().numpy()[:, 1], 0.0)
        assert np.all(np.isfinite(out.detach().numpy()))
        q.grad = None
        out.sum().backward()
        np.testing.assert_array_equal(q.grad.numpy()[:, 1], 0.0)
        assert np.all(np.isfinite(k.grad.numpy()))


def test_scale_grouped_heads_and_float32():
    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(2, 4, 3, 2)), rng.normal(size=(2, 2, 5, 2)), rng.normal(size=(2, 2, 5, 3))
    expected, _ = reference_attention(q, np.repeat(k, 2, axis=1), np.repeat(v, 2, axis=1), scale=0.7)
    out = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), scale=0.7, enable_gqa=True)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-10)
    leaves = [mt.tensor(a, requires_grad=True) for a in (q, k, v)]
    assert mt.autograd.gradcheck(lambda *t: F.scaled_dot_product_attention(*t, enable_gqa=True), leaves)
    single = F.scaled_dot_product_attention(*(mt.tensor(a.astype(np.float32)) for a in (q[0, 0], k[0, 0], v[0, 0])))
    assert single.dtype == mt.float32 and single.shape == (3, 3)
    np.testing.assert_allclose(single.numpy(), reference_attention(q[0, 0], k[0, 0], v[0, 0])[0], rtol=1e-5)


def test_second_derivatives():
    rng = np.random.default_rng(2)
    leaves = [mt.tensor(rng.normal(size=shape), requires_grad=True) for shape in ((1, 2, 2), (1, 3, 2), (1, 3, 2))]
    mask = mt.tensor(rng.normal(size=(2, 3)), requires_grad=True)

    def gradient_norm(q, k, v, mask):
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        grads = mt.autograd.grad((out ** 2).sum(), (q, k, v, mask), create_graph=True)
        return sum((g * g).sum() for g in grads)

    assert mt.autograd.gradcheck(gradient_norm, tuple(leaves) + (mask,))


def test_dropout_zeroes_weights_and_rescales_the_rest():
    rng = np.random.default_rng(3)
    q, k = rng.normal(size=(200, 1, 3)), rng.normal(size=(200, 6, 3))
    v = np.broadcast_to(np.eye(6), (200, 6, 6))  # the output row is the weight row itself
    _, weights = reference_attention(q, k, v)
    mt.manual_seed(0)
    out = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), dropout_p=0.5).numpy()
    kept = out != 0
    np.testing.assert_allclose(out[kept], 2 * weights[kept], rtol=1e-10)
    assert 0.4 < kept.mean() < 0.6
    mt.manual_seed(0)
    again = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), dropout_p=0.5).numpy()
    np.testing.assert_array_equal(out, again)
    dropped = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), dropout_p=1.0)
    np.testing.assert_array_equal(dropped.numpy(), 0.0)


def test_attention_errors_are_pytorchs():
    x = mt.zeros(2, 3, 4)
    with pytest.raises(RuntimeError, match="Explicit attn_mask should not be set when is_causal=True"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mt.ones(3, 3, dtype=mt.bool), is_causal=True)
    with pytest.raises(RuntimeError, match="at least 2 dimensional"):
        F.scaled_dot_product_attention(mt.zeros(4), mt.zeros(4), mt.zeros(4))
    with pytest.raises(RuntimeError, match="same floating point dtype"):
        F.scaled_dot_product_attention(x, x.double(), x)
    with pytest.raises(RuntimeError, match="attn_mask dtype to be bool or float"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mt.ones(3, 3, dtype=mt.int64))
    with pytest.raises(RuntimeError, match="attn_mask of shape \\(2, 3\\) does not broadcast"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=mt.ones(2, 3, dtype=mt.bool))
    with pytest.raises(RuntimeError, match="same embedding size"):
        F.scaled_dot_product_attention(x, mt.zeros(2, 3, 5), mt.zeros(2, 3, 5))
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1"):
        F.scaled_dot_product_attention(x, x, x, dropout_p=1.5)
    with pytest.raises(RuntimeError, match="must divide the number of heads"):
        F.scaled_dot_product_attention(mt.zeros(1, 3, 2, 4), mt.zeros(1, 2, 2, 4), mt.zeros(1, 2, 2, 4),
                                       enable_gqa=True)


def test_empty_key_sequence_gives_zeros_and_zero_gradients():
    """S = 0 keys: every row is empty, so (as PyTorch) the output and the query's gradient are zeros."""
    q = mt.randn(2, 3, 4, dtype=mt.float64, requires_grad=True)
    k, v = mt.zeros(2, 0, 4, dtype=mt.float64), mt.zeros(2, 0, 5, dtype=mt.float64)
    for options in ({}, {"is_causal": True}, {"attn_mask": mt.zeros(3, 0, dtype=mt.bool)}):
        out = F.scaled_dot_product_attention(q, k, v, **options)
        assert out.shape == (2, 3, 5)
        np.testing.assert_array_equal(out.detach().numpy(), 0.0)
        q.grad = None
        out.sum().backward()
        np.testing.assert_array_equal(q.grad.numpy(), 0.0)
    assert F.scaled_dot_product_attention(mt.zeros(2, 0, 4), mt.zeros(2, 0, 4), mt.zeros(2, 0, 5)).shape == (2, 0, 5)


def test_float32_mask_is_accepted_with_any_query_dtype():
    """PyTorch accepts a bool mask, a float32 mask, or one of the query's dtype; the result has the query's dtype."""
    rng = np.random.default_rng(5)
    q, k, v, mask = rng.normal(size=(2, 3, 4)), rng.normal(size=(2, 6, 4)), rng.normal(size=(2, 6, 5)), \
        rng.normal(size=(3, 6)).astype(np.float32)
    mask_tensor = mt.tensor(mask, requires_grad=True)
    out = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), attn_mask=mask_tensor)
    assert out.dtype == mt.float64
    np.testing.assert_allclose(out.detach().numpy(), reference_attention(q, k, v, float_mask=mask)[0], rtol=1e-10)
    out.sum().backward()
    assert mask_tensor.grad.dtype == mt.float32 and mask_tensor.grad.shape == (3, 6)
    with pytest.raises(RuntimeError, match="attn_mask.dtype: float16 and query.dtype: float64"):
        F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), attn_mask=mt.zeros(3, 6).half())
    with pytest.raises(RuntimeError, match="attn_mask.dtype: float64 and query.dtype: float32"):
        F.scaled_dot_product_attention(mt.zeros(3, 4), mt.zeros(6, 4), mt.zeros(6, 5), attn_mask=mt.tensor(mask).double())


def test_is_causal_with_fewer_or_more_keys_is_top_left_aligned():
    rng = np.random.default_rng(6)
    for source in (2, 6):
        q, k, v = rng.normal(size=(3, 4)), rng.normal(size=(source, 4)), rng.normal(size=(source, 5))
        out = F.scaled_dot_product_attention(mt.tensor(q), mt.tensor(k), mt.tensor(v), is_causal=True)
        np.testing.assert_allclose(out.numpy(), reference_attention(q, k, v, causal=True)[0], rtol=1e-10)


# ------------------------------------------------------------- MultiheadAttention
def reference_mha(module, query, key, value, key_padding_mask=None, attn_mask=None):
    """MultiheadAttention from its own parameters on sequence-first inputs (L, N, E); masks: bool True = blocked."""
    p = {name: value.detach().numpy() for name, value in module.named_parameters()}
    embed, heads = module.embed_dim, module.num_heads
    if module._qkv_same_embed_dim:
        wq, wk, wv = np.split(p["in_proj_weight"], 3)
    else:
        wq, wk, wv = p["q_proj_weight"], p["k_proj_weight"], p["v_proj_weight"]
    bq, bk, bv = np.split(p["in_proj_bias"], 3) if "in_proj_bias" in p else (0, 0, 0)
    q, k, v = query @ wq.T + bq, key @ wk.T + bk, value @ wv.T + bv
    batch = query.shape[1]
    if "bias_k" in p:
        k = np.concatenate([k, np.broadcast_to(p["bias_k"], (1, batch, embed))])
        v = np.concatenate([v, np.broadcast_to(p["bias_v"], (1, batch, embed))])
    additive = np.zeros((batch, heads, query.shape[0], k.shape[0]))
    if attn_mask is not None:
        blocked = np.where(attn_mask, -np.inf, 0.0) if attn_mask.dtype == bool else attn_mask
        blocked = blocked.reshape((batch, heads) + blocked.shape[-2:]) if blocked.ndim == 3 else blocked
        additive[..., :blocked.shape[-1]] += blocked
    if key_padding_mask is not None:
        blocked = np.where(key_padding_mask, -np.inf, 0.0) if key_padding_mask.dtype == bool else key_padding_mask
        additive[..., :blocked.shape[-1]] += blocked[:, None, None, :]

    def split(x):  # (S, N, E) -> (N, heads, S, head_dim)
        return x.reshape(x.shape[0], batch, heads, embed // heads).transpose(1, 2, 0, 3)

    q, k, v = split(q), split(k), split(v)
    if module.add_zero_attn:
        k = np.concatenate([k, np.zeros(k.shape[:2] + (1,) + k.shape[3:])], axis=2)
        v = np.concatenate([v, np.zeros(v.shape[:2] + (1,) + v.shape[3:])], axis=2)
        additive = np.concatenate([additive, np.zeros(additive.shape[:-1] + (1,))], axis=-1)
    out, weights = reference_attention(q, k, v, float_mask=additive)
    out = out.transpose(2, 0, 1, 3).reshape(query.shape[0], batch, embed)
    out = out @ p["out_proj.weight"].T + p.get("out_proj.bias", 0)
    return out, weights


MHA_CASES = [
    ("self-attention", {}, {}, True),
    ("cross, kdim/vdim, per-head weights", {"kdim": 3, "vdim": 2}, {"average_attn_weights": False}, False),
    ("bool masks, bias_kv, zero_attn", {"add_bias_kv": True, "add_zero_attn": True},
     {"key_padding_mask": "bool", "attn_mask": "bool"}, False),
    ("float masks, no bias", {"bias": False}, {"key_padding_mask": "float", "attn_mask": "float3d"}, False),
    ("batch_first, no weights", {"batch_first": True}, {"need_weights": False}, True),
]


@pytest.mark.parametrize("name, options, call, self_attention", MHA_CASES, ids=[c[0] for c in MHA_CASES])
def test_multihead_attention_matches_numpy_from_its_parameters(name, options, call, self_attention):
    mt.manual_seed(4)
    rng = np.random.default_rng(5)
    length, source, batch, embed, heads = 3, (3 if self_attention else 4), 2, 4, 2
    module = nn.MultiheadAttention(embed, heads, **options).double()
    query = rng.normal(size=(length, batch, embed))
    key = query if self_attention else rng.normal(size=(source, batch, options.get("kdim", embed)))
    value = query if self_attention else rng.normal(size=(source, batch, options.get("vdim", embed)))
    masks = {}
    if call.get("key_padding_mask") == "bool":
        masks["key_padding_mask"] = np.array([[False, True, False, False], [False, False, False, True]])
    if call.get("key_padding_mask") == "float":
        masks["key_padding_mask"] = rng.normal(size=(batch, source))
    if call.get("attn_mask") == "bool":
        masks["attn_mask"] = rng.random((length, source)) > 0.7
    if call.get("attn_mask") == "float3d":
        masks["attn_mask"] = rng.normal(size=(batch * heads, length, source))
    expected, expected_weights = reference_mha(module, query, key, value, **masks)
    keywords = {k: v for k, v in call.items() if k not in masks}
    keywords.update({k: mt.tensor(v) for k, v in masks.items()})

    def arrange(x):
        return mt.tensor(np.ascontiguousarray(x.swapaxes(0, 1)) if options.get("batch_first") else x,
                         requires_grad=True)

    inputs = (arrange(query),) * 3 if self_attention else (arrange(query), arrange(key), arrange(value))
    out, weights = module(*inputs, **keywords)
    if options.get("batch_first"):
        expected = expected.swapaxes(0, 1)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-10, atol=1e-12)
    if call.get("need_weights", True):
        want = expected_weights if call.get("average_attn_weights") is False else expected_weights.mean(axis=1)
        np.testing.assert_allclose(weights.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    else:
        assert weights is None
    # the gradient through the query and the key-side weights (and bias_k); value and output paths are
    # F.linear's and the attention op's, checked on their own
    checked = [inputs[0], module.in_proj_weight if module._qkv_same_embed_dim else module.k_proj_weight]
    checked += [module.bias_k] if module.bias_k is not None else []

    def run(query, *parameters):
        result = module(*((query,) * 3 if self_attention else (query,) + inputs[1:]), **keywords)
        return result[0] if result[1] is None else result[0].sum() + (result[1] ** 2).sum()

    assert mt.autograd.gradcheck(run, tuple(checked))


def test_unbatched_causal_hint_and_dropout():
    mt.manual_seed(6)
    module = nn.MultiheadAttention(4, 2, dropout=0.5)
    x = mt.randn(3, 4)
    causal = mt.tensor(np.triu(np.ones((3, 3), dtype=bool), 1))  # True: may not attend (later positions)
    module.eval()
    with mt.no_grad():
        out, weights = module(x, x, x, attn_mask=causal)
        hinted, none = module(x, x, x, attn_mask=causal, is_causal=True, need_weights=False)
        module.train()
        trained = module(x, x, x)[1].numpy()
    assert out.shape == (3, 4) and weights.shape == (3, 3)
    np.testing.assert_array_equal(np.triu(weights.numpy(), 1), 0.0)
    assert none is None
    np.testing.assert_allclose(hinted.numpy(), out.numpy(), rtol=1e-6)
    expected, _ = reference_mha(module, x.numpy()[:, None].astype(np.float64), x.numpy()[:, None].astype(np.float64),
                                x.numpy()[:, None].astype(np.float64), attn_mask=causal.numpy())
    np.testing.assert_allclose(out.numpy(), expected[:, 0], rtol=1e-5, atol=1e-6)
    assert np.any(trained == 0) and not np.allclose(trained.sum(axis=-1), 1.0)


def test_multihead_parameters_init_and_names_follow_pytorch():
    mt.manual_seed(7)
    module = nn.MultiheadAttention(8, 2, add_bias_kv=True)
    assert list(module.state_dict()) == ["in_proj_weight", "in_proj_bias", "bias_k", "bias_v", "out_proj.weight",
                                         "out_proj.bias"]
    weight = module.in_proj_weight.detach().numpy()
    bound = math.sqrt(6 / (8 + 24))  # xavier_uniform_ on (3E, E)
    assert weight.shape == (24, 8) and np.abs(weight).max() <= bound and np.abs(weight).max() > 0.9 * bound
    np.testing.assert_array_equal(module.in_proj_bias.detach().numpy(), 0.0)
    np.testing.assert_array_equal(module.out_proj.bias.detach().numpy(), 0.0)
    assert module.bias_k.shape == (1, 1, 8) and module.head_dim == 4
    separate = nn.MultiheadAttention(4, 1, kdim=3, vdim=5, bias=False)
    assert [(n, tuple(p.shape)) for n, p in separate.named_parameters()] == [
        ("q_proj_weight", (4, 4)), ("k_proj_weight", (4, 3)), ("v_proj_weight", (4, 5)), ("out_proj.weight", (4, 4))]
    assert separate.in_proj_weight is None and separate.in_proj_bias is None
    assert "NonDynamicallyQuantizableLinear(in_features=4, out_features=4, bias=False)" in repr(separate)


def test_multihead_errors_are_pytorchs():
    with pytest.raises(AssertionError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(5, 2)
    with pytest.raises(ValueError, match="must be greater than 0"):
        nn.MultiheadAttention(0, 2)
    module = nn.MultiheadAttention(4, 2)
    x = mt.zeros(3, 2, 4)
    with pytest.raises(RuntimeError, match="Need attn_mask if specifying the is_causal hint"):
        module(x, x, x, is_causal=True)
    with pytest.raises(RuntimeError, match=r"The shape of the 2D attn_mask is \(3, 4\), but should be \(3, 3\)"):
        module(x, x, x, attn_mask=mt.ones(3, 4, dtype=mt.bool))
    with pytest.raises(AssertionError, match=r"Expected key_padded_mask.shape\[1\] to be 3, but got 4"):
        module(x, x, x, key_padding_mask=mt.ones(2, 4, dtype=mt.bool))
    with pytest.raises(AssertionError, match="only bool and floating types of attn_mask are supported"):
        module(x, x, x, attn_mask=mt.ones(3, 3, dtype=mt.int64))
    with pytest.raises(AssertionError, match="does not match value shape"):
        module(x, x[:2], x)
    with pytest.raises(AssertionError, match="expected `key` and `value` to be 3-D"):
        module(x, x[0], x[0])


# ------------------------------------------------------------- TransformerEncoderLayer
def reference_encoder_layer(layer, x, attn_mask=None, key_padding_mask=None):
    """The encoder layer on sequence-first ``x`` from its parameters (dropout off)."""
    from scipy.special import erf

    p = {name: value.detach().numpy() for name, value in layer.named_parameters()}

    def norm(x, name):
        mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mean) / np.sqrt(var + 1e-5) * p[name + ".weight"] + p[name + ".bias"]

    def attention(x):
        return reference_mha(layer.self_attn, x, x, x, key_padding_mask=key_padding_mask, attn_mask=attn_mask)[0]

    def feed_forward(x):
        hidden = x @ p["linear1.weight"].T + p["linear1.bias"]
        hidden = np.maximum(hidden, 0) if layer.activation is F.relu else 0.5 * hidden * (1 + erf(hidden / np.sqrt(2)))
        return hidden @ p["linear2.weight"].T + p["linear2.bias"]

    if layer.norm_first:
        x = x + attention(norm(x, "norm1"))
        return x + feed_forward(norm(x, "norm2"))
    x = norm(x + attention(x), "norm1")
    return norm(x + feed_forward(x), "norm2")


@pytest.mark.parametrize("options", [{}, {"norm_first": True, "activation": "gelu", "batch_first": True}])
def test_transformer_encoder_layer_matches_numpy(options):
    mt.manual_seed(8)
    layer = nn.TransformerEncoderLayer(4, 2, dim_feedforward=6, dropout=0.0, **options).double()
    assert list(layer.state_dict()) == [
        "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
        "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias",
        "norm2.weight", "norm2.bias"]
    rng = np.random.default_rng(9)
    x = rng.normal(size=(3, 2, 4))
    mask = np.triu(np.ones((3, 3), dtype=bool), 1)
    padding = np.array([[False, False, True], [False, False, False]])
    expected = reference_encoder_layer(layer, x, attn_mask=mask, key_padding_mask=padding)
    given = np.ascontiguousarray(x.swapaxes(0, 1)) if options.get("batch_first") else x
    leaf = mt.tensor(given, requires_grad=True)
    out = layer(leaf, src_mask=mt.tensor(mask), src_key_padding_mask=mt.tensor(padding))
    if options.get("batch_first"):
        expected = expected.swapaxes(0, 1)
    np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-9, atol=1e-10)
    direction = mt.tensor(rng.normal(size=given.shape))
    assert mt.autograd.gradcheck(lambda t: (layer(t, src_mask=mt.tensor(mask)) * direction).sum(), (leaf,))
    encoder = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(4).double())
    assert encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight
    assert "layers.1.norm2.bias" in encoder.state_dict() and "norm.weight" in encoder.state_dict()
    assert encoder(leaf).shape == leaf.shape
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(4, 2, activation="tanh")
