"""Embedding / F.embedding: the lookup against numpy indexing, the weight gradient against a direct
loop over the indices and central differences (float64), padding_idx, scale_grad_by_freq, max_norm,
from_pretrained, initialisation, state_dict, repr, dtypes and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import leaf, shapes


def gradient_by_loop(indices, grad, rows, padding_idx=None, scale_grad_by_freq=False):
    """dL/dW row by row: add each position's gradient into the row its index names."""
    flat_indices = indices.reshape(-1)
    flat_grad = grad.reshape(flat_indices.size, -1)
    result = np.zeros((rows, flat_grad.shape[1]))
    for position, row in enumerate(flat_indices):
        scale = 1.0 / np.count_nonzero(flat_indices == row) if scale_grad_by_freq else 1.0
        result[row] += scale * flat_grad[position]
    if padding_idx is not None:
        result[padding_idx] = 0
    return result


@settings(max_examples=12)
@given(rows=st.integers(1, 5), dim=st.integers(1, 3), index_shape=shapes(min_dims=0, max_dims=2, max_side=3),
       dtype=st.sampled_from([np.int64, np.int32]), data=st.data())
def test_embedding_lookup_and_gradient_match_numpy(rows, dim, index_shape, dtype, data):
    indices = data.draw(hnp.arrays(dtype, index_shape, elements=st.integers(0, rows - 1)))
    weight = np.random.default_rng(rows * 10 + dim).normal(size=(rows, dim))
    w = leaf(weight)
    out = F.embedding(mt.tensor(indices), w)
    assert out.shape == index_shape + (dim,) and out.dtype == mt.float64
    np.testing.assert_array_equal(out.data, weight[indices])
    grad = np.random.default_rng(1).normal(size=out.shape)
    out.backward(mt.tensor(grad))
    np.testing.assert_allclose(w.grad.data, gradient_by_loop(indices, grad, rows), rtol=1e-12, atol=1e-15)
    assert mt.autograd.gradcheck(lambda t: F.embedding(mt.tensor(indices), t), (leaf(weight),))


def test_embedding_of_non_contiguous_indices():
    indices = mt.tensor([[0, 3, 1], [2, 2, 0]]).T  # (3, 2), not contiguous
    weight = np.random.default_rng(6).normal(size=(4, 2))
    w = leaf(weight)
    out = F.embedding(indices, w)
    np.testing.assert_array_equal(out.data, weight[indices.numpy()])
    grad = np.arange(12.0).reshape(3, 2, 2)
    out.backward(mt.tensor(grad))
    np.testing.assert_allclose(w.grad.data, gradient_by_loop(indices.numpy(), grad, 4))


def test_padding_idx_and_scale_grad_by_freq_shape_the_gradient():
    indices = np.array([[1, 1, 0], [2, 1, 4]])
    grad = np.arange(18.0).reshape(2, 3, 3)
    for padding_idx in (None, 1, -1):
        for scale in (False, True):
            w = leaf(np.ones((5, 3)))
            F.embedding(mt.tensor(indices), w, padding_idx=padding_idx, scale_grad_by_freq=scale).backward(
                mt.tensor(grad))
            row = None if padding_idx is None else padding_idx % 5
            np.testing.assert_allclose(w.grad.data, gradient_by_loop(indices, grad, 5, row, scale), rtol=1e-12)


def test_embedding_second_order_gradients_through_the_one_hot_form():
    indices = mt.tensor([[0, 2], [2, 2]])
    weight = leaf(np.random.default_rng(3).normal(size=(3, 2)))

    def gradient_norm(w):  # without padding_idx / scale_grad_by_freq: those are not the true derivative
        y = F.embedding(indices, w)
        (g,) = mt.autograd.grad((y * y * y).sum(), w, create_graph=True)
        return (g * g).sum()

    assert mt.autograd.gradcheck(gradient_norm, (weight,))
    y = F.embedding(indices, weight, scale_grad_by_freq=True, padding_idx=0)
    (with_graph,) = mt.autograd.grad((y * y).sum(), weight, create_graph=True)
    y = F.embedding(indices, weight, scale_grad_by_freq=True, padding_idx=0)
    (plain,) = mt.autograd.grad((y * y).sum(), weight)
    np.testing.assert_allclose(with_graph.data, plain.data, rtol=1e-12)


def test_max_norm_renormalises_the_used_rows_in_place():
    weight = np.array([[3.0, 4.0], [0.3, 0.4], [6.0, 8.0], [1.0, 1.0]])
    w = mt.tensor(weight.copy())
    out = F.embedding(mt.tensor([0, 1, 0]), w, max_norm=1.0)
    expected = weight.copy()
    expected[0] = weight[0] / (5.0 + 1e-7)  # PyTorch's factor max_norm / (norm + 1e-7); row 2 is not used
    np.testing.assert_allclose(w.data, expected, rtol=1e-12)
    np.testing.assert_allclose(out.data, expected[[0, 1, 0]], rtol=1e-12)
    layer = nn.Embedding.from_pretrained(mt.tensor(weight.copy()), max_norm=2.0, norm_type=1.0)
    layer(mt.tensor([3, 2]))
    np.testing.assert_allclose(layer.weight.data[2], weight[2] * 2.0 / (14.0 + 1e-7), rtol=1e-12)
    np.testing.assert_array_equal(layer.weight.data[3], weight[3])  # L1 norm 2: not above max_norm


def test_embedding_layer_init_parameters_repr_and_dtypes():
    mt.manual_seed(0)
    layer = nn.Embedding(400, 50, padding_idx=3)
    values = layer.weight.data.numpy()
    assert layer.weight.shape == (400, 50) and layer.weight.dtype == mt.float32 and layer.weight.requires_grad
    assert np.all(values[3] == 0)
    assert abs(values.mean()) < 0.02 and abs(values.std() - 1) < 0.02  # N(0, 1)
    assert list(layer.state_dict()) == ["weight"]
    assert repr(layer) == "Embedding(400, 50, padding_idx=3)"
    assert repr(nn.Embedding(10, 3, padding_idx=-1, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)) == (
        "Embedding(10, 3, padding_idx=9, max_norm=1.0, norm_type=1.0, scale_grad_by_freq=True)")
    assert mt.nn.modules.sparse.Embedding is nn.Embedding
    out = layer(mt.tensor([[3, 5]]))
    assert out.shape == (1, 2, 50) and out.dtype == mt.float32
    out.sum().backward()
    assert np.all(layer.weight.grad.data.numpy()[3] == 0) and np.all(layer.weight.grad.data.numpy()[5] == 1)
    layer.double()
    assert layer(mt.tensor([1], dtype=mt.int32)).dtype == mt.float64
    assert layer(mt.tensor([], dtype=mt.int64)).shape == (0, 50)


def test_from_pretrained_shares_the_tensor_and_freezes_by_default():
    table = mt.tensor([[1.0, 2.0], [0.5, 0.5], [3.0, 3.0]])
    frozen = nn.Embedding.from_pretrained(table, padding_idx=1)
    assert not frozen.weight.requires_grad and frozen.padding_idx == 1
    assert frozen.weight.tolist()[1] == [0.5, 0.5]  # the given weights are kept, padding row included
    table[0, 0] = 7.0
    assert frozen.weight.tolist()[0][0] == 7.0
    trainable = nn.Embedding.from_pretrained(table, freeze=False)
    assert trainable.weight.requires_grad
    with pytest.raises(AssertionError, match="2-dimensional"):
        nn.Embedding.from_pretrained(mt.ones(3))
    with pytest.raises(AssertionError, match="Shape of weight does not match"):
        nn.Embedding(4, 2, _weight=mt.ones(3, 2))


def test_embedding_errors_name_the_index_and_the_table():
    weight = mt.ones(10, 3)
    with pytest.raises(IndexError, match=r"index out of range in self.*index 10.*num_embeddings=10"):
        F.embedding(mt.tensor([2, 10]), weight)
    with pytest.raises(IndexError, match=r"index -1 "):
        nn.Embedding(10, 3)(mt.tensor([-1]))
    for bad in (mt.tensor([1.0]), mt.tensor([True]), mt.tensor([1], dtype=mt.int16)):
        with pytest.raises(RuntimeError, match="Expected tensor for argument #1 'indices'.*Long, Int"):
            F.embedding(bad, weight)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        F.embedding(mt.tensor([1]), weight, sparse=True)
    with pytest.raises(NotImplementedError, match="sparse=True"):
        nn.Embedding(10, 3, sparse=True)
    with pytest.raises(RuntimeError, match="must be 2-D"):
        F.embedding(mt.tensor([1]), mt.ones(5))
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        nn.Embedding(10, 3, padding_idx=10)
    with pytest.raises(AssertionError, match="Padding_idx must be within num_embeddings"):
        F.embedding(mt.tensor([1]), weight, padding_idx=-11)


# ------------------------------------------------------------- EmbeddingBag
def _bag_reference(weight, bags, mode, padding_idx=None):
    out = []
    for ids in bags:
        rows = weight[[i for i in ids if i != padding_idx]]
        if not len(rows):
            out.append(np.zeros(weight.shape[1]))
        else:
            out.append({"sum": rows.sum(0), "mean": rows.mean(0), "max": rows.max(0)}[mode])
    return np.array(out)


@pytest.mark.parametrize("mode", ["sum", "mean", "max"])
def test_embedding_bag_reduces_each_bag_and_gradchecks(mode):
    weight = np.random.default_rng(0).standard_normal((10, 3))
    ids, offsets = [1, 2, 4, 5, 4, 3, 2, 9], [0, 4, 4]  # bags [1 2 4 5], [] and [4 3 2 9]
    out = F.embedding_bag(mt.tensor(ids), mt.tensor(weight), mt.tensor(offsets), mode=mode, padding_idx=4)
    want = _bag_reference(weight, [ids[:4], [], ids[4:]], mode, padding_idx=4)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12)
    rows = F.embedding_bag(mt.tensor([[1, 2, 3], [4, 4, 0]]), mt.tensor(weight), mode=mode)
    np.testing.assert_allclose(rows.numpy(), _bag_reference(weight, [[1, 2, 3], [4, 4, 0]], mode), rtol=1e-12)
    assert mt.autograd.gradcheck(lambda w: F.embedding_bag(mt.tensor(ids), w, mt.tensor(offsets), mode=mode),
                                 (mt.tensor(weight, requires_grad=True),))


def test_embedding_bag_layer_weights_last_offset_repr_and_errors():
    layer = nn.EmbeddingBag(10, 3, mode="sum", include_last_offset=True)
    assert repr(layer) == "EmbeddingBag(10, 3, mode='sum')" and list(layer.state_dict()) == ["weight"]
    scale = mt.tensor([1.0, 2.0, 3.0])
    out = layer(mt.tensor([1, 2, 3]), mt.tensor([0, 2, 3]), per_sample_weights=scale)
    weight = layer.weight.detach().numpy()
    np.testing.assert_allclose(out.detach().numpy(), [weight[1] + 2 * weight[2], 3 * weight[3]], rtol=1e-6)
    with pytest.raises(ValueError, match="offsets has to be None"):
        layer(mt.tensor([[1, 2]]), mt.tensor([0]))
    with pytest.raises(NotImplementedError, match="only supported for mode='sum'"):
        nn.EmbeddingBag(10, 3)(mt.tensor([1, 2]), mt.tensor([0]), per_sample_weights=mt.ones(2))
