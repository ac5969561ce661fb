"""``tt bench competition``: the class competition's speed goals, measured by a command.

Issue 18 set two goals for the competition's engines (``competition/engines.py``):

1. verifying 100 stored submissions on a local Ray of 2 CPUs takes less wall time than
   verifying them one after another;
2. a 24-trial sweep of the digits Memory Challenge completes on that local Ray, all 24
   trials in the database and the sweep's Pareto plot drawn.

This module measures both the way ``docs/competition.md`` describes them, in a
temporary directory with its own ``TINYTORCH_CACHE`` (so nothing of yours is used or
touched):

- it makes the submissions by sweeping ``configs/test/tiny_mlp.yaml`` with prune and
  quantize in the Memory Challenge (``sweep.run_sweep``, the code of ``tt sweep``) over a
  grid of sparsities and fine-tuning epochs (``grid``: 20 x 5 for 100), every trial
  stored in one SQLite file. That sweep trains the baseline, so every grading below
  finds it in the cache, as a grading machine would after its first class;
- it grades them (``grade.grade_all``, the code of ``tt verify --db URL --all``) one after
  another (the local engine with one worker), on a local Ray of ``--jobs`` CPUs and on
  the local process pool of ``--jobs`` workers, each on a fresh copy of the database,
  in rounds that take the contenders in turn (the first one rotating), as ``timing.py``
  does for kernels;
- with ``--sweep``, it also times the 24-trial Memory Challenge sweep on Ray (about five
  minutes, the full LoadGen rules in every trial).

The time of a grading is ``grade_all`` from connecting to the database to the last grade
recorded: starting and stopping the pool or the local Ray is in it, ``tt``'s own start is
not.

``--write docs/benchmarks.md`` replaces only this command's section of the file, between
``START`` and ``END`` markers (``with_section``), and ``tt bench all --write`` keeps that
section (``kept_section``), so each command rewrites only its own numbers.

Read next: ``../competition/grade.py``, what each grading runs.
"""

import contextlib
import io
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import click
import yaml
from rich.console import Console

from tinytorch.core.files import read_limited
from tinytorch.core.names import did_you_mean

from . import machine
from .report import table

START = "<!-- tt bench competition -->"
END = "<!-- end tt bench competition -->"
CONFIG = Path("configs/test/tiny_mlp.yaml")
# prune then quantize, in the Memory Challenge: what the conftest's olympics_run submits
PASSES = [{"name": "prune", "sparsity": 0.5}, {"name": "quantize"}]
MEMORY_CONFIG = Path("configs/olympics/memory.yaml")
MEMORY_GRID = {  # docs/competition.md "Sweeps": quantize or not x 4 sparsities x 3 fine-tune lengths
    "passes": [[{"name": "prune", "structured": True}, {"name": "quantize"}], [{"name": "prune", "structured": True}]],
    "passes.0.sparsity": [0.3, 0.5, 0.7, 0.8],
    "passes.0.finetune_epochs": [0, 2, 5],
}
MAX_DOC_BYTES = 10 * 2**20


# -- the marked section of a document --------------------------------------------------------


def marked_section(text):
    """The marked section of ``text``, markers included, or None when it has none.
    Markers out of order or twice are an error: replacing would swallow what lies between."""
    starts, ends = text.count(START), text.count(END)
    if (starts, ends) == (0, 0):
        return None
    start, end = text.find(START), text.find(END)
    if (starts, ends) != (1, 1) or end < start:
        raise click.ClickException(f"--write: expected one section from {START} to {END}, found {starts} "
                                   f"start and {ends} end marker(s); mend the file by hand")
    return text[start:end + len(END)]


def with_section(text, section):
    """``text`` with its marked section replaced by ``section`` (markers included), or
    ``section`` added at the end when ``text`` has none: the rest stays byte for byte."""
    old = marked_section(text)
    if old is not None:
        return text.replace(old, section, 1)
    return (text.rstrip("\n") + "\n\n" if text.strip() else "") + section + "\n"


def read_doc(path):
    """The text of ``path``, or "" when it does not exist yet."""
    path = Path(path)
    return read_limited(path, MAX_DOC_BYTES, "document").decode("utf-8") if path.exists() else ""


def kept_section(path, text):
    """``text`` (a whole new ``path``) with the marked section ``path`` holds now, if any:
    ``tt bench all --write`` rewrites the file without dropping this command's numbers."""
    old = marked_section(read_doc(path))
    return with_section(text, old) if old else text


# -- what is measured ------------------------------------------------------------------------


def grid(submissions):
    """A grid of exactly ``submissions`` trials: sparsities x fine-tuning epochs (20 x 5 for 100)."""
    epochs = next(k for k in (5, 4, 3, 2, 1) if submissions % k == 0)
    count = submissions // epochs
    step = 0.9 / (count - 1) if count > 1 else 0
    sparsities = [round(0.05 + i * step, 4) for i in range(count)] if count > 1 else [0.5]
    return {"passes.0.sparsity": sparsities, "passes.0.finetune_epochs": list(range(epochs))}


def contenders(engines, workers):
    """``[(label, engine, workers)]``: one after another first, then each engine with ``workers``."""
    found = [("one after another", "local", 1)]
    names = {"ray": f"local Ray, {workers} CPUs", "local": f"local process pool, {workers} workers"}
    return found + [(names[engine], engine, workers) for engine in ("ray", "local") if engine in engines]


ENGINES = ("local", "ray")
RAY_MISSING = "Ray is not installed: pip install tinytorch-bench[ray]"


def choose_engines(text, sweep=False):
    """``(engines, notes)`` from ``--engines local,ray``; None means both, Ray only if installed."""
    names = [name.strip() for name in (text or ",".join(ENGINES)).split(",") if name.strip()]
    for name in names:
        if name not in ENGINES:
            raise click.BadParameter(f"expected some of {', '.join(ENGINES)}, found {name!r}"
                                     + did_you_mean(name, ENGINES), param_hint="--engines")
    if not names:
        raise click.BadParameter("expected some of local, ray, found nothing", param_hint="--engines")
    if "ray" not in names and not sweep or ray_version() is not None:
        return names, []
    if sweep:
        raise click.UsageError(f"--sweep runs on Ray; {RAY_MISSING}")
    if text is not None and "ray" in names:
        raise click.UsageError(f"--engines ray: {RAY_MISSING}")
    return [name for name in names if name != "ray"], [f"{RAY_MISSING}; the local Ray row is skipped."]


@contextlib.contextmanager
def own_cache(directory):
    """``TINYTORCH_CACHE`` set to ``directory`` inside the block (the engines pass it to workers)."""
    saved = os.environ.get("TINYTORCH_CACHE")
    os.environ["TINYTORCH_CACHE"] = str(directory)
    try:
        yield
    finally:
        os.environ.pop("TINYTORCH_CACHE") if saved is None else os.environ.__setitem__("TINYTORCH_CACHE", saved)


def quiet():
    """A console that keeps what the sweep and the grader print to itself."""
    return Console(file=io.StringIO(), width=120, color_system=None)


def make_submissions(tmp, config, submissions, workers):
    """Sweep the config into ``tmp/submissions.db``: ``(url, seconds)``, every trial stored."""
    from tinytorch.bench.competition import sweep
    from tinytorch.bench.run import yamlio

    settings = yamlio.safe_load(Path(config).read_text(encoding="utf-8"))
    path = tmp / "config.yaml"
    path.write_text(yaml.safe_dump({**settings, "passes": PASSES, "event": {"name": "memory"}}, sort_keys=False))
    url = f"sqlite:///{tmp / 'submissions.db'}"
    start = time.perf_counter()
    _, jobs, results = sweep.run_sweep(path, grid(submissions), engine="local", workers=workers, url=url,
                                       out=tmp / "sweep", console=quiet())
    failed = [result["error"] for result in results.values() if "error" in result]
    if failed or len(results) != submissions:
        raise click.ClickException(f"making the submissions: {len(failed)} of {len(jobs)} trials failed "
                                   f"({failed[0] if failed else 'not run'})")
    return url, time.perf_counter() - start


def grade_once(tmp, url, engine, workers, name):
    """Grade a fresh copy of the database at ``url``: ``(seconds, verified, graded)``."""
    from tinytorch.bench.competition import grade

    source = Path(url.removeprefix("sqlite:///"))
    copy = tmp / f"{name}.db"
    shutil.copyfile(source, copy)  # every contender starts with no grades
    start = time.perf_counter()
    graded = grade.grade_all(f"sqlite:///{copy}", engine=engine, workers=workers, console=quiet())
    seconds = time.perf_counter() - start
    copy.unlink()
    return seconds, sum(bool(result["verified"]) for _, result in graded), len(graded)


def run(submissions=100, engines=("local", "ray"), workers=2, rounds=1, config=CONFIG, sweep=False, say=print):
    """Every measurement, as a dict for ``section``; ``say(text)`` tells what is happening."""
    if sweep and not MEMORY_CONFIG.is_file():
        raise click.UsageError(f"--sweep: expected {MEMORY_CONFIG} here; run from the repository's root")
    results = {"submissions": submissions, "workers": workers, "rounds": rounds, "config": str(config),
               "grid": grid(submissions), "machine": machine.describe(), "ray": ray_version()}
    with tempfile.TemporaryDirectory(prefix="tt-bench-competition-") as name, own_cache(Path(name) / "cache"):
        tmp = Path(name)
        say(f"making {submissions} submissions: a sweep of {config} on the local pool ({workers} workers)")
        url, results["made_seconds"] = make_submissions(tmp, config, submissions, workers)
        rows = [{"how": label, "engine": engine, "workers": jobs, "seconds": [], "verified": [], "graded": []}
                for label, engine, jobs in contenders(engines, workers)]
        for round in range(rounds):
            for i in range(len(rows)):
                row = rows[(round + i) % len(rows)]  # the first contender rotates
                say(f"round {round + 1}/{rounds}: grading {submissions} submissions, {row['how']}")
                seconds, verified, graded = grade_once(tmp, url, row["engine"], row["workers"], f"r{round}-{i}")
                for key, value in (("seconds", seconds), ("verified", verified), ("graded", graded)):
                    row[key].append(value)
        results["grading"] = rows
        if sweep:
            say("the 24-trial Memory Challenge sweep on a local Ray (about five minutes)")
            results["sweep"] = memory_sweep(tmp, workers)
    results["load_average_end"] = machine.load_average()
    return results


def memory_sweep(tmp, workers):
    """``tt sweep`` of the Memory Challenge grid on a local Ray; its baseline is trained inside it."""
    from tinytorch.bench.competition import db, sweep

    url = f"sqlite:///{tmp / 'sweep.db'}"
    start = time.perf_counter()
    root, jobs, results = sweep.run_sweep(MEMORY_CONFIG, MEMORY_GRID, engine="ray", workers=workers, url=url,
                                          out=tmp / "memory-sweep", console=quiet())
    stored = [result for result in results.values() if "error" not in result]
    svg = sweep.draw_front(root, stored) if stored else None
    seconds = time.perf_counter() - start
    entries = db.entries(db.connect(url))
    qualified = [entry for entry in entries if entry["qualified"]]
    return {"trials": len(jobs), "seconds": seconds, "stored": len(entries),
            "sweeps": len({entry["sweep_id"] for entry in entries}),
            "dots": svg.read_text(encoding="utf-8").count("<circle") if svg else 0,
            "failed": len(jobs) - len(stored), "qualified": len(qualified),
            "best": max(qualified, key=lambda entry: entry["score"], default=None)}


def ray_version():
    """Ray's version, or None when it is not installed (the extra ``tinytorch-bench[ray]``)."""
    try:
        import ray
    except ImportError:
        return None
    return ray.__version__


# -- the section -----------------------------------------------------------------------------


def command_line(submissions, engines, workers, rounds, sweep, doc_path):
    parts = ["tt bench competition", f"--submissions {submissions}"]
    parts += [f"--engines {','.join(engines)}", f"--jobs {workers}"]
    parts += [f"--rounds {rounds}"] if rounds != 1 else []
    parts += ["--sweep"] if sweep else []
    parts += [f"--write {doc_path}"] if doc_path else []
    return " ".join(parts)


def _seconds(value):
    return f"{value:.1f} s" if value < 60 else f"{int(value // 60)} min {value % 60:.0f} s ({value:.1f} s)"


def goals(results):
    """``[(goal, target, measured, status)]``: the two goals of issue 18, judged from the numbers."""
    sequential, *others = results["grading"]  # contenders(): one after another comes first
    n, ray = results["submissions"], next((row for row in others if row["engine"] == "ray"), None)
    name = (f"verifying {n} stored submissions on local Ray ({results['workers']} CPUs) takes less wall time "
            "than one after another")
    if ray is None:
        found = [(name, "< 1x", "not measured (`--engines` without ray)", "not measured")]
    else:
        ours, theirs = statistics.median(ray["seconds"]), statistics.median(sequential["seconds"])
        verified = all(v == n for row in (ray, sequential) for v in row["verified"])
        met = ours < theirs and verified
        found = [(name, "< 1x", f"{ours / theirs:.2f}x ({ours:.1f} s against {theirs:.1f} s), "
                  f"{min(ray['verified'])} of {n} verified", "met" if met else "**missed**")]
    name = (f"a 24-trial digits Memory Challenge sweep completes on local Ray with {results['workers']} CPUs, "
            "all 24 in the database, its Pareto plot drawn")
    sweep = results.get("sweep")
    if sweep is None:
        return found + [(name, "24 stored, 24 dots", "not measured (rerun with `--sweep`)", "not measured")]
    met = sweep["failed"] == 0 and sweep["stored"] == sweep["dots"] == sweep["trials"] == 24
    return found + [(name, "24 stored, 24 dots", f"{sweep['stored']} stored, {sweep['dots']} dots, in "
                     f"{_seconds(sweep['seconds'])}", "met" if met else "**missed**")]


def machine_rows(results):
    m, end = results["machine"], results.get("load_average_end")
    return [("CPU", m["cpu"]), ("cores", f"{m['cores']} ({m['cores_usable']} usable)"), ("Python", m["python"]),
            ("NumPy", m["numpy"]), ("BLAS", f"{m['blas']}, {m['blas_threads'] or '?'} thread(s) in this process"),
            ("Ray", results["ray"] or "not installed"), ("date", m["date"]),
            ("load average (1, 5, 15 min)", f"{m['load_average']} at the start" + (f", {end} at the end" if end else ""))]


def grading_rows(results):
    sequential = statistics.median(results["grading"][0]["seconds"])
    rows = []
    for row in results["grading"]:
        median = statistics.median(row["seconds"])
        verified = ", ".join(f"{v} of {g}" for v, g in zip(row["verified"], row["graded"]))
        rows.append((row["how"], f"`--engine {row['engine']} --jobs {row['workers']}`",
                     ", ".join(f"{s:.1f}" for s in row["seconds"]), f"**{median:.1f}**",
                     f"{median / sequential:.2f}x", verified))
    return rows


def section(results, command, notes=()):
    """This command's section of ``docs/benchmarks.md``, between the markers."""
    n, g = results["submissions"], results["grid"]
    sparsities = g["passes.0.sparsity"]
    epochs = g["passes.0.finetune_epochs"]
    values = (f"{len(sparsities)} values from {sparsities[0]} to {sparsities[-1]}" if len(sparsities) > 3
              else str(sparsities))
    out = [START, "## Class competition: grading and sweeps", "",
           f"Written by `{command}`; rerun it to refresh this section (`tt bench all --write` keeps it as it is). "
           "The goals are issue 18's, measured by hand before in `docs/competition.md` (Sweeps, Grading). "
           "Times are wall time on a machine other sessions may share (see the load average): compare the "
           "rows of one run, measured side by side, rather than runs of different days.", "",
           table(("goal", "target", "measured", "status"), goals(results)), "",
           table(("", ""), machine_rows(results)), "",
           f"### Grading {n} submissions", "",
           f"The submissions: a sweep of `{results['config']}` with prune (then quantize) in the Memory "
           f"Challenge, quick LoadGen settings, over `passes.0.sparsity` ({values}) x "
           f"`passes.0.finetune_epochs` ({epochs}), every trial stored in one SQLite file (made in "
           f"{results['made_seconds']:.1f} s on the local pool of {results['workers']} workers, in a fresh "
           "`TINYTORCH_CACHE`, so the baseline was trained there and is cached for every grading). Each "
           "grading below is `tt verify --db URL --all` (`grade.grade_all`) on a fresh copy of that file; "
           f"{results['rounds']} round(s), the contenders in turn, the first one rotating.", "",
           table(("how", "engine", "wall time per round (s)", "median (s)", "x one after another", "verified"),
                 grading_rows(results)), "",
           "The time runs from connecting to the database to the last grade recorded: it includes starting "
           "and stopping the local Ray or the pool's processes, not `tt`'s own start (about a second)."]
    sweep = results.get("sweep")
    if sweep:
        best = sweep["best"]
        out += ["", "### The 24-trial Memory Challenge sweep", "",
                f"`tt sweep {MEMORY_CONFIG}` over the grid of `docs/competition.md` (Sweeps) on a local Ray of "
                f"{results['workers']} CPUs, the 30-epoch baseline trained inside the sweep (fresh cache), every "
                "trial measured to the full LoadGen rules.", "",
                table(("trials", "wall time", "failed", "in the database", "sweeps", "dots in pareto.svg",
                       "qualified", "best score"),
                      [(sweep["trials"], _seconds(sweep["seconds"]), sweep["failed"], sweep["stored"], sweep["sweeps"],
                        sweep["dots"], sweep["qualified"],
                        f"{best['score']:.2f} ({best['accuracy']:.2%})" if best else "-")])]
    out += [""] + [f"Note: {note}" for note in notes] + ([""] if notes else []) + [END]
    return "\n".join(out)
