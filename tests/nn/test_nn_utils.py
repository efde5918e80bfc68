"""``mt.nn.utils``: gradient clipping and the flat parameter vector, against numpy formulas written here.

PyTorch's definitions (torch.nn.utils.clip_grad_norm_ and friends)::

    total = || [ ||g_1||_p, ..., ||g_k||_p ] ||_p        over the parameters that have a .grad
    g_i  <- g_i * min(1, max_norm / (total + 1e-6))       in place; total is returned
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.utils.clip_grad
import microtensor.nn.utils.convert_parameters
from microtensor import nn
from tests.strategies import shapes


def _params_with_grads(grads, dtype=np.float32):
    params = []
    for grad in grads:
        param = nn.Parameter(mt.tensor(np.zeros(np.shape(grad), dtype=dtype)))
        if grad is not None:
            param.grad = mt.tensor(np.asarray(grad, dtype=dtype))
        params.append(param)
    return params


def _numpy_norm(arrays, p):
    flat = np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64)
    if p == math.inf:
        return np.abs(flat).max()
    return (np.abs(flat) ** p).sum() ** (1 / p)


def test_the_package_is_laid_out_as_pytorchs():
    assert mt.nn.utils.clip_grad_norm_ is microtensor.nn.utils.clip_grad.clip_grad_norm_
    assert mt.nn.utils.parameters_to_vector is microtensor.nn.utils.convert_parameters.parameters_to_vector
    for name in ("clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters",
                 "get_total_norm", "clip_grads_with_norm_", "clip_grad_norm"):
        assert name in mt.nn.utils.__all__


# ------------------------------------------------------------ clip_grad_norm_
@settings(max_examples=10)
@given(shape_list=st.lists(shapes(min_dims=1, max_dims=2), min_size=1, max_size=3),
       p=st.sampled_from([1.0, 2.0, 3.0, math.inf]), max_norm=st.sampled_from([0.1, 1.0, 100.0]))
def test_clip_grad_norm_matches_the_formula(shape_list, p, max_norm):
    rng = np.random.default_rng(len(shape_list))
    grads = [rng.normal(size=shape) for shape in shape_list]
    params = _params_with_grads(grads, np.float64)
    total = mt.nn.utils.clip_grad_norm_(params, max_norm, norm_type=p)
    want_total = _numpy_norm(grads, p)
    assert isinstance(total, mt.Tensor) and total.shape == () and total.dtype == mt.float64
    np.testing.assert_allclose(total.item(), want_total, rtol=1e-12)
    coefficient = min(1.0, max_norm / (want_total + 1e-6))
    for param, grad in zip(params, grads):
        np.testing.assert_allclose(param.grad.numpy(), grad * coefficient, rtol=1e-12)


def test_clip_grad_norm_result_has_norm_max_norm_and_small_gradients_stay_exactly():
    params = _params_with_grads([[3.0, 4.0], [12.0]])
    total = mt.nn.utils.clip_grad_norm_(params, max_norm=1.0)
    assert total.dtype == mt.float32 and total.item() == pytest.approx(13.0)
    np.testing.assert_allclose(_numpy_norm([p.grad.numpy() for p in params], 2), 1.0, rtol=1e-5)
    small = _params_with_grads([[0.3, 0.4]])
    mt.nn.utils.clip_grad_norm_(small, max_norm=1.0)
    np.testing.assert_array_equal(small[0].grad.numpy(), np.float32([0.3, 0.4]))  # scaled by exactly 1


def test_clip_grad_norm_accepts_a_single_tensor_and_changes_grad_in_place():
    (param,) = _params_with_grads([[6.0, 8.0]])
    grad = param.grad
    version = grad._version
    total = mt.nn.utils.clip_grad_norm_(param, 5.0)
    assert total.item() == pytest.approx(10.0)
    assert param.grad is grad and grad._version == version + 1
    np.testing.assert_allclose(grad.numpy(), [3.0, 4.0], rtol=1e-5)


def test_parameters_without_grad_are_skipped():
    with_grad, without = _params_with_grads([[3.0, 4.0], None])
    total = mt.nn.utils.clip_grad_norm_(iter([with_grad, without]), 1.0)
    assert total.item() == pytest.approx(5.0) and without.grad is None


def test_infinity_norm_as_float_or_string():
    params = _params_with_grads([[1.0, -7.0], [3.0]])
    assert mt.nn.utils.clip_grad_norm_(params, 100.0, norm_type="inf").item() == 7.0
    assert mt.nn.utils.clip_grad_norm_(params, 100.0, norm_type=float("inf")).item() == 7.0


def test_zero_norm_counts_tensors_with_a_non_zero_entry_as_pytorch():
    # Each gradient's 0-"norm" is its count of non-zeros; the total is the 0-"norm" of those counts.
    params = _params_with_grads([[1.0, 0.0, 2.0], [0.0, 0.0], [5.0]])
    assert mt.nn.utils.clip_grad_norm_(params, 100.0, norm_type=0).item() == 2.0


def test_mixed_dtypes_promote_the_total():
    params = _params_with_grads([[3.0]], np.float32) + _params_with_grads([[4.0]], np.float64)
    total = mt.nn.utils.clip_grad_norm_(params, 1.0)
    assert total.dtype == mt.float64 and total.item() == pytest.approx(5.0)
    assert params[0].grad.dtype == mt.float32 and params[1].grad.dtype == mt.float64


def test_nothing_to_clip():
    assert mt.nn.utils.clip_grad_norm_([], 1.0).tolist() == 0.0
    assert mt.nn.utils.clip_grad_norm_([], 1.0).dtype == mt.float32
    with pytest.warns(UserWarning, match="empty generator"):
        mt.nn.utils.clip_grad_norm_((p for p in []), 1.0)


def test_non_finite_norm_raises_on_request_and_spreads_otherwise():
    params = _params_with_grads([[1.0, float("nan")]])
    with pytest.raises(RuntimeError, match=r"The total norm of order 2.0 for gradients from `parameters` is non-finite"):
        mt.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert np.isnan(params[0].grad.numpy()[1])  # the error left the gradients alone
    assert params[0].grad.numpy()[0] == 1.0
    total = mt.nn.utils.clip_grad_norm_(params, 1.0)
    assert np.isnan(total.item()) and np.all(np.isnan(params[0].grad.numpy()))
    params = _params_with_grads([[1.0, float("inf")]])
    with pytest.raises(RuntimeError, match="error_if_nonfinite=False"):
        mt.nn.utils.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)


def test_clip_grad_norm_inside_a_training_step():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = mt.optim.SGD(model.parameters(), lr=0.1)
    loss = (model(mt.randn(16, 3)) * 100).pow(2).mean()
    loss.backward()
    before = [p.grad.numpy().copy() for p in model.parameters()]
    total = mt.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.5, foreach=True)
    np.testing.assert_allclose(total.item(), _numpy_norm(before, 2), rtol=1e-5)
    np.testing.assert_allclose(_numpy_norm([p.grad.numpy() for p in model.parameters()], 2), 0.5, rtol=1e-5)
    optimizer.step()


def test_get_total_norm_and_clip_grads_with_norm_compose_to_clip_grad_norm_():
    params = _params_with_grads([[3.0, 4.0]])
    total = mt.nn.utils.get_total_norm([p.grad for p in params])
    mt.nn.utils.clip_grads_with_norm_(params, 2.5, total)
    np.testing.assert_allclose(params[0].grad.numpy(), [1.5, 2.0], rtol=1e-5)


def test_deprecated_clip_grad_norm_warns_and_clips():
    params = _params_with_grads([[3.0, 4.0]])
    with pytest.warns(FutureWarning, match="deprecated"):
        total = mt.nn.utils.clip_grad_norm(params, 1.0)
    assert total.item() == pytest.approx(5.0)


def test_clip_grad_bad_arguments():
    with pytest.raises(TypeError, match="iterable of Tensors"):
        mt.nn.utils.clip_grad_norm_(3.0, 1.0)
    with pytest.raises(TypeError, match="entry 1 is a list"):
        mt.nn.utils.clip_grad_norm_([nn.Parameter(mt.ones(1)), [1.0]], 1.0)


# ------------------------------------------------------------ clip_grad_value_
def test_clip_grad_value_clamps_in_place_and_skips_missing_grads():
    a, b, c = _params_with_grads([[-3.0, 0.5, 2.0], [10.0], None])
    grad = a.grad
    assert mt.nn.utils.clip_grad_value_([a, b, c], clip_value=1.5) is None
    assert a.grad is grad and a.grad.tolist() == [-1.5, 0.5, 1.5] and b.grad.tolist() == [1.5]
    assert c.grad is None
    mt.nn.utils.clip_grad_value_(a, 0.25)  # a single tensor
    assert a.grad.tolist() == [-0.25, 0.25, 0.25] and a.grad.dtype == mt.float32


def test_clip_grad_value_matches_numpy_clip():
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=(3, 4)) * 3, rng.normal(size=(5,))]
    params = _params_with_grads(grads, np.float64)
    mt.nn.utils.clip_grad_value_(params, 1.0)
    for param, grad in zip(params, grads):
        np.testing.assert_array_equal(param.grad.numpy(), np.clip(grad, -1.0, 1.0))


# ------------------------------------------------- parameters <-> one vector
def test_parameters_to_vector_concatenates_the_flattened_parameters():
    mt.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    vec = mt.nn.utils.parameters_to_vector(model.parameters())
    want = np.concatenate([p.detach().numpy().ravel() for p in model.parameters()])
    assert vec.shape == (11,) and vec.dtype == mt.float32
    np.testing.assert_array_equal(vec.detach().numpy(), want)


def test_parameters_to_vector_is_differentiable():
    a = nn.Parameter(mt.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=mt.float64))
    b = nn.Parameter(mt.tensor([5.0], dtype=mt.float64))
    vec = mt.nn.utils.parameters_to_vector([a, b])
    weights = mt.tensor(np.arange(1.0, 6.0))
    (vec * weights).sum().backward()
    np.testing.assert_array_equal(a.grad.numpy(), [[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(b.grad.numpy(), [5.0])


def test_vector_to_parameters_fills_each_parameter_in_order():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    params = list(model.parameters())
    vec = mt.arange(11, dtype=mt.float32)
    mt.nn.utils.vector_to_parameters(vec, model.parameters())
    assert list(model.parameters()) == params  # same Parameter objects
    np.testing.assert_array_equal(model[0].weight.detach().numpy(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(model[0].bias.detach().numpy(), [6.0, 7.0])
    np.testing.assert_array_equal(model[1].weight.detach().numpy(), [[8.0, 9.0]])
    np.testing.assert_array_equal(model[1].bias.detach().numpy(), [10.0])
    assert np.shares_memory(model[1].bias.detach().numpy(), vec.numpy())  # as in PyTorch


def test_vector_round_trip_and_an_optimizer_still_steps():
    mt.manual_seed(1)
    source, target = nn.Linear(4, 3), nn.Linear(4, 3)
    mt.nn.utils.vector_to_parameters(mt.nn.utils.parameters_to_vector(source.parameters()).detach(),
                                     target.parameters())
    x = mt.randn(2, 4)
    np.testing.assert_array_equal(source(x).detach().numpy(), target(x).detach().numpy())
    optimizer = mt.optim.SGD(target.parameters(), lr=0.1)
    target(x).sum().backward()
    optimizer.step()


def test_vector_to_parameters_errors():
    params = [nn.Parameter(mt.zeros(2, 3))]
    with pytest.raises(TypeError, match="expected microtensor.Tensor, but got: list"):
        mt.nn.utils.vector_to_parameters([1.0] * 6, params)
    with pytest.raises(RuntimeError, match="vec has 4 elements, but the parameters need 6"):
        mt.nn.utils.vector_to_parameters(mt.zeros(4), params)
    with pytest.raises(RuntimeError, match="1-D"):
        mt.nn.utils.vector_to_parameters(mt.zeros(2, 3), params)
    with pytest.raises(TypeError, match="parameter 0 is a ndarray"):
        mt.nn.utils.parameters_to_vector([np.zeros(3)])


def test_no_warnings_from_normal_use():
    params = _params_with_grads([[1.0, 2.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.nn.utils.clip_grad_norm_(params, 1.0)
        mt.nn.utils.clip_grad_value_(params, 1.0)


# ---------------------------------------------------------------- rnn padding
def test_pad_sequence_pads_each_sequence_and_sends_the_gradient_back():
    from microtensor.nn.utils.rnn import pad_sequence, unpad_sequence

    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal((length, 2)) for length in (3, 1, 2)]
    sequences = [mt.tensor(a, requires_grad=True) for a in arrays]
    expected = np.full((3, 3, 2), -1.0)  # (batch, L_max, features), filled by hand
    for index, a in enumerate(arrays):
        expected[index, :len(a)] = a
    padded = pad_sequence(sequences, batch_first=True, padding_value=-1.0)
    np.testing.assert_array_equal(padded.detach().numpy(), expected)
    np.testing.assert_array_equal(pad_sequence(sequences, padding_value=-1.0).detach().numpy(),
                                  expected.transpose(1, 0, 2))
    left = pad_sequence(sequences, batch_first=True, padding_side="left").detach().numpy()
    np.testing.assert_array_equal(left[1], [[0.0, 0.0], [0.0, 0.0], arrays[1][0]])
    weights = rng.standard_normal(expected.shape)
    (padded * mt.tensor(weights)).sum().backward()
    for index, sequence in enumerate(sequences):
        np.testing.assert_array_equal(sequence.grad.numpy(), weights[index, :len(arrays[index])])
    back = unpad_sequence(padded, mt.tensor([3, 1, 2]), batch_first=True)
    for a, b in zip(back, arrays):
        np.testing.assert_array_equal(a.detach().numpy(), b)
    assert mt.nn.utils.rnn.pad_sequence is pad_sequence


def test_pad_sequence_errors():
    from microtensor.nn.utils.rnn import pad_sequence

    with pytest.raises(RuntimeError, match="trailing shape"):
        pad_sequence([mt.zeros(2, 3), mt.zeros(2, 4)])
    with pytest.raises(RuntimeError, match="empty list"):
        pad_sequence([])
    with pytest.raises(ValueError, match="padding_side"):
        pad_sequence([mt.zeros(2)], padding_side="top")
