"""PyTorch's rules for making tensors from data, fill values, spaced values, dtype info and the
Python-number protocols (``int(t)``, ``operator.index(t)`` ...)."""

import operator

import numpy as np
import pytest

import microtensor as mt


# ------------------------------------------------ mt.tensor: dtypes of numpy scalars inside lists
@pytest.mark.parametrize("data, dtype", [
    ([np.float32(1), 2.0], mt.float32),
    ([np.float64(1), 2.0], mt.float64),         # a float64 scalar is not a Python float
    ([1, np.float64(2)], mt.float64),
    ([np.float16(1)], mt.float16),
    ([np.float16(1), 2.0], mt.float32),         # float16 with the default float32
    ([np.int32(1)], mt.int32),
    ([np.uint8(1)], mt.uint8),
    ([np.uint8(1), np.int8(2)], mt.int16),      # numpy's rule within a kind
    ([np.int8(1), 2], mt.int64),                # a Python int is int64
    ([np.int32(1), 2.0], mt.float32),           # the highest kind wins with its own width
    ([np.float32(1), np.int64(2)], mt.float32),
    ([np.float64(1), np.float32(2)], mt.float64),
    ([[np.float32(1)], [2]], mt.float32),
    ([True, 2], mt.int64),
    ([True, 2.5], mt.float32),
    ([np.bool_(True)], mt.bool),
    ([np.array([1, 2], dtype=np.int32)], mt.int32),
    ([[], []], mt.float32),
])
def test_tensor_promotes_the_dtypes_of_its_elements(data, dtype):
    t = mt.tensor(data)
    assert t.dtype == dtype
    np.testing.assert_array_equal(t.numpy(), np.array(data, dtype=np.float64).astype(dtype))


def test_tensor_of_a_list_holding_tensors_keeps_their_dtype():
    assert mt.tensor([mt.tensor(1.0, dtype=mt.float64), 2]).dtype == mt.float64
    assert mt.tensor([mt.tensor([1], dtype=mt.int16)]).dtype == mt.int16


@pytest.mark.parametrize("scalar", [np.float64(1.5), np.float32(1.5), np.int32(3), np.int16(3), np.uint8(3), np.bool_(1)])
def test_tensor_of_a_numpy_scalar_keeps_its_dtype(scalar):
    t = mt.tensor(scalar)
    assert (t.dtype, t.shape, t.item()) == (scalar.dtype, (), scalar.item())


def test_tensor_beyond_a_float_dtype_is_inf_without_a_warning():
    assert mt.tensor([np.float64(1e40)], dtype=mt.float32).item() == np.inf
    assert mt.tensor([1e40], dtype=mt.float32).item() == np.inf
    assert mt.tensor([np.float64(1e40), 1.0]).dtype == mt.float64


# ------------------------------------------------ fill values are checked against the dtype
def _fillers(value, dtype):
    """The four ways of filling a tensor with one value, in ``dtype``."""
    return {
        "full": lambda: mt.full((2,), value, dtype=dtype),
        "full_like": lambda: mt.full_like(mt.zeros(2, dtype=dtype), value),
        "new_full": lambda: mt.zeros(1, dtype=dtype).new_full((2,), value),
        "fill_": lambda: mt.zeros(2, dtype=dtype).fill_(value),
    }


@pytest.mark.parametrize("value, dtype", [
    (300, mt.int8), (-129, mt.int8), (256, mt.uint8), (-256, mt.uint8), (2**40, mt.int32),
    (300.0, mt.int8), (127.5, mt.int8), (-1.0, mt.uint8), (float("nan"), mt.int8), (float("inf"), mt.int64),
    (2.0**63, mt.int64), (np.float64(300), mt.int8), (np.int64(300), mt.int8),
    (1e40, mt.float32), (1e6, mt.float16), (70000, mt.float16),
])
def test_a_fill_value_beyond_the_dtype_raises(value, dtype):
    for name, make in _fillers(value, dtype).items():
        with pytest.raises(RuntimeError, match=f"{name}: value .* cannot be converted to type {dtype} without overflow"):
            make()


@pytest.mark.parametrize("value, dtype, expected", [
    (-1, mt.uint8, 255), (-255, mt.uint8, 1), (2.7, mt.int8, 2), (-2.7, mt.int8, -2), (True, mt.int8, 1),
    (2, mt.bool, True), (0.5, mt.bool, True), (0, mt.bool, False),
    (float("inf"), mt.float32, np.inf), (65504.0, mt.float16, 65504.0),
])
def test_a_fill_value_in_range_is_converted_as_pytorch_does(value, dtype, expected):
    for make in _fillers(value, dtype).values():
        t = make()
        assert t.dtype == dtype and t.tolist() == [expected, expected]


def test_full_takes_a_one_element_tensor_as_its_value():
    t = mt.full((2,), mt.tensor(1.5, dtype=mt.float64))
    assert t.dtype == mt.float32 and t.tolist() == [1.5, 1.5]  # the value is a Python number, as PyTorch's
    with pytest.raises(RuntimeError, match="full: value 300 cannot be converted to type int8"):
        mt.full((2,), mt.tensor(300), dtype=mt.int8)


def test_fill_with_a_tensor_casts_it_and_keeps_its_graph():
    assert mt.zeros(2, dtype=mt.int8).fill_(mt.tensor(300)).tolist() == [44, 44]  # a copy wraps, as copy_
    assert mt.zeros(2).fill_(mt.tensor(1e40, dtype=mt.float64)).tolist() == [np.inf, np.inf]
    value = mt.tensor(2.0, requires_grad=True)
    filled = mt.zeros(3).fill_(value)
    assert filled.requires_grad
    filled.sum().backward()
    assert value.grad.item() == 3.0


# ------------------------------------------------ finfo / iinfo
@pytest.mark.parametrize("dtype, digits", [(mt.float16, 3), (mt.float32, 6), (mt.float64, 15)])
def test_finfo_resolution_is_ten_to_minus_the_decimal_digits(dtype, digits):
    info = mt.finfo(dtype)
    assert info.resolution == 10.0 ** -digits and f"resolution={10.0 ** -digits:g}" in repr(info)
    assert digits == int(-np.log10(info.eps))  # the decimal digits a float of this dtype keeps


def test_finfo_and_iinfo_compare_by_dtype():
    assert mt.finfo(mt.float32) == mt.finfo(mt.float32) and mt.finfo(mt.float32) != mt.finfo(mt.float64)
    assert mt.iinfo(mt.int8) == mt.iinfo(mt.int8) and mt.iinfo(mt.int8) != mt.iinfo(mt.uint8)
    assert mt.finfo() == mt.finfo(mt.get_default_dtype())
    with pytest.raises(TypeError, match="iinfo: microtensor.bool is not supported"):
        mt.iinfo(mt.bool)


# ------------------------------------------------ int(t), float(t), operator.index(t), bool(t), t.numpy()
def test_index_takes_any_integer_tensor_of_one_element():
    assert operator.index(mt.tensor([3])) == 3 and operator.index(mt.tensor([[3]])) == 3
    assert list(range(mt.tensor([2]))) == [0, 1] and [5, 6, 7][mt.tensor(1, dtype=mt.uint8)] == 6
    for t in (mt.tensor(3.0), mt.tensor([1, 2])):
        with pytest.raises(TypeError, match="only integer tensors of a single element can be converted to an index"):
            operator.index(t)


@pytest.mark.parametrize("convert", [int, float, complex])
def test_python_numbers_come_only_from_one_element_tensors(convert):
    assert convert(mt.tensor([[2.0]])) == 2
    for t in (mt.tensor([1.0, 2.0]), mt.tensor([])):
        with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars"):
            convert(t)


def test_bool_of_an_empty_tensor_says_it_has_no_values():
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with no values is ambiguous"):
        bool(mt.tensor([]))
    with pytest.raises(RuntimeError, match="Boolean value of Tensor with more than one value is ambiguous"):
        bool(mt.tensor([1, 2]))


def test_numpy_force_detaches_and_shares_memory():
    t = mt.tensor([2.5], requires_grad=True)
    array = t.numpy(force=True)
    assert np.shares_memory(array, t.detach().numpy()) and array.tolist() == [2.5]
    with pytest.raises(RuntimeError, match="requires grad"):
        t.numpy()
    with pytest.raises(TypeError):
        t.numpy(True)  # keyword-only, as in PyTorch


# ------------------------------------------------ arange / linspace / logspace with integer dtypes
@pytest.mark.parametrize("args, dtype, expected", [
    # int64: the bounds and the step are cut toward zero first
    ((0, 5, 1.5), mt.int64, list(range(0, 5, 1))),
    ((5, 0, -1.5), mt.int64, list(range(5, 0, -1))),
    ((-0.5, -3.5, -1.5), mt.int64, list(range(0, -3, -1))),
    ((0.5, 3.7, 1.2), mt.int64, list(range(0, 3, 1))),
    # narrower integer dtypes: ceil((end - start) / step) values int(start) + i * int(step)
    ((0, 10, 2.5), mt.int32, [0 + 2 * i for i in range(4)]),
    ((0, 5, 1.5), mt.int16, [0 + 1 * i for i in range(4)]),
    ((0, 1, 0.3), mt.uint8, [0] * 4),
    ((-0.5, -3.5, -1.5), mt.int32, [0 - 1 * i for i in range(2)]),
    ((0, 300, 100), mt.int8, np.array([0, 100, 200]).astype(np.int8).tolist()),  # wraps
])
def test_arange_with_an_integer_dtype_follows_pytorchs_kernel(args, dtype, expected):
    t = mt.arange(*args, dtype=dtype)
    assert t.dtype == dtype and t.tolist() == expected


def test_arange_int64_step_cut_to_zero_and_bool_raise():
    with pytest.raises(RuntimeError, match="arange: step must be nonzero"):
        mt.arange(0, 1, 0.3, dtype=mt.int64)
    for make in (lambda: mt.arange(3, dtype=mt.bool), lambda: mt.linspace(0, 1, 3, dtype=mt.bool),
                 lambda: mt.logspace(0, 1, 3, dtype=mt.bool)):
        with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
            make()
    # one step or none runs no kernel: filled with start (linspace) or base ** start (logspace)
    assert mt.linspace(0, 1, 1, dtype=mt.bool).tolist() == [False] and mt.logspace(0, 1, 1, dtype=mt.bool).tolist() == [True]
    assert mt.linspace(0, 1, 0, dtype=mt.bool).shape == (0,)


def _halves(first, last, steps, kind=np.float64):
    """The linspace points counted up from ``first`` for the first half and down from ``last`` after."""
    step = kind(kind(last) - kind(first)) / kind(steps - 1)
    return [kind(first) + step * kind(i) if i < steps // 2 else kind(last) - step * kind(steps - 1 - i)
            for i in range(steps)]


@pytest.mark.parametrize("start, end, steps, dtype", [
    (0.5, 9.5, 7, mt.int64), (10, 0, 7, mt.int64), (-5, 5, 4, mt.int32), (0, 10, 6, mt.uint8), (0, 1, 5, mt.int64),
])
def test_linspace_with_an_integer_dtype_cuts_the_bounds_then_each_value(start, end, steps, dtype):
    expected = [int(np.trunc(value)) for value in _halves(int(start), int(end), steps)]
    assert mt.linspace(start, end, steps, dtype=dtype).tolist() == expected


@pytest.mark.parametrize("dtype", [mt.float32, mt.float64])
def test_linspace_counts_from_both_ends_in_its_dtype(dtype):
    t = mt.linspace(-1, 1, 11, dtype=dtype)
    np.testing.assert_array_equal(t.numpy(), np.array(_halves(-1, 1, 11, dtype.type), dtype=dtype))
    assert t[0].item() == -1 and t[-1].item() == 1


def test_linspace_and_logspace_check_their_arguments():
    with pytest.raises(RuntimeError, match="linspace: value 300 cannot be converted to type uint8"):
        mt.linspace(0, 300, 3, dtype=mt.uint8)
    with pytest.raises(TypeError, match="linspace\\(\\): argument 'steps' must be int"):
        mt.linspace(0, 1, 2.0)
    with pytest.raises(RuntimeError, match="logspace: number of steps must be non-negative"):
        mt.logspace(0, 1, -1)
    assert mt.linspace(0.5, 3, 1, dtype=mt.int64).tolist() == [0]


def test_logspace_with_an_integer_dtype():
    exponents = np.array(_halves(-3, 0, 4))
    assert mt.logspace(-3, 0, 4, base=0.1, dtype=mt.int64).tolist() == np.trunc(0.1**exponents).astype(int).tolist()
    assert mt.logspace(-1.5, 1, 3, dtype=mt.int64).tolist() == [0, 1, 10]  # -1.5 is cut to -1 first
    assert mt.logspace(0.5, 3, 1, dtype=mt.int64).tolist() == [int(10**0.5)]  # one step: base ** start
    assert mt.logspace(0, 3, 4, base=2.5, dtype=mt.int64).tolist() == [int(2.5**k) for k in range(4)]


def test_logspace_float64_counts_its_exponents_from_both_ends():
    expected = 10.0 ** np.array(_halves(0, 2, 4))
    np.testing.assert_array_equal(mt.logspace(0, 2, 4, dtype=mt.float64).numpy(), expected)


# ------------------------------------------------ PyTorch 2.3's unsigned dtypes
@pytest.mark.parametrize("dtype, bits", [(mt.uint16, 16), (mt.uint32, 32), (mt.uint64, 64)])
def test_wide_unsigned_dtypes_make_and_convert_tensors(dtype, bits):
    assert dtype == np.dtype(f"uint{bits}") and mt.iinfo(dtype).max == 2**bits - 1
    assert mt.zeros(2, dtype=dtype).dtype == dtype and mt.ones_like(mt.zeros(2, dtype=dtype)).tolist() == [1, 1]
    assert mt.tensor([-1], dtype=dtype).tolist() == [2**bits - 1]  # a negative int wraps, as for uint8
    assert mt.full((1,), 2**bits - 1, dtype=dtype).tolist() == [2**bits - 1]
    assert mt.from_numpy(np.array([3], dtype=dtype)).dtype == dtype
    assert mt.tensor([1.0]).to(dtype).to(mt.float32).tolist() == [1.0]
    assert repr(mt.tensor([1], dtype=dtype)) == f"tensor([1], dtype=microtensor.uint{bits})"
    with pytest.raises(RuntimeError, match=f"value {2**bits} cannot be converted to type uint{bits}"):
        mt.tensor([2**bits], dtype=dtype)


def test_a_tensor_inside_a_list_is_one_number():
    assert mt.tensor([mt.tensor([1.0]), mt.tensor([2.0])]).tolist() == [1.0, 2.0]  # not [[1.], [2.]]
    nested = mt.tensor([[mt.tensor(1.0), 2], [3, mt.tensor([4.0], dtype=mt.float64)]])
    assert nested.dtype == mt.float64 and nested.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(ValueError, match="only one element tensors can be converted to Python scalars.*mt.stack"):
        mt.tensor([mt.tensor([1.0, 2.0]), mt.tensor([3.0, 4.0])])


def test_a_0d_integer_tensor_is_a_size():
    n = mt.tensor([True, True, False]).sum()
    assert mt.zeros(n).shape == (2,) and mt.ones((n, 3)).shape == (2, 3) and mt.eye(n).shape == (2, 2)
    with pytest.raises(TypeError, match="size must be ints"):
        mt.zeros(mt.tensor([2, 3]))
    with pytest.raises(TypeError, match="size must be ints"):
        mt.zeros(mt.tensor(2.0))


def test_arange_beyond_its_dtype():
    assert mt.arange(0, 1e5, 2e4, dtype=mt.float16).tolist() == [0.0, 20000.0, 40000.0, 60000.0, np.inf]  # no warning
    with pytest.raises(RuntimeError, match="arange: value 1e\\+20 cannot be converted to type int64 without overflow"):
        mt.arange(1e20, 1e20 + 1e5, 2e4, dtype=mt.int64)


@pytest.mark.parametrize("make", [mt.zeros, mt.ones, mt.empty, mt.rand, mt.randn])
def test_a_shape_is_required_but_may_be_empty(make):
    with pytest.raises(TypeError, match=r"missing 1 required positional argument: 'size'.*\(\)\) for a 0-d tensor"):
        make()
    assert make(()).shape == () and make([]).shape == () and make(size=()).shape == ()


def test_randint_bounds_must_fit_the_dtype():
    with pytest.raises(RuntimeError, match="randint: to - 1 = 299 is out of bounds for uint8"):
        mt.randint(0, 300, (2,), dtype=mt.uint8)
    with pytest.raises(RuntimeError, match="randint: from = -1 is out of bounds for uint8"):
        mt.randint(-1, 5, (2,), dtype=mt.uint8)
    with pytest.raises(RuntimeError, match="randint_like: to - 1 = 299 is out of bounds for uint8"):
        mt.randint_like(mt.zeros(2, dtype=mt.uint8), 300)
    values = mt.randint(0, 256, (50,), dtype=mt.uint8)
    assert values.dtype == mt.uint8 and int(values.max()) <= 255
    assert set(mt.randint(0, 2, (50,), dtype=mt.bool).tolist()) <= {False, True}


def test_scalar_tensor_checks_its_value_and_takes_a_tensor():
    assert mt.scalar_tensor(-1, dtype=mt.uint8).item() == 255 and mt.scalar_tensor(2.7, dtype=mt.int8).item() == 2
    assert mt.scalar_tensor(mt.tensor(2.0, dtype=mt.float64)).dtype == mt.float32
    with pytest.raises(RuntimeError, match="scalar_tensor: value 1e\\+40 cannot be converted to type float32"):
        mt.scalar_tensor(1e40)
    with pytest.raises(RuntimeError, match="scalar_tensor: value 300 cannot be converted to type int8"):
        mt.scalar_tensor(300, dtype=mt.int8)


def test_uint64_takes_its_largest_value():
    assert mt.tensor(2**64 - 1, dtype=mt.uint64).item() == 2**64 - 1
    assert mt.tensor([2**63, 1], dtype=mt.uint64).tolist() == [2**63, 1]


def test_an_int_beyond_int64_raises_what_old_and_new_pytorch_raise():
    for error in (RuntimeError, ValueError):
        with pytest.raises(error, match="Overflow when unpacking long"):
            mt.tensor([1, 2**63])


def test_a_fill_value_tensor_must_be_0d():
    for make in (lambda v: mt.full((2,), v), lambda v: mt.full_like(mt.zeros(2), v), lambda v: mt.zeros(1).new_full((2,), v)):
        assert make(mt.tensor(1.5)).tolist() == [1.5, 1.5]
        with pytest.raises(TypeError, match="argument 'fill_value' must be a number or a 0-d tensor"):
            make(mt.tensor([1.5]))
