"""Programs written the way PyTorch lessons write them, run with ``import microtensor as torch``.

Each program uses only PyTorch's spelling (nothing microtensor-specific), as a learner's
notebook would, and each ends with a check that does not trust microtensor: a value
recomputed with numpy, or a loss that must fall. Together they cover the toolbox that
real lessons reach for: counting models sampled with ``multinomial`` and a seeded
``Generator``, one-hot inputs, embeddings looked up by index tensors, hand-written
batch normalisation, a small GPT with masked attention, ``DataLoader`` loops, an LSTM
tagger, a character RNN classified with ``topk`` and a CNN.
"""
import numpy as np

import microtensor as torch
import microtensor.nn as nn
import microtensor.nn.functional as F

WORDS = ["emma", "olivia", "ava", "isabella", "sophia", "mia", "amelia", "harper", "evelyn", "abigail",
         "emily", "ella", "elizabeth", "camila", "luna", "sofia", "avery", "mila", "aria", "scarlett"]
CHARS = sorted(set("".join(WORDS)))
STOI = {ch: i + 1 for i, ch in enumerate(CHARS)}
STOI["."] = 0
ITOS = {i: ch for ch, i in STOI.items()}
V = len(STOI)


def bigram_pairs():
    xs, ys = [], []
    for word in WORDS:
        chars = ["."] + list(word) + ["."]
        for a, b in zip(chars, chars[1:]):
            xs.append(STOI[a])
            ys.append(STOI[b])
    return xs, ys


def test_counting_bigram_model_samples_from_the_normalised_counts():
    N = torch.zeros((V, V), dtype=torch.int32)
    xs, ys = bigram_pairs()
    for a, b in zip(xs, ys):
        N[a, b] += 1
    P = (N + 1).float()
    P /= P.sum(1, keepdim=True)

    counts = np.ones((V, V))
    np.add.at(counts, (xs, ys), 1)
    np.testing.assert_allclose(P.numpy(), counts / counts.sum(1, keepdims=True), rtol=1e-6)

    g = torch.Generator().manual_seed(2147483647)
    names = []
    for _ in range(5):
        out, ix = [], 0
        while True:
            ix = torch.multinomial(P[ix], num_samples=1, replacement=True, generator=g).item()
            if ix == 0:
                break
            out.append(ITOS[ix])
        names.append("".join(out))
    g = torch.Generator().manual_seed(2147483647)
    again = [torch.multinomial(P[0], num_samples=1, replacement=True, generator=g).item()]
    assert again[0] == STOI[names[0][0]] if names[0] else again[0] == 0

    log_likelihood = sum(P[a, b].log() for a, b in zip(xs, ys))
    nll = -log_likelihood / len(xs)
    expected = -np.mean(np.log((counts / counts.sum(1, keepdims=True))[xs, ys]))
    assert abs(nll.item() - expected) < 1e-5


def test_neural_bigram_with_one_hot_and_p_data_updates_matches_numpy():
    xs, ys = bigram_pairs()
    xs, ys = torch.tensor(xs), torch.tensor(ys)
    num = xs.nelement()
    g = torch.Generator().manual_seed(2147483647)
    W = torch.randn((V, V), generator=g, requires_grad=True)
    W0 = W.detach().numpy().copy()
    losses = []
    for _ in range(20):
        xenc = F.one_hot(xs, num_classes=V).float()
        logits = xenc @ W
        counts = logits.exp()
        probs = counts / counts.sum(1, keepdims=True)
        loss = -probs[torch.arange(num), ys].log().mean() + 0.01 * (W ** 2).mean()
        losses.append(loss.item())
        W.grad = None
        loss.backward()
        W.data += -10 * W.grad

    w = W0.astype(np.float64)
    x, y = xs.numpy(), ys.numpy()
    for _ in range(20):
        logits = w[x]
        p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
        grad_logits = p.copy()
        grad_logits[np.arange(num), y] -= 1
        grad = np.zeros_like(w)
        np.add.at(grad, x, grad_logits / num)
        w -= 10 * (grad + 0.02 * w / w.size)
    assert losses[-1] < losses[0]
    np.testing.assert_allclose(W.detach().numpy(), w, atol=2e-4)


def build_dataset(words, block_size=3):
    X, Y = [], []
    for word in words:
        context = [0] * block_size
        for ch in word + ".":
            ix = STOI[ch]
            X.append(context)
            Y.append(ix)
            context = context[1:] + [ix]
    return torch.tensor(X), torch.tensor(Y)


def test_mlp_language_model_with_embedding_table_and_manual_batch_norm_learns():
    Xtr, Ytr = build_dataset(WORDS)
    g = torch.Generator().manual_seed(2147483647)
    n_embd, n_hidden = 10, 64
    C = torch.randn((V, n_embd), generator=g)
    W1 = torch.randn((3 * n_embd, n_hidden), generator=g) * (5 / 3) / (3 * n_embd) ** 0.5
    W2 = torch.randn((n_hidden, V), generator=g) * 0.01
    b2 = torch.randn(V, generator=g) * 0
    bngain, bnbias = torch.ones((1, n_hidden)), torch.zeros((1, n_hidden))
    bnmean_running, bnstd_running = torch.zeros((1, n_hidden)), torch.ones((1, n_hidden))
    parameters = [C, W1, W2, b2, bngain, bnbias]
    assert sum(p.nelement() for p in parameters) == V * n_embd + 3 * n_embd * n_hidden + n_hidden * V + V + 2 * n_hidden
    for p in parameters:
        p.requires_grad = True

    losses = []
    for i in range(150):
        ix = torch.randint(0, Xtr.shape[0], (32,), generator=g)
        Xb, Yb = Xtr[ix], Ytr[ix]
        emb = C[Xb]
        embcat = emb.view(emb.shape[0], -1)
        hpreact = embcat @ W1
        bnmeani = hpreact.mean(0, keepdim=True)
        bnstdi = hpreact.std(0, keepdim=True)
        hpreact = bngain * (hpreact - bnmeani) / bnstdi + bnbias
        with torch.no_grad():
            bnmean_running = 0.999 * bnmean_running + 0.001 * bnmeani
            bnstd_running = 0.999 * bnstd_running + 0.001 * bnstdi
        h = torch.tanh(hpreact)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, Yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        lr = 0.1 if i < 100 else 0.01
        for p in parameters:
            p.data += -lr * p.grad
        losses.append(loss.log10().item())

    @torch.no_grad()
    def split_loss():
        emb = C[Xtr]
        hpreact = emb.view(emb.shape[0], -1) @ W1
        hpreact = bngain * (hpreact - bnmean_running) / bnstd_running + bnbias
        return F.cross_entropy(torch.tanh(hpreact) @ W2 + b2, Ytr).item()

    assert np.mean(losses[-20:]) < np.mean(losses[:20])
    assert split_loss() < np.log(V)
    assert not bnmean_running.requires_grad


class Head(nn.Module):
    def __init__(self, n_embd, head_size, block_size):
        super().__init__()
        self.key = nn.Linear(n_embd, head_size, bias=False)
        self.query = nn.Linear(n_embd, head_size, bias=False)
        self.value = nn.Linear(n_embd, head_size, bias=False)
        self.register_buffer("tril", torch.tril(torch.ones(block_size, block_size)))
        self.dropout = nn.Dropout(0.1)

    def forward(self, x):
        B, T, C = x.shape
        k, q = self.key(x), self.query(x)
        wei = q @ k.transpose(-2, -1) * k.shape[-1] ** -0.5
        wei = wei.masked_fill(self.tril[:T, :T] == 0, float("-inf"))
        wei = F.softmax(wei, dim=-1)
        wei = self.dropout(wei)
        return wei @ self.value(x)


class Block(nn.Module):
    def __init__(self, n_embd, n_head, block_size):
        super().__init__()
        self.heads = nn.ModuleList([Head(n_embd, n_embd // n_head, block_size) for _ in range(n_head)])
        self.proj = nn.Linear(n_embd, n_embd)
        self.ffwd = nn.Sequential(nn.Linear(n_embd, 4 * n_embd), nn.ReLU(), nn.Linear(4 * n_embd, n_embd))
        self.ln1, self.ln2 = nn.LayerNorm(n_embd), nn.LayerNorm(n_embd)

    def forward(self, x):
        x = x + self.proj(torch.cat([h(self.ln1(x)) for h in self.heads], dim=-1))
        return x + self.ffwd(self.ln2(x))


class TinyGPT(nn.Module):
    def __init__(self, vocab_size, n_embd=16, n_head=2, block_size=8):
        super().__init__()
        self.block_size = block_size
        self.token_embedding_table = nn.Embedding(vocab_size, n_embd)
        self.position_embedding_table = nn.Embedding(block_size, n_embd)
        self.blocks = nn.Sequential(Block(n_embd, n_head, block_size))
        self.ln_f = nn.LayerNorm(n_embd)
        self.lm_head = nn.Linear(n_embd, vocab_size)

    def forward(self, idx, targets=None):
        B, T = idx.shape
        x = self.token_embedding_table(idx) + self.position_embedding_table(torch.arange(T))
        logits = self.lm_head(self.ln_f(self.blocks(x)))
        if targets is None:
            return logits, None
        B, T, C = logits.shape
        return logits, F.cross_entropy(logits.view(B * T, C), targets.view(B * T))

    def generate(self, idx, max_new_tokens):
        for _ in range(max_new_tokens):
            logits, _ = self(idx[:, -self.block_size:])
            probs = F.softmax(logits[:, -1, :], dim=-1)
            idx = torch.cat((idx, torch.multinomial(probs, num_samples=1)), dim=1)
        return idx


def test_small_gpt_trains_and_generates():
    torch.manual_seed(1337)
    text = " ".join(WORDS) * 4
    data = torch.tensor([STOI.get(ch, 0) for ch in text], dtype=torch.long)
    model = TinyGPT(V)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)

    def get_batch():
        ix = torch.randint(len(data) - 8, (8,))
        x = torch.stack([data[i:i + 8] for i in ix])
        y = torch.stack([data[i + 1:i + 9] for i in ix])
        return x, y

    @torch.no_grad()
    def estimate_loss():
        model.eval()
        x, y = get_batch()
        _, loss = model(x, y)
        model.train()
        return loss.item()

    first = estimate_loss()
    for _ in range(60):
        xb, yb = get_batch()
        logits, loss = model(xb, yb)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    assert estimate_loss() < first
    buffers = dict(model.named_buffers())
    assert buffers["blocks.0.heads.0.tril"].shape == (8, 8)
    assert "blocks.0.heads.0.tril" in model.state_dict()
    assert "blocks.0.heads.0.tril" not in dict(model.named_parameters())
    out = model.generate(torch.zeros((1, 1), dtype=torch.long), max_new_tokens=12)
    assert out.shape == (1, 13) and out.dtype == torch.int64
    assert 0 <= out.min().item() and out.max().item() < V


def test_quickstart_loop_with_dataloader_and_accuracy_count():
    from sklearn.datasets import load_digits

    from microtensor.utils.data import DataLoader, TensorDataset

    torch.manual_seed(0)
    digits = load_digits()
    X = torch.tensor(digits.images[:600] / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target[:600])
    loader = DataLoader(TensorDataset(X[:500], y[:500]), batch_size=50, shuffle=True)
    test_loader = DataLoader(TensorDataset(X[500:], y[500:]), batch_size=50)
    model = nn.Sequential(nn.Flatten(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10))
    loss_fn = nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    for _ in range(8):
        model.train()
        for batch, (xb, yb) in enumerate(loader):
            loss = loss_fn(model(xb), yb)
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in test_loader:
            correct += (model(xb).argmax(1) == yb).type(torch.float).sum().item()
    assert correct / 100 > 0.8


def test_lstm_part_of_speech_tagger_learns_its_training_sentences():
    torch.manual_seed(1)
    training_data = [
        ("the dog ate the apple".split(), ["DET", "NN", "V", "DET", "NN"]),
        ("everybody read that book".split(), ["NN", "V", "DET", "NN"]),
    ]
    word_to_ix = {}
    for sentence, _ in training_data:
        for word in sentence:
            word_to_ix.setdefault(word, len(word_to_ix))
    tag_to_ix = {"DET": 0, "NN": 1, "V": 2}

    class LSTMTagger(nn.Module):
        def __init__(self):
            super().__init__()
            self.word_embeddings = nn.Embedding(len(word_to_ix), 6)
            self.lstm = nn.LSTM(6, 6)
            self.hidden2tag = nn.Linear(6, len(tag_to_ix))

        def forward(self, sentence):
            embeds = self.word_embeddings(sentence)
            lstm_out, _ = self.lstm(embeds.view(len(sentence), 1, -1))
            return F.log_softmax(self.hidden2tag(lstm_out.view(len(sentence), -1)), dim=1)

    def prepare_sequence(seq, to_ix):
        return torch.tensor([to_ix[w] for w in seq], dtype=torch.long)

    model = LSTMTagger()
    loss_function = nn.NLLLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(150):
        for sentence, tags in training_data:
            model.zero_grad()
            loss = loss_function(model(prepare_sequence(sentence, word_to_ix)), prepare_sequence(tags, tag_to_ix))
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        for sentence, tags in training_data:
            predicted = model(prepare_sequence(sentence, word_to_ix)).argmax(1).tolist()
            assert predicted == [tag_to_ix[t] for t in tags]


def test_char_rnn_name_classifier_reads_its_guess_with_topk():
    torch.manual_seed(0)
    letters = "abcdefghijklmnopqrstuvwxyz"
    categories = {"short": ["ava", "mia", "ella", "luna"], "long": ["isabella", "elizabeth", "scarlett", "abigail"]}
    names = list(categories)

    def line_to_tensor(line):
        tensor = torch.zeros(len(line), 1, len(letters))
        for li, letter in enumerate(line):
            tensor[li][0][letters.find(letter)] = 1
        return tensor

    class RNN(nn.Module):
        def __init__(self, input_size, hidden_size, output_size):
            super().__init__()
            self.rnn = nn.RNN(input_size, hidden_size)
            self.h2o = nn.Linear(hidden_size, output_size)
            self.softmax = nn.LogSoftmax(dim=1)

        def forward(self, line_tensor):
            rnn_out, hidden = self.rnn(line_tensor)
            return self.softmax(self.h2o(hidden[0]))

    rnn = RNN(len(letters), 16, len(names))
    optimizer = torch.optim.SGD(rnn.parameters(), lr=0.05)
    criterion = nn.NLLLoss()
    for _ in range(60):
        for label, words in categories.items():
            for word in words:
                output = rnn(line_to_tensor(word))
                loss = criterion(output, torch.tensor([names.index(label)], dtype=torch.long))
                optimizer.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(rnn.parameters(), 3)
                optimizer.step()
    right = 0
    for label, words in categories.items():
        for word in words:
            top_n, top_i = rnn(line_to_tensor(word)).topk(1)
            right += names[top_i[0].item()] == label
    assert right >= 7


def test_small_cnn_with_functional_pooling_and_step_lr_learns_digits():
    from sklearn.datasets import load_digits

    torch.manual_seed(0)
    digits = load_digits()
    X = torch.tensor(digits.images[:400, None] / 16.0, dtype=torch.float32)
    y = torch.tensor(digits.target[:400])

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, 1, padding=1)
            self.fc1 = nn.Linear(8 * 4 * 4, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.max_pool2d(x, 2)
            x = torch.flatten(x, 1)
            return F.log_softmax(self.fc1(x), dim=1)

    model = Net()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.8)
    for _ in range(6):
        for start in range(0, 400, 40):
            optimizer.zero_grad()
            loss = F.nll_loss(model(X[start:start + 40]), y[start:start + 40])
            loss.backward()
            optimizer.step()
        scheduler.step()
    with torch.no_grad():
        accuracy = (model(X).argmax(dim=1, keepdim=True).view_as(y) == y).float().mean().item()
    assert accuracy > 0.85
