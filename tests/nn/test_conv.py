"""F.conv1d / F.conv2d and nn.Conv1d / nn.Conv2d: values against a direct loop (and
np.correlate), gradients in float64 over hypothesis shapes (batch, channels, kernel,
stride, padding, dilation, groups), second derivatives, both im2col layouts, PyTorch's
parameters, initialisation, padding modes, repr and errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from microtensor.nn import _conv_geometry, _conv_layouts
from tests.strategies import check_gradients


def direct_conv2d(x, w, b=None, stride=(1, 1), pads=((0, 0), (0, 0)), dilation=(1, 1), groups=1):
    """The oracle: y[n, o, i, j] = b[o] + sum_{c, p, q} w[o, c, p, q] x_padded[n, g(o) + c, i s + p d, j s + q d]."""
    n = x.shape[0]
    out_channels, per_group, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), pads[0], pads[1]))
    oh = (xp.shape[2] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (xp.shape[3] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    y = np.zeros((n, out_channels, oh, ow))
    per_out_group = out_channels // groups
    for batch in range(n):
        for o in range(out_channels):
            first = (o // per_out_group) * per_group
            for i in range(oh):
                for j in range(ow):
                    total = 0.0 if b is None else b[o]
                    for c in range(per_group):
                        for p in range(kh):
                            for q in range(kw):
                                total += w[o, c, p, q] * xp[batch, first + c, i * stride[0] + p * dilation[0],
                                                            j * stride[1] + q * dilation[1]]
                    y[batch, o, i, j] = total
    return y


@st.composite
def conv_cases(draw):
    """Small convolution problems whose kernel fits: (x shape, w shape, stride, padding, dilation, groups)."""
    groups = draw(st.integers(1, 2))
    per_group, per_out_group = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    padding = (draw(st.integers(0, 2)), draw(st.integers(0, 2)))
    spatial = tuple(
        draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 5)) for k, d, p in zip(kernel, dilation, padding))
    x_shape = (draw(st.integers(1, 2)), groups * per_group) + spatial
    w_shape = (groups * per_out_group, per_group) + kernel
    return x_shape, w_shape, stride, padding, dilation, groups


@settings(max_examples=12)
@given(case=conv_cases(), with_bias=st.booleans())
def test_conv2d_matches_direct_loop_and_gradcheck(case, with_bias):
    x_shape, w_shape, stride, padding, dilation, groups = case
    rng = np.random.default_rng(sum(x_shape) + sum(w_shape))
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    bias = mt.tensor(b) if with_bias else None
    y = F.conv2d(mt.tensor(x), mt.tensor(w), bias, stride, padding, dilation, groups)
    expected = direct_conv2d(x, w, b if with_bias else None, stride, tuple((p, p) for p in padding), dilation, groups)
    assert y.dtype == mt.float64 and y.shape == expected.shape
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10, atol=1e-12)
    weights = rng.standard_normal(expected.shape)  # a random direction: checks the whole Jacobian's action

    def loss(x, w, *b):
        return (F.conv2d(x, w, b[0] if b else None, stride, padding, dilation, groups) * mt.tensor(weights)).sum()

    check_gradients(loss, x, w, *((b,) if with_bias else ()))


def test_both_im2col_layouts_give_the_same_values_and_gradients():
    """ChannelsFirst is chosen for few channels over wide images, ChannelsLast for many channels."""
    rng = np.random.default_rng(0)
    for x_shape, w_shape, layout in [((2, 1, 5, 7), (3, 1, 3, 2), _conv_layouts.ChannelsFirst),
                                     ((1, 2, 3, 6), (4, 1, 2, 2), _conv_layouts.ChannelsFirst),
                                     ((2, 4, 3, 3), (2, 2, 3, 3), _conv_layouts.ChannelsLast)]:
        geometry = _conv_geometry._plan(x_shape, w_shape, None, 1, 1, 1, x_shape[1] // w_shape[1], 2, "conv2d")
        assert geometry.layout is layout
        x, w = rng.standard_normal(x_shape), rng.standard_normal(w_shape)
        groups = x_shape[1] // w_shape[1]
        expected = direct_conv2d(x, w, pads=((1, 1), (1, 1)), groups=groups)
        np.testing.assert_allclose(F.conv2d(mt.tensor(x), mt.tensor(w), padding=1, groups=groups).numpy(),
                                   expected, rtol=1e-10, atol=1e-12)
        check_gradients(lambda a, c, groups=groups: (F.conv2d(a, c, padding=1, groups=groups) ** 2).sum(), x, w)


def test_second_derivatives_through_conv_input_and_weight_grads():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 2, 4, 5)), rng.standard_normal((2, 1, 2, 3))

    def first_derivatives(x, w):
        y = F.conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2), groups=2)
        return mt.autograd.grad((y * y * y).sum(), (x, w), create_graph=True)

    check_gradients(first_derivatives, x, w)


def test_padding_same_and_valid():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 5, 6))
    for kernel, dilation in [((3, 3), (1, 1)), ((2, 4), (1, 1)), ((2, 3), (2, 1))]:
        w = rng.standard_normal((3, 2) + kernel)
        y = F.conv2d(mt.tensor(x), mt.tensor(w), padding="same", dilation=dilation)
        totals = [d * (k - 1) for k, d in zip(kernel, dilation)]
        pads = tuple((t // 2, t - t // 2) for t in totals)  # PyTorch: the odd one extra at the end
        assert y.shape == (1, 3, 5, 6)
        np.testing.assert_allclose(y.numpy(), direct_conv2d(x, w, pads=pads, dilation=dilation), rtol=1e-10)
    w = rng.standard_normal((3, 2, 3, 3))
    np.testing.assert_allclose(F.conv2d(mt.tensor(x), mt.tensor(w), padding="valid").numpy(),
                               direct_conv2d(x, w), rtol=1e-10)
    np.testing.assert_allclose(F.conv2d(mt.tensor(x), mt.tensor(w), padding=(0, 2)).numpy(),
                               direct_conv2d(x, w, pads=((0, 0), (2, 2))), rtol=1e-10)


def test_conv1d_matches_numpy_correlate_and_unbatched_inputs():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((2, 3, 9)), rng.standard_normal((4, 3, 3)), rng.standard_normal(4)
    y = F.conv1d(mt.tensor(x), mt.tensor(w), mt.tensor(b), padding=1)
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1)))
    expected = np.stack([
        np.stack([sum(np.correlate(padded[n, c], w[o, c], mode="valid") for c in range(3)) + b[o] for o in range(4)])
        for n in range(2)])
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-10)
    strided = F.conv1d(mt.tensor(x), mt.tensor(w), stride=2, dilation=2)
    np.testing.assert_allclose(strided.numpy(), direct_conv2d(x[:, :, None], w[:, :, None], stride=(1, 2),
                                                              dilation=(1, 2))[:, :, 0], rtol=1e-10)
    np.testing.assert_allclose(F.conv1d(mt.tensor(x[0]), mt.tensor(w), padding=1).numpy(),
                               expected[0] - b[:, None], rtol=1e-10)
    image, kernel = rng.standard_normal((3, 4, 4)), rng.standard_normal((2, 3, 3, 3))
    np.testing.assert_allclose(F.conv2d(mt.tensor(image), mt.tensor(kernel)).numpy(),
                               direct_conv2d(image[None], kernel)[0], rtol=1e-10)
    check_gradients(lambda a, c: (F.conv1d(a, c, stride=2, padding="valid") ** 2).sum(), x[:1], w[:2])
    check_gradients(lambda a: (F.conv2d(a, mt.tensor(kernel), padding=1) ** 2).sum(), image)


def test_float32_stays_float32_and_views_work():
    x = mt.randn(2, 3, 5, 5, requires_grad=True)
    conv = mt.nn.Conv2d(3, 4, 3, padding=1)
    y = conv(x.transpose(2, 3))  # a non-contiguous input
    assert y.dtype == mt.float32 and y.shape == (2, 4, 5, 5)
    np.testing.assert_allclose(y.detach().numpy(), direct_conv2d(
        x.detach().numpy().transpose(0, 1, 3, 2), conv.weight.detach().numpy(), conv.bias.detach().numpy(),
        pads=((1, 1), (1, 1))), rtol=1e-4, atol=1e-5)
    y.sum().backward()
    assert x.grad.dtype == conv.weight.grad.dtype == conv.bias.grad.dtype == mt.float32
    ints = F.conv2d(mt.ones(1, 1, 3, 3, dtype=mt.int64), mt.ones(1, 1, 2, 2, dtype=mt.int64))
    assert ints.dtype == mt.int64 and ints.tolist() == [[[[4, 4], [4, 4]]]]
    assert F.conv2d(mt.zeros(0, 3, 5, 5), conv.weight.detach()).shape == (0, 4, 3, 3)


def test_modules_have_pytorchs_parameters_init_and_repr():
    mt.manual_seed(0)
    conv = mt.nn.Conv2d(4, 8, (3, 5), stride=2, padding=1, dilation=2, groups=2, bias=False, padding_mode="reflect")
    assert [name for name, _ in conv.named_parameters()] == ["weight"] and conv.weight.shape == (8, 2, 3, 5)
    assert repr(conv) == ("Conv2d(4, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
                          "groups=2, bias=False, padding_mode=reflect)")
    assert repr(mt.nn.Conv2d(1, 16, 3)) == "Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1))"
    same = "Conv2d(1, 16, kernel_size=(3, 3), stride=(1, 1), padding=same)"
    assert repr(mt.nn.Conv2d(1, 16, 3, padding="same")) == same
    assert repr(mt.nn.Conv1d(4, 8, 3, stride=2)) == "Conv1d(4, 8, kernel_size=(3,), stride=(2,))"
    layer = mt.nn.Conv2d(16, 32, 3, padding=1)
    assert list(layer.state_dict()) == ["weight", "bias"] and layer.bias.shape == (32,)
    assert (layer.kernel_size, layer.stride, layer.padding, layer.dilation, layer.groups) == ((3, 3), (1, 1), (1, 1),
                                                                                          (1, 1), 1)
    bound = 1 / math.sqrt(16 * 9)  # kaiming_uniform_(a=sqrt(5)) and the bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    for values in (layer.weight.detach().numpy(), layer.bias.detach().numpy()):
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.8 * bound
    mt.manual_seed(5)
    first = mt.nn.Conv1d(2, 3, 4).weight.detach().numpy()
    mt.manual_seed(5)
    assert np.array_equal(first, mt.nn.Conv1d(2, 3, 4).weight.detach().numpy())
    assert mt.nn.Conv1d(2, 3, 4).double().weight.dtype == mt.float64


@pytest.mark.parametrize("mode, numpy_mode", [("reflect", "reflect"), ("replicate", "edge"), ("circular", "wrap")])
def test_padding_modes(mode, numpy_mode):
    conv = mt.nn.Conv2d(2, 3, 3, padding=(1, 2), padding_mode=mode).double()
    x = np.random.default_rng(4).standard_normal((1, 2, 4, 5))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (2, 2)), mode=numpy_mode)
    expected = direct_conv2d(padded, conv.weight.detach().numpy(), conv.bias.detach().numpy())
    np.testing.assert_allclose(conv(mt.tensor(x)).detach().numpy(), expected, rtol=1e-10)
    conv1d = mt.nn.Conv1d(2, 2, 4, padding="same", padding_mode=mode).double()
    assert conv1d(mt.tensor(x[:, :, 0])).shape == (1, 2, 5)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: F.conv2d(mt.zeros(5, 5), mt.zeros(4, 1, 3, 3)), r"Expected 3D \(unbatched\) or 4D \(batched\) input "
                                                                r"to conv2d, but got input of size: \[5, 5\]"),
        (lambda: F.conv2d(mt.zeros(2, 2, 5, 5), mt.zeros(4, 3, 3, 3)),
         r"Given groups=1, weight of size \[4, 3, 3, 3\], expected input\[2, 2, 5, 5\] to have 3 channels, "
         r"but got 2 channels instead"),
        (lambda: F.conv2d(mt.zeros(1, 4, 5, 5), mt.zeros(3, 2, 3, 3), groups=2),
         "expected weight to be divisible by 2"),
        (lambda: F.conv2d(mt.zeros(1, 3, 2, 2), mt.zeros(4, 3, 3, 3)), r"Calculated padded input size per channel: "
         r"\(2 x 2\). Kernel size: \(3 x 3\). Kernel size can't be greater than actual input size"),
        (lambda: F.conv2d(mt.zeros(1, 3, 4, 4), mt.zeros(4, 3, 3, 3), dilation=2), r"Kernel size: \(5 x 5\)"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 3, 3, 3), mt.zeros(5)), r"expected bias to be "
                                                                                     r"1-dimensional with 4 elements"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 3, 3, 3), stride=0), "non-positive stride"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 3, 3, 3), padding=-1), "negative padding"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 3, 3, 3), dilation=0), "non-positive dilation"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 3, 3, 3), groups=0), "non-positive groups"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 3, 3, 3), stride=2, padding="same"),
         "padding='same' is not supported for strided convolutions"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 3, 3, 3), padding="full"), "Invalid padding string"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5), mt.zeros(4, 3, 3, 3), stride=(1, 1, 1)),
         "a list of 2 values to match the convolution dimensions"),
        (lambda: F.conv2d(mt.zeros(1, 3, 5, 5, dtype=mt.float64), mt.zeros(4, 3, 3, 3)), "same dtype"),
        (lambda: F.conv1d(mt.zeros(1, 3, 7, 7), mt.zeros(4, 3, 3)), "Expected 2D .unbatched. or 3D .batched. input "
                                                                    "to conv1d"),
        (lambda: F.conv1d(mt.zeros(1, 3, 7), mt.zeros(4, 3, 3, 3)), "expected a 3-dimensional weight"),
    ],
)
def test_functional_errors_are_pytorchs(call, match):
    with pytest.raises(RuntimeError, match=match):
        call()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(in_channels=3, out_channels=4, kernel_size=3, groups=2), "in_channels must be divisible by groups"),
        (dict(in_channels=4, out_channels=3, kernel_size=3, groups=2), "out_channels must be divisible by groups"),
        (dict(in_channels=4, out_channels=4, kernel_size=3, groups=0), "groups must be a positive integer"),
        (dict(in_channels=4, out_channels=4, kernel_size=3, padding="full"), "Invalid padding string 'full'"),
        (dict(in_channels=4, out_channels=4, kernel_size=3, padding="same", stride=2), "not supported for strided"),
        (dict(in_channels=4, out_channels=4, kernel_size=3, padding_mode="foo"), "padding_mode must be one of"),
    ],
)
def test_module_errors_are_value_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        mt.nn.Conv2d(**kwargs)
