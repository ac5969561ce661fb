"""CIFAR-10: the binary archive format, its checksum, the message when it is missing, augmentation."""

import io
import tarfile

import numpy as np
import pytest

from tinytorch.core.data import ChecksumError, DatasetNotFoundError, cifar, sources


def write_archive(path, records_per_batch=3):
    """A small archive in the real layout: five train batches, a test batch, a meta file."""
    rng = np.random.default_rng(0)
    written = {}
    with tarfile.open(path, "w:gz") as archive:
        for name in cifar.TRAIN_MEMBERS + (cifar.TEST_MEMBER, "cifar-10-batches-bin/batches.meta.txt"):
            records = rng.integers(0, 256, size=(records_per_batch, cifar.RECORD), dtype=np.uint8)
            records[:, 0] %= 10
            data = records.tobytes()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            written[name] = records
    return written


def test_records_are_a_label_then_red_green_blue_planes(tmp_path):
    written = write_archive(tmp_path / "c.tar.gz")
    batches = cifar.read_archive(tmp_path / "c.tar.gz")
    images, labels = batches[cifar.TEST_MEMBER]
    record = written[cifar.TEST_MEMBER][1]
    assert images.shape == (3, 3, 32, 32) and labels[1] == record[0]
    assert images[1, 1, 0, 5] == record[1 + 1024 + 5]  # green plane, row 0, column 5
    assert images[1, 2, 31, 31] == record[-1]


def test_a_damaged_batch_is_named(tmp_path):
    path = tmp_path / "c.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(cifar.TEST_MEMBER)
        info.size = 100
        archive.addfile(info, io.BytesIO(bytes(100)))
    with pytest.raises(ValueError, match="test_batch.bin holds 100 bytes"):
        cifar.read_archive(path)


def test_an_archive_with_the_wrong_checksum_is_refused(tmp_path, monkeypatch):
    (tmp_path / "cifar10").mkdir()
    write_archive(tmp_path / "cifar10" / "cifar-10-binary.tar.gz")
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
    with pytest.raises(ChecksumError, match="expected md5 c32a1d4ab5d03f1284b67883e8d87530") as caught:
        cifar.cifar10()
    message = str(caught.value)
    assert "\n" not in message and str(tmp_path / "cifar10" / "cifar-10-binary.tar.gz") in message
    assert f"fetch it again from {cifar.CIFAR10.url}" in message


def test_a_missing_archive_is_one_line_naming_url_and_place(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))

    def offline(file, root):
        raise OSError("no network")

    monkeypatch.setattr(sources, "download", offline)
    with pytest.raises(DatasetNotFoundError) as caught:
        cifar.cifar10()
    message = str(caught.value)
    assert "\n" not in message
    assert cifar.CIFAR10.url in message and str(tmp_path / "data" / "cifar10" / "cifar-10-binary.tar.gz") in message


def test_augmentation_crops_and_flips_afresh_each_epoch():
    images = np.arange(2 * 3 * 32 * 32, dtype=np.uint8).reshape(2, 3, 32, 32)
    plain = cifar.CifarImages(images, np.array([3, 4]))
    x, y = plain[0]
    assert x.shape == (3, 32, 32) and x.dtype == np.float32 and y == 3
    augmented = cifar.CifarImages(images, np.array([3, 4]), augment=True, seed=1)
    views = []
    for epoch in range(6):
        augmented.set_epoch(epoch)
        views.append(augmented[0][0])
        assert views[-1].shape == (3, 32, 32)
    assert any(not np.array_equal(v, x) for v in views)
    augmented.offsets[0], augmented.flips[0] = (cifar.PAD, cifar.PAD), True  # no shift, flipped
    assert np.allclose(augmented[0][0], x[:, :, ::-1])
