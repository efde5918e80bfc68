"""logspace, range, scalar_tensor, asarray, result_type / promote_types / can_cast, thread counts,
mt.Size, the legacy typed constructors (mt.FloatTensor ...) and Tensor.new, and the tensor status
queries (is_nonzero, is_same_size, get_device, is_cpu, output_nr, is_inference)."""
import itertools
import pickle
import warnings

import numpy as np
import pytest

import microtensor as mt


# ------------------------------------------------------------ logspace, range
@pytest.mark.parametrize("args, kwargs, expected, dtype", [
    ((0, 2, 3), {}, [1.0, 10.0, 100.0], mt.float32),
    ((0, 3, 4), {"base": 2, "dtype": mt.int32}, [1, 2, 4, 8], mt.int32),
    ((-1, 1, 3), {"dtype": mt.int64}, [0, 1, 10], mt.int64),
    ((1, 0, 3), {"base": 0.5, "dtype": mt.float64}, [0.5, 0.5 ** 0.5, 1.0], mt.float64),
    ((mt.tensor(0.0), mt.tensor(1.0), 2), {}, [1.0, 10.0], mt.float32),
    ((0, 1, 0), {}, [], mt.float32),
])
def test_logspace_values_and_dtypes(args, kwargs, expected, dtype):
    out = mt.logspace(*args, **kwargs)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), np.array(expected, dtype=np.float64), rtol=1e-6)


def test_logspace_bad_steps():
    with pytest.raises(RuntimeError, match="non-negative"):
        mt.logspace(0, 1, -1)
    with pytest.raises(TypeError, match="steps"):
        mt.logspace(0, 1, 2.5)


@pytest.mark.parametrize("args, kwargs, expected, dtype", [
    ((1, 4), {}, [1.0, 2.0, 3.0, 4.0], mt.float32),
    ((0, 1, 0.25), {}, [0, 0.25, 0.5, 0.75, 1.0], mt.float32),
    ((0, 1, 0.3), {}, [0, 0.3, 0.6, 0.9], mt.float32),
    ((4, 1, -1), {}, [4.0, 3.0, 2.0, 1.0], mt.float32),
    ((0, 0), {}, [0.0], mt.float32),
    ((1, 4), {"dtype": mt.int64}, [1, 2, 3, 4], mt.int64),
])
def test_range_includes_its_end_and_warns(args, kwargs, expected, dtype):
    with pytest.warns(UserWarning, match="deprecated.*arange"):
        out = mt.range(*args, **kwargs)
    assert out.dtype == dtype
    np.testing.assert_allclose(out.numpy(), np.array(expected), rtol=1e-6)


@pytest.mark.parametrize("args, kwargs, match", [
    ((1, 4, 0), {}, "step must be nonzero"),
    ((4, 1), {}, "inconsistent with step sign"),
    ((1, 2, 0.5), {"dtype": mt.int64}, "step must be nonzero"),
])
def test_range_errors(args, kwargs, match):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        with pytest.raises(RuntimeError, match=match):
            mt.range(*args, **kwargs)


# ------------------------------------------------------- scalar_tensor, asarray
def test_scalar_tensor():
    assert mt.scalar_tensor(3).dtype == mt.float32 and mt.scalar_tensor(3).shape == () and mt.scalar_tensor(3).item() == 3.0
    assert mt.scalar_tensor(True).dtype == mt.float32
    assert mt.scalar_tensor(2, dtype=mt.int64).dtype == mt.int64
    assert mt.scalar_tensor(1.5, requires_grad=True).requires_grad
    for bad in ([1], mt.tensor([3])):
        with pytest.raises(TypeError, match="must be Number"):
            mt.scalar_tensor(bad)


def test_asarray_shares_numpy_memory_unless_copy_or_dtype_change():
    array = np.arange(3.0)
    shared = mt.asarray(array)
    array[0] = 9.0
    assert shared.tolist() == [9.0, 1.0, 2.0] and shared.dtype == mt.float64
    copied = mt.asarray(array, copy=True)
    cast = mt.asarray(array, dtype=mt.float32)
    array[1] = 7.0
    assert copied.tolist() == [9.0, 1.0, 2.0] and cast.tolist() == [9.0, 1.0, 2.0] and cast.dtype == mt.float32
    with pytest.raises(ValueError, match="can't alias"):
        mt.asarray(array, dtype=mt.float32, copy=False)
    big_endian = mt.asarray(np.array([1, 2], dtype=">i4"))
    assert big_endian.dtype == mt.int32 and big_endian.tolist() == [1, 2]


def test_asarray_of_tensors_and_python_data():
    t = mt.tensor([1.0, 2.0])
    assert mt.asarray(t) is t and mt.asarray(t, dtype=mt.float32, copy=False) is t
    copy = mt.asarray(t, copy=True)
    assert copy is not t and copy.tolist() == [1.0, 2.0]
    assert mt.asarray(t, dtype=mt.float64).dtype == mt.float64
    with pytest.raises(ValueError, match="can't alias"):
        mt.asarray(t, dtype=mt.float64, copy=False)
    assert mt.asarray([1, 2]).dtype == mt.int64 and mt.asarray(3.5).dtype == mt.float32
    assert mt.asarray(np.float64(2.0)).dtype == mt.float64 and mt.asarray([True]).dtype == mt.bool
    with pytest.raises(ValueError, match="arbitrary sequence"):
        mt.asarray([1, 2], copy=False)
    marked = mt.asarray(t, requires_grad=True)
    assert marked is t and t.requires_grad
    grad_source = mt.tensor([1.0, 2.0], requires_grad=True) * 2
    assert mt.asarray(grad_source) is grad_source
    assert mt.asarray(grad_source, copy=True).grad_fn is not None and mt.asarray(grad_source, dtype=mt.float64).grad_fn is not None
    for detached in (mt.asarray(grad_source, requires_grad=False), mt.asarray(grad_source, copy=True, requires_grad=False)):
        assert detached.grad_fn is None and not detached.requires_grad and detached.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError):
        mt.asarray(mt.tensor([1, 2]), requires_grad=True)


# --------------------------------------------------------------- dtype queries
_DTYPES = [mt.bool, mt.uint8, mt.int8, mt.int16, mt.int32, mt.int64, mt.float16, mt.float32, mt.float64]
_KIND = {"b": 0, "u": 1, "i": 1, "f": 2}


def _promoted(a, b):
    """The expected promotion, written from the rule: the higher kind wins; within a kind numpy's rule."""
    if _KIND[a.kind] != _KIND[b.kind]:
        return a if _KIND[a.kind] > _KIND[b.kind] else b
    return np.promote_types(a, b)


def test_promote_types_and_can_cast_tables():
    for a, b in itertools.product(_DTYPES, repeat=2):
        assert mt.promote_types(a, b) == _promoted(a, b), (a, b)
        forbidden = (a.kind == "f" and b.kind != "f") or (a.kind != "b" and b.kind == "b")
        assert mt.can_cast(a, b) is (not forbidden), (a, b)
    with pytest.raises(TypeError, match="must be a dtype"):
        mt.promote_types(mt.zeros(1), mt.float32)


@pytest.mark.parametrize("a, b, expected", [
    (mt.tensor([1]), 1.0, mt.float32),
    (2, 3.0, mt.float32),
    (1, 2, mt.int64),
    (True, 2, mt.int64),
    (mt.tensor(1.0, dtype=mt.float64), mt.tensor([1], dtype=mt.int32), mt.float64),
    (mt.tensor(1.0, dtype=mt.float64), mt.tensor([1.0]), mt.float32),
    (mt.tensor([1], dtype=mt.uint8), mt.tensor([1], dtype=mt.int8), mt.int16),
    (mt.tensor([1], dtype=mt.int32), 5, mt.int32),
])
def test_result_type_matches_the_dtype_ops_give(a, b, expected):
    assert mt.result_type(a, b) == expected
    if isinstance(a, mt.Tensor) or isinstance(b, mt.Tensor):
        assert (a + b).dtype == expected
    with pytest.raises(TypeError, match="Tensor or a Python number"):
        mt.result_type(a, [1])


# ----------------------------------------------------------------- threads
def test_thread_counts_are_recorded_and_checked():
    before = mt.get_num_threads(), mt.get_num_interop_threads()
    try:
        mt.set_num_threads(3)
        mt.set_num_interop_threads(2)
        assert (mt.get_num_threads(), mt.get_num_interop_threads()) == (3, 2)
        for bad, match in ((0, "positive integer"), (-1, "positive integer"), (2.5, "expects an int")):
            with pytest.raises(RuntimeError, match=match):
                mt.set_num_threads(bad)
            with pytest.raises(RuntimeError, match=match):
                mt.set_num_interop_threads(bad)
    finally:
        mt.set_num_threads(before[0])
        mt.set_num_interop_threads(before[1])


# ------------------------------------------------------------------- Size
def test_size_is_a_tuple_with_numel():
    size = mt.Size([2, 3])
    assert size == (2, 3) and isinstance(size, tuple) and size.numel() == 6 and mt.Size([]).numel() == 1
    assert repr(size) == "microtensor.Size([2, 3])"
    for derived in (size[1:], size + (1,), (1,) + size, size * 2):
        assert type(derived) is mt.Size
    assert size[0] == 2 and type(size[0]) is int
    assert mt.Size([np.int64(3), True, mt.tensor(4)]) == (3, 1, 4)
    restored = pickle.loads(pickle.dumps(size))
    assert type(restored) is mt.Size and restored == size
    assert mt.zeros(size).shape == (2, 3) and hash(size) == hash((2, 3))
    with pytest.raises(TypeError, match="item 0 is 'float'"):
        mt.Size([2.5])


# ------------------------------------------------- legacy typed constructors
_LEGACY = [
    (mt.FloatTensor, mt.float32), (mt.DoubleTensor, mt.float64), (mt.HalfTensor, mt.float16),
    (mt.LongTensor, mt.int64), (mt.IntTensor, mt.int32), (mt.ShortTensor, mt.int16),
    (mt.CharTensor, mt.int8), (mt.ByteTensor, mt.uint8), (mt.BoolTensor, mt.bool),
]


@pytest.mark.parametrize("legacy, dtype", _LEGACY)
def test_legacy_constructors_make_tensors_of_their_dtype(legacy, dtype):
    from_data = legacy([1, 0])
    assert type(from_data) is mt.Tensor and from_data.dtype == dtype and from_data.tolist() == np.array([1, 0], dtype).tolist()
    shaped = legacy(2, 3)
    assert shaped.shape == (2, 3) and shaped.dtype == dtype
    assert legacy().shape == (0,) and legacy(mt.Size([2])).shape == (2,)
    assert isinstance(shaped, legacy) and not isinstance(mt.zeros(1, dtype=mt.float64 if dtype != mt.float64 else mt.int64), legacy)
    assert np.dtype(legacy) == dtype and mt.zeros(2).type(legacy).dtype == dtype
    assert repr(legacy) == f"<class 'microtensor.{legacy.__name__}'>"


def test_legacy_constructor_rules():
    assert mt.FloatTensor((2, 3)).tolist() == [2.0, 3.0]  # a tuple is data; a Size is a shape
    assert mt.IntTensor([1.9, -1.9]).tolist() == [1, -1]
    assert mt.FloatTensor(np.array([1, 2])).dtype == mt.float32
    source = mt.tensor([1.0, 2.0])
    alias = mt.FloatTensor(source)
    alias[0] = 5.0
    assert source[0].item() == 5.0 and not alias.requires_grad
    with pytest.raises(TypeError, match="dtype float32"):
        mt.FloatTensor(mt.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be a sequence"):
        mt.FloatTensor(2.5)
    with pytest.raises(TypeError):
        mt.FloatTensor(2, 3.0)
    with pytest.raises(TypeError):
        mt.FloatTensor([1], requires_grad=True)
    with pytest.raises(RuntimeError, match="negative dimension"):
        mt.FloatTensor(-1)
    assert not issubclass(mt.FloatTensor, mt.Tensor)


def test_tensor_new_uses_the_tensors_dtype():
    x = mt.tensor([1, 2])
    assert x.new().shape == (0,) and x.new().dtype == mt.int64
    assert x.new(2, 3).shape == (2, 3) and x.new(2, 3).dtype == mt.int64
    assert x.new([1.5, 2]).tolist() == [1, 2]
    assert mt.zeros(1).new((2, 3)).tolist() == [2.0, 3.0]
    with pytest.raises(TypeError, match="dtype int64"):
        x.new(mt.zeros(2))


# ------------------------------------------------------------ status queries
def test_is_nonzero_and_is_same_size():
    assert mt.is_nonzero(mt.tensor([3])) and not mt.is_nonzero(mt.tensor([0.0])) and mt.tensor([[True]]).is_nonzero()
    with pytest.raises(RuntimeError, match="no values"):
        mt.is_nonzero(mt.tensor([]))
    with pytest.raises(RuntimeError, match="more than one value"):
        mt.is_nonzero(mt.tensor([1, 2]))
    with pytest.raises(TypeError, match="must be a Tensor"):
        mt.is_nonzero(3)
    assert mt.is_same_size(mt.zeros(2, 3), mt.zeros(2, 3, dtype=mt.int64))
    assert not mt.zeros(2, 3).is_same_size(mt.zeros(3, 2))


def test_device_and_graph_queries():
    x = mt.ones(4, requires_grad=True)
    assert x.get_device() == -1 and mt.get_device(x) == -1 and x.is_cpu
    assert x.output_nr == 0 and not x.is_inference()
    with mt.inference_mode():
        assert not mt.zeros(1).is_inference()  # not tracked here (a documented difference)


def test_type_names_the_legacy_type_and_converts_to_one():
    t = mt.ones(2)
    assert t.type() == "microtensor.FloatTensor"
    assert mt.tensor([1, 2]).type() == "microtensor.LongTensor"
    assert mt.tensor([True]).type() == "microtensor.BoolTensor"
    assert t.type("torch.DoubleTensor").dtype == mt.float64  # PyTorch code's spelling works too
    assert t.type("microtensor.ByteTensor").dtype == mt.uint8
    assert t.type(mt.LongTensor).dtype == mt.int64
    assert t.type(mt.float16).dtype == mt.float16
    with pytest.raises(ValueError, match="invalid type 'torch.FooTensor'"):
        t.type("torch.FooTensor")
