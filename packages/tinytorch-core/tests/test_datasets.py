"""Tests for the built-in datasets in tinytorch.core.data.datasets.

MNIST and Fashion-MNIST tests read real files from $TINYTORCH_DATA and skip when they are
not there; no test touches the network.
"""

import gzip
import os
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tinytorch.core import plugins
from tinytorch.core.data import (
    ChecksumError,
    DatasetNotFoundError,
    TensorDataset,
    datasets,
)
from tinytorch.core.data.cifar import cifar10
from tinytorch.core.data.datasets import digits, fashion_mnist, mnist, perceptron, xor

REAL_DATA = os.environ.get("TINYTORCH_DATA")


def real_files(files):
    """Skip the test unless every file is present under $TINYTORCH_DATA."""
    if not REAL_DATA:
        pytest.skip("TINYTORCH_DATA is not set")
    missing = [f.path for f in files if not (Path(REAL_DATA) / f.path).is_file()]
    if missing:
        pytest.skip(f"not in TINYTORCH_DATA: {', '.join(missing)}")


@pytest.fixture(autouse=True)
def offline(monkeypatch, tmp_path):
    def no_network(url, timeout=None):
        raise urllib.error.URLError("offline: tests never use the network")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))


def everything(splits):
    x = np.concatenate([splits.train.arrays[0], splits.test.arrays[0]])
    y = np.concatenate([splits.train.arrays[1], splits.test.arrays[1]])
    return x, y


def perceptron_mistakes(x, y, epochs):
    """Run the perceptron learning rule; return the mistakes made in the last epoch."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    target = 2 * y - 1
    w = np.zeros(xb.shape[1])
    for _ in range(epochs):
        mistakes = 0
        for xi, ti in zip(xb, target):
            if ti * (xi @ w) <= 0:
                w += ti * xi
                mistakes += 1
        if mistakes == 0:
            break
    return mistakes


# --- registration -----------------------------------------------------------------------


def test_hook_registers_every_builtin():
    found = {}
    datasets.tinytorch_register_datasets(register=lambda name, obj: found.setdefault(name, obj))
    assert found == {"perceptron": perceptron, "xor": xor, "digits": digits,
                     "mnist": mnist, "fashion-mnist": fashion_mnist, "cifar10": cifar10}


def test_load_dataset_goes_through_the_plugin_host():
    host = plugins.PluginHost(entry_points=[])
    host.register(datasets, dist="tinytorch-core")
    plugins.reset(host)
    try:
        splits = datasets.load_dataset("xor", n=40)
        assert len(splits.train) + len(splits.test) == 40
    finally:
        plugins.reset()


# --- toy problems -----------------------------------------------------------------------


@pytest.mark.parametrize("factory", [perceptron, xor])
def test_toy_shapes_dtypes_and_labels(factory):
    splits = factory(n=200)
    assert isinstance(splits.train, TensorDataset)
    assert (len(splits.train), len(splits.test)) == (150, 50)
    x, y = everything(splits)
    assert x.shape == (200, 2) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [100, 100]
    assert splits.info == {"name": factory.__name__, "num_classes": 2, "input_shape": (2,)}


@pytest.mark.parametrize("factory", [perceptron, xor])
def test_toy_data_is_seeded(factory):
    np.testing.assert_array_equal(everything(factory(seed=3))[0], everything(factory(seed=3))[0])
    assert not np.array_equal(everything(factory(seed=3))[0], everything(factory(seed=4))[0])


def test_perceptron_data_is_linearly_separable():
    x, y = everything(perceptron(n=400, seed=1))
    side = np.where(y == 1, 1, -1) * (x @ datasets.PERCEPTRON_NORMAL)
    assert side.min() >= datasets.PERCEPTRON_MARGIN - 1e-6  # float32 rounding
    assert perceptron_mistakes(x, y, epochs=1000) == 0


def test_xor_is_not_linearly_separable():
    x, y = everything(xor(n=200))
    assert perceptron_mistakes(x, y, epochs=100) > 0
    # The best least-squares line gets about half right, far from 100%.
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.linalg.lstsq(xb, 2.0 * y - 1, rcond=None)[0]
    assert np.mean((xb @ w > 0) == (y == 1)) < 0.8


# --- digits -----------------------------------------------------------------------------


def test_digits_has_1797_images_of_every_digit():
    splits = digits()
    x, y = everything(splits)
    assert x.shape == (1797, 64) and x.dtype == np.float32 and y.dtype == np.int64
    assert len(splits.test) == pytest.approx(0.2 * 1797, abs=10)
    for part in (splits.train, splits.test):
        assert set(part.arrays[1].tolist()) == set(range(10))
    assert x.min() == 0.0 and x.max() == 1.0
    assert splits.info == {"name": "digits", "num_classes": 10, "input_shape": (64,)}


def test_digits_as_images():
    splits = digits(flatten=False)
    assert splits.train.arrays[0].shape[1:] == (1, 8, 8)
    assert splits.info["input_shape"] == (1, 8, 8)


def test_digits_split_is_seeded():
    a, b, c = digits(seed=0), digits(seed=0), digits(seed=1)
    np.testing.assert_array_equal(a.test.arrays[1], b.test.arrays[1])
    assert not np.array_equal(a.test.arrays[0], c.test.arrays[0])


def test_digits_checksum_is_verified(monkeypatch):
    monkeypatch.setattr(datasets, "DIGITS_SHA256", "0" * 64)
    datasets._digits_arrays.cache_clear()
    try:
        with pytest.raises(ChecksumError, match="digits.csv.gz"):
            digits()
    finally:
        datasets._digits_arrays.cache_clear()


# --- MNIST and Fashion-MNIST --------------------------------------------------------------


def test_mnist_shapes_and_test_label_counts():
    real_files(datasets.MNIST_FILES)
    splits = mnist()
    assert splits.train.arrays[0].shape == (60000, 784)
    assert splits.test.arrays[0].shape == (10000, 784)
    assert splits.train.arrays[0].dtype == np.float32 and splits.test.arrays[1].dtype == np.int64
    counts = np.bincount(splits.test.arrays[1]).tolist()
    assert counts == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    assert abs(splits.train.arrays[0].mean()) < 0.01  # normalized with the train statistics
    assert splits.info == {"name": "mnist", "num_classes": 10, "input_shape": (784,)}


def test_mnist_options():
    real_files(datasets.MNIST_FILES)
    raw = mnist(flatten=False, normalize=False, limit=100)
    assert raw.train.arrays[0].shape == (100, 1, 28, 28)
    assert len(raw.test) == 10000
    assert raw.train.arrays[0].min() == 0.0 and raw.train.arrays[0].max() == 1.0
    assert raw.info["input_shape"] == (1, 28, 28)


def test_missing_mnist_names_the_paths_and_urls(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
    with pytest.raises(DatasetNotFoundError) as info:
        mnist()
    message = str(info.value)
    assert str(tmp_path / "mnist" / "train-images-idx3-ubyte.gz") in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/train-images-idx3-ubyte.gz" in message
    assert len(info.value.missing) == 4


def test_corrupt_mnist_file_is_a_checksum_error(monkeypatch, tmp_path):
    labels = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    labels.parent.mkdir()
    labels.write_bytes(gzip.compress(b"\x00\x00\x08\x01\x00\x00\x00\x01\x07"))
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
    with pytest.raises(ChecksumError) as info:
        mnist()
    message = str(info.value)
    assert str(labels) in message and "27ae3e4e09519cfbb04c329615203637" in message
    assert "found" in message


def test_fashion_mnist_without_train_files_says_so(monkeypatch, tmp_path):
    test_files = datasets.FASHION_MNIST_FILES[2:]
    real_files(test_files)
    for f in test_files:  # a data dir holding only the test split, as shared/ does
        (tmp_path / f.path).parent.mkdir(exist_ok=True)
        (tmp_path / f.path).symlink_to(Path(REAL_DATA) / f.path)
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
    with pytest.raises(DatasetNotFoundError) as info:
        fashion_mnist()
    assert [f.path for f in info.value.missing] == [
        "fashion-mnist/train-images-idx3-ubyte.gz", "fashion-mnist/train-labels-idx1-ubyte.gz"]
    assert "dataset-fashion-mnist" in str(info.value)


def test_fashion_mnist_shapes():
    real_files(datasets.FASHION_MNIST_FILES)
    splits = fashion_mnist(flatten=False)
    assert splits.train.arrays[0].shape == (60000, 1, 28, 28)
    assert np.bincount(splits.test.arrays[1]).tolist() == [1000] * 10
    assert len(splits.info["classes"]) == 10
