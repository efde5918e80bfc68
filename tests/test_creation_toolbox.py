"""rand_like / randn_like / randint_like, t.new_* and nelement, mt.device, the default device, mt.cuda."""
import numpy as np
import pytest
from scipy import stats

import microtensor as mt


# ---------------------------------------------------------------- *_like
def test_random_likes_keep_shape_and_dtype():
    x = mt.zeros(2, 3, dtype=mt.float64)
    for make in (mt.rand_like, mt.randn_like):
        y = make(x)
        assert y.shape == (2, 3) and y.dtype == mt.float64 and not y.requires_grad
        assert make(x, dtype=mt.float32).dtype == mt.float32
        assert make(x, requires_grad=True).requires_grad
        assert make(mt.zeros(2, dtype=mt.int64), dtype=mt.float32).dtype == mt.float32
    mt.manual_seed(0)
    u = mt.rand_like(mt.zeros(4000)).numpy()
    assert stats.kstest(u, "uniform").pvalue > 1e-3
    z = mt.randn_like(mt.zeros(4000)).numpy()
    assert stats.kstest(z, "norm").pvalue > 1e-3


def test_randint_like_ranges_and_dtypes():
    mt.manual_seed(1)
    x = mt.zeros(3000, dtype=mt.float64)
    high_only = mt.randint_like(x, 10)
    assert high_only.dtype == mt.float64 and set(high_only.tolist()) == {float(v) for v in range(10)}
    both = mt.randint_like(mt.zeros(3000, dtype=mt.int64), 3, 10)
    assert both.dtype == mt.int64 and set(both.tolist()) == set(range(3, 10))
    assert set(mt.randint_like(mt.zeros(100, dtype=mt.int32), high=2).tolist()) == {0, 1}
    assert mt.randint_like(mt.zeros(5, dtype=mt.int64), low=2, high=3).tolist() == [2] * 5
    assert mt.randint_like(mt.zeros(4, dtype=mt.bool), 2).dtype == mt.bool


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.rand_like(mt.zeros(2, dtype=mt.int64)), NotImplementedError, "floating dtype"),
    (lambda: mt.randn_like(mt.zeros(2, dtype=mt.bool)), NotImplementedError, "floating dtype"),
    (lambda: mt.rand(2, dtype=mt.int64), NotImplementedError, "use mt.randint for integers"),
    (lambda: mt.randn(2, dtype=mt.int32), NotImplementedError, "floating dtype"),
    (lambda: mt.randint_like(mt.zeros(2), 10, 3), RuntimeError, "from=10 >= to=3"),
    (lambda: mt.randint_like(mt.zeros(2), 2.5), TypeError, "must be an int"),
    (lambda: mt.rand_like(mt.zeros(2), device="cuda"), RuntimeError, "not available"),
    (lambda: mt.randperm(-1), RuntimeError, "negative dimension -1"),
])
def test_random_creation_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_randint_forms():
    mt.manual_seed(2)
    assert mt.randint(3, (50,)).max().item() <= 2 and mt.randint(3, size=(50,)).max().item() <= 2
    assert set(mt.randint(low=1, high=3, size=(60,)).tolist()) == {1, 2}
    assert set(mt.randint(high=2, size=(60,)).tolist()) == {0, 1}


# ---------------------------------------------------------------- t.new_*
def test_new_methods_take_the_tensors_dtype():
    x = mt.zeros(2, dtype=mt.float64)
    i = mt.zeros(2, dtype=mt.int64)
    assert x.new_zeros(2, 3).dtype == mt.float64 and x.new_zeros((2, 3)).shape == (2, 3)
    assert x.new_zeros([2, 3], dtype=mt.int32).dtype == mt.int32 and x.new_zeros(size=(4,)).shape == (4,)
    assert x.new_ones(2).tolist() == [1.0, 1.0] and i.new_ones(3).dtype == mt.int64
    assert x.new_empty(2, 1).shape == (2, 1) and x.new_empty((3,)).dtype == mt.float64
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_full([1], True).tolist() == [1.0]
    assert i.new_full((2,), 2.5).tolist() == [2, 2] and i.new_full((2,), 2.5).dtype == mt.int64
    assert x.new_tensor([1, 2]).dtype == mt.float64 and i.new_tensor([1.5, 2.0]).tolist() == [1, 2]
    assert x.new_tensor(np.array([1, 2], dtype=np.int32)).dtype == mt.float64
    assert x.new_tensor(3).shape == () and x.new_tensor([1, 2], dtype=mt.int64).dtype == mt.int64
    assert x.new_zeros(2, requires_grad=True).requires_grad
    assert x.nelement() == x.numel() == 2 and mt.zeros(3, 4).nelement() == 12 and mt.tensor(1.0).nelement() == 1


def test_new_tensor_copies_and_detaches():
    source = mt.ones(3, requires_grad=True)
    copy = mt.zeros(1).new_tensor(source)
    assert not copy.requires_grad and copy.grad_fn is None
    copy.data[0] = 5
    assert source.tolist() == [1.0, 1.0, 1.0]
    data = np.zeros(2, dtype=np.float32)
    mt.zeros(1).new_tensor(data).data[0] = 1
    assert data[0] == 0


@pytest.mark.parametrize("call, error, match", [
    (lambda: mt.zeros(2).new_full(2, 7), TypeError, "must be tuple of ints, not int"),
    (lambda: mt.zeros(2).new_zeros(), TypeError, "missing 1 required positional argument: 'size'"),
    (lambda: mt.zeros(2).new_ones(-1), RuntimeError, "negative dimension -1"),
    (lambda: mt.zeros(2).new_zeros(2, device="cuda"), RuntimeError, "not available"),
    (lambda: mt.zeros(2).new_empty(2, shape=3), TypeError, "unexpected keyword argument 'shape'"),
    (lambda: mt.zeros(2).new_ones(2, dtype=mt.int64, requires_grad=True), RuntimeError, "floating point"),
])
def test_new_method_errors(call, error, match):
    with pytest.raises(error, match=match):
        call()


# ------------------------------------------------------------------ devices
def test_devices_can_be_named_and_printed():
    assert repr(mt.device("cuda")) == "device(type='cuda')" and str(mt.device("cuda")) == "cuda"
    cuda0 = mt.device("cuda:0")
    assert repr(cuda0) == "device(type='cuda', index=0)" and str(cuda0) == "cuda:0"
    assert (cuda0.type, cuda0.index) == ("cuda", 0)
    assert mt.device("cuda", 1) == mt.device("cuda:1") and mt.device("cuda") != cuda0
    assert mt.device(mt.device("cuda:1")) == mt.device("cuda:1")
    assert repr(mt.device("cpu")) == "device(type='cpu')" and mt.zeros(1).device == mt.device("cpu")
    assert mt.zeros(1).device == "cpu" and len({mt.device("cpu"), mt.device("cpu")}) == 1
    assert repr(mt.device("mps")) == "device(type='mps')"


@pytest.mark.parametrize("args, error, match", [
    (("gpu",), RuntimeError, "Expected one of cpu, cuda.*device string: gpu"),
    (("cuda:x",), RuntimeError, "Invalid device string: 'cuda:x'"),
    (("cuda", -1), RuntimeError, "must not be negative"),
    (("cuda:0", 1), RuntimeError, "must not include an index"),
    ((0,), RuntimeError, "none is available"),
    ((None,), TypeError, "expects a string"),
])
def test_bad_device_names(args, error, match):
    with pytest.raises(error, match=match):
        mt.device(*args)


def test_using_a_device_other_than_the_cpu_raises():
    cuda = mt.device("cuda")
    for use in (
        lambda: mt.zeros(2).to("cuda"),
        lambda: mt.zeros(2).to(cuda),
        lambda: mt.zeros(2, device="cuda:0"),
        lambda: mt.randn(2, device=cuda),
        lambda: mt.set_default_device("cuda"),
        lambda: mt.nn.Linear(2, 2).to(cuda),
        lambda: mt.zeros(2).cuda(),
    ):
        with pytest.raises(RuntimeError, match="CPU only"):
            use()
    assert mt.get_default_device() == mt.device("cpu")


def test_default_device_is_the_cpu():
    assert repr(mt.get_default_device()) == "device(type='cpu')"
    mt.set_default_device("cpu")
    assert mt.get_default_device() == mt.device("cpu") and mt.ones(2).device == mt.device("cpu")
    mt.set_default_device(mt.device("cpu"))
    mt.set_default_device(None)
    assert mt.get_default_device() == mt.device("cpu")
    with pytest.raises(RuntimeError, match="Expected one of"):
        mt.set_default_device("gpu")


def test_cuda_module_says_no_and_seeding_is_a_no_op():
    assert mt.cuda.is_available() is False and mt.cuda.device_count() == 0
    mt.manual_seed(3)
    state = mt.get_rng_state().numpy().copy()
    assert mt.cuda.manual_seed_all(5) is None and mt.cuda.manual_seed(5) is None
    mt.cuda.seed()
    mt.cuda.seed_all()
    np.testing.assert_array_equal(mt.get_rng_state().numpy(), state)
    with pytest.raises(TypeError, match="int seed"):
        mt.cuda.manual_seed_all("5")
    device = mt.device("cuda" if mt.cuda.is_available() else "cpu")
    assert mt.zeros(2, device=device).device == mt.device("cpu")
