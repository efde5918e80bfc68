"""F.max_pool*_with_indices, F.max_unpool1d/2d and nn.MaxUnpool1d/2d, F.lp_pool1d/2d and nn.LPPool1d/2d,
F.channel_shuffle and nn.ChannelShuffle, the deprecated F.upsample_bilinear / upsample_nearest, the margin
losses (multi_margin_loss, multilabel_margin_loss, triplet_margin_with_distance_loss and their modules) and
F.pdist: values against direct numpy loops written here, float64 gradient checks, module forms, errors."""
import itertools

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import check_gradients

rng = np.random.default_rng(0)
IMAGE = rng.permutation(40).astype(np.float64).reshape(1, 2, 4, 5)  # distinct values: one max per window


def _unpool_loop(values, indices, size):
    out = np.zeros(values.shape[:-2] + size)
    for plane in np.ndindex(values.shape[:-2]):
        for position in np.ndindex(values.shape[-2:]):
            out[plane].flat[indices[plane + position]] = values[plane + position]
    return out


def test_max_pool_with_indices_returns_both_whatever_return_indices_says():
    values, indices = F.max_pool2d_with_indices(mt.tensor(IMAGE), 2)
    expected_values, expected_indices = F.max_pool2d(mt.tensor(IMAGE), 2, return_indices=True)
    np.testing.assert_array_equal(values.numpy(), expected_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), expected_indices.numpy())
    values, indices = F.max_pool1d_with_indices(mt.tensor(np.array([[1.0, 3.0, 2.0, 0.0, 5.0]])), 2)
    np.testing.assert_array_equal(values.numpy(), [[3.0, 2.0]])
    np.testing.assert_array_equal(indices.numpy(), [[1, 2]])


@pytest.mark.parametrize("width, output_size", [(4, None), (5, (4, 5)), (5, (5, 5)), (5, (1, 2, 5, 4))])
def test_max_unpool2d_puts_each_value_back_at_its_index(width, output_size):
    values, indices = F.max_pool2d(mt.tensor(IMAGE[..., :width]), 2, return_indices=True)
    out = F.max_unpool2d(values, indices, 2, output_size=output_size)
    size = (4, 4) if output_size is None else tuple(output_size[-2:])
    np.testing.assert_array_equal(out.numpy(), _unpool_loop(values.numpy(), indices.numpy(), size))
    unbatched = F.max_unpool2d(values[0], indices[0], 2, output_size=output_size)
    np.testing.assert_array_equal(unbatched.numpy(), out.numpy()[0])


def test_max_unpool_inverts_the_pooling_at_the_maxima():
    x = mt.tensor(IMAGE[..., :4])
    values, indices = F.max_pool2d(x, 2, return_indices=True)
    restored = nn.MaxUnpool2d(2)(values, indices)
    kept = restored.numpy() != 0
    np.testing.assert_array_equal(restored.numpy()[kept], IMAGE[..., :4][kept])
    assert kept.sum() == values.numel()


def test_max_unpool1d_with_overlapping_windows_gathers_the_gradient():
    x = mt.tensor(np.array([[[1.0, 5.0, 2.0, 0.0]]]))
    values, indices = F.max_pool1d(x, 3, 1, return_indices=True)  # index 1 twice
    source = values.detach().requires_grad_()
    out = nn.MaxUnpool1d(3, 1)(source, indices)
    np.testing.assert_array_equal(out.detach().numpy(), [[[0.0, 5.0, 0.0, 0.0]]])
    (out * mt.tensor(np.array([1.0, 2.0, 3.0, 4.0]))).sum().backward()
    np.testing.assert_array_equal(source.grad.numpy(), [[[2.0, 2.0]]])


def test_max_unpool_gradients_including_double_backward():
    indices = mt.tensor(np.array([[[[0, 3], [9, 14]]], [[[6, 2], [12, 10]]]]))
    check_gradients(lambda v: F.max_unpool2d(v, indices, 2, output_size=(4, 4)), rng.standard_normal((2, 1, 2, 2)))
    check_gradients(lambda v: F.max_unpool1d(v, mt.tensor([[[0, 3]], [[2, 1]]]), 2), rng.standard_normal((2, 1, 2)))
    v = mt.tensor(rng.standard_normal((2, 1, 2, 2)), requires_grad=True)
    gy = mt.tensor(rng.standard_normal((2, 1, 4, 4)), requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda a: F.max_unpool2d(a, indices, 2), (v,))
    (grad,) = mt.autograd.grad(F.max_unpool2d(v, indices, 2), v, gy, create_graph=True)
    expected = np.take_along_axis(gy.detach().numpy().reshape(2, 1, 16), indices.numpy().reshape(2, 1, 4), -1)
    np.testing.assert_array_equal(grad.detach().numpy().reshape(2, 1, 4), expected)


def test_max_unpool_modules_hold_tuples():
    layer = nn.MaxUnpool2d((2, 3), 1, (0, 1))
    assert (layer.kernel_size, layer.stride, layer.padding) == ((2, 3), (1, 1), (0, 1))
    assert repr(nn.MaxUnpool2d(2)) == "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))"
    assert repr(nn.MaxUnpool1d(3, 2, 1)) == "MaxUnpool1d(kernel_size=(3,), stride=(2,), padding=(1,))"


def test_max_unpool_errors():
    values, indices = F.max_pool2d(mt.tensor(IMAGE[..., :4]), 2, return_indices=True)
    with pytest.raises(RuntimeError, match=r"Found an invalid max index: 2\d \(output volumes are of size 4x4\)"):
        F.max_unpool2d(values, indices + 20, 2)
    with pytest.raises(RuntimeError, match="invalid max index: -1"):
        F.max_unpool2d(values, indices * 0 - 1, 2)
    with pytest.raises(RuntimeError, match="indices should be type int64"):
        F.max_unpool2d(values, indices.float(), 2)
    with pytest.raises(RuntimeError, match="Expected shape of indices to be same"):
        F.max_unpool2d(values, indices[..., :1], 2)
    with pytest.raises(RuntimeError, match="should be a 3d or 4d Tensor"):
        F.max_unpool2d(values[0, 0], indices[0, 0], 2)
    with pytest.raises(RuntimeError, match="should be a 2d or 3d Tensor"):
        F.max_unpool1d(values[0, 0, 0], indices[0, 0, 0], 2)
    with pytest.raises(ValueError, match=r"dim 0 must be between 2 and 6"):
        F.max_unpool2d(values, indices, 2, output_size=(6, 6))
    with pytest.raises(ValueError, match="2 or 4 elements"):
        F.max_unpool2d(values, indices, 2, output_size=(5,))


def _lp_loop(x, p, kernel, stride):
    (kh, kw), (sh, sw) = kernel, stride
    oh, ow = (x.shape[-2] - kh) // sh + 1, (x.shape[-1] - kw) // sw + 1
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for i, j in itertools.product(range(oh), range(ow)):
        window = x[..., i * sh:i * sh + kh, j * sw:j * sw + kw]
        out[..., i, j] = (window ** p).sum((-2, -1)) ** (1 / p)
    return out


@pytest.mark.parametrize("p", [1.0, 2.0, 3.5])
def test_lp_pool2d_matches_a_loop_and_has_its_gradient(p):
    x = np.abs(rng.standard_normal((1, 2, 4, 5))) + 0.1
    np.testing.assert_allclose(F.lp_pool2d(mt.tensor(x), p, (2, 3), (2, 1)).numpy(), _lp_loop(x, p, (2, 3), (2, 1)))
    np.testing.assert_allclose(nn.LPPool1d(p, 2)(mt.tensor(x[0, :, 0])).numpy(),
                               _lp_loop(x[0, :, :1], p, (1, 2), (1, 2))[:, 0])
    check_gradients(lambda t: F.lp_pool2d(t, p, 2), x[..., :4])


def test_lp_pool_infinite_norms_zero_windows_and_module():
    x = np.array([[[1.0, -2.0, 1.0, 3.0]]])
    np.testing.assert_array_equal(F.lp_pool1d(mt.tensor(x), float("inf"), 2).numpy(), [[[2.0, 3.0]]])
    np.testing.assert_array_equal(F.lp_pool1d(mt.tensor(x), -float("inf"), 2).numpy(), [[[1.0, 1.0]]])
    np.testing.assert_allclose(F.lp_pool1d(mt.tensor(x), 1, 2).numpy(), [[[-1.0, 4.0]]])
    zeros = mt.tensor(np.array([[[0.0, 0.0, 1.0, -2.0]]]), requires_grad=True)
    F.lp_pool1d(zeros, 2, 2).sum().backward()
    np.testing.assert_allclose(zeros.grad.numpy(), [[[0.0, 0.0, 1 / 5 ** 0.5, -2 / 5 ** 0.5]]])
    assert repr(nn.LPPool2d(2, 3)) == "LPPool2d(norm_type=2, kernel_size=3, stride=None, ceil_mode=False)"
    with pytest.raises(ValueError, match="norm_type"):
        F.lp_pool2d(mt.ones(1, 2, 2), 0, 2)


def test_channel_shuffle_interleaves_the_groups():
    x = np.arange(2 * 6 * 2, dtype=np.float64).reshape(2, 6, 2)
    expected = x.reshape(2, 2, 3, 2).transpose(0, 2, 1, 3).reshape(2, 6, 2)
    np.testing.assert_array_equal(F.channel_shuffle(mt.tensor(x), 2).numpy(), expected)
    np.testing.assert_array_equal(nn.ChannelShuffle(2)(mt.tensor(x)).numpy(), expected)
    np.testing.assert_array_equal(F.native_channel_shuffle(mt.tensor(x), 3).numpy()[0, :, 0], [0, 4, 8, 2, 6, 10])
    assert repr(nn.ChannelShuffle(2)) == "ChannelShuffle(groups=2)"
    check_gradients(lambda t: F.channel_shuffle(t, 3) * mt.tensor(x[:1]), x[:1])


@pytest.mark.parametrize("groups, shape, message", [
    (2, (2, 5, 2), "Number of channels must be divisible by groups. Got 5 channels and 2 groups."),
    (0, (2, 4, 2), "Number of groups to divide channels in must be positive. Value of groups:0"),
    (2, (2, 4), r"channel_shuffle expects input with > 2 dims, but got input with sizes \[2, 4\]"),
])
def test_channel_shuffle_errors(groups, shape, message):
    with pytest.raises(RuntimeError, match=message):
        F.channel_shuffle(mt.ones(*shape), groups)


def test_deprecated_upsampling_wrappers_warn_and_forward_to_interpolate():
    x = mt.tensor(rng.standard_normal((1, 1, 2, 3)))
    with pytest.warns(UserWarning, match="upsample_bilinear` is deprecated"):
        out = F.upsample_bilinear(x, scale_factor=2)
    np.testing.assert_allclose(out.numpy(), F.interpolate(x, scale_factor=2, mode="bilinear",
                                                          align_corners=True).numpy())
    with pytest.warns(UserWarning, match="upsample_nearest` is deprecated"):
        out = F.upsample_nearest(x, size=(4, 6))
    np.testing.assert_array_equal(out.numpy(), np.repeat(np.repeat(x.numpy(), 2, 2), 2, 3))


SCORES = np.array([[0.1, 0.2, 0.4, 0.8], [0.3, -1.0, 2.0, 0.0], [0.5, 0.45, -0.3, 1.2]])
LABELS = np.array([3, 0, 1])
WEIGHT = np.array([1.0, 2.0, 3.0, 4.0])


def _multi_margin_loop(x, y, p, margin, weight):
    out = np.zeros(len(x))
    for n, (row, label) in enumerate(zip(x, y)):
        for j, value in enumerate(row):
            if j != label:
                out[n] += max(0.0, margin - row[label] + value) ** p * (1.0 if weight is None else weight[label])
        out[n] /= len(row)
    return out


@pytest.mark.parametrize("p, margin, weight", [(1, 1.0, None), (2, 0.7, WEIGHT), (1, 0.35, WEIGHT)])
def test_multi_margin_loss_matches_a_loop(p, margin, weight):
    w = None if weight is None else mt.tensor(weight)
    loss = F.multi_margin_loss(mt.tensor(SCORES), mt.tensor(LABELS), p, margin, w, reduction="none")
    expected = _multi_margin_loop(SCORES, LABELS, p, margin, weight)
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    module = nn.MultiMarginLoss(p, margin, w, reduction="sum")
    np.testing.assert_allclose(module(mt.tensor(SCORES), mt.tensor(LABELS)).item(), expected.sum(), rtol=1e-12)
    check_gradients(lambda x: F.multi_margin_loss(x, mt.tensor(LABELS), p, margin, w), SCORES)


def test_multi_margin_loss_of_one_sample_and_state():
    loss = F.multi_margin_loss(mt.tensor(SCORES[0]), mt.tensor(3), reduction="none")
    assert loss.shape == () and np.isclose(loss.item(), _multi_margin_loop(SCORES[:1], [3], 1, 1.0, None)[0])
    assert F.multi_margin_loss(mt.tensor(SCORES[0]), mt.tensor([3]), reduction="none").shape == (1,)
    assert list(nn.MultiMarginLoss(weight=mt.ones(4)).state_dict()) == ["weight"]


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.multi_margin_loss(mt.tensor(SCORES), mt.tensor(LABELS), p=3), ValueError, "only p == 1 and p == 2"),
    (lambda: F.multi_margin_loss(mt.tensor(SCORES), mt.tensor(LABELS), weight=mt.ones(2, 2)), ValueError,
     "weight must be one-dimensional"),
    (lambda: F.multi_margin_loss(mt.tensor(SCORES), mt.tensor(LABELS), weight=mt.ones(3)), RuntimeError,
     r"inconsistent weight size, expected 4 but got \[3\]"),
    (lambda: F.multi_margin_loss(mt.tensor(SCORES), mt.tensor([0, 4, 1])), RuntimeError, "target out of range"),
    (lambda: F.multi_margin_loss(mt.tensor(SCORES), mt.tensor([0, 1])), RuntimeError, r"Expected target size \[3\]"),
    (lambda: F.multi_margin_loss(mt.tensor(SCORES), mt.tensor([0.0, 1.0, 2.0])), RuntimeError, "Long"),
    (lambda: F.multi_margin_loss(mt.ones(1, 3, 4), mt.tensor(LABELS)), RuntimeError, "non-empty vector or matrix"),
    (lambda: nn.MultiMarginLoss(p=3), ValueError, "only p == 1 and p == 2"),
])
def test_multi_margin_loss_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


MULTI_LABELS = np.array([[3, 0, -1, 1], [1, 2, 3, 0], [0, 0, -1, 2]])  # a repeated target counts twice


def _multilabel_loop(x, y):
    out = np.zeros(len(x))
    for n, (row, labels) in enumerate(zip(x, y)):
        targets = list(itertools.takewhile(lambda c: c != -1, labels))
        for j in targets:
            for i in range(len(row)):
                if i not in targets:
                    out[n] += max(0.0, 1 - (row[j] - row[i]))
        out[n] /= len(row)
    return out


def test_multilabel_margin_loss_matches_a_loop():
    loss = F.multilabel_margin_loss(mt.tensor(SCORES), mt.tensor(MULTI_LABELS), reduction="none")
    np.testing.assert_allclose(loss.numpy(), _multilabel_loop(SCORES, MULTI_LABELS), rtol=1e-12)
    mean = nn.MultiLabelMarginLoss()(mt.tensor(SCORES), mt.tensor(MULTI_LABELS))
    np.testing.assert_allclose(mean.item(), _multilabel_loop(SCORES, MULTI_LABELS).mean(), rtol=1e-12)
    one = F.multilabel_margin_loss(mt.tensor(SCORES[0]), mt.tensor(MULTI_LABELS[0]), reduction="none")
    assert one.shape == () and np.isclose(one.item(), _multilabel_loop(SCORES[:1], MULTI_LABELS[:1])[0])
    check_gradients(lambda x: F.multilabel_margin_loss(x, mt.tensor(MULTI_LABELS)), SCORES)


@pytest.mark.parametrize("target, message", [
    (MULTI_LABELS[:2], r"inconsistent target size: \[2, 4\] for input of size: \[3, 4\]"),
    (np.array([[4, 0, -1, 1]] * 3), "out of range"),
    (np.array([[-2, 0, -1, 1]] * 3), "out of range"),
    (np.array([[0, -1, 7, 1]] * 3), "out of range"),  # checked after the -1 too, as PyTorch
    (MULTI_LABELS.astype(np.float32), "Long"),
])
def test_multilabel_margin_loss_errors(target, message):
    with pytest.raises(RuntimeError, match=message):
        F.multilabel_margin_loss(mt.tensor(SCORES), mt.tensor(target))


A, P, N = (rng.standard_normal((4, 3)) for _ in range(3))


def _distance(x, y):
    return np.sqrt(((x - y + 1e-6) ** 2).sum(-1))


@pytest.mark.parametrize("swap", [False, True])
def test_triplet_margin_with_distance_loss_default_and_custom_distance(swap):
    to_negative = np.minimum(_distance(A, N), _distance(P, N)) if swap else _distance(A, N)
    expected = np.maximum(_distance(A, P) - to_negative + 1.5, 0)
    loss = F.triplet_margin_with_distance_loss(mt.tensor(A), mt.tensor(P), mt.tensor(N), margin=1.5, swap=swap,
                                               reduction="none")
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    manhattan = lambda x, y: (x - y).abs().sum(-1)  # noqa: E731
    module = nn.TripletMarginWithDistanceLoss(distance_function=manhattan, margin=2.0, swap=swap)
    to_negative = np.abs(A - N).sum(-1)
    if swap:
        to_negative = np.minimum(to_negative, np.abs(P - N).sum(-1))
    expected = np.maximum(np.abs(A - P).sum(-1) - to_negative + 2.0, 0).mean()
    np.testing.assert_allclose(module(mt.tensor(A), mt.tensor(P), mt.tensor(N)).item(), expected, rtol=1e-12)
    check_gradients(lambda a, p, n: F.triplet_margin_with_distance_loss(a, p, n, margin=3.0, swap=swap), A, P, N)


def test_triplet_margin_with_distance_loss_module_and_errors():
    module = nn.TripletMarginWithDistanceLoss()
    assert isinstance(module.distance_function, nn.PairwiseDistance) and list(module.children())
    with pytest.raises(ValueError, match="expected margin to be greater than 0, got 0 instead"):
        nn.TripletMarginWithDistanceLoss(margin=0)
    with pytest.raises(ValueError, match="margin must be greater than 0, got 0"):
        F.triplet_margin_with_distance_loss(mt.tensor(A), mt.tensor(P), mt.tensor(N), margin=0)
    with pytest.raises(ValueError, match="x is not a valid value for reduction"):
        F.triplet_margin_with_distance_loss(mt.tensor(A), mt.tensor(P), mt.tensor(N), reduction="x")
    with pytest.raises(RuntimeError, match="anchor 2D, positive 2D, and negative 1D"):
        F.triplet_margin_with_distance_loss(mt.tensor(A), mt.tensor(P), mt.tensor(N[0]))


@pytest.mark.parametrize("p", [0.0, 0.5, 1.0, 2.0, 3.0, float("inf")])
def test_pdist_matches_a_loop_and_has_its_gradient(p):
    x = rng.standard_normal((4, 3))
    expected = [np.linalg.norm(x[i] - x[j], ord=p) for i in range(4) for j in range(i + 1, 4)]
    np.testing.assert_allclose(F.pdist(mt.tensor(x), p).numpy(), expected, rtol=1e-12)
    if p:
        check_gradients(lambda t: F.pdist(t, p), x)


def test_pdist_coincident_rows_get_zero_gradient_and_edge_sizes():
    x = mt.tensor(np.array([[1.0, 2.0], [1.0, 2.0], [0.0, 0.0]]), requires_grad=True)
    F.pdist(x).sum().backward()
    row = np.array([1.0, 2.0]) / 5 ** 0.5
    np.testing.assert_allclose(x.grad.numpy(), [row, row, -2 * row])
    assert F.pdist(mt.ones(1, 2)).shape == (0,) and F.pdist(mt.ones(0, 2)).shape == (0,)
    np.testing.assert_array_equal(F.pdist(mt.ones(3, 0)).numpy(), np.zeros(3))


@pytest.mark.parametrize("x, p, message", [
    (mt.ones(3, 2), -1, "pdist only supports non-negative p values"),
    (mt.ones(3, 2, 2), 2, "pdist only supports 2D tensors, got: 3D"),
    (mt.ones(3, 2, dtype=mt.int64), 2, "pdist only supports floating-point dtypes"),
])
def test_pdist_errors(x, p, message):
    with pytest.raises(RuntimeError, match=message):
        F.pdist(x, p)
