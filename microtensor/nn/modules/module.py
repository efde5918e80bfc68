"""``mt.nn.modules.module.Module``: PyTorch's import path for the base class (defined in ``mt.nn.module``).

So allowlists and imports written for ``torch.nn.modules.module.Module`` work unchanged.
"""
from ..module import Module

__all__ = ["Module"]
