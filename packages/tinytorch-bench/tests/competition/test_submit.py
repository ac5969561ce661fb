"""``tt submit``: a real Olympics run is checked, stored once, and a tampered one refused with the reason."""

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

import tinytorch.nn as nn
from tinytorch.bench.competition import db
from tinytorch.bench.run.cli import main


def submit(run_dir, url):
    return CliRunner().invoke(main, ["submit", str(run_dir), "--db", url])


def test_a_run_is_stored_whole_and_a_second_submission_changes_nothing(olympics_run, db_url):
    first = submit(olympics_run, db_url)
    assert first.exit_code == 0, first.output
    assert first.stdout.strip() == f"submitted {olympics_run} as #1 to {db_url}"
    again = submit(olympics_run, db_url)
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == "already submitted as #1 (nothing changed)"
    engine = db.connect(db_url)
    (entry,) = db.entries(engine)
    metrics = json.loads((olympics_run / "metrics.json").read_text())
    assert entry["run"] == "run" and entry["event"] == "memory" and entry["track"] == "digits"
    assert entry["score"] == metrics["event"]["score"] and entry["valid"] == metrics["event"]["valid"]
    stored = db.submission(engine, 1)
    assert db.model_npz(engine, 1) == (olympics_run / "model.npz").read_bytes()
    assert stored["config_yaml"] == (olympics_run / "config.yaml").read_text()
    assert stored["report"] == (olympics_run / "report.md").read_text()
    assert stored["manifest"]["model_sha256"] == stored["model_sha256"] == metrics["manifest"]["model_sha256"]


def edit_score(run):
    metrics = json.loads((run / "metrics.json").read_text())
    metrics["event"]["score"] *= 10
    (run / "metrics.json").write_text(json.dumps(metrics))


def swap_model(run):
    state = nn.load(run / "model.npz")
    weight = next(iter(state))
    state[weight] = np.ascontiguousarray(state[weight][::-1])  # another model of the same shape and size
    nn.save(state, run / "model.npz")


def edit_config(run):
    text = (run / "config.yaml").read_text()
    assert "seed: 0" in text
    (run / "config.yaml").write_text(text.replace("seed: 0", "seed: 1"))


TAMPERED = {  # what is done to the run -> a line the refusal must hold
    "edited score": (edit_score, "refused: event verdict check failed: recomputed: score"),
    "swapped model.npz": (swap_model, "refused: model sha256 check failed: model.npz is not the model the run saved"),
    "edited config.yaml": (edit_config, "refused: config sha256 check failed: config.yaml is not the config the run recorded"),
}


@pytest.mark.parametrize("tampering", TAMPERED)
def test_a_tampered_run_is_refused_with_the_reason(tampering, olympics_run, db_url):
    change, line = TAMPERED[tampering]
    change(olympics_run)
    result = submit(olympics_run, db_url)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert line in lines[0] or any(line in each for each in lines), lines
    assert all(each.startswith("refused: ") for each in lines) and "Traceback" not in result.output
    assert db.entries(db.connect(db_url)) == []  # nothing was stored


def test_what_is_not_an_olympics_run_is_refused_in_one_line(olympics_run, db_url, tmp_path):
    original = (olympics_run / "metrics.json").read_text()
    metrics = json.loads((olympics_run / "metrics.json").read_text())
    del metrics["event"]
    (olympics_run / "metrics.json").write_text(json.dumps(metrics))
    plain = submit(olympics_run, db_url)
    assert plain.exit_code == 1
    assert plain.stderr.strip().splitlines() == [
        f"refused: {olympics_run} is not an Olympics run: its metrics.json has no event (a config with "
        "event: {name: memory}, for example, makes one)"]
    (tmp_path / "empty").mkdir()
    empty = submit(tmp_path / "empty", db_url)
    assert empty.exit_code == 1
    assert empty.stderr.strip().splitlines() == [
        f"refused: {tmp_path / 'empty'} has no metrics.json; is it a run directory written by tt run?"]
    (olympics_run / "metrics.json").write_text(original)
    (olympics_run / "model.npz").write_bytes(b"not a zip")
    broken = submit(olympics_run, db_url)
    assert broken.exit_code == 1 and len(broken.stderr.strip().splitlines()) == 1, broken.output
    assert "Traceback" not in broken.output


@pytest.mark.parametrize("url, words", [
    ("nonsense://x", "expected a database URL"),
    ("postgresql+psycopg://tinytorch:secret@127.0.0.1:1/tinytorch", "127.0.0.1:1"),  # nothing listens on port 1
])
def test_a_database_that_cannot_be_used_is_one_line(url, words, olympics_run):
    result = submit(olympics_run, url)
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: --db ") and words in line and "secret" not in line


def test_concurrent_submissions_to_one_sqlite_file_all_succeed(olympics_run, tmp_path):
    other = olympics_run.parent / "other"  # a second, different run of the same config
    config = (olympics_run / "config.yaml").read_text().replace("seed: 0", "seed: 1")
    (tmp_path / "other.yaml").write_text(config)
    made = CliRunner().invoke(main, ["run", str(tmp_path / "other.yaml"), "--out", str(other)])
    assert made.exit_code == 0, made.output
    url = f"sqlite:///{tmp_path / 'shared.db'}"  # does not exist yet: the processes also race to create it
    tt = [sys.executable, "-c", "from tinytorch.bench.run.cli import main; main()", "submit"]
    processes = [subprocess.Popen([*tt, str(run), "--db", url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for run in (olympics_run, other, olympics_run)]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (out, err) in zip(processes, outputs):
        assert process.returncode == 0, (out, err)
    said = sorted(out.strip().split(" as ")[0] for out, _ in outputs)
    assert said.count("already submitted") <= 1 and len(db.entries(db.connect(url))) == 2
    assert sorted(e["run"] for e in db.entries(db.connect(url))) == ["other", "run"]


def test_a_run_is_stored_from_the_files_that_were_checked(olympics_run, db_url, monkeypatch):
    """An edit made while the checks run does not reach the database: both read one private copy."""
    from tinytorch.bench.olympics import verify

    real = verify.verify

    def verify_then_tamper(run_dir):
        checks = real(run_dir)
        edit_score(olympics_run)  # the original directory changes after it was checked
        return checks

    monkeypatch.setattr(verify, "verify", verify_then_tamper)
    original = (olympics_run / "metrics.json").read_bytes()
    result = submit(olympics_run, db_url)
    assert result.exit_code == 0, result.output
    stored = db.submission(db.connect(db_url), 1)
    assert stored["metrics"] == json.loads(original)


def test_the_run_files_are_read_with_limits(tmp_path, db_url):
    run = tmp_path / "odd"
    run.mkdir()
    (run / "metrics.json").symlink_to("/dev/zero")  # would never end if read whole
    result = submit(run, db_url)
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        f"refused: {run / 'metrics.json'}: expected a regular metrics.json file, found a directory, device or pipe"]
