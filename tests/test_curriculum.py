"""The curriculum: `tt modules`, `tt module test`, `tt milestones`, `tt milestone run`."""

import ast
import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from tinytorch.bench.learn import curriculum
from tinytorch.bench.run.cli import main as tt

ROOT = Path(__file__).resolve().parents[1]
COURSE = [
    "tensor", "activations", "layers", "losses", "autograd", "optimizers", "training",
    "dataloader", "spatial", "tokenization", "embeddings", "attention", "transformers",
    "kv-caching", "profiling", "acceleration", "quantization", "compression", "benchmarking",
]


@pytest.fixture(autouse=True)
def setting(monkeypatch, tmp_path):
    monkeypatch.setenv("COLUMNS", "250")  # rich tables wide enough not to fold names
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.chdir(ROOT)


def invoke(*args):
    return CliRunner().invoke(tt, list(args))


def test_modules_lists_the_19_in_order_with_code_tests_and_milestones():
    result = invoke("modules", "--no-status")
    assert result.exit_code == 0, result.output
    assert [m.name for m in curriculum.MODULES] == COURSE
    assert [m.number for m in curriculum.MODULES] == list(range(1, 20))
    rows = [result.output.index(f"│ {m.number:02d} │ {m.name} ") for m in curriculum.MODULES]
    assert rows == sorted(rows)
    for text in ("tinytorch-core", "core/autograd.py", "core/test_autograd.py", "1986_mlp_digits"):
        assert text in result.output
    assert "status" not in result.output


def test_status_is_measured_by_running_the_modules_tests():
    status = curriculum.statuses([curriculum.find_module("losses")], ROOT)[4]
    assert status.ok, str(status)
    assert status.counts["passed"] > 0 and not status.missing
    assert str(status).startswith("[green]pass[/green]")


def test_status_counts_failures_import_errors_and_missing_files(tmp_path):
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "test_mixed.py").write_text("def test_ok():\n    pass\n\ndef test_bad():\n    assert False\n")
    (tmp_path / "t" / "test_broken.py").write_text("import no_such_module_anywhere\n")
    fake = curriculum.CourseModule(99, "fake", (), ("t/test_mixed.py", "t/test_broken.py", "t/test_gone.py"))
    status = curriculum.statuses([fake], tmp_path)[99]
    assert status.counts == Counter(passed=1, failed=1, error=1)
    assert status.missing == ("t/test_gone.py",)
    assert not status.ok
    assert "FAIL[/red] 2 of 3" in str(status) and "test_gone.py" in str(status)


@pytest.mark.parametrize("args", [("autograd",), ("05", "-k", "scalar")])
def test_module_test_runs_pytest_and_reports(args):
    result = invoke("module", "test", *args)
    assert result.exit_code == 0, result.output
    assert "module 05 autograd: packages/tinytorch-core/tests/test_autograd.py" in result.output
    assert "module 05 autograd: pass" in result.output


def test_unknown_module_lists_the_valid_ones():
    result = invoke("module", "test", "autograde")
    assert result.exit_code == 2
    assert "unknown module 'autograde'" in result.output
    assert "01 tensor" in result.output and "19 benchmarking" in result.output
    assert "did you mean 'autograd'?" in result.output


@pytest.mark.parametrize("key", [5, "05", "autograd", "Autograd", " 5 "])
def test_modules_are_found_by_number_or_name(key):
    assert curriculum.find_module(key).name == "autograd"
    assert curriculum.find_module("kv caching") is curriculum.find_module("14")


def test_milestones_lists_configs_targets_and_the_module_that_unlocks_each():
    result = invoke("milestones")
    assert result.exit_code == 0, result.output
    configs = curriculum.milestone_configs(ROOT)
    assert "1986_mlp_digits" in configs
    for name, path in configs.items():
        assert name in result.output and str(path.relative_to(ROOT)) in result.output
    assert "test_accuracy >= 0.97" in result.output
    assert "08 dataloader" in result.output
    assert "1957: Frank Rosenblatt's perceptron." in result.output


def test_milestone_run_trains_and_checks_the_target(tmp_path):
    out = tmp_path / "run"
    result = invoke("milestone", "run", "1957_perceptron", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "target test_accuracy >= 1 met" in result.output
    assert json.loads((out / "metrics.json").read_text())["test_accuracy"] == 1.0


def test_unknown_milestone_suggests_the_nearest():
    result = invoke("milestone", "run", "1986_mlp_digit")
    assert result.exit_code == 2
    assert "unknown milestone '1986_mlp_digit'" in result.output
    assert "did you mean '1986_mlp_digits'?" in result.output


def test_root_is_found_from_below_and_outside_is_an_error(tmp_path, monkeypatch):
    assert curriculum.find_root(ROOT / "packages" / "tinytorch-core" / "src") == ROOT
    monkeypatch.setattr(curriculum, "__file__", str(tmp_path / "curriculum.py"))
    with pytest.raises(curriculum.CurriculumError, match="cannot find the TinyTorch repository"):
        curriculum.find_root(tmp_path)


def test_every_listed_file_exists():
    listed = [path for m in curriculum.MODULES for path in m.files + m.tests]
    assert [path for path in listed if not (ROOT / path).is_file()] == []


def test_milestone_table_and_configs_agree():
    configs = curriculum.milestone_configs(ROOT)
    assert sorted(curriculum.TARGETS) == sorted(configs)
    unlocked = [name for m in curriculum.MODULES for name in m.unlocks]
    assert sorted(unlocked) == sorted(configs)


def test_each_main_file_opens_with_the_idea_and_what_to_read_next():
    for m in curriculum.MODULES:
        docstring = ast.get_docstring(ast.parse((ROOT / m.files[0]).read_text())) or ""
        assert "read next" in docstring.lower(), f"{m.label}: {m.files[0]} lacks a docstring ending in 'Read next'"
