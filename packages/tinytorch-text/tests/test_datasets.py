"""Tiny Shakespeare windows, the split, checksums, and the plugin registrations."""

import numpy as np
import pytest

from tinytorch.core import plugins
from tinytorch.core.data import ChecksumError, DataLoader, load_dataset
from tinytorch.nn import functional as F
from tinytorch.text import ConsecutiveWindows, RandomWindows, shakespeare_text, tinyshakespeare

TEXT_LENGTH = 1_115_394


@pytest.fixture(autouse=True)
def no_download_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))  # only TINYTORCH_DATA or the shipped copy


def test_shapes_split_and_targets():
    data = tinyshakespeare(block_size=16, windows_per_epoch=10)
    tok = data.info["tokenizer"]
    assert data.info["vocab_size"] == tok.vocab_size == 65 and data.info["block_size"] == 16
    cut = int(TEXT_LENGTH * 0.9)
    assert len(data.train) == 10
    assert len(data.test) == (TEXT_LENGTH - cut - 1) // 16
    x, y = data.train[3]
    assert x.shape == y.shape == (16,) and x.dtype == np.int64
    np.testing.assert_array_equal(x[1:], y[:-1])  # targets are the inputs shifted by one
    text = shakespeare_text()
    x, y = data.test[0]
    assert tok.decode(x) == text[cut:cut + 16] and tok.decode(y) == text[cut + 1:cut + 17]
    x, _ = data.test[len(data.test) - 1]
    assert tok.decode(x) in text[cut:]


def test_training_windows_stay_in_the_training_text():
    data = tinyshakespeare(block_size=8, windows_per_epoch=500)
    assert data.train.starts.max() + 9 <= int(TEXT_LENGTH * 0.9)


def test_random_windows_are_seeded_per_epoch():
    ids = np.arange(1000)
    a, b = RandomWindows(ids, 8, 5, seed=1), RandomWindows(ids, 8, 5, seed=1)
    first = [a[i][0][0] for i in range(5)]
    assert first == [b[i][0][0] for i in range(5)]
    a.set_epoch(1)
    assert [a[i][0][0] for i in range(5)] != first
    a.set_epoch(0)
    assert [a[i][0][0] for i in range(5)] == first
    with pytest.raises(IndexError, match="window index 5 out of range for 5 windows"):
        a[5]


def test_consecutive_windows_cover_the_text_once():
    windows = ConsecutiveWindows(np.arange(10), 3)
    assert len(windows) == 3
    np.testing.assert_array_equal(np.concatenate([windows[i][0] for i in range(3)]), np.arange(9))
    np.testing.assert_array_equal(windows[2][1], [7, 8, 9])


@pytest.mark.parametrize("make, message", [
    (lambda: ConsecutiveWindows(np.arange(5), 5), "longer than block_size=5"),
    (lambda: RandomWindows(np.arange(50), 0, 3), "block_size must be a positive integer"),
    (lambda: RandomWindows(np.arange(50), 4, 0), "windows_per_epoch must be a positive integer"),
    (lambda: tinyshakespeare(test_fraction=1.5), r"test_fraction must be in \(0, 1\)"),
])
def test_bad_options_are_explained(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_batches_feed_a_gpt_through_the_plugin_registry():
    data = load_dataset("tinyshakespeare", block_size=12, windows_per_epoch=4)
    model = plugins.lookup("models", "gpt")(data.info, d_model=8, n_layers=1, n_heads=2)
    assert model.max_seq_len == 12 and model.vocab_size == 65
    x, y = next(iter(DataLoader(data.train, batch_size=4)))
    assert x.shape == y.shape == (4, 12)
    assert np.isfinite(F.cross_entropy(model(x), y).item())


def test_gpt_factory_needs_a_text_dataset():
    with pytest.raises(ValueError, match="needs a text dataset whose info has 'vocab_size'"):
        plugins.lookup("models", "gpt")({"name": "digits", "num_classes": 10, "input_shape": (64,)})


def test_prefers_tinytorch_data_and_checks_it(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path))
    (tmp_path / "tinyshakespeare.txt").write_text("First Citizen: not the real text\n")
    with pytest.raises(ChecksumError, match="checksum mismatch.*tinyshakespeare.txt"):
        shakespeare_text()
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "empty"))
    assert len(shakespeare_text()) == TEXT_LENGTH  # the shipped copy
