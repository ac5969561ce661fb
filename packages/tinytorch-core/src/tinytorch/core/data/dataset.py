"""Datasets: anything with a length that hands out example number i.

A `Dataset` is the smallest contract a training loop needs: ``len(ds)`` and ``ds[i]``.
`TensorDataset` is the one almost everything uses: a few arrays that share their first
dimension (inputs, labels), where example i is row i of each. `Subset` is a view onto
some rows of another dataset, and `random_split` cuts a dataset into disjoint Subsets.

Items are plain NumPy values; turning a batch of them into `Tensor`s is the loader's job.

Read next: `loader.py`, which batches and shuffles a Dataset.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from tinytorch.core.tensor import Tensor


class Dataset(ABC):
    """Subclass and define `__len__` and `__getitem__` (returning a tuple of fields)."""

    @abstractmethod
    def __len__(self) -> int: ...

    @abstractmethod
    def __getitem__(self, index): ...


class TensorDataset(Dataset):
    """Arrays (or Tensors) of equal length; item i is ``(a[i], b[i], ...)``.

    >>> ds = TensorDataset(np.zeros((5, 2), np.float32), np.arange(5))
    >>> len(ds)
    5
    >>> x, y = ds[1]  # row 1 of each array
    """

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array, found none")
        # Store NumPy arrays: indexing them is what the loader's fast path does.
        self.arrays = tuple(a.data if isinstance(a, Tensor) else np.asarray(a) for a in arrays)
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset array {i} is a scalar; expected a first dimension")
            if len(a) != len(self.arrays[0]):
                raise ValueError(
                    "TensorDataset arrays must have the same first dimension: "
                    f"array 0 has length {len(self.arrays[0])}, array {i} has length {len(a)}"
                )

    def __len__(self) -> int:
        return len(self.arrays[0])

    def __getitem__(self, index):
        return tuple(a[index] for a in self.arrays)


class Subset(Dataset):
    """The examples of `dataset` at `indices`, in that order (no copy of the data)."""

    def __init__(self, dataset: Dataset, indices):
        self.dataset = dataset
        self.indices = np.asarray(indices, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index):
        return self.dataset[self.indices[index]]


def random_split(dataset: Dataset, lengths, seed: int = 0) -> list[Subset]:
    """Shuffle `dataset` with `seed` and cut it into disjoint Subsets.

    `lengths` are either counts summing to ``len(dataset)`` (``[800, 200]``) or
    fractions summing to 1 (``[0.8, 0.2]``); rows left over from rounding fractions
    down go one each to the first splits.
    """
    n = len(dataset)
    if all(isinstance(k, (int, np.integer)) for k in lengths):
        counts = [int(k) for k in lengths]
        if sum(counts) != n or min(counts) < 0:
            raise ValueError(
                f"random_split lengths must be non-negative and sum to the dataset's "
                f"length {n}; found {counts} (sum {sum(counts)})"
            )
    else:
        if abs(sum(lengths) - 1) > 1e-6 or min(lengths) < 0:
            raise ValueError(
                f"random_split fractions must be non-negative and sum to 1; "
                f"found {list(lengths)} (sum {sum(lengths)})"
            )
        counts = [int(np.floor(f * n)) for f in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
    order = np.random.default_rng(seed).permutation(n)
    ends = np.cumsum(counts)
    return [Subset(dataset, order[end - k : end]) for k, end in zip(counts, ends)]


@dataclass
class DatasetSplits:
    """What a dataset factory returns: train and test Datasets, and facts about them.

    `info` holds at least ``name``, ``num_classes`` and ``input_shape`` (of one example),
    which is what a model builder needs to size its first and last layers.
    """

    train: Dataset
    test: Dataset
    info: dict = field(default_factory=dict)
