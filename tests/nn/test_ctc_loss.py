"""F.ctc_loss / nn.CTCLoss against a brute-force sum over every alignment (tiny T, C, S), float64
gradients against central differences, PyTorch's reductions, zero_infinity and errors."""
import itertools
import math

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import check_gradients


def brute_force_nll(log_probs, target, length, blank):
    """-log of the summed probability of every path of ``length`` steps that reads as ``target``."""
    total = 0.0
    for path in itertools.product(range(log_probs.shape[1]), repeat=length):
        labels = [label for label, _ in itertools.groupby(path) if label != blank]
        if labels == list(target):
            total += math.exp(sum(log_probs[t, label] for t, label in enumerate(path)))
    return -math.log(total) if total > 0 else math.inf


# targets with a repeat (needs a blank between), an empty target, an input shorter than T
TARGETS = [[1, 1], [2, 1], [], [2]]
INPUT_LENGTHS = [4, 4, 3, 2]


def batch(seed=0, steps=4, classes=3):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(steps, len(TARGETS), classes))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    padded = np.zeros((len(TARGETS), 2), dtype=np.int64)
    for n, target in enumerate(TARGETS):
        padded[n, :len(target)] = target
    return log_probs, padded, [len(target) for target in TARGETS]


@pytest.mark.parametrize("blank", [0, 2])
def test_losses_are_the_sum_over_all_alignments(blank):
    log_probs, padded, target_lengths = batch(blank)
    targets = [[{0: blank, blank: 0}.get(label, label) for label in target] for target in TARGETS]  # avoid blank
    padded = np.array([target + [0] * (2 - len(target)) for target in targets])
    expected = np.array([brute_force_nll(log_probs[:, n], targets[n], INPUT_LENGTHS[n], blank)
                         for n in range(len(targets))])
    lp = mt.tensor(log_probs)
    losses = F.ctc_loss(lp, mt.tensor(padded), mt.tensor(INPUT_LENGTHS), mt.tensor(target_lengths), blank=blank,
                        reduction="none")
    assert losses.shape == (4,) and losses.dtype == mt.float64
    np.testing.assert_allclose(losses.numpy(), expected, rtol=1e-10)
    concatenated = mt.tensor([label for target in targets for label in target])
    np.testing.assert_allclose(F.ctc_loss(lp, concatenated, INPUT_LENGTHS, target_lengths, blank, "none").numpy(),
                               expected, rtol=1e-10)
    mean = F.ctc_loss(lp, mt.tensor(padded), INPUT_LENGTHS, target_lengths, blank=blank)
    np.testing.assert_allclose(mean.item(), np.mean(expected / np.maximum(target_lengths, 1)), rtol=1e-10)
    total = nn.CTCLoss(blank=blank, reduction="sum")(lp, mt.tensor(padded), INPUT_LENGTHS, target_lengths)
    np.testing.assert_allclose(total.item(), expected.sum(), rtol=1e-10)
    one = F.ctc_loss(lp[:, 0], mt.tensor(padded[0]), mt.tensor(4), mt.tensor(2), blank=blank, reduction="none")
    assert one.shape == () and abs(one.item() - expected[0]) < 1e-10


def test_gradient_matches_central_differences():
    log_probs, padded, target_lengths = batch(1)
    unnormalised = log_probs + np.random.default_rng(2).normal(scale=0.3, size=log_probs.shape)

    def loss(lp):
        return F.ctc_loss(lp, mt.tensor(padded), INPUT_LENGTHS, target_lengths, reduction="mean")

    (lp,) = check_gradients(loss, unnormalised)
    loss(lp).backward()
    assert np.all(lp.grad.numpy()[3, 2] == 0) and np.all(lp.grad.numpy()[2:, 3] == 0)  # past the input lengths
    # through log_softmax the gradient is softmax minus the posterior of each label at each step
    logits = mt.tensor(log_probs, requires_grad=True)
    F.ctc_loss(logits.log_softmax(-1), mt.tensor(padded), INPUT_LENGTHS, target_lengths, reduction="sum").backward()
    np.testing.assert_allclose(logits.grad.numpy()[:2].sum(-1), 0, atol=1e-12)


def test_float32_and_zero_infinity():
    log_probs, padded, target_lengths = batch(3)
    lp = mt.tensor(log_probs.astype(np.float32), requires_grad=True)
    too_short = [1, 4, 3, 2]  # one step cannot hold the target (1, 1)
    losses = F.ctc_loss(lp, mt.tensor(padded), too_short, target_lengths, reduction="none")
    assert losses.dtype == mt.float32 and math.isinf(losses[0].item()) and np.isfinite(losses.detach().numpy()[1:]).all()
    losses.sum().backward()
    assert np.isnan(lp.grad.numpy()[0, 0]).all() and (lp.grad.numpy()[1:, 0] == 0).all()
    lp.grad = None
    zeroed = F.ctc_loss(lp, mt.tensor(padded), too_short, target_lengths, reduction="none", zero_infinity=True)
    assert zeroed[0].item() == 0 and np.allclose(zeroed.detach().numpy()[1:], losses.detach().numpy()[1:])
    zeroed.sum().backward()
    assert (lp.grad.numpy()[:, 0] == 0).all() and np.isfinite(lp.grad.numpy()).all()
    empty = F.ctc_loss(mt.tensor(log_probs), mt.tensor(padded), [0, 4, 0, 2], [2, 2, 0, 1], reduction="none")
    assert math.isinf(empty[0].item()) and empty[2].item() == 0


def test_second_derivatives_are_refused_as_in_pytorch():
    log_probs, padded, target_lengths = batch(4)
    lp = mt.tensor(log_probs, requires_grad=True)
    (grad,) = mt.autograd.grad(F.ctc_loss(lp, mt.tensor(padded), INPUT_LENGTHS, target_lengths), lp,
                               create_graph=True)
    assert grad.requires_grad
    with pytest.raises(RuntimeError, match="second derivative\\) is not implemented"):
        grad.sum().backward()


@pytest.mark.parametrize("kwargs, error, message", [
    (dict(input_lengths=[5, 4, 3, 2]), RuntimeError, "Expected input_lengths to have value at most 4, but got value 5"),
    (dict(target_lengths=[3, 2, 0, 1]), RuntimeError, "Expected tensor to have size at least 3 at dimension 1"),
    (dict(targets=mt.tensor([1, 1, 2])), RuntimeError, "Expected tensor to have size 5 at dimension 0, but got size 3"),
    (dict(blank=3), RuntimeError, "blank must be in label range"),
    (dict(input_lengths=[4, 4]), RuntimeError, "input_lengths must be of size batch_size"),
    (dict(target_lengths=[2, 2, 0, -1]), RuntimeError, "Expected target_lengths to have value at least 0"),
    (dict(input_lengths=mt.tensor([4.0, 4, 3, 2])), RuntimeError, "input_lengths must be integral"),
    (dict(targets=mt.tensor([[1, 3], [2, 1], [0, 0], [2, 0]])), ValueError, "in \\[0, 3\\) other than the blank 0"),
    (dict(targets=mt.tensor([[1, 0], [2, 1], [0, 0], [2, 0]])), ValueError, "other than the blank 0, got \\[0, 1, 2\\]"),
    (dict(reduction="avg"), ValueError, "avg is not a valid value for reduction"),
    (dict(log_probs=mt.zeros(4, 4, 3, 1)), RuntimeError, "Expected 3-dimensional tensor, but got 4-dimensional"),
])
def test_errors_follow_pytorch(kwargs, error, message):
    log_probs, padded, target_lengths = batch(5)
    arguments = dict(log_probs=mt.tensor(log_probs), targets=mt.tensor(padded), input_lengths=INPUT_LENGTHS,
                     target_lengths=target_lengths)
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        F.ctc_loss(**arguments)


def test_module_holds_its_options():
    loss = nn.CTCLoss(blank=1, zero_infinity=True)
    assert (loss.blank, loss.reduction, loss.zero_infinity) == (1, "mean", True) and repr(loss) == "CTCLoss()"
    with pytest.raises(ValueError, match="is not a valid value for reduction"):
        nn.CTCLoss(reduction="avg")
