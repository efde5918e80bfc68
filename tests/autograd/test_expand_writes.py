"""Writing through a slice of an ``expand()``: allowed where no two written elements share memory
(PyTorch's internal-overlap rule), refused with PyTorch's error where they do, and a clear error for
memory that is read-only for another reason (a read-only numpy array)."""
import numpy as np
import pytest

import microtensor as mt
from microtensor._memory_overlap import has_internal_overlap

F64 = mt.float64


def test_internal_overlap_is_a_zero_stride_over_more_than_one_element():
    row = np.zeros(3)
    assert has_internal_overlap(np.broadcast_to(row, (2, 3)))
    assert not has_internal_overlap(np.broadcast_to(row, (1, 3)))
    assert not has_internal_overlap(np.broadcast_to(row, (2, 3))[0])
    assert has_internal_overlap(np.broadcast_to(row, (2, 3))[:, 0])


@pytest.mark.parametrize("write, expected", [
    (lambda view: view.mul_(3.0), [3.0, 6.0, 9.0]),
    (lambda view: view.fill_(4.0), [4.0, 4.0, 4.0]),
    (lambda view: view.copy_(mt.tensor([5.0, 6.0, 7.0], dtype=F64)), [5.0, 6.0, 7.0]),
    (lambda view: view.__setitem__(slice(1, None), 8.0), [1.0, 8.0, 8.0]),
])
def test_a_slice_of_an_expand_without_repeats_is_writable(write, expected):
    base = mt.tensor([1.0, 2.0, 3.0], dtype=F64)
    expanded = base.expand(2, 3)
    write(expanded[1])
    assert base.tolist() == expected
    np.testing.assert_array_equal(expanded.numpy(), [expected, expected])  # both rows are the base's memory


@pytest.mark.parametrize("write, op_name", [
    (lambda view: view.add_(1.0), "add_"),
    (lambda view: view.zero_(), "fill_"),
    (lambda view: view.__setitem__(0, 1.0), "__setitem__"),
    (lambda view: view.normal_(), "normal_"),
    (lambda view: mt.add(mt.ones(view.shape, dtype=F64), 1.0, out=view), "add"),
])
def test_writing_where_elements_share_memory_raises_pytorchs_error(write, op_name):
    expanded = mt.zeros(3, dtype=F64).expand(2, 3)
    with pytest.raises(RuntimeError, match=rf"{op_name}: unsupported operation: more than one element .* clone\(\)"):
        write(expanded)
    with pytest.raises(RuntimeError, match="more than one element"):
        write(expanded[:, 0])


@pytest.mark.parametrize("write", [
    lambda t: t.fill_(2.0), lambda t: t.zero_(), lambda t: t.add_(1.0), lambda t: t.__setitem__(0, 1.0),
    lambda t: t.uniform_(), lambda t: mt.add(t, 1.0, out=t),
])
def test_a_tensor_of_read_only_memory_refuses_writes_clearly(write):
    array = np.zeros(3)
    array.flags.writeable = False
    tensor = mt.from_numpy(array)
    with pytest.raises(RuntimeError, match=r"memory is read-only .*clone\(\)"):
        write(tensor)
    np.testing.assert_array_equal(array, np.zeros(3))


def test_gradient_of_an_in_place_op_on_a_slice_of_an_expand():
    # a = w (values [1, 2, 3]); the rows of b are both a; b[1, :2] *= b[1, :2] squares a[0] and a[1].
    # loss = sum(C * b) = sum over columns j of (C[0, j] + C[1, j]) * a_j = 5 a_0 + 7 a_1 + 9 a_2
    # with a = (w0^2, w1^2, w2): d loss / dw = (10 w0, 14 w1, 9) = (10, 28, 9).
    w = mt.tensor([1.0, 2.0, 3.0], dtype=F64, requires_grad=True)
    b = (w * 1.0).unsqueeze(0).expand(2, 3)
    region = b[1, :2]
    region.mul_(region)
    (b * mt.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=F64)).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), [10.0, 28.0, 9.0])


def test_second_derivative_through_a_write_into_an_expand_slice():
    # sum(w * w) written through row 0 of an expand: d/dw = 2w, d2/dw2 = 2 per element.
    w = mt.tensor([1.0, 2.0, 3.0], dtype=F64, requires_grad=True)
    (first,) = mt.autograd.grad((w * 1.0).expand(2, 3)[0].mul_(w).sum(), w, create_graph=True)
    np.testing.assert_allclose(first.detach().numpy(), [2.0, 4.0, 6.0])
    (second,) = mt.autograd.grad(first.sum(), w)
    np.testing.assert_allclose(second.numpy(), [2.0, 2.0, 2.0])


def test_gradcheck_through_a_write_into_an_expand_slice():
    def f(w):
        b = (w * 1.0).unsqueeze(0).expand(3, 2, 2)
        b[2, 0].mul_(w[0].sin())
        return b * mt.arange(12, dtype=F64).reshape(3, 2, 2)

    w = mt.tensor(np.random.default_rng(0).uniform(-1, 1, (2, 2)), dtype=F64, requires_grad=True)
    assert mt.autograd.gradcheck(f, (w,))
