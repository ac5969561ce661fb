"""tt sweep: the grid read and checked, every combination a trial, stored, resumable, its front drawn."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tinytorch.bench.competition import db, sweep
from tinytorch.bench.run import yamlio
from tinytorch.bench.run.cli import main

from .conftest import CONFIGS


@pytest.fixture
def config(tmp_path):
    """The tiny MLP entered in the Memory Challenge, pruned and quantized."""
    path = tmp_path / "tiny_olympics.yaml"
    path.write_text(f"extends: {CONFIGS / 'test' / 'tiny_mlp.yaml'}\n"
                    "passes: [{name: prune, sparsity: 0.5}, {name: quantize}]\n"
                    "event: {name: memory}\n")
    return path


def test_grid_values_are_yaml_lists_in_order():
    grid = sweep.parse_grid(["passes.0.sparsity=[0.3, 0.5]", "train.epochs=[1,2,3]",
                             "passes=[[{name: prune}], [{name: prune}, {name: quantize}]]"])
    assert list(grid) == ["passes.0.sparsity", "train.epochs", "passes"]
    assert grid["passes.0.sparsity"] == [0.3, 0.5] and grid["train.epochs"] == [1, 2, 3]
    assert grid["passes"][1] == [{"name": "prune"}, {"name": "quantize"}]


@pytest.mark.parametrize("text, message", [
    ("train.epochs", "expected key.path=[v1,v2,...], found 'train.epochs'"),
    ("=[1]", "expected key.path=[v1,v2,...]"),
    ("train.epochs=[1, 2", "train.epochs: cannot read '[1, 2' as YAML"),
    ("train.epochs=3", "train.epochs: expected a non-empty list like [0.3, 0.5], found '3'"),
    ("train.epochs=[]", "expected a non-empty list"),
    ("train.epochs=!!python/object:os.system [1]", "cannot read"),
])
def test_a_bad_grid_is_one_line(text, message):
    with pytest.raises(click.BadParameter) as caught:
        sweep.parse_grid([text])
    assert message in caught.value.message and "\n" not in caught.value.message


def test_a_key_given_twice_or_no_grid_is_refused():
    with pytest.raises(click.BadParameter, match="train.epochs is given twice"):
        sweep.parse_grid(["train.epochs=[1]", "train.epochs=[2]"])
    with pytest.raises(click.UsageError, match="at least one --grid"):
        sweep.parse_grid([])


def test_every_combination_is_a_trial_and_its_overrides_read_back():
    grid = {"a.b": [1, 2], "c": ["x", "y", "z"], "passes": [[{"name": "prune", "sparsity": 0.5}]]}
    trials = sweep.trials(grid)
    assert len(trials) == 6 and trials[0] == {"a.b": 1, "c": "x", "passes": grid["passes"][0]}
    assert trials[-1]["a.b"] == 2 and trials[-1]["c"] == "z"
    for params in trials:  # each --set value is read back as the value it was
        back = {text.partition("=")[0]: yamlio.safe_load(text.partition("=")[2]) for text in sweep.overrides(params)}
        assert back == params
    names = [sweep.trial_name(params) for params in trials]
    assert len(set(names)) == 6
    assert names[0].startswith("b-1_c-x_passes-prune-")


@pytest.mark.parametrize("grid, message", [
    (["trian.epochs=[1]"], "did you mean 'train'?"),
    (["passes.0.sparsty=[0.3]"], "did you mean 'sparsity'?"),
    (["passes.0.sparsity=[0.3, 7]"], "the trial passes.0.sparsity=7 is not a valid config"),
])
def test_a_misspelt_key_stops_the_sweep_before_anything_runs(config, tmp_path, grid, message):
    args = ["sweep", str(config), "--out", str(tmp_path / "sw"), "--db", str(tmp_path / "x.db")]
    for text in grid:
        args += ["--grid", text]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "sw").exists() and not (tmp_path / "x.db").exists()


def test_a_config_without_an_event_is_refused(tmp_path):
    result = CliRunner().invoke(main, ["sweep", str(CONFIGS / "test" / "tiny_mlp.yaml"), "--grid",
                                       "train.epochs=[1]", "--out", str(tmp_path / "sw")])
    assert result.exit_code == 2 and "needs an event:" in result.output


def sweep_args(config, out, db_url, *more):
    return ["sweep", str(config), "--grid", "passes.0.sparsity=[0.3, 0.6]", "--grid", "train.epochs=[1, 2]",
            "--jobs", "2", "--out", str(out), "--db", db_url, *more]


def test_a_sweep_stores_every_trial_draws_its_front_and_resumes(config, tmp_path, db_url):
    out = tmp_path / "sw"
    result = CliRunner().invoke(main, sweep_args(config, out, db_url))
    assert result.exit_code == 0, result.output
    assert "4 trials, 0 finished before, 4 to run" in result.output
    trials = sorted(p for p in out.iterdir() if (p / "metrics.json").is_file())
    assert len(trials) == 4
    engine = db.connect(db_url)
    (stored_sweep,) = db.sweeps(engine)
    assert stored_sweep["grid"] == {"passes.0.sparsity": [0.3, 0.6], "train.epochs": [1, 2]}
    entries = db.entries(engine)
    assert sorted(e["run"] for e in entries) == [p.name for p in trials]
    assert {(e["params"]["passes.0.sparsity"], e["params"]["train.epochs"]) for e in entries} == {
        (0.3, 1), (0.3, 2), (0.6, 1), (0.6, 2)}
    assert all(e["sweep_id"] == stored_sweep["id"] for e in entries)
    svg = (out / "pareto.svg").read_text()
    assert svg.startswith("<svg") and svg.count("<circle") == 4
    for entry in entries:
        assert entry["run"] in result.output  # the summary table and the front name the trials

    # One trial left unfinished (no metrics.json: the commit marker), then the same command again.
    unfinished = trials[1]
    (unfinished / "metrics.json").unlink()
    kept = {p.name: (p / "model.npz").stat().st_mtime_ns for p in trials if p != unfinished}
    again = CliRunner().invoke(main, sweep_args(config, out, db_url))
    assert again.exit_code == 0, again.output
    assert "4 trials, 3 finished before, 1 to run" in again.output
    assert {p.name: (p / "model.npz").stat().st_mtime_ns for p in trials if p != unfinished} == kept
    assert (unfinished / "metrics.json").is_file()
    assert len(db.sweeps(engine)) == 1  # the same sweep, not a new one


def test_ctrl_c_stops_a_sweep_and_a_rerun_runs_only_the_rest(config, tmp_path, db_url):
    out = tmp_path / "sw"
    tt = Path(sys.executable).with_name("tt")
    args = [str(tt), *sweep_args(config, out, db_url)]
    args[args.index("--jobs") + 1] = "1"
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               env={**os.environ, "COLUMNS": "200"})
    deadline = time.monotonic() + 120
    while not list(out.glob("*/metrics.json")):  # wait for the first trial to finish
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()[0]
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    output = process.communicate(timeout=60)[0]
    if process.returncode == 0:
        pytest.skip("the sweep finished before the interrupt arrived")
    assert process.returncode == 130, output
    assert "interrupted: the trials that finished are stored" in output
    done = {p.parent.name for p in out.glob("*/metrics.json")}
    assert 1 <= len(done) < 4
    # a trial whose metrics.json was written just before the signal may not be stored yet: the rerun stores it
    assert {e["run"] for e in db.entries(db.connect(db_url))} <= done

    again = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"4 trials, {len(done)} finished before, {4 - len(done)} to run" in again.stdout
    assert len(db.entries(db.connect(db_url))) == 4


def test_the_summary_marks_the_front():
    jobs = [{"name": n, "params": {"s": s}} for n, s in (("a", 0.3), ("b", 0.6), ("c", 0.9))]
    entry = {"score": 1.0, "qualified": True, "reason": ""}
    results = {"a": {**entry, "run": "a", "accuracy": 0.9, "bytes_ratio": 0.5},
               "b": {**entry, "run": "b", "accuracy": 0.8, "bytes_ratio": 0.6},  # worse on both than a
               "c": {"error": "boom"}}
    table, front = sweep.summary(jobs, results)
    assert [e["run"] for e in front] == ["a"]
    assert table.row_count == 3
    assert json.dumps(front)  # plain data, as the database holds it


def test_a_failing_trial_is_reported_and_the_others_are_stored(config, tmp_path, db_url):
    result = CliRunner().invoke(main, ["sweep", str(config), "--grid", "train.optimizer.lr=[0.01, 1e30]",
                                       "--jobs", "2", "--out", str(tmp_path / "sw"), "--db", db_url])
    assert result.exit_code == 1, result.output
    assert "FAILED training diverged" in result.output and "1 of 2 trials failed" in result.output
    (entry,) = db.entries(db.connect(db_url))
    assert entry["params"] == {"train.optimizer.lr": 0.01}
    assert (tmp_path / "sw" / "pareto.svg").is_file()
