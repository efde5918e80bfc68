"""``gpt_block``: one training step of a small GPT-style block, float32.

Token + position embedding (64), one pre-norm block (LayerNorm, causal self-attention with 4
heads through ``F.scaled_dot_product_attention``, LayerNorm, MLP 4x with exact GELU, residuals),
a final LayerNorm and a linear head over a 65-symbol vocabulary; context 32, batch 32,
cross-entropy on the next token and ``AdamW(lr=1e-3)``. The frameworks run the same
PyTorch-style module; numpy runs ``numpy_gpt.py``'s hand-written forward and backward. All
start from the same weights and see the same batches. Timed: ``STEPS`` steps (forward,
backward, update) per run; quality: the last loss and, for the frameworks, the largest
weight difference from numpy after training.
"""
import numpy as np

from . import numpy_gpt as ref
from ._core import FRAMEWORKS, Case, framework, to_numpy

NAME = "gpt_block"
DESCRIPTION = "GPT block: emb 64, 4 heads, ctx 32, batch 32, MLP 4x GELU, AdamW, float32; one step"
VOCAB, CONTEXT, EMBED, HEADS, BATCH = 65, 32, 64, 4, 32
LR = 1e-3
STEPS = 10


def data(steps, seed=0):
    """(initial parameters, [(idx, targets)] * steps): random tokens, targets shifted by one."""
    rng = np.random.default_rng(seed)
    params = ref.init_parameters(rng, VOCAB, CONTEXT, EMBED)
    batches = []
    for _ in range(steps):
        tokens = rng.integers(0, VOCAB, size=(BATCH, CONTEXT + 1))
        batches.append((np.ascontiguousarray(tokens[:, :-1]), np.ascontiguousarray(tokens[:, 1:])))
    return params, batches


def build_model(lib):
    """The block as a PyTorch user writes it, for ``lib`` = microtensor or torch."""
    nn, F = lib.nn, lib.nn.functional

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.wte = nn.Embedding(VOCAB, EMBED)
            self.wpe = nn.Embedding(CONTEXT, EMBED)
            self.ln1 = nn.LayerNorm(EMBED)
            self.qkv = nn.Linear(EMBED, 3 * EMBED)
            self.proj = nn.Linear(EMBED, EMBED)
            self.ln2 = nn.LayerNorm(EMBED)
            self.fc = nn.Linear(EMBED, 4 * EMBED)
            self.fc2 = nn.Linear(4 * EMBED, EMBED)
            self.ln_f = nn.LayerNorm(EMBED)
            self.head = nn.Linear(EMBED, VOCAB)

        def forward(self, idx, targets):
            batch, length = idx.shape
            x = self.wte(idx) + self.wpe(lib.arange(length))
            q, k, v = self.qkv(self.ln1(x)).split(EMBED, dim=2)
            q, k, v = (t.view(batch, length, HEADS, EMBED // HEADS).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(y.transpose(1, 2).reshape(batch, length, EMBED))
            x = x + self.fc2(F.gelu(self.fc(self.ln2(x))))
            logits = self.head(self.ln_f(x))
            return F.cross_entropy(logits.view(-1, VOCAB), targets.view(-1))

    return Block()


def train_framework(lib, params, batches):
    model = build_model(lib)
    model.load_state_dict({name: lib.from_numpy(value.copy()) for name, value in params.items()})
    optimizer = lib.optim.AdamW(model.parameters(), lr=LR)
    batches = [(lib.from_numpy(idx), lib.from_numpy(targets)) for idx, targets in batches]
    losses = []
    for idx, targets in batches:
        loss = model(idx, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, {name: to_numpy(value) for name, value in model.state_dict().items()}


def cases(config, backends):
    steps = 2 if config.quick else STEPS
    params, batches = data(steps, config.seed)
    unit = f"{steps} steps"
    result = []
    if "numpy" in backends:
        result.append(Case(NAME, "train step", "numpy", lambda: ref.train(params, batches, HEADS, LR),
                           per=steps, unit="step"))
    for backend in FRAMEWORKS:
        if backend in backends:
            lib = framework(backend)
            result.append(Case(NAME, "train step", backend,
                               lambda lib=lib: train_framework(lib, params, batches), per=steps, unit="step",
                               note=unit + " per run"))
    return result


def quality(results, config):
    reference = results.get(("train step", "numpy"))
    text = {}
    for (case, backend), (losses, params) in results.items():
        line = f"loss {losses[0]:.3f} -> {losses[-1]:.3f}"
        if reference is not None and backend != "numpy":
            gap = max(float(np.max(np.abs(params[name] - reference[1][name]))) for name in reference[1])
            line += f"; max |W - W_numpy| {gap:.1e}"
        text[(case, backend)] = line
    return text


def gradient_error(backend, seed=0, batch=BATCH):
    """Largest relative difference between ``backend``'s first-step gradients and numpy's (float32),
    on the first ``batch`` sequences of the first batch."""
    lib = framework(backend)
    params, batches = data(1, seed)
    idx, targets = (np.ascontiguousarray(a[:batch]) for a in batches[0])
    loss_numpy, grads_numpy = ref.gradients(params, idx, targets, HEADS)
    model = build_model(lib)
    model.load_state_dict({name: lib.from_numpy(value.copy()) for name, value in params.items()})
    loss = model(lib.from_numpy(idx), lib.from_numpy(targets))
    loss.backward()
    worst = abs(loss.item() - loss_numpy) / abs(loss_numpy)
    for name, parameter in model.named_parameters():
        expected = grads_numpy[name]
        scale = np.max(np.abs(expected)) + 1e-12
        worst = max(worst, float(np.max(np.abs(to_numpy(parameter.grad) - expected)) / scale))
    return worst
