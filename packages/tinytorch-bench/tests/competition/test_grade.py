"""tt verify --db URL --all: every submission checked, measured again, and the grade recorded."""

import json

from click.testing import CliRunner

from tinytorch.bench.competition import db, grade
from tinytorch.bench.run.cli import main

from .conftest import make_run


def stored(db_url, *run_dirs):
    engine = db.connect(db_url)
    return engine, [db.store(engine, run_dir)[0] for run_dir in run_dirs]


def tamper(engine, id, **values):
    with engine.begin() as conn:
        conn.execute(db.SUBMISSIONS.update().where(db.SUBMISSIONS.c.id == id).values(**values))


def test_a_grade_records_the_figures_measured_again(olympics_run, db_url, tmp_path, monkeypatch):
    engine, (id,) = stored(db_url, olympics_run)
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "grader-cache"))  # the grader has not the student's cache
    graded = grade.grade_all(db_url, workers=1)
    assert [(entry["id"], result["verified"]) for entry, result in graded] == [(id, True)]
    (recorded,) = db.grades(engine, id)
    assert recorded["verified"] and recorded["detail"].startswith("all ") and recorded["detail"].endswith("checks passed")
    figures, submitted = recorded["figures"], json.loads((olympics_run / "metrics.json").read_text())
    for section in ("baseline", "optimized"):  # the same model and data: bytes and accuracy agree exactly
        assert figures[section]["model_bytes"] == submitted[section]["model_bytes"]
        assert figures[section]["accuracy"] == submitted[section]["accuracy"]
        assert figures[section]["latency_ms"]["p50"] > 0
    assert figures["event"]["name"] == "memory"
    assert figures["event"]["score"] == submitted["event"]["score"]  # bytes decide the Memory Challenge
    assert recorded["machine"]["cores"] >= 1 and "python" in recorded["machine"]
    assert db.entries(engine)[0]["graded"]["id"] == recorded["id"]  # the leaderboard sees the newest grade
    assert (tmp_path / "grader-cache" / "baselines").is_dir()  # the baseline was trained here, then cached


def test_a_tampered_submission_is_graded_as_not_verified(olympics_run, tmp_path, db_url):
    other = make_run(tmp_path / "other", "passes.0.sparsity=0.3")
    engine, (honest, edited, swapped) = stored(db_url, olympics_run, make_run(tmp_path / "edited"), other)
    metrics = json.loads((tmp_path / "edited" / "metrics.json").read_text())
    metrics["event"]["score"] *= 10
    tamper(engine, edited, metrics=json.dumps(metrics))
    tamper(engine, swapped, model=(olympics_run / "model.npz").read_bytes())  # another run's model

    result = CliRunner().invoke(main, ["verify", "--db", db_url, "--all", "--jobs", "2"])
    assert result.exit_code == 1, result.output
    assert "2 of 3 submissions FAILED verification" in result.output
    grades = {id: db.grades(engine, id)[-1] for id in (honest, edited, swapped)}
    assert grades[honest]["verified"]
    assert not grades[edited]["verified"] and "event verdict" in grades[edited]["detail"]
    assert not grades[swapped]["verified"] and "model sha256" in grades[swapped]["detail"]
    assert "->" in result.output  # submitted beside measured


def test_a_submission_that_cannot_be_checked_is_recorded_with_the_reason(olympics_run, db_url):
    engine, (id,) = stored(db_url, olympics_run)
    tamper(engine, id, config_yaml="name: x\nseed: [not a number]\n")
    graded = grade.grade_all(db_url, workers=1)
    assert not graded[0][1]["verified"]
    assert "cannot be checked" in db.grades(engine, id)[0]["detail"]


def test_verify_takes_exactly_one_of_run_dir_or_all(olympics_run, db_url):
    for args in (["verify"], ["verify", str(olympics_run), "--all"]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and "expected exactly one of RUN_DIR or --all" in result.output
    result = CliRunner().invoke(main, ["verify", str(olympics_run), "--db", db_url])
    assert result.exit_code == 2 and "--db goes with --all" in result.output
    result = CliRunner().invoke(main, ["verify", "--all", "--db", db_url, "--address", "x:1"])
    assert result.exit_code == 2 and "--address names a Ray cluster" in result.output


def test_an_empty_database_has_nothing_to_grade(db_url):
    result = CliRunner().invoke(main, ["verify", "--all", "--db", db_url])
    assert result.exit_code == 0 and "no submissions in" in result.output
