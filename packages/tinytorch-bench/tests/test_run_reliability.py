"""A run owns its directory, resumes honestly, and ends every user error in one clear line."""

import errno
import json
import os

import numpy as np
import pytest
from click.testing import CliRunner

import tinytorch.nn as nn
from tinytorch.bench.olympics import profiler
from tinytorch.bench.run import rundir, runner
from tinytorch.bench.run.cache import baseline_paths
from tinytorch.bench.run.cli import main
from tinytorch.bench.run.config import config_hash
from tinytorch.bench.run.prepare import resolve_config
from tinytorch.core import files


def tt(*args, env=None):
    return CliRunner().invoke(main, [str(a) for a in args], env=env)


def one_error_line(result):
    """The run failed with exactly one ``error:`` line and no traceback."""
    assert "Traceback" not in result.output, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, result.output
    return errors[0]


# -- the run directory ---------------------------------------------------------------------------


def test_an_out_holding_a_run_is_refused_and_left_whole(tiny, tmp_path):
    out = tmp_path / "run"
    assert tt("run", tiny, "--out", out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    result = tt("run", tiny, "--out", out, "--set", "train.epochs=1")
    assert result.exit_code == 1
    line = one_error_line(result)
    assert f"--out {out}: expected an empty or new directory, found checkpoint.npz, config.yaml" in line
    assert "--resume" in line and "--overwrite" in line
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_overwrite_replaces_the_run_files_and_keeps_the_users(tiny, tmp_path):
    out = tmp_path / "run"
    assert tt("run", tiny, "--out", out).exit_code == 0
    (out / "notes.txt").write_text("mine")
    result = tt("run", tiny, "--out", out, "--set", "train.epochs=1", "--overwrite")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "metrics.json").read_text())["epochs"] == 1
    assert int(nn.load(out / "checkpoint.npz")["trainer/epoch"]) == 1  # the old epoch-2 checkpoint is gone
    assert (out / "notes.txt").read_text() == "mine"


def test_a_second_run_on_a_locked_directory_fails_at_once(tiny, tmp_path):
    with rundir.claim("other", tmp_path / "run") as out:
        result = tt("run", tiny, "--out", out)
        assert result.exit_code == 1
        assert "another tt run is using this directory right now" in one_error_line(result)
    assert not (out / rundir.LOCK).exists()  # let go, and gone, once the owner is done


def test_temporaries_a_killed_run_left_are_cleared_not_counted(tiny, tmp_path):
    (out := tmp_path / "run").mkdir()
    stale = out / ".model.npz.0123456789abcdef0123456789abcdef.tmp"
    stale.write_bytes(b"half a file")
    result = tt("run", tiny, "--out", out)
    assert result.exit_code == 0, result.output
    assert not stale.exists() and (out / "metrics.json").exists()


@pytest.fixture
def interrupt_at_start(fake_plugins):
    def tinytorch_run_start(run):
        raise KeyboardInterrupt  # Ctrl-C during start-up, before any training

    module = fake_plugins.module("start", tinytorch_run_start=tinytorch_run_start)
    fake_plugins.install(fake_plugins.entry_point("start-stop", "s", module))


def test_a_failed_run_keeps_a_directory_the_user_made(tiny, tmp_path, interrupt_at_start):
    (mine := tmp_path / "mine").mkdir()
    result = tt("run", tiny, "--out", mine)
    assert result.exit_code == 130
    assert "interrupted; no results were written" in one_error_line(result)
    assert mine.is_dir() and list(mine.iterdir()) == []
    assert tt("run", tiny, "--out", tmp_path / "new").exit_code == 130
    assert not (tmp_path / "new").exists()  # ours, and empty: no litter


def test_out_under_a_file_and_a_name_too_long_are_one_line(tiny, tmp_path, monkeypatch):
    (tmp_path / "file").write_text("x")
    result = tt("run", tiny, "--out", tmp_path / "file" / "run")
    assert result.exit_code == 1 and "cannot create the run directory: Not a directory" in one_error_line(result)
    result = tt("run", tiny, "--out", tmp_path / "file")
    assert result.exit_code == 2 and "Invalid value for '--out'" in result.output and "is a file" in result.output
    monkeypatch.chdir(tmp_path)
    result = tt("run", tiny, "--set", "name=" + "n" * 300)
    line = one_error_line(result)
    assert result.exit_code == 1 and "File name too long" in line and "\u2026" in line and len(line) < 300


@pytest.mark.parametrize("code, hint", [
    (errno.ENOSPC, "the disk is full; free some space or choose another --out"),
    (errno.EFBIG, "the file is too large for this file system"),
    (errno.EROFS, "the file system is read-only; choose another --out"),
])
def test_a_disk_that_refuses_a_write_is_one_line(tiny, tmp_path, monkeypatch, code, hint):
    def refuse(fd):
        raise OSError(code, os.strerror(code), "model.npz")

    monkeypatch.setattr(files.os, "fsync", refuse)  # every atomic write ends with an fsync
    (out := tmp_path / "run").mkdir()
    result = tt("run", tiny, "--out", out)
    assert result.exit_code == 1
    assert f"model.npz: {os.strerror(code)}; {hint}" in one_error_line(result)
    assert list(out.iterdir()) == []  # no half file, no temporary, and the lock let go


def test_debug_shows_the_traceback(tiny, tmp_path):
    for result in (tt("--debug", "run", tmp_path / "missing.yaml"),
                   tt("run", tmp_path / "missing.yaml", env={"TINYTORCH_DEBUG": "1"})):
        assert result.exit_code == 2 and "Traceback" in result.output and "cannot read config" in result.output
    assert "Traceback" not in tt("run", tmp_path / "missing.yaml").output


def test_a_misspelt_backend_is_answered_as_backend(tiny, tmp_path):
    result = tt("run", tiny, "--backend", "vectorised", "--out", tmp_path / "run")
    assert result.exit_code == 2 and "--set" not in result.output
    assert "Invalid value for --backend: unknown backend 'vectorised'; installed: " in result.output
    assert "did you mean 'vectorized'?" in result.output


# -- resume ----------------------------------------------------------------------------------


def test_resume_refuses_fewer_epochs_than_the_checkpoint_has(tiny, tmp_path):
    out = tmp_path / "run"
    assert tt("run", tiny, "--out", out).exit_code == 0
    result = tt("run", tiny, "--out", out, "--set", "train.epochs=1", "--resume", out / "checkpoint.npz")
    assert result.exit_code == 1
    assert "train.epochs: expected at least 2 (the checkpoint has finished 2 epochs), found 1" in one_error_line(result)


def test_resume_applies_a_new_learning_rate_and_does_not_cache_the_result(tiny, tmp_path):
    out = tmp_path / "run"
    assert tt("run", tiny, "--out", out).exit_code == 0
    changed = ["--set", "train.epochs=3", "--set", "train.optimizer.lr=0.001"]
    result = tt("run", tiny, "--out", out, *changed, "--resume", out / "checkpoint.npz")
    assert result.exit_code == 0, result.output
    assert "train.optimizer.lr 0.01 -> 0.001" in result.output and "not cached" in result.output
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["lr"] == [0.01, 0.01, 0.001]  # the third epoch trained with the new rate
    assert metrics["resumed_with_changes"] == {"train.epochs": [2, 3], "train.optimizer.lr": [0.01, 0.001]}
    new_hash = config_hash(resolve_config(tiny, ["train.epochs=3", "train.optimizer.lr=0.001"]))
    assert not baseline_paths(new_hash)[0].exists()


def test_resume_from_a_checkpoint_without_its_config_is_refused(tiny, tmp_path):
    nn.save({"trainer/epoch": np.array(1)}, tmp_path / "old.npz")
    result = tt("run", tiny, "--out", tmp_path / "run", "--resume", tmp_path / "old.npz")
    assert result.exit_code == 1
    assert "expected a checkpoint written by tt run (with its config inside), found none" in one_error_line(result)


# -- tt profile --------------------------------------------------------------------------------


def test_profile_on_a_truncated_or_mismatched_model_is_one_line(tiny, tmp_path):
    out = tmp_path / "run"
    assert tt("run", tiny, "--out", out).exit_code == 0
    data = (out / "model.npz").read_bytes()
    (out / "model.npz").write_bytes(data[: len(data) // 2])
    result = tt("profile", out)
    assert result.exit_code == 1 and "cannot load the run's weights" in one_error_line(result)
    nn.save(nn.Linear(2, 2), out / "model.npz")
    result = tt("profile", out)
    assert result.exit_code == 1 and "cannot load the run's weights" in one_error_line(result)


def test_ctrl_c_while_benchmarking_is_one_line(tiny, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(profiler, "benchmark", interrupted)
    result = tt("profile", tiny)
    assert result.exit_code == 130 and "interrupted" in one_error_line(result)


def test_ctrl_c_in_the_passes_says_how_to_rerun_into_the_same_directory(tiny, tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(runner, "apply_passes", interrupted)
    result = tt("run", tiny, "--out", tmp_path / "run", "--set", "passes=[{name: quantize}]")
    assert result.exit_code == 130
    line = one_error_line(result)
    assert "interrupted while applying the passes; the trained baseline is cached" in line
    assert "(with --overwrite, or another --out)" in line
