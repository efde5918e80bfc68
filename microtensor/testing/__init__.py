"""``mt.testing``: ``assert_close`` and ``make_tensor``, as ``torch.testing`` has them.

``assert_close(actual, expected)`` compares tensors, numpy arrays, numbers and nested
lists/tuples/dicts of them with PyTorch's default tolerances per dtype and raises an
AssertionError laid out as PyTorch's (how many elements differ, the greatest absolute and
relative difference and where). ``make_tensor(2, 3, dtype=mt.float64, device="cpu")`` draws a
random tensor for a test, from microtensor's seeded generator.
"""
from ._comparison import assert_close
from ._make_tensor import make_tensor

__all__ = ["assert_close", "make_tensor"]
