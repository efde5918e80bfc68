"""LayerNorm / F.layer_norm, F.normalize and F.cosine_similarity: values against numpy formulas written
here, gradients (first and second order) by central differences in float64, the layer's parameters,
state_dict, repr and dtypes, and the errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import float_arrays, leaf, shapes


def layer_norm_reference(x, k, weight=None, bias=None, eps=1e-5):
    axes = tuple(range(x.ndim - k, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    y = (x - mean) / np.sqrt(var + eps)
    return y * (1 if weight is None else weight) + (0 if bias is None else bias)


# ----------------------------------------------------------------- layer norm
@settings(max_examples=12)
@given(batch=shapes(min_dims=0, max_dims=2, max_side=3), normalized=shapes(min_dims=1, max_dims=2, max_side=3),
       affine=st.sampled_from(["both", "weight", "none"]), data=st.data())
def test_layer_norm_matches_numpy_and_gradchecks(batch, normalized, affine, data):
    x = data.draw(float_arrays(batch + normalized))
    x = x + np.arange(x.size).reshape(x.shape) * 0.37  # no constant rows: their variance is ~eps
    weight = data.draw(float_arrays(normalized, 0.5, 2.0)) if affine != "none" else None
    bias = data.draw(float_arrays(normalized)) if affine == "both" else None
    out = F.layer_norm(mt.tensor(x), normalized, None if weight is None else mt.tensor(weight),
                       None if bias is None else mt.tensor(bias))
    np.testing.assert_allclose(out.data, layer_norm_reference(x, len(normalized), weight, bias), rtol=1e-10,
                               atol=1e-12)
    params = [leaf(p) for p in (weight, bias) if p is not None]

    def fn(x_, *ps):
        w = ps[0] if weight is not None else None
        b = ps[1] if bias is not None else None
        return F.layer_norm(x_, normalized, w, b)

    assert mt.autograd.gradcheck(fn, (leaf(x), *params))


def test_layer_norm_backward_is_one_fused_node_with_the_closed_form():
    rng = np.random.default_rng(0)
    x, w, b, g = rng.normal(size=(3, 5)), rng.normal(size=5), rng.normal(size=5), rng.normal(size=(3, 5))
    xt, wt, bt = leaf(x), leaf(w), leaf(b)
    out = F.layer_norm(xt, (5,), wt, bt)
    assert out.grad_fn.name() == "LayerNormBackward"
    assert [entry for entry, _ in out.grad_fn.next_functions] == [xt, wt, bt]  # straight to the leaves
    out.backward(mt.tensor(g))
    sigma = np.sqrt(x.var(axis=1, keepdims=True) + 1e-5)
    xhat = (x - x.mean(axis=1, keepdims=True)) / sigma
    gw = g * w
    dx = (gw - gw.mean(axis=1, keepdims=True) - xhat * (gw * xhat).mean(axis=1, keepdims=True)) / sigma
    np.testing.assert_allclose(xt.grad.data, dx, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(wt.grad.data, (g * xhat).sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(bt.grad.data, g.sum(axis=0), rtol=1e-12)


def test_layer_norm_second_derivative_is_exact():
    rng = np.random.default_rng(1)
    x, w, b = leaf(rng.normal(size=(2, 2, 3))), leaf(rng.normal(size=(2, 3))), leaf(rng.normal(size=(2, 3)))

    def gradient_norm(x_, w_, b_):
        y = F.layer_norm(x_, (2, 3), w_, b_)
        gx, gw = mt.autograd.grad((y * y * y).sum(), (x_, w_), create_graph=True)
        return (gx * gx).sum() + (gw * gw).sum()

    assert mt.autograd.gradcheck(gradient_norm, (x, w, b))


def test_layer_norm_module_parameters_state_dict_repr_and_dtypes():
    layer = nn.LayerNorm(4)
    assert layer.normalized_shape == (4,) and layer.eps == 1e-5
    assert layer.weight.dtype == mt.float32 and layer.weight.tolist() == [1.0] * 4 and layer.bias.tolist() == [0.0] * 4
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert repr(layer) == "LayerNorm((4,), eps=1e-05, elementwise_affine=True, bias=True)"
    x = np.arange(24, dtype=np.float32).reshape(2, 3, 4) ** 1.5
    out = layer(mt.tensor(x))
    assert out.dtype == mt.float32
    np.testing.assert_allclose(out.data, layer_norm_reference(x.astype(np.float64), 1), rtol=1e-4, atol=1e-5)
    layer.double()
    assert layer(mt.tensor(x.astype(np.float64))).dtype == mt.float64
    no_bias = nn.LayerNorm([3, 4], eps=1e-3, bias=False)
    assert list(no_bias.state_dict()) == ["weight"] and no_bias.bias is None and no_bias.weight.shape == (3, 4)
    assert repr(no_bias) == "LayerNorm((3, 4), eps=0.001, elementwise_affine=True, bias=False)"
    plain = nn.LayerNorm((3, 4), elementwise_affine=False)
    assert plain.weight is None and plain.state_dict() == {} and list(plain.parameters()) == []
    np.testing.assert_allclose(plain(mt.tensor(x)).data, layer_norm_reference(x.astype(np.float64), 2), atol=1e-5)


def test_layer_norm_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match=r"normalized_shape=\[4\], expected input with shape \[\*, 4\], but got "
                                           r"input of size\[2, 3\]"):
        F.layer_norm(mt.ones(2, 3), (4,))
    with pytest.raises(RuntimeError, match=r"expected input with shape \[\*, 3, 4\]"):
        nn.LayerNorm((3, 4))(mt.ones(4))
    with pytest.raises(RuntimeError, match=r"weight of shape \[3\] and normalized_shape = \[4\]"):
        F.layer_norm(mt.ones(2, 4), (4,), weight=mt.ones(3))
    with pytest.raises(RuntimeError, match="same dtype"):
        nn.LayerNorm(4)(mt.ones(2, 4, dtype=mt.float64))
    with pytest.raises(TypeError, match="floating point"):
        F.layer_norm(mt.tensor([[1, 2]]), (2,))


# ------------------------------------------------------------------ normalize
def p_norm(x, p, axes):
    if p == np.inf:
        return np.abs(x).max(axis=axes, keepdims=True)
    return (np.abs(x) ** p).sum(axis=axes, keepdims=True) ** (1 / p)


@settings(max_examples=8)
@given(shape=shapes(min_dims=1, max_dims=3), p=st.sampled_from([0.5, 1.0, 2.0, 3.0, np.inf]), data=st.data())
def test_normalize_matches_numpy_and_gradchecks(shape, p, data):
    x = data.draw(float_arrays(shape, away_from_zero=0.1))
    if p == np.inf:  # a unique maximum in each vector: the max-norm is not differentiable at ties
        x = x + np.arange(x.size).reshape(shape) * 0.013
    dim = data.draw(st.integers(-len(shape), len(shape) - 1))
    expected = x / np.maximum(p_norm(x, p, (dim,)), 1e-12)
    np.testing.assert_allclose(F.normalize(mt.tensor(x), p=p, dim=dim).data, expected, rtol=1e-12)
    assert mt.autograd.gradcheck(lambda t: F.normalize(t, p=p, dim=dim), (leaf(x),))


def test_normalize_of_a_zero_vector_is_zero_with_a_finite_gradient():
    x = mt.tensor([[0.0, 0.0], [3.0, 4.0]], dtype=mt.float64, requires_grad=True)
    out = F.normalize(x, dim=1)
    np.testing.assert_array_equal(out.data, [[0.0, 0.0], [0.6, 0.8]])
    out.backward(mt.tensor([[1.0, 2.0], [0.0, 0.0]]))
    np.testing.assert_allclose(x.grad.data, [[1e12, 2e12], [0.0, 0.0]])  # the denominator is eps there
    for p in (1.0, np.inf, 3.0):
        x.grad = None
        F.normalize(x, p=p).sum().backward()
        assert np.isfinite(x.grad.data).all()


def test_normalize_over_several_dims_out_and_errors():
    x = np.arange(1.0, 13.0).reshape(2, 3, 2)
    np.testing.assert_allclose(F.normalize(mt.tensor(x), dim=(1, 2)).data, x / p_norm(x, 2, (1, 2)), rtol=1e-12)
    out = mt.zeros(2, 3, 2, dtype=mt.float64)
    assert F.normalize(mt.tensor(x), dim=0, out=out) is out
    np.testing.assert_allclose(out.data, x / p_norm(x, 2, (0,)), rtol=1e-12)
    with pytest.raises(RuntimeError, match="out=.*automatic differentiation"):
        F.normalize(leaf(x), out=out)
    with pytest.raises(RuntimeError, match="cannot compute the inf norm on the dimension 0"):
        F.normalize(mt.ones(0, 3), p=np.inf, dim=0)  # no identity for a max over nothing, as in PyTorch
    with pytest.raises(TypeError, match=r"normalize\(\): p must be a number"):
        F.normalize(mt.tensor(x), p="fro")
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.normalize(mt.ones(3))  # dim=1 of a vector


# ---------------------------------------------------------- cosine similarity
@settings(max_examples=10)
@given(shape_pair=st.sampled_from([((3, 4), (3, 4)), ((2, 3), (3,)), ((4, 1, 3), (2, 3)), ((1, 3), (2, 3))]),
       data=st.data())
def test_cosine_similarity_broadcasts_matches_numpy_and_gradchecks(shape_pair, data):
    a = data.draw(float_arrays(shape_pair[0], away_from_zero=0.2))
    b = data.draw(float_arrays(shape_pair[1], away_from_zero=0.2))
    a_full, b_full = np.broadcast_arrays(a, b)
    dim = -1
    expected = (a_full * b_full).sum(axis=dim) / (
        np.maximum(np.linalg.norm(a_full, axis=dim), 1e-8) * np.maximum(np.linalg.norm(b_full, axis=dim), 1e-8))
    out = F.cosine_similarity(mt.tensor(a), mt.tensor(b), dim=dim)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out.data, expected, rtol=1e-12)
    assert mt.autograd.gradcheck(lambda u, v: F.cosine_similarity(u, v, dim=dim), (leaf(a), leaf(b)))


def test_cosine_similarity_clamps_each_norm_separately_and_is_finite_at_zero():
    tiny = mt.tensor([[1e-5, 0.0]], dtype=mt.float64)
    # PyTorch's rule since 1.12: max(|a|, eps) * max(|b|, eps); the old max(|a| |b|, eps) would give 0.01
    assert F.cosine_similarity(tiny, tiny).item() == pytest.approx(1.0)
    zero = mt.zeros(2, 3, dtype=mt.float64, requires_grad=True)
    other = mt.tensor(np.ones((2, 3)), requires_grad=True)
    out = F.cosine_similarity(zero, other)
    assert out.tolist() == [0.0, 0.0]
    out.sum().backward()
    np.testing.assert_allclose(zero.grad.data, np.full((2, 3), 1 / np.sqrt(3) / 1e-8))
    np.testing.assert_array_equal(other.grad.data, np.zeros((2, 3)))


def test_cosine_similarity_dtypes_and_errors():
    a32, b64 = mt.tensor([[1.0, 2.0]]), mt.tensor([[2.0, 1.0]], dtype=mt.float64)
    assert F.cosine_similarity(a32, a32).dtype == mt.float32
    assert F.cosine_similarity(a32, b64).dtype == mt.float64
    assert F.cosine_similarity(mt.tensor([[1, 0]]), mt.tensor([[1, 1]])).dtype == mt.float32
    assert F.cosine_similarity(mt.tensor([3.0, 4.0]), mt.tensor([4.0, 3.0]), dim=0).item() == pytest.approx(0.96)
    with pytest.raises(RuntimeError, match="do not broadcast"):
        F.cosine_similarity(mt.ones(2, 3), mt.ones(2, 4))
    with pytest.raises(IndexError, match="Dimension out of range"):
        F.cosine_similarity(mt.ones(3), mt.ones(3))


def test_layer_norm_and_normalize_of_non_contiguous_views():
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(4, 3, 2)), rng.normal(size=(3,))

    def fn(t, w_):
        return F.layer_norm(t.transpose(1, 2), (3,), w_)  # (4, 2, 3), not contiguous

    np.testing.assert_allclose(fn(mt.tensor(x), mt.tensor(w)).data,
                               layer_norm_reference(x.transpose(0, 2, 1), 1, w), rtol=1e-10, atol=1e-12)
    assert mt.autograd.gradcheck(fn, (leaf(x), leaf(w)))
    assert mt.autograd.gradcheck(lambda t: F.normalize(t.transpose(0, 2), dim=0), (leaf(x),))


# ----------------------------------------------------------------- group norm
def group_norm_reference(x, groups, weight=None, bias=None, eps=1e-5):
    """Loops over samples and groups: each block of C / G channels standardised on its own."""
    y = np.empty_like(x)
    size = x.shape[1] // groups
    for n in range(x.shape[0]):
        for g in range(groups):
            block = x[n, g * size:(g + 1) * size]
            y[n, g * size:(g + 1) * size] = (block - block.mean()) / np.sqrt(block.var() + eps)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


@pytest.mark.parametrize("shape, groups", [((2, 4, 3), 2), ((2, 6, 2, 2), 3), ((3, 4), 1), ((1, 3, 5), 3)])
def test_group_norm_matches_a_loop_over_groups_and_gradchecks(shape, groups):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    weight, bias = rng.uniform(0.5, 2.0, shape[1]), rng.standard_normal(shape[1])
    out = F.group_norm(mt.tensor(x), groups, mt.tensor(weight), mt.tensor(bias))
    np.testing.assert_allclose(out.numpy(), group_norm_reference(x, groups, weight, bias), rtol=1e-10, atol=1e-12)
    assert mt.autograd.gradcheck(lambda a, w, b: F.group_norm(a, groups, w, b), (leaf(x), leaf(weight), leaf(bias)))


def test_group_norm_layer_parameters_repr_and_eval_mode():
    layer = nn.GroupNorm(2, 4)
    assert [name for name, _ in layer.named_parameters()] == ["weight", "bias"]
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.ones(4))
    np.testing.assert_array_equal(layer.bias.detach().numpy(), np.zeros(4))
    assert repr(layer) == "GroupNorm(2, 4, eps=1e-05, affine=True, bias=True)"
    x = mt.tensor(np.random.default_rng(1).standard_normal((2, 4, 3)).astype(np.float32))
    np.testing.assert_allclose(layer(x).detach().numpy(), group_norm_reference(x.numpy(), 2), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(layer.eval()(x).detach().numpy(), layer.train()(x).detach().numpy())  # no batch statistics
    assert list(nn.GroupNorm(1, 3, affine=False).parameters()) == []
    assert nn.GroupNorm(1, 3, bias=False).bias is None


def test_group_norm_errors():
    with pytest.raises(ValueError, match=r"num_channels \(4\) must be divisible by num_groups \(3\)"):
        nn.GroupNorm(3, 4)
    with pytest.raises(RuntimeError, match=r"divisible by num_groups.*\[2, 5, 3\] and num_groups=2"):
        nn.GroupNorm(2, 4)(mt.zeros(2, 5, 3))
    with pytest.raises(RuntimeError, match=r"weight of shape \[5\]"):
        nn.GroupNorm(1, 4)(mt.zeros(2, 5, 3))


# -------------------------------------------------------- instance and RMS norm
def instance_norm_reference(x, eps=1e-5):
    axes = tuple(range(2, x.ndim))
    return (x - x.mean(axis=axes, keepdims=True)) / np.sqrt(x.var(axis=axes, keepdims=True) + eps)


def test_instance_norm_standardises_each_sample_channel_and_gradchecks():
    rng = np.random.default_rng(3)
    x, weight, bias = rng.standard_normal((2, 3, 2, 3)), rng.uniform(0.5, 2, 3), rng.standard_normal(3)
    out = F.instance_norm(mt.tensor(x), weight=mt.tensor(weight), bias=mt.tensor(bias))
    want = instance_norm_reference(x) * weight[:, None, None] + bias[:, None, None]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-10, atol=1e-12)
    assert mt.autograd.gradcheck(lambda a, w, b: F.instance_norm(a, weight=w, bias=b),
                                 (leaf(x), leaf(weight), leaf(bias)))


def test_instance_norm_layer_tracks_the_mean_of_the_per_sample_statistics():
    rng = np.random.default_rng(4)
    layer = nn.InstanceNorm1d(2, momentum=0.5, track_running_stats=True).double()
    assert repr(layer) == ("InstanceNorm1d(2, eps=1e-05, momentum=0.5, affine=False, bias=False, "
                           "track_running_stats=True)")
    x = rng.standard_normal((3, 2, 4))
    np.testing.assert_allclose(layer(mt.tensor(x)).numpy(), instance_norm_reference(x), rtol=1e-10, atol=1e-12)
    mean = x.mean(axis=2).mean(axis=0)  # the running statistics average the N per-sample ones
    unbiased = x.var(axis=2, ddof=1).mean(axis=0)
    np.testing.assert_allclose(layer.running_mean.numpy(), 0.5 * mean, rtol=1e-12)
    np.testing.assert_allclose(layer.running_var.numpy(), 0.5 + 0.5 * unbiased, rtol=1e-12)
    layer.eval()
    expected = (x - layer.running_mean.numpy()[:, None]) / np.sqrt(layer.running_var.numpy()[:, None] + 1e-5)
    np.testing.assert_allclose(layer(mt.tensor(x)).numpy(), expected, rtol=1e-10)
    plain = nn.InstanceNorm2d(3)
    assert plain(mt.randn(3, 4, 4)).shape == (3, 4, 4) and list(plain.state_dict()) == []
    with pytest.raises(ValueError, match="match num_features"):
        nn.InstanceNorm2d(3, affine=True)(mt.zeros(2, 4, 3, 3))


def test_rms_norm_divides_by_the_root_mean_square_and_gradchecks():
    rng = np.random.default_rng(5)
    x, weight = rng.standard_normal((2, 3, 4)), rng.uniform(0.5, 2, (3, 4))
    out = F.rms_norm(mt.tensor(x), (3, 4), mt.tensor(weight), eps=1e-6)
    want = x / np.sqrt((x ** 2).mean(axis=(1, 2), keepdims=True) + 1e-6) * weight
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)
    assert mt.autograd.gradcheck(lambda a, w: F.rms_norm(a, (3, 4), w), (leaf(x), leaf(weight)))
    layer = nn.RMSNorm(4)
    assert repr(layer) == "RMSNorm((4,), eps=None, elementwise_affine=True)" and list(layer.state_dict()) == ["weight"]
    tiny = np.full((1, 4), 1e-5, np.float32)  # eps=None: float32's machine epsilon
    np.testing.assert_allclose(layer(mt.tensor(tiny)).detach().numpy(),
                               tiny / np.sqrt(1e-10 + np.finfo(np.float32).eps), rtol=1e-5)


def test_local_response_norm_divides_by_the_energy_of_neighbouring_channels():
    x = np.random.default_rng(6).standard_normal((2, 5, 2, 2))
    size, alpha, beta, k = 3, 0.5, 0.75, 2.0
    want = np.empty_like(x)
    for c in range(5):
        window = x[:, max(c - size // 2, 0):c + (size - 1) // 2 + 1]
        want[:, c] = x[:, c] / (k + alpha / size * (window ** 2).sum(axis=1)) ** beta
    layer = nn.LocalResponseNorm(size, alpha, beta, k)
    np.testing.assert_allclose(layer(mt.tensor(x)).numpy(), want, rtol=1e-12)
    assert mt.autograd.gradcheck(layer, (leaf(x[:1]),))
    assert repr(nn.LocalResponseNorm(2)) == "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)"
