"""Data: datasets, the loader that batches them, and where the built-in ones come from.

    from tinytorch.core.data import DataLoader, load_dataset

    splits = load_dataset("digits")
    for x, y in DataLoader(splits.train, batch_size=64, shuffle=True, seed=0):
        ...  # x: Tensor (64, 64) float32, y: Tensor (64,) int64

Read in this order: `dataset.py` (Dataset, TensorDataset, Subset, random_split),
`loader.py` (DataLoader), `sources.py` (finding and checking files), `datasets.py`
(the built-in datasets and their registration hook).
"""

from tinytorch.core.data.dataset import (
    Dataset,
    DatasetSplits,
    Subset,
    TensorDataset,
    random_split,
)
from tinytorch.core.data.datasets import load_dataset
from tinytorch.core.data.loader import DataLoader
from tinytorch.core.data.sources import (
    ChecksumError,
    DataFile,
    DatasetNotFoundError,
    fetch,
    read_idx,
)

__all__ = [
    "ChecksumError",
    "DataFile",
    "DataLoader",
    "Dataset",
    "DatasetNotFoundError",
    "DatasetSplits",
    "Subset",
    "TensorDataset",
    "fetch",
    "load_dataset",
    "random_split",
    "read_idx",
]
