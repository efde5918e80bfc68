"""``mt.autograd.detect_anomaly``: the first NaN/Inf names the op and where it was made."""
import numpy as np
import pytest

import microtensor as mt


def test_nan_in_backward_names_the_op_and_the_user_code_line():
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    with mt.autograd.detect_anomaly():
        y = x.sqrt()  # d/dx sqrt(x) = 1 / (2 sqrt(x)) is inf at 0
        with pytest.raises(RuntimeError) as error:
            (y * 0.0 + y).sum().backward()
    message = str(error.value)
    assert "SqrtBackward" in message
    assert "test_anomaly.py" in message and "x.sqrt()" in message


def test_inf_in_forward_is_allowed_as_in_pytorch():
    # a -inf mask before softmax is meant: only backward's NaN/Inf are anomalies
    x = mt.tensor([1.0, 2.0, 3.0], dtype=mt.float64, requires_grad=True)
    with mt.autograd.detect_anomaly():
        scores = x.masked_fill(mt.tensor([False, True, False]), float("-inf"))
        p = mt.softmax(scores, 0)
        p[0].backward()
    e1, e3 = np.exp(1.0), np.exp(3.0)
    p0, p2 = e1 / (e1 + e3), e3 / (e1 + e3)
    # d p0 / d s = p0 (onehot_0 - p); the masked position gets no gradient
    np.testing.assert_allclose(x.grad.numpy(), [p0 * (1 - p0), 0.0, -p0 * p2])


def test_nan_in_forward_raises_only_once_a_gradient_is_nan():
    x = mt.tensor([-1.0, 2.0], dtype=mt.float64, requires_grad=True)
    with mt.autograd.detect_anomaly():
        with np.errstate(invalid="ignore"):
            y = x.log()  # nan at -1: no error yet, as in PyTorch
        (y * 3.0).sum().backward()  # d/dx 3 log x = 3 / x: finite
        np.testing.assert_allclose(x.grad.numpy(), [-3.0, 1.5])
        squares = y * y  # d/dy y^2 = 2y holds the nan
        with pytest.raises(RuntimeError, match="MulBackward") as error:
            squares.sum().backward()
    assert "test_anomaly.py" in str(error.value) and "squares = y * y" in str(error.value)


def test_set_detect_anomaly_as_a_call_and_as_a_context_manager():
    def sqrt_at_zero_backward():
        x = mt.tensor([0.0, 1.0], requires_grad=True)
        (x.sqrt() * 0.0).sum().backward()  # 0 * 1/(2 sqrt 0) = nan
        return x.grad.numpy()

    mt.autograd.set_detect_anomaly(True)
    try:
        assert mt.autograd.is_anomaly_enabled() and mt.autograd.is_anomaly_check_nan_enabled()
        with pytest.raises(RuntimeError, match="SqrtBackward"):
            sqrt_at_zero_backward()
    finally:
        mt.autograd.set_detect_anomaly(False)
    assert not mt.autograd.is_anomaly_enabled()
    with mt.autograd.set_detect_anomaly(True, check_nan=False):
        assert mt.autograd.is_anomaly_enabled() and not mt.autograd.is_anomaly_check_nan_enabled()
        assert np.isnan(sqrt_at_zero_backward()[0])
    assert not mt.autograd.is_anomaly_enabled() and mt.autograd.is_anomaly_check_nan_enabled()


def test_detect_anomaly_with_check_nan_false_records_but_does_not_raise():
    with mt.autograd.detect_anomaly(check_nan=False):
        assert mt.autograd.is_anomaly_enabled() and not mt.autograd.is_anomaly_check_nan_enabled()
        x = mt.tensor([0.0, 1.0], requires_grad=True)
        y = x.sqrt()
        assert "test_anomaly.py" in y.grad_fn._creation_site
        (y * 0.0).sum().backward()
    assert np.isnan(x.grad.numpy()[0])


def test_without_anomaly_mode_nothing_is_checked():
    x = mt.tensor([0.0, 1.0], requires_grad=True)
    y = x.sqrt()
    y.sum().backward()
    assert np.isinf(x.grad.numpy()[0])
    assert not mt.autograd.is_anomaly_enabled()


def test_anomaly_mode_is_restored_after_the_block():
    with mt.autograd.detect_anomaly():
        assert mt.autograd.is_anomaly_enabled()
    assert not mt.autograd.is_anomaly_enabled()
