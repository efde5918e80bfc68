"""Containers, as PyTorch's: ``Sequential`` (a pipeline), ``ModuleList``, ``ModuleDict``,
``ParameterList`` and ``ParameterDict``.

Entries are registered under their position (``'0'``, ``'1'``, ...) or their key as the
name, so parameter and state_dict names read ``0.weight``, ``layers.2.bias``,
``params.left`` exactly as in PyTorch. After a deletion or an insertion the positions are
renumbered ``0..len-1``; a slice keeps the original names (``Sequential``) or numbers
afresh (the lists), as PyTorch does.
"""
from __future__ import annotations

import operator
from collections import OrderedDict
from collections import abc
from itertools import chain
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

from ..._tensor import Tensor
from ..module import Module, _addindent
from ..parameter import Parameter


def _absolute_index(container, idx):
    """A position in ``[0, len)`` from an int index (negative counts from the end)."""
    try:
        idx = operator.index(idx)
    except TypeError:
        raise TypeError(
            f"{type(container).__name__} indices must be integers or slices, not {type(idx).__name__}"
        ) from None
    size = len(container)
    if not -size <= idx < size:
        raise IndexError(f"index {idx} is out of range for {type(container).__name__} of length {size}")
    return idx % size


def _renumber(container, modules):
    """Register ``modules`` under the names 0..len-1, as PyTorch does after a deletion or insertion."""
    container._modules.clear()
    for position, module in enumerate(modules):
        container._modules[str(position)] = module


def _check_positive_int(container, factor):
    if not isinstance(factor, int) or isinstance(factor, bool):
        raise TypeError(f"unsupported operand type(s) for *: {type(container)} and {type(factor)}")
    if factor <= 0:
        raise ValueError(f"Non-positive multiplication factor {factor} for {type(container)}")


def _insert(container, index, module):
    """Python's ``list.insert`` semantics, then renumbering."""
    modules = list(container._modules.values())
    modules.insert(operator.index(index), module)
    _renumber(container, modules)


# ------------------------------------------------------------------ Sequential
class Sequential(Module):
    """Modules applied one after another: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``
    or, with names, ``Sequential(OrderedDict([('fc', Linear(2, 8)), ('act', ReLU())]))``."""

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for position, module in enumerate(args):
                self.add_module(str(position), module)

    def _key_at(self, idx):
        return list(self._modules)[_absolute_index(self, idx)]

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(OrderedDict(list(self._modules.items())[idx]))
        return self._modules[self._key_at(idx)]

    def __setitem__(self, idx, module):
        setattr(self, self._key_at(idx), module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for key in list(self._modules)[idx]:
                del self._modules[key]
        else:
            del self._modules[self._key_at(idx)]
        _renumber(self, list(self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def __add__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        combined = Sequential()
        for module in chain(self, other):
            combined.append(module)
        return combined

    def __iadd__(self, other):
        if not isinstance(other, Sequential):
            raise ValueError(f"add operator supports only objects of Sequential class, but {type(other)} is given.")
        return self.extend(list(other))

    def __mul__(self, factor):
        _check_positive_int(self, factor)
        combined = Sequential()
        for _ in range(factor):
            combined.extend(self)
        return combined

    def __rmul__(self, factor):
        return self.__mul__(factor)

    def __imul__(self, factor):
        _check_positive_int(self, factor)
        return self.extend(list(self) * (factor - 1))

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, sequential):
        """Append each module of ``sequential``; returns self."""
        for module in sequential:
            self.append(module)
        return self

    def insert(self, index, module):
        """Insert ``module`` before position ``index`` (``-len <= index <= len``); returns self."""
        if not isinstance(module, Module):
            raise AssertionError(f"module should be of type: Module, got {type(module).__name__}")
        size = len(self)
        if not -size <= index <= size:
            raise IndexError(f"Index out of range: {index}")
        _insert(self, index, module)
        return self

    def pop(self, key):
        """Remove and return the module at position ``key``."""
        module = self[key]
        del self[key]
        return module

    def forward(self, input: Any) -> Any:
        for module in self:
            input = module(input)
        return input


# ------------------------------------------------------------------ ModuleList
class ModuleList(Module):
    """A list of modules, registered so that their parameters are found; it has no ``forward``."""

    def __init__(self, modules: Optional[Iterable[Module]] = None) -> None:
        super().__init__()
        if modules is not None:
            self += modules

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__(list(self._modules.values())[idx])
        return self._modules[str(_absolute_index(self, idx))]

    def __setitem__(self, idx, module):
        setattr(self, str(_absolute_index(self, idx)), module)

    def __delitem__(self, idx):
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[_absolute_index(self, idx)]
        _renumber(self, modules)

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def __add__(self, other):
        combined = ModuleList()
        for position, module in enumerate(chain(self, other)):
            combined.add_module(str(position), module)
        return combined

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append each module of ``modules``; returns self."""
        if not isinstance(modules, abc.Iterable):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got {type(modules).__name__}")
        for module in modules:
            self.append(module)
        return self

    def insert(self, index, module):
        """Insert ``module`` before position ``index`` (as ``list.insert``; names are renumbered)."""
        if not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        _insert(self, index, module)

    def pop(self, key):
        """Remove and return the module at position ``key``."""
        module = self[key]
        del self[key]
        return module

    def __repr__(self):
        # PyTorch collapses runs of identical entries: "(0-2): 3 x Linear(...)"
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        lines = []
        start = 0
        while start < len(reprs):
            end = start
            while end + 1 < len(reprs) and reprs[end + 1] == reprs[start]:
                end += 1
            text = _addindent(reprs[start], 2)
            if end == start:
                lines.append(f"({start}): {text}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {text}")
            start = end + 1
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


# ------------------------------------------------------------------ ModuleDict
def _pairs(container, values):
    """``(key, value)`` pairs from a mapping or an iterable of pairs, with PyTorch's checks and order."""
    name = type(container).__name__
    if not isinstance(values, abc.Iterable):
        update = "ParametersDict" if isinstance(container, ParameterDict) else name
        raise TypeError(
            f"{update}.update should be called with an iterable of key/value pairs, but got {type(values).__name__}"
        )
    if isinstance(values, (OrderedDict, ModuleDict, ParameterDict)):
        return list(values.items())
    if isinstance(values, abc.Mapping):
        # PyTorch keeps a plain dict's order for modules but sorts it for parameters.
        items = list(values.items())
        return sorted(items) if isinstance(container, ParameterDict) else items
    pairs = []
    for number, pair in enumerate(values):
        if not isinstance(pair, abc.Iterable):
            raise TypeError(f"{name} update sequence element #{number} should be Iterable; is{type(pair).__name__}")
        pair = tuple(pair)
        if len(pair) != 2:
            raise ValueError(f"{name} update sequence element #{number} has length {len(pair)}; 2 is required")
        pairs.append(pair)
    return pairs


class ModuleDict(Module):
    """A dict of modules (insertion order), registered under their keys: ``ModuleDict({'conv': ..., 'act': ...})``.

    ``d['key']``, ``d['key'] = module``, ``del d['key']``, ``in``, ``len``, iteration over
    the keys, ``keys()``, ``items()``, ``values()``, ``update()``, ``pop()``, ``clear()``.
    """

    def __init__(self, modules: Optional[Union[Mapping[str, Module], Iterable[Tuple[str, Module]]]] = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def clear(self):
        """Remove every module."""
        self._modules.clear()

    def pop(self, key):
        """Remove the module under ``key`` and return it."""
        module = self[key]
        del self[key]
        return module

    def keys(self):
        """The keys, in insertion order."""
        return self._modules.keys()

    def items(self):
        """``(key, module)`` pairs, in insertion order."""
        return self._modules.items()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def update(self, modules):
        """Add (or replace) the entries of a mapping or of an iterable of ``(key, module)`` pairs."""
        for key, module in _pairs(self, modules):
            self[key] = module


# --------------------------------------------------------------- ParameterList
def _describe(value):
    """One line of a ParameterList/ParameterDict repr: ``Parameter containing: [microtensor.float32 of size 2x3]``."""
    if isinstance(value, Tensor):
        kind = "Parameter" if isinstance(value, Parameter) else "Tensor"
        size = "x".join(str(side) for side in value.shape)
        return f"{kind} containing: [microtensor.{value.dtype} of size {size}]"
    return f"Object of type: {type(value).__name__}"


def _as_parameter(value):
    """Tensors become Parameters (sharing memory), as in PyTorch; other objects are kept as they are."""
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    """A list of parameters registered under ``'0'``, ``'1'``, ... (Tensors are turned into Parameters)."""

    def __init__(self, values: Optional[Iterable[Any]] = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self += values

    def _attribute(self, idx):
        return str(_absolute_index(self, idx))

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self.__class__([self[position] for position in range(len(self))[idx]])
        return getattr(self, self._attribute(idx))

    def __setitem__(self, idx, value):
        setattr(self, self._attribute(idx), _as_parameter(value))

    def __len__(self):
        return self._size

    def __iter__(self):
        return (self[position] for position in range(len(self)))

    def __iadd__(self, values):
        return self.extend(values)

    def __dir__(self):
        return [key for key in super().__dir__() if not key.isdigit()]

    def append(self, value):
        """Add ``value`` at the end (a Tensor becomes a Parameter); returns self."""
        position = len(self)
        self._size += 1
        self[position] = value
        return self

    def extend(self, values):
        """Append each entry of ``values``; returns self."""
        if not isinstance(values, abc.Iterable) or isinstance(values, Tensor):
            raise TypeError(f"ParameterList.extend should be called with an iterable, but got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self

    def extra_repr(self):
        return "\n".join(f"  ({position}): {_describe(value)}" for position, value in enumerate(self))

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterList should not be called.")


# --------------------------------------------------------------- ParameterDict
class ParameterDict(Module):
    """An ordered dict of parameters registered under their keys (Tensors are turned into Parameters).

    Plain ``dict`` arguments are added in sorted key order, ``OrderedDict``, ``ParameterDict``
    and iterables of pairs in their own order, as in PyTorch.
    """

    def __init__(self, parameters: Optional[Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]] = None) -> None:
        super().__init__()
        self._keys = {}
        if parameters is not None:
            self.update(parameters)

    @staticmethod
    def _key_to_attr(key):
        if not isinstance(key, str):
            raise TypeError(
                f"Index given to ParameterDict cannot be used as a key as it is not a string "
                f"(type is '{type(key).__name__}')."
            )
        return key

    def __getitem__(self, key):
        attribute = self._key_to_attr(key)
        if key not in self._keys:
            raise AttributeError(f"'ParameterDict' object has no attribute '{key}' (keys: {list(self._keys)})")
        return getattr(self, attribute)

    def __setitem__(self, key, value):
        attribute = self._key_to_attr(key)
        self._keys[key] = None
        setattr(self, attribute, _as_parameter(value))

    def __delitem__(self, key):
        attribute = self._key_to_attr(key)
        del self._keys[key]
        delattr(self, attribute)

    def __len__(self):
        return len(self._keys)

    def __iter__(self):
        return iter(self._keys)

    def __reversed__(self):
        return reversed(list(self._keys))

    def __contains__(self, key):
        return key in self._keys

    def copy(self):
        """A new ParameterDict holding the same parameters."""
        return ParameterDict(OrderedDict((key, self[key]) for key in self._keys))

    def setdefault(self, key, default=None):
        """``self[key]``, first setting it to ``default`` if the key is absent."""
        if key not in self:
            self[key] = default
        return self[key]

    def clear(self):
        """Remove every entry."""
        for key in list(self._keys):
            del self[key]

    def pop(self, key):
        """Remove the entry under ``key`` and return it."""
        value = self[key]
        del self[key]
        return value

    def popitem(self):
        """Remove and return the last inserted ``(key, value)`` pair."""
        if not self._keys:
            raise KeyError("popitem(): ParameterDict is empty")
        key = next(reversed(list(self._keys)))
        return key, self.pop(key)

    def get(self, key, default=None):
        """``self[key]`` if the key is present, else ``default``."""
        return self[key] if key in self else default

    def fromkeys(self, keys, default=None):
        """A new ParameterDict with ``keys``, each set to ``default``."""
        return ParameterDict((key, default) for key in keys)

    def keys(self):
        """The keys, in insertion order."""
        return self._keys.keys()

    def items(self):
        """``(key, value)`` pairs, in insertion order."""
        return ((key, self[key]) for key in self._keys)

    def values(self):
        """The values, in insertion order."""
        return (self[key] for key in self._keys)

    def update(self, parameters):
        """Add (or replace) the entries of a mapping or of an iterable of ``(key, value)`` pairs."""
        for key, value in _pairs(self, parameters):
            self[key] = value

    def extra_repr(self):
        return "\n".join(f"  ({key}): {_describe(value)}" for key, value in self.items())

    def __call__(self, *args, **kwargs):
        raise RuntimeError("ParameterDict should not be called.")

    def __or__(self, other):
        combined = self.copy()
        combined.update(other)
        return combined

    def __ror__(self, other):
        combined = other.copy()
        combined.update(self)
        return combined

    def __ior__(self, other):
        self.update(other)
        return self
