"""Containers, as PyTorch's: ``Sequential`` (a pipeline), ``ModuleList``, ``ModuleDict``,
``ParameterList`` and ``ParameterDict``.

Entries are registered under their position (``'0'``, ``'1'``, ...) or their key as the
name, so parameter and state_dict names read ``0.weight``, ``layers.2.bias``,
``params.left`` exactly as in PyTorch. After a deletion or an insertion the positions are
renumbered ``0..len-1``; a slice keeps the original names (``Sequential``) or numbers
afresh (the lists), as PyTorch does. The classes are written in ``_list_containers.py`` (by
position) and ``_dict_containers.py`` (by key).
"""
from ._dict_containers import ModuleDict, ParameterDict
from ._list_containers import ModuleList, ParameterList, Sequential

__all__ = ["ModuleDict", "ModuleList", "ParameterDict", "ParameterList", "Sequential"]

# This file is their public home (PyTorch's ``torch.nn.modules.container``): saved modules and
# pickles name each class by this path, so files written before the split still load.
for _container in (ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential):
    _container.__module__ = __name__
del _container
