"""F.unfold / F.fold and nn.Unfold / nn.Fold: unfold against a loop over receptive fields, fold as its
adjoint (<unfold(x), c> = <x, fold(c)>), gradients by central differences, reprs and errors."""
import numpy as np
import pytest

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import nn


def unfold_reference(x, kernel, stride, padding, dilation):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding[0],) * 2, (padding[1],) * 2))
    oh = (h + 2 * padding[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    ow = (w + 2 * padding[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    out = np.zeros((n, c * kernel[0] * kernel[1], oh * ow))
    for i in range(oh):
        for j in range(ow):
            for ch in range(c):
                for a in range(kernel[0]):
                    for b in range(kernel[1]):
                        out[:, ch * kernel[0] * kernel[1] + a * kernel[1] + b, i * ow + j] = \
                            xp[:, ch, i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1]]
    return out


CASES = [((2, 3, 4, 5), (2, 2), (1, 1), (0, 0), (1, 1)), ((1, 2, 5, 6), (3, 2), (2, 2), (1, 1), (1, 2))]


@pytest.mark.parametrize("shape, kernel, stride, padding, dilation", CASES)
def test_unfold_matches_a_loop_and_fold_is_its_adjoint(shape, kernel, stride, padding, dilation):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape)
    options = dict(kernel_size=kernel, stride=stride, padding=padding, dilation=dilation)
    columns = F.unfold(mt.tensor(x), **options)
    want = unfold_reference(x, kernel, stride, padding, dilation)
    np.testing.assert_array_equal(columns.numpy(), want)
    c = rng.standard_normal(want.shape)
    folded = F.fold(mt.tensor(c), output_size=shape[2:], **options)
    np.testing.assert_allclose((want * c).sum(), (x * folded.numpy()).sum(), rtol=1e-12)
    small = x[:1, :1]  # one image, one channel: a quick gradcheck
    assert mt.autograd.gradcheck(lambda a: F.unfold(a, **options), (mt.tensor(small, requires_grad=True),))
    small_columns = c[:1, :kernel[0] * kernel[1]]
    assert mt.autograd.gradcheck(lambda a: F.fold(a, shape[2:], **options), (mt.tensor(small_columns, requires_grad=True),))


def test_fold_of_unfold_counts_the_covering_fields_and_the_layers():
    ones = mt.ones(1, 1, 3, 3)
    counts = F.fold(F.unfold(ones, 2), (3, 3), 2).numpy()[0, 0]
    np.testing.assert_array_equal(counts, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    assert nn.Unfold(2, stride=2)(mt.zeros(2, 4, 4)).shape == (8, 4)  # unbatched: C kh kw = 8 rows, 2 x 2 blocks
    assert repr(nn.Unfold(2, stride=2)) == "Unfold(kernel_size=2, dilation=1, padding=0, stride=2)"
    assert nn.Fold((4, 4), 2, stride=2)(mt.zeros(1, 12, 4)).shape == (1, 3, 4, 4)
    with pytest.raises(RuntimeError, match=r"expected an input of size \(N, C \* 4, 12\)"):
        F.fold(mt.zeros(2, 13, 12), (4, 5), 2)
    with pytest.raises(RuntimeError, match="no sliding block"):
        F.unfold(mt.zeros(1, 1, 2, 2), 3)
