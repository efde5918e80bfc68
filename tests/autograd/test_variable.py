"""``mt.autograd.Variable``, the pre-0.4 PyTorch name old tutorials still import."""
import numpy as np
import pytest

import microtensor as mt
from microtensor.autograd import Variable


def test_variable_makes_a_leaf_on_the_same_memory():
    t = mt.tensor([1.0, 2.0])
    v = Variable(t, requires_grad=True)
    assert v is not t and v.is_leaf and v.requires_grad and not t.requires_grad
    (v * v).sum().backward()
    np.testing.assert_array_equal(v.grad.numpy(), [2.0, 4.0])
    plain = Variable(t)
    assert not plain.requires_grad
    plain.add_(1)
    np.testing.assert_array_equal(t.numpy(), [2.0, 3.0])  # shares t's memory


def test_variable_of_a_graph_tensor_is_cut_from_the_graph():
    x = mt.tensor([1.0, 2.0], requires_grad=True)
    v = Variable(x * 2)
    assert v.grad_fn is None and not v.requires_grad


def test_every_tensor_is_a_variable_and_only_tensors_make_one():
    assert isinstance(mt.zeros(2), Variable) and not isinstance([1.0], Variable)
    with pytest.raises(TypeError, match="has to be a tensor, but got list"):
        Variable([1.0, 2.0])
    with pytest.warns(UserWarning, match="volatile"):
        assert not Variable(mt.zeros(1), volatile=True).requires_grad
