"""Checking and normalising ``dim`` arguments, with PyTorch's errors."""
import numpy as np


def normalize_dim(dim, ndim, op_name):
    """A dim in ``[-ndim, ndim)`` as a non-negative int, or an IndexError naming the op."""
    rank = max(ndim, 1)
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op_name}: dim must be an int, got {type(dim).__name__}")
    if not -rank <= dim < rank:
        raise IndexError(
            f"{op_name}: Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})"
        )
    return int(dim) % rank


def normalize_dims(dim, ndim, op_name):
    """``None`` (all dims), an int, or a tuple/list of ints -> tuple of non-negative ints."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (tuple, list)):
        dims = tuple(normalize_dim(d, ndim, op_name) for d in dim)
        if len(set(dims)) != len(dims):
            raise RuntimeError(f"{op_name}: dim {tuple(dim)} appears multiple times in the list of dims")
        return dims
    return (normalize_dim(dim, ndim, op_name),)
