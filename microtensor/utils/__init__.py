"""Utilities: ``mt.utils.data`` (datasets and the DataLoader), ``mt.utils.checkpoint`` (activation checkpointing)."""
from . import checkpoint, data

__all__ = ["checkpoint", "data"]
