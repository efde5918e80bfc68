"""Packed sequences (``nn.utils.rnn``) and the recurrent layers on them, and ``LSTM(proj_size=...)``.

Packing is checked against batches laid out by hand; a packed RNN/LSTM/GRU against the same layer
run on each sequence alone (no padding), outputs, final states and every gradient; the projected
LSTM against a numpy loop of its equations."""
import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn.utils.rnn import (PackedSequence, pack_padded_sequence, pack_sequence, pad_packed_sequence,
                                      pad_sequence, unpack_sequence, unpad_sequence)

LENGTHS = [2, 4, 1, 4]  # unsorted, with a tie


def padded_batch(rng, lengths, features=2):
    arrays = [rng.normal(size=(length, features)) for length in lengths]
    padded = np.zeros((max(lengths), len(lengths), features))
    for b, a in enumerate(arrays):
        padded[:len(a), b] = a
    return arrays, padded


# ------------------------------------------------------------------- packing
def test_pack_padded_sequence_keeps_the_steps_time_major_longest_first():
    arrays, padded = padded_batch(np.random.default_rng(0), LENGTHS)
    x = mt.tensor(padded, requires_grad=True)
    packed = pack_padded_sequence(x, LENGTHS, enforce_sorted=False)
    order = [1, 3, 0, 2]  # by decreasing length, ties in batch order
    expected = [arrays[b][t] for t in range(4) for b in order if LENGTHS[b] > t]
    np.testing.assert_array_equal(packed.data.detach().numpy(), expected)
    assert packed.batch_sizes.tolist() == [4, 3, 2, 2] and packed.batch_sizes.dtype == mt.int64
    assert packed.sorted_indices.tolist() == order and packed.unsorted_indices.tolist() == [2, 0, 3, 1]
    assert isinstance(packed, tuple) and packed._fields == ("data", "batch_sizes", "sorted_indices",
                                                           "unsorted_indices")
    weights = np.random.default_rng(1).normal(size=packed.data.shape)
    (packed.data * mt.tensor(weights)).sum().backward()
    expected_grad = np.zeros_like(padded)
    rows = [(t, b) for t in range(4) for b in order if LENGTHS[b] > t]
    for (t, b), w in zip(rows, weights):
        expected_grad[t, b] = w
    np.testing.assert_array_equal(x.grad.numpy(), expected_grad)

    batch_first = pack_padded_sequence(mt.tensor(padded.transpose(1, 0, 2)), mt.tensor(LENGTHS), batch_first=True,
                                       enforce_sorted=False)
    np.testing.assert_array_equal(batch_first.data.numpy(), packed.data.detach().numpy())
    sorted_pack = pack_padded_sequence(mt.tensor(padded[:, order]), sorted(LENGTHS, reverse=True))
    assert sorted_pack.sorted_indices is None and sorted_pack.unsorted_indices is None
    np.testing.assert_array_equal(sorted_pack.data.numpy(), expected)


def test_pad_packed_sequence_restores_the_batch_order_and_pads():
    arrays, padded = padded_batch(np.random.default_rng(2), LENGTHS)
    packed = pack_padded_sequence(mt.tensor(padded), LENGTHS, enforce_sorted=False)
    back, lengths = pad_packed_sequence(packed, padding_value=-1.0, total_length=5)
    expected = np.full((5, 4, 2), -1.0)
    for b, a in enumerate(arrays):
        expected[:len(a), b] = a
    np.testing.assert_array_equal(back.numpy(), expected)
    assert lengths.tolist() == LENGTHS and lengths.dtype == mt.int64
    first, _ = pad_packed_sequence(packed, batch_first=True)
    np.testing.assert_array_equal(first.numpy(), padded.transpose(1, 0, 2))
    data = mt.tensor(packed.data.numpy(), requires_grad=True)
    out, _ = pad_packed_sequence(PackedSequence(data, packed.batch_sizes, packed.sorted_indices))
    weights = np.random.default_rng(3).normal(size=out.shape)
    (out * mt.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(data.grad.numpy(), pack_padded_sequence(
        mt.tensor(weights), LENGTHS, enforce_sorted=False).data.numpy())


def test_pack_sequence_and_unpack_sequence_round_trip():
    arrays, _ = padded_batch(np.random.default_rng(4), LENGTHS)
    sequences = [mt.tensor(a) for a in arrays]
    packed = pack_sequence(sequences, enforce_sorted=False)
    for a, b in zip(unpack_sequence(packed), arrays):
        np.testing.assert_array_equal(a.numpy(), b)
    for a, b in zip(unpad_sequence(pad_sequence(sequences), LENGTHS), arrays):
        np.testing.assert_array_equal(a.numpy(), b)
    assert pack_sequence([mt.tensor([1.0, 2.0]), mt.tensor([3.0])]).batch_sizes.tolist() == [2, 1]


def test_packed_sequence_is_a_named_tuple_with_conversions():
    packed = pack_sequence([mt.zeros(2, 3), mt.zeros(2, 3)], enforce_sorted=False)
    assert packed.double().data.dtype == mt.float64 and packed.double().batch_sizes.dtype == mt.int64
    assert packed.long().data.dtype == mt.int64 and packed.to(mt.float32) is packed
    assert packed.double().sorted_indices.tolist() == [0, 1] and not packed.is_cuda
    made = PackedSequence(packed.data, packed.batch_sizes, mt.tensor([1, 2, 0]))
    assert made.unsorted_indices.tolist() == [2, 0, 1]
    data, batch_sizes, sorted_indices, unsorted_indices = PackedSequence((packed.data, packed.batch_sizes))
    assert batch_sizes is packed.batch_sizes and sorted_indices is None and unsorted_indices is None


def test_packing_errors():
    x = mt.zeros(3, 4, 2)
    with pytest.raises(RuntimeError, match="must be sorted in decreasing order when `enforce_sorted` is True"):
        pack_padded_sequence(x, [2, 3, 1, 1])
    with pytest.raises(RuntimeError, match=r"Expected `len\(lengths\)` to be equal to batch_size, but got 3 "
                                           r"\(batch_size=4\)"):
        pack_padded_sequence(x, [3, 2, 1])
    with pytest.raises(RuntimeError, match="Length of all samples has to be greater than 0"):
        pack_padded_sequence(x, [3, 2, 1, 0])
    with pytest.raises(RuntimeError, match="a length of 4 exceeds the 3 time steps"):
        pack_padded_sequence(x, [4, 2, 1, 1])
    with pytest.raises(RuntimeError, match="should be a 1D CPU int64 tensor, but got 2D"):
        pack_padded_sequence(x, mt.tensor([[3, 2], [1, 1]]))
    with pytest.raises(ValueError, match="total_length=2 and max sequence length being 3"):
        pad_packed_sequence(pack_padded_sequence(x, [3, 2, 1, 1]), total_length=2)
    with pytest.raises(TypeError, match="expected a PackedSequence"):
        pad_packed_sequence(x)


# ------------------------------------------------------ recurrent layers, packed
def make_layer(mode, *args, **kwargs):
    kinds = {"LSTM": nn.LSTM, "GRU": nn.GRU, "RNN": nn.RNN}
    return kinds[mode](*args, **kwargs).double()


CASES = [("RNN", 1, False, {}), ("GRU", 2, True, {}), ("LSTM", 1, True, {}), ("LSTM", 2, False, {}),
         ("LSTM", 2, True, {"proj_size": 2}), ("RNN", 2, True, {"nonlinearity": "relu"})]


@pytest.mark.parametrize("mode, layers, bidirectional, extra", CASES)
def test_a_packed_batch_matches_each_sequence_run_alone(mode, layers, bidirectional, extra):
    mt.manual_seed(5)
    rng = np.random.default_rng(6)
    module = make_layer(mode, 2, 3, num_layers=layers, bidirectional=bidirectional, **extra)
    arrays, _ = padded_batch(rng, LENGTHS)
    stacks, features = layers * (2 if bidirectional else 1), extra.get("proj_size", 3)
    h0 = rng.normal(size=(stacks, len(LENGTHS), features))
    c0 = rng.normal(size=(stacks, len(LENGTHS), 3))
    out_weights = [rng.normal(size=(len(a), features * (2 if bidirectional else 1))) for a in arrays]
    state_weights = [rng.normal(size=h0.shape), rng.normal(size=c0.shape)]

    def loss_and_grads(run):
        """Run, then a weighted sum of outputs and final states; returns (outputs, finals, gradients)."""
        module.zero_grad()
        leaves = [mt.tensor(a, requires_grad=True) for a in [*arrays, h0, c0]]
        outputs, finals = run(leaves[:len(arrays)], leaves[-2], leaves[-1])
        loss = sum((o * mt.tensor(w)).sum() for o, w in zip(outputs, out_weights))
        loss = loss + sum((f * mt.tensor(w)).sum() for f, w in zip(finals, state_weights))
        loss.backward()
        grads = [leaf.grad.numpy() for leaf in leaves if leaf.grad is not None] + [p.grad.numpy().copy() for p in module.parameters()]
        return [o.detach().numpy() for o in outputs], [f.detach().numpy() for f in finals], grads

    def packed_run(sequences, h, c):
        packed = pack_sequence(sequences, enforce_sorted=False)
        output, state = module(packed, (h, c) if mode == "LSTM" else h)
        assert isinstance(output, PackedSequence) and output.batch_sizes is packed.batch_sizes
        return unpack_sequence(output), (list(state) if mode == "LSTM" else [state])

    def one_by_one(sequences, h, c):
        outputs, hs, cs = [], [], []
        for b, sequence in enumerate(sequences):
            hx = (h[:, b:b + 1], c[:, b:b + 1]) if mode == "LSTM" else h[:, b:b + 1]
            output, state = module(sequence.unsqueeze(1), hx)
            outputs.append(output.squeeze(1))
            hs.append(state[0] if mode == "LSTM" else state)
            cs.extend([state[1]] if mode == "LSTM" else [])
        return outputs, [mt.cat(hs, dim=1)] + ([mt.cat(cs, dim=1)] if cs else [])

    got, expected = loss_and_grads(packed_run), loss_and_grads(one_by_one)
    assert len(got[2]) == len(arrays) + (2 if mode == "LSTM" else 1) + len(list(module.parameters()))
    for part_got, part_expected in zip(got, expected):
        assert len(part_got) == len(part_expected)
        for a, b in zip(part_got, part_expected):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_packed_input_without_initial_state_and_in_float32():
    mt.manual_seed(7)
    gru = nn.GRU(2, 3, batch_first=True)
    sequences = [mt.randn(3, 2), mt.randn(1, 2)]
    output, h_n = gru(pack_sequence(sequences))
    assert output.data.dtype == mt.float32 and output.data.shape == (4, 3) and h_n.shape == (1, 2, 3)
    for b, sequence in enumerate(sequences):
        alone, h_alone = gru(sequence.unsqueeze(0))
        np.testing.assert_allclose(h_n.detach().numpy()[:, b], h_alone.detach().numpy()[:, 0], rtol=1e-6)
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 2, got 3"):
        gru(pack_sequence([mt.zeros(2, 3)]))
    with pytest.raises(RuntimeError, match=r"Expected hidden size \(1, 2, 3\), got \[2, 3\]"):
        gru(pack_sequence(sequences), mt.zeros(2, 3))


# ----------------------------------------------------------- LSTM projections
def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def reference_projected_lstm(module, x, h0, c0):
    """Single-layer, one-direction LSTM with projection, from the module's parameters."""
    p = {name: value.detach().numpy() for name, value in module.named_parameters()}
    h, c, outputs = h0[0], c0[0], []
    for x_t in x:
        gates = x_t @ p["weight_ih_l0"].T + p["bias_ih_l0"] + h @ p["weight_hh_l0"].T + p["bias_hh_l0"]
        i, f, g, o = np.split(gates, 4, axis=-1)
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = (sigmoid(o) * np.tanh(c)) @ p["weight_hr_l0"].T
        outputs.append(h)
    return np.stack(outputs), h[None], c[None]


def test_lstm_projection_follows_its_equations_and_pytorchs_names():
    mt.manual_seed(8)
    lstm = nn.LSTM(3, 4, proj_size=2).double()
    rng = np.random.default_rng(9)
    x, h0, c0 = rng.normal(size=(3, 2, 3)), rng.normal(size=(1, 2, 2)), rng.normal(size=(1, 2, 4))
    out, (h_n, c_n) = lstm(mt.tensor(x), (mt.tensor(h0), mt.tensor(c0)))
    for got, want in zip((out, h_n, c_n), reference_projected_lstm(lstm, x, h0, c0)):
        np.testing.assert_allclose(got.detach().numpy(), want, rtol=1e-10, atol=1e-12)
    small = nn.LSTM(2, 3, proj_size=1).double()
    leaves = tuple(mt.tensor(a, requires_grad=True) for a in (x[:2, :1, :2], h0[:, :1, :1], c0[:, :1, :3]))
    assert mt.autograd.gradcheck(lambda x, h, c, *_: small(x, (h, c))[0], leaves + (small.weight_hr_l0,
                                                                                    small.weight_hh_l0))

    big = nn.LSTM(3, 5, num_layers=2, proj_size=2, bidirectional=True, bias=False)
    shapes = {name: tuple(value.shape) for name, value in big.state_dict().items()}
    assert list(shapes)[:3] == ["weight_ih_l0", "weight_hh_l0", "weight_hr_l0"]
    assert shapes["weight_hh_l0"] == (20, 2) and shapes["weight_hr_l1_reverse"] == (2, 5)
    assert shapes["weight_ih_l1"] == (20, 4) and len(big.all_weights[0]) == 3
    out, (h_n, c_n) = big(mt.zeros(4, 1, 3))
    assert out.shape == (4, 1, 4) and h_n.shape == (4, 1, 2) and c_n.shape == (4, 1, 5)
    assert repr(big) == "LSTM(3, 5, proj_size=2, num_layers=2, bias=False, bidirectional=True)"
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(4, 1, 2\), got \[4, 1, 5\]"):
        big(mt.zeros(4, 1, 3), (mt.zeros(4, 1, 5), mt.zeros(4, 1, 5)))
    with pytest.raises(ValueError, match="proj_size should be a positive integer or zero"):
        nn.LSTM(3, 5, proj_size=-1)
