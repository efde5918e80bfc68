"""A hand-written numpy GPT block: forward, backward and AdamW, the yardstick of ``gpt_block``.

The model (PyTorch's layouts: Linear weights are (out, in))::

    x0 = wte[idx] + wpe[:T]                                       token + position embedding
    x1 = x0 + proj(attention(split_heads(qkv(ln1(x0)))))          causal self-attention, pre-norm
    x2 = x1 + fc2(gelu(fc(ln2(x1))))                              MLP 4x, exact (erf) GELU
    loss = cross_entropy(head(ln_f(x2)), targets)                 mean over the B*T positions

Each backward line names the derivative it implements. Everything is float32 when the
parameters are; ``gradients`` is the oracle the tests check against central differences.
"""
import math

import numpy as np
from scipy.special import erf

EPS = 1e-5  # LayerNorm's eps (PyTorch's default)
_SQRT_HALF = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)

def parameter_shapes(vocab, context, embed):
    """Parameter names and shapes, in the frameworks' state_dict order."""
    return {
        "wte.weight": (vocab, embed), "wpe.weight": (context, embed),
        "ln1.weight": (embed,), "ln1.bias": (embed,),
        "qkv.weight": (3 * embed, embed), "qkv.bias": (3 * embed,),
        "proj.weight": (embed, embed), "proj.bias": (embed,),
        "ln2.weight": (embed,), "ln2.bias": (embed,),
        "fc.weight": (4 * embed, embed), "fc.bias": (4 * embed,),
        "fc2.weight": (embed, 4 * embed), "fc2.bias": (embed,),
        "ln_f.weight": (embed,), "ln_f.bias": (embed,),
        "head.weight": (vocab, embed), "head.bias": (vocab,),
    }


def init_parameters(rng, vocab, context, embed, dtype=np.float32):
    """PyTorch's defaults: embeddings N(0, 1), LayerNorm (1, 0), Linear U(+-1/sqrt(fan_in))."""
    params = {}
    for name, shape in parameter_shapes(vocab, context, embed).items():
        if name.startswith(("wte", "wpe")):
            value = rng.standard_normal(shape)
        elif name.startswith("ln"):
            value = np.ones(shape) if name.endswith("weight") else np.zeros(shape)
        else:
            fan_in = parameter_shapes(vocab, context, embed)[name.replace("bias", "weight")][1]
            value = rng.uniform(-1 / math.sqrt(fan_in), 1 / math.sqrt(fan_in), size=shape)
        params[name] = value.astype(dtype)
    return params


# ----------------------------------------------------------------- pieces
def layer_norm(x, weight, bias):
    """y = xhat * w + b with xhat = (x - mean) / sqrt(var + eps); returns (y, (xhat, 1/sigma))."""
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    inv_sigma = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + EPS)
    xhat = centred * inv_sigma
    return xhat * weight + bias, (xhat, inv_sigma)


def layer_norm_backward(grad, weight, cache):
    """dx = (1/sigma) (g - mean(g) - xhat mean(g xhat)) with g = dy * w;  dw = sum dy xhat;  db = sum dy."""
    xhat, inv_sigma = cache
    g = grad * weight
    dx = inv_sigma * (g - g.mean(axis=-1, keepdims=True) - xhat * (g * xhat).mean(axis=-1, keepdims=True))
    flat_grad, flat_xhat = grad.reshape(-1, grad.shape[-1]), xhat.reshape(-1, xhat.shape[-1])
    return dx, (flat_grad * flat_xhat).sum(axis=0), flat_grad.sum(axis=0)


def linear(x, weight, bias):
    return x @ weight.T + bias


def linear_backward(grad, x, weight):
    """dx = G W;  dW = G^T x (rows flattened);  db = sum G."""
    flat_grad, flat_x = grad.reshape(-1, grad.shape[-1]), x.reshape(-1, x.shape[-1])
    return grad @ weight, flat_grad.T @ flat_x, flat_grad.sum(axis=0)


def causal_attention(q, k, v):
    """softmax(q k^T / sqrt(d) with j > i masked) v on (B, H, T, d); returns (out, probabilities)."""
    length = q.shape[-2]
    scores = (q * np.asarray(1.0 / math.sqrt(q.shape[-1]), dtype=q.dtype)) @ k.swapaxes(-1, -2)
    scores[..., ~np.tri(length, dtype=bool)] = -np.inf
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)
    return scores @ v, scores


def causal_attention_backward(grad, q, k, v, probabilities):
    """dV = P^T G;  dP = G V^T;  dS = P (dP - rowsum(dP P));  dQ = dS K / sqrt(d);  dK = dS^T Q / sqrt(d)."""
    scale = np.asarray(1.0 / math.sqrt(q.shape[-1]), dtype=q.dtype)
    grad_v = probabilities.swapaxes(-1, -2) @ grad
    grad_p = grad @ v.swapaxes(-1, -2)
    grad_p -= np.einsum("...ij,...ij->...i", grad_p, probabilities)[..., None]
    grad_p *= probabilities
    return (grad_p @ k) * scale, (grad_p.swapaxes(-1, -2) @ q) * scale, grad_v


def gelu(x):
    """x Phi(x), Phi(x) = (1 + erf(x / sqrt 2)) / 2; returns (y, Phi(x)) (kept for the backward)."""
    cdf = erf(x * _SQRT_HALF)
    cdf += 1.0
    cdf *= 0.5
    return x * cdf, cdf


def gelu_backward(grad, x, cdf):
    """d/dx x Phi(x) = Phi(x) + x phi(x), phi(x) = exp(-x^2/2) / sqrt(2 pi)."""
    density = np.exp(-0.5 * x * x)
    density *= x * _INV_SQRT_2PI
    density += cdf
    density *= grad
    return density


def cross_entropy(logits, targets):
    """Mean CE over rows and its gradient (softmax - onehot) / N."""
    rows = np.arange(len(targets))
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, targets]))
    grad = exp / total
    grad[rows, targets] -= 1.0
    grad *= 1.0 / len(targets)
    return loss, grad


# ----------------------------------------------------------------- the block
def gradients(params, idx, targets, heads):
    """(loss, {name: gradient}) for token ids ``idx`` (B, T) and next-token ``targets`` (B, T)."""
    p = params
    batch, length = idx.shape
    embed = p["wte.weight"].shape[1]
    head_dim = embed // heads
    x0 = p["wte.weight"][idx] + p["wpe.weight"][:length]
    h1, ln1 = layer_norm(x0, p["ln1.weight"], p["ln1.bias"])
    qkv = linear(h1, p["qkv.weight"], p["qkv.bias"])

    def split(part):  # (B, T, E) slice -> (B, H, T, d)
        return part.reshape(batch, length, heads, head_dim).transpose(0, 2, 1, 3)

    q, k, v = (split(qkv[..., i * embed:(i + 1) * embed]) for i in range(3))
    attended, probabilities = causal_attention(q, k, v)
    y = attended.transpose(0, 2, 1, 3).reshape(batch, length, embed)
    x1 = x0 + linear(y, p["proj.weight"], p["proj.bias"])
    h2, ln2 = layer_norm(x1, p["ln2.weight"], p["ln2.bias"])
    f = linear(h2, p["fc.weight"], p["fc.bias"])
    g, cdf = gelu(f)
    x2 = x1 + linear(g, p["fc2.weight"], p["fc2.bias"])
    hf, lnf = layer_norm(x2, p["ln_f.weight"], p["ln_f.bias"])
    logits = linear(hf, p["head.weight"], p["head.bias"])
    loss, grad_logits = cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))

    grads = {}
    d_hf, grads["head.weight"], grads["head.bias"] = linear_backward(grad_logits.reshape(logits.shape), hf,
                                                                     p["head.weight"])
    d_x2, grads["ln_f.weight"], grads["ln_f.bias"] = layer_norm_backward(d_hf, p["ln_f.weight"], lnf)
    d_g, grads["fc2.weight"], grads["fc2.bias"] = linear_backward(d_x2, g, p["fc2.weight"])   # x2 = x1 + mlp
    d_h2, grads["fc.weight"], grads["fc.bias"] = linear_backward(gelu_backward(d_g, f, cdf), h2, p["fc.weight"])
    d_x1, grads["ln2.weight"], grads["ln2.bias"] = layer_norm_backward(d_h2, p["ln2.weight"], ln2)
    d_x1 += d_x2                                                                               # the residual
    d_y, grads["proj.weight"], grads["proj.bias"] = linear_backward(d_x1, y, p["proj.weight"])
    d_attended = d_y.reshape(batch, length, heads, head_dim).transpose(0, 2, 1, 3)
    d_q, d_k, d_v = causal_attention_backward(d_attended, q, k, v, probabilities)
    d_qkv = np.concatenate([d.transpose(0, 2, 1, 3).reshape(batch, length, embed) for d in (d_q, d_k, d_v)], axis=-1)
    d_h1, grads["qkv.weight"], grads["qkv.bias"] = linear_backward(d_qkv, h1, p["qkv.weight"])
    d_x0, grads["ln1.weight"], grads["ln1.bias"] = layer_norm_backward(d_h1, p["ln1.weight"], ln1)
    d_x0 += d_x1                                                                               # the residual
    grads["wte.weight"] = np.zeros_like(p["wte.weight"])
    np.add.at(grads["wte.weight"], idx.reshape(-1), d_x0.reshape(-1, embed))                   # rows gathered by idx
    grads["wpe.weight"] = np.zeros_like(p["wpe.weight"])
    grads["wpe.weight"][:length] = d_x0.sum(axis=0)                                            # broadcast over batch
    return loss, grads


class AdamW:
    """PyTorch's AdamW: p *= 1 - lr wd;  m, v moving averages;
    p -= lr / (1 - b1^t) m / (sqrt(v) / sqrt(1 - b2^t) + eps)."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2):
        self.params = params
        self.lr, self.betas, self.eps, self.weight_decay = lr, betas, eps, weight_decay
        self.m = {name: np.zeros_like(value) for name, value in params.items()}
        self.v = {name: np.zeros_like(value) for name, value in params.items()}
        self.steps = 0

    def step(self, grads):
        self.steps += 1
        beta1, beta2 = self.betas
        step_size = self.lr / (1 - beta1 ** self.steps)
        root_correction = math.sqrt(1 - beta2 ** self.steps)
        for name, p in self.params.items():
            g, m, v = grads[name], self.m[name], self.v[name]
            p *= 1 - self.lr * self.weight_decay
            m *= beta1
            m += (1 - beta1) * g
            v *= beta2
            v += (1 - beta2) * (g * g)
            p -= step_size * (m / (np.sqrt(v) / root_correction + self.eps))


def train(params, batches, heads, lr):
    """AdamW steps on ``batches`` (a list of (idx, targets)); returns (losses, trained parameters)."""
    params = {name: value.copy() for name, value in params.items()}
    optimizer = AdamW(params, lr=lr)
    losses = []
    for idx, targets in batches:
        loss, grads = gradients(params, idx, targets, heads)
        optimizer.step(grads)
        losses.append(loss)
    return losses, params
