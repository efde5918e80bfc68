"""Spatial transformers: affine_grid and grid_sample (2-D and volumes; bilinear / nearest / bicubic; zeros /
border / reflection padding; both align_corners) against a per-sample loop written here from the
rules (unnormalise, pad, blend the neighbours inside the input), float64 gradients in the input,
the grid and theta, the zero grid gradient of 'nearest', and PyTorch's errors."""
import itertools
import math

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from tests.strategies import check_gradients

RNG = np.random.default_rng(11)


def unnormalised(g, length, align_corners):
    return (g + 1) / 2 * (length - 1) if align_corners else ((g + 1) * length - 1) / 2


def source(g, length, padding_mode, align_corners):
    return padded(unnormalised(g, length, align_corners), length, padding_mode, align_corners)


def keys_cubic(distance, a=-0.75):
    x = abs(distance)
    if x <= 1:
        return (a + 2) * x ** 3 - (a + 3) * x ** 2 + 1
    return a * x ** 3 - 5 * a * x ** 2 + 8 * a * x - 4 * a if x < 2 else 0.0


def padded(u, length, padding_mode, align_corners):
    if padding_mode == "zeros":
        return u
    if padding_mode == "reflection":
        low, high = (0.0, length - 1.0) if align_corners else (-0.5, length - 0.5)
        if high > low:
            span = high - low
            u = abs(u - low) % (2 * span)  # the reflection is periodic with period 2 span
            u = low + (u if u <= span else 2 * span - u)
        else:
            u = 0.0
    return min(max(u, 0.0), length - 1.0)


def sample_loop(x, grid, mode, padding_mode, align_corners):
    n, c, *sizes = x.shape
    dims = len(sizes)
    out = np.zeros((n, c) + grid.shape[1:-1])
    for sample in range(n):
        for at in np.ndindex(*grid.shape[1:-1]):
            point = grid[(sample, *at)][::-1]  # grid lists x (width) first
            u = [source(g, length, padding_mode, align_corners) for g, length in zip(point, sizes)]
            if mode == "bicubic":  # the 4 x 4 taps around the point; the padding rule moves each tap
                corners = []
                for offsets in itertools.product((-1, 0, 1, 2), repeat=2):
                    raw = [unnormalised(g, length, align_corners) for g, length in zip(point, sizes)]
                    tap = [math.floor(v) + o for v, o in zip(raw, offsets)]
                    where = tuple(int(padded(t, length, padding_mode, align_corners)) for t, length in
                                  zip(tap, sizes))
                    corners.append((where, math.prod(keys_cubic(v - t) for v, t in zip(raw, tap))))
            elif mode == "nearest":
                corners = [(tuple(int(round(v)) for v in u), 1.0)]  # Python's round: half to even
            else:
                corners = []
                for bits in itertools.product((0, 1), repeat=dims):
                    where = tuple(math.floor(v) + b for v, b in zip(u, bits))
                    corners.append((where, math.prod(1 - abs(v - p) for v, p in zip(u, where))))
            for where, weight in corners:
                if all(0 <= p < length for p, length in zip(where, sizes)):
                    out[(sample, slice(None), *at)] += weight * x[(sample, slice(None), *where)]
    return out


@pytest.mark.parametrize("mode, padding_mode, align_corners", list(itertools.product(
    ("bilinear", "nearest"), ("zeros", "border", "reflection"), (False, True))))
def test_grid_sample_matches_the_loop(mode, padding_mode, align_corners):
    x, grid = RNG.standard_normal((2, 2, 3, 4)), RNG.uniform(-1.6, 1.6, (2, 3, 2, 2))
    got = F.grid_sample(mt.tensor(x), mt.tensor(grid), mode, padding_mode, align_corners)
    np.testing.assert_allclose(got.numpy(), sample_loop(x, grid, mode, padding_mode, align_corners), atol=1e-12)
    got = F.grid_sample(mt.tensor(x), mt.tensor(grid), "bicubic", padding_mode, align_corners)
    np.testing.assert_allclose(got.numpy(), sample_loop(x, grid, "bicubic", padding_mode, align_corners), atol=1e-12)
    volume, grid = RNG.standard_normal((1, 2, 2, 3, 2)), RNG.uniform(-1.6, 1.6, (1, 2, 2, 1, 3))
    got = F.grid_sample(mt.tensor(volume), mt.tensor(grid), mode, padding_mode, align_corners)
    np.testing.assert_allclose(got.numpy(), sample_loop(volume, grid, mode, padding_mode, align_corners),
                               atol=1e-12)


def test_grid_sample_at_the_pixel_centres_is_the_identity():
    x = mt.tensor(RNG.standard_normal((1, 2, 3, 4)))
    for align_corners in (False, True):
        grid = F.affine_grid(mt.tensor([[[1.0, 0, 0], [0, 1, 0]]], dtype=mt.float64), [1, 2, 3, 4], align_corners)
        np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=align_corners).numpy(), x.numpy(),
                                   atol=1e-12)


@pytest.mark.parametrize("padding_mode, align_corners", [("zeros", False), ("border", True), ("reflection", False),
                                                          ("reflection", True)])
def test_grid_sample_gradients(padding_mode, align_corners):
    x, grid = RNG.standard_normal((1, 1, 2, 3)), RNG.uniform(-1.4, 1.4, (1, 1, 2, 2))
    check_gradients(lambda x, g: F.grid_sample(x, g, "bilinear", padding_mode, align_corners), x, grid)
    check_gradients(lambda x, g: F.grid_sample(x, g, "bicubic", padding_mode, align_corners), x, grid[:, :1])


def test_grid_sample_volume_gradients_and_second_derivative_in_the_input():
    volume, grid = RNG.standard_normal((1, 1, 2, 2, 2)), RNG.uniform(-1.2, 1.2, (1, 1, 1, 2, 3))
    check_gradients(lambda x, g: F.grid_sample(x, g, padding_mode="border", align_corners=False), volume, grid)
    x, grid = RNG.standard_normal((1, 1, 2, 2)), RNG.uniform(-1, 1, (1, 1, 1, 2))
    assert mt.autograd.gradgradcheck(lambda x, g: F.grid_sample(x, g, align_corners=True),
                                     (mt.tensor(x, requires_grad=True), mt.tensor(grid, requires_grad=True)))


def test_nearest_grid_gradient_is_zero():
    x = mt.tensor(RNG.standard_normal((1, 2, 3, 4)), requires_grad=True)
    grid = mt.tensor(RNG.uniform(-1, 1, (1, 2, 2, 2)), requires_grad=True)
    F.grid_sample(x, grid, mode="nearest", align_corners=False).sum().backward()
    np.testing.assert_array_equal(grid.grad.numpy(), np.zeros((1, 2, 2, 2)))
    assert x.grad.numpy().sum() == pytest.approx(2 * 4)  # every output read one input


def affine_grid_loop(theta, size, align_corners):
    def base(steps):
        if steps == 1:
            return [0.0]
        return [(-1 + 2 * i / (steps - 1)) * (1 if align_corners else (steps - 1) / steps) for i in range(steps)]
    spatial = size[2:]
    grid = np.zeros((size[0],) + tuple(spatial) + (len(spatial),))
    for sample in range(size[0]):
        for at in np.ndindex(*spatial):
            point = [base(steps)[i] for steps, i in zip(spatial, at)][::-1] + [1.0]
            grid[(sample, *at)] = theta[sample] @ np.array(point)
    return grid


@pytest.mark.parametrize("size, align_corners", [((2, 1, 3, 4), False), ((2, 3, 1, 4), True),
                                                  ((2, 1, 2, 3, 2), False), ((2, 1, 2, 1, 3), True)])
def test_affine_grid_matches_the_loop_and_its_gradient(size, align_corners):
    dims = len(size) - 2
    theta = RNG.standard_normal((size[0], dims, dims + 1))
    got = F.affine_grid(mt.tensor(theta), list(size), align_corners)
    np.testing.assert_allclose(got.numpy(), affine_grid_loop(theta, size, align_corners), atol=1e-12)
    check_gradients(lambda t: F.affine_grid(t, size, align_corners), theta)


def test_spatial_transformer_end_to_end_gradient():
    x, theta = RNG.standard_normal((1, 1, 2, 3)), RNG.standard_normal((1, 2, 3)) * 0.4
    check_gradients(lambda x, t: F.grid_sample(x, F.affine_grid(t, [1, 1, 2, 2], False), align_corners=False),
                    x, theta)


@pytest.mark.parametrize("call, error, message", [
    (lambda: F.affine_grid(mt.randn(2, 3, 4), (2, 1, 3, 4)), ValueError, "of shape Nx2x3"),
    (lambda: F.affine_grid(mt.randn(2, 2, 3), (2, 1, 3, 4, 5)), ValueError, "of shape Nx3x4"),
    (lambda: F.affine_grid(mt.randn(2, 2, 3), (2, 1, 3)), NotImplementedError, "only supports 4D and 5D sizes"),
    (lambda: F.affine_grid(mt.tensor(np.ones((2, 2, 3), dtype=np.int64)), (2, 1, 3, 4)), ValueError,
     "floating point type"),
    (lambda: F.affine_grid(mt.randn(2, 2, 3), (2, 1, 0, 4)), ValueError, "non-zero, positive output size"),
    (lambda: F.affine_grid(mt.randn(2, 2, 3), (3, 1, 2, 4)), RuntimeError, "batch of 3"),
    (lambda: F.grid_sample(mt.randn(1, 1, 2, 2), mt.randn(1, 2, 2, 2), mode="linear"), ValueError,
     "expected mode to be 'bilinear', 'nearest' or 'bicubic'"),
    (lambda: F.grid_sample(mt.randn(1, 1, 2, 2), mt.randn(1, 2, 2, 2), padding_mode="wrap"), ValueError,
     "expected padding_mode to be 'zeros', 'border', or 'reflection'"),
    (lambda: F.grid_sample(mt.randn(2, 1, 2, 2), mt.randn(1, 2, 2, 2)), RuntimeError, "same batch size"),
    (lambda: F.grid_sample(mt.randn(1, 1, 2, 2, 2), mt.randn(1, 2, 2, 2, 3), mode="bicubic"), RuntimeError,
     "bicubic interpolation only supports 4D input"),
    (lambda: F.grid_sample(mt.randn(1, 1, 2, 2), mt.randn(1, 2, 2, 3)), RuntimeError, "size 2 in last dimension"),
    (lambda: F.grid_sample(mt.randn(1, 1, 2, 2), mt.randn(1, 1, 2, 2, 2)), RuntimeError,
     "same number of dimensions"),
    (lambda: F.grid_sample(mt.randn(1, 1, 0, 2), mt.randn(1, 2, 2, 2)), RuntimeError, "non-empty spatial"),
    (lambda: F.grid_sample(mt.randn(1, 1, 2, 2), mt.randn(1, 2, 2, 2, dtype=mt.float64)), RuntimeError,
     "same dtype"),
])
def test_spatial_transformer_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_empty_batches_channels_and_grids():
    assert F.grid_sample(mt.randn(0, 2, 3, 3), mt.rand(0, 2, 2, 2), align_corners=False).shape == (0, 2, 2, 2)
    assert F.grid_sample(mt.randn(1, 0, 3, 3), mt.rand(1, 2, 2, 2), align_corners=False).shape == (1, 0, 2, 2)
    assert F.grid_sample(mt.randn(1, 2, 3, 3), mt.rand(1, 0, 2, 2), align_corners=False).shape == (1, 2, 0, 2)
    assert F.grid_sample(mt.randn(1, 2, 3, 3), mt.rand(1, 2, 2, 2) - 0.5).dtype == mt.float32
