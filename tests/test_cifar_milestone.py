"""The CIFAR-10 milestone config trains end to end on a small archive in the real format.

The real archive cannot be downloaded here; this runs the config's data pipeline
(streamed archive, checksum, augmentation) and its LeNet for one epoch on 15 images.
"""

import dataclasses
import hashlib
import io
import json
import sys
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from tinytorch.bench.run import runner
from tinytorch.bench.run.cli import main
from tinytorch.core.data import cifar

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "packages" / "tinytorch-core" / "tests"))
from test_cifar import write_archive  # noqa: E402  (the one writer of test archives)

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "milestones" / "1998_cnn_cifar10.yaml"


def test_the_cifar10_milestone_runs_on_a_small_archive(tmp_path, monkeypatch):
    archive = tmp_path / "data" / "cifar10" / "cifar-10-binary.tar.gz"
    archive.parent.mkdir(parents=True)
    write_archive(archive)
    md5 = hashlib.md5(archive.read_bytes()).hexdigest()
    monkeypatch.setattr(cifar, "CIFAR10", dataclasses.replace(cifar.CIFAR10, digest=md5))
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYTORCH_BACKEND", raising=False)
    console = Console(file=io.StringIO(), width=200)
    runner.run(CONFIG, ["train.epochs=1", "data.batch_size=4"], out=tmp_path / "run", console=console)
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and 0 <= metrics["test_accuracy"] <= 1


def test_tt_run_refuses_an_archive_with_the_wrong_checksum_in_one_line(tmp_path, monkeypatch):
    archive = tmp_path / "data" / "cifar10" / "cifar-10-binary.tar.gz"
    archive.parent.mkdir(parents=True)
    write_archive(archive)  # the right format, but not the published bytes
    monkeypatch.setenv("TINYTORCH_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))
    result = CliRunner().invoke(main, ["run", str(CONFIG), "--out", str(tmp_path / "run")])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"error: checksum mismatch for {archive}: expected md5 {cifar.CIFAR10.digest}, found ")
    assert not (tmp_path / "run").exists()
