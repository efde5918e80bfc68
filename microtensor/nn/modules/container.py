"""Containers: ``Sequential`` (a pipeline) and ``ModuleList`` (an indexable list of modules).

Sub-modules are registered under their position as the name (``'0'``, ``'1'``, ...), so
parameter names read ``0.weight`` as in PyTorch. A slice keeps the original names.
"""
import operator
from collections import OrderedDict

from ..module import Module, _addindent


def _index(container, idx):
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


def _check_module(container, module, method):
    if not isinstance(module, Module):
        raise TypeError(f"{type(container).__name__}.{method}: {type(module).__name__} is not a Module subclass")


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: length, iteration, append/extend, renumbering."""

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def __iadd__(self, modules):
        return self.extend(modules)

    def append(self, module):
        """Add ``module`` at the end; returns self."""
        _check_module(self, module, "append")
        self.add_module(str(len(self)), module)
        return self

    def extend(self, modules):
        """Append each module of ``modules``; returns self."""
        for module in modules:
            self.append(module)
        return self

    def _renumber(self, modules):
        """Register ``modules`` under the names 0..len-1, as PyTorch does after a change."""
        self._modules.clear()
        for position, module in enumerate(modules):
            self._modules[str(position)] = module


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``Sequential(Linear(2, 8), ReLU(), Linear(8, 1))``
    or ``Sequential(OrderedDict([('fc', Linear(2, 8)), ...]))``."""

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                _check_module(self, module, "__init__")
                self.add_module(name, module)
        else:
            for position, module in enumerate(args):
                _check_module(self, module, "__init__")
                self.add_module(str(position), module)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(OrderedDict(list(self._modules.items())[idx]))
        return list(self._modules.values())[_index(self, idx)]

    def __setitem__(self, idx, module):
        _check_module(self, module, "__setitem__")
        key = list(self._modules)[_index(self, idx)]
        self._modules[key] = module

    def __delitem__(self, idx):
        keys = list(self._modules)
        if isinstance(idx, slice):
            for key in keys[idx]:
                del self._modules[key]
        else:
            del self._modules[keys[_index(self, idx)]]
        # renumber, as PyTorch does, so that names stay 0..len-1
        items = list(self._modules.items())
        self._modules.clear()
        for position, (name, module) in enumerate(items):
            self._modules[str(position) if name.isdigit() else name] = module

    def insert(self, index, module):
        """Insert ``module`` before position ``index`` (names are renumbered 0..len-1)."""
        _check_module(self, module, "insert")
        size = len(self)
        if not -size <= index <= size:
            raise IndexError(f"Index out of range: {index} for Sequential of length {size}")
        index = index % (size + 1) if index < 0 else index
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)
        return self

    def forward(self, input):
        for module in self._modules.values():
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules, registered so that their parameters are found; no ``forward``."""

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return type(self)(list(self._modules.values())[idx])
        return self._modules[str(_index(self, idx))]

    def __setitem__(self, idx, module):
        _check_module(self, module, "__setitem__")
        self._modules[str(_index(self, idx))] = module

    def __delitem__(self, idx):
        modules = list(self._modules.values())
        if isinstance(idx, slice):
            del modules[idx]
        else:
            del modules[_index(self, idx)]
        self._renumber(modules)

    def insert(self, index, module):
        """Insert ``module`` before position ``index`` (names are renumbered 0..len-1)."""
        _check_module(self, module, "insert")
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._renumber(modules)

    def __repr__(self):
        # PyTorch collapses runs of identical entries: "(0-2): 3 x Linear(...)"
        if not self._modules:
            return "ModuleList()"
        lines = []
        reprs = [repr(module) for module in self._modules.values()]
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
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"
