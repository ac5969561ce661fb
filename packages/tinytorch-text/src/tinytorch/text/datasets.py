"""Text as a dataset: fixed-length windows of token ids, each target shifted by one.

A language model learns to predict the next token. Cut a window of ``block_size + 1``
ids out of the text: the first ``block_size`` are the input and the last
``block_size`` are the targets, so position t of the target is the token that follows
position t of the input. One window teaches ``block_size`` predictions at once.

Tiny Shakespeare has about a million characters, hence about a million overlapping
windows: far too many for one "epoch" of an epoch-based trainer. `RandomWindows`
instead draws ``windows_per_epoch`` random windows, a fresh seeded draw per epoch
(``set_epoch``), while `ConsecutiveWindows` cuts the validation text into windows that
do not overlap, so the validation loss reads every character once.

The ``tinyshakespeare`` dataset is character level: its `CharTokenizer` is built from
the whole text (65 characters), the first 90% of the text trains and the last 10%
validates (a split by position, not at random: windows must not straddle the two).

Read next: `plugin.py`, which registers this dataset and the ``gpt`` model.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from tinytorch.core.data import DataFile, Dataset, DatasetSplits
from tinytorch.core.data.sources import check_bytes, locate, verify
from tinytorch.text.tokenizers import CharTokenizer

SHAKESPEARE = DataFile(
    "tinyshakespeare.txt",
    "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
    "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
)


class ConsecutiveWindows(Dataset):
    """Windows ``ids[i*b : i*b + b]`` with targets one token later, none overlapping."""

    def __init__(self, ids, block_size: int):
        self.ids, self.block_size = _check_ids(ids, block_size), block_size

    def __len__(self) -> int:
        return (len(self.ids) - 1) // self.block_size

    def __getitem__(self, index):
        start = _check_index(index, len(self)) * self.block_size
        return _window(self.ids, start, self.block_size)


class RandomWindows(Dataset):
    """``windows_per_epoch`` windows at random starts, drawn again for every epoch.

    Item i is a function of (seed, epoch, i), so a rerun sees the same windows. Call
    ``set_epoch(e)`` at the start of epoch e for fresh windows (as PyTorch's
    ``DistributedSampler`` does); without it every epoch reuses epoch 0's draw.
    """

    def __init__(self, ids, block_size: int, windows_per_epoch: int, seed: int = 0):
        if not isinstance(windows_per_epoch, (int, np.integer)) or windows_per_epoch < 1:
            raise ValueError(f"windows_per_epoch must be a positive integer, found {windows_per_epoch!r}")
        self.ids, self.block_size = _check_ids(ids, block_size), block_size
        self.windows_per_epoch, self.seed = int(windows_per_epoch), seed
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch
        rng = np.random.default_rng((self.seed, epoch))
        self.starts = rng.integers(0, len(self.ids) - self.block_size, size=self.windows_per_epoch)

    def __len__(self) -> int:
        return self.windows_per_epoch

    def __getitem__(self, index):
        return _window(self.ids, self.starts[_check_index(index, len(self))], self.block_size)


def _window(ids, start, block_size):
    chunk = ids[start : start + block_size + 1]
    return chunk[:-1], chunk[1:]


def _check_ids(ids, block_size):
    if not isinstance(block_size, (int, np.integer)) or block_size < 1:
        raise ValueError(f"block_size must be a positive integer, found {block_size!r}")
    ids = np.asarray(ids, dtype=np.int64)
    if ids.ndim != 1 or len(ids) <= block_size:
        raise ValueError(
            f"need a 1-D sequence longer than block_size={block_size} to cut windows from, "
            f"found shape {ids.shape}; use a longer text or a smaller block_size"
        )
    return ids


def _check_index(index, length):
    index = int(index)
    if not -length <= index < length:
        raise IndexError(f"window index {index} out of range for {length} windows")
    return index % length


# --- Tiny Shakespeare ---------------------------------------------------------------


def shakespeare_text() -> str:
    """The checked text: ``$TINYTORCH_DATA/tinyshakespeare.txt`` if present, else the
    copy shipped in this package."""
    found = locate(SHAKESPEARE)
    if found is not None:
        return verify(found, SHAKESPEARE).read_text(encoding="utf-8")
    shipped = resources.files("tinytorch.text") / "data" / SHAKESPEARE.path
    data = check_bytes(shipped.read_bytes(), SHAKESPEARE.digest, f"the shipped {shipped}", package="tinytorch-text",
                       alternative=f", or put the file from {SHAKESPEARE.url} in $TINYTORCH_DATA")
    return data.decode("utf-8")


@lru_cache(maxsize=2)
def _encoded(text: str) -> tuple[CharTokenizer, np.ndarray]:
    # Encoding a million characters takes a tenth of a second; do it once a process.
    tokenizer = CharTokenizer.from_text(text)
    ids = np.array(tokenizer.encode(text), dtype=np.int64)
    ids.flags.writeable = False  # shared by every caller
    return tokenizer, ids


def tinyshakespeare(block_size: int = 128, windows_per_epoch: int = 2048, seed: int = 0,
                    test_fraction: float = 0.1) -> DatasetSplits:
    """Character-level Tiny Shakespeare as (input ids, target ids) windows of ``block_size``.

    Train: `RandomWindows` from the first ``1 - test_fraction`` of the text. Test:
    `ConsecutiveWindows` over the rest. ``info`` holds ``vocab_size``, ``block_size`` and
    the ``tokenizer`` (plus ``num_classes`` = vocab size and ``input_shape``).
    """
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), found {test_fraction}")
    tokenizer, ids = _encoded(shakespeare_text())
    cut = int(len(ids) * (1 - test_fraction))
    info = {
        "name": "tinyshakespeare", "vocab_size": tokenizer.vocab_size, "block_size": block_size,
        "tokenizer": tokenizer, "num_classes": tokenizer.vocab_size, "input_shape": (block_size,),
    }
    return DatasetSplits(
        RandomWindows(ids[:cut], block_size, windows_per_epoch, seed),
        ConsecutiveWindows(ids[cut:], block_size),
        info,
    )
