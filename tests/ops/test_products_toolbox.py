"""Products and built matrices: ``tensordot kron addr vdot chain_matmul`` and ``vander block_diag
cartesian_prod combinations``. Values against numpy and itertools, float64 gradients against
central differences, dtypes and errors."""
import itertools
import warnings

import numpy as np
import pytest

import microtensor as mt
from tests.strategies import check_gradients

RNG = np.random.default_rng(7)
A = RNG.normal(size=(2, 3, 4))
B = RNG.normal(size=(4, 3, 2))


@pytest.mark.parametrize("dims, numpy_axes", [
    (0, 0), (1, 1), (([1, 2], [1, 0]), ([1, 2], [1, 0])), (([0], [2]), ([0], [2])), (([-1], [0]), ([-1], [0])),
])
def test_tensordot_matches_numpy_and_has_gradients(dims, numpy_axes):
    result = mt.tensordot(mt.tensor(A), mt.tensor(B), dims)
    np.testing.assert_allclose(result.numpy(), np.tensordot(A, B, numpy_axes), rtol=1e-12)
    check_gradients(lambda a, b: mt.tensordot(a, b, dims), A[:, :2, :3], B[:3, :2, :2])


def test_tensordot_dims_forms_and_errors():
    a, b = mt.arange(6.).reshape(2, 3), mt.arange(12.).reshape(3, 4)
    assert mt.tensordot(a, b, dims=mt.tensor(1)).shape == (2, 4)
    assert mt.tensordot(a, b, mt.tensor([[1], [0]])).shape == (2, 4)
    assert mt.tensordot(a, b, ([1], [0])).shape == (2, 4)
    for dims, message in [(-1, "dims >= 0"), (3, "dims < ndim_a"), (([1, 0], [0]), "same length")]:
        with pytest.raises(RuntimeError, match=message):
            mt.tensordot(a, b, dims)
    with pytest.raises(RuntimeError, match="size 3 in dim 1 and second has size 2 in dim 0"):
        mt.tensordot(a, a, 1)
    with pytest.raises(RuntimeError, match="same dtype"):
        mt.tensordot(a.long(), b, 1)


@pytest.mark.parametrize("shape_a, shape_b", [((2, 3), (3, 2)), ((2,), (2, 3)), ((), (3,)), ((2, 1, 2), (2, 2))])
def test_kron_matches_numpy_and_has_gradients(shape_a, shape_b):
    a, b = RNG.normal(size=shape_a), RNG.normal(size=shape_b)
    np.testing.assert_allclose(mt.kron(mt.tensor(a), mt.tensor(b)).numpy(), np.kron(a, b), rtol=1e-12)
    check_gradients(mt.kron, a, b)


def test_kron_promotes_and_is_a_method():
    assert mt.kron(mt.tensor([1, 2]), mt.tensor([0.5])).dtype == mt.float32
    assert mt.tensor([1, 2]).kron(mt.tensor([3, 4])).tolist() == [3, 4, 6, 8]


def test_addr_values_gradients_in_place_and_errors():
    m, u, v = RNG.normal(size=(2, 3)), RNG.normal(size=2), RNG.normal(size=3)
    expected = 0.5 * m + 2 * np.outer(u, v)
    result = mt.addr(mt.tensor(m), mt.tensor(u), mt.tensor(v), beta=0.5, alpha=2)
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-12)
    check_gradients(lambda m, u, v: mt.addr(m, u, v, beta=0.5, alpha=2), m, u, v)
    check_gradients(lambda m, u, v: m.addr(u, v), m[0], u, v)  # input broadcasts
    nan_input = mt.full((2, 3), float("nan"))
    assert mt.addr(nan_input, mt.ones(2), mt.ones(3), beta=0).tolist() == [[1.0] * 3] * 2
    target = mt.zeros(2, 3)
    assert target.addr_(mt.ones(2), mt.ones(3), alpha=3) is target and target.tolist() == [[3.0] * 3] * 2
    with pytest.raises(RuntimeError, match="Expected 1-D argument vec1, but got 2-D"):
        mt.addr(mt.zeros(2, 3), mt.ones(2, 1), mt.ones(3))
    with pytest.raises(RuntimeError, match="does not broadcast"):
        mt.zeros(4, 3).addr(mt.ones(2), mt.ones(3))
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        mt.addr(mt.zeros(2, 3, dtype=mt.int64), mt.ones(2, dtype=mt.int64), mt.ones(3, dtype=mt.int64), alpha=2.5)


def test_vdot_values_gradients_and_errors():
    u, v = RNG.normal(size=4), RNG.normal(size=4)
    assert mt.vdot(mt.tensor(u), mt.tensor(v)).item() == pytest.approx(np.vdot(u, v))
    assert mt.tensor([1, 2]).vdot(mt.tensor([3, 4])).dtype == mt.int64
    check_gradients(mt.vdot, u, v)
    with pytest.raises(RuntimeError, match="1D tensors expected, but got 2D and 1D"):
        mt.vdot(mt.ones(3, 1), mt.ones(3))
    with pytest.raises(RuntimeError, match="inconsistent tensor size"):
        mt.vdot(mt.ones(3), mt.ones(2))
    with pytest.raises(RuntimeError, match="same dtype, but found Float and Double"):
        mt.vdot(mt.ones(3), mt.ones(3, dtype=mt.float64))


def test_chain_matmul_is_deprecated_multi_dot():
    a, b, c = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(4, 2))
    with pytest.warns(UserWarning, match="deprecated"):
        result = mt.chain_matmul(mt.tensor(a), mt.tensor(b), mt.tensor(c))
    np.testing.assert_allclose(result.numpy(), a @ b @ c, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert mt.chain_matmul(mt.tensor(a)).shape == (2, 3)
        with pytest.raises(RuntimeError, match="one or more matrices"):
            mt.chain_matmul()
        with pytest.raises(RuntimeError, match="dimension is 1, expected 2"):
            mt.chain_matmul(mt.ones(3), mt.tensor(b))


@pytest.mark.parametrize("N, increasing", [(None, False), (2, True), (4, False), (0, False), (1, True)])
def test_vander_matches_numpy_with_gradients_at_zero(N, increasing):
    x = np.array([0.0, 1.5, -2.0])
    result = mt.vander(mt.tensor(x), N=N, increasing=increasing)
    np.testing.assert_allclose(result.numpy(), np.vander(x, N, increasing=increasing), rtol=1e-12)
    if N != 0:
        check_gradients(lambda t: mt.vander(t, N=N, increasing=increasing), x)


def test_vander_dtypes_and_errors():
    assert mt.vander(mt.tensor([1, 2], dtype=mt.int32)).dtype == mt.int64
    assert mt.vander(mt.tensor([True, False])).tolist() == [[1, 1], [0, 1]]
    with pytest.raises(RuntimeError, match="one-dimensional"):
        mt.vander(mt.ones(2, 2))
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.vander(mt.ones(2), N=-1)


def test_block_diag_layout_dtype_gradients_and_errors():
    result = mt.block_diag(mt.ones(2, 2, dtype=mt.int64), mt.tensor(3.0), mt.tensor([4, 5]))
    expected = np.zeros((4, 5))
    expected[:2, :2], expected[2, 2], expected[3, 3:] = 1, 3, [4, 5]
    assert result.dtype == mt.float32 and np.array_equal(result.numpy(), expected)
    assert mt.block_diag().shape == (1, 0)
    assert mt.block_diag(mt.ones(0, 2), mt.ones(1, 1)).tolist() == [[0.0, 0.0, 1.0]]
    check_gradients(lambda a, b, c: mt.block_diag(a, b, c), RNG.normal(size=(2, 1)), RNG.normal(size=3), 0.5)
    with pytest.raises(RuntimeError, match="2 or fewer dimensions. Input 0 has 3"):
        mt.block_diag(mt.ones(1, 1, 1))
    with pytest.raises(TypeError, match="expected Tensor as element 0"):
        mt.block_diag([1, 2])


def test_cartesian_prod_matches_itertools_with_gradients():
    a, b, c = [1, 2], [3, 4, 5], [6, 7]
    result = mt.cartesian_prod(mt.tensor(a), mt.tensor(b), mt.tensor(c))
    assert result.tolist() == [list(row) for row in itertools.product(a, b, c)]
    assert mt.cartesian_prod(mt.tensor(a)).tolist() == a
    check_gradients(lambda x, y: mt.cartesian_prod(x, y), RNG.normal(size=2), RNG.normal(size=3))
    with pytest.raises(RuntimeError, match="same dtype"):
        mt.cartesian_prod(mt.tensor([1, 2]), mt.tensor([3.0]))
    with pytest.raises(RuntimeError, match=r"1D vector, but got shape \[2, 2\]"):
        mt.cartesian_prod(mt.ones(2, 2))
    with pytest.raises(RuntimeError, match="non-empty"):
        mt.cartesian_prod()


@pytest.mark.parametrize("r, with_replacement", [(2, False), (3, False), (4, False), (1, False), (2, True), (4, True)])
def test_combinations_match_itertools(r, with_replacement):
    values = [1, 2, 3]
    choose = itertools.combinations_with_replacement if with_replacement else itertools.combinations
    result = mt.combinations(mt.tensor(values), r=r, with_replacement=with_replacement)
    expected = [list(row) for row in choose(values, r)]
    assert result.shape == (len(expected), r) and result.tolist() == expected


def test_combinations_edges_gradients_and_errors():
    assert mt.combinations(mt.tensor([1, 2, 3]), r=0).shape == (0,)
    assert mt.combinations(mt.ones(0)).shape == (0, 2)
    check_gradients(lambda x: mt.combinations(x, 2, with_replacement=True), RNG.normal(size=3))
    with pytest.raises(RuntimeError, match="non-negative number, but got -1"):
        mt.combinations(mt.tensor([1, 2]), r=-1)
    with pytest.raises(RuntimeError, match="1D vector"):
        mt.combinations(mt.tensor(1))


def test_numpy_tensordot_and_kron_dispatch_to_the_ops():
    a, b = mt.tensor(A[0], requires_grad=True), mt.tensor(B[:, 0])
    product = np.tensordot(a, b, axes=1)
    assert isinstance(product, mt.Tensor) and product.requires_grad
    np.testing.assert_allclose(product.detach().numpy(), np.tensordot(A[0], B[:, 0], axes=1), rtol=1e-12)
    assert isinstance(np.kron(a, b), mt.Tensor)


OUT_CALLS = {
    "tensordot": lambda **kw: mt.tensordot(mt.tensor(A), mt.tensor(B), 1, **kw),
    "kron": lambda **kw: mt.kron(mt.tensor(A[0]), mt.tensor(B[0]), **kw),
    "addr": lambda **kw: mt.addr(mt.zeros(2, 3), mt.ones(2), mt.ones(3), **kw),
    "vdot": lambda **kw: mt.vdot(mt.ones(3), mt.ones(3), **kw),
    "renorm": lambda **kw: mt.renorm(mt.tensor(A[0]), 2, 0, 1.0, **kw),
    "quantile": lambda **kw: mt.quantile(mt.tensor(A[0]), 0.3, dim=1, **kw),
    "histc": lambda **kw: mt.histc(mt.tensor(A[0]), 4, **kw),
    "frobenius_norm": lambda **kw: mt.frobenius_norm(mt.tensor(A[0]), 1, **kw),
}


@pytest.mark.parametrize("name", sorted(OUT_CALLS))
def test_out_receives_the_result(name):
    expected = OUT_CALLS[name]()
    out = mt.full(expected.shape, 7, dtype=expected.dtype)
    assert OUT_CALLS[name](out=out) is out
    np.testing.assert_array_equal(out.numpy(), expected.numpy())
