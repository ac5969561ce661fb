"""`tt chat` on a tiny TinyTalks run, and what that run records and shows."""

import json

import pytest
from click.testing import CliRunner

from tinytorch.bench.run.chat import ask
from tinytorch.bench.run.cli import main
from tinytorch.bench.run.sample import load_run

TINY_TALKS = """\
name: tiny-talks
data: {name: tinytalks, batch_size: 32, block_size: 32}
model: {name: gpt, d_model: 16, n_layers: 1, n_heads: 2}
train: {epochs: 1, optimizer: {name: adamw, lr: 0.01}}
"""


def tt(*args, **options):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **options)


@pytest.fixture(scope="module")
def run_dir(trained_run):
    """One tiny GPT trained on TinyTalks for one epoch (about a second)."""
    run, output = trained_run("tiny_talks", TINY_TALKS)
    assert "sample after epoch 1:\n[train] Q: Where do you watch movies?\n        A: " in output
    return run


def test_the_run_records_exact_match_per_split(run_dir):
    metrics = json.loads((run_dir / "metrics.json").read_text())
    assert set(metrics["answer_exact_match"]) == {"train", "val", "test"}
    assert all(0 <= score <= 1 for score in metrics["answer_exact_match"].values())
    assert set(metrics["answer_examples"]["val"]) == {"right", "wrong"}


def test_one_question_prints_the_models_answer_line(run_dir):
    result = tt("chat", run_dir, "--question", "What color is the sky?")
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1
    assert result.output[:-1] == ask(load_run(run_dir), "What color is the sky?")


def test_the_interactive_chat_answers_until_an_empty_line(run_dir):
    result = tt("chat", run_dir, input="Hello!\nHow are you?\n\n")
    assert result.exit_code == 0, result.output
    assert result.output.count("A: ") == 2


def test_a_question_the_tokenizer_cannot_spell_is_an_error(run_dir):
    result = tt("chat", run_dir, "--question", "Wie geht's? ✓")
    assert result.exit_code == 1 and result.output.startswith("error: question")
