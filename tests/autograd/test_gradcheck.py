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


class WrongSecondOutput(mt.autograd.Function):
    """(2x, x^2) whose backward gets the second output's derivative wrong (1 instead of 2x)."""

    @staticmethod
    def forward(ctx, x):
        return x * 2, x * x

    @staticmethod
    def backward(ctx, grad_double, grad_square):
        return grad_double * 2 + grad_square


def test_gradcheck_names_the_output_that_disagrees():
    x = mt.tensor(np.array([0.3, 0.7]), requires_grad=True)
    with pytest.raises(mt.autograd.GradcheckError, match="for output 1 with respect to input 0") as error:
        mt.autograd.gradcheck(WrongSecondOutput.apply, (x,))
    assert "analytical 1 vs numerical 0.6" in str(error.value)  # d(x^2)/dx = 0.6 at x = 0.3


def test_gradcheck_accepts_pytorchs_keywords():
    x = mt.tensor(np.array([0.3, 0.7]), requires_grad=True)
    assert mt.autograd.gradcheck(
        mt.sin, (x,), eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, nondet_tol=0.0,
        check_undefined_grad=True, check_grad_dtypes=True, check_batched_grad=False, check_forward_ad=False,
        check_backward_ad=True, fast_mode=True, masked=None,
    )
    assert mt.autograd.gradcheck(WrongSquare.apply, (x,), check_backward_ad=False)  # nothing left to check
    for flag in ("check_batched_grad", "check_forward_ad", "check_batched_forward_grad"):
        with pytest.raises(NotImplementedError, match=flag):
            mt.autograd.gradcheck(mt.sin, (x,), **{flag: True})


class CubeWithFrozenBackward(mt.autograd.Function):
    """x^3 whose backward detaches x: right first derivative, wrong (zero) second derivative."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x.detach() ** 2


def test_gradgradcheck_passes_correct_second_derivatives():
    x = mt.tensor(np.array([0.3, -0.7, 1.1]), requires_grad=True)
    w = mt.tensor(np.array([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]]), requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda x, w: mt.tanh(w @ x) * x[:2] ** 2, (x, w))
    v = mt.tensor(np.array([1.0, -2.0]), requires_grad=True)
    assert mt.autograd.gradgradcheck(lambda x, w: mt.exp(w @ x), (x, w), (v,))


def test_gradgradcheck_catches_a_backward_that_is_not_differentiable():
    x = mt.tensor(np.array([0.3, 0.7]), requires_grad=True)
    assert mt.autograd.gradcheck(CubeWithFrozenBackward.apply, (x,))
    with pytest.raises(mt.autograd.GradcheckError, match="with respect to input 0") as error:
        mt.autograd.gradgradcheck(CubeWithFrozenBackward.apply, (x,))
    assert "analytical 0 " in str(error.value)
    assert mt.autograd.gradgradcheck(CubeWithFrozenBackward.apply, (x,), raise_exception=False) is False
