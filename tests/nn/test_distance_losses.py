"""The distance, margin and likelihood losses (CosineEmbeddingLoss, MarginRankingLoss, TripletMarginLoss,
HingeEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss, PoissonNLLLoss, GaussianNLLLoss) and
F.pairwise_distance: values against numpy formulas written here, gradients by central differences."""
import math

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn

rng = np.random.default_rng(0)
A, B, C = (rng.standard_normal((4, 3)) for _ in range(3))
SIGNS = np.array([1.0, -1.0, 1.0, -1.0])


def _distance(x, y, p=2.0, eps=1e-6):
    return (np.abs(x - y + eps) ** p).sum(-1) ** (1 / p)


def _softplus(x):
    return np.logaddexp(0, x)


CASES = [
    ("cosine_embedding", lambda a, b: F.cosine_embedding_loss(a, b, mt.tensor(SIGNS), margin=0.1, reduction="none"),
     lambda a, b: np.where(SIGNS == 1, 1 - (a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12)),
                           np.maximum((a * b).sum(-1) / np.sqrt(((a * a).sum(-1) + 1e-12) * ((b * b).sum(-1) + 1e-12)) - 0.1, 0))),
    ("margin_ranking", lambda a, b: F.margin_ranking_loss(a[:, 0], b[:, 0], mt.tensor(SIGNS), margin=0.3, reduction="none"),
     lambda a, b: np.maximum(-SIGNS * (a[:, 0] - b[:, 0]) + 0.3, 0)),
    ("triplet", lambda a, b: F.triplet_margin_loss(a, b, mt.tensor(C), margin=1.5, reduction="none"),
     lambda a, b: np.maximum(_distance(a, b) - _distance(a, C) + 1.5, 0)),
    ("triplet_p1_swap", lambda a, b: F.triplet_margin_loss(a, b, mt.tensor(C), margin=2.0, p=1, swap=True, reduction="none"),
     lambda a, b: np.maximum(_distance(a, b, 1) - np.minimum(_distance(a, C, 1), _distance(b, C, 1)) + 2.0, 0)),
    ("hinge_embedding", lambda a, b: F.hinge_embedding_loss(a[:, 0], mt.tensor(SIGNS), margin=0.7, reduction="none"),
     lambda a, b: np.where(SIGNS == 1, a[:, 0], np.maximum(0.7 - a[:, 0], 0))),
    ("soft_margin", lambda a, b: F.soft_margin_loss(a, mt.tensor(np.sign(C)), reduction="none"),
     lambda a, b: np.log1p(np.exp(-np.sign(C) * a))),
    ("multilabel_soft_margin", lambda a, b: F.multilabel_soft_margin_loss(a, mt.tensor((C > 0) * 1.0), reduction="none"),
     lambda a, b: ((C > 0) * _softplus(-a) + (C <= 0) * _softplus(a)).mean(-1)),
    ("poisson", lambda a, b: F.poisson_nll_loss(a, mt.tensor(np.abs(np.round(C * 3))), reduction="none"),
     lambda a, b: np.exp(a) - np.abs(np.round(C * 3)) * a),
    ("gaussian", lambda a, b: F.gaussian_nll_loss(a, mt.tensor(C), b * b + 0.1, reduction="none"),
     lambda a, b: 0.5 * (np.log(b * b + 0.1) + (a - C) ** 2 / (b * b + 0.1))),
    ("pairwise_distance_p3", lambda a, b: F.pairwise_distance(a, b, p=3), lambda a, b: _distance(a, b, 3)),
]


@pytest.mark.parametrize("name, loss, reference", CASES, ids=[case[0] for case in CASES])
def test_loss_matches_numpy_and_gradchecks(name, loss, reference):
    out = loss(mt.tensor(A), mt.tensor(B))
    np.testing.assert_allclose(out.numpy(), reference(A, B), rtol=1e-10, atol=1e-12)
    assert mt.autograd.gradcheck(loss, (mt.tensor(A, requires_grad=True), mt.tensor(B, requires_grad=True)))


def test_full_forms_reductions_and_variance_shapes():
    counts = np.array([0.0, 1.0, 2.0, 5.0])
    rates = np.array([0.5, 1.0, 2.0, 3.0])
    stirling = np.where(counts > 1, counts * np.log(np.maximum(counts, 1)) - counts
                        + 0.5 * np.log(2 * math.pi * np.maximum(counts, 1)), 0)
    out = F.poisson_nll_loss(mt.tensor(rates), mt.tensor(counts), log_input=False, full=True, reduction="sum")
    np.testing.assert_allclose(out.item(), (rates - counts * np.log(rates + 1e-8) + stirling).sum(), rtol=1e-12)
    var = np.array([0.5, 2.0, 1.0, 4.0])  # one variance per sample, for 2 features each
    out = nn.GaussianNLLLoss(full=True)(mt.tensor(A[:, :2]), mt.tensor(B[:, :2]), mt.tensor(var))
    want = 0.5 * (np.log(var)[:, None] + (A[:, :2] - B[:, :2]) ** 2 / var[:, None]) + 0.5 * math.log(2 * math.pi)
    np.testing.assert_allclose(out.item(), want.mean(), rtol=1e-12)
    tiny = mt.tensor(np.array([1e-9, 1.0]), requires_grad=True)  # clamped at eps, the gradient still reaches it
    F.gaussian_nll_loss(mt.zeros(2, dtype=mt.float64), mt.ones(2, dtype=mt.float64), tiny, reduction="sum").backward()
    np.testing.assert_allclose(tiny.grad.numpy(), [0.5 / 1e-6 - 0.5 / 1e-12, 0.0], rtol=1e-9)
    assert nn.TripletMarginLoss()(mt.tensor(A), mt.tensor(B), mt.tensor(C)).shape == ()


def test_errors_and_reprs():
    with pytest.raises(ValueError, match="margin to be greater than 0"):
        nn.TripletMarginLoss(margin=0)
    with pytest.raises(ValueError, match="var has negative"):
        F.gaussian_nll_loss(mt.zeros(2), mt.zeros(2), mt.tensor([-1.0, 1.0]))
    with pytest.raises(RuntimeError, match="same dimension"):
        nn.MarginRankingLoss()(mt.zeros(3), mt.zeros(3), mt.zeros(3, 1))
    assert repr(nn.CosineSimilarity()) == "CosineSimilarity()" and repr(nn.TripletMarginLoss()) == "TripletMarginLoss()"
    np.testing.assert_allclose(nn.PairwiseDistance(p=1, keepdim=True)(mt.tensor(A), mt.tensor(B)).numpy(),
                               _distance(A, B, 1)[:, None], rtol=1e-12)
