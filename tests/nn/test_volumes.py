"""Volumes: conv3d / conv_transpose3d against direct loops written here (every output a sum over its
receptive field; every input scattered through the kernel), float64 gradients and second
derivatives on tiny volumes, the layers Conv3d / ConvTranspose3d, and PyTorch's errors."""
import itertools

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from tests.strategies import check_gradients

RNG = np.random.default_rng(7)


def triple(value):
    return (value,) * 3 if isinstance(value, int) else tuple(value)


def conv3d_loop(x, w, b, stride, pads, dilation, groups):
    n, _, *size = x.shape
    out_channels, per_group, *kernel = w.shape
    out = [(size[i] + sum(pads[i]) - dilation[i] * (kernel[i] - 1) - 1) // stride[i] + 1 for i in range(3)]
    y = np.zeros((n, out_channels, *out))
    for sample, o, *at in itertools.product(range(n), range(out_channels), *map(range, out)):
        group = o // (out_channels // groups)
        total = 0.0 if b is None else b[o]
        for c, *offset in itertools.product(range(per_group), *map(range, kernel)):
            pos = [at[t] * stride[t] - pads[t][0] + offset[t] * dilation[t] for t in range(3)]
            if all(0 <= pos[t] < size[t] for t in range(3)):
                total += x[sample, group * per_group + c, pos[0], pos[1], pos[2]] * w[(o, c, *offset)]
        y[(sample, o, *at)] = total
    return y


def conv_transpose3d_loop(x, w, b, stride, padding, output_padding, groups, dilation):
    n, in_channels, *size = x.shape
    _, per_group, *kernel = w.shape
    out = [(size[i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (kernel[i] - 1) + output_padding[i] + 1
           for i in range(3)]
    y = np.zeros((n, per_group * groups, *out))
    for sample, c, *at in itertools.product(range(n), range(in_channels), *map(range, size)):
        group = c // (in_channels // groups)
        for o, *offset in itertools.product(range(per_group), *map(range, kernel)):
            pos = [at[t] * stride[t] - padding[t] + offset[t] * dilation[t] for t in range(3)]
            if all(0 <= pos[t] < out[t] for t in range(3)):
                y[sample, group * per_group + o, pos[0], pos[1], pos[2]] += x[(sample, c, *at)] * w[(c, o, *offset)]
    return y if b is None else y + b.reshape(1, -1, 1, 1, 1)


CONV_CASES = [  # x shape, w shape, stride, padding, dilation, groups
    ((1, 2, 3, 4, 3), (3, 2, 2, 2, 2), 1, 0, 1, 1),
    ((2, 4, 5, 4, 6), (4, 2, 3, 2, 3), (2, 1, 2), (1, 0, 1), (1, 2, 1), 2),
    ((1, 2, 4, 3, 4), (2, 2, 2, 3, 2), 1, "same", (2, 1, 1), 1),
    ((1, 2, 3, 3, 3), (2, 1, 2, 1, 2), 1, "valid", 1, 2),
]


def explicit_pads(padding, kernel, dilation):
    if padding == "same":
        return [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel, dilation)]
    if padding == "valid":
        return [(0, 0)] * 3
    return [(p, p) for p in triple(padding)]


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation, groups", CONV_CASES)
def test_conv3d_matches_the_loop(x_shape, w_shape, stride, padding, dilation, groups):
    x, w, b = RNG.standard_normal(x_shape), RNG.standard_normal(w_shape), RNG.standard_normal(w_shape[0])
    got = F.conv3d(mt.tensor(x), mt.tensor(w), mt.tensor(b), stride, padding, dilation, groups).numpy()
    pads = explicit_pads(padding, w_shape[2:], triple(dilation))
    np.testing.assert_allclose(got, conv3d_loop(x, w, b, triple(stride), pads, triple(dilation), groups), atol=1e-12)
    unbatched = F.conv3d(mt.tensor(x[0]), mt.tensor(w), None, stride, padding, dilation, groups).numpy()
    np.testing.assert_allclose(unbatched, conv3d_loop(x[:1], w, None, triple(stride), pads, triple(dilation),
                                                      groups)[0], atol=1e-12)


def test_conv3d_gradients_and_second_derivatives():
    x, w, b = RNG.standard_normal((1, 2, 3, 4, 3)), RNG.standard_normal((2, 1, 2, 2, 2)), RNG.standard_normal(2)
    check_gradients(lambda x, w, b: F.conv3d(x, w, b, (1, 2, 1), (1, 0, 1), (2, 1, 1), groups=2), x, w, b)
    x, w = RNG.standard_normal((1, 2, 2, 2, 1)), RNG.standard_normal((2, 1, 2, 1, 1))
    assert mt.autograd.gradgradcheck(lambda x, w: F.conv3d(x, w, padding="same", groups=2),
                                     tuple(mt.tensor(a, requires_grad=True) for a in (x, w)))


TRANSPOSED_CASES = [  # x shape, w shape, stride, padding, output_padding, dilation, groups
    ((1, 2, 3, 4, 3), (2, 3, 2, 2, 2), 2, 0, 1, 1, 1),
    ((2, 4, 3, 2, 3), (4, 1, 3, 2, 2), (2, 1, 3), (1, 0, 1), (1, 0, 2), (1, 2, 1), 2),
    ((1, 2, 2, 2, 2), (2, 2, 2, 2, 2), 1, 1, 0, 2, 1),
]


@pytest.mark.parametrize("x_shape, w_shape, stride, padding, output_padding, dilation, groups", TRANSPOSED_CASES)
def test_conv_transpose3d_matches_the_loop(x_shape, w_shape, stride, padding, output_padding, dilation, groups):
    x, w = RNG.standard_normal(x_shape), RNG.standard_normal(w_shape)
    b = RNG.standard_normal(w_shape[1] * groups)
    got = F.conv_transpose3d(mt.tensor(x), mt.tensor(w), mt.tensor(b), stride, padding, output_padding, groups,
                             dilation).numpy()
    want = conv_transpose3d_loop(x, w, b, triple(stride), triple(padding), triple(output_padding), groups,
                                 triple(dilation))
    np.testing.assert_allclose(got, want, atol=1e-12)
    unbatched = F.conv_transpose3d(mt.tensor(x[0]), mt.tensor(w), mt.tensor(b), stride, padding, output_padding,
                                   groups, dilation)
    np.testing.assert_allclose(unbatched.numpy(), want[0], atol=1e-12)


def test_conv_transpose3d_gradients_and_second_derivatives():
    x, w, b = RNG.standard_normal((1, 2, 2, 2, 2)), RNG.standard_normal((2, 1, 2, 2, 1)), RNG.standard_normal(2)
    check_gradients(lambda x, w, b: F.conv_transpose3d(x, w, b, (2, 1, 2), (1, 0, 0), (1, 0, 1), 2, (1, 2, 1)),
                    x, w, b)
    x, w = RNG.standard_normal((1, 2, 2, 1, 1)), RNG.standard_normal((2, 1, 2, 1, 1))
    assert mt.autograd.gradgradcheck(lambda x, w: F.conv_transpose3d(x, w, stride=2, groups=2),
                                     tuple(mt.tensor(a, requires_grad=True) for a in (x, w)))


def test_conv3d_layers():
    mt.manual_seed(0)
    layer = mt.nn.Conv3d(2, 4, (3, 2, 3), padding=1, padding_mode="replicate", bias=False)
    assert layer.weight.shape == (4, 2, 3, 2, 3) and layer.bias is None
    x = RNG.standard_normal((1, 2, 3, 4, 3))
    padded = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1), (1, 1)), mode="edge")
    want = conv3d_loop(padded, layer.weight.detach().numpy(), None, (1, 1, 1), [(0, 0)] * 3, (1, 1, 1), 1)
    np.testing.assert_allclose(layer(mt.tensor(x, dtype=mt.float32)).detach().numpy(), want, rtol=1e-4, atol=1e-5)
    assert "padding_mode=replicate" in repr(layer)
    up = mt.nn.ConvTranspose3d(4, 2, 2, stride=2, groups=2, dtype=mt.float64)
    assert up.weight.shape == (4, 1, 2, 2, 2) and up.bias.shape == (2,)
    assert up(mt.randn(1, 4, 2, 3, 1, dtype=mt.float64)).shape == (1, 2, 4, 6, 2)
    assert up(mt.randn(4, 2, 3, 1, dtype=mt.float64), output_size=(5, 7, 3)).shape == (2, 5, 7, 3)
    bound = 1 / np.sqrt(2 * 8)
    assert np.abs(mt.nn.Conv3d(2, 3, 2).weight.detach().numpy()).max() <= bound


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.conv3d(mt.randn(3, 4, 3), mt.randn(2, 3, 1, 1, 1)), RuntimeError, "Expected 4D (unbatched) or 5D"),
    (lambda: F.conv3d(mt.randn(1, 2, 3, 3, 3), mt.randn(2, 2, 1, 1)), RuntimeError, "5-dimensional weight"),
    (lambda: F.conv3d(mt.randn(1, 2, 3, 3, 3), mt.randn(4, 2, 2, 2, 2), groups=2), RuntimeError,
     "expected input[1, 2, 3, 3, 3] to have 4 channels"),
    (lambda: F.conv3d(mt.randn(1, 2, 3, 4, 3), mt.randn(4, 2, 4, 2, 2)), RuntimeError,
     "Kernel size can't be greater than actual input size"),
    (lambda: F.conv3d(mt.randn(1, 2, 3, 3, 3), mt.randn(4, 2, 2, 2, 2), stride=2, padding="same"), RuntimeError,
     "padding='same' is not supported for strided convolutions"),
    (lambda: F.conv3d(mt.randn(1, 2, 3, 3, 3), mt.randn(4, 2, 2, 2, 2), stride=(1, 2)), RuntimeError,
     "list of 3 values"),
    (lambda: F.conv3d(mt.randn(1, 2, 3, 3, 3), mt.randn(4, 2, 2, 2, 2, dtype=mt.float64)), RuntimeError,
     "same dtype"),
    (lambda: F.conv_transpose3d(mt.randn(1, 2, 3, 3, 3), mt.randn(2, 3, 2, 2, 2), output_padding=1), RuntimeError,
     "output padding must be"),
    (lambda: F.conv_transpose3d(mt.randn(1, 2, 3, 3, 3), mt.randn(2, 3, 2, 2, 2), padding="same"), RuntimeError,
     "padding must be an int"),
    (lambda: F.conv_transpose3d(mt.randn(1, 3, 3, 3, 3), mt.randn(2, 3, 2, 2, 2)), RuntimeError,
     "to have 2 channels"),
    (lambda: mt.nn.ConvTranspose3d(2, 2, 2, padding_mode="reflect"), ValueError, 'Only "zeros" padding mode'),
    (lambda: mt.nn.Conv3d(2, 2, (2, 2)), ValueError, "tuple of 3 ints"),
])
def test_conv3d_errors(call, error, message):
    with pytest.raises(error, match=message.replace("[", r"\[").replace("(", r"\(").replace(")", r"\)")):
        call()
