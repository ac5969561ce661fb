"""`tt generate` on a tiny trained run: samples, repeatability, and the errors a user meets."""

import shutil

import numpy as np
import pytest
from click.testing import CliRunner

import tinytorch.nn as nn
from tinytorch.bench.run.cli import main
from tinytorch.bench.run.sample import load_run
from tinytorch.text import CharTokenizer

TINY_GPT = """\
name: tiny-gpt
data: {name: tinyshakespeare, batch_size: 8, block_size: 16, windows_per_epoch: 16}
model: {name: gpt, d_model: 16, n_layers: 1, n_heads: 2}
train: {epochs: 1, optimizer: {name: adamw, lr: 0.01}}
"""


def tt(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture(scope="module")
def run_dir(trained_run):
    """One tiny GPT trained for one epoch (a few seconds), shared by this module's tests."""
    run, output = trained_run("tiny_gpt", TINY_GPT)
    assert "sample after epoch 1:\nROMEO:" in output  # the dashboard, as plain lines
    return run


def test_the_run_saves_its_tokenizer(run_dir):
    tokenizer = CharTokenizer.load(run_dir / "tokenizer.json")
    assert tokenizer.vocab_size == 65 and tokenizer.decode(tokenizer.encode("ROMEO:")) == "ROMEO:"


def test_generate_continues_the_prompt(run_dir):
    result = tt("generate", run_dir, "--prompt", "ROMEO:", "--tokens", 30, "--seed", 3)
    assert result.exit_code == 0, result.output
    text = result.output[:-1]  # click.echo adds a newline
    assert text.startswith("ROMEO:") and len(text) == len("ROMEO:") + 30
    assert tt("generate", run_dir, "--prompt", "ROMEO:", "--tokens", 30, "--seed", 3).output == result.output


def test_temperature_zero_is_greedy_and_repeatable_without_a_seed(run_dir):
    first = tt("generate", run_dir, "--prompt", "KING", "--tokens", 40, "--temperature", 0)
    assert first.exit_code == 0, first.output
    assert tt("generate", run_dir, "--prompt", "KING", "--tokens", 40, "--temperature", 0).output == first.output


def test_more_tokens_than_the_context_window(run_dir):
    # block_size 16 is the model's window; generation slides it instead of failing.
    result = tt("generate", run_dir, "--tokens", 50, "--top-k", 5, "--seed", 0)
    assert result.exit_code == 0, result.output
    assert len(result.output) == 1 + 50 + 1  # the default prompt "\n", 50 tokens, the echo's newline


def test_the_loaded_model_is_the_trained_one(run_dir):
    trained = load_run(run_dir)
    saved = nn.load(run_dir / "model.npz")
    state = trained.model.state_dict()
    assert state.keys() == saved.keys()
    for name, value in state.items():
        np.testing.assert_array_equal(np.asarray(value), saved[name], err_msg=name)
    assert trained.config["model"]["name"] == "gpt"


def test_a_prompt_outside_the_vocabulary_names_the_characters(run_dir):
    result = tt("generate", run_dir, "--prompt", "ROMEO€ ✓:")
    assert result.exit_code == 1
    assert "error: --prompt" in result.output and "'€'" in result.output and "'✓'" in result.output
    assert "Traceback" not in result.output


def test_not_a_run_directory(tmp_path):
    result = tt("generate", tmp_path, "--prompt", "ROMEO:")
    assert result.exit_code == 1
    assert "is not the run directory of a trained text model" in result.output
    assert "config.yaml, model.npz, tokenizer.json" in result.output


def test_a_corrupt_tokenizer_file(run_dir, tmp_path):
    broken = tmp_path / "run"
    broken.mkdir()
    for name in ("config.yaml", "model.npz"):
        (broken / name).write_bytes((run_dir / name).read_bytes())
    (broken / "tokenizer.json").write_text("{not json")
    result = tt("generate", broken)
    assert result.exit_code == 1
    assert "cannot read the run's tokenizer" in result.output and "tokenizer.json" in result.output


def test_bad_options_are_usage_errors(run_dir):
    assert tt("generate", run_dir, "--top-k", 0).exit_code == 2
    assert tt("generate", run_dir, "--tokens", -1).exit_code == 2


@pytest.mark.parametrize("args, words", [
    (("--prompt", ""), "Invalid value for '--prompt': expected at least one character to continue, found an empty prompt"),
    (("--temperature", "nan"), "Invalid value for '--temperature': expected a finite number, found nan"),
    (("--temperature", "inf"), "Invalid value for '--temperature': expected a finite number, found inf"),
])
def test_an_empty_prompt_or_a_temperature_that_is_not_finite_is_one_line(run_dir, args, words):
    result = CliRunner().invoke(main, ["generate", str(run_dir), *args])
    assert result.exit_code == 2 and words in result.output and "Traceback" not in result.output


def test_a_tokenizer_smaller_than_the_model_vocabulary_is_refused(run_dir, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run_dir, copy)
    CharTokenizer("abc").save(copy / "tokenizer.json")
    result = tt("generate", copy, "--tokens", 5)
    assert result.exit_code == 1
    assert "tokenizer.json: expected a tokenizer of at least 65 tokens (the model's vocabulary), found 3" in result.output
