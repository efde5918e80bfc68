"""TransformerDecoderLayer, TransformerDecoder and Transformer: outputs against a numpy transcription of
the blocks (multi-head attention, LayerNorm, ReLU feed-forward, post- and pre-norm), input gradients by
central differences, PyTorch's parameter names, initialisation, causal mask and errors."""
import math

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn


def _array(parameter):
    return parameter.detach().numpy()


def attention_reference(module, query, key, mask=None):
    """Multi-head attention in numpy, (L, N, E) layout: the projections from in_proj_weight, per-head
    softmax(q k^T / sqrt(d) + mask) v, then out_proj."""
    e, h = query.shape[-1], module.num_heads
    w, b = _array(module.in_proj_weight), _array(module.in_proj_bias)
    q, k, v = query @ w[:e].T + b[:e], key @ w[e:2 * e].T + b[e:2 * e], key @ w[2 * e:].T + b[2 * e:]

    def heads(x):  # (L, N, E) -> (N, h, L, d)
        return x.reshape(x.shape[0], x.shape[1], h, e // h).transpose(1, 2, 0, 3)

    scores = heads(q) @ heads(k).transpose(0, 1, 3, 2) / math.sqrt(e // h)
    if mask is not None:
        scores = scores + mask
    weights = np.exp(scores - scores.max(-1, keepdims=True))
    weights /= weights.sum(-1, keepdims=True)
    out = (weights @ heads(v)).transpose(2, 0, 1, 3).reshape(query.shape)
    return out @ _array(module.out_proj.weight).T + _array(module.out_proj.bias)


def layer_norm_reference(module, x):
    mean, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + module.eps) * _array(module.weight) + _array(module.bias)


def decoder_layer_reference(layer, tgt, memory, tgt_mask=None):
    def feed_forward(x):
        hidden = np.maximum(x @ _array(layer.linear1.weight).T + _array(layer.linear1.bias), 0)
        return hidden @ _array(layer.linear2.weight).T + _array(layer.linear2.bias)

    x = tgt
    if layer.norm_first:
        n1 = layer_norm_reference(layer.norm1, x)
        x = x + attention_reference(layer.self_attn, n1, n1, tgt_mask)
        x = x + attention_reference(layer.multihead_attn, layer_norm_reference(layer.norm2, x), memory)
        return x + feed_forward(layer_norm_reference(layer.norm3, x))
    x = layer_norm_reference(layer.norm1, x + attention_reference(layer.self_attn, x, x, tgt_mask))
    x = layer_norm_reference(layer.norm2, x + attention_reference(layer.multihead_attn, x, memory))
    return layer_norm_reference(layer.norm3, x + feed_forward(x))


def _randomised(module, seed=0):
    rng = np.random.default_rng(seed)
    with mt.no_grad():
        for parameter in module.parameters():
            parameter.copy_(mt.tensor(rng.standard_normal(parameter.shape) * 0.5))
    return module


@pytest.mark.parametrize("norm_first", [False, True])
def test_decoder_layer_matches_numpy_with_a_causal_mask_and_gradchecks(norm_first):
    layer = _randomised(nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first).double())
    rng = np.random.default_rng(1)
    tgt, memory = rng.standard_normal((3, 2, 4)), rng.standard_normal((4, 2, 4))
    mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=mt.float64)
    out = layer(mt.tensor(tgt), mt.tensor(memory), tgt_mask=mask)
    want = decoder_layer_reference(layer, tgt, memory, mask.numpy())
    np.testing.assert_allclose(out.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    batch_first = _randomised(nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first,
                                                         batch_first=True).double())
    out = batch_first(mt.tensor(tgt.transpose(1, 0, 2)), mt.tensor(memory.transpose(1, 0, 2)), tgt_mask=mask)
    np.testing.assert_allclose(out.detach().numpy().transpose(1, 0, 2), want, rtol=1e-10, atol=1e-12)
    leaves = (mt.tensor(tgt[:, :1], requires_grad=True), mt.tensor(memory[:, :1], requires_grad=True))  # small: fast
    assert mt.autograd.gradcheck(lambda t, m: layer(t, m, tgt_mask=mask), leaves)


def test_generate_square_subsequent_mask_is_zero_below_and_minus_infinity_above_the_diagonal():
    mask = nn.Transformer.generate_square_subsequent_mask(3)
    assert mask.dtype == mt.float32
    np.testing.assert_array_equal(mask.numpy(), [[0, -np.inf, -np.inf], [0, 0, -np.inf], [0, 0, 0]])


def test_transformer_stacks_encoder_and_decoder_with_final_norms():
    mt.manual_seed(0)
    model = nn.Transformer(8, 2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16, dropout=0.0)
    names = [name for name, _ in model.named_parameters()]
    assert names[:2] == ["encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.self_attn.in_proj_bias"]
    assert "encoder.norm.weight" in names and "decoder.norm.bias" in names
    assert "decoder.layers.0.multihead_attn.out_proj.weight" in names and "decoder.layers.1.norm1.weight" not in names
    bound = math.sqrt(6 / (8 + 16))  # every matrix Xavier-uniform, as PyTorch's _reset_parameters
    assert np.abs(_array(model.encoder.layers[0].linear1.weight)).max() <= bound
    src, tgt = mt.randn(5, 3, 8), mt.randn(4, 3, 8)
    model.eval()
    out = model(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4))
    memory = model.encoder(src)
    step = tgt
    for layer in model.decoder.layers:
        step = layer(step, memory, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4))
    np.testing.assert_allclose(out.detach().numpy(), model.decoder.norm(step).detach().numpy(), rtol=1e-6)
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        model(mt.zeros(5, 2, 8), mt.zeros(4, 3, 8))
    with pytest.raises(RuntimeError, match="equal to d_model=8"):
        model(mt.zeros(5, 2, 6), mt.zeros(4, 2, 6))
