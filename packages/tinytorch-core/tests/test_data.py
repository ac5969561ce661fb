"""Tests for tinytorch.core.data: datasets, the loader, and finding/checking data files.

No test touches the network: the `offline` fixture makes every download fail.
"""

import gzip
import hashlib
import io
import urllib.error
import urllib.request

import numpy as np
import pytest

from tinytorch.core.data import (
    ChecksumError,
    DataFile,
    DataLoader,
    Dataset,
    DatasetNotFoundError,
    Subset,
    TensorDataset,
    fetch,
    random_split,
    read_idx,
    sources,
)
from tinytorch.core.tensor import Tensor


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    """No network, and a private cache directory for every test."""
    calls = []

    def no_network(url, timeout=None):
        calls.append(url)
        raise urllib.error.URLError("offline: tests never use the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYTORCH_DATA", raising=False)
    return calls


def toy(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(x, y)


class ListDataset(Dataset):
    """A plain Dataset (not a TensorDataset), so the loader takes the per-item path."""

    def __init__(self, x, y):
        self.x, self.y = x, y

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], int(self.y[i])


# --- Dataset, TensorDataset, Subset -----------------------------------------------------


def test_dataset_is_abstract():
    with pytest.raises(TypeError):
        Dataset()


def test_tensor_dataset_items_are_rows():
    ds = toy(5)
    assert len(ds) == 5
    x, y = ds[2]
    np.testing.assert_array_equal(x, [6, 7, 8])
    assert y == 2


def test_tensor_dataset_accepts_tensors():
    ds = TensorDataset(Tensor(np.ones((4, 2), np.float32)), np.zeros(4, np.int64))
    assert isinstance(ds.arrays[0], np.ndarray) and ds.arrays[0].dtype == np.float32


def test_tensor_dataset_length_mismatch_names_both_lengths():
    with pytest.raises(ValueError, match="100") as info:
        TensorDataset(np.zeros((100, 2)), np.zeros(99))
    assert "99" in str(info.value)


def test_subset_maps_indices():
    sub = Subset(toy(10), [7, 3])
    assert len(sub) == 2
    assert sub[0][1] == 7 and sub[1][1] == 3


# --- random_split -----------------------------------------------------------------------


def labels_of(subset):
    return {int(subset[i][1]) for i in range(len(subset))}


def test_random_split_counts_are_disjoint_and_cover_everything():
    parts = random_split(toy(10), [6, 4], seed=1)
    assert [len(p) for p in parts] == [6, 4]
    a, b = labels_of(parts[0]), labels_of(parts[1])
    assert not a & b and a | b == set(range(10))


def test_random_split_fractions_hand_out_the_remainder():
    assert [len(p) for p in random_split(toy(10), [0.7, 0.3])] == [7, 3]
    assert [len(p) for p in random_split(toy(10), [1 / 3, 1 / 3, 1 / 3])] == [4, 3, 3]


def test_random_split_is_seeded():
    same = [labels_of(random_split(toy(20), [0.5, 0.5], seed=3)[0]) for _ in range(2)]
    other = labels_of(random_split(toy(20), [0.5, 0.5], seed=4)[0])
    assert same[0] == same[1] != other


@pytest.mark.parametrize("lengths", [[6, 3], [0.5, 0.4], [11, -1]])
def test_random_split_rejects_lengths_that_do_not_add_up(lengths):
    with pytest.raises(ValueError, match="random_split"):
        random_split(toy(10), lengths)


# --- DataLoader -------------------------------------------------------------------------


def test_loader_yields_tuples_of_tensors_batched_on_axis_0():
    batches = list(DataLoader(toy(10), batch_size=4))
    assert [b[0].data.shape for b in batches] == [(4, 3), (4, 3), (2, 3)]
    x, y = batches[0]
    assert isinstance(x, Tensor) and isinstance(y, Tensor)
    assert x.data.dtype == np.float32 and y.data.dtype == np.int64
    np.testing.assert_array_equal(y.data, [0, 1, 2, 3])  # no shuffle: dataset order


def test_loader_len_and_drop_last():
    assert len(DataLoader(toy(10), batch_size=4)) == 3
    loader = DataLoader(toy(10), batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert [b[1].data.shape for b in loader] == [(4,), (4,)]


def test_loader_rejects_bad_batch_size():
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(toy(), batch_size=0)


def epoch_order(loader):
    return np.concatenate([y.data for _, y in loader])


def test_seeded_shuffle_is_reproducible_and_new_each_epoch():
    a = DataLoader(toy(50), batch_size=8, shuffle=True, seed=0)
    b = DataLoader(toy(50), batch_size=8, shuffle=True, seed=0)
    a1, a2 = epoch_order(a), epoch_order(a)
    b1, b2 = epoch_order(b), epoch_order(b)
    np.testing.assert_array_equal(a1, b1)
    np.testing.assert_array_equal(a2, b2)
    assert not np.array_equal(a1, a2)
    assert sorted(a1) == list(range(50)) and sorted(a2) == list(range(50))
    assert not np.array_equal(a1, epoch_order(DataLoader(toy(50), 8, shuffle=True, seed=1)))


def test_epoch_counter_can_be_set_to_resume():
    a = DataLoader(toy(30), batch_size=5, shuffle=True, seed=7)
    epoch_order(a)
    second = epoch_order(a)
    b = DataLoader(toy(30), batch_size=5, shuffle=True, seed=7)
    b.epoch = 1
    np.testing.assert_array_equal(epoch_order(b), second)


def test_fast_path_matches_per_item_path():
    ds = toy(23)
    slow = ListDataset(*ds.arrays)
    fast_batches = list(DataLoader(ds, batch_size=5, shuffle=True, seed=2))
    slow_batches = list(DataLoader(slow, batch_size=5, shuffle=True, seed=2))
    for (fx, fy), (sx, sy) in zip(fast_batches, slow_batches, strict=True):
        np.testing.assert_array_equal(fx.data, sx.data)
        np.testing.assert_array_equal(fy.data, sy.data)
        assert fx.data.dtype == sx.data.dtype


def test_fast_path_indexes_arrays_instead_of_calling_getitem(monkeypatch):
    def per_item(self, index):
        raise AssertionError("the loader should index the arrays directly")

    monkeypatch.setattr(TensorDataset, "__getitem__", per_item)
    ds = toy(12)
    nested = Subset(Subset(ds, np.arange(12)[::-1]), [0, 1, 2])  # rows 11, 10, 9
    (x, y), = DataLoader(nested, batch_size=3)
    np.testing.assert_array_equal(y.data, [11, 10, 9])
    np.testing.assert_array_equal(x.data, ds.arrays[0][[11, 10, 9]])


def test_subclass_overriding_getitem_is_respected():
    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    (x, _), = DataLoader(Doubled(*toy(3).arrays), batch_size=3)
    np.testing.assert_array_equal(x.data, toy(3).arrays[0] * 2)


def test_items_that_are_not_tuples_become_one_field_batches():
    class Squares(Dataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.float32(i * i)

    (x,), = DataLoader(Squares(), batch_size=4)
    np.testing.assert_array_equal(x.data, [0, 1, 4, 9])


# --- sources: IDX files -----------------------------------------------------------------


def idx_bytes(array, magic):
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def test_read_idx_images_and_labels(tmp_path):
    images = np.arange(2 * 28 * 28).reshape(2, 28, 28) % 256
    labels = np.array([3, 9, 0])
    (tmp_path / "i.gz").write_bytes(idx_bytes(images, 0x803))
    (tmp_path / "l.gz").write_bytes(idx_bytes(labels, 0x801))
    np.testing.assert_array_equal(read_idx(tmp_path / "i.gz"), images)
    np.testing.assert_array_equal(read_idx(tmp_path / "l.gz"), labels)
    assert read_idx(tmp_path / "l.gz").dtype == np.uint8


def test_read_idx_rejects_other_formats(tmp_path):
    (tmp_path / "f.gz").write_bytes(idx_bytes(np.zeros(3), 0x0D01))  # 0x0D = float32
    with pytest.raises(ValueError, match="0x00000d01"):
        read_idx(tmp_path / "f.gz")
    truncated = gzip.decompress(idx_bytes(np.zeros(3), 0x801))[:-1]
    (tmp_path / "short.gz").write_bytes(gzip.compress(truncated))
    with pytest.raises(ValueError, match="found 2 bytes"):
        read_idx(tmp_path / "short.gz")


# --- sources: finding, checking and downloading -------------------------------------------

CONTENT = b"hello, data\n"
TOY_FILE = DataFile("toy/hello.txt", "https://example.invalid/toy/hello.txt",
                    hashlib.sha256(CONTENT).hexdigest())


def test_missing_file_error_names_path_and_url(monkeypatch, tmp_path, offline):
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "data"))
    with pytest.raises(DatasetNotFoundError) as info:
        fetch([TOY_FILE])
    message = str(info.value)
    assert isinstance(info.value, FileNotFoundError)
    assert str(tmp_path / "data" / "toy" / "hello.txt") in message
    assert TOY_FILE.url in message and "offline" in message
    assert info.value.missing == [TOY_FILE]
    assert offline == [TOY_FILE.url]  # it did try the download, once


def test_offline_tries_one_download_not_one_per_file(offline):
    other = DataFile("toy/other.txt", "https://example.invalid/other.txt", "0" * 64)
    with pytest.raises(DatasetNotFoundError) as info:
        fetch([TOY_FILE, other])
    assert len(offline) == 1 and info.value.missing == [TOY_FILE, other]


def test_data_dir_comes_before_the_cache(monkeypatch, tmp_path):
    for root in ("data", "cache"):
        (tmp_path / root / "toy").mkdir(parents=True)
        (tmp_path / root / "toy" / "hello.txt").write_bytes(CONTENT)
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "data"))
    assert fetch([TOY_FILE]) == [tmp_path / "data" / "toy" / "hello.txt"]
    monkeypatch.delenv("TINYTORCH_DATA")
    assert fetch([TOY_FILE]) == [tmp_path / "cache" / "toy" / "hello.txt"]


def test_checksum_mismatch_names_file_expected_and_found(monkeypatch, tmp_path):
    corrupt = tmp_path / "data" / "toy" / "hello.txt"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(b"something else")
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "data"))
    with pytest.raises(ChecksumError) as info:
        fetch([TOY_FILE])
    message = str(info.value)
    assert str(corrupt) in message and TOY_FILE.digest in message
    assert hashlib.sha256(b"something else").hexdigest() in message


def test_gunzipped_checksum_ignores_the_gzip_wrapper(tmp_path):
    spec = DataFile("x.gz", "https://example.invalid/x.gz",
                    hashlib.md5(CONTENT).hexdigest(), algorithm="md5", gunzipped=True)
    for mtime in (0, 12345):  # same content, different gzip headers
        path = tmp_path / f"x{mtime}.gz"
        path.write_bytes(gzip.compress(CONTENT, mtime=mtime))
        assert sources.verify(path, spec) == path
    (tmp_path / "bad.gz").write_bytes(b"not gzip at all")
    with pytest.raises(ChecksumError, match="not a readable gzip file"):
        sources.verify(tmp_path / "bad.gz", spec)


def serve(monkeypatch, body):
    """Make urlopen answer every URL with `body`, as a real response would."""
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: io.BytesIO(body))


def test_download_lands_in_the_cache_checked(monkeypatch, tmp_path):
    serve(monkeypatch, CONTENT)
    (path,) = fetch([TOY_FILE])
    assert path == tmp_path / "cache" / "toy" / "hello.txt"
    assert path.read_bytes() == CONTENT
    assert list(path.parent.iterdir()) == [path]  # no temp files left behind


def test_corrupt_download_leaves_nothing_in_the_cache(monkeypatch, tmp_path):
    serve(monkeypatch, b"an error page")
    with pytest.raises(ChecksumError, match=TOY_FILE.digest):
        fetch([TOY_FILE])
    assert list((tmp_path / "cache" / "toy").iterdir()) == []


def test_gzip_bomb_is_stopped_at_the_decompressed_limit(monkeypatch, tmp_path):
    # 8 MB of zeros compress to 8 kB; with the limit at 1 MB the check stops reading early.
    monkeypatch.setattr(sources, "MAX_GUNZIPPED_BYTES", 2**20)
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    (tmp_path / "mnist" / "bomb.gz").write_bytes(gzip.compress(bytes(8 * 2**20)))
    file = DataFile("mnist/bomb.gz", "https://example.invalid/bomb.gz", "0" * 32, "md5", gunzipped=True)
    with pytest.raises(ChecksumError, match="more than 1,048,576 bytes once decompressed; stopped reading"):
        fetch([file])
    with pytest.raises(sources.GzipBombError):
        read_idx(tmp_path / "mnist" / "bomb.gz")
