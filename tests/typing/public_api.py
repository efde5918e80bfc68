"""microtensor used as a user would, for ``mypy --config-file mypy.ini`` (see .ci/run).

Not a test pytest runs: mypy checks that these calls type-check against microtensor's hints
and generated stubs. The annotated names pin the types a user relies on: ``x: Tensor = ...``
fails if a hint says the call gives something else. ``mistakes.py`` beside it holds calls
mypy must reject.
"""
from __future__ import annotations

from typing import List, Tuple

import numpy as np

import microtensor as mt
import microtensor.nn as nn
import microtensor.nn.functional as F
import microtensor.optim as optim
from microtensor import Tensor
from microtensor.utils.data import DataLoader, TensorDataset

# ------------------------------------------------------------------ creation
a: Tensor = mt.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
b: Tensor = mt.zeros(2, 2)
c: Tensor = mt.ones((2, 2), dtype=mt.float64)
d: Tensor = mt.randn(2, 2, generator=mt.Generator().manual_seed(0))
e: Tensor = mt.arange(0, 10, 2)
f: Tensor = mt.full((2, 3), 1.5)
g: Tensor = mt.from_numpy(np.zeros((2, 2), dtype=np.float32))
h: Tensor = mt.eye(3, dtype="float32")
z: Tensor = mt.zeros_like(a, device="cpu")
i: Tensor = mt.linspace(0.0, 1.0, 5)
r: Tensor = mt.randint(0, 10, (3,))
mt.manual_seed(0)

# -------------------------------------------------------------- ops, methods
s: Tensor = a + 1
s = 2 * a - a / 3.0
s = a @ a.T
s = -a ** 2
s = mt.add(a, b, alpha=2)
s = mt.add(b, c, out=mt.empty(2, 2, dtype=mt.float64))
s = mt.exp(a).sum(dim=0, keepdim=True)
s = a.mean((0, 1)).sqrt()
s = mt.where(a > 0, a, 0.0)
s = mt.cat([a, b], dim=1)
s = mt.stack((a, b)).reshape(-1)
s = a.view(4).unsqueeze(0).squeeze()
s = a.permute(1, 0).contiguous().flatten()
s = a.clamp(min=0.0).relu().softmax(dim=-1)
s = mt.maximum(a, b).to(mt.float64).float()
s = a[0, 1:]
s = a.masked_fill(a < 0, 0.0)
s = mt.matmul(a, b).t()
s = a.detach().clone()
parts: Tuple[Tensor, ...] = a.split(1, dim=0)
values, indices = a.sort(dim=1, descending=True)
largest: Tensor = a.max(dim=1).values
overall: Tensor = a.max()
positions: Tuple[Tensor, ...] = mt.where(a > 0)
running: Tensor = mt.cummax(a, 0).indices
top = mt.topk(a.flatten(), 2)
biggest: Tensor = top.values
close: bool = mt.allclose(a, a)
n: int = a.numel()
shape: Tuple[int, ...] = a.shape
rows: int = a.size(0)
value: float = float(a.sum().item())
listed: List[List[float]] = a.tolist()
array: np.ndarray = a.detach().numpy()
a.data.add_(1.0)
b.zero_()
b += 1
b[0] = 3.0

# ----------------------------------------------------------------- autograd
loss: Tensor = (a * a).sum()
loss.backward()
grad = a.grad
if grad is not None:
    step: Tensor = grad * 0.1
with mt.no_grad():
    a -= 0.1
handle = a.register_hook(lambda gradient: gradient * 2)
handle.remove()

# ---------------------------------------------------- nn, functional, optim
model = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 3))
linear = nn.Linear(2, 3, bias=False)
conv = nn.Conv2d(1, 4, kernel_size=3, padding=1)
norm = nn.LayerNorm(8)
logits: Tensor = linear(mt.randn(4, 2))
images: Tensor = conv(mt.randn(1, 1, 8, 8))
hidden: Tensor = F.relu(F.linear(mt.randn(4, 2), linear.weight))
probabilities: Tensor = F.softmax(logits, dim=-1)
targets = mt.tensor([0, 1, 2, 0])
criterion = nn.CrossEntropyLoss()
ce: Tensor = F.cross_entropy(logits, targets, label_smoothing=0.1)
pooled: Tensor = F.max_pool2d(images, 2)
pooled, where_max = F.max_pool2d(images, 2, return_indices=True)
norm2: Tensor = mt.linalg.vector_norm(a, ord=2, dim=1)
layer = mt.nn.Linear(3, 3)
lstm_out, (h_n, c_n) = nn.LSTM(3, 4).forward(mt.randn(5, 1, 3))
padded: Tensor = F.pad(images, (1, 1))
optimizer = optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.99))
sgd = optim.SGD(linear.parameters(), lr=0.1, momentum=0.9)
scheduler = optim.lr_scheduler.StepLR(sgd, step_size=10, gamma=0.5)
nn.init.kaiming_uniform_(linear.weight, a=0.5)
nn.init.zeros_(norm.bias)

# --------------------------------------------------------------------- data
dataset = TensorDataset(mt.randn(10, 2), mt.randint(0, 3, (10,)))
loader = DataLoader(dataset, batch_size=4, shuffle=True)
for features, labels in loader:
    optimizer.zero_grad()
    batch_loss: Tensor = criterion(model(features), labels)
    batch_loss.backward()
    optimizer.step()
scheduler.step()


def save_checkpoint(path: str) -> None:
    mt.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, path)
