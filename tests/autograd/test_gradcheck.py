"""``mt.autograd.gradcheck`` finds wrong backward rules and says where."""
import numpy as np
import pytest

import microtensor as mt


class WrongSquare(mt.autograd.Function):
    """x^2 with a deliberately wrong derivative (x instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * x


def test_gradcheck_passes_a_correct_function():
    a = mt.tensor(np.array([[1.0, 2.0], [0.5, -1.0]]), requires_grad=True)
    b = mt.tensor(np.array([0.3, -0.7]), requires_grad=True)
    assert mt.autograd.gradcheck(lambda a, b: a * b + a / (b * b + 1), (a, b))


def test_gradcheck_catches_a_wrong_backward_and_names_the_culprit():
    x = mt.tensor(np.array([1.0, 3.0]), requires_grad=True)
    with pytest.raises(RuntimeError) as error:
        mt.autograd.gradcheck(WrongSquare.apply, (x,))
    message = str(error.value)
    assert isinstance(error.value, mt.autograd.GradcheckError)
    assert "input 0" in message
    assert "worst at input element (1,)" in message
    assert "analytical 3" in message and "numerical 6" in message


def test_gradcheck_can_return_false():
    x = mt.tensor(np.array([2.0]), requires_grad=True)
    assert mt.autograd.gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False


def test_gradcheck_checks_every_input_that_requires_grad_only():
    a = mt.tensor(np.array([1.0, 2.0]), requires_grad=True)
    constant = mt.tensor(np.array([5.0, 6.0]))
    assert mt.autograd.gradcheck(lambda a, c: WrongSquare.apply(c) + a * 2, (a, constant))


def test_gradcheck_refuses_float32():
    x = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="float64"):
        mt.autograd.gradcheck(lambda t: t * 2, (x,))


def test_gradcheck_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="requires_grad"):
        mt.autograd.gradcheck(lambda t: t * 2, (mt.tensor([1.0], dtype=mt.float64),))


def test_gradcheck_accepts_a_single_tensor_and_0d():
    x = mt.tensor(np.float64(0.5), requires_grad=True)
    assert mt.autograd.gradcheck(lambda t: t * t * t, x)


def test_gradcheck_perturbs_leaves_that_are_not_row_major():
    """A column-major leaf's flat reshape is a copy: perturbing it must still reach the input."""
    column_major = mt.tensor(np.asfortranarray(np.arange(6.0).reshape(2, 3)), requires_grad=True)
    assert column_major._data.flags.f_contiguous and not column_major._data.flags.c_contiguous
    assert mt.autograd.gradcheck(lambda x: (x * x)[0], (column_major,))
    wrong = mt.autograd.gradcheck(lambda x: x * 0 + x.detach(), (column_major,), raise_exception=False)
    assert not wrong
