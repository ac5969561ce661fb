"""CIFAR-10: 60,000 32x32 colour photos in 10 classes, read from the published archive.

The binary version, ``cifar-10-binary.tar.gz`` (170,052,171 bytes, md5
``c32a1d4ab5d03f1284b67883e8d87530``), holds ``cifar-10-batches-bin/data_batch_1.bin`` to
``data_batch_5.bin`` (the 50,000 training images) and ``test_batch.bin`` (10,000). Each
file is a run of 3,073-byte records: one label byte (0-9), then 1,024 red, 1,024 green
and 1,024 blue bytes, each a 32x32 image row by row. So a batch file is just a
``(N, 3073)`` uint8 array: column 0 is the label, the rest reshape to ``(3, 32, 32)``.

The archive is read as a stream (``tarfile`` mode ``"r|gz"``): one member at a time is
decompressed and decoded, so the unpacked archive never sits in memory, only the
decoded uint8 images (184 MB; as float32 they would be four times that, so pixels are
converted one example at a time, in `CifarImages`).

**Augmentation**, the usual one for CIFAR: each training image is padded by 4 pixels,
cropped back to 32x32 at a random offset, and flipped left-right half of the time. The
draws are made per epoch (``set_epoch``, which the `DataLoader` calls), so every epoch
sees different versions of each photo, and a rerun sees the same ones.

Read next: `datasets.py`, which registers ``cifar10`` beside MNIST.
"""

from __future__ import annotations

import tarfile

import numpy as np

from tinytorch.core.data.dataset import Dataset, DatasetSplits
from tinytorch.core.data.sources import DataFile, DatasetNotFoundError, cache_dir, data_dir, fetch

CIFAR10 = DataFile("cifar10/cifar-10-binary.tar.gz", "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz",
                   "c32a1d4ab5d03f1284b67883e8d87530", algorithm="md5")
CLASSES = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
RECORD = 1 + 3 * 32 * 32
TRAIN_MEMBERS = tuple(f"cifar-10-batches-bin/data_batch_{i}.bin" for i in range(1, 6))
TEST_MEMBER = "cifar-10-batches-bin/test_batch.bin"
# Per-channel mean and std of the training pixels (scaled to [0, 1]), the usual values.
MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32).reshape(3, 1, 1)
STD = np.array([0.2470, 0.2435, 0.2616], dtype=np.float32).reshape(3, 1, 1)
PAD = 4  # pixels of zero padding around an image before the random crop


def read_archive(path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``{member name: (images (N, 3, 32, 32) uint8, labels (N,) int64)}`` of every batch
    file in the archive at ``path``, read member by member from the gzip stream."""
    batches = {}
    with tarfile.open(path, "r|gz") as archive:
        for member in archive:
            if member.name not in TRAIN_MEMBERS + (TEST_MEMBER,):
                continue  # batches.meta.txt, readme.html
            raw = archive.extractfile(member).read()
            if len(raw) % RECORD:
                raise ValueError(f"{path}: {member.name} holds {len(raw)} bytes, not a whole number of "
                                 f"{RECORD}-byte CIFAR-10 records; the archive is damaged")
            records = np.frombuffer(raw, dtype=np.uint8).reshape(-1, RECORD)
            batches[member.name] = (records[:, 1:].reshape(-1, 3, 32, 32), records[:, 0].astype(np.int64))
    missing = [name for name in TRAIN_MEMBERS + (TEST_MEMBER,) if name not in batches]
    if missing:
        raise ValueError(f"{path}: not the CIFAR-10 binary archive, it lacks {', '.join(missing)}")
    return batches


class CifarImages(Dataset):
    """uint8 images as normalised float32 ``(3, 32, 32)`` inputs, optionally augmented
    (random crop after padding by 4, and a left-right flip half of the time)."""

    def __init__(self, images, labels, augment: bool = False, seed: int = 0):
        self.images, self.labels, self.augment, self.seed = images, labels, augment, seed
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        rng = np.random.default_rng((self.seed, epoch))
        self.offsets = rng.integers(0, 2 * PAD + 1, size=(len(self), 2))  # crop corner in the padded image
        self.flips = rng.random(len(self)) < 0.5

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index):
        image = self.images[index].astype(np.float32) / 255.0
        image = (image - MEAN) / STD
        if self.augment:
            # Pad after normalising, so the border is the mean colour (0), as a zero-padded
            # convolution would see it.
            top, left = self.offsets[index]
            image = np.pad(image, ((0, 0), (PAD, PAD), (PAD, PAD)))[:, top:top + 32, left:left + 32]
            if self.flips[index]:
                image = image[:, :, ::-1]
        return np.ascontiguousarray(image), self.labels[index]


def cifar10(augment: bool = True, limit: int | None = None, seed: int = 0) -> DatasetSplits:
    """CIFAR-10 from ``$TINYTORCH_DATA/cifar10/cifar-10-binary.tar.gz`` (or the cache, or a
    checked download): 50,000 training images (augmented unless ``augment=False``; the
    first ``limit`` only, if given) and the 10,000 test images, labels 0..9."""
    try:
        (path,) = fetch([CIFAR10])
    except DatasetNotFoundError:
        # One line: the archive, where it is published, where to put it.
        where = (data_dir() or cache_dir()) / CIFAR10.path
        raise DatasetNotFoundError(
            f"CIFAR-10 is not on this machine and could not be downloaded: put {CIFAR10.url} "
            f"(170,052,171 bytes, md5 {CIFAR10.digest}) at {where}", [CIFAR10],
        ) from None
    batches = read_archive(path)
    images = np.concatenate([batches[name][0] for name in TRAIN_MEMBERS])[:limit]
    labels = np.concatenate([batches[name][1] for name in TRAIN_MEMBERS])[:limit]
    info = {"name": "cifar10", "num_classes": 10, "input_shape": (3, 32, 32), "classes": CLASSES}
    return DatasetSplits(CifarImages(images, labels, augment, seed), CifarImages(*batches[TEST_MEMBER]), info)
