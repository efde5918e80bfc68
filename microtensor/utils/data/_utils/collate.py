"""``default_collate`` and ``default_convert`` (PyTorch's ``torch.utils.data._utils.collate``).

``default_collate`` turns a list of samples into a batch: Tensors are stacked along a new
first dimension, numpy arrays and numpy scalars become Tensors (then stacked). Python
numbers become one tensor: a batch that starts with a float is float64; one that starts
with an int or a bool is ``mt.tensor(batch)``, so ints (and bools with them) are int64,
bools alone bool, and a float anywhere makes it the default float dtype (``[1, 2.5]`` is
``tensor([1.0, 2.5])``, never truncated). Strings are left as the batch they came in (a
list at the top, the transposed tuple inside samples); dicts, named tuples, tuples and
lists are collated field by field (a tuple of fields comes back as a list, as in PyTorch). ``default_convert`` (the collate function when
``batch_size=None``) only turns numpy arrays into Tensors, inside containers too.
"""
import collections.abc
import copy
import re

import numpy as np

from ...._tensor import Tensor
from ....creation import tensor
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
    if isinstance(first, int):  # bools too: what mt.tensor infers, as torch.tensor(batch) does
        return tensor(list(batch))
    if isinstance(first, float):
        return Tensor._make(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return batch
    if isinstance(first, collections.abc.Mapping):
        return _same_mapping(first, {key: default_collate([sample[key] for sample in batch]) for key in first})
    if isinstance(first, tuple) and hasattr(first, "_fields"):  # a namedtuple keeps its type
        return type(first)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(first, collections.abc.Sequence):
        sizes = sorted({len(sample) for sample in batch})
        if len(sizes) != 1:
            raise RuntimeError(f"each element in list of batch should be of equal size, got sizes {sizes}")
        fields = [default_collate(field) for field in zip(*batch)]
        return fields if isinstance(first, tuple) else _same_sequence(first, fields)
    raise TypeError(_ERROR.format(type(first)))


def _stack_tensors(tensors):
    for position, item in enumerate(tensors):
        if not isinstance(item, Tensor):
            raise TypeError(
                f"default_collate: expected Tensor as element {position} of the batch, but got "
                f"{type(item).__module__}.{type(item).__name__}; make every sample's field the same kind"
            )
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
