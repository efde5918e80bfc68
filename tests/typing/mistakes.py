"""Calls mypy must reject: ``check_mistakes.py`` checks that each marked line is reported.

Every line that ends in an ``error:`` comment holds one mistake a user could make; the check
fails if mypy passes any of them (then the hints are too loose to catch it) or reports a
line that is not marked.
"""
from __future__ import annotations

import microtensor as mt
import microtensor.nn.functional as F
from microtensor import Tensor

x = mt.zeros(2, 3)
mt.zeros("a")  # error: a shape is ints
mt.tensor([1.0], requires_grad="yes")  # error: requires_grad is a bool
x.sum(dim="0")  # error: dims are ints
mt.cat(x, x)  # error: cat takes a sequence of tensors, then a dim
x.reshape(2.5)  # error: a shape is ints
count: str = x.numel()  # error: numel() is an int
y: int = x + 1  # error: arithmetic gives a Tensor
x.backward(retain_graph="no")  # error: retain_graph is a bool
mt.matmul(x, 2.0)  # error: matmul needs two tensors
mt.exp(x, out=3)  # error: out= takes a Tensor
z: Tensor = x.allclose(x)  # error: allclose gives a bool
x.to(dtype=[1])  # error: not a dtype
pooled: Tensor = F.max_pool2d(x, 2, return_indices=True)  # error: a (values, indices) pair
mt.nn.Linear("3", 4)  # error: in_features is an int
mt.optim.SGD([x], lr="fast")  # error: lr is a float
mt.nn.Conv2d(1, 2, kernel_size=3, padding=1.5)  # error: padding is ints or a string
mt.utils.data.DataLoader(mt.utils.data.TensorDataset(x), batch_size="4")  # error: batch_size is an int
