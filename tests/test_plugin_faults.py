"""Faulty plugins are reported and isolated: `tt` keeps working until a config needs one.

Four fakes stand in for installed distributions (no pip install): one whose module
raises on import, one whose registration hook raises, one whose command hook raises, and
one that registers a pass name tinytorch-optim already has. With all of them present:

* `tt plugins` still works and shows each error;
* `tt run` of a config that uses none of them trains as usual;
* a config that uses one fails with a message naming the plugin and its error.
"""

import re

import pytest
import yaml
from click.testing import CliRunner

from tinytorch.bench.run.cli import main as tt
from tinytorch.core import plugins
from tinytorch.core.testing import FakeEntryPoint, hook_module


def raising(message):
    def hook(**kwargs):
        raise RuntimeError(message)

    return hook


def register_prune(register):
    register("prune", object)


FAKES = [
    FakeEntryPoint("tinytorch-broken", "broken", error=ImportError("No module named 'zzz_missing'")),
    FakeEntryPoint("tinytorch-raiser", "raiser", hook_module("raiser", tinytorch_register_models=raising("boom"))),
    FakeEntryPoint("tinytorch-loud", "loud", hook_module("loud", tinytorch_register_commands=raising("no commands today"))),
    FakeEntryPoint("tinytorch-copycat", "copycat", hook_module("copycat", tinytorch_register_passes=register_prune)),
]

WIDE = {"COLUMNS": "300"}  # rich reads the width here; one table row per line
TINY = {
    "name": "tiny",
    "seed": 0,
    "data": {"name": "digits", "batch_size": 64},
    "model": {"name": "mlp", "hidden": [16]},
    "train": {"epochs": 1, "optimizer": {"name": "adam", "lr": 0.01}},
    "benchmark": {"quick": True},  # passes make it an Olympics run: a few queries, not 10 s
}


@pytest.fixture(autouse=True)
def faulty_plugins(tmp_path, monkeypatch):
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    previous = plugins.host()
    plugins.reset(plugins.PluginHost([*plugins.installed_entry_points(), *FAKES]))
    yield
    plugins.reset(previous)


def tt_run(tmp_path, **changes):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({**TINY, **changes}))
    return CliRunner().invoke(tt, ["run", str(path), "--out", str(tmp_path / "run")], env=WIDE)


def flat(text):
    return " ".join(text.split())


def test_tt_plugins_shows_every_fault_and_everything_else():
    result = CliRunner().invoke(tt, ["plugins"], env=WIDE)
    assert result.exit_code == 0, result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.startswith("│ ")}
    assert "BROKEN: ImportError: No module named 'zzz_missing'" in rows["tinytorch-broken"]
    assert "BROKEN: tinytorch_register_models raised RuntimeError: boom" in rows["tinytorch-raiser"]
    assert "BROKEN: tinytorch_register_commands raised RuntimeError: no commands today" in rows["tinytorch-loud"]
    assert "OK" in rows["tinytorch-core"] and "OK" in rows["tinytorch-bench"]
    assert re.search(r"conflict: \w+ 'prune' is registered by 'tinytorch-optim' and 'tinytorch-copycat'",
                     flat(result.output))


def test_a_config_that_uses_none_of_them_runs(tmp_path):
    result = tt_run(tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "run" / "metrics.json").exists()


def test_using_the_plugin_that_failed_to_import_names_it_and_its_error(tmp_path):
    result = tt_run(tmp_path, passes=[{"name": "broken"}])
    assert result.exit_code != 0
    assert ("plugin 'broken' from 'tinytorch-broken' is broken: ImportError: No module named 'zzz_missing'"
            in flat(result.output))


def test_using_the_plugin_whose_hook_raised_names_it_and_its_error(tmp_path):
    result = tt_run(tmp_path, model={"name": "raiser"})
    assert result.exit_code != 0
    assert ("plugin 'raiser' from 'tinytorch-raiser' is broken: tinytorch_register_models raised RuntimeError: boom"
            in flat(result.output))


def test_using_a_name_two_plugins_claim_names_both(tmp_path):
    result = tt_run(tmp_path, passes=[{"name": "prune", "sparsity": 0.5}])
    assert result.exit_code != 0
    assert "'prune' is registered by both 'tinytorch-optim' and 'tinytorch-copycat'" in flat(result.output)
    assert not (tmp_path / "run").exists()
