"""Hostile input never produces a traceback: any YAML document, any ``--set`` string.

Hypothesis writes documents from YAML's own punctuation (anchors, aliases, tags, flow
collections, merge keys, duplicate keys) and ``--set`` strings of any text; reading them
must end, quickly, in a resolved config or a ``ConfigError``, and nothing else.
"""

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinytorch.bench.run.cli import main
from tinytorch.bench.run.config import ConfigError, load_config

NAMES = {"backends": ["vectorized"], "datasets": ["digits"], "models": ["mlp"], "passes": ["prune"], "events": ["memory"]}
SETTINGS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

PUNCTUATION = st.sampled_from(list(":-[]{}&*!?#|>'\",<%@` \n\t") + ["<<", "!!python/name:os.system", "&a", "*a",
                                                                 "1e-3", "null", "~", "name", "seed", "train"])
WORDS = st.sampled_from(["name", "seed", "data", "model", "train", "epochs", "hidden", "optimizer", "lr", "passes",
                         "event", "backend", "extends", "digits", "mlp", "0", "-1", "1e9", "true", "x"])
SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8) | WORDS
TREES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(SCALARS.filter(lambda k: k is not None), inner, max_size=4), max_leaves=20)


def reads_cleanly(path, overrides=()):
    try:
        load_config(path, overrides, names=NAMES)
    except ConfigError as error:
        assert all(str(problem) for problem in error.problems)


@SETTINGS
@given(st.lists(PUNCTUATION | WORDS, max_size=40).map("".join))
def test_any_punctuation_soup_is_a_config_or_a_config_error(tmp_path, text):
    path = tmp_path / "soup.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogateescape")
    reads_cleanly(path)


@SETTINGS
@given(TREES)
def test_any_data_tree_is_a_config_or_a_config_error(tmp_path, tree):
    path = tmp_path / "tree.yaml"
    path.write_text(yaml.safe_dump(tree if isinstance(tree, dict) else {"model": tree}))
    reads_cleanly(path)


@SETTINGS
@given(st.lists(st.text(max_size=30) | st.builds("{}={}".format, WORDS | st.text(max_size=10),
                                                  PUNCTUATION | st.text(max_size=10)), max_size=4))
def test_any_set_string_is_a_config_or_a_config_error(tiny, overrides):
    reads_cleanly(tiny, overrides)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(PUNCTUATION | WORDS, max_size=30).map("".join), st.binary(max_size=4))
def test_tt_config_validate_never_shows_a_traceback(tmp_path, text, tail):
    path = tmp_path / "exp.yaml"
    path.write_bytes(text.encode("utf-8", "surrogateescape") + tail)  # the tail may not be UTF-8
    result = CliRunner().invoke(main, ["config", "validate", str(path)])
    assert result.exit_code in (0, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
