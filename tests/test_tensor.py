"""The Tensors section of API.md: creation, dtypes, attributes, conversions, in-place ops."""
import numpy as np
import pytest

import microtensor as mt


@pytest.mark.parametrize(
    "data, dtype",
    [
        (1.5, mt.float32),
        ([1.0, 2.0], mt.float32),
        ([[1, 2], [3, 4]], mt.int64),
        (3, mt.int64),
        (True, mt.bool),
        ([True, False], mt.bool),
        (np.array([1.0, 2.0]), mt.float64),
        (np.array([1, 2], dtype=np.int32), mt.int32),
        (np.float64(2.0), mt.float64),
    ],
)
def test_tensor_infers_dtype_like_pytorch(data, dtype):
    assert mt.tensor(data).dtype == dtype
    assert mt.Tensor(data).dtype == dtype


def test_default_dtype_can_be_changed():
    mt.set_default_dtype(mt.float64)
    assert mt.get_default_dtype() == mt.float64
    assert mt.tensor([1.0]).dtype == mt.float64
    assert mt.zeros(2).dtype == mt.float64
    mt.set_default_dtype(mt.float32)
    assert mt.tensor([1.0]).dtype == mt.float32
    with pytest.raises(TypeError, match="float32 and float64"):
        mt.set_default_dtype(mt.int64)


def test_dtype_aliases():
    assert mt.float is mt.float32 and mt.double is mt.float64 and mt.long is mt.int64
    assert mt.tensor([1, 2]).float().dtype == mt.float32
    assert mt.tensor([1, 2]).double().dtype == mt.float64
    assert mt.tensor([1.7, 2.2]).long().tolist() == [1, 2]
    assert mt.tensor([1.0]).to(mt.float64).dtype == mt.float64
    assert mt.tensor([1.0]).to("cpu").dtype == mt.float32
    assert mt.tensor([1.0]).to(mt.device("cpu"), mt.float64).dtype == mt.float64


def test_tensor_copies_but_from_numpy_shares_memory():
    array = np.array([1.0, 2.0])
    copied = mt.tensor(array)
    shared = mt.from_numpy(array)
    array[0] = 9.0
    assert copied.numpy()[0] == 1.0 and shared.numpy()[0] == 9.0
    assert shared.dtype == mt.float64


@pytest.mark.parametrize(
    "make, shape, dtype",
    [
        (lambda: mt.zeros(2, 3), (2, 3), mt.float32),
        (lambda: mt.zeros((2, 3)), (2, 3), mt.float32),
        (lambda: mt.ones(4, dtype=mt.float64), (4,), mt.float64),
        (lambda: mt.empty(2), (2,), mt.float32),
        (lambda: mt.full((2, 2), 7.0), (2, 2), mt.float32),
        (lambda: mt.full((2,), 7), (2,), mt.int64),
        (lambda: mt.zeros_like(mt.ones(3, dtype=mt.float64)), (3,), mt.float64),
        (lambda: mt.ones_like(mt.ones(3, 1)), (3, 1), mt.float32),
        (lambda: mt.arange(5), (5,), mt.int64),
        (lambda: mt.arange(0, 1, 0.25), (4,), mt.float32),
        (lambda: mt.eye(3), (3, 3), mt.float32),
        (lambda: mt.rand(2, 3), (2, 3), mt.float32),
        (lambda: mt.randn(2, 3, dtype=mt.float64), (2, 3), mt.float64),
        (lambda: mt.linspace(0, 1, 5), (5,), mt.float32),
        (lambda: mt.randint(0, 10, (3, 2)), (3, 2), mt.int64),
    ],
)
def test_creation_functions(make, shape, dtype):
    tensor = make()
    assert tensor.shape == shape and tensor.dtype == dtype


def test_creation_functions_take_requires_grad_and_device():
    for tensor in (
        mt.zeros(2, requires_grad=True),
        mt.ones(2, requires_grad=True, device="cpu"),
        mt.randn(2, requires_grad=True, device=mt.device("cpu")),
        mt.tensor([1.0], requires_grad=True),
        mt.arange(0.0, 2.0, requires_grad=True),
        mt.full((2,), 1.0, requires_grad=True),
    ):
        assert tensor.requires_grad and tensor.is_leaf


def test_other_devices_raise_a_clear_error():
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.zeros(2, device="cuda")
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.ones(2).to("cuda:0")
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.zeros(2, device=mt.device("mps"))
    assert mt.ones(2).cpu().device == mt.device("cpu")


def test_manual_seed_makes_random_tensors_reproducible():
    mt.manual_seed(123)
    first = (mt.rand(3), mt.randn(3), mt.randint(0, 100, (3,)))
    mt.manual_seed(123)
    second = (mt.rand(3), mt.randn(3), mt.randint(0, 100, (3,)))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a.data, b.data)
    assert 0.0 <= first[0].numpy().min() and first[0].numpy().max() < 1.0


def test_attributes():
    t = mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    assert isinstance(t.data, mt.Tensor) and t.data.requires_grad is False
    assert np.shares_memory(t.data.numpy(), t.numpy())
    assert t.shape == (2, 3) and isinstance(t.shape, tuple)
    assert t.ndim == 2 and t.dim() == 2 and t.numel() == 6
    assert t.size() == (2, 3) and t.size(1) == 3 and t.size(-1) == 3
    assert len(t) == 2
    assert t.T.shape == (3, 2) and t.t().shape == (3, 2)
    assert t.tolist() == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert mt.tensor([2.5]).item() == 2.5 and isinstance(mt.tensor(3).item(), int)
    assert isinstance(t.numpy(), np.ndarray) and np.asarray(t) is t.numpy()
    assert t.requires_grad is False and t.grad is None and t.is_leaf and t.grad_fn is None


def test_item_of_many_elements_is_an_error():
    with pytest.raises(RuntimeError, match="6 elements"):
        mt.zeros(2, 3).item()


def test_numpy_refuses_a_tensor_that_requires_grad():
    with pytest.raises(RuntimeError, match="detach"):
        mt.zeros(2, requires_grad=True).numpy()


def test_repr_looks_like_pytorch():
    assert repr(mt.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mt.tensor([1.5, 2.25], requires_grad=True)) == "tensor([1.5000, 2.2500], requires_grad=True)"
    assert repr(mt.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mt.tensor([1.0], dtype=mt.float64)) == "tensor([1.], dtype=microtensor.float64)"
    x = mt.tensor([1.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert repr(mt.tensor([[1.0, 2.0], [3.0, 4.0]])) == "tensor([[1., 2.],\n        [3., 4.]])"


def test_bad_data_is_refused_clearly():
    with pytest.raises(TypeError):
        mt.tensor("abc")
    with pytest.raises(TypeError):
        mt.tensor(np.array([object()]))
    with pytest.raises(ValueError):
        mt.tensor([[1.0, 2.0], [3.0]])


@pytest.mark.parametrize(
    "left, right, dtype",
    [
        (mt.tensor([1, 2]), mt.tensor([1.0, 2.0]), mt.float32),
        (mt.tensor([1, 2]), mt.tensor([3, 4]), mt.int64),
        (mt.tensor([1.0], dtype=mt.float32), mt.tensor([1.0], dtype=mt.float64), mt.float64),
        (mt.tensor([1.0]), np.array([1.0]), mt.float64),
        (mt.tensor([1.0]), mt.tensor(1.0, dtype=mt.float64), mt.float32),
        (mt.tensor([1]), mt.tensor(1.0, dtype=mt.float64), mt.float64),
        (mt.tensor([1]), 2.5, mt.float32),
        (mt.tensor([1.0], dtype=mt.float64), 2, mt.float64),
        (mt.tensor([True]), 1, mt.int64),
    ],
)
def test_type_promotion_follows_pytorch(left, right, dtype):
    assert (left + right).dtype == dtype
    assert (right + left).dtype == dtype


def test_integer_division_gives_default_float():
    result = mt.tensor([1, 2]) / mt.tensor([2, 4])
    assert result.dtype == mt.float32
    np.testing.assert_allclose(result.data, [0.5, 0.5])


def test_reflected_operators_with_scalars_and_arrays():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    array = np.array([3.0, 4.0])
    results = [2 + x, 2 - x, 2 * x, 2 / x, 2 ** x, array + x, array - x, array * x, array / x, x @ array, array @ x]
    for result in results:
        assert isinstance(result, mt.Tensor) and result.requires_grad
    np.testing.assert_allclose((array - x).data, [2.0, 2.0])
    np.testing.assert_allclose((2 / x).data, [2.0, 1.0])
    np.testing.assert_allclose((array @ x).data, 11.0)


def test_inplace_arithmetic_on_plain_tensors():
    t = mt.tensor([1.0, 2.0])
    alias = t
    t += 1
    t -= mt.tensor([0.5, 0.5])
    t *= 2
    t /= 4
    assert t is alias
    np.testing.assert_allclose(t.data, [0.75, 1.25])
    t.add_(1).sub_(1).mul_(2).div_(2)
    np.testing.assert_allclose(t.data, [0.75, 1.25])
    t.fill_(3.0)
    np.testing.assert_allclose(t.data, [3.0, 3.0])
    t.zero_()
    np.testing.assert_allclose(t.data, [0.0, 0.0])
    t.copy_(mt.tensor([5.0, 6.0]))
    np.testing.assert_allclose(t.data, [5.0, 6.0])
    assert t._version == 11


def test_inplace_views_see_changes_and_int_tensors_refuse_float_results():
    array = np.zeros(3)
    t = mt.from_numpy(array)
    t += 1
    np.testing.assert_allclose(array, [1.0, 1.0, 1.0])
    ints = mt.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        ints += 0.5


def test_setitem_with_index_and_mask():
    t = mt.zeros(5)
    t[0] = 1.0
    t[[1, 2]] = mt.tensor([2.0, 3.0])
    t[t > 2.5] = -1.0
    np.testing.assert_allclose(t.data, [1.0, 2.0, -1.0, 0.0, 0.0])


def test_clone_is_a_copy_that_keeps_the_graph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    c = x.clone()
    assert not np.shares_memory(c.detach().numpy(), x.detach().numpy()) and c.grad_fn is not None
    (c * 3).sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 3.0])


def test_clone_of_an_expand_is_dense_row_major_and_a_transpose_keeps_its_layout():
    """PyTorch's preserve_format: an array whose elements appear once keeps its strides; one with
    repeated elements (an expand) gets dense memory, dims sorted by stride but a stride-0 dim kept in place."""
    row = mt.tensor([1.0, 2.0, 3.0]).expand(2, 3).clone()
    assert row.stride() == (3, 1) and row.is_contiguous()
    np.testing.assert_array_equal(np.asarray(row.view(-1)), [1.0, 2.0, 3.0, 1.0, 2.0, 3.0])
    assert mt.ones(3, 1).expand(3, 4).clone().stride() == (4, 1)
    assert mt.arange(6.0).reshape(2, 3).t().clone().stride() == (1, 3)
    # (4, 1, 3) -> expand (4, 5, 3), strides (3, 0, 1) -> transpose(0, 2): (3, 5, 4), strides (1, 0, 3);
    # sorted by stride, dim 0 (1) is innermost, then dim 2 (3); dim 1 (stride 0) stays between: (1, 3, 15)
    mixed = mt.ones(4, 1, 3).expand(4, 5, 3).transpose(0, 2).clone()
    assert mixed.stride() == (1, 3, 15) and np.asarray(mixed).tolist() == np.ones((3, 5, 4)).tolist()


def test_mm_and_t():
    a = mt.tensor([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(a.mm(a.t()).data, a.numpy() @ a.numpy().T)


def test_bool_and_len_errors():
    with pytest.raises(RuntimeError, match="ambiguous"):
        bool(mt.zeros(2))
    assert bool(mt.tensor([1.0]))
    with pytest.raises(TypeError):
        len(mt.tensor(1.0))


def test_tensors_are_hashable_by_identity():
    a, b = mt.zeros(1), mt.zeros(1)
    assert len({a, b}) == 2



def test_tensors_survive_deepcopy():
    import copy

    t = mt.tensor([1.0, 2.0], requires_grad=True)
    c = copy.deepcopy(t)
    assert c.requires_grad and not np.shares_memory(c.detach().numpy(), t.detach().numpy())
    np.testing.assert_array_equal(c.data, t.data)


def test_data_assignment_unwraps_and_validates():
    t = mt.zeros(2)
    t.data = mt.tensor([1.0, 2.0, 3.0])  # any shape, as PyTorch allows
    assert isinstance(t.numpy(), np.ndarray) and t.tolist() == [1.0, 2.0, 3.0]
    assert isinstance(t.data, mt.Tensor) and t.data.requires_grad is False
    with pytest.raises(TypeError, match="numpy.ndarray"):
        t.data = [1.0, 2.0]


def test_tensor_constructor_with_sizes_explains_itself():
    with pytest.raises(TypeError, match="mt.zeros"):
        mt.Tensor(2, 3)


def test_cuda_is_reported_unavailable():
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0
    assert mt.ones(1).is_cuda is False
    with pytest.raises(RuntimeError, match="CPU only"):
        mt.ones(1).cuda()


def test_repr_of_float16_has_no_warnings():
    assert repr(mt.tensor([1.5, 2.5], dtype=mt.float16)) == "tensor([1.5000, 2.5000], dtype=microtensor.float16)"


def test_a_cast_of_an_expand_is_dense_row_major():
    for out in (mt.ones(3).expand(2, 3).double(), mt.ones(3, dtype=mt.int64).expand(2, 3).float()):
        assert out.stride() == (3, 1) and out.is_contiguous() and out.view(-1).shape == (6,)


def test_casts_that_overflow_are_quiet_as_in_pytorch():
    """Beyond a narrower float's range the value is inf (float64 -> float32, int -> float16); nan and inf
    into an integer dtype are undefined (the platform's value, in PyTorch too) but never warn."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert mt.tensor([1e300, -1e300, 2.0], dtype=mt.float64).float().tolist() == [np.inf, -np.inf, 2.0]
        assert mt.tensor([70000, 3]).half().tolist() == [np.inf, 3.0]
        assert mt.tensor([np.nan, np.inf, 2.5]).long()[2].item() == 2
        assert mt.tensor([True, False]).half().tolist() == [1.0, 0.0]
