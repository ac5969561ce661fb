"""``torch.utils.data``: ``tinytorch.core.data``'s datasets and loader, with PyTorch's arguments.

``Dataset``, ``TensorDataset`` and ``Subset`` are the core's. ``DataLoader`` accepts
PyTorch's performance hints (``num_workers``, ``pin_memory``, ``persistent_workers``),
which change nothing here (one process, no GPU memory), and when ``shuffle=True`` draws
its seed from the generator ``torch.manual_seed`` seeds, so a seeded script shuffles
the same way every run; ``random_split`` draws its seed the same way.

Read next: ``tinytorch.core.data.loader``.
"""

from tinytorch.core.data import DataLoader as _DataLoader
from tinytorch.core.data import Dataset, Subset, TensorDataset  # noqa: F401
from tinytorch.core.data import random_split as _random_split
from tinytorch.nn import init as _init


class DataLoader(_DataLoader):
    def __init__(self, dataset, batch_size=1, shuffle=False, num_workers=0, pin_memory=False, drop_last=False,
                 persistent_workers=False, collate_fn=None, sampler=None, seed=None):
        if collate_fn is not None or sampler is not None:
            raise NotImplementedError("DataLoader: collate_fn and sampler are not supported; items are "
                                      "stacked field by field, in order or shuffled")
        if shuffle and seed is None:
            seed = int(_init.generator().integers(2**63))
        super().__init__(dataset, batch_size=batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)


def random_split(dataset, lengths, generator=None):
    """Split into non-overlapping Subsets of the given lengths (or fractions summing to 1),
    shuffled by the generator ``torch.manual_seed`` seeds (``generator=`` is not used)."""
    return _random_split(dataset, lengths, seed=int(_init.generator().integers(2**63)))
