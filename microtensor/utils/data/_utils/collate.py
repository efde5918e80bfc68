"""``default_collate`` and ``default_convert`` (PyTorch's ``torch.utils.data._utils.collate``).

``default_collate`` turns a list of samples into a batch: Tensors are stacked along a new
first dimension, numpy arrays and numpy scalars become Tensors (then stacked), Python
ints an int64 tensor, floats a float64 tensor, bools a bool tensor; strings stay a list;
dicts, named tuples, tuples and lists are collated field by field (a tuple of fields
comes back as a list, as in PyTorch). ``default_convert`` (the collate function when
``batch_size=None``) only turns numpy arrays into Tensors, inside containers too.
"""
import collections.abc
import copy
import re

import numpy as np

from ...._tensor import Tensor
from ....ops.joining import stack

__all__ = ["default_collate", "default_convert"]

_STRING_OR_OBJECT = re.compile(r"[SaUO]")  # numpy dtype codes that cannot become a tensor

_ERROR = "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; found {}"


def default_convert(data):
    """Numpy arrays (anywhere in ``data``) become Tensors; everything else is left as it is."""
    if isinstance(data, Tensor):
        return data
    if isinstance(data, (np.ndarray, np.generic)) and not isinstance(data, (np.str_, np.bytes_)):
        if _STRING_OR_OBJECT.search(data.dtype.str):
            return data
        return Tensor._make(np.asarray(data))
    if isinstance(data, collections.abc.Mapping):
        return _same_mapping(data, {key: default_convert(data[key]) for key in data})
    if isinstance(data, tuple) and hasattr(data, "_fields"):  # a namedtuple
        return type(data)(*(default_convert(field) for field in data))
    if isinstance(data, tuple):
        return [default_convert(field) for field in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        return _same_sequence(data, [default_convert(field) for field in data])
    return data


def default_collate(batch):
    """Combine a list of samples into a batch (see the module docstring)."""
    first = batch[0]
    if isinstance(first, Tensor):
        return _stack_tensors(batch)
    if isinstance(first, np.ndarray):
        if _STRING_OR_OBJECT.search(first.dtype.str):
            raise TypeError(_ERROR.format(first.dtype))
        return _stack_tensors([Tensor._make(np.asarray(sample)) for sample in batch])
    if isinstance(first, np.generic) and not isinstance(first, (np.str_, np.bytes_)):
        return Tensor._make(np.array(batch))
    if isinstance(first, bool):
        return Tensor._make(np.array(batch, dtype=np.bool_))
    if isinstance(first, int):
        return Tensor._make(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, collections.abc.Mapping):
        return _same_mapping(first, {key: default_collate([sample[key] for sample in batch]) for key in first})
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple keeps its type
        return type(first)(*(default_collate(list(field)) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        sizes = sorted({len(sample) for sample in batch})
        if len(sizes) != 1:
            raise RuntimeError(f"each element in list of batch should be of equal size, got sizes {sizes}")
        fields = [default_collate(list(field)) for field in zip(*batch)]
        return fields if isinstance(first, tuple) else _same_sequence(first, fields)
    raise TypeError(_ERROR.format(type(first)))


def _stack_tensors(tensors):
    plain = not any(tensor.requires_grad for tensor in tensors)
    if plain and len({(tensor.shape, tensor.dtype) for tensor in tensors}) == 1:
        return Tensor._make(np.stack([tensor._data for tensor in tensors]))
    return stack(tensors)  # keeps the graph, promotes dtypes and names mismatched shapes


def _same_mapping(like, values):
    """``values`` in a mapping of the type of ``like`` when it can be made, else a dict."""
    try:
        if isinstance(like, collections.abc.MutableMapping):
            clone = copy.copy(like)
            clone.update(values)
            return clone
        return type(like)(values)
    except TypeError:
        return values


def _same_sequence(like, values):
    try:
        if isinstance(like, collections.abc.MutableSequence):
            clone = copy.copy(like)
            clone[:] = values
            return clone
        return type(like)(values)
    except TypeError:
        return values
