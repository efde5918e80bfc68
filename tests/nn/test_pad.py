"""F.pad: every mode against numpy's own ``np.pad`` (constant, reflect, edge, wrap) and slicing for
negative pads, PyTorch's pad order (last dim first), gradients in float64, second derivatives,
dtypes and PyTorch's errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn
from tests.strategies import check_gradients, leaf

NUMPY_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def numpy_pad(array, pad, mode, value=0.0):
    """The oracle: ``np.pad`` with the positive amounts (pairs reversed into dim order) and a crop for
    the negative ones; PyTorch crops before a circular pad (the wrap is around what is left) and after
    the other modes (where it makes no difference to what the kept positions read)."""
    pairs = [(pad[i], pad[i + 1]) for i in range(0, len(pad), 2)][::-1]
    lead = array.ndim - len(pairs)
    widths = [(0, 0)] * lead + [(max(left, 0), max(right, 0)) for left, right in pairs]
    options = {"constant_values": value} if mode == "constant" else {}

    def crop(values):
        index = [slice(None)] * lead + [
            slice(max(-left, 0), values.shape[lead + k] - max(-right, 0)) for k, (left, right) in enumerate(pairs)]
        return values[tuple(index)]

    if mode == "circular":
        return np.pad(crop(array), widths, mode="wrap")
    return crop(np.pad(array, widths, mode=NUMPY_MODE[mode], **options))


@st.composite
def padded_cases(draw, mode):
    """(array shape, pad tuple) that the mode accepts; sides 1-4, amounts -2..3."""
    padded_dims = draw(st.integers(1, 3 if mode == "constant" else 2))
    lead = draw(st.integers(0 if mode == "constant" else 1, 2))
    shape = tuple(draw(st.integers(1, 4)) for _ in range(lead + padded_dims))
    pad = []
    for size in reversed(shape[lead:]):
        if mode == "reflect":
            bound = size - 1
        elif mode == "circular":
            bound = size
        else:
            bound = 3
        for _ in range(2):
            pad.append(draw(st.integers(-min(2, (size - 1) // 2), bound)))
    return shape, tuple(pad)


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@settings(max_examples=10)
@given(data=st.data())
def test_every_mode_matches_numpy_pad_and_has_the_right_gradient(mode, data):
    shape, pad = data.draw(padded_cases(mode))
    array = np.random.default_rng(len(shape) + sum(pad)).standard_normal(shape)
    out = F.pad(mt.tensor(array), pad, mode=mode)
    np.testing.assert_array_equal(out.numpy(), numpy_pad(array, pad, mode))
    check_gradients(lambda x: F.pad(x, pad, mode=mode), array)


def test_pad_order_is_last_dim_first_and_value_fills():
    x = mt.arange(6.0).reshape(2, 3)
    out = F.pad(x, (1, 0, 0, 2), value=-1.0)  # W: 1 left; H: 2 below
    expected = np.array([[-1, 0, 1, 2], [-1, 3, 4, 5], [-1, -1, -1, -1], [-1, -1, -1, -1]], dtype=np.float32)
    np.testing.assert_array_equal(out.numpy(), expected)
    assert out.dtype == mt.float32


def test_hand_computed_index_rules():
    row = mt.arange(5.0).reshape(1, 1, 5)
    np.testing.assert_array_equal(F.pad(row, (2, 3), mode="reflect").numpy()[0, 0], [2, 1, 0, 1, 2, 3, 4, 3, 2, 1])
    np.testing.assert_array_equal(F.pad(row, (2, 3), mode="circular").numpy()[0, 0], [3, 4, 0, 1, 2, 3, 4, 0, 1, 2])
    np.testing.assert_array_equal(F.pad(row, (2, 1), mode="replicate").numpy()[0, 0], [0, 0, 0, 1, 2, 3, 4, 4])
    np.testing.assert_array_equal(F.pad(row, (-1, 2), mode="reflect").numpy()[0, 0], [1, 2, 3, 4, 3, 2])
    np.testing.assert_array_equal(F.pad(row, (-1, 3), mode="circular").numpy()[0, 0], [1, 2, 3, 4, 1, 2, 3])
    np.testing.assert_array_equal(F.pad(row, (3, -2), mode="circular").numpy()[0, 0], [0, 1, 2, 0, 1, 2])
    np.testing.assert_array_equal(F.pad(row, (-4, 0)).numpy()[0, 0], [4])
    assert F.pad(row, (-3, -2)).shape == (1, 1, 0)


def test_border_gradients_add_up():
    x = leaf(np.arange(3.0).reshape(1, 3))
    F.pad(x, (2, 2), mode="replicate").sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[3, 1, 3]])  # each end is read three times
    y = leaf(np.arange(3.0).reshape(1, 3))
    F.pad(y, (2, 2), mode="reflect").sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), [[2, 3, 2]])  # reads [2 1 | 0 1 2 | 1 0]


@pytest.mark.parametrize("mode", ["constant", "reflect"])
def test_second_derivatives(mode):
    array = np.random.default_rng(1).standard_normal((1, 2, 3, 3))

    def first_derivative(x):
        y = F.pad(x, (1, 2, -1, 1), mode=mode)
        return mt.autograd.grad((y * y * y).sum(), x, create_graph=True)[0]

    check_gradients(first_derivative, array)


def test_dtypes_are_kept():
    ints = F.pad(mt.arange(4), (1, 1), value=7)
    assert ints.dtype == mt.int64 and ints.tolist() == [7, 0, 1, 2, 3, 7]
    assert F.pad(mt.zeros(1, 3, dtype=mt.float64), (1, 1), mode="circular").dtype == mt.float64
    assert F.pad(mt.ones(2, 2), [1, 1]).shape == (2, 4)  # a list works as in PyTorch


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: F.pad(x, (1,)), RuntimeError, "Padding length must be divisible by 2"),
        (lambda x: F.pad(x, (1, 1) * 4), RuntimeError, "two times the input dimension but got padding length 8"),
        (lambda x: F.pad(x, (1.5, 1)), TypeError, "must be tuple of ints"),
        (lambda x: F.pad(x, (1, 1), mode="zeros"), NotImplementedError, "Unrecognised padding mode zeros"),
        (lambda x: F.pad(x, (4, 0), mode="reflect"), RuntimeError, r"less than the corresponding input dimension.*"
                                                                 r"padding \(4, 0\) at dimension 2"),
        (lambda x: F.pad(x, (5, 0), mode="circular"), RuntimeError, "wrapping around more than once"),
        (lambda x: F.pad(x, (1, 1), mode="reflect", value=2.0), RuntimeError, "doesn't take in value"),
        (lambda x: F.pad(x[0, 0], (1, 1), mode="replicate"), NotImplementedError, "Padding size 2 is not supported "
                                                                                  "for 1D input"),
        (lambda x: F.pad(x, (-3, -2)), RuntimeError, "negative size -1"),
        (lambda x: F.pad([1.0], (1, 1)), TypeError, "must be a Tensor"),
    ],
)
def test_errors_name_the_problem(call, error, match):
    with pytest.raises(error, match=match):
        call(mt.zeros(1, 2, 4))


# ----------------------------------------------------------- padding layers
@pytest.mark.parametrize("layer, padding, numpy_mode, shape", [
    (nn.ZeroPad2d, (1, 0, 2, 1), "constant", (1, 2, 3, 3)), (nn.ZeroPad1d, 2, "constant", (2, 3)),
    (nn.ReflectionPad2d, 1, "reflect", (1, 2, 3, 3)), (nn.ReflectionPad1d, (2, 1), "reflect", (2, 3, 4)),
    (nn.ReplicationPad2d, (1, 2, 0, 1), "edge", (1, 2, 3, 3)), (nn.ReplicationPad3d, 1, "edge", (1, 1, 2, 2, 2)),
    (nn.CircularPad2d, 1, "wrap", (1, 2, 3, 3)), (nn.ReflectionPad3d, 1, "reflect", (1, 1, 2, 3, 3)),
])
def test_padding_layers_pad_like_numpy_and_gradcheck(layer, padding, numpy_mode, shape):
    x = np.random.default_rng(0).standard_normal(shape)
    module = layer(padding)
    dims = int(layer.__name__[-2])
    flat = (padding,) * (2 * dims) if isinstance(padding, int) else padding
    assert module.padding == flat and repr(module) == f"{layer.__name__}({flat})"
    pairs = [(0, 0)] * (x.ndim - dims) + [(flat[2 * k], flat[2 * k + 1]) for k in reversed(range(dims))]
    np.testing.assert_array_equal(module(mt.tensor(x)).numpy(), np.pad(x, pairs, mode=numpy_mode))
    assert mt.autograd.gradcheck(module, (mt.tensor(x, requires_grad=True),))


def test_constant_pad_layers_take_a_value():
    layer = nn.ConstantPad2d((1, 0, 0, 2), 0.5)
    assert repr(layer) == "ConstantPad2d(padding=(1, 0, 0, 2), value=0.5)"
    np.testing.assert_array_equal(layer(mt.ones(1, 1, 1, 1)).numpy(), [[[[0.5, 1.0], [0.5, 0.5], [0.5, 0.5]]]])
    with pytest.raises(ValueError, match="a tuple of 4 ints"):
        nn.ZeroPad2d((1, 2, 3))
