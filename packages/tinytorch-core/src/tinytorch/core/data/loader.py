"""DataLoader: turn a Dataset into a stream of batches.

One pass over a `DataLoader` is one epoch. Each batch is a tuple of `Tensor`s, the
dataset's fields stacked along a new axis 0: for a dataset of ``(image, label)`` pairs a
batch is ``(images[B, ...], labels[B])``.

Shuffling is reproducible: with ``seed=s`` epoch e uses the permutation drawn from
``(s, e)``, so every epoch differs and a rerun repeats them all. With ``seed=None`` each
epoch draws fresh randomness from the operating system.

Speed: gathering a batch one ``dataset[i]`` call at a time costs a Python call per
example. When the data lives in a `TensorDataset` (or a `Subset` of one) the loader
instead indexes each array once with the whole batch's index array, one NumPy call per
field. On MNIST that is the difference between seconds and milliseconds per epoch.

Read next: `sources.py` and `datasets.py`, where the built-in datasets come from.
"""

from __future__ import annotations

import math

import numpy as np

from tinytorch.core.data.dataset import Dataset, Subset, TensorDataset
from tinytorch.core.tensor import Tensor


class DataLoader:
    """Batches of `batch_size` examples from `dataset`, as tuples of Tensors.

    `drop_last` drops a final batch smaller than `batch_size`. `epoch` counts the passes
    started so far; set it to resume a shuffled run where it left off.
    """

    def __init__(self, dataset: Dataset, batch_size: int = 1, shuffle: bool = False,
                 seed: int | None = None, drop_last: bool = False):
        if not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, found {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.seed = seed
        self.drop_last = drop_last
        self.epoch = 0

    def __len__(self) -> int:
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

    def __iter__(self):
        # Draw the order now, not at the first next(), so the epoch counter moves exactly
        # once per iter() call.
        order = self._order(self.epoch)
        if hasattr(self.dataset, "set_epoch"):  # datasets that draw fresh samples each epoch
            self.dataset.set_epoch(self.epoch)
        self.epoch += 1
        return self._batches(order)

    def _order(self, epoch: int) -> np.ndarray:
        # region 08 dataloader: no shuffle: 0..n-1; else a permutation seeded by (seed, epoch), so each epoch differs
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        seed = None if self.seed is None else (self.seed, epoch)
        return np.random.default_rng(seed).permutation(n)
        # endregion

    def _batches(self, order: np.ndarray):
        arrays, rows = _underlying_arrays(self.dataset)
        # region 08 dataloader: batch b is order[b * batch_size : (b + 1) * batch_size]; index the arrays, or collate items
        for b in range(len(self)):
            batch = order[b * self.batch_size : (b + 1) * self.batch_size]
            if arrays is not None:
                index = batch if rows is None else rows[batch]
                yield tuple(Tensor(a[index]) for a in arrays)
            else:
                yield _collate([self.dataset[int(i)] for i in batch])
        # endregion


def _underlying_arrays(dataset):
    """For a TensorDataset, or Subsets of one: its arrays and the rows the view selects.

    Returns ``(None, None)`` for any other dataset, including a TensorDataset subclass
    that overrides __getitem__ (bypassing it would skip the subclass's own logic).
    """
    rows = None
    while isinstance(dataset, Subset) and type(dataset).__getitem__ is Subset.__getitem__:
        rows = dataset.indices if rows is None else dataset.indices[rows]
        dataset = dataset.dataset
    if isinstance(dataset, TensorDataset) and (
        type(dataset).__getitem__ is TensorDataset.__getitem__
    ):
        return dataset.arrays, rows
    return None, None


def _collate(items: list) -> tuple:
    """Stack a list of items field by field: [(x0, y0), (x1, y1)] -> (Tensor[x0, x1], ...)."""
    items = [item if isinstance(item, tuple) else (item,) for item in items]
    return tuple(
        Tensor(np.stack([v.data if isinstance(v, Tensor) else np.asarray(v) for v in field]))
        for field in zip(*items)
    )
