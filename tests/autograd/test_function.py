"""Custom ops with ``mt.autograd.Function``: a user's op is a first-class citizen."""
import numpy as np
import pytest

import microtensor as mt


class Cube(mt.autograd.Function):
    """x^3 written as a user would, with d/dx = 3 x^2."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


class ScaledExp(mt.autograd.Function):
    """exp(x) * scale, saving its output; scale is a non-tensor argument."""

    @staticmethod
    def forward(ctx, x, scale):
        y = x.exp() * scale
        ctx.save_for_backward(y)
        ctx.scale = scale
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y, None


def test_custom_function_forward_and_backward():
    x = mt.tensor([1.0, -2.0, 0.5], dtype=mt.float64, requires_grad=True)
    y = Cube.apply(x)
    assert isinstance(y, mt.Tensor) and y.grad_fn.name() == "CubeBackward"
    np.testing.assert_allclose(y.data, x.detach().numpy() ** 3)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 3 * x.detach().numpy() ** 2)


def test_custom_function_sees_tensors_and_non_tensor_arguments():
    x = mt.tensor([0.1, 0.2], dtype=mt.float64, requires_grad=True)
    y = ScaledExp.apply(x, 2.0)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, 2.0 * np.exp(x.detach().numpy()))
    assert mt.autograd.gradcheck(lambda t: ScaledExp.apply(t, 3.0), (x,))


def test_custom_function_passes_gradcheck_and_second_derivative():
    x = mt.tensor([0.7, -1.3], dtype=mt.float64, requires_grad=True)
    assert mt.autograd.gradcheck(Cube.apply, (x,))
    (g,) = mt.autograd.grad(Cube.apply(x).sum(), x, create_graph=True)
    (g2,) = mt.autograd.grad(g.sum(), x)
    np.testing.assert_allclose(g2.data, 6 * x.detach().numpy())


def test_needs_input_grad():
    seen = {}

    class Probe(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            seen["needs"] = ctx.needs_input_grad
            return None, grad

    a = mt.tensor([1.0])
    b = mt.tensor([2.0], requires_grad=True)
    Probe.apply(a, b).sum().backward()
    assert seen["needs"] == (False, True)
    np.testing.assert_allclose(b.grad.data, [1.0])


def test_wrong_number_of_gradients_is_reported():
    class Bad(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad

    a = mt.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        Bad.apply(a, a).sum().backward()


def test_wrong_gradient_shape_is_reported():
    class BadShape(mt.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return mt.ones(5)

    a = mt.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="invalid gradient at index 0 - got \\[5\\] but expected shape compatible with \\[2\\]"):
        BadShape.apply(a).sum().backward()


def test_saved_tensors_are_freed_after_backward():
    x = mt.tensor([1.0], requires_grad=True)
    y = Cube.apply(x)
    node = y.grad_fn
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        node.saved_tensors


def test_custom_function_under_no_grad_records_nothing():
    x = mt.tensor([1.0], requires_grad=True)
    with mt.no_grad():
        y = Cube.apply(x)
    assert y.grad_fn is None and not y.requires_grad
