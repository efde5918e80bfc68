"""RNN, LSTM, GRU and their cells: forward against numpy loops written here from the gate equations,
float64 gradients against central differences, PyTorch's parameter names, shapes, init and errors."""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor import nn

MODES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


# ------------------------------------------------------------- numpy references
def reference_cell(mode, x, h, c, w_ih, w_hh, b_ih, b_hh):
    """One step from the textbook equations, gate by gate (PyTorch's gate orders)."""
    gates = MODES[mode]
    wi, wh = np.split(w_ih, gates), np.split(w_hh, gates)
    bi = np.split(b_ih, gates) if b_ih is not None else [0.0] * gates
    bh = np.split(b_hh, gates) if b_hh is not None else [0.0] * gates

    def part(k):  # input and hidden contributions of gate k
        return x @ wi[k].T + bi[k], h @ wh[k].T + bh[k]

    if mode == "RNN_TANH":
        return np.tanh(sum(part(0))), None
    if mode == "RNN_RELU":
        return np.maximum(sum(part(0)), 0), None
    if mode == "LSTM":
        i, f, g, o = sigmoid(sum(part(0))), sigmoid(sum(part(1))), np.tanh(sum(part(2))), sigmoid(sum(part(3)))
        c_new = f * c + i * g
        return o * np.tanh(c_new), c_new
    r, z = sigmoid(sum(part(0))), sigmoid(sum(part(1)))
    x_n, h_n = part(2)
    n = np.tanh(x_n + r * h_n)
    return (1 - z) * n + z * h, None


def reference_rnn(mode, module, x, h0, c0):
    """The stacked (bi)directional network on time-major ``x`` (T, B, I), from the module's parameters."""
    p = {name: value.detach().numpy() for name, value in module.named_parameters()}
    directions = 2 if module.bidirectional else 1
    layer_input, h_n, c_n = x, [], []
    for layer in range(module.num_layers):
        outputs = []
        for direction in range(directions):
            suffix = f"_l{layer}" + ("_reverse" if direction else "")
            index = layer * directions + direction
            h, c = h0[index], (c0[index] if c0 is not None else None)
            out = [None] * len(x)
            steps = range(len(x) - 1, -1, -1) if direction else range(len(x))
            for t in steps:
                h, c = reference_cell(mode, layer_input[t], h, c, p["weight_ih" + suffix], p["weight_hh" + suffix],
                                      p.get("bias_ih" + suffix), p.get("bias_hh" + suffix))
                out[t] = h
            outputs.append(np.stack(out))
            h_n.append(h)
            c_n.append(c)
        layer_input = np.concatenate(outputs, axis=-1)
    return layer_input, np.stack(h_n), (np.stack(c_n) if c0 is not None else None)


def make_layer(mode, *args, **kwargs):
    if mode == "LSTM":
        return nn.LSTM(*args, **kwargs)
    if mode == "GRU":
        return nn.GRU(*args, **kwargs)
    return nn.RNN(*args, nonlinearity="tanh" if mode == "RNN_TANH" else "relu", **kwargs)


# ------------------------------------------------------------- forward + gradients
@pytest.mark.parametrize("mode", list(MODES))
@settings(max_examples=5)
@given(length=st.integers(1, 3), batch=st.integers(1, 2), sizes=st.tuples(st.integers(1, 2), st.integers(1, 2)),
       layers=st.integers(1, 2), bidirectional=st.booleans(), batch_first=st.booleans(), bias=st.booleans(),
       with_hx=st.booleans(), seed=st.integers(0, 100))
def test_layers_match_numpy_loop_and_gradcheck(mode, length, batch, sizes, layers, bidirectional, batch_first, bias,
                                               with_hx, seed):
    input_size, hidden = sizes
    mt.manual_seed(seed)
    module = make_layer(mode, input_size, hidden, num_layers=layers, bias=bias, batch_first=batch_first,
                        bidirectional=bidirectional).double()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(length, batch, input_size))
    stacks = layers * (2 if bidirectional else 1)
    h0 = rng.normal(size=(stacks, batch, hidden)) if with_hx else np.zeros((stacks, batch, hidden))
    c0 = (rng.normal(size=(stacks, batch, hidden)) if with_hx else np.zeros_like(h0)) if mode == "LSTM" else None
    expected_out, expected_h, expected_c = reference_rnn(mode, module, x, h0, c0)

    x_given = np.ascontiguousarray(np.swapaxes(x, 0, 1)) if batch_first else x
    leaves = [mt.tensor(x_given, requires_grad=True)]
    if with_hx:
        leaves += [mt.tensor(h0, requires_grad=True)] + ([mt.tensor(c0, requires_grad=True)] if c0 is not None else [])

    def run(*inputs):
        hx = None
        if with_hx:
            hx = (inputs[1], inputs[2]) if mode == "LSTM" else inputs[1]
        return module(inputs[0], hx)

    out, state = run(*leaves)
    h_n, c_n = state if mode == "LSTM" else (state, None)
    assert out.shape == x_given.shape[:2] + (hidden * (2 if bidirectional else 1),) and out.dtype == mt.float64
    np.testing.assert_allclose(out.detach().numpy(), np.swapaxes(expected_out, 0, 1) if batch_first else expected_out,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(h_n.detach().numpy(), expected_h, rtol=1e-10, atol=1e-12)
    if mode == "LSTM":
        np.testing.assert_allclose(c_n.detach().numpy(), expected_c, rtol=1e-10, atol=1e-12)

    directions = [mt.tensor(rng.normal(size=shape)) for shape in (out.shape, h_n.shape, h_n.shape)]

    def projected(*inputs):  # one scalar: a random direction through every output checks the whole VJP
        out, state = run(*inputs[:len(leaves)])
        finals = state if mode == "LSTM" else (state,)
        return (out * directions[0]).sum() + sum((f * d).sum() for f, d in zip(finals, directions[1:]))

    # the input, the initial states and the recurrent weights of the first and the last layer-direction
    # (the input weights' gradients come from F.linear, whose own tests check them)
    last = f"_l{layers - 1}" + ("_reverse" if bidirectional else "")
    checked = [module.weight_hh_l0, getattr(module, "weight_hh" + last)]
    checked += [getattr(module, "bias_hh" + last)] if bias else []
    assert mt.autograd.gradcheck(projected, tuple(leaves) + tuple(checked))


@pytest.mark.parametrize("mode", ["LSTM", "GRU", "RNN_TANH"])
def test_unbatched_input_is_a_batch_of_one(mode):
    mt.manual_seed(1)
    for batch_first in (False, True):
        module = make_layer(mode, 3, 2, num_layers=2, bidirectional=True, batch_first=batch_first)
        x = mt.randn(4, 3)
        out, state = module(x)
        batched_out, batched_state = module(x.unsqueeze(0 if batch_first else 1))
        assert out.shape == (4, 4) and out.dtype == mt.float32
        np.testing.assert_allclose(out.detach().numpy(),
                                   batched_out.detach().numpy().squeeze(0 if batch_first else 1), rtol=1e-6)
        states = state if mode == "LSTM" else (state,)
        batched_states = batched_state if mode == "LSTM" else (batched_state,)
        for one, many in zip(states, batched_states):
            assert one.shape == (4, 2)
            np.testing.assert_allclose(one.detach().numpy(), many.detach().numpy()[:, 0], rtol=1e-6)
        hx = (mt.zeros(4, 2), mt.zeros(4, 2)) if mode == "LSTM" else mt.zeros(4, 2)
        np.testing.assert_allclose(module(x, hx)[0].detach().numpy(), out.detach().numpy(), rtol=1e-6)


def test_second_derivatives_through_the_recurrence():
    mt.manual_seed(2)
    for mode in ("LSTM", "GRU", "RNN_TANH"):
        module = make_layer(mode, 2, 2).double()
        x = mt.tensor(np.random.default_rng(0).normal(size=(3, 1, 2)), requires_grad=True)
        weight = module.weight_hh_l0

        def gradient_norm(x, weight, module=module):
            out, _ = module(x)
            grad_x, grad_w = mt.autograd.grad((out ** 3).sum(), (x, weight), create_graph=True)
            return (grad_x ** 2).sum() + (grad_w ** 2).sum()

        assert mt.autograd.gradcheck(gradient_norm, (x, weight))


def test_dropout_between_layers_only_in_training():
    mt.manual_seed(3)
    module = nn.GRU(3, 2, num_layers=2, dropout=1.0)
    x = mt.randn(4, 2, 3)
    out, _ = module(x)
    # with every first-layer output dropped, the second layer sees zeros
    top = nn.GRU(2, 2)
    top.load_state_dict({name.replace("_l1", "_l0"): value for name, value in module.state_dict().items()
                         if "_l1" in name})
    np.testing.assert_allclose(out.detach().numpy(), top(mt.zeros(4, 2, 2))[0].detach().numpy(), rtol=1e-6)
    module.eval()
    expected, _, _ = reference_rnn("GRU", module, x.detach().numpy().astype(np.float64), np.zeros((2, 2, 2)), None)
    np.testing.assert_allclose(module(x)[0].detach().numpy(), expected, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------ cells
@pytest.mark.parametrize("cls, mode", [(nn.RNNCell, "RNN_TANH"), (nn.LSTMCell, "LSTM"), (nn.GRUCell, "GRU"),
                                       (lambda *a, **k: nn.RNNCell(*a, nonlinearity="relu", **k), "RNN_RELU")])
@pytest.mark.parametrize("bias", [True, False])
def test_cells_match_one_numpy_step_and_gradcheck(cls, mode, bias):
    mt.manual_seed(4)
    cell = cls(3, 2, bias=bias).double()
    rng = np.random.default_rng(5)
    x, h, c = rng.normal(size=(4, 3)), rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    p = {name: value.detach().numpy() for name, value in cell.named_parameters()}
    expected_h, expected_c = reference_cell(mode, x, h, c, p["weight_ih"], p["weight_hh"], p.get("bias_ih"),
                                            p.get("bias_hh"))
    leaves = [mt.tensor(a, requires_grad=True) for a in (x, h, c)]

    def step(x, h, c, *params):
        return cell(x, (h, c)) if mode == "LSTM" else (cell(x, h),)

    result = step(*leaves)
    np.testing.assert_allclose(result[0].detach().numpy(), expected_h, rtol=1e-10)
    if mode == "LSTM":
        np.testing.assert_allclose(result[1].detach().numpy(), expected_c, rtol=1e-10)
    assert mt.autograd.gradcheck(step, tuple(leaves) + tuple(cell.parameters()))
    unbatched = step(*[mt.tensor(a[0]) for a in (x, h, c)])
    assert unbatched[0].shape == (2,)
    np.testing.assert_allclose(unbatched[0].detach().numpy(), expected_h[0], rtol=1e-10)
    zero_state = cell(mt.tensor(x))
    expected_zero = reference_cell(mode, x, 0 * h, 0 * c, p["weight_ih"], p["weight_hh"], p.get("bias_ih"),
                                   p.get("bias_hh"))[0]
    zero_h = zero_state[0] if mode == "LSTM" else zero_state
    np.testing.assert_allclose(zero_h.detach().numpy(), expected_zero, rtol=1e-10)


# ------------------------------------------------------------ parameters, init, repr
def test_parameter_names_shapes_and_init_follow_pytorch():
    mt.manual_seed(6)
    lstm = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    names = list(lstm.state_dict())
    layer0 = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    expected = []
    for layer in range(2):
        for suffix in ("", "_reverse"):
            expected += [name.replace("_l0", f"_l{layer}") + suffix for name in layer0]
    assert names == expected
    shapes = {name: tuple(value.shape) for name, value in lstm.state_dict().items()}
    assert shapes["weight_ih_l0"] == (20, 3) and shapes["weight_ih_l1_reverse"] == (20, 10)
    assert shapes["weight_hh_l1"] == (20, 5) and shapes["bias_hh_l0_reverse"] == (20,)
    bound = 1 / math.sqrt(5)
    values = np.concatenate([p.detach().numpy().ravel() for p in lstm.parameters()])
    assert values.dtype == np.float32 and np.all(np.abs(values) <= bound) and np.abs(values).max() > 0.9 * bound
    assert [tuple(p.shape) for p in nn.GRU(2, 4, bias=False).parameters()] == [(12, 2), (12, 4)]
    assert len(lstm.all_weights) == 4 and lstm.all_weights[1][0] is lstm.weight_ih_l0_reverse
    cell = nn.GRUCell(2, 3)
    assert [name for name, _ in cell.named_parameters()] == ["weight_ih", "weight_hh", "bias_ih", "bias_hh"]
    assert cell.weight_ih.shape == (9, 2)
    assert repr(nn.GRU(3, 4, num_layers=2, batch_first=True, dropout=0.1)) == \
        "GRU(3, 4, num_layers=2, batch_first=True, dropout=0.1)"
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == "RNN(3, 4)"  # PyTorch's RNN never shows it (its cell does)
    assert repr(nn.LSTMCell(3, 4, bias=False)) == "LSTMCell(3, 4, bias=False)"
    assert repr(nn.RNNCell(3, 4, nonlinearity="relu")) == "RNNCell(3, 4, nonlinearity=relu)"
    assert nn.RNN(2, 3, 2, "relu").nonlinearity == "relu"  # positional nonlinearity, as PyTorch
    assert nn.LSTM(2, 3).double()(mt.zeros(2, 1, 2, dtype=mt.float64))[0].dtype == mt.float64


# ------------------------------------------------------------------------ errors
def test_constructor_errors():
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(ValueError, match="only supported for LSTM"):
        nn.GRU(3, 4, proj_size=2)
    with pytest.raises(ValueError, match="Unknown nonlinearity 'sigmoid'"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.LSTM(3, 4, dropout=1.5)
    with pytest.raises(ValueError, match="hidden_size must be greater than zero"):
        nn.GRU(3, 0)
    with pytest.raises(TypeError, match="input_size should be of type int"):
        nn.RNN(2.5, 3)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nn.LSTM(3, 4, dropout=0.5)
    assert any("num_layers greater than 1" in str(w.message) for w in caught)
    with pytest.raises(RuntimeError, match="Unknown nonlinearity: gelu"):
        nn.RNNCell(2, 2, nonlinearity="gelu")(mt.zeros(1, 2))


def test_forward_errors_name_the_problem():
    lstm = nn.LSTM(3, 4)
    packed = nn.utils.rnn.pack_sequence([mt.zeros(3, 3), mt.zeros(2, 3)])
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 4\), got \[1, 3, 4\]"):
        lstm(packed, (mt.zeros(1, 3, 4), mt.zeros(1, 2, 4)))
    with pytest.raises(ValueError, match="Expected input to be 2D or 3D, got 4D"):
        lstm(mt.zeros(1, 2, 3, 4))
    with pytest.raises(RuntimeError, match="input.size\\(-1\\) must be equal to input_size. Expected 3, got 2"):
        lstm(mt.zeros(2, 1, 2))
    with pytest.raises(RuntimeError, match=r"Expected hidden\[0\] size \(1, 2, 4\), got \[1, 3, 4\]"):
        lstm(mt.zeros(5, 2, 3), (mt.zeros(1, 3, 4), mt.zeros(1, 2, 4)))
    with pytest.raises(RuntimeError, match="hx and cx should also be 3-D"):
        lstm(mt.zeros(5, 2, 3), (mt.zeros(2, 4), mt.zeros(2, 4)))
    with pytest.raises(RuntimeError, match="For unbatched 2-D input, hx should also be 2-D but got 3-D tensor"):
        nn.GRU(3, 4)(mt.zeros(5, 3), mt.zeros(1, 1, 4))
    with pytest.raises(ValueError, match=r"input dtype \(float64\) does not match weight dtype \(float32\)"):
        nn.RNN(3, 4)(mt.zeros(2, 1, 3, dtype=mt.float64))
    with pytest.raises(RuntimeError, match="sequence length to be larger than 0"):
        nn.RNN(3, 4)(mt.zeros(0, 1, 3))
    with pytest.raises(RuntimeError, match="Input batch size 2 doesn't match hidden0 batch size 3"):
        nn.GRUCell(3, 4)(mt.zeros(2, 3), mt.zeros(3, 4))
    with pytest.raises(RuntimeError, match="hidden0 has inconsistent hidden_size: got 5, expected 4"):
        nn.RNNCell(3, 4)(mt.zeros(2, 3), mt.zeros(2, 5))
    with pytest.raises(ValueError, match="LSTMCell: Expected input to be 1D or 2D, got 3D"):
        nn.LSTMCell(3, 4)(mt.zeros(1, 2, 3))
    with pytest.raises(TypeError, match="must be a Tensor"):
        nn.GRU(3, 4)(np.zeros((2, 1, 3)))


def test_hidden_states_of_another_dtype_are_refused_not_promoted():
    """PyTorch refuses an hx whose dtype differs from the input's (it would otherwise promote the whole layer)."""
    x = mt.zeros(5, 2, 3)
    h64 = mt.zeros(1, 2, 4, dtype=mt.float64)
    with pytest.raises(RuntimeError, match=r"RNN: hx dtype \(float64\) does not match input dtype \(float32\)"):
        nn.RNN(3, 4)(x, h64)
    with pytest.raises(RuntimeError, match=r"GRU: hx dtype \(float64\)"):
        nn.GRU(3, 4)(x, h64)
    with pytest.raises(RuntimeError, match=r"LSTM: hx\[1\] dtype \(float64\)"):
        nn.LSTM(3, 4)(x, (mt.zeros(1, 2, 4), h64))
    packed = nn.utils.rnn.pack_padded_sequence(x, [5, 3])
    with pytest.raises(RuntimeError, match=r"GRU: hx dtype \(float64\)"):
        nn.GRU(3, 4)(packed, h64)
    with pytest.raises(RuntimeError, match=r"GRUCell: hx dtype \(float64\) does not match input dtype \(float32\)"):
        nn.GRUCell(3, 4)(mt.zeros(2, 3), mt.zeros(2, 4, dtype=mt.float64))
    with pytest.raises(RuntimeError, match=r"LSTMCell: hx\[0\] dtype \(float64\)"):
        nn.LSTMCell(3, 4)(mt.zeros(3), (mt.zeros(4, dtype=mt.float64), mt.zeros(4)))
