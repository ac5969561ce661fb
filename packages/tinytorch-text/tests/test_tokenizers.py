"""Tests for tinytorch.text.tokenizers: round trips, errors, files, and BPE itself.

The Tiny Shakespeare tests read $TINYTORCH_DATA/tinyshakespeare.txt and are skipped
when TINYTORCH_DATA is unset or the file is missing.
"""

import json
import os
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinytorch.text.tokenizers import (
    BPETokenizer,
    CharTokenizer,
    TokenizerFileError,
    load_tokenizer,
)

# A small text with several scripts, so the hypothesis tokenizer has multi-byte merges.
SAMPLE = (
    "The quick brown fox jumps over the lazy dog. It's the dog's day, isn't it?\n"
    "  Indented   lines\tand tabs, numbers 12345 and 2024, snake_case_names.\n"
    "Déjà vu, naïve café; Ærøskøbing. Привет, мир! 你好，世界。 こんにちは 🙂🙂🚀\n"
) * 3


@pytest.fixture(scope="module")
def shakespeare():
    root = os.environ.get("TINYTORCH_DATA")
    if not root:
        pytest.skip("TINYTORCH_DATA is not set")
    path = Path(root) / "tinyshakespeare.txt"
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def shakespeare_bpe(shakespeare):
    # A 200 KB slice keeps the test fast; the full file trains in about a second.
    return BPETokenizer.train(shakespeare[:200_000], vocab_size=512)


@pytest.fixture(scope="module")
def sample_bpe():
    return BPETokenizer.train(SAMPLE, vocab_size=300)


# ---------------------------------------------------------------- CharTokenizer


def test_char_vocabulary_is_sorted_and_round_trips():
    tok = CharTokenizer.from_text("hello world")
    assert tok.chars == sorted(set("hello world"))
    assert tok.vocab_size == 8
    assert tok.encode("") == []
    assert tok.decode(tok.encode("hello world")) == "hello world"
    assert CharTokenizer("dlrow olleh").encode("low") == tok.encode("low")


def test_char_round_trip_on_shakespeare(shakespeare):
    tok = CharTokenizer.from_text(shakespeare)
    assert tok.vocab_size == 65
    ids = tok.encode(shakespeare)
    assert len(ids) == len(shakespeare)
    assert tok.decode(ids) == shakespeare


def test_char_unknown_characters_are_named_and_counted():
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError) as info:
        tok.encode("abXcYX\n")
    msg = str(info.value)
    assert "'X'" in msg and "'Y'" in msg and "'\\n'" in msg
    assert "3 character(s)" in msg and "4 occurrence(s)" in msg


def test_char_unknown_message_lists_only_a_handful():
    tok = CharTokenizer.from_text("a")
    with pytest.raises(ValueError, match=r"and 5 more"):
        tok.encode("bcdefghijk")


def test_char_rejects_multi_character_vocab_entries_and_bad_ids():
    with pytest.raises(ValueError, match="single characters"):
        CharTokenizer(["ab", "c"])
    tok = CharTokenizer.from_text("abc")
    with pytest.raises(ValueError, match=r"0\.\.2"):
        tok.decode([0, 3])
    with pytest.raises(ValueError):
        tok.decode([-1])


# ---------------------------------------------------------------- BPE training


def test_bpe_classic_example():
    # Wikipedia's example: aa -> Z, ab -> Y, ZY -> X, leaving "XdXac".
    tok = BPETokenizer.train("aaabdaaabac", vocab_size=259)
    assert tok.merges == [(97, 97), (97, 98), (256, 257)]
    assert tok.vocab_size == 259
    assert tok.encode("aaabdaaabac") == [258, 100, 258, 97, 99]
    assert tok.token_bytes(258) == b"aaab"
    assert tok.decode([258, 100, 258, 97, 99]) == "aaabdaaabac"


def _reference_train(text, vocab_size):
    """Slow but obvious: recount every pair of every chunk for each merge."""
    from tinytorch.text.tokenizers import _CHUNK, _merge

    chunks = Counter(_CHUNK.findall(text))
    ids = {c: list(c.encode("utf-8")) for c in chunks}
    merges = []
    for new_id in range(256, vocab_size):
        counts = Counter()
        for c, w in chunks.items():
            for pair in zip(ids[c], ids[c][1:]):
                counts[pair] += w
        if not counts:
            break
        pair = min(counts, key=lambda p: (-counts[p], p))
        merges.append(pair)
        ids = {c: _merge(v, pair, new_id) for c, v in ids.items()}
    return merges


def test_bpe_incremental_training_matches_full_recount():
    assert BPETokenizer.train(SAMPLE, 330).merges == _reference_train(SAMPLE, 330)


def test_bpe_stops_when_pairs_run_out_and_checks_vocab_size():
    tok = BPETokenizer.train("ab", vocab_size=1000)
    assert tok.merges == [(97, 98)]
    assert BPETokenizer.train("", vocab_size=300).vocab_size == 256
    with pytest.raises(ValueError, match="at least 256"):
        BPETokenizer.train("abc", vocab_size=100)


def test_bpe_compresses_shakespeare(shakespeare, shakespeare_bpe):
    assert shakespeare_bpe.vocab_size == 512
    text = shakespeare[:200_000]
    ratio = len(shakespeare_bpe.encode(text)) / len(text.encode("utf-8"))
    # Measured 0.502 on the training slice (0.528 on the whole file).
    assert ratio < 0.55
    held_out = shakespeare[-100_000:]
    ratio = len(shakespeare_bpe.encode(held_out)) / len(held_out.encode("utf-8"))
    assert ratio < 0.6


# ---------------------------------------------------------------- BPE round trips


def test_bpe_round_trip_on_shakespeare(shakespeare, shakespeare_bpe):
    text = shakespeare[:300_000]  # includes text the tokenizer never saw
    assert shakespeare_bpe.decode(shakespeare_bpe.encode(text)) == text


def test_bpe_round_trip_on_unseen_characters(shakespeare_bpe):
    for s in ["", " ", "\n\n\n", "naïve 🙂🚀 你好 \x00 \U0010ffff", "a" * 1000, "_x_"]:
        assert shakespeare_bpe.decode(shakespeare_bpe.encode(s)) == s


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_bpe_round_trip_on_any_text(sample_bpe, s):
    assert sample_bpe.decode(sample_bpe.encode(s)) == s


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters() | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)))
def test_bpe_round_trip_keeps_lone_surrogates(sample_bpe, s):
    assert sample_bpe.decode(sample_bpe.encode(s)) == s


def test_bpe_decode_of_a_split_character_replaces_instead_of_failing():
    tok = BPETokenizer()
    ids = tok.encode("é")  # two bytes
    assert tok.decode(ids[:1]) == "\ufffd"
    with pytest.raises(ValueError, match=r"0\.\.255"):
        tok.decode([256])


def test_bpe_decode_accepts_numpy_ids(sample_bpe):
    np = pytest.importorskip("numpy")
    ids = sample_bpe.encode("the dog")
    assert sample_bpe.decode(np.array(ids)) == "the dog"


# ---------------------------------------------------------------- files


def test_save_load_round_trip(tmp_path, sample_bpe):
    char = CharTokenizer.from_text(SAMPLE)
    for tok, cls in [(char, CharTokenizer), (sample_bpe, BPETokenizer)]:
        path = tmp_path / f"{tok.type_name}.json"
        tok.save(path)
        data = json.loads(path.read_text(encoding="utf-8"))
        assert data["type"] == tok.type_name and data["version"] == 1
        for loaded in (cls.load(path), load_tokenizer(str(path))):
            assert type(loaded) is cls
            assert loaded.vocab_size == tok.vocab_size
            assert loaded.encode(SAMPLE) == tok.encode(SAMPLE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bpe.json", "char.json"]


def test_save_replaces_an_existing_file(tmp_path, sample_bpe):
    path = tmp_path / "tok.json"
    CharTokenizer.from_text("abc").save(path)
    sample_bpe.save(path)
    assert isinstance(load_tokenizer(path), BPETokenizer)
    assert [p.name for p in tmp_path.iterdir()] == ["tok.json"]


def _bpe(merges):
    return json.dumps({"type": "bpe", "version": 1, "merges": merges})


CORRUPT = {
    "truncated": (_bpe([[97, 98], [256, 99]])[:-7], "not valid JSON"),
    "empty": ("", "not valid JSON"),
    "a list": ("[1, 2]", "JSON object"),
    "no type": (json.dumps({"version": 1, "merges": []}), "'type'"),
    "unknown type": (json.dumps({"type": "wordpiece", "version": 1}), "'wordpiece'"),
    "no version": (json.dumps({"type": "bpe", "merges": []}), "'version'"),
    "future version": (json.dumps({"type": "bpe", "version": 99, "merges": []}), "99"),
    "no merges": (json.dumps({"type": "bpe", "version": 1}), "'merges'"),
    "merges not a list": (json.dumps({"type": "bpe", "version": 1, "merges": {}}), "'merges'"),
    "triple": (_bpe([[97, 98, 99]]), "merge 0"),
    "strings": (_bpe([["a", "b"]]), "merge 0"),
    "floats": (_bpe([[97, 98], [97.0, 99]]), "merge 1"),
    "bools": (_bpe([[True, False]]), "merge 0"),
    "id too big": (_bpe([[97, 98], [257, 97]]), "merge 1"),
    "negative id": (_bpe([[-1, 98]]), "merge 0"),
    "repeated merge": (_bpe([[97, 98], [97, 98]]), "repeats"),
    "chars not a list": (json.dumps({"type": "char", "version": 1, "chars": "abc"}), "'chars'"),
    "multi-char entry": (json.dumps({"type": "char", "version": 1, "chars": ["ab"]}), "'ab'"),
    "duplicate char": (json.dumps({"type": "char", "version": 1, "chars": ["a", "a"]}), "'a'"),
}


@pytest.mark.parametrize("name", list(CORRUPT))
def test_corrupt_files_raise_a_clear_error(tmp_path, name):
    text, expected = CORRUPT[name]
    path = tmp_path / "broken.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(TokenizerFileError) as info:
        load_tokenizer(path)
    msg = str(info.value)
    assert str(path) in msg and expected in msg
    assert isinstance(info.value, ValueError)
    assert info.value.__cause__ is None  # no chained JSONDecodeError/KeyError traceback


def test_non_utf8_file_is_a_clear_error(tmp_path):
    path = tmp_path / "binary.json"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(TokenizerFileError, match="not UTF-8"):
        BPETokenizer.load(path)


def test_loading_the_wrong_kind_names_the_right_loader(tmp_path):
    path = tmp_path / "char.json"
    CharTokenizer.from_text("abc").save(path)
    with pytest.raises(TokenizerFileError, match="CharTokenizer.load"):
        BPETokenizer.load(path)
