"""Helpers of the data loader, laid out as PyTorch's ``torch.utils.data._utils``."""
from . import collate  # noqa: F401
