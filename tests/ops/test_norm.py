"""``mt.norm`` and the ``torch.linalg``-style ``vector_norm``, ``matrix_norm``, ``linalg_norm``:
values against numpy, float64 gradients against central differences (over dims, keepdim,
transposed inputs), PyTorch's subgradients (0 at 0 for p = 2, ties shared for inf), dtypes
and errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import microtensor as mt
from microtensor.ops.norms import linalg_norm, matrix_norm, vector_norm
from tests.strategies import check_gradients, float_arrays, leaf, shapes

ORDERS = [2, 1, 3, 1.5, 0.5, -1, np.inf, -np.inf, 0]


def numpy_vector_norm(a, p, axis=None, keepdims=False):
    """The p-norm from its definition, with numpy."""
    magnitude = np.abs(a)
    if p == np.inf:
        return np.max(magnitude, axis=axis, keepdims=keepdims)
    if p == -np.inf:
        return np.min(magnitude, axis=axis, keepdims=keepdims)
    if p == 0:
        return np.sum(a != 0, axis=axis, keepdims=keepdims).astype(a.dtype)
    with np.errstate(divide="ignore"):
        return np.sum(magnitude**p, axis=axis, keepdims=keepdims) ** (1 / p)


def dims_of(shape):
    """None, one dim, or a tuple of distinct dims of ``shape``."""
    n = len(shape)
    single = st.integers(-n, n - 1) if n else st.nothing()
    several = st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True).map(tuple) if n else st.nothing()
    return st.one_of(st.none(), single, several)


@pytest.mark.parametrize("p", ORDERS, ids=str)
@settings(max_examples=6)
@given(data=st.data())
def test_vector_norm_values_and_gradients(p, data):
    shape = data.draw(shapes(min_dims=1))
    dim = data.draw(dims_of(shape))
    keepdim = data.draw(st.booleans())
    array = data.draw(float_arrays(shape, -2.0, 2.0, away_from_zero=0.2))  # |x| has a kink at 0
    if p in (np.inf, -np.inf):
        array = array + np.linspace(0, 0.05, array.size).reshape(shape)  # no ties: differences are defined
    result = mt.norm(leaf(array), p=p, dim=dim, keepdim=keepdim)
    np.testing.assert_allclose(result.detach().numpy(), numpy_vector_norm(array, p, dim, keepdim), rtol=1e-12)
    check_gradients(lambda x: mt.norm(x, p=p, dim=dim, keepdim=keepdim), array)


def test_default_is_the_frobenius_two_norm_of_all_elements():
    a = np.array([[1.0, 2.0, 4.0]], dtype=np.float32)
    result = mt.norm(mt.tensor(a))
    assert result.dtype == mt.float32 and result.shape == ()
    assert result.item() == pytest.approx(np.sqrt(21.0))
    assert mt.norm(mt.tensor(a), "fro", (0, 1)).item() == pytest.approx(np.sqrt(21.0))
    np.testing.assert_allclose(mt.tensor(a).norm(2, 1, True).numpy(), [[np.sqrt(21.0)]], rtol=1e-6)
    assert mt.norm(mt.tensor(3.0)).item() == 3.0


def test_two_norm_gradient_at_zero_is_zero_not_nan():
    x = leaf(np.zeros((2, 3)))
    mt.norm(x, dim=1).sum().backward()
    assert x.grad.tolist() == [[0.0] * 3] * 2
    y = leaf([0.0, 0.0])
    for p in (1.5, 3, 0.5):
        y.grad = None
        mt.norm(y, p=p).backward()
        assert y.grad.tolist() == [0.0, 0.0]


def test_inf_norm_shares_the_gradient_among_ties():
    x = leaf([3.0, 0.0, -3.0, 1.0])
    mt.norm(x, p=np.inf).backward()
    assert x.grad.tolist() == [0.5, 0.0, -0.5, 0.0]


def test_norms_of_a_transposed_input_and_second_derivatives():
    array = np.array([[1.0, -2.0, 0.5], [3.0, 0.25, -1.5]])
    for p in (2, 3, 1.5, np.inf):
        check_gradients(lambda x: mt.norm(x.T, p=p, dim=0), array)

    def first_derivative(x):
        y = mt.norm(x, p=3, dim=1)
        return mt.autograd.grad(y, x, grad_outputs=mt.tensor([1.0, -2.0], dtype=mt.float64), create_graph=True)[0]

    check_gradients(first_derivative, array)


def test_dtype_casts_first_and_must_not_narrow():
    x = mt.tensor([3.0, 4.0])
    result = mt.norm(x, dtype=mt.float64)
    assert result.dtype == mt.float64 and result.item() == 5.0
    with pytest.raises(RuntimeError, match=r"should be convertible without narrowing to the specified dtype \(Float\)"):
        mt.norm(mt.tensor([1.0], dtype=mt.float64), dtype=mt.float32)
    assert mt.norm(mt.tensor([0.0, 2.0, 0.0], dtype=mt.float64), p=0).dtype == mt.float64


def test_norm_errors():
    with pytest.raises(RuntimeError, match=r"Expected a floating point or complex tensor as input. Got Long"):
        mt.norm(mt.tensor([1, 2]))
    assert mt.norm(mt.tensor([[3.0, 0.0], [0.0, 4.0]]), p="nuc").item() == pytest.approx(7.0)  # 3 + 4
    with pytest.raises(RuntimeError, match=r"Order abc not supported"):
        mt.norm(mt.ones(2, 2), p="abc")
    with pytest.raises(RuntimeError, match=r"dim must be a 2-tuple"):
        mt.norm(mt.ones(2, 2, 2), p="fro", dim=(0, 1, 2))
    with pytest.raises(RuntimeError, match=r"cannot compute the inf norm"):
        mt.norm(mt.zeros(2, 0), p=np.inf, dim=1)
    with pytest.raises(RuntimeError, match=r"appears multiple times"):
        mt.norm(mt.ones(2, 2), dim=(0, 0))
    with pytest.raises(TypeError, match=r"argument 'ord' must be Number"):
        vector_norm(mt.ones(2), ord="fro")
    assert mt.norm(mt.zeros(0)).item() == 0.0


# -------------------------------------------------------------- linalg forms
MATRIX = np.array([[1.0, -2.0, 0.5], [3.0, 4.0, -1.5]])


@pytest.mark.parametrize("ord", ["fro", 1, -1, np.inf, -np.inf], ids=str)
def test_matrix_norm_matches_numpy_and_differentiates(ord):
    assert matrix_norm(mt.tensor(MATRIX), ord).item() == pytest.approx(np.linalg.norm(MATRIX, ord))
    batch = np.stack([MATRIX, MATRIX[::-1] * 0.5])
    np.testing.assert_allclose(matrix_norm(mt.tensor(batch), ord, dim=(1, 2)).numpy(),
                               [np.linalg.norm(m, ord) for m in batch])
    kept = matrix_norm(mt.tensor(batch), ord, keepdim=True)
    assert kept.shape == (2, 1, 1)
    check_gradients(lambda x: matrix_norm(x, ord), MATRIX)


def test_linalg_norm_picks_vector_or_matrix_norms_as_pytorch():
    a = mt.tensor(MATRIX)
    assert linalg_norm(a).item() == pytest.approx(np.linalg.norm(MATRIX))
    assert linalg_norm(a, 1).item() == pytest.approx(np.linalg.norm(MATRIX, 1))  # 2-D: a matrix norm
    assert linalg_norm(mt.tensor(MATRIX[0]), 1).item() == pytest.approx(3.5)  # 1-D: a vector norm
    np.testing.assert_allclose(linalg_norm(a, np.inf, dim=1).numpy(), np.abs(MATRIX).max(axis=1))
    assert linalg_norm(a, np.inf, dim=(0, 1)).item() == pytest.approx(np.linalg.norm(MATRIX, np.inf))
    with pytest.raises(RuntimeError, match=r"the input must be 1D or 2D. Got 3D"):
        linalg_norm(mt.ones(2, 2, 2), 1)
    with pytest.raises(RuntimeError, match=r"must be of length 1 or 2"):
        linalg_norm(a, dim=(0, 1, 1))
    singular_values = np.linalg.svd(MATRIX, compute_uv=False)
    assert matrix_norm(a, 2).item() == pytest.approx(singular_values.max())
    assert matrix_norm(a, -2).item() == pytest.approx(singular_values.min())
    assert matrix_norm(a, "nuc").item() == pytest.approx(singular_values.sum())
    check_spectral = mt.tensor(np.asarray(MATRIX, dtype=np.float64), requires_grad=True)
    assert mt.autograd.gradcheck(lambda m: matrix_norm(m, "nuc") + matrix_norm(m, 2), (check_spectral,))
    with pytest.raises(RuntimeError, match=r"at least 2 dimensions"):
        matrix_norm(mt.ones(3), 1)
