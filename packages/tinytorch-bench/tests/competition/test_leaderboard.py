"""The leaderboard: runs in a folder or submissions in the database, ranked per track and event.

Valid entries first, then by score; a tie goes to the earlier submission.
"""

import json
import shutil
import sys

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from tinytorch.bench.competition import db
from tinytorch.bench.olympics import leaderboard
from tinytorch.bench.run.cli import main


def write_run(runs, name, event, score, qualified=True, reason=None, track="digits", valid=None):
    run = runs / name
    run.mkdir(parents=True)
    section = {"accuracy": 0.95, "latency_ms": {"p50": 1.0, "p90": 1.2}, "model_bytes": 1000}
    metrics = {"baseline": section, "optimized": {**section, "model_bytes": int(1000 / score)},
               "event": {"name": event, "score": score, "qualified": qualified}, "track": track}
    if reason:
        metrics["event"]["reason"] = reason
    if valid is not None:
        metrics["event"].update(valid=valid, valid_reason="" if valid else "measured short of the minimums")
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


def test_valid_entries_rank_first_and_a_run_from_before_validity_counts_as_valid(tmp_path):
    write_run(tmp_path, "invalid", "memory", 40.0, valid=False)  # qualified, measured short: below every valid one
    write_run(tmp_path, "valid", "memory", 4.0, valid=True)
    write_run(tmp_path, "old", "memory", 3.0)  # no valid in its event: from before validity
    write_run(tmp_path, "out", "memory", 90.0, qualified=False, reason="accuracy too low")
    write_run(tmp_path, "a-tie", "memory", 3.0, valid=True)  # the same score as old: a folder breaks ties by name
    ranked = leaderboard.rank(leaderboard.collect(tmp_path)[0])["digits", "memory"]
    assert [(e["run"], e["rank"]) for e in ranked] == [
        ("valid", 1), ("a-tie", 2), ("old", 3), ("invalid", None), ("out", None)]
    assert leaderboard.status(ranked[2]) == "qualified (from before validity)"
    assert leaderboard.status(ranked[3]) == "qualified, INVALID: measured short of the minimums"


def test_folder_mode_json_with_options_after_the_folder(tmp_path):
    write_run(tmp_path, "small", "memory", 10.0)
    write_run(tmp_path, "tiny", "memory", 20.0)
    write_run(tmp_path, "quick", "latency", 1.5, track="mnist")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "metrics.json").write_text("{not json")
    result = CliRunner().invoke(main, ["leaderboard", str(tmp_path), "--json", "--event", "memory"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)  # the skipped run's warning goes to stderr, not into the JSON
    assert "broken" in result.stderr
    assert [(e["run"], e["rank"]) for e in listed] == [("tiny", 1), ("small", 2)]
    assert all(list(e) == list(leaderboard.JSON_KEYS) for e in listed)
    assert listed[0]["id"] is None and listed[0]["submitted_at"] is None  # a folder's runs were never submitted
    assert listed[0]["bytes_ratio"] == 0.05


# --- the database ---------------------------------------------------------------------------


def variant(run, where, **event):
    """A copy of the real run ``run`` with its event's verdict edited (``store`` does not check)."""
    shutil.copytree(run, where)
    metrics = json.loads((where / "metrics.json").read_text())
    metrics["event"].update(event)
    (where / "metrics.json").write_text(json.dumps(metrics))
    return where


@pytest.fixture
def board(olympics_run, db_url, tmp_path):
    """A database holding five submissions of one real run with edited verdicts, stored in this order."""
    engine = db.connect(db_url)
    entries = [  # name, score, qualified, valid
        ("b-earlier", 5.0, True, True), ("a-later", 5.0, True, True), ("best", 9.0, True, True),
        ("invalid", 50.0, True, False), ("out", 60.0, False, False),
    ]
    for name, score, qualified, valid in entries:  # the name in the event too: two runs alike are one run
        db.store(engine, variant(olympics_run, tmp_path / name, score=score, qualified=qualified, valid=valid,
                                 note=name))
    return db_url


def test_the_database_ranks_valid_first_and_a_tie_goes_to_the_earlier_submission(board):
    result = CliRunner().invoke(main, ["leaderboard", "--db", board, "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert [(e["run"], e["rank"], e["id"]) for e in listed] == [
        ("best", 1, 3), ("b-earlier", 2, 1), ("a-later", 3, 2), ("invalid", None, 4), ("out", None, 5)]
    assert listed[0]["submitted_at"] > listed[1]["submitted_at"]  # ISO 8601 UTC: text order is time order
    assert listed[1]["submitted_at"] < listed[2]["submitted_at"]
    assert all(list(e) == list(leaderboard.JSON_KEYS) for e in listed)
    assert listed[0]["track"] == "digits" and listed[0]["event"] == "memory" and listed[0]["valid"] is True
    # the time decides, not the id: give the later submission an earlier time and the tie turns
    with sa.create_engine(board).begin() as conn:
        conn.execute(sa.text("UPDATE submissions SET submitted_at = '2000-01-01T00:00:00.000000+00:00' WHERE id = 2"))
    again = json.loads(CliRunner().invoke(main, ["leaderboard", "--db", board, "--json"]).stdout)
    assert [e["run"] for e in again][:3] == ["best", "a-later", "b-earlier"]


def test_the_database_table_shows_submission_ids_times_and_grades(board):
    engine = db.connect(board)
    db.add_grade(engine, 3, figures={"event": {"score": 8.5}}, verified=True, detail="", machine={})
    db.add_grade(engine, 1, figures={"event": {"score": 4.25}}, verified=False, detail="model sha256", machine={})
    result = CliRunner().invoke(main, ["leaderboard", "--db", board])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "digits: memory" in out and "submitted (UTC)" in out and "re-measured" in out
    assert "8.500" in out and "4.250" in out and "graded: verified" in out and "graded: FAILED: model sha256" in out
    assert out.index("best") < out.index("b-earlier") < out.index("a-later") < out.index("invalid") < out.index("out")
    assert "#3" in out and "qualified, INVALID" in out
    stored = db.entries(db.connect(board))[0]["submitted_at"]
    assert stored[:19].replace("T", " ") in out


def test_track_and_event_filters_and_their_misspellings(board):
    memory = CliRunner().invoke(main, ["leaderboard", "--db", board, "--json", "--track", "digits", "--event", "memory"])
    assert memory.exit_code == 0 and len(json.loads(memory.stdout)) == 5
    latency = CliRunner().invoke(main, ["leaderboard", "--db", board, "--event", "latency"])
    assert latency.exit_code == 0 and "no Olympics runs" in latency.output and "--event latency" in latency.output
    for option, typo, near in (("--event", "memroy", "memory"), ("--track", "digts", "digits")):
        result = CliRunner().invoke(main, ["leaderboard", "--db", board, option, typo])
        assert result.exit_code == 2, result.output
        assert f"did you mean {near!r}?" in result.output and "Traceback" not in result.output


def test_without_a_database_file_it_says_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["leaderboard"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: no leaderboard database at leaderboard.db: create one with tt submit RUN_DIR, "
        "or rank a folder of runs with tt leaderboard runs/"]
    assert not (tmp_path / "leaderboard.db").exists()  # looking did not create one
    both = CliRunner().invoke(main, ["leaderboard", str(tmp_path), "--db", "x.db"])
    assert both.exit_code == 2 and "not both" in both.output


def test_serve_is_a_subcommand_not_a_folder_and_needs_the_web_extra(board, monkeypatch):
    monkeypatch.setitem(sys.modules, "starlette", None)  # as if the web extra were not installed
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    served = CliRunner().invoke(main, ["leaderboard", "--db", board, "serve", "--port", "8123"])
    assert served.exit_code == 1, served.output
    (line,) = served.stderr.strip().splitlines()
    assert "pip install" in line and "tinytorch-bench[web]" in line
    ranked = CliRunner().invoke(main, ["leaderboard", "--db", board])  # the rest works without it
    assert ranked.exit_code == 0 and "best" in ranked.output


def test_serve_gets_the_groups_db_unless_given_its_own(board, tmp_path, monkeypatch):
    from tinytorch.bench.competition import web

    seen = []
    monkeypatch.setattr(web.serve_command, "callback", lambda url, host, port: seen.append((url, port)))
    for args in (["--db", board, "serve"], ["--db", board, "serve", "--db", "other.db", "--port", "9"]):
        result = CliRunner().invoke(main, ["leaderboard", *args])
        assert result.exit_code == 0, result.output
    assert seen == [(board, 8000), ("other.db", 9)]
    write_run(tmp_path / "serve", "r1", "memory", 2.0)  # a runs folder named like the subcommand: after --
    monkeypatch.chdir(tmp_path)
    folder = CliRunner().invoke(main, ["leaderboard", "--json", "--", "serve"])
    assert folder.exit_code == 0, folder.output
    assert [e["run"] for e in json.loads(folder.stdout)] == ["r1"]
