"""Bounded config reading (``run/yamlio.py``): every hostile file ends quickly in one clear problem."""

import pytest
import yaml

from tinytorch.bench.run import yamlio
from tinytorch.bench.run.config import ConfigError, load_config

NAMES = {"backends": ["vectorized"], "datasets": ["digits"], "models": ["mlp"], "passes": [], "events": []}
HEAD = "name: x\ndata: {name: digits}\ntrain: {epochs: 1}\n"

# Nine levels of nine aliases each: 9**9 (387 million) copies of one value in a few hundred bytes.
LEVELS = [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}' if i else 'v'] * 9)}]" for i in range(9)]
BOMB = "".join(level + "\n" for level in LEVELS)


def problem_of(path, overrides=()):
    with pytest.raises(ConfigError) as info:
        load_config(path, overrides, names=NAMES)
    (problem,) = info.value.problems
    return str(problem)


@pytest.fixture
def config(tmp_path):
    def config(content):
        path = tmp_path / "exp.yaml"
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path

    return config


def test_alias_bomb_under_model_hidden_is_refused_while_parsing(config):
    path = config(BOMB + HEAD + "model: {name: mlp, hidden: *l8}\n")
    message = problem_of(path)
    assert str(path) in message and "expected at most 100,000 values, found more" in message


def test_a_few_aliases_still_work(config):
    path = config("common: &opt {name: adam, lr: 0.01}\n" + HEAD.replace("{epochs: 1}", "{epochs: 1, optimizer: *opt}")
                  + "model: {name: mlp}\n")
    with pytest.raises(ConfigError, match="common"):  # aliases read fine; the key itself is unknown
        load_config(path, names=NAMES)


def test_alias_cycle_and_deep_nesting_are_refused(config):
    assert "a cycle" in problem_of(config(HEAD + "model: &m {name: mlp, hidden: [*m]}\n"))
    assert "nested more than 64 levels deep" in problem_of(config(HEAD + "model: " + "[" * 500 + "]" * 500 + "\n"))


def test_duplicate_key_names_file_and_both_lines(config):
    path = config(HEAD + "model: {name: mlp}\nseed: 1\nseed: 2\n")
    message = problem_of(path)
    assert message.startswith(str(path))
    assert "line 6" in message and "duplicate key 'seed' (first at line 5)" in message


def test_merge_key_may_still_override():
    assert yamlio.safe_load("base: &b {x: 1, y: 2}\nc: {<<: *b, x: 3}\n")["c"] == {"x": 3, "y": 2}


def test_safe_load_semantics_kept():
    assert yamlio.safe_load("lr: 1e-3\nn: 5E+4\ns: '1e-3'\n") == {"lr": 0.001, "n": 50000.0, "s": "1e-3"}
    with pytest.raises(yaml.constructor.ConstructorError):
        yamlio.safe_load("!!python/object/apply:os.system ['true']")


def test_too_large_config_is_refused_before_parsing(config, monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_CONFIG_BYTES", 1000)
    message = problem_of(config(HEAD + "model: {name: mlp}\n# " + "x" * 2000 + "\n"))
    assert "expected a config of at most 1,000 bytes, found more" in message


def test_config_that_is_a_device_is_refused(tmp_path):
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    assert "expected a regular config file" in problem_of(tmp_path / "zero.yaml")


def test_non_utf8_config_names_the_line_and_byte(config):
    path = config(HEAD.encode() + b"model: {name: mlp}\n# caf\xe9\n")
    message = problem_of(path)
    assert str(path) in message and "line 5: expected UTF-8 text, found the byte 0xe9" in message


def test_a_huge_value_is_echoed_cut_short(config):
    message = problem_of(config(HEAD + f"model: {{name: mlp}}\nseed: {'9' * 5000}x\n"))
    assert "seed" in message and "\u2026" in message and len(message) < 400


def test_a_huge_set_is_echoed_cut_short(config):
    message = problem_of(config(HEAD + "model: {name: mlp}\n"), ["x" * 5000])
    assert "\u2026" in message and len(message) < 400


def test_alias_bomb_in_a_set_value_is_refused(config):
    message = problem_of(config(HEAD + "model: {name: mlp}\n"), ["model.hidden={" + ", ".join(LEVELS) + "}"])
    assert message.startswith("--set model.hidden=") and "expected at most 100,000 values, found more" in message


def test_seed_numpy_cannot_take_is_refused(config):
    message = problem_of(config(HEAD + "model: {name: mlp}\nseed: 4294967296\n"))
    assert "seed: expected an integer <= 4294967295, found 4294967296" in message
