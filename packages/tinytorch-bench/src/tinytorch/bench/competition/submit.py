"""``tt submit RUN_DIR`` and ``tt leaderboard``: a checked run into the database, and the standings.

``tt submit`` is the competition's front door. It trusts a run directory no more than
``tt verify`` does, because it *is* ``tt verify``: ``olympics.verify.verify`` replays the
run's checks (hashes, architecture, re-measured quality, the event scored again), and a
run that fails any of them is refused, one line per failed check. A run that passes is
stored whole by ``db.store``; the same run twice is a no-op that says so.

The checks and the store read the same bytes: the run's files are copied into a private
directory first, checked there and stored from there, so a file edited between the
check and the store cannot slip through.

``tt leaderboard`` ranks the database's submissions (``olympics.leaderboard.rank``: per
track and event, valid entries first, then score, ties to the earlier submission), or,
given a folder, the runs in it as before. ``--json`` prints the same ranking as a list for
scripts. ``tt leaderboard serve`` is the web page (``web.py``); it is imported only when
asked for, so everything else works without the ``web`` extra installed.

Read next: ``db.py`` (what ``store`` keeps), then ``web.py``.
"""

import json
import tempfile
from pathlib import Path

import click
import sqlalchemy as sa
from rich.console import Console
from rich.markup import escape

from tinytorch.bench.olympics import leaderboard, verify
from tinytorch.bench.run import runner
from tinytorch.bench.run.cli import fail, os_error_message
from tinytorch.bench.run.config import ConfigError
from tinytorch.core import plugins
from tinytorch.core.files import read_limited, shorten
from tinytorch.core.names import did_you_mean

from . import db

DB_HELP = f"database: an SQLAlchemy URL or an SQLite file name [default: {db.DEFAULT_URL}]"


@click.command("submit")
@click.argument("run_dir", type=click.Path(exists=True, file_okay=False))
@click.option("--db", "url", metavar="URL", help=DB_HELP)
def submit_command(run_dir, url):
    """Check the Olympics run in RUN_DIR as tt verify does and store it in the leaderboard database."""
    engine = db.connect(url)  # first: a wrong URL is said at once, not after the checks
    run_dir = Path(run_dir)
    with tempfile.TemporaryDirectory(prefix="tt-submit-") as scratch:
        copy = Path(scratch) / run_dir.resolve().name  # the entry's name is the run directory's
        try:
            _copy_run(run_dir, copy)
            problems = refusals(copy, shown=run_dir)
        except ValueError as error:  # a file too large, or not a regular file
            problems = [str(error)]
        except OSError as error:  # a file that cannot be read
            problems = [os_error_message(error)]
        for problem in problems:
            click.echo(f"refused: {problem}", err=True)
        if problems:
            raise click.exceptions.Exit(1)
        try:
            id, created = db.store(engine, copy)
        except sa.exc.SQLAlchemyError as error:
            fail(f"--db {db.shown_url(engine.url)}: cannot store the run: {_first_line(error)}", 1)
        except ValueError as error:  # checked already, so not expected; still one line
            fail(str(error).replace(str(copy), str(run_dir)), 1)
    if created:
        click.echo(f"submitted {run_dir} as #{id} to {db.shown_url(engine.url)}")
    else:
        click.echo(f"already submitted as #{id} (nothing changed)")


# What verify and store read of a run directory, each read with the limit the database keeps to.
LIMITS = {"config.yaml": db.MAX_TEXT_BYTES, "metrics.json": leaderboard.MAX_METRICS_BYTES,
          "model.npz": db.MAX_MODEL_BYTES, "report.md": db.MAX_TEXT_BYTES}


def _copy_run(run_dir, copy):
    """Copy the files of ``run_dir`` that are checked and stored into the new directory ``copy``."""
    copy.mkdir()
    for name, limit in LIMITS.items():
        if not (run_dir / name).exists():  # a missing one is verify's to report
            continue
        try:
            (copy / name).write_bytes(read_limited(run_dir / name, limit, name))
        except ValueError as error:  # too large, or a pipe or device rather than a file
            raise ValueError(f"{run_dir / name}: {error}") from None


def refusals(run_dir, shown=None):
    """Why the run in ``run_dir`` may not be submitted: one line per reason, none if it may.

    ``shown`` is the directory to name in the lines (``run_dir`` may be a copy of it).
    """
    shown = Path(shown or run_dir)
    metrics = Path(run_dir) / "metrics.json"
    try:
        if metrics.is_file() and leaderboard.entry(leaderboard.read_metrics(metrics), shown.name) is None:
            return [f"{shown} is not an Olympics run: its metrics.json has no event (a config with "
                    "event: {name: memory}, for example, makes one)"]
        checks = verify.verify(run_dir)
    except ConfigError as error:
        return [f"{shown / 'config.yaml'}: {problem}" for problem in error.problems]
    except (ValueError, OSError, runner.RunError) as error:
        text = getattr(error, "strerror", None) or str(error)
        return [shorten(text.replace(str(run_dir), str(shown)), 300)]
    return [f"{what} check failed: {detail}" for what, ok, detail in checks.rows if not ok]


def _first_line(error):
    return shorten(str(getattr(error, "orig", None) or error).strip().splitlines()[0], 200)


class LeaderboardGroup(click.Group):
    """``tt leaderboard [RUNS_DIR]`` with subcommands: ``serve`` is a subcommand, anything else a folder.

    A group's argument would swallow the subcommand's name, so when the first word is a
    subcommand RUNS_DIR is left out of parsing; otherwise options may follow the folder.
    ``serve`` is imported only when used, so the rest works without the ``web`` extra, and
    gets the group's ``--db`` (``tt leaderboard --db URL serve``) unless given its own.
    """

    SUBCOMMAND = "tinytorch.leaderboard.subcommand"

    def list_commands(self, ctx):
        return ["serve"]

    def get_command(self, ctx, name):
        if name != "serve":
            return None
        from .web import serve_command  # it says itself when Starlette is missing

        return serve_command

    def parse_args(self, ctx, args):
        first = _first_word(args, super().get_params(ctx))
        if first is not None and args[first] in self.list_commands(ctx):
            ctx.meta[self.SUBCOMMAND] = True
        else:
            ctx.allow_interspersed_args = True  # tt leaderboard runs/ --json
        return super().parse_args(ctx, args)

    def get_params(self, ctx):
        params = super().get_params(ctx)
        if ctx.meta.get(self.SUBCOMMAND):
            return [p for p in params if p.name != "runs_dir"]
        return params


def _first_word(args, params):
    """The index of the first argument in ``args`` that is neither an option nor an option's value
    (None if there is none, or it comes after ``--``)."""
    takes_value = {opt for p in params if isinstance(p, click.Option) and not p.is_flag for opt in p.opts}
    at = 0
    while at < len(args):
        if args[at] == "--":  # what follows is RUNS_DIR: tt leaderboard -- serve ranks a folder named serve
            return None
        if not args[at].startswith("-"):
            return at
        at += 2 if args[at] in takes_value else 1
    return None


@click.group("leaderboard", cls=LeaderboardGroup, invoke_without_command=True)
@click.argument("runs_dir", required=False, type=click.Path(file_okay=False, exists=True))
@click.option("--db", "url", metavar="URL", help=DB_HELP)
@click.option("--json", "as_json", is_flag=True, help="print the ranking as a JSON list, for scripts")
@click.option("--track", metavar="TRACK", help="only this track (dataset), e.g. digits")
@click.option("--event", metavar="EVENT", help="only this event, e.g. memory")
@click.pass_context
def leaderboard_group(ctx, url, as_json, track, event, runs_dir=None):
    """Rank the submissions in the database per track and event, or the Olympics runs in RUNS_DIR."""
    if ctx.invoked_subcommand is not None:
        if url is not None:  # the subcommand's own --db defaults to the group's
            ctx.default_map = {**(ctx.default_map or {}), ctx.invoked_subcommand: {"url": url}}
        return
    if runs_dir is not None and url is not None:
        raise click.UsageError("give RUNS_DIR (rank a folder) or --db (rank a database), not both")
    warnings = Console(stderr=True)  # stdout stays the ranking alone: --json output is parseable
    if runs_dir is not None:
        entries, notes = leaderboard.collect(runs_dir)
        for note in notes:
            warnings.print("[yellow]warning:[/] " + escape(note), highlight=False)
        source = runs_dir
    else:
        entries, source = _submissions(url), db.url_of(url)
    entries = _only(entries, "track", track, plugins.registry("datasets")) if track else entries
    entries = _only(entries, "event", event, plugins.registry("events")) if event else entries
    ranked = leaderboard.rank(entries)
    if as_json:
        click.echo(json.dumps(leaderboard.listing(ranked), indent=2))
        return
    console = Console()
    if not entries:
        where = f"in {source}" + (" matching " + ", ".join(f"--{k} {v}" for k, v in
                                                           (("track", track), ("event", event)) if v)
                                  if track or event else "")
        console.print(escape(f"no Olympics runs {where}" + (" (a run with an event: writes one)" if runs_dir
                                                           else " (tt submit RUN_DIR adds one)")))
        return
    for table in leaderboard.tables(ranked):
        console.print(table)


def _submissions(url):
    """The database's entries; one line saying what to do when there is no database file."""
    try:
        path = db.sqlite_path(db.url_of(url))
    except sa.exc.ArgumentError:  # not a URL at all: connect says so in its own words
        path = None
    if path is not None and not path.exists():
        fail(f"no leaderboard database at {path}: create one with tt submit RUN_DIR"
             f"{'' if url is None else ' --db ' + url}, or rank a folder of runs with tt leaderboard runs/", 1)
    engine = db.connect(url)
    try:
        return db.entries(engine)
    except sa.exc.SQLAlchemyError as error:
        fail(f"--db {db.shown_url(engine.url)}: cannot read the submissions: {_first_line(error)}", 1)


def _only(entries, key, name, registered):
    """The entries whose ``key`` is ``name``; a name neither registered nor present is an error."""
    known = sorted({*registered, *(e[key] for e in entries)})
    if name not in known:
        raise click.BadParameter(f"unknown {key} {shorten(repr(name))}; expected one of: {', '.join(known)}"
                                 f"{did_you_mean(name, known)}", param_hint=f"--{key}")
    return [e for e in entries if e[key] == name]
