"""TinyTalks: a character-level GPT learns to answer questions, and how to measure it.

Every example is one question-and-answer pair written the way the model will later be
asked, ``Q: What color is the sky?\\nA: The sky is blue.\\n\\n``. To chat, we write
``Q: <question>\\nA: `` and let the model continue until it ends the line: the text up
to that newline is its answer (`answer`).

**Windows.** Each pair starts one training window at position 0 (where a chat prompt
starts too), so the model always sees a whole question before its answer. The window
runs on into the pairs that follow, laid end to end in an order shuffled again each
epoch (``set_epoch``), so every target in a window is real text and no padding is
needed.

**Which tokens carry the loss.** All of them, the question's as well as the answer's:
the windows are trained with the same plain cross-entropy over every position as Tiny
Shakespeare, and the Trainer's loss and per-token accuracy mean what they mean there.
Answer-only loss would mark the question's targets with ``ignore_index`` (-100, which
``nn.CrossEntropyLoss`` skips), but the Trainer's accuracy counts every target, so it
would report those positions as wrong. What answer-only loss would buy is capacity: the
model also learns to predict questions, which are unpredictable at their first
characters. With 210 pairs and 426,496 weights that capacity is not what limits
memorising the answers (97% of the training answers come out exactly right after 80
epochs, all of them after 120; see ``docs/milestones.md``), so the simpler loss stays.

**The measure.** ``answer_exact_match``: greedy decoding, and an answer counts only if
its line equals the reference exactly. On the training pairs this measures memorising;
on the validation and test pairs, whose questions the model never saw, it measures
answering, which 210 examples cannot teach. Both are reported.

Read next: ``tinytorch.bench.run.chat`` (``tt chat``), which asks a trained run questions.
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from tinytorch.core.data import Dataset, DatasetSplits
from tinytorch.core.data.sources import check_bytes
from tinytorch.text.datasets import _check_index, _window
from tinytorch.text.generation import generate
from tinytorch.text.tokenizers import CharTokenizer

# sha256 of each split shipped in data/tinytalks/ (copied verbatim; see data/README.md)
SPLITS = {
    "train": "734520b4597276ba75949402962ecb94c5e463ed8af1460eac86fbba2a1922be",
    "val": "938da1b38d15c1f253bd3a6deb4f546df73d6a5e456d1f6220db280118819c1d",
    "test": "4a44d204594c7f0a31202758de75af7fc8a1d17565423004ce8dd9d28bea99cb",
}
SHOWN_QUESTIONS = 3  # per split, on the dashboard after each epoch
EXAMPLES_KEPT = 3  # right and wrong answers per split, kept in metrics.json


def prompt(question: str) -> str:
    """The start of a training example, up to where the answer begins."""
    return f"Q: {question}\nA: "


def format_pair(question: str, answer: str) -> str:
    return f"{prompt(question)}{answer}\n\n"


def parse_pairs(text: str, name: str = "text") -> list[tuple[str, str]]:
    """``(question, answer)`` pairs from blocks of a ``Q: `` line and an ``A: `` line."""
    pairs = []
    for number, block in enumerate(text.strip("\n").split("\n\n"), 1):
        lines = block.split("\n")
        if len(lines) != 2 or not lines[0].startswith("Q: ") or not lines[1].startswith("A: "):
            raise ValueError(f"{name}: block {number} is not one 'Q: ' line and one 'A: ' line: {block!r}")
        pairs.append((lines[0][3:], lines[1][3:]))
    return pairs


@lru_cache(maxsize=3)
def read_split(split: str) -> tuple[tuple[str, str], ...]:
    """The checked pairs of ``split`` (train, val or test) shipped in this package."""
    if split not in SPLITS:
        raise ValueError(f"unknown TinyTalks split {split!r}; expected one of {sorted(SPLITS)}")
    shipped = resources.files("tinytorch.text") / "data" / "tinytalks" / f"{split}.txt"
    data = check_bytes(shipped.read_bytes(), SPLITS[split], f"the shipped {shipped}", package="tinytorch-text")
    return tuple(parse_pairs(data.decode("ascii"), str(shipped)))


class PairWindows(Dataset):
    """One window per pair: ``block_size + 1`` ids from the pair's ``Q:`` on, running into
    the pairs after it. With ``shuffle`` the pairs are reordered each epoch (a seeded draw
    of (seed, epoch), as `RandomWindows` does), so a pair is followed by different text."""

    def __init__(self, pair_ids, block_size: int, shuffle: bool = False, seed: int = 0):
        if not isinstance(block_size, (int, np.integer)) or block_size < 1:
            raise ValueError(f"block_size must be a positive integer, found {block_size!r}")
        self.pair_ids = [np.asarray(ids, dtype=np.int64) for ids in pair_ids]
        self.block_size, self.shuffle, self.seed = block_size, shuffle, seed
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        n = len(self.pair_ids)
        order = np.random.default_rng((self.seed, epoch)).permutation(n) if self.shuffle else np.arange(n)
        ids = np.concatenate([self.pair_ids[i] for i in order])
        lengths = np.array([len(self.pair_ids[i]) for i in order])
        # Window i starts at pair i; cycling the text gives the last windows their tail.
        self.starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        self.ids = np.resize(ids, len(ids) + self.block_size + 1)

    def __len__(self) -> int:
        return len(self.pair_ids)

    def __getitem__(self, index):
        return _window(self.ids, self.starts[_check_index(index, len(self))], self.block_size)


def tinytalks(block_size: int = 96, seed: int = 0) -> DatasetSplits:
    """TinyTalks pairs as `PairWindows`: train (210 pairs, reshuffled each epoch) and test (46).

    The validation pairs (45) are used only by the exact-match measure. ``info`` has what
    the runner and ``tt chat`` need: ``tokenizer`` (the characters of all three splits),
    ``vocab_size``, ``block_size``, ``evaluate(model)`` (the ``answer_exact_match``
    metrics) and ``sample(model)`` (a few questions answered, for the dashboard).
    """
    splits = {name: read_split(name) for name in SPLITS}
    text = "".join(format_pair(q, a) for pairs in splits.values() for q, a in pairs)
    tokenizer = CharTokenizer.from_text(text)

    def windows(split, shuffle):
        return PairWindows([tokenizer.encode(format_pair(q, a)) for q, a in splits[split]], block_size, shuffle, seed)

    info = {
        "name": "tinytalks", "vocab_size": tokenizer.vocab_size, "block_size": block_size,
        "tokenizer": tokenizer, "num_classes": tokenizer.vocab_size, "input_shape": (block_size,),
        "evaluate": lambda model: evaluate(model, tokenizer, splits),
        "sample": lambda model: sample(model, tokenizer, splits),
    }
    return DatasetSplits(windows("train", True), windows("test", False), info)


# -- answering and measuring ------------------------------------------------------------


def answer(model, tokenizer, questions, max_tokens: int = 80) -> list[str]:
    """The model's greedy answer line to each question (prompted as in training).

    Prompts of the same length are decoded together as one batch (the GPT has no padding
    mask, so only equal lengths can share a batch). Generation stops after ``max_tokens``.
    """
    prompts = [tokenizer.encode(prompt(q)) for q in questions]
    answers = [""] * len(prompts)
    for length in sorted({len(p) for p in prompts}):
        rows = [i for i, p in enumerate(prompts) if len(p) == length]
        out = generate(model, np.array([prompts[i] for i in rows], dtype=np.int64), max_tokens, temperature=0)
        for i, ids in zip(rows, out):
            answers[i] = tokenizer.decode(ids[length:].tolist()).split("\n")[0]
    return answers


def exact_match(model, tokenizer, pairs) -> tuple[float, list[dict]]:
    """The share of ``pairs`` answered exactly, and every ``{question, reference, answer}``."""
    if not pairs:
        raise ValueError("exact_match needs at least one (question, answer) pair")
    longest = max(len(a) for _, a in pairs) + 1  # room for the newline that ends the answer
    got = answer(model, tokenizer, [q for q, _ in pairs], longest)
    rows = [{"question": q, "reference": a, "answer": g} for (q, a), g in zip(pairs, got)]
    return sum(r["answer"] == r["reference"] for r in rows) / len(rows), rows


def evaluate(model, tokenizer, splits) -> dict:
    """``answer_exact_match`` per split, and a few right and wrong answers of each."""
    scores, examples = {}, {}
    for name, pairs in splits.items():
        scores[name], rows = exact_match(model, tokenizer, pairs)
        right = [r for r in rows if r["answer"] == r["reference"]]
        wrong = [r for r in rows if r["answer"] != r["reference"]]
        examples[name] = {"right": right[:EXAMPLES_KEPT], "wrong": wrong[:EXAMPLES_KEPT]}
    return {"answer_exact_match": scores, "answer_examples": examples}


def sample(model, tokenizer, splits) -> str:
    """A few training and unseen questions with the model's answers, one pair a line."""
    shown = [(name, q, a) for name in ("train", "val") for q, a in splits[name][:SHOWN_QUESTIONS]]
    got = answer(model, tokenizer, [q for _, q, _ in shown])
    return "\n".join(f"[{name}] Q: {q}\n        A: {g}{'  ✓' if g == a else ''}"
                     for (name, q, a), g in zip(shown, got))
