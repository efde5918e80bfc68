"""F.interpolate and nn.Upsample: nearest and bilinear against per-pixel loops written here (bilinear as the
four-neighbour weighted sum), a known upsampling by hand, gradients by central differences, the layers'
reprs and PyTorch's errors."""
import math

import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn


def _source(j, n, m, scale_factor, align_corners):
    if align_corners:
        return j * (n - 1) / (m - 1) if m > 1 else 0.0
    step = 1 / scale_factor if scale_factor else n / m
    return max((j + 0.5) * step - 0.5, 0.0)


def bilinear_reference(x, m_h, m_w, scale_factor=None, align_corners=False):
    n, c, h, w = x.shape
    y = np.zeros((n, c, m_h, m_w))
    for i in range(m_h):
        for j in range(m_w):
            si, sj = _source(i, h, m_h, scale_factor, align_corners), _source(j, w, m_w, scale_factor, align_corners)
            i0, j0 = min(int(math.floor(si)), h - 1), min(int(math.floor(sj)), w - 1)
            i1, j1 = min(i0 + 1, h - 1), min(j0 + 1, w - 1)
            a, b = si - i0, sj - j0
            y[:, :, i, j] = ((1 - a) * (1 - b) * x[:, :, i0, j0] + (1 - a) * b * x[:, :, i0, j1]
                             + a * (1 - b) * x[:, :, i1, j0] + a * b * x[:, :, i1, j1])
    return y


def nearest_reference(x, m_h, m_w, scale_factor=None):
    h, w = x.shape[2:]
    rows = [min(int(math.floor(i * (1 / scale_factor if scale_factor else h / m_h))), h - 1) for i in range(m_h)]
    cols = [min(int(math.floor(j * (1 / scale_factor if scale_factor else w / m_w))), w - 1) for j in range(m_w)]
    return x[:, :, rows][:, :, :, cols]


@pytest.mark.parametrize("kwargs, out_size", [
    (dict(scale_factor=2), (6, 8)), (dict(scale_factor=1.5), (4, 6)), (dict(size=(5, 3)), (5, 3)),
    (dict(scale_factor=0.6), (1, 2)),
])
@pytest.mark.parametrize("align_corners", [False, True])
def test_bilinear_matches_the_four_neighbour_sum_and_gradchecks(kwargs, out_size, align_corners):
    x = np.random.default_rng(0).standard_normal((1, 2, 3, 4))
    out = F.interpolate(mt.tensor(x), mode="bilinear", align_corners=align_corners, **kwargs)
    want = bilinear_reference(x, *out_size, kwargs.get("scale_factor"), align_corners)
    np.testing.assert_allclose(out.numpy(), want, rtol=1e-12, atol=1e-12)
    assert mt.autograd.gradcheck(lambda a: F.interpolate(a, mode="bilinear", align_corners=align_corners, **kwargs),
                                 (mt.tensor(x, requires_grad=True),))


@pytest.mark.parametrize("kwargs, out_size", [(dict(scale_factor=2), (6, 8)), (dict(size=(4, 3)), (4, 3)),
                                              (dict(scale_factor=1.5), (4, 6))])
def test_nearest_repeats_the_source_pixel_and_sums_its_gradients(kwargs, out_size):
    x = np.random.default_rng(1).standard_normal((2, 1, 3, 4))
    leaf = mt.tensor(x, requires_grad=True)
    out = F.interpolate(leaf, **kwargs)
    np.testing.assert_array_equal(out.detach().numpy(), nearest_reference(x, *out_size, kwargs.get("scale_factor")))
    out.sum().backward()
    assert leaf.grad.numpy().sum() == 2 * math.prod(out_size)  # each output pixel sends 1 to one source


def test_upsampling_by_two_by_hand_and_the_layers():
    x = mt.tensor([[[[1.0, 2.0], [3.0, 4.0]]]])
    np.testing.assert_array_equal(nn.Upsample(scale_factor=2)(x).numpy()[0, 0],
                                  [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]])
    np.testing.assert_allclose(nn.UpsamplingBilinear2d(size=3)(x).numpy()[0, 0],
                               [[1, 1.5, 2], [2, 2.5, 3], [3, 3.5, 4]])  # align_corners=True: the corners stay
    np.testing.assert_allclose(F.interpolate(mt.tensor([[[0.0, 4.0]]]), size=4, mode="linear").numpy(),
                               [[[0.0, 1.0, 3.0, 4.0]]])
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2.0, mode='nearest')"
    assert repr(nn.Upsample(size=(3, 4), mode="bilinear")) == "Upsample(size=(3, 4), mode='bilinear')"
    assert F.interpolate(mt.zeros(1, 1, 2, 3, 4), scale_factor=2, mode="trilinear").shape == (1, 1, 4, 6, 8)
    np.testing.assert_allclose(F.interpolate(mt.tensor([[[1.0, 3.0, 5.0, 7.0]]]), size=2, mode="area").numpy(),
                               [[[2.0, 6.0]]])


def test_interpolate_errors():
    x = mt.zeros(1, 1, 3, 4)
    with pytest.raises(ValueError, match="only one of size or scale_factor"):
        F.interpolate(x, size=3, scale_factor=2)
    with pytest.raises(ValueError, match="either size or scale_factor"):
        F.interpolate(x)
    with pytest.raises(ValueError, match="align_corners option can only be set with the interpolating modes"):
        F.interpolate(x, scale_factor=2, align_corners=True)
    with pytest.raises(NotImplementedError, match="Got 4D input, but linear mode needs 3D input"):
        F.interpolate(x, scale_factor=2, mode="linear")
    with pytest.raises(ValueError, match="same number of spatial dimensions"):
        F.interpolate(x, size=(2, 2, 2))
