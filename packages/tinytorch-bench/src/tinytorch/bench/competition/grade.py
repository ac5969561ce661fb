"""``tt verify --db URL --all``: check every stored submission and measure it again, here.

Each student measured their entry on their own machine, so the submitted latencies are
theirs: a fast laptop beats a slow one at the same model. A grade puts every entry on
one machine. For each submission ``grade`` (in a worker, through ``engines.py``):

1. writes the stored files back as a run directory (``db.export``'s files, carried in
   the job, so a Ray worker on another machine needs no access to the database);
2. runs the checks of ``tt verify RUN_DIR`` (``olympics/verify.py``): the config and the
   model against the manifest, quality measured again, the event's verdict recomputed.
   An edited score, a swapped ``model.npz`` or a changed config fails here, with the
   check that failed as the grade's detail;
3. measures the baseline and the optimized model again with the code ``tt run`` uses
   (``profiler.benchmark`` under the config's ``benchmark:`` settings): latency, bytes,
   accuracy; the optimized model is the stored ``model.npz`` loaded into the config's
   model after its passes (``verify.rebuild``), the baseline is the config's model with
   the trained baseline from this machine's cache;
4. scores the event again from those figures (``olympics/events.score``, as ``tt run`` scores it).

The caller records each grade with ``db.add_grade`` (the figures, verified or not and
why, and this machine's description) beside the submitted figures, and prints both.

A baseline not in the cache is trained first, once per config hash and before any
grading, as ``tt run`` would train it (it depends only on the config: same seed, same
weights), so two workers never train the same one at once.

Read next: ``../olympics/verify.py``, the checks each grade starts with.
"""

import io
import tempfile
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

import tinytorch.nn as nn
from tinytorch.bench.olympics import events, leaderboard, loadgen, profiler, verify
from tinytorch.bench.perf import machine
from tinytorch.bench.run import manifest, runner
from tinytorch.bench.run.cache import baseline_paths, load_baseline
from tinytorch.bench.run.config import config_hash, load_config
from tinytorch.bench.run.prepare import prepare
from tinytorch.core import use_backend
from tinytorch.core.data import DataLoader
from tinytorch.core.files import shorten

from . import db, engines

FILES = ("config.yaml", "metrics.json", "model.npz", "report.md")


# -- in a worker ------------------------------------------------------------------------------


def write_files(files, directory):
    """The run directory a job carries: ``{file name: bytes}`` written into ``directory``."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    return directory


def train_baseline(job, report):
    """Worker: train the baseline of the config ``job["config_yaml"]`` into this machine's cache."""
    with tempfile.TemporaryDirectory(prefix="tt-grade-") as tmp:
        path = Path(tmp) / "config.yaml"
        path.write_text(job["config_yaml"], encoding="utf-8")
        config = load_config(path)
        baseline(config, prepare(config), Path(tmp))
    return job["config_hash"]


def baseline(config, prepared, scratch):
    """``prepared.model`` with the trained baseline's weights: from the cache, else trained now
    as ``tt run`` trains it (and cached); its checkpoints go in ``scratch``."""
    if load_baseline(config_hash(config), prepared.model) is None:
        with use_backend(config["backend"]):
            run = runner.Run(config["name"], config, Path(scratch), config_hash(config))
            trainer = runner.make_trainer(run, prepared.model, prepared.data)
            runner.train_baseline(run, trainer, Console(file=io.StringIO()))  # trains prepared.model, caches it
    return prepared.model


def grade_job(job, report):
    """Worker: verify submission ``job["id"]`` and measure it again; a dict for ``db.add_grade``."""
    with tempfile.TemporaryDirectory(prefix="tt-grade-") as tmp:
        run_dir = write_files(job["files"], Path(tmp) / "run")
        checks = verify.verify(run_dir)
        failed = [f"{what}: {detail}" for what, ok, detail in checks.rows if not ok]
        detail = "; ".join(failed) if failed else f"all {len(checks.rows)} checks passed"
        fits = all(ok for what, ok, _ in checks.rows if what == "model shape")
        figures = measure(run_dir, Path(tmp)) if fits else {}  # a model that does not load cannot be timed
    return {"id": job["id"], "verified": checks.passed, "detail": detail, "figures": figures,
            "machine": machine_facts()}


def measure(run_dir, scratch):
    """``{"baseline", "optimized", "event"}`` measured on this machine, as ``tt run`` measures them."""
    config = load_config(run_dir / "config.yaml")
    prepared = prepare(config)
    data, trained = prepared.data, baseline(config, prepared, scratch)
    bench = config["benchmark"]
    settings = loadgen.Settings.from_config(bench)
    figures = {}
    with use_backend(config["backend"]):
        test_loader = DataLoader(data.test, batch_size=runner.EVAL_BATCH_SIZE)
        optimized = verify.rebuild(config, data, test_loader)
        optimized.load_state_dict(nn.load(run_dir / "model.npz"))
        for name, model in (("baseline", trained), ("optimized", optimized)):
            figures[name] = profiler.benchmark(model, test_loader, bench["warmup"], bench["runs"], bench["batch_size"],
                                               config["data"]["batch_size"], settings)
    event = config["event"]
    if event:
        figures["event"] = events.score(event, figures["baseline"], figures["optimized"])
    return figures


def machine_facts():
    """The grading machine, as a run's manifest describes the machine it ran on."""
    facts = machine.describe()
    return {**{key: facts[key] for key in manifest.MACHINE_KEYS}, **manifest.code_version()}


# -- the grader -----------------------------------------------------------------------------


def stored_files(database, id):
    """Submission ``id``'s run directory as ``{file name: bytes}``, exported through ``db.export``."""
    with tempfile.TemporaryDirectory(prefix="tt-export-") as tmp:
        directory = db.export(database, id, tmp)
        return {name: (directory / name).read_bytes() for name in FILES if (directory / name).is_file()}


def missing_baselines(database, entries):
    """One job per config hash whose trained baseline is not in this machine's cache."""
    jobs = {}
    for entry in entries:
        stored = db.submission(database, entry["id"])
        digest = stored["metrics"].get("config_hash")
        if digest and digest not in jobs and not baseline_paths(digest)[0].is_file():
            jobs[digest] = {"config_hash": digest, "config_yaml": stored["config_yaml"]}
    return list(jobs.values())


def grade_all(url=None, *, engine="local", workers=None, address=None, console=None):
    """Grade every stored submission; ``[(entry, grade)]`` in submission order, each grade recorded."""
    console = console or Console()
    session = engines.Session(engine, workers, address)  # bad engine options fail here, before any work
    database = db.connect(url)
    entries = db.entries(database)
    if not entries:
        return []
    grades = {}
    with session:
        baselines = missing_baselines(database, entries)
        if baselines:
            console.print(f"training {len(baselines)} baseline(s) this machine has not cached yet")
            for done in session.run_all(train_baseline, baselines):
                if done.error:  # the grades of its submissions will say why (verify fails the same way)
                    console.print("[yellow]warning:[/] " + escape(f"baseline {done.job['config_hash'][:12]}: "
                                                                 f"{done.error}"))
        # read from the database as workers come free (engines.Window), not all at once
        jobs = ({"id": entry["id"], "files": stored_files(database, entry["id"])} for entry in entries)
        console.print(f"grading {len(entries)} submissions on {engine}")
        for done in session.run_all(grade_job, jobs):
            grade = done.result or {"id": done.job["id"], "verified": False, "figures": {},
                                    "detail": f"cannot be checked: {done.error}", "machine": machine_facts()}
            db.add_grade(database, grade["id"], figures=grade["figures"], verified=grade["verified"],
                         detail=grade["detail"], machine=grade["machine"])
            grades[grade["id"]] = grade
    return [(entry, grades[entry["id"]]) for entry in entries]


def table(graded):
    """Submitted figures beside the figures measured again, one row per submission."""
    out = Table(title="grades: submitted -> measured on this machine")
    for heading in ("id", "run", "event", "score", "accuracy", "bytes ratio", "speedup", "verified"):
        out.add_column(heading, justify="left" if heading in ("run", "event", "verified") else "right",
                       overflow="fold")
    for entry, grade in graded:
        again = remeasured(grade["figures"])
        row = [(f"{entry[key]:{fmt}}" + (f" -> {again[key]:{fmt}}" if key in again else ""))
               for key, fmt in (("score", ".3f"), ("accuracy", ".2%"), ("bytes_ratio", ".3f"), ("speedup", ".2f"))]
        verdict = "[green]yes[/]" if grade["verified"] else "[red]NO[/]: " + escape(shorten(grade["detail"], 200))
        out.add_row(str(entry["id"]), escape(entry["run"]), entry["event"], *row, verdict)
    return out


def remeasured(figures):
    """The leaderboard's numbers (score, accuracy, bytes ratio, speedup) of a grade's figures, or {}."""
    return leaderboard.entry(figures, "") if figures.get("event") else {}  # the leaderboard's own arithmetic


def grade_command(url, engine, workers, address):
    """``tt verify --all``: grade, record, print; exit 1 if any submission failed its checks."""
    console = Console()
    try:
        graded = grade_all(url, engine=engine, workers=workers, address=address, console=console)
    except KeyboardInterrupt:
        console.print("interrupted: the grades already printed are recorded; rerun to grade all again")
        raise click.exceptions.Exit(130) from None
    if not graded:
        console.print(f"no submissions in {db.url_of(url)} (tt submit RUN_DIR stores one)")
        return
    console.print(table(graded))
    failed = sum(not grade["verified"] for _, grade in graded)
    if failed:
        console.print(f"[bold red]{failed} of {len(graded)} submissions FAILED verification[/]")
        raise click.exceptions.Exit(1)
    console.print(f"[bold green]all {len(graded)} submissions verified[/] and measured again on this machine")
