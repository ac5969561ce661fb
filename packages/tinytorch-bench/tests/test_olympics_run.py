"""`tt run` with passes and an event, end to end; `tt profile`, `tt events`; errors before training."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import tinytorch.nn as nn
from tinytorch.bench.run.cli import main

OLYMPICS = Path(__file__).resolve().parents[3] / "configs" / "olympics"
EVENTS = ("latency", "memory", "accuracy", "all_around", "extreme")


def tt(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_memory_config_qualifies_with_a_quarter_of_the_bytes(tmp_path):
    out = tmp_path / "runs" / "memory"
    result = tt("run", OLYMPICS / "memory.yaml", "--out", out, "--set", "benchmark.quick=true")
    assert result.exit_code == 0, result.output
    assert "baseline vs optimized" in result.output and "Memory Challenge (memory): score" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    base, opt, event = metrics["baseline"], metrics["optimized"], metrics["event"]
    for section in (base, opt):
        assert {"accuracy", "latency_ms", "model_bytes", "peak_memory_bytes"} <= set(section)
        assert {"p50", "p90"} <= set(section["latency_ms"])
    assert event["name"] == "memory" and event["qualified"] and "reason" not in event, event
    assert opt["model_bytes"] <= 0.26 * base["model_bytes"]
    assert base["accuracy"] - opt["accuracy"] <= 0.01
    assert event["score"] == pytest.approx(base["model_bytes"] / opt["model_bytes"])
    assert [p["name"] for p in metrics["passes"]] == ["prune", "quantize"]
    saved = nn.load(out / "model.npz")
    assert saved["1.weight"].dtype == np.int8  # the optimized model is what was saved
    if importlib.util.find_spec("matplotlib"):
        assert (out / "pareto.png").stat().st_size > 0
    # the run dir profiles, and ranks
    profile = tt("profile", out)
    assert profile.exit_code == 0 and "QuantizedLinear" in profile.output and "Linear" in profile.output
    board = tt("leaderboard", tmp_path / "runs")
    assert board.exit_code == 0 and "memory" in board.output and "qualified" in board.output


@pytest.mark.parametrize("event", EVENTS)
def test_every_olympics_config_is_valid(event):
    result = tt("config", "validate", OLYMPICS / f"{event}.yaml")
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_a_short_olympics_run_writes_every_section(tiny, tmp_path):
    out = tmp_path / "run"
    result = tt("run", tiny, "--out", out, "--set", "passes=[{name: quantize}]", "--set", "event={name: memory}")
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["event"]) >= {"name", "score", "qualified"}
    assert metrics["warnings"] == [] or all(isinstance(w, str) for w in metrics["warnings"])
    assert metrics["optimized"]["model_bytes"] < metrics["baseline"]["model_bytes"]
    report = (out / "report.md").read_text()
    bytes_row = f"| model bytes | {metrics['baseline']['model_bytes']:,} | {metrics['optimized']['model_bytes']:,} |"
    assert "## TorchPerf Olympics: baseline vs optimized" in report and bytes_row in report
    assert f"Memory Challenge (memory): score {metrics['event']['score']:.3f}" in report


@pytest.mark.parametrize("overrides, expected", [
    (["passes=[{name: kv-cache}]"], "kv-cache: cached generation needs a GPT-style model"),
    (["passes=[{name: prune, sparsity: 1.0}]"], "sparsity must be a fraction in [0, 1)"),
    (["passes=[{name: distill, student: {name: mlp, hidden: [512]}}]"], "is larger than the teacher"),
    (["passes=[{name: quantise}]"], "did you mean 'quantize'?"),
    (["passes=[{name: prune, sparsty: 0.5}]"], "did you mean 'sparsity'?"),
    (["event={name: memory, min_accuracy_ratoi: 0.9}"], "did you mean 'min_accuracy_ratio'?"),
    (["event={name: memroy}"], "did you mean 'memory'?"),
])
def test_a_pass_or_event_that_cannot_work_fails_before_training(tiny, tmp_path, overrides, expected):
    out = tmp_path / "run"
    result = tt("run", tiny, "--out", out, *[arg for o in overrides for arg in ("--set", o)])
    assert result.exit_code == 2, result.output
    assert expected in result.output and "Traceback" not in result.output
    assert "epoch 1" not in result.output and not out.exists()


def test_a_pass_failing_after_training_keeps_the_cached_baseline(tiny, tmp_path):
    bad = tt("run", tiny, "--out", tmp_path / "a", "--set", "passes=[{name: quantize}, {name: prune}]")
    assert bad.exit_code == 1 and "put prune before quantize" in bad.output
    again = tt("run", tiny, "--out", tmp_path / "b", "--set", "passes=[{name: prune}, {name: quantize}]")
    assert again.exit_code == 0 and "reusing the cached baseline" in again.output


def test_tt_events_prints_the_rules():
    result = tt("events")
    assert result.exit_code == 0
    for title in ("Latency Sprint", "Memory Challenge", "Accuracy Contest", "All-Around", "Extreme Push"):
        assert title in result.output
    assert result.output.count("Score:") >= 5


def test_tt_profile_of_a_config_uses_the_cached_baseline_once_there_is_one(tiny, tmp_path):
    before = tt("profile", tiny)
    assert before.exit_code == 0 and "untrained weights" in before.output and "Linear" in before.output
    assert tt("run", tiny, "--out", tmp_path / "run").exit_code == 0
    after = tt("profile", tiny)
    assert "weights of the cached baseline" in after.output
    plain_run = tt("profile", tmp_path / "run")  # a run without passes: its model.npz
    assert plain_run.exit_code == 0 and "model.npz" in plain_run.output
