"""``mt.utils.data``, laid out as PyTorch's ``torch.utils.data``: datasets (``dataset``),
samplers (``sampler``), the ``DataLoader`` (``dataloader``) and ``default_collate``
(``_utils.collate``)."""
from . import dataloader, dataset, sampler
from ._utils.collate import default_collate, default_convert
from .dataloader import DataLoader, get_worker_info
from .dataset import ChainDataset, ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from .sampler import (
    BatchSampler, RandomSampler, Sampler, SequentialSampler, SubsetRandomSampler, WeightedRandomSampler,
)

__all__ = [
    "BatchSampler", "ChainDataset", "ConcatDataset", "DataLoader", "Dataset", "IterableDataset", "RandomSampler",
    "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler", "TensorDataset", "WeightedRandomSampler",
    "dataloader", "dataset", "default_collate", "default_convert", "get_worker_info", "random_split", "sampler",
]
