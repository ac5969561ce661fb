"""The leaderboard: runs found on disk, ranked per event, qualified first."""

import json

from click.testing import CliRunner

from tinytorch.bench.olympics import leaderboard
from tinytorch.bench.run.cli import main


def write_run(runs, name, event, score, qualified=True, reason=None, track="digits"):
    run = runs / name
    run.mkdir(parents=True)
    section = {"accuracy": 0.95, "latency_ms": {"p50": 1.0, "p90": 1.2}, "model_bytes": 1000}
    metrics = {"baseline": section, "optimized": {**section, "model_bytes": int(1000 / score)},
               "event": {"name": event, "score": score, "qualified": qualified}, "track": track}
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
    assert list(ranked) == [("digits", "latency"), ("digits", "memory")]
    assert [e["run"] for e in ranked["digits", "memory"]] == ["b", "a", "c"]
    assert ranked["digits", "memory"][0]["bytes_ratio"] == 0.1
    assert len(notes) == 1 and "broken" in notes[0]  # a run without an event is simply not listed


def test_tt_leaderboard_prints_the_tables(tmp_path):
    write_run(tmp_path, "small", "memory", 10.0)
    write_run(tmp_path, "tiny", "memory", 20.0)
    result = CliRunner().invoke(main, ["leaderboard", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert result.output.index("tiny") < result.output.index("small")
    (tmp_path / "empty").mkdir()
    empty = CliRunner().invoke(main, ["leaderboard", str(tmp_path / "empty")])
    assert empty.exit_code == 0 and "no Olympics runs" in empty.output


def test_tt_leaderboard_on_a_missing_directory_fails(tmp_path):
    result = CliRunner().invoke(main, ["leaderboard", str(tmp_path / "nothing")])
    assert result.exit_code == 2 and "nothing" in result.output and "does not exist" in result.output


ODD_RUNS = {  # run name -> (what to do to a good metrics.json, words the note must hold)
    "no-latency": (lambda m: m["optimized"].pop("latency_ms"), "no optimized.latency_ms"),
    "string-score": (lambda m: m["event"].update(score="high"), 'event.score: expected a finite number, found "high"'),
    "zero-latency": (lambda m: m["optimized"]["latency_ms"].update(p50=0), "optimized.latency_ms.p50: expected a number > 0"),
    "nan-bytes": (lambda m: m["baseline"].update(model_bytes=float("nan")), "baseline.model_bytes: expected a finite number"),
    "event-a-string": (lambda m: m.update(event="memory"), "no event.name"),
    "a-list": (lambda m: None, "expected a JSON object, found list"),
}


def test_each_odd_run_is_skipped_with_a_note_and_the_others_rank(tmp_path):
    write_run(tmp_path, "good", "memory", 4.0)
    for name, (change, _) in ODD_RUNS.items():
        write_run(tmp_path, name, "memory", 2.0)
        path = tmp_path / name / "metrics.json"
        metrics = json.loads(path.read_text())
        change(metrics)
        path.write_text(json.dumps([1, 2]) if name == "a-list" else json.dumps(metrics))
    (tmp_path / "deep").mkdir()
    (tmp_path / "deep" / "metrics.json").write_text("[" * 10_000 + "]" * 10_000)
    entries, notes = leaderboard.collect(tmp_path)
    assert [e["run"] for e in entries] == ["good"]
    assert len(notes) == len(ODD_RUNS) + 1
    for name, (_, words) in ODD_RUNS.items():
        (note,) = [n for n in notes if f"/{name}/metrics.json" in n]
        assert words in note, note
    result = CliRunner().invoke(main, ["leaderboard", str(tmp_path)])
    assert result.exit_code == 0 and "good" in result.output and "Traceback" not in result.output


def test_metrics_json_is_read_with_a_size_limit(tmp_path, monkeypatch):
    (tmp_path / "zero").mkdir()
    (tmp_path / "zero" / "metrics.json").symlink_to("/dev/zero")
    write_run(tmp_path, "big", "memory", 4.0)
    monkeypatch.setattr(leaderboard, "MAX_METRICS_BYTES", 100)
    entries, notes = leaderboard.collect(tmp_path)
    assert entries == [] and len(notes) == 2
    assert "zero/metrics.json: skipped: expected a regular metrics.json file" in notes[1]
    assert "big/metrics.json: skipped: expected a metrics.json of at most 100 bytes, found more" in notes[0]


def test_each_track_ranks_apart(tmp_path):
    write_run(tmp_path, "mlp", "memory", 10.0)
    write_run(tmp_path, "lenet", "memory", 3.9, track="mnist")
    write_run(tmp_path, "gpt", "memory", 3.9, track="tinyshakespeare")
    ranked = leaderboard.rank(leaderboard.collect(tmp_path)[0])
    assert list(ranked) == [("digits", "memory"), ("mnist", "memory"), ("tinyshakespeare", "memory")]
    board = CliRunner().invoke(main, ["leaderboard", str(tmp_path)])
    assert all(title in board.output for title in ("digits: memory", "mnist: memory", "tinyshakespeare: memory"))
