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


def test_nan_in_forward_is_caught_at_the_op():
    x = mt.tensor([-1.0, 1.0], requires_grad=True)
    with mt.autograd.detect_anomaly():
        with pytest.raises(RuntimeError, match="LogBackward.*forward") as error:
            with np.errstate(invalid="ignore"):
                x.log()
    assert "test_anomaly.py" in str(error.value)


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
