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


class _SplitTwoThree(mt.autograd.Function):
    """(2x, 3x); backward records which output gradients arrived (None or a tensor)."""

    materialize = True
    seen = []

    @staticmethod
    def forward(ctx, x):
        ctx.set_materialize_grads(_SplitTwoThree.materialize)
        return x * 2, x * 3

    @staticmethod
    def backward(ctx, grad_a, grad_b):
        _SplitTwoThree.seen.append((grad_a, grad_b))
        total = 0
        if grad_a is not None:
            total = total + grad_a * 2
        if grad_b is not None:
            total = total + grad_b * 3
        return total


@pytest.mark.parametrize("materialize", [True, False])
def test_set_materialize_grads_decides_between_zeros_and_none(materialize):
    _SplitTwoThree.materialize, _SplitTwoThree.seen = materialize, []
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    _, b = _SplitTwoThree.apply(x)
    (b * b).sum().backward()  # only the second output is used: d/dx (3x)^2 = 18x
    np.testing.assert_allclose(x.grad.numpy(), 18 * np.array([1.0, 2.0]))
    ((grad_a, grad_b),) = _SplitTwoThree.seen
    np.testing.assert_allclose(grad_b.numpy(), 2 * 3 * np.array([1.0, 2.0]))
    if materialize:
        assert isinstance(grad_a, mt.Tensor) and np.all(grad_a.numpy() == 0) and grad_a.shape == (2,)
    else:
        assert grad_a is None
    with mt.no_grad():  # the scratch ctx of an unrecorded call takes the setting too
        a, _ = _SplitTwoThree.apply(x)
    np.testing.assert_array_equal(a.numpy(), [2.0, 4.0])


class _OnceCube(mt.autograd.Function):
    """x^3 with a backward marked @once_differentiable; it records whether grad mode was on."""

    grad_mode_in_backward = []

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    @mt.autograd.function.once_differentiable
    def backward(ctx, grad):
        _OnceCube.grad_mode_in_backward.append(mt.is_grad_enabled())
        (x,) = ctx.saved_tensors
        return grad * 3 * x * x


def test_once_differentiable_gives_first_derivatives():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    _OnceCube.grad_mode_in_backward = []
    _OnceCube.apply(x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3 * np.array([1.0, 4.0]))
    (g,) = mt.autograd.grad(_OnceCube.apply(x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.numpy(), 3 * np.array([1.0, 4.0]))
    assert not g.requires_grad  # the seed gradient required no grad, so nothing depends on x
    assert _OnceCube.grad_mode_in_backward == [False, False]  # backward runs under no_grad


def test_once_differentiable_refuses_a_second_derivative():
    x = mt.tensor([1.0, 2.0], dtype=mt.float64, requires_grad=True)
    # the gradient reaching _OnceCube is x (it requires grad): d/dx (x^3 * x) = 3x^2 * x + x^3
    (g,) = mt.autograd.grad((_OnceCube.apply(x) * x).sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 4 * np.array([1.0, 8.0]))
    assert g.requires_grad
    with pytest.raises(RuntimeError, match="differentiate twice a function that was marked with @once_differentiable"):
        g.sum().backward()


class ScaledExpNoCtx(mt.autograd.Function):
    """exp(x) * scale in PyTorch 2's style: forward without ctx, setup_context saves."""

    @staticmethod
    def forward(x, scale):
        return x.exp() * scale

    @staticmethod
    def setup_context(ctx, inputs, output):
        _, scale = inputs
        ctx.scale = scale
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y, None  # d/dx scale e^x = y


def test_forward_without_ctx_and_setup_context():
    values = np.array([0.5, -1.0])
    x = mt.tensor(values, requires_grad=True)
    y = ScaledExpNoCtx.apply(x, 3.0)
    assert y.grad_fn.scale == 3.0
    np.testing.assert_allclose(y.detach().numpy(), 3.0 * np.exp(values))
    (g,) = mt.autograd.grad(y.sum(), x, create_graph=True)
    np.testing.assert_allclose(g.detach().numpy(), 3.0 * np.exp(values))
    (h,) = mt.autograd.grad(g.sum(), x)  # the saved output is in the graph: d/dx 3 e^x = 3 e^x
    np.testing.assert_allclose(h.numpy(), 3.0 * np.exp(values))
    assert mt.autograd.gradcheck(lambda t: ScaledExpNoCtx.apply(t, 3.0), (x,))
    with mt.no_grad():
        plain = ScaledExpNoCtx.apply(x, 2.0)
    assert plain.grad_fn is None and np.allclose(plain.numpy(), 2.0 * np.exp(values))


class _NeedsInForward(mt.autograd.Function):
    """x * w, unpacking needs_input_grad in forward (as some user code does)."""

    seen = []

    @staticmethod
    def forward(ctx, x, w, scale):
        need_x, need_w, need_scale = ctx.needs_input_grad
        _NeedsInForward.seen.append((need_x, need_w, need_scale))
        return x * w * scale

    @staticmethod
    def backward(ctx, grad):
        return None, None, None


def test_needs_input_grad_has_one_entry_per_argument_even_when_nothing_records():
    _NeedsInForward.seen = []
    x, w = mt.tensor([1.0]), mt.tensor([2.0], requires_grad=True)
    _NeedsInForward.apply(x, w, 3.0)
    with mt.no_grad():
        _NeedsInForward.apply(x, w, 3.0)
    _NeedsInForward.apply(x, w.detach(), 3.0)
    assert _NeedsInForward.seen == [(False, True, False), (False, False, False), (False, False, False)]
