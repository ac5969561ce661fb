"""Fixtures for the fault-injection suite: ``tt`` as a real process, and a check that every
file a run leaves is whole or absent."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import tinytorch.nn as nn
from tinytorch.bench.run import rundir
from tinytorch.bench.run.config import config_hash, load_config
from tinytorch.core import files

TINY = Path(__file__).resolve().parents[1] / "configs" / "test" / "tiny_mlp.yaml"


@pytest.fixture
def tt_process(tmp_path):
    """Start ``tt ARGS`` as its own process with a private cache; returns the Popen."""
    env = {**os.environ, "TINYTORCH_CACHE": str(tmp_path / "cache"), "OPENBLAS_NUM_THREADS": "1"}
    env.pop("TINYTORCH_BACKEND", None)

    def start(*args):
        code = "from tinytorch.bench.run.cli import main; main()"
        return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    return start


@pytest.fixture
def tiny():
    """The repo's tiny digits config (two epochs of a small MLP)."""
    return TINY


@pytest.fixture
def whole():
    """``whole(run_dir, cache)``: check the files a run and the baseline cache hold."""

    def check(run_dir, cache):
        if run_dir.exists():
            check_whole(run_dir)
        check_cache(cache)

    return check


def check_whole(run_dir):
    """Every file in ``run_dir`` reads back; a ``metrics.json`` comes with its whole set."""
    names = {p.name for p in run_dir.iterdir()}
    for name in names:
        path = run_dir / name
        if name.startswith("."):
            assert name == rundir.LOCK or files.is_temporary(name), name  # never read by anything
        elif name.endswith(".npz"):
            nn.load(path)
        elif name.endswith(".json"):
            json.loads(path.read_text())
        elif name.endswith(".yaml"):
            yaml.safe_load(path.read_text())
    if "metrics.json" in names:
        assert {"config.yaml", "model.npz", "report.md"} <= names
        metrics = json.loads((run_dir / "metrics.json").read_text())
        assert metrics["config_hash"] == config_hash(load_config(run_dir / "config.yaml"))


def check_cache(cache):
    """Each baseline record in the cache names weights that are there, byte for byte."""
    for record in (cache / "baselines").glob("*.json") if (cache / "baselines").is_dir() else ():
        digest = json.loads(record.read_text())["weights_sha256"]
        assert hashlib.sha256(record.with_suffix(".npz").read_bytes()).hexdigest() == digest
    for weights in (cache / "baselines").glob("*.npz") if (cache / "baselines").is_dir() else ():
        nn.load(weights)
