"""The containers by key: ``ModuleDict`` and ``ParameterDict``.

Entries are registered under their key as the name, so parameter and state_dict names
read ``blocks.conv.weight``, ``params.left`` exactly as in PyTorch. The public home of
these classes is ``nn/modules/container.py``.
"""
from __future__ import annotations

from collections import OrderedDict
from collections import abc
from typing import Any, Iterable, Mapping, Optional, Tuple, Union

from ..module import Module
from ._list_containers import _as_parameter, _describe


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
