"""TinyTalks: the shipped splits, the training format, the windows and the exact-match measure."""

import numpy as np
import pytest

from tinytorch.core.data import load_dataset
from tinytorch.text import tinytalks


def test_the_shipped_splits_have_the_published_sizes():
    sizes = {name: len(tinytalks.read_split(name)) for name in tinytalks.SPLITS}
    assert sizes == {"train": 210, "val": 45, "test": 46}
    assert tinytalks.read_split("train")[0] == ("Where do you watch movies?", "You watch movies at a theater or at home.")


def test_a_pair_is_written_as_the_model_is_asked():
    assert tinytalks.format_pair("Hi?", "Hello.") == "Q: Hi?\nA: Hello.\n\n"
    assert tinytalks.format_pair("Hi?", "Hello.").startswith(tinytalks.prompt("Hi?"))
    assert tinytalks.parse_pairs("Q: a\nA: b\n\nQ: c\nA: d\n") == [("a", "b"), ("c", "d")]
    with pytest.raises(ValueError, match="block 2 is not one 'Q: ' line and one 'A: ' line"):
        tinytalks.parse_pairs("Q: a\nA: b\n\nA: d\n")


def test_each_window_starts_at_a_pair_and_the_order_changes_each_epoch():
    pairs = [[1, 2, 3], [4, 5], [6, 7, 8, 9]]
    windows = tinytalks.PairWindows(pairs, block_size=4, shuffle=True, seed=0)
    firsts = set()
    for epoch in range(4):
        windows.set_epoch(epoch)
        x, y = zip(*(windows[i] for i in range(len(windows))))
        assert sorted(row[0] for row in x) == [1, 4, 6]  # every pair starts a window
        assert all(np.array_equal(a[1:], b[:-1]) for a, b in zip(x, y))  # targets one later
        firsts.add(tuple(np.concatenate(x)))
    assert len(firsts) > 1
    fixed = tinytalks.PairWindows(pairs, block_size=4)
    assert fixed[2][0].tolist() == [6, 7, 8, 9] and fixed[2][1].tolist() == [7, 8, 9, 1]  # wraps around


def test_the_dataset_trains_on_train_and_measures_every_split():
    splits = load_dataset("tinytalks", block_size=32)
    assert (len(splits.train), len(splits.test)) == (210, 46)
    x, _ = splits.train[0]
    assert splits.info["tokenizer"].decode(x.tolist()).startswith("Q: ")
    assert {"evaluate", "sample", "tokenizer", "vocab_size"} <= set(splits.info)


def test_exact_match_counts_only_identical_answer_lines(monkeypatch):
    pairs = [("Hi?", "Hello."), ("Sky?", "Blue."), ("Two?", "2.")]
    monkeypatch.setattr(tinytalks, "answer", lambda model, tokenizer, questions, max_tokens: ["Hello.", "Blue!", "2."])
    score, rows = tinytalks.exact_match(None, None, pairs)
    assert score == pytest.approx(2 / 3)
    assert rows[1] == {"question": "Sky?", "reference": "Blue.", "answer": "Blue!"}
