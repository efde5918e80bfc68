"""A character-level language model of Python source code, trained on Python's own standard library.

Every machine with Python has the text: the ``.py`` files next to ``os.py``. This script reads the
first of them in sorted order (600 kB by default), keeps printable ASCII and newlines, holds
out the last 10% for validation and trains two models to predict the next character:

1. **An MLP over a character embedding** (Bengio et al. 2003): the previous 8 characters ->
   ``Embedding`` -> concatenate -> ``Linear`` -> ``tanh`` -> ``Linear`` -> next-character logits.
2. **A small transformer** (GPT-style): token and position ``Embedding``, two pre-norm blocks of
   causal self-attention (``F.scaled_dot_product_attention``, 4 heads) and a ReLU MLP with
   ``LayerNorm`` and residual connections, over a context of 64 characters.

Both train with ``AdamW`` on cross-entropy; as they train the script prints the train and
validation loss (nats per character) and a sample of generated code (``mt.multinomial`` with a
seeded ``mt.Generator``), and at the end writes ``char_model.png``: both models' loss curves and
a sample of each model's code.

Run it from the repository root::

    python examples/char_model.py                    # 600 kB of text, 5 epochs, PNG into outputs/ (minutes)
    python examples/char_model.py --out docs         # refresh the documentation's picture
    python examples/char_model.py --epochs 1 --out /tmp/figs
    python examples/char_model.py --quick            # a few seconds: tiny text, few steps
"""
import glob
import math
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import (  # noqa: E402
    busy, ensure_microtensor_importable, make_parser, plural, progress, resolve_show, say, select_backend,
    write_figure,
)

ensure_microtensor_importable()

EPOCHS = 5
SEED = 0
TEXT_BYTES = 600_000
VALIDATION_FRACTION = 0.1
PROMPT = "def "

#: model and training sizes; ``--quick`` uses QUICK's instead
FULL = {
    "text_bytes": TEXT_BYTES, "mlp_context": 8, "mlp_embed": 16, "mlp_hidden": 256, "mlp_batch": 2048,
    "gpt_context": 64, "gpt_embed": 64, "gpt_heads": 4, "gpt_layers": 2, "gpt_batch": 32,
    "mlp_lr": 3e-3, "gpt_lr": 2e-3, "evaluations": 20, "eval_batches": 4, "sample_length": 240,
    "picture_sample_length": 900, "max_steps": None,
}
QUICK = dict(FULL, text_bytes=20_000, mlp_hidden=64, mlp_batch=64, gpt_context=16, gpt_embed=16, gpt_layers=1,
             gpt_batch=8, evaluations=2, eval_batches=1, sample_length=16, picture_sample_length=40,
             max_steps=20)


# ------------------------------------------------------------------ the text
def standard_library_files():
    """The top-level ``.py`` files of Python's standard library, sorted by name (the same on every run)."""
    return sorted(glob.glob(os.path.join(os.path.dirname(os.__file__), "*.py")))


def load_text(max_bytes=TEXT_BYTES):
    """Whole files in sorted order until ``max_bytes`` characters, printable ASCII and newlines only."""
    keep = {chr(code) for code in range(32, 127)} | {"\n"}
    pieces, total = [], 0
    for path in standard_library_files():
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = "".join(ch for ch in handle.read().replace("\t", "    ") if ch in keep)
        pieces.append(text[:max_bytes - total])
        total += len(pieces[-1])
        if total >= max_bytes:
            break
    return "".join(pieces)


class Vocabulary:
    """The characters of the text, each with an integer id (in sorted order)."""

    def __init__(self, text):
        self.chars = sorted(set(text))
        self.index = {ch: i for i, ch in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, text):
        return np.array([self.index[ch] for ch in text], dtype=np.int64)

    def decode(self, ids):
        return "".join(self.chars[int(i)] for i in ids)


# ------------------------------------------------------------------ the models
def build_mlp(vocab_size, context, embed, hidden):
    """Bengio et al. 2003: embed each of ``context`` characters, concatenate, one tanh hidden layer."""
    from microtensor import nn

    class BengioMLP(nn.Module):
        def __init__(self):
            super().__init__()
            self.context = context
            self.embedding = nn.Embedding(vocab_size, embed)
            self.hidden = nn.Linear(context * embed, hidden)
            self.out = nn.Linear(hidden, vocab_size)

        def forward(self, idx):                       # idx (B, context) -> logits (B, vocab)
            x = self.embedding(idx).flatten(1)        # (B, context * embed): the embeddings side by side
            return self.out(self.hidden(x).tanh())

    return BengioMLP()


def build_transformer(vocab_size, context, embed, heads, layers, init_std=0.02):
    """A GPT-style decoder: pre-norm blocks of causal self-attention and a 4x ReLU MLP (as in the
    "Let's build GPT" lecture; GELU's erf costs more than the rest of the MLP here)."""
    import microtensor as mt
    import microtensor.nn.functional as F
    from microtensor import nn

    class CausalSelfAttention(nn.Module):
        def __init__(self):
            super().__init__()
            self.qkv = nn.Linear(embed, 3 * embed)
            self.proj = nn.Linear(embed, embed)

        def forward(self, x):
            batch, length, _ = x.shape
            q, k, v = self.qkv(x).split(embed, dim=2)
            q, k, v = (t.view(batch, length, heads, embed // heads).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)   # (B, heads, T, head size)
            return self.proj(y.transpose(1, 2).reshape(batch, length, embed))

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.ln1, self.attn = nn.LayerNorm(embed), CausalSelfAttention()
            self.ln2 = nn.LayerNorm(embed)
            self.mlp = nn.Sequential(nn.Linear(embed, 4 * embed), nn.ReLU(), nn.Linear(4 * embed, embed))

        def forward(self, x):
            x = x + self.attn(self.ln1(x))
            return x + self.mlp(self.ln2(x))

    class TinyGPT(nn.Module):
        def __init__(self):
            super().__init__()
            self.context = context
            self.token = nn.Embedding(vocab_size, embed)
            self.position = nn.Embedding(context, embed)
            self.blocks = nn.ModuleList([Block() for _ in range(layers)])
            self.ln_f = nn.LayerNorm(embed)
            self.head = nn.Linear(embed, vocab_size)
            if init_std is not None:
                self.apply(self._init_weights)

        @staticmethod
        def _init_weights(module):  # GPT-2's: small normal weights, zero biases
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, mean=0.0, std=init_std)
                if getattr(module, "bias", None) is not None:
                    nn.init.zeros_(module.bias)

        def forward(self, idx):                       # idx (B, T) -> logits (B, T, vocab)
            x = self.token(idx) + self.position(mt.arange(idx.shape[1]))
            for block in self.blocks:
                x = block(x)
            return self.head(self.ln_f(x))

    return TinyGPT()


# ------------------------------------------------------------------ batches, loss, sampling
def windows(data, starts, length):
    """Rows ``data[s : s + length]`` for each start ``s`` (a (len(starts), length) array)."""
    return data[starts[:, None] + np.arange(length)]


def batch(kind, data, starts, context):
    """(inputs, targets): the MLP predicts the one character after its context, the transformer every next one."""
    import microtensor as mt

    rows = windows(data, starts, context + 1)
    if kind == "mlp":
        return mt.from_numpy(rows[:, :-1]), mt.from_numpy(rows[:, -1])
    return mt.from_numpy(rows[:, :-1]), mt.from_numpy(np.ascontiguousarray(rows[:, 1:]))


def loss_of(model, inputs, targets):
    import microtensor.nn.functional as F

    logits = model(inputs)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))


def evaluate(model, kind, data, starts_list, context):
    """Mean loss over fixed evaluation batches (the same every time, so the curve is smooth)."""
    import microtensor as mt

    model.eval()
    with mt.no_grad():
        losses = [loss_of(model, *batch(kind, data, starts, context)).item() for starts in starts_list]
    model.train()
    return float(np.mean(losses))


def generate(model, vocab, prompt, length, generator, temperature=0.8):
    """Continue ``prompt`` by ``length`` characters, each drawn with ``mt.multinomial`` from the model's
    softmax (divided by ``temperature``) given the last ``model.context`` characters. The prompt is
    padded on the left with newlines (the MLP always needs a full context)."""
    import microtensor as mt

    padding = model.context
    ids = list(vocab.encode("\n" * padding + prompt))
    model.eval()
    with mt.no_grad():
        for _ in range(length):
            logits = model(mt.tensor([ids[-model.context:]]))
            last = logits[0] if logits.ndim == 2 else logits[0, -1]
            probabilities = (last / temperature).softmax(-1)
            ids.append(int(mt.multinomial(probabilities, 1, generator=generator).item()))
    model.train()
    return vocab.decode(ids[padding:])


# ------------------------------------------------------------------ training
def train(kind, model, train_data, val_data, vocab, epochs, sizes, seed=SEED, verbose=True):
    """AdamW with a cosine learning-rate schedule; returns the history (steps, train and validation loss)."""
    import microtensor as mt

    context = model.context
    batch_size = sizes["mlp_batch"] if kind == "mlp" else sizes["gpt_batch"]
    tokens_per_step = batch_size * (1 if kind == "mlp" else context)
    steps = max(1, epochs * len(train_data) // tokens_per_step)
    if sizes["max_steps"]:
        steps = min(steps, sizes["max_steps"])
    learning_rate = sizes["mlp_lr"] if kind == "mlp" else sizes["gpt_lr"]
    optimizer = mt.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    scheduler = mt.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=1e-4)
    picker = mt.Generator().manual_seed(seed)           # which windows each step trains on
    sampler = mt.Generator().manual_seed(seed + 1)      # the generated samples

    def starts(data, count, generator):
        return mt.randint(0, len(data) - context - 1, (count,), generator=generator).numpy()

    evaluation = mt.Generator().manual_seed(seed + 2)
    eval_sets = {name: [starts(data, batch_size, evaluation) for _ in range(sizes["eval_batches"])]
                 for name, data in (("train", train_data), ("validation", val_data))}
    history = {"step": [], "train": [], "validation": [], "samples": [], "steps": steps,
               "epochs_per_step": tokens_per_step / len(train_data)}
    checkpoints = sorted(set(np.linspace(0, steps, sizes["evaluations"] + 1).astype(int).tolist()))
    sample_points = {checkpoints[len(checkpoints) // 2], steps}  # half way and at the end
    name = "MLP" if kind == "mlp" else "transformer"
    parameters = sum(p.numel() for p in model.parameters())
    if verbose:
        print(f"\n{name}: {parameters:,} parameters, {steps} steps of {batch_size} "
              f"{'contexts' if kind == 'mlp' else 'sequences'} of {context} characters ({plural(epochs, 'epoch')})")
    bar = progress(total=steps, desc=f"{name} training", unit="step", enabled=verbose)
    start = time.perf_counter()
    for step in range(steps + 1):
        if step in checkpoints:
            bar.set_postfix_str("evaluating")
            losses = {key: evaluate(model, kind, data, eval_sets[key], context)
                      for key, data in (("train", train_data), ("validation", val_data))}
            history["step"].append(step)
            history["train"].append(losses["train"])
            history["validation"].append(losses["validation"])
            if verbose:
                say(f"  step {step:>5}/{steps}  train {losses['train']:.3f}  validation {losses['validation']:.3f}"
                    f"  ({time.perf_counter() - start:.0f} s)")
            if step in sample_points:
                bar.set_postfix_str("sampling")
                sample = generate(model, vocab, PROMPT, sizes["sample_length"], sampler)
                history["samples"].append((step, sample))
                if verbose:
                    say("  sample: " + "\n  sample: ".join(sample.splitlines()))
        if step == steps:
            break
        loss = loss_of(model, *batch(kind, train_data, starts(train_data, batch_size, picker), context))
        optimizer.zero_grad()
        loss.backward()
        mt.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        bar.set_postfix_str(f"loss {loss.item():.3f}", refresh=False)
        bar.update()
    bar.close()
    history["seconds"] = time.perf_counter() - start
    history["parameters"] = parameters
    return history


def run(epochs=EPOCHS, quick=False, seed=SEED, verbose=True):
    """Load the text, train both models; returns {'mlp': history, 'transformer': history, ...}."""
    import microtensor as mt

    sizes = QUICK if quick else FULL
    text = load_text(sizes["text_bytes"])
    vocab = Vocabulary(text)
    data = vocab.encode(text)
    cut = int(len(data) * (1 - VALIDATION_FRACTION))
    train_data, val_data = data[:cut], data[cut:]
    if verbose:
        files = standard_library_files()
        print(f"text: {len(text):,} characters from the first of {len(files)} files in "
              f"{os.path.dirname(files[0])}; vocabulary {len(vocab)}; uniform guess = ln {len(vocab)} = "
              f"{math.log(len(vocab)):.3f} nats/char")
    mt.manual_seed(seed)
    mlp = build_mlp(len(vocab), sizes["mlp_context"], sizes["mlp_embed"], sizes["mlp_hidden"])
    mt.manual_seed(seed)
    gpt = build_transformer(len(vocab), sizes["gpt_context"], sizes["gpt_embed"], sizes["gpt_heads"],
                            sizes["gpt_layers"])
    results = {"vocab": vocab, "characters": len(text), "epochs": epochs}
    for kind, model in (("mlp", mlp), ("transformer", gpt)):
        results[kind] = train(kind, model, train_data, val_data, vocab, epochs, sizes, seed, verbose)
        results[kind + "_model"] = model
        with busy(f"{kind}: sampling {sizes['picture_sample_length']} characters for the picture", enabled=verbose):
            results[kind]["picture_sample"] = generate(model, vocab, PROMPT, sizes["picture_sample_length"],
                                                       mt.Generator().manual_seed(seed + 3))
    return results


# ------------------------------------------------------------------ the picture
def draw_figure(results, path):
    """Both models' loss curves (left) and a sample of each model's code (right)."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=(16, 8), layout="constrained")
    grid = fig.add_gridspec(2, 2, width_ratios=[1.0, 1.15])
    curves = fig.add_subplot(grid[:, 0])
    colors = {"mlp": "tab:blue", "transformer": "tab:orange"}
    names = {"mlp": "MLP over an embedding (Bengio et al. 2003)", "transformer": "transformer"}
    for kind in ("mlp", "transformer"):
        history = results[kind]
        epochs = np.array(history["step"]) * history["epochs_per_step"]
        curves.plot(epochs, history["train"], "--", color=colors[kind], label=f"{names[kind]}: train")
        curves.plot(epochs, history["validation"], "-", color=colors[kind], linewidth=2,
                    label=f"{names[kind]}: validation ({history['validation'][-1]:.3f})")
    vocab_size = len(results["vocab"])
    lowest = min(min(results[kind]["train"] + results[kind]["validation"]) for kind in ("mlp", "transformer"))
    top = min(math.log(vocab_size) + 0.1, max(3.0, lowest + 1.0))  # the first drop, from ln V, may run off the top
    curves.set_ylim(lowest - 0.1, top)
    curves.set_xlabel("epochs")
    curves.set_ylabel("cross-entropy (nats per character)")
    curves.set_title(f"next-character loss on {results['characters']:,} characters of Python's standard library\n"
                     f"(both start near ln {vocab_size} = {math.log(vocab_size):.2f}, a uniform guess)")
    curves.grid(alpha=0.3)
    curves.legend(loc="upper right")
    for row, kind in enumerate(("mlp", "transformer")):
        panel = fig.add_subplot(grid[row, 1])
        panel.set_axis_off()
        lines = results[kind]["picture_sample"].splitlines()[:18]
        panel.text(0.0, 1.0, "\n".join(line[:96] for line in lines), family="monospace", fontsize=8.5,
                   va="top", ha="left", transform=panel.transAxes)
        panel.set_title(f"{names[kind]}: generated after training (prompt {PROMPT!r}, temperature 0.8)",
                        fontsize=10, color=colors[kind], loc="left")
    fig.savefig(path, dpi=100)
    return fig


def main(argv=None):
    parser = make_parser(__doc__.split("\n")[0], EPOCHS)
    parser.add_argument("--quick", action="store_true", help="tiny text and models: a smoke run in seconds")
    args = parser.parse_args(argv)
    print(f"A character-level language model of Python's standard library: an MLP and a small transformer, "
          f"{plural(args.epochs, 'epoch')} each{' (quick run)' if args.quick else ''}", flush=True)
    args.show = resolve_show(args.show)
    select_backend(args.show)

    results = run(args.epochs, quick=args.quick)
    for kind in ("mlp", "transformer"):
        history = results[kind]
        print(f"{kind}: train {history['train'][-1]:.3f}, validation {history['validation'][-1]:.3f} nats/char "
              f"after {history['steps']} steps ({history['seconds']:.1f} s)")
    write_figure(lambda path: draw_figure(results, path), args.out, "char_model.png", args.show)
    return results


if __name__ == "__main__":
    main()
