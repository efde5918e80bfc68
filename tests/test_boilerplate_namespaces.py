"""mt.backends, mt.cuda, the determinism settings and mt.special: PyTorch's boilerplate lines."""
import math
import warnings

import numpy as np
import pytest

import microtensor as mt
from microtensor.ops import special_extras
from tests.strategies import check_gradients


def test_backend_flags_keep_pytorch_defaults_and_accept_assignment():
    cudnn = mt.backends.cudnn
    assert (cudnn.deterministic, cudnn.benchmark, cudnn.enabled) == (False, False, True)
    assert mt.backends.cuda.matmul.allow_tf32 is False
    saved = cudnn.deterministic, cudnn.benchmark, mt.backends.cuda.matmul.allow_tf32
    try:
        cudnn.deterministic, cudnn.benchmark, mt.backends.cuda.matmul.allow_tf32 = True, True, True
        assert cudnn.deterministic and cudnn.benchmark and mt.backends.cuda.matmul.allow_tf32
    finally:
        cudnn.deterministic, cudnn.benchmark, mt.backends.cuda.matmul.allow_tf32 = saved


def test_backend_questions_answer_no_gpu():
    assert mt.backends.cudnn.is_available() is False
    assert mt.backends.mps.is_available() is False and mt.backends.mps.is_built() is False
    assert mt.backends.cuda.is_built() is False
    assert mt.backends.openmp.is_available() is False
    assert isinstance(mt.backends.mkl.is_available(), bool)


def test_cuda_memory_calls_answer_zero_and_device_calls_raise():
    assert mt.cuda.empty_cache() is None
    assert mt.cuda.memory_allocated() == mt.cuda.max_memory_allocated() == mt.cuda.memory_reserved() == 0
    assert mt.cuda.set_device(-1) is None
    for call in (mt.cuda.synchronize, mt.cuda.current_device, mt.cuda.get_device_name,
                 mt.cuda.reset_peak_memory_stats, lambda: mt.cuda.set_device(0)):
        with pytest.raises(AssertionError, match="not compiled with CUDA"):
            call()
    with pytest.raises(ValueError, match="Expected a cuda device, but got: cpu"):
        mt.cuda.set_device("cpu")


def test_deterministic_algorithms_are_recorded():
    try:
        assert mt.are_deterministic_algorithms_enabled() is False
        mt.use_deterministic_algorithms(True, warn_only=True)
        assert mt.are_deterministic_algorithms_enabled() and mt.is_deterministic_algorithms_warn_only_enabled()
        with pytest.raises(TypeError, match="argument 'mode' .* must be bool, not int"):
            mt.use_deterministic_algorithms(1)
    finally:
        mt.use_deterministic_algorithms(False)
    assert mt.is_deterministic_algorithms_warn_only_enabled() is False


def test_float32_matmul_precision_is_recorded_and_a_bad_one_warns():
    assert mt.get_float32_matmul_precision() == "highest"
    try:
        mt.set_float32_matmul_precision("high")
        assert mt.get_float32_matmul_precision() == "high"
        with pytest.warns(UserWarning, match="has no effect"):
            mt.set_float32_matmul_precision("fastest")
        assert mt.get_float32_matmul_precision() == "high"
    finally:
        mt.set_float32_matmul_precision("highest")


@pytest.mark.parametrize("name, same_as", [
    ("expit", "sigmoid"), ("gammaln", "lgamma"), ("psi", "digamma"), ("erf", "erf"), ("exp2", "exp2"),
    ("expm1", "expm1"), ("log1p", "log1p"), ("i0", "i0"), ("sinc", "sinc"), ("erfinv", "erfinv"),
])
def test_special_names_compute_the_top_level_ops(name, same_as):
    x = mt.tensor([0.1, 0.4, 0.7], dtype=mt.float64)
    np.testing.assert_allclose(getattr(mt.special, name)(x).numpy(), getattr(mt, same_as)(x).numpy())


def test_special_reductions_and_multigammaln():
    x = mt.tensor([[1.0, 2.0, 3.0]], dtype=mt.float64)
    np.testing.assert_allclose(mt.special.softmax(x, 1).numpy()[0], np.exp([1, 2, 3]) / np.exp([1, 2, 3]).sum())
    np.testing.assert_allclose(mt.special.log_softmax(x, dim=-1).exp().numpy(), mt.special.softmax(x, -1).numpy())
    np.testing.assert_allclose(mt.special.logsumexp(x, 1).item(), math.log(sum(math.exp(v) for v in (1, 2, 3))))
    np.testing.assert_allclose(mt.special.multigammaln(mt.tensor([2.5]), 2).item(),
                               math.log(math.pi) / 2 + math.lgamma(2.5) + math.lgamma(2.0))
    np.testing.assert_allclose(mt.special.polygamma(1, mt.tensor([1.0], dtype=mt.float64)).item(), math.pi ** 2 / 6)


def test_entr_and_xlog1py_values():
    np.testing.assert_allclose(mt.special.entr(mt.tensor([-1.0, 0.0, 0.5, 2.0])).numpy(),
                               [-np.inf, 0.0, 0.5 * math.log(2), -2 * math.log(2)], rtol=1e-6)
    assert math.isnan(mt.special.entr(mt.tensor([math.nan])).item())
    assert mt.special.entr(mt.tensor([1, 2])).dtype == mt.float32
    np.testing.assert_allclose(mt.special.xlog1py(mt.tensor([0.0, 1.0, 2.0]), mt.tensor([-1.0, 0.0, 1.0])).numpy(),
                               [0.0, 0.0, 2 * math.log(2)], rtol=1e-6)
    assert math.isnan(mt.special.xlog1py(mt.tensor([0.0]), mt.tensor([math.nan])).item())


NORMAL_POINTS = [-40.0, -25.0, -8.0, -1.0, 0.0, 1.5, 6.0]


def _log_phi_reference(x):
    if x > 0:
        return math.log1p(-math.erfc(x / math.sqrt(2)) / 2)
    if x > -30:
        return math.log(math.erfc(-x / math.sqrt(2)) / 2)
    t = 1 / (x * x)  # the asymptotic series, to more terms than these points need
    series = 1 - t + 3 * t ** 2 - 15 * t ** 3 + 105 * t ** 4 - 945 * t ** 5
    return -x * x / 2 - math.log(-x) - 0.5 * math.log(2 * math.pi) + math.log(series)


@pytest.mark.parametrize("use_fallback", [False, True])
def test_normal_cdf_family_against_math_erfc(use_fallback, monkeypatch):
    if use_fallback:  # the numpy implementations used without scipy
        monkeypatch.setattr(special_extras, "_CACHE", {
            "ndtr": special_extras._ndtr_numpy, "ndtri": special_extras._ndtri_numpy,
            "log_ndtr": special_extras._log_ndtr_numpy})
    x = mt.tensor(NORMAL_POINTS, dtype=mt.float64)
    expected_log = [_log_phi_reference(v) for v in NORMAL_POINTS]
    np.testing.assert_allclose(mt.special.log_ndtr(x).numpy(), expected_log, rtol=1e-12)
    np.testing.assert_allclose(mt.special.ndtr(x).numpy(), np.exp(expected_log), rtol=1e-12)
    p = mt.tensor([1e-300, 1e-20, 0.025, 0.5, 0.975, 1 - 1e-12], dtype=mt.float64)
    y = mt.special.ndtri(p).numpy()
    np.testing.assert_allclose(mt.special.log_ndtr(mt.tensor(y[:3])).numpy(), np.log(p.numpy()[:3]), rtol=1e-12)
    np.testing.assert_allclose(y[2:5], [-1.959963984540054, 0.0, 1.959963984540054], atol=1e-12)
    edges = mt.special.ndtri(mt.tensor([0.0, 1.0, -0.5, 1.5])).numpy()
    assert edges[0] == -np.inf and edges[1] == np.inf and np.isnan(edges[2:]).all()


def test_special_gradients_float64():
    check_gradients(mt.special.xlog1py, [[0.5, -1.5], [2.0, 0.3]], [[0.2, 1.5], [-0.5, 3.0]])
    check_gradients(mt.special.entr, [0.2, 1.0, 3.0])
    check_gradients(mt.special.ndtr, [-2.0, 0.0, 1.5])
    check_gradients(mt.special.ndtri, [0.05, 0.5, 0.9])
    check_gradients(mt.special.log_ndtr, [-30.0, -2.0, 0.0, 4.0])


def test_special_second_derivative_and_out():
    x = mt.tensor([0.3], dtype=mt.float64, requires_grad=True)
    (slope,) = mt.autograd.grad(mt.special.ndtr(x).sum(), x, create_graph=True)
    (curvature,) = mt.autograd.grad(slope.sum(), x)
    pdf = math.exp(-0.045) / math.sqrt(2 * math.pi)
    np.testing.assert_allclose([slope.item(), curvature.item()], [pdf, -0.3 * pdf])
    out = mt.zeros(2)
    assert mt.special.entr(mt.tensor([1.0, 0.0]), out=out) is out


def test_special_errors_name_the_op():
    with pytest.raises(TypeError, match="entr"):
        mt.special.entr("x")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mt.special.log_ndtr(mt.tensor([-1e3, 1e3]))


@pytest.mark.parametrize("function, value", [
    (mt.special.entr, 0.7), (mt.special.log_ndtr, -3.0), (mt.special.ndtri, 0.3),
    (lambda x: mt.special.xlog1py(x, x), 0.4),
])
def test_special_second_derivatives_float64(function, value):
    x = mt.tensor([value], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradgradcheck(function, (x,))
