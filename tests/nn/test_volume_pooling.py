"""Volumetric pooling: max / average / adaptive pooling of (N, C, D, H, W) against direct loops over
each box written here with PyTorch's rules (-inf or zero padding, ceil_mode, the divisor, the
adaptive start/end indices, the first max of a box in (d, h, w) order, the last NaN), indices,
float64 gradients, second derivatives, the layers and PyTorch's errors."""
import itertools
import math

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from tests.strategies import check_gradients

RNG = np.random.default_rng(3)


def pooled_length(length, kernel, stride, padding, dilation, ceil_mode):
    span = length + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= length + padding:
        out -= 1
    return out


def triple(value):
    return (value,) * 3 if isinstance(value, int) else tuple(value)


def max_pool_loop(x, kernel, stride, padding, dilation, ceil_mode):
    """maxval = -inf; update when ``value > maxval or isnan(value)``, offsets in (d, h, w) order."""
    n, c, *size = x.shape
    out = [pooled_length(*a, ceil_mode) for a in zip(size, kernel, stride, padding, dilation)]
    values, indices = np.zeros((n, c, *out)), np.zeros((n, c, *out), dtype=np.int64)
    for plane in np.ndindex(n, c):
        for at in itertools.product(*map(range, out)):
            best, where = -np.inf, None
            for offset in itertools.product(*map(range, kernel)):
                pos = [at[t] * stride[t] - padding[t] + offset[t] * dilation[t] for t in range(3)]
                if not all(0 <= pos[t] < size[t] for t in range(3)):
                    continue
                value = x[(*plane, *pos)]
                if where is None or value > best or np.isnan(value):
                    best, where = value, (pos[0] * size[1] + pos[1]) * size[2] + pos[2]
            values[(*plane, *at)], indices[(*plane, *at)] = best, where
    return values, indices


def avg_pool_loop(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    n, c, *size = x.shape
    out = [pooled_length(*a, 1, ceil_mode) for a in zip(size, kernel, stride, padding)]
    y = np.zeros((n, c, *out))
    for plane in np.ndindex(n, c):
        for at in itertools.product(*map(range, out)):
            starts = [at[t] * stride[t] - padding[t] for t in range(3)]
            ends = [min(starts[t] + kernel[t], size[t] + padding[t]) for t in range(3)]
            pool_size = math.prod(e - s for s, e in zip(starts, ends))
            starts, ends = [max(s, 0) for s in starts], [min(e, length) for e, length in zip(ends, size)]
            box = x[plane][tuple(slice(s, e) for s, e in zip(starts, ends))]
            divisor = divisor_override or (pool_size if count_include_pad else box.size)
            y[(*plane, *at)] = box.sum() / divisor
    return y


def adaptive_loop(x, out, reduce):
    n, c, *size = x.shape
    y = np.zeros((n, c, *out))
    for at in itertools.product(*map(range, out)):
        box = tuple(slice(i * length // o, -(-(i + 1) * length // o)) for i, length, o in zip(at, size, out))
        y[(..., *at)] = reduce(x[(Ellipsis, *box)].reshape(n, c, -1), axis=-1)
    return y


MAX_CASES = [  # x shape, kernel, stride, padding, dilation, ceil_mode
    ((1, 2, 3, 4, 3), 2, None, 0, 1, False),
    ((2, 1, 4, 5, 4), (2, 3, 2), (1, 2, 2), (1, 1, 0), (2, 1, 1), True),
    ((1, 2, 3, 4, 5), (3, 2, 2), 2, (1, 0, 1), 1, True),
]


@pytest.mark.parametrize("shape, kernel, stride, padding, dilation, ceil_mode", MAX_CASES)
def test_max_pool3d_matches_the_loop(shape, kernel, stride, padding, dilation, ceil_mode):
    x = RNG.integers(-3, 4, size=shape).astype(np.float64)  # ties: the first max wins
    x.flat[::7] = np.nan
    got, indices = F.max_pool3d(mt.tensor(x), kernel, stride, padding, dilation, ceil_mode, return_indices=True)
    want, want_indices = max_pool_loop(x, triple(kernel), triple(stride or kernel), triple(padding),
                                       triple(dilation), ceil_mode)
    np.testing.assert_array_equal(got.numpy(), want)
    np.testing.assert_array_equal(indices.numpy(), want_indices)
    assert indices.dtype == mt.int64
    unbatched = F.max_pool3d(mt.tensor(x[0]), kernel, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(unbatched.numpy(), want[0])


def test_max_pool3d_gradient_goes_to_the_first_max_and_second_derivative_is_zero():
    x = np.array([1.0, 5, 5, 2, 5, 0, 3, 1]).reshape(1, 1, 2, 2, 2)
    leaf = mt.tensor(x, requires_grad=True)
    (grad,) = mt.autograd.grad(F.max_pool3d(leaf, 2).sum(), leaf, create_graph=True)
    np.testing.assert_array_equal(grad.detach().numpy().ravel(), [0, 1, 0, 0, 0, 0, 0, 0])
    (second,) = mt.autograd.grad((grad * mt.tensor(x)).sum(), leaf)
    np.testing.assert_array_equal(second.numpy(), np.zeros_like(x))
    distinct = RNG.permutation(36).reshape(1, 2, 3, 3, 2) / 7.0
    check_gradients(lambda x: F.max_pool3d(x, (2, 2, 1), (1, 2, 1), (1, 1, 0), ceil_mode=True), distinct)


AVG_CASES = [  # shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override
    ((1, 2, 3, 4, 3), 2, None, 0, False, True, None),
    ((2, 1, 4, 5, 3), (3, 2, 2), (2, 2, 1), (1, 1, 0), True, True, None),
    ((1, 2, 4, 5, 3), (3, 2, 2), (2, 2, 1), (1, 1, 1), True, False, None),
    ((1, 1, 3, 4, 5), (2, 3, 2), 2, (1, 1, 0), False, True, 5),
]


@pytest.mark.parametrize("shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override", AVG_CASES)
def test_avg_pool3d_matches_the_loop(shape, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override):
    x = RNG.standard_normal(shape)
    got = F.avg_pool3d(mt.tensor(x), kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    want = avg_pool_loop(x, triple(kernel), triple(stride or kernel), triple(padding), ceil_mode, count_include_pad,
                         divisor_override)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-12)
    integers = RNG.integers(-9, 10, size=shape)
    got = F.avg_pool3d(mt.tensor(integers), kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
    exact = avg_pool_loop(integers.astype(np.float64), triple(kernel), triple(stride or kernel), triple(padding),
                          ceil_mode, count_include_pad, divisor_override)
    assert got.dtype == mt.int64
    np.testing.assert_array_equal(got.numpy(), np.trunc(exact * (1 + 1e-12)).astype(np.int64))


def test_avg_pool3d_gradients():
    x = RNG.standard_normal((1, 1, 2, 3, 2))
    check_gradients(lambda x: F.avg_pool3d(x, 2, 1, 1, True, False), x)
    check_gradients(lambda x: F.avg_pool3d(x, 2, (1, 2, 1), divisor_override=3), x)
    assert mt.autograd.gradgradcheck(lambda x: F.avg_pool3d(x, (2, 1, 2), 1, (1, 0, 0)),
                                     (mt.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("shape, output_size, expected", [
    ((1, 2, 3, 5, 4), (2, 3, 3), (2, 3, 3)),
    ((2, 1, 4, 3, 5), (3, None, 2), (3, 3, 2)),
    ((1, 1, 2, 2, 3), 1, (1, 1, 1)),
])
def test_adaptive_pool3d_matches_the_loop(shape, output_size, expected):
    x = RNG.standard_normal(shape)
    np.testing.assert_allclose(F.adaptive_avg_pool3d(mt.tensor(x), output_size).numpy(),
                               adaptive_loop(x, expected, np.mean), atol=1e-12)
    got, indices = F.adaptive_max_pool3d(mt.tensor(x), output_size, True)
    np.testing.assert_array_equal(got.numpy(), adaptive_loop(x, expected, np.max))
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(*shape[:2], -1), indices.numpy().reshape(
        *shape[:2], -1), -1).reshape(got.shape), got.numpy())
    assert F.adaptive_avg_pool3d(mt.tensor(x[0]), output_size).shape == (shape[1],) + expected


def test_adaptive_pool3d_gradients():
    x = RNG.permutation(12).reshape(1, 1, 2, 3, 2) / 4.0
    check_gradients(lambda x: F.adaptive_avg_pool3d(x, (1, 2, 2)), x)
    check_gradients(lambda x: F.adaptive_max_pool3d(x, (2, 2, 1)), x)
    assert mt.autograd.gradgradcheck(lambda x: F.adaptive_avg_pool3d(x, (1, 2, 1)),
                                     (mt.tensor(x, requires_grad=True),))


def test_pool3d_layers():
    x = mt.tensor(RNG.standard_normal((1, 2, 4, 4, 4)))
    out, indices = mt.nn.MaxPool3d(2, return_indices=True)(x)
    assert out.shape == indices.shape == (1, 2, 2, 2, 2)
    assert mt.nn.AvgPool3d(3, stride=1, padding=1, count_include_pad=False)(x).shape == (1, 2, 4, 4, 4)
    np.testing.assert_allclose(mt.nn.AdaptiveAvgPool3d(1)(x).numpy().ravel(), x.numpy().mean(axis=(2, 3, 4)).ravel())
    assert mt.nn.AdaptiveMaxPool3d((1, None, 2))(x).shape == (1, 2, 1, 4, 2)
    assert repr(mt.nn.MaxPool3d(2)) == "MaxPool3d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.max_pool3d(mt.randn(3, 4, 3), 2), RuntimeError, "Expected 4D or 5D"),
    (lambda: F.max_pool3d(mt.randn(1, 2, 3, 4, 3), (2, 2)), RuntimeError, "tuple of 3 ints"),
    (lambda: F.max_pool3d(mt.randn(1, 2, 3, 4, 3), 2, padding=2), RuntimeError, "pad should be at most half"),
    (lambda: F.max_pool3d(mt.randn(1, 2, 3, 4, 3), 5), RuntimeError,
     r"Given input size: \(2x3x4x3\). Calculated output size: \(2x0x0x0\)"),
    (lambda: F.max_pool3d(mt.randn(1, 2, 3, 4, 3), 2, dilation=0), RuntimeError, "dilation should be greater"),
    (lambda: F.avg_pool3d(mt.randn(1, 2, 3, 4, 3), 2, divisor_override=0), RuntimeError, "divisor must be not zero"),
    (lambda: F.adaptive_avg_pool3d(mt.randn(1, 2, 3, 4, 3), (2, 2)), RuntimeError, "output_size must be 3"),
    (lambda: F.adaptive_avg_pool3d(mt.tensor(np.ones((1, 2, 2, 2, 2), dtype=np.int64)), 1), NotImplementedError,
     "not implemented for dtype"),
    (lambda: F.adaptive_max_pool3d(mt.randn(3, 4, 3), 2), RuntimeError, "Expected 4D or 5D tensor"),
    (lambda: F.adaptive_max_pool3d(mt.randn(1, 2, 3, 4, 3), -1), RuntimeError, "greater than or equal to 0"),
])
def test_pool3d_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_empty_outputs_and_batches():
    x = mt.randn(1, 2, 3, 3, 3, requires_grad=True)
    assert F.adaptive_avg_pool3d(x, (1, 0, 2)).shape == (1, 2, 1, 0, 2)
    out, indices = F.adaptive_max_pool3d(x, (0, 1, 1), return_indices=True)
    assert out.shape == indices.shape == (1, 2, 0, 1, 1)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((1, 2, 3, 3, 3)))
    assert F.adaptive_max_pool2d(mt.randn(1, 2, 3, 3), (0, 1)).shape == (1, 2, 0, 1)
    assert F.max_pool3d(mt.randn(0, 2, 3, 3, 3), 2).shape == F.avg_pool3d(mt.randn(0, 2, 3, 3, 3), 2).shape == (
        0, 2, 1, 1, 1)
