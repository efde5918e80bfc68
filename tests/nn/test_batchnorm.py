"""BatchNorm1d / BatchNorm2d / F.batch_norm: values against numpy formulas written here, gradients by
central differences (float64, training and eval), the running statistics against a numpy recurrence
over several steps (PyTorch's update: unbiased running variance, momentum=None as a cumulative average),
train/eval, buffers, state_dict, dtypes and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import float_arrays, leaf


def channel_axes(x):
    return (0,) + tuple(range(2, x.ndim))


def per_channel(vector, x):
    return np.asarray(vector).reshape((-1,) + (1,) * (x.ndim - 2))


def batch_norm_reference(x, mean, var, weight=None, bias=None, eps=1e-5):
    y = (x - per_channel(mean, x)) / np.sqrt(per_channel(var, x) + eps)
    if weight is not None:
        y = y * per_channel(weight, x)
    if bias is not None:
        y = y + per_channel(bias, x)
    return y


def batch_statistics(x):
    axes = channel_axes(x)
    return x.mean(axis=axes), x.var(axis=axes)


# ------------------------------------------------------------- F.batch_norm
@settings(max_examples=12)
@given(n=st.integers(2, 3), c=st.integers(1, 3), spatial=st.sampled_from([(), (2,), (1, 2), (2, 2)]),
       affine=st.booleans(), training=st.booleans(), data=st.data())
def test_batch_norm_matches_numpy_and_gradchecks(n, c, spatial, affine, training, data):
    shape = (n, c) + spatial
    x = data.draw(float_arrays(shape)) + np.arange(np.prod(shape)).reshape(shape) * 0.3  # no constant channel
    weight = data.draw(float_arrays((c,), 0.5, 2.0)) if affine else None
    bias = data.draw(float_arrays((c,))) if affine else None
    running_mean, running_var = data.draw(float_arrays((c,))), data.draw(float_arrays((c,), 0.5, 2.0))
    mean, var = batch_statistics(x) if training else (running_mean, running_var)
    expected = batch_norm_reference(x, mean, var, weight, bias)

    def fn(x_, *params):
        w, b = params if affine else (None, None)
        stats = (None, None) if training else (mt.tensor(running_mean), mt.tensor(running_var))
        return F.batch_norm(x_, *stats, weight=w, bias=b, training=training)

    params = [leaf(weight), leaf(bias)] if affine else []
    np.testing.assert_allclose(fn(mt.tensor(x), *params).data, expected, rtol=1e-10, atol=1e-12)
    assert mt.autograd.gradcheck(fn, (leaf(x), *params))


def test_batch_norm_backward_is_one_fused_node_with_the_closed_form():
    rng = np.random.default_rng(0)
    x, w, b, g = rng.normal(size=(4, 3, 2)), rng.normal(size=3), rng.normal(size=3), rng.normal(size=(4, 3, 2))
    xt, wt, bt = leaf(x), leaf(w), leaf(b)
    out = F.batch_norm(xt, None, None, wt, bt, training=True)
    assert out.grad_fn.name() == "BatchNormBackward"
    assert [entry for entry, _ in out.grad_fn.next_functions] == [xt, wt, bt]
    out.backward(mt.tensor(g))
    axes = (0, 2)
    sigma = np.sqrt(x.var(axis=axes, keepdims=True) + 1e-5)
    xhat = (x - x.mean(axis=axes, keepdims=True)) / sigma
    gw = g * w[:, None]
    dx = (gw - gw.mean(axis=axes, keepdims=True) - xhat * (gw * xhat).mean(axis=axes, keepdims=True)) / sigma
    np.testing.assert_allclose(xt.grad.data, dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wt.grad.data, (g * xhat).sum(axis=axes), rtol=1e-10)
    np.testing.assert_allclose(bt.grad.data, g.sum(axis=axes), rtol=1e-12)


def test_batch_norm_second_derivative_is_exact_in_training_and_eval():
    rng = np.random.default_rng(1)
    x, w, b = leaf(rng.normal(size=(3, 2, 2))), leaf(rng.normal(size=2)), leaf(rng.normal(size=2))
    stats = (mt.tensor([0.1, -0.2], dtype=mt.float64), mt.tensor([0.5, 2.0], dtype=mt.float64))

    for training in (True, False):
        def gradient_norm(x_, w_, b_, training=training):
            y = F.batch_norm(x_, *(None, None) if training else stats, weight=w_, bias=b_, training=training)
            gx, gw = mt.autograd.grad((y * y * y).sum(), (x_, w_), create_graph=True)
            return (gx * gx).sum() + (gw * gw).sum()

        assert mt.autograd.gradcheck(gradient_norm, (x, w, b))


# ----------------------------------------------------------- running stats
@pytest.mark.parametrize("momentum", [0.1, 0.5, None])
def test_running_statistics_follow_pytorchs_recurrence(momentum):
    rng = np.random.default_rng(2)
    layer = nn.BatchNorm2d(3, momentum=momentum).double()
    mean, var = np.zeros(3), np.ones(3)
    for step in range(1, 5):
        x = rng.normal(loc=step, scale=step, size=(2 + step, 3, 2, 2))
        out = layer(mt.tensor(x))
        batch_mean, batch_var = batch_statistics(x)
        np.testing.assert_allclose(out.data, batch_norm_reference(x, batch_mean, batch_var), rtol=1e-10, atol=1e-12)
        count = x.size // 3
        factor = 1.0 / step if momentum is None else momentum  # None: the cumulative moving average
        mean = (1 - factor) * mean + factor * batch_mean
        var = (1 - factor) * var + factor * batch_var * count / (count - 1)  # the unbiased batch variance
        np.testing.assert_allclose(layer.running_mean.data, mean, rtol=1e-12)
        np.testing.assert_allclose(layer.running_var.data, var, rtol=1e-12)
        assert layer.num_batches_tracked.item() == step and layer.num_batches_tracked.dtype == mt.int64
    layer.eval()
    x = rng.normal(size=(2, 3, 2, 2))
    np.testing.assert_allclose(layer(mt.tensor(x)).data, batch_norm_reference(x, mean, var), rtol=1e-10)
    np.testing.assert_allclose(layer.running_mean.data, mean, rtol=1e-12)  # eval does not update
    assert layer.num_batches_tracked.item() == 4


def test_functional_batch_norm_updates_the_given_buffers_in_place():
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]])
    running_mean, running_var = mt.zeros(2, dtype=mt.float64), mt.ones(2, dtype=mt.float64)
    version = running_mean._version
    F.batch_norm(mt.tensor(x), running_mean, running_var, training=True, momentum=0.25)
    np.testing.assert_allclose(running_mean.data, 0.25 * x.mean(axis=0))
    np.testing.assert_allclose(running_var.data, 0.75 + 0.25 * x.var(axis=0, ddof=1))
    assert running_mean._version > version


def test_without_tracked_statistics_eval_uses_the_batch():
    layer = nn.BatchNorm1d(2, affine=False, track_running_stats=False)
    assert layer.running_mean is None and layer.num_batches_tracked is None and layer.state_dict() == {}
    assert repr(layer) == "BatchNorm1d(2, eps=1e-05, momentum=0.1, affine=False, bias=False, track_running_stats=False)"
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 1.0]], dtype=np.float32)
    layer.eval()
    expected = batch_norm_reference(x.astype(np.float64), *batch_statistics(x.astype(np.float64)))
    np.testing.assert_allclose(layer(mt.tensor(x)).data, expected, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------- the layers
def test_batch_norm_layers_parameters_buffers_state_dict_and_dtypes():
    layer = nn.BatchNorm1d(3)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert [name for name, _ in layer.named_buffers()] == ["running_mean", "running_var", "num_batches_tracked"]
    assert layer.weight.tolist() == [1.0] * 3 and layer.bias.tolist() == [0.0] * 3
    assert layer.running_var.tolist() == [1.0] * 3 and layer.weight.dtype == mt.float32
    assert repr(layer) == "BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)"
    sequence = mt.tensor(np.arange(24, dtype=np.float32).reshape(2, 3, 4) ** 1.3)  # (N, C, L)
    out = layer(sequence)
    assert out.dtype == mt.float32 and out.shape == (2, 3, 4)
    x64 = sequence.data.numpy().astype(np.float64)
    np.testing.assert_allclose(out.data, batch_norm_reference(x64, *batch_statistics(x64)), rtol=1e-4, atol=1e-5)
    layer.double()
    assert layer.running_mean.dtype == mt.float64 and layer.num_batches_tracked.dtype == mt.int64
    copy = nn.BatchNorm1d(3).double()
    copy.load_state_dict(layer.state_dict())
    assert copy.num_batches_tracked.item() == 1
    np.testing.assert_array_equal(copy.running_var.data, layer.running_var.data)
    no_bias = nn.BatchNorm2d(4, bias=False)
    assert no_bias.bias is None and list(no_bias.state_dict())[:1] == ["weight"]
    frozen = nn.BatchNorm2d(2, affine=False)
    assert list(frozen.parameters()) == []
    np.testing.assert_allclose(frozen(mt.tensor([[[[1.0]], [[2.0]]], [[[3.0]], [[6.0]]]])).data.numpy().ravel(),
                               np.array([-1.0, -1.0, 1.0, 1.0]) / np.sqrt(1 + 1e-5 * np.array([1, 0.25, 1, 0.25])),
                               rtol=1e-6)


def test_batch_norm_errors_as_pytorch():
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 1D input\)"):
        nn.BatchNorm1d(3)(mt.ones(3))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input\)"):
        nn.BatchNorm2d(3)(mt.ones(2, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(mt.ones(1, 3))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm2d(3)(mt.ones(1, 3, 1, 1))
    assert nn.BatchNorm1d(3).eval()(mt.ones(1, 3)).shape == (1, 3)  # one sample is fine in eval
    with pytest.raises(RuntimeError, match="running_mean should contain 4 elements not 3"):
        nn.BatchNorm2d(3)(mt.ones(2, 4, 2, 2))
    with pytest.raises(RuntimeError, match="weight should contain 3 elements not 2"):
        F.batch_norm(mt.ones(4, 3), None, None, weight=mt.ones(2), training=True)
    with pytest.raises(RuntimeError, match="running_mean must be defined in evaluation mode"):
        F.batch_norm(mt.ones(4, 3), None, None, training=False)
    with pytest.raises(ValueError, match="either both be None or neither"):
        F.batch_norm(mt.ones(4, 3), mt.zeros(3), None, training=True)
    with pytest.raises(ValueError, match="eps must be positive during training"):
        F.batch_norm(mt.ones(4, 3), None, None, training=True, eps=0.0)
    with pytest.raises(IndexError, match="channel"):
        F.batch_norm(mt.ones(4), None, None, training=True)
    with pytest.raises(RuntimeError, match="same dtype"):
        nn.BatchNorm1d(3)(mt.ones(4, 3, dtype=mt.float64))


def test_batch_norm_of_a_non_contiguous_view():
    rng = np.random.default_rng(5)
    x, w = rng.normal(size=(3, 2, 4)), rng.normal(size=(2,))

    def fn(t, w_):
        return F.batch_norm(t.permute(2, 1, 0), None, None, w_, training=True)  # (4, 2, 3), not contiguous

    expected = batch_norm_reference(x.transpose(2, 1, 0), *batch_statistics(x.transpose(2, 1, 0)), w)
    np.testing.assert_allclose(fn(mt.tensor(x), mt.tensor(w)).data, expected, rtol=1e-10, atol=1e-12)
    assert mt.autograd.gradcheck(fn, (leaf(x), leaf(w)))


def test_a_checkpoint_without_num_batches_tracked_loads_and_keeps_the_count():
    # old checkpoints (and hand-made dicts) have no step count; PyTorch fills it in instead of refusing
    source, model = nn.Sequential(nn.BatchNorm1d(2)), nn.Sequential(nn.BatchNorm1d(2))
    source.train()(mt.tensor([[1.0, 2.0], [3.0, 6.0]]))
    model(mt.zeros(2, 2))
    state = {key: value for key, value in source.state_dict().items() if "num_batches_tracked" not in key}
    result = model.load_state_dict(state)
    assert result.missing_keys == [] and result.unexpected_keys == []
    np.testing.assert_allclose(model[0].running_mean.numpy(), [0.2, 0.4], rtol=1e-6)  # 0.1 * batch mean
    assert model[0].num_batches_tracked.item() == 1  # its own count, unchanged
    del state["0.running_var"]
    with pytest.raises(RuntimeError, match='Missing key\\(s\\) in state_dict: "0.running_var"'):
        model.load_state_dict(state)
