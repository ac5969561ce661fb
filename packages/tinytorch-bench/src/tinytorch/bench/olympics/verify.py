"""``tt verify RUN_DIR``: check that a run's files still say what the run measured.

A run directory is plain files: anyone can edit ``metrics.json`` or drop another
``model.npz`` in. MLPerf audits a submission by rerunning its accuracy check; so do we.
``verify`` trusts nothing it can recompute:

1. the config: ``config.yaml`` must hash to the manifest's ``config_sha256`` and to
   ``config_hash`` (the baseline's cache key);
2. the model: ``model.npz`` must hash to the manifest's ``model_sha256``;
3. the architecture: the config's model is built and its passes replayed *without
   training* (``finetune`` does nothing) to get the optimized model's shape, then
   ``model.npz`` is loaded into it; a model of another shape is refused here;
4. the numbers: the model's bytes, parameters and quality on the test split (accuracy,
   and the validation loss of a language model) are measured again, through the same
   code as the run (``tasks.py``), and compared with ``metrics.json``; so is the
   baseline's quality when its weights are still in the baseline cache;
5. the verdict: the event is scored again from the numbers in ``metrics.json``; an
   edited score, ``qualified`` or ``valid`` does not survive it.

Latencies are not rechecked (they are this machine's, now); they are only as good as
the manifest's description of the machine they were measured on. ``tt verify --db URL
--all`` runs these checks on every submission in the competition's database and then
measures each again on the grading machine, latencies included (``competition/grade.py``).

Read next: ``leaderboard.py``, which ranks the runs ``verify`` vouches for.
"""

import json
import math
from pathlib import Path

import click
import numpy as np
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import tinytorch.nn as nn
from tinytorch.bench.run import runner
from tinytorch.bench.run.cache import load_baseline
from tinytorch.bench.run.config import ConfigError, config_hash, load_config
from tinytorch.bench.run.manifest import config_sha256, state_sha256
from tinytorch.bench.run.prepare import build_model, prepare
from tinytorch.core import use_backend
from tinytorch.core.data import DataLoader
from tinytorch.optim.passes import PassContext, apply_passes

from . import events, profiler, tasks

LOSS_RTOL = 1e-4  # the same computation again; only summation order may differ


class Checks:
    """The list of ``(what, passed, detail)`` a verification collects."""

    def __init__(self):
        self.rows = []

    def add(self, what, passed, detail):
        self.rows.append((what, bool(passed), detail))
        return passed

    @property
    def passed(self):
        return all(ok for _, ok, _ in self.rows)


def verify(run_dir):
    """Check the run in ``run_dir``; return ``Checks``. Raises ``ValueError`` if files are missing."""
    run_dir = Path(run_dir)
    for name in ("metrics.json", "config.yaml", "model.npz"):
        if not (run_dir / name).is_file():
            raise ValueError(f"{run_dir} has no {name}; is it a run directory written by tt run?")
    metrics = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    config = load_config(run_dir / "config.yaml")
    manifest = metrics.get("manifest") or {}
    checks = Checks()
    same = config_sha256(config) == manifest.get("config_sha256")
    checks.add("config sha256", same, "config.yaml is the config the run recorded" if same
               else "config.yaml is not the config the run recorded (edited since the run?)")
    checks.add("config hash", config_hash(config) == metrics.get("config_hash") == manifest.get("config_hash"),
               f"{config_hash(config)[:12]} (the baseline's cache key)")
    state = nn.load(run_dir / "model.npz")
    checks.add("model sha256", state_sha256(state) == manifest.get("model_sha256"),
               "model.npz is the model the run saved" if state_sha256(state) == manifest.get("model_sha256")
               else "model.npz is not the model the run saved")
    prepared = prepare(config)  # seeded, data loaded, the baseline's model built, as tt run did
    data, baseline = prepared.data, prepared.model
    with use_backend(config["backend"]):
        test_loader = DataLoader(data.test, batch_size=runner.EVAL_BATCH_SIZE)
        model = rebuild(config, data, test_loader)
        try:
            model.load_state_dict(state)
        except (KeyError, ValueError, RuntimeError) as error:
            checks.add("model shape", False, f"model.npz does not fit the config's model after its passes: {error}")
            return checks
        checks.add("model shape", True, "model.npz fits the config's model after its passes")
        recorded = metrics.get("optimized") or {"accuracy": metrics.get("test_accuracy")}
        check_measured(checks, "optimized" if "optimized" in metrics else "model", model, test_loader, recorded,
                       config)
        if "baseline" in metrics and load_baseline(config_hash(config), baseline) is not None:
            check_measured(checks, "baseline", baseline, test_loader, metrics["baseline"], config)
    if metrics.get("event") and config["event"]:
        check_event(checks, metrics, config["event"])
    return checks


def rebuild(config, data, test_loader):
    """The config's model with its passes replayed untrained: the optimized model's shape."""
    model = build_model(config, data.info)
    if not config["passes"]:
        return model
    train_loader = DataLoader(data.train, batch_size=config["data"]["batch_size"])
    context = PassContext(train_loader, test_loader, data.info, lambda *args, **kwargs: [], config)
    return apply_passes(model, config["passes"], context)


def check_measured(checks, name, model, test_loader, recorded, config):
    """Bytes, parameters and quality of ``model`` measured now against ``recorded``."""
    if "model_bytes" in recorded:
        now = profiler.model_bytes(model)
        checks.add(f"{name} bytes", now == recorded["model_bytes"], f"{now:,} measured, {recorded['model_bytes']:,} recorded")
    task = tasks.make_task(model, test_loader, config["data"]["batch_size"])
    with tasks.Evaluating(model):
        quality = task.quality()
    close = math.isclose(quality["accuracy"], recorded["accuracy"] or 0.0, rel_tol=0, abs_tol=1e-9)
    checks.add(f"{name} accuracy", close,
               f"{quality['accuracy']:.4%} measured, {_percent(recorded['accuracy'])} recorded")
    if "loss" in recorded:
        close = math.isclose(quality["loss"], recorded["loss"], rel_tol=LOSS_RTOL)
        checks.add(f"{name} validation loss", close, f"{quality['loss']:.5f} measured, {recorded['loss']:.5f} recorded")


def check_event(checks, metrics, section):
    """Score the event again from the recorded numbers; the recorded verdict must match."""
    event = metrics["event"]
    again = events.score(section, metrics["baseline"], metrics["optimized"])
    same = all(again[key] == event.get(key) for key in ("qualified", "valid")) and np.isclose(
        again["score"], event.get("score", math.nan))
    checks.add("event verdict", same, f"recomputed: score {again['score']:.4f}, "
               f"{'VALID' if again['valid'] else 'INVALID'} ({again['valid_reason']}); recorded: score "
               f"{event.get('score')}, {'VALID' if event.get('valid') else 'INVALID'}")


def _percent(value):
    return f"{value:.4%}" if isinstance(value, (int, float)) else repr(value)


@click.command("verify")
@click.argument("run_dir", required=False, type=click.Path(exists=True, file_okay=False))
@click.option("--all", "every", is_flag=True,
              help="check every submission in the database and measure it again on this machine")
@click.option("--db", "url", help="the database for --all: a URL or an SQLite file [default: leaderboard.db]")
@click.option("--engine", type=click.Choice(("local", "ray")),
              help="with --all: local (a process pool, the default) or ray (pip install tinytorch-bench[ray])")
@click.option("--address", help="with --all --engine ray: the Ray cluster to join [default: a local Ray]")
@click.option("--jobs", "workers", type=click.IntRange(min=1), help="with --all: submissions at once [default: "
              "one per CPU]")
def verify_command(run_dir, every, url, engine, address, workers):
    """Check a run: its config and model against the manifest, its quality measured again.

    With --all instead of RUN_DIR: every submission stored in the database (--db), each
    checked and measured again on this machine; the grades are recorded beside the
    submitted figures (competition/grade.py).
    """
    if every == (run_dir is not None):
        raise click.UsageError("expected exactly one of RUN_DIR or --all")
    if every:
        from tinytorch.bench.competition import grade  # SQLAlchemy and the engines, only when grading

        grade.grade_command(url, engine or "local", workers, address)
        return
    given = [name for name, value in (("--db", url), ("--engine", engine), ("--address", address),
                                      ("--jobs", workers)) if value is not None]
    if given:
        raise click.UsageError(f"{', '.join(given)} {'go' if len(given) > 1 else 'goes'} with --all, not with RUN_DIR")
    console = Console()
    try:
        checks = verify(run_dir)
    except (ValueError, ConfigError, runner.RunError) as error:
        console.print("[red]error:[/] " + escape(str(error)))
        raise SystemExit(2) from None
    table = Table(title=f"tt verify {run_dir}")
    for heading in ("check", "result", "detail"):
        table.add_column(heading)
    for what, ok, detail in checks.rows:
        table.add_row(what, "[green]ok[/]" if ok else "[red]FAILED[/]", escape(detail))
    console.print(table)
    if not checks.passed:
        console.print("[bold red]FAILED:[/] the run's files do not match what they claim")
        raise SystemExit(1)
    console.print("[bold green]verified[/]")
