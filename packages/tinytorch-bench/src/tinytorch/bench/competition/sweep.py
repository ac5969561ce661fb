"""``tt sweep CONFIG --grid key.path=[v1,v2,...]``: every combination of settings, one run each.

A student looking for their best Olympics entry tries many settings: how much to prune,
whether to quantize, how long to fine-tune. A sweep runs them all:

    tt sweep configs/olympics/memory.yaml --grid passes.0.sparsity=[0.3,0.5,0.7] \\
        --grid passes.0.finetune_epochs=[0,5] --engine ray --jobs 2

Each ``--grid`` is a key path (as ``tt run --set`` takes it) and a YAML list of values,
read with the project's safe YAML reader (``run/yamlio.py``). Every combination is a
*trial*: ``tt run CONFIG --set key=value ...`` with the trial's values, in its own run
directory. Grids apply in the order given, so a grid over a whole list (``passes=[...]``)
followed by one over ``passes.0.sparsity`` sets the sparsity in each of those lists.

Before anything runs, every trial's config is resolved and checked as ``tt run`` would
(``run/prepare.py``: the schema, and each pass's options against the model), so a
misspelt key stops the sweep with one line and the nearest name.

Where things go: ``sweeps/<name>/`` (or ``--out``), ``<name>`` being the config's name,
the grid's keys and a short hash of the config and grid; in it one directory per trial,
named by its values and a short hash, a ``logs/`` folder with what each trial printed,
and ``pareto.svg``. A trial whose directory has a ``metrics.json`` is finished (that
file is written last, ``run/outputs.py``), so a rerun of the same command skips it: an
interrupted sweep resumes where it stopped. Any other trial directory is an unfinished
trial and is run again from the start (``--overwrite``).

Trials run through ``engines.py`` (a local process pool, or Ray). The first trial of each
baseline not in the cache runs first, alone, so the other workers do not train the same
baseline at the same time; the rest then reuse it from the cache. Each finished trial is
stored in the database at once (``db.store`` with the sweep's id and the trial's values),
so a stopped sweep keeps what it finished. At the end: a table of every trial and the
Pareto front of bytes against accuracy, drawn with ``pareto.py``.

Read next: ``engines.py``, then ``grade.py``.
"""

import hashlib
import itertools
import json
import re
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tinytorch.bench.olympics import leaderboard
from tinytorch.bench.run import runner, yamlio
from tinytorch.bench.run.cache import baseline_paths
from tinytorch.bench.run.config import ConfigError, config_hash
from tinytorch.bench.run.prepare import build_model, check_passes, load_data, resolve_config
from tinytorch.core import use_backend
from tinytorch.core.files import shorten, write_text

from . import db, engines, pareto

SWEEPS_DIR = "sweeps"
MAX_TRIALS = 10_000  # far above any grid a person means; a typo like [0..1000] is not one
EPOCH_LINE = re.compile(r"^epoch (\d+)/(\d+)")


# -- the grid ---------------------------------------------------------------------------------


def parse_grid(texts):
    """``{key.path: [values]}`` from ``--grid key.path=[v1,v2]`` options, in order; one-line errors."""
    grid = {}
    for text in texts:
        key, sep, raw = text.partition("=")
        key = key.strip()
        if not sep or not key:
            raise click.BadParameter(f"expected key.path=[v1,v2,...], found {shorten(repr(text))}", param_hint="--grid")
        try:
            values = yamlio.safe_load(raw)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            where = f" (column {mark.column + 1})" if mark else ""
            raise click.BadParameter(f"{key}: cannot read {shorten(raw)!r} as YAML{where}: "
                                     f"{getattr(error, 'problem', None) or error}", param_hint="--grid") from None
        if not isinstance(values, list) or not values:
            raise click.BadParameter(f"{key}: expected a non-empty list like [0.3, 0.5], found {shorten(raw)!r}",
                                     param_hint="--grid")
        if key in grid:
            raise click.BadParameter(f"{key} is given twice; give each key one list", param_hint="--grid")
        grid[key] = values
    if not grid:
        raise click.UsageError("expected at least one --grid key.path=[v1,v2,...]")
    if (count := _product_size(grid)) > MAX_TRIALS:
        raise click.BadParameter(f"the grid makes {count:,} trials, more than {MAX_TRIALS:,}", param_hint="--grid")
    return grid


def _product_size(grid):
    size = 1
    for values in grid.values():
        size *= len(values)
    return size


def trials(grid):
    """Every combination: one ``{key.path: value}`` dict per trial, the last key varying fastest."""
    return [dict(zip(grid, values)) for values in itertools.product(*grid.values())]


def overrides(params):
    """The ``--set`` strings of a trial; JSON is YAML, so each value reads back as it was."""
    return [f"{key}={json.dumps(value)}" for key, value in params.items()]


def short_hash(value, length=6):
    return hashlib.sha256(json.dumps(value, sort_keys=True, default=str).encode()).hexdigest()[:length]


def label(value):
    """A short, file-name-safe word for a value: ``0.3``, ``true``, ``prune+quantize``."""
    if isinstance(value, list):
        text = "+".join(label(item) for item in value) or "none"
    elif isinstance(value, dict):
        text = str(value.get("name", "")) or short_hash(value)
    else:
        text = json.dumps(value) if not isinstance(value, str) else value
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-")[:40] or short_hash(value)


def trial_name(params):
    """``passes-prune+quantize_sparsity-0.3_finetune_epochs-2-1a2b3c``: readable, and unique by the hash."""
    words = "_".join(f"{key.rsplit('.', 1)[-1]}-{label(value)}" for key, value in params.items())
    return f"{words[:100]}-{short_hash(params)}"


def sweep_name(config, grid):
    """The config's name, the grid's keys, a hash of both: the same sweep again has the same name."""
    keys = "_".join(key.rsplit(".", 1)[-1] for key in grid)
    return f"{config['name']}-{keys[:60]}-{short_hash([dict(config), grid])}"


# -- checking every trial before any runs ----------------------------------------------------


def check_trials(config_path, grid, backend=None):
    """``[(params, resolved config)]`` for every trial, each checked as ``tt run`` checks it."""
    checked, data = [], {}
    for params in trials(grid):
        try:
            config = resolve_config(config_path, overrides(params), backend)
            key = json.dumps(config["data"], sort_keys=True)
            with use_backend(config["backend"]):
                if key not in data:
                    data[key] = load_data(config).info  # each dataset once, not once per trial
                check_passes(config, build_model(config, data[key]), data[key])
        except ConfigError as error:
            messages = "; ".join(problem.message for problem in error.problems)
            values = ", ".join(f"{k}={shorten(json.dumps(v), 40)}" for k, v in params.items())
            raise click.UsageError(f"--grid: the trial {values} is not a valid config: {messages}") from None
        if not config["event"]:
            raise click.UsageError(f"{config_path}: a sweep stores its trials as Olympics entries, so the config "
                                   "needs an event: (e.g. --grid 'event=[{name: memory}]')")
        checked.append((params, config))
    return checked


# -- one trial, in a worker -------------------------------------------------------------------


class ReportingConsole(Console):
    """A Console that writes the trial's log and reports each line it prints to the sweep."""

    def __init__(self, report, **kwargs):
        super().__init__(**kwargs)
        self.report = report

    def print(self, *objects, **kwargs):
        super().print(*objects, **kwargs)
        if objects and isinstance(objects[0], str):
            self.report(objects[0])


def run_trial(job, report):
    """Worker: ``tt run CONFIG --set ...`` into the trial's directory; the run dir as a string."""
    log = Path(job["log"])
    log.parent.mkdir(parents=True, exist_ok=True)
    report("started")
    with open(log, "w", encoding="utf-8") as file:
        console = ReportingConsole(report, file=file, width=120, color_system=None)
        runner.run(job["config"], job["overrides"], backend=job["backend"], out=job["out"], console=console,
                   overwrite=True)  # a directory without metrics.json holds an unfinished trial
    return job["out"]


# -- the sweep ------------------------------------------------------------------------------


def plan(config_path, grid, out=None, backend=None):
    """``(sweep dir, jobs)``: one job per trial, checked, each with its run directory and log."""
    checked = check_trials(config_path, grid, backend)
    base = resolve_config(config_path, (), backend)
    root = Path(out) if out is not None else Path(SWEEPS_DIR) / sweep_name(base, grid)
    jobs, where = [], root.resolve()  # a worker may start in another directory (a Ray node)
    for params, config in checked:
        name = trial_name(params)
        jobs.append({"params": params, "name": name, "config": str(Path(config_path).resolve()),
                     "overrides": overrides(params), "backend": backend, "out": str(where / name),
                     "log": str(where / "logs" / f"{name}.log"),
                     "config_hash": config_hash(config)})
    return root, jobs


def finished(job):
    return (Path(job["out"]) / "metrics.json").is_file()


def waves(jobs):
    """The jobs in two waves: the first trial of each baseline not yet cached, then the rest."""
    first, rest, seen = [], [], set()
    for job in jobs:
        cached = all(path.is_file() for path in baseline_paths(job["config_hash"]))
        new = job["config_hash"] not in seen and not cached
        seen.add(job["config_hash"])
        (first if new else rest).append(job)
    return [wave for wave in (first, rest) if wave]


def store_trial(database, sweep_id, job):
    """Store a finished trial (a no-op if it is stored already): its leaderboard entry, with ``id``."""
    try:
        id, _ = db.store(database, job["out"], sweep_id=sweep_id, params=job["params"])
        return {**leaderboard.read_entry(Path(job["out"]) / "metrics.json"), "id": id, "params": job["params"]}
    except (OSError, ValueError) as error:
        return {"error": f"cannot store {job['out']}: {error}"}


def find_sweep(database, name, config_path, grid):
    """The id of the sweep called ``name`` (the same config and grid), recorded now if it is new."""
    for row in db.sweeps(database):
        if row["name"] == name:
            return row["id"]
    return db.new_sweep(database, name, str(config_path), grid)


class SweepDisplay:
    """One bar for the whole sweep and one line per running trial: its epochs and last message."""

    def __init__(self, console, total, done):
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[status]}"), TimeElapsedColumn(), console=console)
        self.overall = self.progress.add_task("[bold]sweep", total=total, completed=done, status="trials")
        self.running = {}  # trial name -> its task

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def report(self, job, message):
        """A line the trial printed: ``epoch 3/30 ...`` moves its bar, any other line is its status."""
        task = self.running.get(job["name"])
        if task is None:
            task = self.running[job["name"]] = self.progress.add_task(shorten(job["name"], 60), total=None,
                                                                      status="")
        line = message.strip().splitlines()[0] if message.strip() else ""
        epoch = EPOCH_LINE.match(line)
        if epoch:
            self.progress.update(task, completed=int(epoch[1]), total=int(epoch[2]))
        self.progress.update(task, status=escape(shorten(line, 70)))

    def finish(self, job, outcome):
        task = self.running.pop(job["name"], None)
        if task is not None:
            self.progress.remove_task(task)
        self.progress.advance(self.overall)
        self.progress.console.print(escape(f"{outcome}  {job['name']}"), highlight=False)


def outcome(result):
    if "error" in result:
        return f"FAILED ({shorten(result['error'], 160)})"
    return f"score {result['score']:.3f}, accuracy {result['accuracy']:.2%}, bytes ratio {result['bytes_ratio']:.3f}"


def run_sweep(config_path, grid, *, engine="local", workers=None, address=None, url=None, out=None,
              backend=None, console=None):
    """Run every trial not yet finished; ``(sweep dir, jobs, {trial name: entry or {"error"}})``."""
    console = console or Console()
    root, jobs = plan(config_path, grid, out, backend)
    database = db.connect(url)
    sweep_id = find_sweep(database, root.name, config_path, grid)
    results = {job["name"]: store_trial(database, sweep_id, job) for job in jobs if finished(job)}
    todo = [job for job in jobs if not finished(job)]
    console.print(escape(f"sweep {root}: {len(jobs)} trials, {len(results)} finished before, {len(todo)} to run "
                         f"on {engine} (database {db.url_of(url)}, sweep #{sweep_id})"), highlight=False)
    with engines.Session(engine, workers, address) as session, SweepDisplay(console, len(jobs), len(results)) as display:
        for wave in waves(todo):
            for done in session.run_all(run_trial, wave, display.report):
                result = store_trial(database, sweep_id, done.job) if done.error is None else {"error": done.error}
                results[done.job["name"]] = result
                display.finish(done.job, outcome(result))
    return root, jobs, results


def summary(jobs, results):
    """The trials' table (the front marked) and the front's entries, best accuracy for the bytes."""
    stored = [results[job["name"]] for job in jobs if "error" not in results.get(job["name"], {"error": ""})]
    front = pareto.front(stored, x="bytes_ratio", y="accuracy")
    on_front = {id(entry) for entry in front}
    table = Table(title="sweep trials (* = on the Pareto front of bytes ratio and accuracy)")
    keys = list(jobs[0]["params"]) if jobs else []
    leaves = [key.rsplit(".", 1)[-1] for key in keys]
    headings = leaves if len(set(leaves)) == len(leaves) else keys  # the short names, unless two collide
    for heading in ("", *headings, "score", "accuracy", "bytes ratio", "status"):
        table.add_column(heading, justify="left" if heading in ("", "status") else "right", overflow="fold")
    for job in jobs:
        result = results.get(job["name"], {"error": "not run (interrupted)"})
        values = [label(job["params"][key]) for key in keys]
        if "error" in result:
            table.add_row("", *values, "-", "-", "-", "[red]FAILED[/] " + escape(shorten(result["error"], 200)))
            continue
        status = "qualified" if result["qualified"] else "disqualified"  # the reason: tt leaderboard
        table.add_row("*" if id(result) in on_front else "", *values, f"{result['score']:.3f}",
                      f"{result['accuracy']:.2%}", f"{result['bytes_ratio']:.3f}", escape(status))
    return table, front


def draw_front(root, entries):
    """``<sweep>/pareto.svg``: every finished trial, bytes ratio against accuracy, the front as steps."""
    path = Path(root) / "pareto.svg"
    write_text(path, pareto.svg(entries, x="bytes_ratio", y="accuracy", title=f"sweep {root.name}",
                                x_label="model bytes / baseline bytes", y_label="test accuracy",
                                label=lambda e: f"{e['run']}: accuracy {e['accuracy']:.2%}, "
                                                f"bytes ratio {e['bytes_ratio']:.3f}, score {e['score']:.3f}"))
    return path


@click.command("sweep")
@click.argument("config", type=click.Path(dir_okay=False, exists=True))
@click.option("--grid", "grid_texts", multiple=True, metavar="KEY.PATH=[V1,V2,...]",
              help="a config key and the values to try, e.g. --grid passes.0.sparsity=[0.3,0.5] (repeatable; "
                   "every combination is a trial)")
@click.option("--engine", type=click.Choice(engines.ENGINES), default="local", show_default=True,
              help="local: a process pool on this machine; ray: a Ray cluster (pip install tinytorch-bench[ray])")
@click.option("--address", help="the Ray cluster to join (with --engine ray) [default: start a local Ray]")
@click.option("--jobs", "workers", type=click.IntRange(min=1), help="trials at once [default: one per CPU]")
@click.option("--db", "url", help=f"database URL or SQLite file [default: {db.DEFAULT_URL}]")
@click.option("--out", type=click.Path(file_okay=False), help="sweep directory [default: sweeps/<name>/]")
@click.option("--backend", help="compute backend of every trial, as tt run --backend")
def sweep_command(config, grid_texts, engine, address, workers, url, out, backend):
    """Run CONFIG once per combination of the --grid values; store every trial; draw the Pareto front.

    Rerunning the same command skips the trials already finished, so an interrupted sweep resumes.
    """
    if address is not None and engine != "ray":
        raise click.UsageError("--address names a Ray cluster; use it with --engine ray")
    grid = parse_grid(grid_texts)
    console = Console()
    try:
        root, jobs, results = run_sweep(config, grid, engine=engine, workers=workers, address=address, url=url,
                                        out=out, backend=backend, console=console)
    except KeyboardInterrupt:
        console.print("interrupted: the trials that finished are stored; rerun the same command to run the rest")
        raise click.exceptions.Exit(130) from None
    table, front = summary(jobs, results)
    console.print(table)
    stored = [r for r in results.values() if "error" not in r]
    if stored:
        console.print(escape(f"Pareto front drawn in {draw_front(root, stored)}: " + ", ".join(
            f"{e['run']} ({e['accuracy']:.2%} at {e['bytes_ratio']:.3f}x the bytes)" for e in front)), highlight=False)
    failed = len(jobs) - len(stored)
    if failed:
        console.print(f"[red]{failed} of {len(jobs)} trials failed[/]; their logs are in {escape(str(root / 'logs'))}")
        raise click.exceptions.Exit(1)
