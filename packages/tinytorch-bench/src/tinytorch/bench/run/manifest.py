"""The manifest: what a result needs beside it to be reproduced and checked.

MLPerf asks every submission for its system description and code; a number without
them cannot be reproduced. Each run records, in ``metrics.json["manifest"]``:

* the machine: CPU model, cores, Python, NumPy, the BLAS and its threads, the load
  average (``tinytorch.bench.perf.machine`` collects these for ``tt bench`` too);
* the seeds: the run's ``seed`` and any seed option of the dataset;
* two hashes of the config: ``config_hash`` (the parts that decide the baseline, the key
  of the baseline cache) and ``config_sha256`` (all of it, passes and event included);
* the code: the git commit (and whether the tree had uncommitted changes) when the
  packages run from a checkout, and always the versions of the tinytorch distributions;
* ``model_sha256``: a hash of the saved model's arrays (names, dtypes, shapes, bytes),
  which ``tt verify`` compares with the ``model.npz`` it finds.

Read next: ``tinytorch.bench.olympics.verify``, which checks a run against its manifest.
"""

import hashlib
import subprocess
from importlib import metadata
from pathlib import Path

from rich.table import Table

from tinytorch.bench.perf import machine

from .config import config_hash, dump_config

DISTRIBUTIONS = ("tinytorch-core", "tinytorch-nn", "tinytorch-text", "tinytorch-optim", "tinytorch-bench")
MACHINE_KEYS = ("cpu", "cores", "cores_usable", "python", "numpy", "blas", "blas_threads", "load_average", "date")


def config_sha256(config):
    """sha256 of the whole resolved config, as ``config.yaml`` holds it."""
    return hashlib.sha256(dump_config(config).encode("utf-8")).hexdigest()


def state_sha256(state):
    """sha256 of a state dict (``{name: ndarray}``): names, dtypes, shapes and bytes, in name order."""
    digest = hashlib.sha256()
    for name in sorted(state):
        array = state[name]
        digest.update(f"{name}|{array.dtype.str}|{array.shape}|".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def code_version():
    """``{"git_commit", "git_dirty", "packages"}``; the git keys are None outside a checkout."""
    packages = {}
    for name in DISTRIBUTIONS:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    here = Path(__file__).resolve().parent
    commit = _git(here, "rev-parse", "HEAD")
    status = _git(here, "status", "--porcelain", "--untracked-files=no")
    return {"git_commit": commit, "git_dirty": None if status is None else bool(status), "packages": packages}


def _git(where, *args):
    try:
        done = subprocess.run(["git", *args], cwd=where, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def collect(config, model):
    """The manifest of a run of ``config`` that produced ``model``: a JSON-ready dict."""
    facts = machine.describe()
    seeds = {"seed": config["seed"]}
    if "seed" in config["data"]:
        seeds["data.seed"] = config["data"]["seed"]
    return {
        **{key: facts[key] for key in MACHINE_KEYS},
        "backend": config["backend"],
        "seeds": seeds,
        "config_hash": config_hash(config),
        "config_sha256": config_sha256(config),
        "code": code_version(),
        "model_sha256": state_sha256(model.state_dict()),
    }


def table(manifest):
    """The manifest as a two-column rich table, for the end of ``tt run``."""
    code = manifest["code"]
    version = code["git_commit"][:12] + (" (uncommitted changes)" if code["git_dirty"] else "") \
        if code["git_commit"] else ", ".join(f"{k} {v}" for k, v in code["packages"].items())
    rows = [
        ("cpu", f"{manifest['cpu']} ({manifest['cores']} cores)"),
        ("python / numpy", f"{manifest['python']} / {manifest['numpy']}"),
        ("blas", f"{manifest['blas']}, {manifest['blas_threads']} thread(s)"),
        ("load average", str(manifest["load_average"])),
        ("backend", manifest["backend"]),
        ("seeds", ", ".join(f"{k}={v}" for k, v in manifest["seeds"].items())),
        ("config sha256", manifest["config_sha256"][:16]),
        ("code", version),
        ("model sha256", manifest["model_sha256"][:16]),
    ]
    result = Table(title="manifest", show_header=False)
    result.add_column(style="bold")
    result.add_column()
    for label, value in rows:
        result.add_row(label, value)
    return result
