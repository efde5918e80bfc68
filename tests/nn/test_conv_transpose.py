"""F.conv_transpose1d / conv_transpose2d and nn.ConvTranspose1d / ConvTranspose2d: values against a direct
scatter loop (every input pixel adds x * w into the output), gradients and second derivatives in float64,
PyTorch's parameters, initialisation, output_size, repr and errors."""
import math

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn


def direct_conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation):
    """The oracle: y[n, g(c) + o, i s + p d - pad, j s + q d - pad] += x[n, c, i, j] w[c, o, p, q]."""
    n, in_channels, h, wd = x.shape
    _, per_group, kh, kw = w.shape
    (sh, sw), (ph, pw), (oh_, ow_), (dh, dw) = stride, padding, output_padding, dilation
    out_h = (h - 1) * sh - 2 * ph + dh * (kh - 1) + oh_ + 1
    out_w = (wd - 1) * sw - 2 * pw + dw * (kw - 1) + ow_ + 1
    full = np.zeros((n, per_group * groups, out_h + 2 * ph + sh, out_w + 2 * pw + sw))
    in_per_group = in_channels // groups
    for batch in range(n):
        for c in range(in_channels):
            first = (c // in_per_group) * per_group
            for i in range(h):
                for j in range(wd):
                    for p in range(kh):
                        for q in range(kw):
                            full[batch, first:first + per_group, i * sh + p * dh, j * sw + q * dw] += \
                                x[batch, c, i, j] * w[c, :, p, q]
    y = full[:, :, ph:ph + out_h, pw:pw + out_w]
    return y if b is None else y + b.reshape(1, -1, 1, 1)


CASES = [  # (x shape, in, out, kernel, stride, padding, output_padding, groups, dilation)
    ((2, 3, 3, 3), 3, 2, (3, 3), (1, 1), (0, 0), (0, 0), 1, (1, 1)),
    ((1, 2, 3, 2), 2, 3, (3, 3), (2, 2), (1, 1), (1, 1), 1, (1, 1)),
    ((1, 4, 2, 3), 4, 2, (2, 2), (2, 2), (0, 0), (0, 0), 2, (1, 1)),
    ((1, 2, 3, 3), 2, 2, (2, 3), (2, 1), (0, 1), (1, 0), 1, (2, 1)),
]


@pytest.mark.parametrize("shape, cin, cout, kernel, stride, padding, output_padding, groups, dilation", CASES)
def test_conv_transpose2d_matches_a_scatter_loop_and_gradchecks(shape, cin, cout, kernel, stride, padding,
                                                                 output_padding, groups, dilation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    w = rng.standard_normal((cin, cout // groups) + kernel)
    b = rng.standard_normal(cout)
    out = F.conv_transpose2d(mt.tensor(x), mt.tensor(w), mt.tensor(b), stride, padding, output_padding, groups,
                             dilation)
    want = direct_conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-12)

    def fn(a, weight, bias):
        return F.conv_transpose2d(a, weight, bias, stride, padding, output_padding, groups, dilation)

    leaves = [mt.tensor(v, requires_grad=True) for v in (x, w, b)]
    assert mt.autograd.gradcheck(fn, leaves)


def test_conv_transpose_second_derivative_by_central_differences():
    rng = np.random.default_rng(1)
    x, w = rng.standard_normal((1, 2, 3, 3)), rng.standard_normal((2, 1, 2, 2))

    def gradient_norm(a, weight):
        y = F.conv_transpose2d(a, weight, stride=2)
        (g,) = mt.autograd.grad((y * y).sum(), a, create_graph=True)
        return (g * g).sum()

    assert mt.autograd.gradcheck(gradient_norm, [mt.tensor(x, requires_grad=True), mt.tensor(w, requires_grad=True)])


def test_conv_transpose1d_is_the_2d_one_on_a_height_1_image_and_takes_unbatched_inputs():
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((2, 4, 5)), rng.standard_normal((4, 1, 3)), rng.standard_normal(2)
    out = F.conv_transpose1d(mt.tensor(x), mt.tensor(w), mt.tensor(b), 2, 1, 1, 2)
    want = direct_conv_transpose2d(x[:, :, None], w[:, :, None], b, (1, 2), (0, 1), (0, 1), 2, (1, 1))[:, :, 0]
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-12)
    single = F.conv_transpose1d(mt.tensor(x[0]), mt.tensor(w), mt.tensor(b), 2, 1, 1, 2)
    np.testing.assert_allclose(single.numpy(), want[0], rtol=1e-12, atol=1e-12)


def test_conv_transpose2d_layer_parameters_init_output_size_and_repr():
    mt.manual_seed(0)
    layer = nn.ConvTranspose2d(16, 8, 3, stride=2, padding=1, output_padding=1)
    assert tuple(layer.weight.shape) == (16, 8, 3, 3) and list(layer.state_dict()) == ["weight", "bias"]
    bound = 1 / math.sqrt(8 * 9)  # fan_in = weight.shape[1] * kH * kW, as PyTorch computes it
    assert np.abs(layer.weight.detach().numpy()).max() <= bound and np.abs(layer.bias.detach().numpy()).max() <= bound
    assert repr(layer) == ("ConvTranspose2d(16, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
                           "output_padding=(1, 1))")
    assert layer(mt.zeros(1, 16, 4, 5)).shape == (1, 8, 8, 10)
    plain = nn.ConvTranspose2d(2, 3, 3, stride=2, padding=1, bias=False)
    assert plain(mt.zeros(2, 4, 4), output_size=(8, 8)).shape == (3, 8, 8)
    assert plain(mt.zeros(1, 2, 4, 4), output_size=[1, 3, 7, 8]).shape == (1, 3, 7, 8)
    with pytest.raises(ValueError, match="valid sizes range from"):
        plain(mt.zeros(1, 2, 4, 4), output_size=(10, 10))
    assert nn.ConvTranspose1d(4, 6, 2, stride=2)(mt.zeros(1, 4, 3)).shape == (1, 6, 6)


def test_conv_transpose_errors():
    with pytest.raises(RuntimeError, match="expected input .* to have 3 channels"):
        nn.ConvTranspose2d(3, 4, 3)(mt.zeros(1, 2, 5, 5))
    with pytest.raises(RuntimeError, match="output padding must be non-negative and smaller than the stride"):
        F.conv_transpose2d(mt.zeros(1, 3, 5, 5), mt.zeros(3, 4, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(3, 4, 3, padding_mode="reflect")
