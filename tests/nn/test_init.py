"""mt.nn.init: PyTorch's gains, fans and bounds; in place, dtype kept, reproducible."""
import math

import numpy as np
import pytest

import microtensor as mt
from microtensor import nn
from microtensor.nn import init


@pytest.mark.parametrize(
    "name, param, gain",
    [
        ("linear", None, 1.0), ("conv2d", None, 1.0), ("sigmoid", None, 1.0), ("tanh", None, 5 / 3),
        ("relu", None, math.sqrt(2)), ("leaky_relu", None, math.sqrt(2 / (1 + 0.01 ** 2))),
        ("leaky_relu", math.sqrt(5), math.sqrt(1 / 3)), ("selu", None, 0.75),
    ],
)
def test_calculate_gain_matches_pytorchs_table(name, param, gain):
    assert init.calculate_gain(name, param) == pytest.approx(gain)


def test_calculate_gain_unknown_nonlinearity():
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")


def big_weight(*shape, dtype=mt.float32):
    return nn.Parameter(mt.zeros(*shape, dtype=dtype))


def test_uniform_and_normal_fill_in_place_with_the_right_statistics():
    mt.manual_seed(0)
    w = big_weight(300, 300)
    data = w.detach().numpy()
    assert init.uniform_(w, -2.0, 3.0) is w and w.detach().numpy() is data
    assert data.min() >= -2 and data.max() <= 3
    assert abs(data.mean() - 0.5) < 0.05 and abs(data.std() - 5 / math.sqrt(12)) < 0.05
    init.normal_(w, mean=1.0, std=0.5)
    values = w.detach().numpy()
    assert abs(values.mean() - 1.0) < 0.01 and abs(values.std() - 0.5) < 0.01
    assert w.dtype == mt.float32 and w.requires_grad and w.grad_fn is None


def test_constant_zeros_ones_and_eye():
    w = big_weight(3, 4, dtype=mt.float64)
    np.testing.assert_array_equal(init.constant_(w, 2.5).data, np.full((3, 4), 2.5))
    np.testing.assert_array_equal(init.zeros_(w).data, np.zeros((3, 4)))
    np.testing.assert_array_equal(init.ones_(w).data, np.ones((3, 4)))
    np.testing.assert_array_equal(init.eye_(w).data, np.eye(3, 4))
    assert w.dtype == mt.float64


def test_xavier_uniform_bound_uses_fans_with_receptive_field():
    mt.manual_seed(1)
    w = big_weight(20, 10, 3, 3)  # fan_in = 10*9 = 90, fan_out = 20*9 = 180
    bound = 2.0 * math.sqrt(6 / (90 + 180))
    init.xavier_uniform_(w, gain=2.0)
    largest = np.abs(w.detach().numpy()).max()
    assert largest <= bound and largest > 0.95 * bound


def test_xavier_normal_std():
    mt.manual_seed(2)
    w = big_weight(400, 200)
    init.xavier_normal_(w)
    assert abs(w.detach().numpy().std() - math.sqrt(2 / 600)) < 0.02 * math.sqrt(2 / 600)


@pytest.mark.parametrize("mode, fan", [("fan_in", 200), ("fan_out", 300)])
def test_kaiming_uniform_and_normal(mode, fan):
    mt.manual_seed(3)
    w = big_weight(300, 200)
    init.kaiming_uniform_(w, mode=mode, nonlinearity="relu")
    bound = math.sqrt(2) * math.sqrt(3 / fan)
    largest = np.abs(w.detach().numpy()).max()
    assert largest <= bound and largest > 0.99 * bound
    init.kaiming_normal_(w, mode=mode, nonlinearity="relu")
    assert abs(w.detach().numpy().std() - math.sqrt(2 / fan)) < 0.02 * math.sqrt(2 / fan)


def test_kaiming_uniform_with_linears_a_gives_one_over_sqrt_fan_in():
    mt.manual_seed(4)
    w = big_weight(100, 64)
    init.kaiming_uniform_(w, a=math.sqrt(5))
    largest = np.abs(w.detach().numpy()).max()
    assert largest <= 1 / 8 and largest > 0.99 / 8


def test_init_is_reproducible_under_manual_seed():
    a, b = big_weight(5, 5), big_weight(5, 5)
    mt.manual_seed(9)
    init.xavier_uniform_(a)
    mt.manual_seed(9)
    init.xavier_uniform_(b)
    np.testing.assert_array_equal(a.data, b.data)


def test_fans_need_two_dimensions():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(big_weight(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_uniform_(big_weight(2, 2), mode="fan_avg")


def test_init_does_not_record_a_graph_and_bumps_the_version():
    w = big_weight(2, 2)
    version = w._version
    init.normal_(w)
    assert w.is_leaf and w._version == version + 1


def test_trunc_normal_stays_in_bounds_with_the_truncated_normal_moments():
    # [a, b] = [-0.5, 1.0] for N(0, 1): the mean and variance of the truncated law in closed form
    a, b = -0.5, 1.0
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    mass = 0.5 * (math.erf(b / math.sqrt(2)) - math.erf(a / math.sqrt(2)))
    mean = (pdf(a) - pdf(b)) / mass
    var = 1 + (a * pdf(a) - b * pdf(b)) / mass - mean ** 2
    t = init.trunc_normal_(mt.empty(200, 100, dtype=mt.float64), a=a, b=b, generator=mt.Generator().manual_seed(0))
    values = t.numpy()
    assert values.min() >= a and values.max() <= b
    assert abs(values.mean() - mean) < 0.01 and abs(values.var() - var) < 0.01
    small = init.trunc_normal_(mt.empty(1000), std=0.02)  # ViT's call: bounds are absolute (+-2)
    assert abs(small.numpy().std() - 0.02) < 0.002


def test_trunc_normal_refuses_bounds_that_hold_no_mass():
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(mt.empty(3), a=1.0, b=0.0)
    with pytest.raises(ValueError, match="almost none"):
        init.trunc_normal_(mt.empty(3), a=50.0, b=51.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3, 3)])
def test_orthogonal_gives_orthonormal_rows_or_columns_times_the_gain(shape):
    t = init.orthogonal_(mt.empty(*shape, dtype=mt.float64), gain=2.0)
    flat = t.numpy().reshape(shape[0], -1)
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, 4.0 * np.eye(small), atol=1e-12)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(mt.empty(4))


def test_orthogonal_and_trunc_normal_follow_the_generator():
    for fill in (init.orthogonal_, init.trunc_normal_):
        first = fill(mt.empty(3, 3), generator=mt.Generator().manual_seed(5)).numpy()
        np.testing.assert_array_equal(first, fill(mt.empty(3, 3), generator=mt.Generator().manual_seed(5)).numpy())
