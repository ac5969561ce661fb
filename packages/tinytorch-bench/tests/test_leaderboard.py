"""The leaderboard: runs found on disk, ranked per event, qualified first."""

import json

from click.testing import CliRunner

from tinytorch.bench.olympics import leaderboard
from tinytorch.bench.run.cli import main


def write_run(runs, name, event, score, qualified=True, reason=None):
    run = runs / name
    run.mkdir(parents=True)
    section = {"accuracy": 0.95, "latency_ms": {"p50": 1.0, "p90": 1.2}, "model_bytes": 1000}
    metrics = {"baseline": section, "optimized": {**section, "model_bytes": int(1000 / score)},
               "event": {"name": event, "score": score, "qualified": qualified}}
    if reason:
        metrics["event"]["reason"] = reason
    (run / "metrics.json").write_text(json.dumps(metrics))


def test_runs_are_ranked_per_event_qualified_first(tmp_path):
    write_run(tmp_path, "a", "memory", 4.0)
    write_run(tmp_path, "b", "memory", 10.0)
    write_run(tmp_path, "c", "memory", 50.0, qualified=False, reason="accuracy too low")
    write_run(tmp_path, "d", "latency", 1.5)
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "metrics.json").write_text(json.dumps({"test_accuracy": 0.9}))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "metrics.json").write_text("{not json")
    entries, notes = leaderboard.collect(tmp_path)
    ranked = leaderboard.rank(entries)
    assert list(ranked) == ["latency", "memory"]
    assert [e["run"] for e in ranked["memory"]] == ["b", "a", "c"]
    assert ranked["memory"][0]["bytes_ratio"] == 0.1
    assert len(notes) == 1 and "broken" in notes[0]  # a run without an event is simply not listed


def test_tt_leaderboard_prints_the_tables(tmp_path):
    write_run(tmp_path, "small", "memory", 10.0)
    write_run(tmp_path, "tiny", "memory", 20.0)
    result = CliRunner().invoke(main, ["leaderboard", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.index("tiny") < result.output.index("small")
    empty = CliRunner().invoke(main, ["leaderboard", str(tmp_path / "nothing")])
    assert empty.exit_code == 0 and "no Olympics runs" in empty.output
