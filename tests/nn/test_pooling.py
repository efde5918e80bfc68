"""Pooling: max / average / adaptive pooling (2-D and 1-D) against direct loops written here with
PyTorch's rules (-inf padding, ceil_mode, the divisor, the adaptive start/end indices, the first
max of a window and the last NaN), gradients in float64, second derivatives, indices, modules,
dtypes and PyTorch's errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
import microtensor.nn.functional as F
from tests.strategies import check_gradients, leaf


def pooled_length(length, kernel, stride, padding, dilation, ceil_mode):
    span = length + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= length + padding:
        out -= 1
    return out


def first_max_pool(x, kernel, stride, padding, dilation, ceil_mode):
    """PyTorch's loop, written out plainly: maxval = -inf, index = the first input inside the window;
    update when ``value > maxval or isnan(value)``."""
    n, c, h, w = x.shape
    oh, ow = (pooled_length(*a, ceil_mode) for a in zip((h, w), kernel, stride, padding, dilation))
    values, indices = np.zeros((n, c, oh, ow)), np.zeros((n, c, oh, ow), dtype=np.int64)
    for plane in np.ndindex(n, c):
        for i in range(oh):
            for j in range(ow):
                best, where = -np.inf, None
                for p in range(kernel[0]):
                    for q in range(kernel[1]):
                        r = i * stride[0] - padding[0] + p * dilation[0]
                        s = j * stride[1] - padding[1] + q * dilation[1]
                        if not (0 <= r < h and 0 <= s < w):
                            continue
                        if where is None:
                            where = r * w + s
                        value = x[plane + (r, s)]
                        if value > best or np.isnan(value):
                            best, where = value, r * w + s
                values[plane + (i, j)], indices[plane + (i, j)] = best, where
    return values, indices


def direct_avg_pool(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    n, c, h, w = x.shape
    oh, ow = (pooled_length(*a, 1, ceil_mode) for a in zip((h, w), kernel, stride, padding))
    out = np.zeros((n, c, oh, ow))
    for i in range(oh):
        for j in range(ow):
            h0, w0 = i * stride[0] - padding[0], j * stride[1] - padding[1]
            h1, w1 = min(h0 + kernel[0], h + padding[0]), min(w0 + kernel[1], w + padding[1])
            size = (h1 - h0) * (w1 - w0)
            h0, w0, h1, w1 = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
            total = x[:, :, h0:h1, w0:w1].sum(axis=(2, 3))
            divisor = divisor_override or (size if count_include_pad else (h1 - h0) * (w1 - w0))
            out[:, :, i, j] = total / divisor
    return out


@st.composite
def window_cases(draw, dilated=True):
    kernel = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    stride = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in kernel)
    dilation = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) if dilated else (1, 1)
    ceil_mode = draw(st.booleans())
    size = tuple(draw(st.integers(max(1, d * (k - 1) + 1 - 2 * p), 6)) for k, d, p in zip(kernel, dilation, padding))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 2))) + size
    return shape, kernel, stride, padding, dilation, ceil_mode


@settings(max_examples=12)
@given(case=window_cases())
def test_max_pool2d_values_indices_and_gradients(case):
    shape, kernel, stride, padding, dilation, ceil_mode = case
    rng = np.random.default_rng(sum(shape) + sum(kernel))
    ties = rng.integers(-2, 3, shape).astype(np.float64)  # many equal values: the first max must win
    out, indices = F.max_pool2d(mt.tensor(ties), kernel, stride, padding, dilation, ceil_mode, return_indices=True)
    expected, expected_indices = first_max_pool(ties, kernel, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(out.numpy(), expected)
    np.testing.assert_array_equal(indices.numpy(), expected_indices)
    assert indices.dtype == mt.int64
    x = leaf(ties)
    g = rng.standard_normal(expected.shape)
    F.max_pool2d(x, kernel, stride, padding, dilation, ceil_mode).backward(mt.tensor(g))
    dx = np.zeros(shape)
    for plane in np.ndindex(shape[:2]):
        np.add.at(dx[plane].reshape(-1), expected_indices[plane].ravel(), g[plane].ravel())
    np.testing.assert_allclose(x.grad.numpy(), dx)
    distinct = rng.permutation(np.prod(shape)).reshape(shape) / 7.0  # no ties: central differences are valid
    check_gradients(lambda a: (F.max_pool2d(a, kernel, stride, padding, dilation, ceil_mode) * mt.tensor(g)).sum(),
                    distinct)


@settings(max_examples=12)
@given(case=window_cases(dilated=False), count_include_pad=st.booleans(), override=st.sampled_from([None, 3]))
def test_avg_pool2d_values_and_gradients(case, count_include_pad, override):
    shape, kernel, stride, padding, _, ceil_mode = case
    x = np.random.default_rng(sum(shape)).standard_normal(shape)
    out = F.avg_pool2d(mt.tensor(x), kernel, stride, padding, ceil_mode, count_include_pad, override)
    np.testing.assert_allclose(out.numpy(), direct_avg_pool(x, kernel, stride, padding, ceil_mode,
                                                            count_include_pad, override), rtol=1e-12, atol=1e-14)
    weights = mt.tensor(np.random.default_rng(1).standard_normal(out.shape))
    check_gradients(lambda a: (F.avg_pool2d(a, kernel, stride, padding, ceil_mode, count_include_pad, override)
                               * weights).sum(), x)


def direct_adaptive(x, size, reduce):
    h, w = x.shape[-2:]
    out = np.zeros(x.shape[:-2] + tuple(size))
    for i in range(size[0]):
        for j in range(size[1]):
            h0, h1 = math.floor(i * h / size[0]), math.ceil((i + 1) * h / size[0])
            w0, w1 = math.floor(j * w / size[1]), math.ceil((j + 1) * w / size[1])
            out[..., i, j] = reduce(x[..., h0:h1, w0:w1], axis=(-2, -1))
    return out


@settings(max_examples=10)
@given(height=st.integers(1, 6), width=st.integers(1, 6), out_h=st.integers(1, 7), out_w=st.integers(1, 7))
def test_adaptive_pooling_matches_the_start_end_rule(height, width, out_h, out_w):
    x = np.random.default_rng(height * 7 + width).permutation(2 * height * width).reshape(1, 2, height, width) / 3.0
    avg = F.adaptive_avg_pool2d(mt.tensor(x), (out_h, out_w))
    np.testing.assert_allclose(avg.numpy(), direct_adaptive(x, (out_h, out_w), np.mean), rtol=1e-12)
    biggest, indices = F.adaptive_max_pool2d(mt.tensor(x), (out_h, out_w), return_indices=True)
    np.testing.assert_array_equal(biggest.numpy(), direct_adaptive(x, (out_h, out_w), np.max))
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(1, 2, -1), indices.numpy().reshape(1, 2, -1), -1),
                                  biggest.numpy().reshape(1, 2, -1))
    weights = mt.tensor(np.random.default_rng(out_h).standard_normal(avg.shape))  # a random direction
    check_gradients(lambda a: (F.adaptive_avg_pool2d(a, (out_h, out_w)) * weights).sum(), x)
    check_gradients(lambda a: (F.adaptive_max_pool2d(a, (out_h, out_w)) * weights).sum(), x)


def test_hand_computed_cases():
    x = leaf([[[[1.0, 1.0], [1.0, 1.0]]]])
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[1, 0], [0, 0]]]])  # all equal: the first one
    x = leaf([[[[0.0, 2.0], [2.0, 0.0]]]])
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[[[0, 1], [0, 0]]]])
    out, index = F.max_pool2d(mt.tensor([[[[0.0, np.nan], [np.nan, 0.0]]]]), 2, return_indices=True)
    assert np.isnan(out.item()) and index.item() == 2  # the last NaN, as PyTorch
    out, index = F.max_pool2d(mt.full((1, 1, 3, 3), -np.inf), 2, padding=1, return_indices=True)
    assert index.tolist() == [[[[0, 1], [3, 4]]]]  # never a padding position
    np.testing.assert_allclose(F.avg_pool2d(mt.ones(1, 1, 5, 5), 2, 2, 1, ceil_mode=True).numpy()[0, 0],
                               [[0.25, 0.5, 0.5], [0.5, 1, 1], [0.5, 1, 1]])
    ints = F.avg_pool2d(mt.tensor([[[[1, 2], [3, 5]], [[-1, -2], [-3, -5]]]]), 2)
    assert ints.dtype == mt.int64 and ints.tolist() == [[[[2]], [[-2]]]]  # truncated towards zero
    assert F.max_pool2d(mt.tensor([[[[1, 5], [3, 2]]]]), 2).tolist() == [[[[5]]]]
    np.testing.assert_allclose(F.adaptive_avg_pool2d(mt.arange(20.0).reshape(1, 4, 5), (2, 3)).numpy(),
                               [[[3.0, 4.5, 6.0], [13.0, 14.5, 16.0]]])


def test_one_d_pooling_is_two_d_on_a_row_and_unbatched_inputs_work():
    x = np.random.default_rng(5).standard_normal((2, 3, 9))
    np.testing.assert_array_equal(F.max_pool1d(mt.tensor(x), 3, 2, 1, 2).numpy(),
                                  first_max_pool(x[:, :, None], (1, 3), (1, 2), (0, 1), (1, 2), False)[0][:, :, 0])
    np.testing.assert_allclose(F.avg_pool1d(mt.tensor(x), 4, 3, 2, ceil_mode=True).numpy(),
                               direct_avg_pool(x[:, :, None], (1, 4), (1, 3), (0, 2), True, True, None)[:, :, 0])
    np.testing.assert_allclose(F.adaptive_avg_pool1d(mt.tensor(x), 4).numpy(),
                               direct_adaptive(x[:, :, None], (1, 4), np.mean)[:, :, 0])
    np.testing.assert_array_equal(F.adaptive_max_pool1d(mt.tensor(x), 4).numpy(),
                                  direct_adaptive(x[:, :, None], (1, 4), np.max)[:, :, 0])
    image = np.random.default_rng(6).standard_normal((3, 4, 4))
    np.testing.assert_array_equal(F.max_pool2d(mt.tensor(image), 2).numpy(),
                                  F.max_pool2d(mt.tensor(image[None]), 2).numpy()[0])
    assert F.adaptive_avg_pool2d(mt.tensor(image), (None, 1)).shape == (3, 4, 1)
    check_gradients(lambda a: F.max_pool1d(a, 2) * 2, x[:, :, :4] + np.arange(4) * 10)
    check_gradients(lambda a: F.avg_pool1d(a, 3, 1, 1), x[:1])


def test_float32_and_second_derivatives():
    x = mt.randn(2, 3, 6, 6, requires_grad=True)
    for out in (F.max_pool2d(x, 2), F.avg_pool2d(x, 3, 2, 1), F.adaptive_avg_pool2d(x, 4)):
        assert out.dtype == mt.float32
        (grad,) = mt.autograd.grad(out.sum(), x)
        assert grad.dtype == mt.float32
    values = np.random.default_rng(7).permutation(36).reshape(1, 1, 6, 6) / 5.0
    for pool in (lambda a: F.max_pool2d(a, 3, 2, 1), lambda a: F.avg_pool2d(a, 2, 1),
                 lambda a: F.adaptive_avg_pool2d(a, 4), lambda a: F.adaptive_max_pool2d(a, 4)):
        def first_derivative(a, pool=pool):
            y = pool(a)
            return mt.autograd.grad((y * y * y).sum(), a, create_graph=True)[0]

        check_gradients(first_derivative, values)


def test_modules_repr_and_options():
    assert repr(mt.nn.MaxPool2d(2)) == "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    assert repr(mt.nn.AvgPool2d((2, 3), stride=1, padding=1)) == "AvgPool2d(kernel_size=(2, 3), stride=1, padding=1)"
    assert repr(mt.nn.AvgPool1d(2)) == "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))"
    assert repr(mt.nn.AdaptiveAvgPool2d((1, None))) == "AdaptiveAvgPool2d(output_size=(1, None))"
    assert repr(mt.nn.MaxPool1d(3)) == "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)"
    x = mt.randn(2, 3, 5, 5)
    out, indices = mt.nn.MaxPool2d(2, return_indices=True, ceil_mode=True)(x)
    assert out.shape == indices.shape == (2, 3, 3, 3)
    assert mt.nn.AvgPool2d(3, 1, 1, count_include_pad=False)(x).shape == (2, 3, 5, 5)
    assert mt.nn.AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    np.testing.assert_allclose(mt.nn.AdaptiveAvgPool2d(1)(x).numpy()[..., 0, 0], x.numpy().mean(axis=(2, 3)), rtol=1e-5)
    assert mt.nn.AdaptiveMaxPool2d(2, return_indices=True)(x)[1].dtype == mt.int64
    assert mt.nn.MaxPool1d(2)(mt.randn(2, 3, 8)).shape == mt.nn.AvgPool1d(2)(mt.randn(2, 3, 8)).shape == (2, 3, 4)
    assert list(mt.nn.MaxPool2d(2).state_dict()) == []


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda x: F.max_pool2d(x, 2, padding=2), RuntimeError, "pad should be at most half of effective kernel size, "
                                                                "but got pad=2, kernel_size=2 and dilation=1"),
        (lambda x: F.max_pool2d(x, 0), RuntimeError, "kernel_size should be greater than zero"),
        (lambda x: F.max_pool2d(x, 2, stride=0), RuntimeError, "stride should be greater than zero"),
        (lambda x: F.max_pool2d(x, 2, dilation=0), RuntimeError, "dilation should be greater than zero"),
        (lambda x: F.max_pool2d(x, 2, padding=-1), RuntimeError, "pad must be non-negative"),
        (lambda x: F.max_pool2d(x[0, 0], 2), RuntimeError, r"Expected 3D or 4D \(batch mode\) tensor"),
        (lambda x: F.max_pool2d(x[:, :, :2, :2], 3), RuntimeError, r"Given input size: \(3x2x2\). Calculated "
                                                                   r"output size: \(3x0x0\). Output size is too small"),
        (lambda x: F.max_pool2d(x, (2, 2, 2)), RuntimeError, "kernel_size must either be a single int, or a tuple of "
                                                             "2 ints"),
        (lambda x: F.avg_pool2d(x, 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
        (lambda x: F.max_pool1d(x, 2), RuntimeError, r"Expected 2D or 3D \(batch mode\) tensor"),
        (lambda x: F.adaptive_avg_pool2d(x, (1, 2, 3)), RuntimeError, "output_size must be 2"),
        (lambda x: F.adaptive_avg_pool2d(x, -1), RuntimeError, "greater than or equal to 0"),
        (lambda x: F.adaptive_avg_pool2d(x[0, 0], 2), RuntimeError, r"Expected 3D or 4D tensor, but got \[5, 5\]"),
        (lambda x: F.adaptive_avg_pool2d(x[:, :, :0], 2), RuntimeError, "non-zero size for non-batch dimensions"),
        (lambda x: F.adaptive_avg_pool2d(x.long(), 2), NotImplementedError, "not implemented for dtype int64"),
        (lambda x: F.max_pool2d(x.numpy(), 2), TypeError, r"must be a Tensor.*mt\.tensor\(x\)"),
    ],
)
def test_errors_are_pytorchs(call, error, match):
    with pytest.raises(error, match=match):
        call(mt.zeros(2, 3, 5, 5))


@pytest.mark.parametrize("pool", [
    lambda x: mt.nn.functional.max_pool2d(x, 2),
    lambda x: mt.nn.functional.max_pool2d(x, 3, stride=1),  # overlapping windows
    lambda x: mt.nn.functional.adaptive_max_pool2d(x, (2, 3)),
], ids=["max_pool2d", "max_pool2d_overlapping", "adaptive_max_pool2d"])
def test_max_pooling_second_derivative_is_zeros_not_an_error(pool):
    # The gradient routes g to each window's argmax, which does not move with x: d/dx of it is 0
    # (PyTorch records it as a function of x too, so autograd.grad gives zeros, not "unused").
    x = mt.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 5)), requires_grad=True)
    (first,) = mt.autograd.grad(pool(x).sum(), x, create_graph=True)
    assert first.requires_grad
    (second,) = mt.autograd.grad((first * first).sum(), x)
    np.testing.assert_array_equal(second.data, np.zeros(x.shape))
