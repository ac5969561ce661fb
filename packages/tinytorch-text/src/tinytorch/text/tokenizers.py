"""Tokenizers: turning text into the integer ids a model reads, and back.

A language model sees a sequence of integers, so text needs a reversible map to ids.
Two are here, from simplest to the one real models use:

- `CharTokenizer`: one id per character seen in a training text. Tiny vocabulary,
  long sequences, and it cannot encode a character it never saw.
- `BPETokenizer`: byte-level byte-pair encoding, as in GPT-2 and Karpathy's minbpe.
  The 256 possible bytes are the base vocabulary, so *any* string can be encoded
  (as UTF-8). Training then repeatedly finds the most frequent adjacent pair of ids
  and gives it a new id (a "merge"); encoding replays the merges in the order they
  were learned. Frequent words become single tokens, so sequences get shorter.

Training BPE the obvious way (recount every pair over the whole byte string after
each merge) costs a full pass per merge. Here the text is first cut into chunks
(roughly words with their leading space, like GPT-2) and identical chunks are counted
once with their frequency; after a merge only the chunks that contain the merged pair
are recounted. That turns minutes into seconds on Tiny Shakespeare.

Both tokenizers save to a small JSON file (`save`, `load`, `load_tokenizer`); a damaged
file raises `TokenizerFileError` naming the file and what is wrong with it.

Read next: `embedding.py`, which turns these ids into vectors.
"""

from __future__ import annotations

import json
import operator
import os
import re
from collections import Counter
from collections.abc import Iterable
from itertools import pairwise

from tinytorch.core.files import atomic_write

__all__ = ["BPETokenizer", "CharTokenizer", "TokenizerFileError", "load_tokenizer"]

FORMAT_VERSION = 1

# GPT-2's split pattern, written for the standard library `re` (which lacks \p{L}).
# Every character falls in exactly one class (space, letter, digit, other), so the
# chunks always concatenate back to the input: chunking loses nothing.
_CHUNK = re.compile(
    r"""
      '(?:s|t|re|ve|m|ll|d)    # English contractions become their own chunk
    | \ ?[^\W\d_]+             # a word, carrying the space before it
    | \ ?\d+                   # a number
    | \ ?(?:[^\s\w]|_)+        # punctuation and symbols (\w counts '_' as a letter)
    | \s+(?!\S)                # a run of whitespace, leaving its last space to the next word
    | \s+                      # whitespace at the very end
    """,
    re.VERBOSE,
)


class TokenizerFileError(ValueError):
    """A tokenizer file that cannot be read: bad JSON, wrong type, or invalid content."""


# ---------------------------------------------------------------------------------
# Character-level
# ---------------------------------------------------------------------------------


class CharTokenizer:
    """One id per character; ids follow sorted character order.

    >>> tok = CharTokenizer.from_text("hello")
    >>> tok.encode("hole")
    [1, 3, 2, 0]
    >>> tok.decode([1, 3, 2, 0])
    'hole'
    """

    type_name = "char"

    def __init__(self, chars: Iterable[str]):
        chars = list(chars)
        for c in chars:
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"CharTokenizer needs single characters, got {c!r}")
        # Sorting makes the ids depend only on *which* characters exist, not on the
        # order they first appeared: two tokenizers built from the same alphabet agree.
        self.chars: list[str] = sorted(set(chars))
        self._stoi = {c: i for i, c in enumerate(self.chars)}

    @classmethod
    def from_text(cls, text: str) -> CharTokenizer:
        """The tokenizer whose vocabulary is every distinct character of `text`."""
        return cls(text)

    @property
    def vocab_size(self) -> int:
        return len(self.chars)

    def encode(self, s: str) -> list[int]:
        stoi = self._stoi
        try:
            return [stoi[c] for c in s]
        except KeyError:
            pass  # fall through to a message that lists every unknown character
        unknown = Counter(c for c in s if c not in stoi)
        shown = ", ".join(repr(c) for c in list(unknown)[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise ValueError(
            f"cannot encode {len(unknown)} character(s) not in the vocabulary "
            f"({sum(unknown.values())} occurrence(s)): {shown}{more}. "
            f"Build the tokenizer from text that contains them "
            f"(CharTokenizer.from_text), or use BPETokenizer, which encodes any string."
        )

    def decode(self, ids: Iterable[int]) -> str:
        ids = _check_ids(ids, self.vocab_size)
        return "".join(self.chars[i] for i in ids)

    def to_dict(self) -> dict:
        return {"type": self.type_name, "version": FORMAT_VERSION, "chars": self.chars}

    @classmethod
    def from_dict(cls, data: dict) -> CharTokenizer:
        chars = _field(data, "chars", list, "a list of single characters")
        for i, c in enumerate(chars):
            if not isinstance(c, str) or len(c) != 1:
                raise ValueError(f"'chars'[{i}] should be a single character, found {c!r}")
        if len(set(chars)) != len(chars):
            dup = next(c for c, n in Counter(chars).items() if n > 1)
            raise ValueError(f"'chars' lists {dup!r} more than once")
        return cls(chars)

    def save(self, path: str | os.PathLike) -> None:
        _write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> CharTokenizer:
        return _load_as(cls, path)

    def __repr__(self) -> str:
        return f"CharTokenizer(vocab_size={self.vocab_size})"


# ---------------------------------------------------------------------------------
# Byte-level BPE
# ---------------------------------------------------------------------------------


def _merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """Replace every non-overlapping occurrence of `pair` in `ids`, left to right."""
    # region 10 tokenization: scan left to right; where (a, b) starts at i, emit new_id and skip two, else copy one
    a, b = pair
    out, i, n = [], 0, len(ids)
    while i < n:
        if i + 1 < n and ids[i] == a and ids[i + 1] == b:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
    # endregion


def _pair_counts(ids: list[int]) -> Counter:
    return Counter(pairwise(ids))


class BPETokenizer:
    """Byte-level byte-pair encoding: ids 0..255 are bytes, id 256+k is merge k.

    >>> tok = BPETokenizer.train("aaabdaaabac", vocab_size=259)
    >>> tok.merges
    [(97, 97), (97, 98), (256, 257)]
    >>> tok.encode("aaabdaaabac")
    [258, 100, 258, 97, 99]
    """

    type_name = "bpe"

    def __init__(self, merges: Iterable[tuple[int, int]] = ()):
        self._merges: list[tuple[int, int]] = _check_merges(merges)
        # rank of a pair = the order it was learned; encoding applies low ranks first.
        self._ranks = {pair: 256 + k for k, pair in enumerate(self._merges)}
        # Every token is the bytes it stands for, so decoding is a join.
        self._vocab = [bytes([i]) for i in range(256)]
        for a, b in self._merges:
            self._vocab.append(self._vocab[a] + self._vocab[b])
        # Text repeats the same words over and over: remember each chunk's ids.
        self._cache: dict[str, list[int]] = {}

    @property
    def vocab_size(self) -> int:
        return 256 + len(self._merges)

    @property
    def merges(self) -> list[tuple[int, int]]:
        """The learned pairs in order; merge k produced token id 256 + k."""
        return list(self._merges)

    def token_bytes(self, token_id: int) -> bytes:
        """The bytes token `token_id` stands for (handy for looking inside the vocab)."""
        (token_id,) = _check_ids([token_id], self.vocab_size)
        return self._vocab[token_id]

    @classmethod
    def train(cls, text: str, vocab_size: int) -> BPETokenizer:
        """Learn `vocab_size - 256` merges from `text`.

        Stops early (with a smaller vocabulary) if the text runs out of pairs.
        Ties between equally frequent pairs go to the smallest pair, so training is
        deterministic.
        """
        if not isinstance(vocab_size, int) or vocab_size < 256:
            raise ValueError(
                f"vocab_size must be an int of at least 256 (the byte alphabet), "
                f"got {vocab_size!r}"
            )
        # Count identical chunks once: Shakespeare's ~300k chunks are only ~15k
        # distinct ones, so all the work below scales with the smaller number.
        freq = Counter(_CHUNK.findall(text))
        chunks = [list(_to_bytes(c)) for c in freq]
        weights = list(freq.values())

        counts: dict[tuple[int, int], int] = {}  # pair -> occurrences in the text
        where: dict[tuple[int, int], set[int]] = {}  # pair -> chunks that contain it
        for i, ids in enumerate(chunks):
            for pair, n in _pair_counts(ids).items():
                counts[pair] = counts.get(pair, 0) + n * weights[i]
                where.setdefault(pair, set()).add(i)

        merges = []
        for new_id in range(256, vocab_size):
            if not counts:
                break
            # region 10 tokenization: the most frequent pair; ties go to the smallest pair, so training is deterministic
            pair = min(counts, key=lambda p: (-counts[p], p))
            # endregion
            merges.append(pair)
            # Only chunks containing `pair` change; undo their old pair counts and
            # add the new ones, leaving the rest of the text untouched.
            for i in where.pop(pair):
                old, w = chunks[i], weights[i]
                new = _merge(old, pair, new_id)
                chunks[i] = new
                old_pairs, new_pairs = _pair_counts(old), _pair_counts(new)
                for p, n in old_pairs.items():
                    left = counts[p] - n * w
                    if left:
                        counts[p] = left
                    else:
                        del counts[p]
                    if p not in new_pairs and p != pair:
                        where[p].discard(i)
                for p, n in new_pairs.items():
                    counts[p] = counts.get(p, 0) + n * w
                    where.setdefault(p, set()).add(i)
        return cls(merges)

    def _encode_chunk(self, chunk: str) -> list[int]:
        ids = list(_to_bytes(chunk))
        ranks = self._ranks
        # region 10 tokenization: repeatedly merge the present pair with the lowest rank (learned first); stop when none is known
        while len(ids) >= 2:
            # The earliest-learned pair present must be merged first: later merges
            # were learned on text where it had already been applied.
            pair = min(pairwise(ids), key=lambda p: ranks.get(p, float("inf")))
            if pair not in ranks:
                break
            ids = _merge(ids, pair, ranks[pair])
        # endregion
        return ids

    def encode(self, s: str) -> list[int]:
        out: list[int] = []
        cache = self._cache
        for chunk in _CHUNK.findall(s):
            ids = cache.get(chunk)
            if ids is None:
                ids = self._encode_chunk(chunk)
                if len(cache) >= 100_000:  # bound memory on endless novel text
                    cache.clear()
                cache[chunk] = ids
            out.extend(ids)
        return out

    def decode(self, ids: Iterable[int]) -> str:
        ids = _check_ids(ids, self.vocab_size)
        data = b"".join(self._vocab[i] for i in ids)
        try:
            # Whatever `encode` produced is valid UTF-8 (lone surrogates included),
            # so this is exact: decode(encode(s)) == s.
            return _from_bytes(data)
        except UnicodeDecodeError:
            # Ids from a model can cut a character in half; show U+FFFD rather than fail.
            return data.decode("utf-8", errors="replace")

    def to_dict(self) -> dict:
        return {
            "type": self.type_name,
            "version": FORMAT_VERSION,
            "merges": [list(p) for p in self._merges],
        }

    @classmethod
    def from_dict(cls, data: dict) -> BPETokenizer:
        return cls(_field(data, "merges", list, "a list of [id, id] pairs"))

    def save(self, path: str | os.PathLike) -> None:
        _write_json_atomic(path, self.to_dict())

    @classmethod
    def load(cls, path: str | os.PathLike) -> BPETokenizer:
        return _load_as(cls, path)

    def __repr__(self) -> str:
        return f"BPETokenizer(vocab_size={self.vocab_size})"


def _to_bytes(s: str) -> bytes:
    # surrogatepass: a Python str may hold lone surrogates; keep them reversible.
    return s.encode("utf-8", errors="surrogatepass")


def _from_bytes(b: bytes) -> str:
    return b.decode("utf-8", errors="surrogatepass")


def _check_merges(merges: Iterable) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    seen: set[tuple[int, int]] = set()
    for k, m in enumerate(merges):
        if (
            not isinstance(m, (list, tuple))
            or len(m) != 2
            or not all(isinstance(x, int) and not isinstance(x, bool) for x in m)
        ):
            raise ValueError(f"merge {k} should be a pair of ints [a, b], found {m!r}")
        pair = (int(m[0]), int(m[1]))
        # Merge k may only combine bytes and tokens made by earlier merges.
        if not all(0 <= x < 256 + k for x in pair):
            raise ValueError(
                f"merge {k} is {list(pair)}, but ids there must be in [0, {256 + k}) "
                f"(bytes, or tokens from earlier merges)"
            )
        if pair in seen:
            raise ValueError(f"merge {k} repeats the pair {list(pair)}")
        seen.add(pair)
        out.append(pair)
    return out


def _check_ids(ids: Iterable[int], vocab_size: int) -> list[int]:
    ids = [operator.index(i) for i in ids]  # ints and NumPy ints; not floats
    bad = [i for i in ids if not 0 <= i < vocab_size]
    if bad:
        raise ValueError(
            f"cannot decode id(s) {bad[:5]}: the vocabulary has ids 0..{vocab_size - 1}"
        )
    return ids


# ---------------------------------------------------------------------------------
# Files
# ---------------------------------------------------------------------------------

_TYPES = {cls.type_name: cls for cls in (CharTokenizer, BPETokenizer)}


def _write_json_atomic(path: str | os.PathLike, data: dict) -> None:
    # Write beside the target, then rename: a crash leaves the old file or the new
    # one, never half of either.
    with atomic_write(path, "w") as f:
        json.dump(data, f, ensure_ascii=False)


def _field(data: dict, key: str, kind: type, expected: str):
    if key not in data:
        raise ValueError(f"missing field {key!r} (expected {expected})")
    # bool is an int subclass in Python, but `true` is never a valid id or version.
    if not isinstance(data[key], kind) or isinstance(data[key], bool):
        raise ValueError(
            f"field {key!r} should be {expected}, found {type(data[key]).__name__}"
        )
    return data[key]


def _read(path: str | os.PathLike) -> tuple[type, dict]:
    """Parse and check the envelope; returns the tokenizer class the file names."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except json.JSONDecodeError as e:
        raise TokenizerFileError(
            f"{os.fspath(path)}: not valid JSON ({e.msg} at line {e.lineno}, column "
            f"{e.colno}); the file may be truncated. Save the tokenizer again."
        ) from None
    except UnicodeDecodeError:
        raise TokenizerFileError(
            f"{os.fspath(path)}: not a tokenizer file (not UTF-8 text)"
        ) from None
    try:
        if not isinstance(data, dict):
            raise ValueError(f"expected a JSON object, found {type(data).__name__}")
        kind = _field(data, "type", str, f"one of {sorted(_TYPES)}")
        if kind not in _TYPES:
            raise ValueError(f"unknown tokenizer type {kind!r}; expected one of {sorted(_TYPES)}")
        version = _field(data, "version", int, "an int")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"format version {version} is not supported (this TinyTorch reads "
                f"version {FORMAT_VERSION})"
            )
    except ValueError as e:
        raise TokenizerFileError(f"{os.fspath(path)}: {e}") from None
    return _TYPES[kind], data


def _load_as(cls: type, path: str | os.PathLike):
    found, data = _read(path)
    if found is not cls:
        raise TokenizerFileError(
            f"{os.fspath(path)}: holds a {found.type_name!r} tokenizer, not "
            f"{cls.type_name!r}; use {found.__name__}.load or load_tokenizer"
        )
    return _build(cls, data, path)


def _build(cls: type, data: dict, path: str | os.PathLike):
    try:
        return cls.from_dict(data)
    except ValueError as e:
        raise TokenizerFileError(f"{os.fspath(path)}: {e}") from None


def load_tokenizer(path: str | os.PathLike) -> CharTokenizer | BPETokenizer:
    """Load whichever tokenizer `path` holds, chosen by its "type" field."""
    cls, data = _read(path)
    return _build(cls, data, path)
