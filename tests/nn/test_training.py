"""End to end: a small MLP learns make_moons with the PyTorch-style loop, and with plain SGD."""
import numpy as np
from sklearn.datasets import make_moons

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn


def moons():
    X, y = make_moons(n_samples=200, noise=0.1, random_state=0)
    return mt.tensor(X.astype(np.float32)), mt.tensor(y)


def accuracy(model, X, y):
    with mt.no_grad():
        return (model(X).argmax(dim=1) == y).float().mean().item()


def test_mlp_learns_moons_with_adam_and_cross_entropy():
    X, y = moons()
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
    optimizer = mt.optim.Adam(model.parameters(), lr=0.01)
    for _ in range(300):
        loss = F.cross_entropy(model(X), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert accuracy(model, X, y) >= 0.97
    assert loss.item() < 0.1


def test_mlp_learns_moons_with_manual_sgd_and_bce_with_logits():
    X, y = moons()
    target = y.float().reshape(-1, 1)
    mt.manual_seed(1)
    model = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    for _ in range(1500):
        loss = loss_fn(model(X), target)
        model.zero_grad()
        loss.backward()
        with mt.no_grad():
            for p in model.parameters():
                p -= 0.5 * p.grad
    with mt.no_grad():
        predicted = (model(X).reshape(-1) > 0).long()
    assert (predicted == y).float().mean().item() >= 0.97
