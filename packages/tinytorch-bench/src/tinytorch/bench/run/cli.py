"""The ``tt`` command: run experiments, check configs, see what is installed.

    tt run configs/milestones/1986_mlp_digits.yaml
    tt run CONFIG --set train.epochs=5 --set model.hidden=[64] --backend naive --out runs/x
    tt run CONFIG --out runs/x --resume runs/x/checkpoint.npz    (or --overwrite: replace runs/x)
    tt --debug run CONFIG             an error with its traceback (also TINYTORCH_DEBUG=1)
    tt config validate CONFIG
    tt plugins
    tt profile CONFIG_OR_RUN_DIR      per-layer parameters, bytes, FLOPs and time
    tt events                         the TorchPerf Olympics rules
    tt verify RUN_DIR                 check a run's files against what it measured (--db URL --all: every submission)
    tt submit RUN_DIR [--db URL]      check a run and store it in the leaderboard database
    tt leaderboard [RUNS_DIR] [--json]    submissions (or a folder's runs) ranked per track and event
    tt leaderboard serve              the standings as a web page
    tt sweep CONFIG --grid key=[a,b]  every combination of a grid of settings
    tt generate RUN_DIR --prompt "ROMEO:" --tokens 200    text from a trained text model

Plugins add their own subcommands: each time ``tt`` starts it calls every
``tinytorch_register_commands(cli)`` hook. A plugin that fails to import, or whose hook
raises, is recorded by the plugin host and shown by ``tt plugins``; ``tt`` itself keeps
working. A plugin cannot replace a built-in command.

Expected failures print one clear line (or a bad config's list of problems) naming the
file or option, what was expected and what was found, and no traceback unless ``tt
--debug`` or ``TINYTORCH_DEBUG=1``: a bad config exits with status 2, a bad option with
2 (click's usage errors), any other failure (a full or read-only disk, a directory
another run holds, a checkpoint of another config) with 1, an interrupted run (Ctrl-C
or SIGTERM) with 130.

Read next: ``runner.py``, which does the work behind ``tt run``.
"""

import errno
import math
import os
import signal
import traceback
import warnings
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

import tinytorch.nn as nn
from tinytorch.bench import hookspecs  # noqa: F401  (tinytorch_register_commands and the kinds tt plugins lists)
from tinytorch.bench.competition.db import DatabaseError
from tinytorch.bench.olympics import leaderboard, profiler
from tinytorch.core import plugins, use_backend
from tinytorch.core.data import DataLoader
from tinytorch.core.files import shorten
from tinytorch.core.names import did_you_mean
from tinytorch.core.plugins import PluginConflictError, UnknownNameError

from . import runner, sample
from .cache import load_baseline
from .config import ConfigError, config_hash, dump_config
from .prepare import prepare, resolve_config
from .resume import ResumeError
from .rundir import RunDirError


class TTGroup(click.Group):
    """The root group: adds plugin commands at start-up and reports expected errors."""

    builtin_commands = {}  # filled once the built-in commands below are defined

    def make_context(self, info_name, args, parent=None, **extra):
        add_plugin_commands(self)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        debug = ctx.params.get("debug") or os.environ.get("TINYTORCH_DEBUG") == "1"
        try:
            return super().invoke(ctx)
        except ConfigError as error:
            fail("invalid config:\n  " + "\n  ".join(str(p) for p in error.problems), 2, debug)
        except (runner.RunError, RunDirError, ResumeError, DatabaseError) as error:
            fail(str(error), error.exit_code, debug)
        except (UnknownNameError, PluginConflictError) as error:
            fail(str(error), 1, debug)
        except OSError as error:  # a disk that is full, read-only, or refuses a name
            fail(os_error_message(error), 1, debug)
        except KeyboardInterrupt:  # outside training (start-up, benchmarking): nothing was committed
            fail("interrupted; no results were written (a run directory holds results only "
                 "once its metrics.json exists)", 130, debug)


def fail(message, code, debug=False):
    """One line (or one config's list of problems) and an exit code; the traceback only with --debug."""
    if debug:
        traceback.print_exc()
    click.echo(f"error: {message}", err=True)
    raise click.exceptions.Exit(code)


OS_HINTS = {  # errno -> what to do about it
    errno.ENOSPC: "the disk is full; free some space or choose another --out",
    errno.EDQUOT: "the disk quota is used up; free some space or choose another --out",
    errno.EFBIG: "the file is too large for this file system; choose another --out",
    errno.EROFS: "the file system is read-only; choose another --out",
    errno.EACCES: "permission denied; choose a directory you can write to with --out",
    errno.ENAMETOOLONG: "a name is too long for the file system; shorten name: in the config or --out",
    errno.ENOTDIR: "a part of the path is a file, not a directory; choose another --out",
}


def os_error_message(error):
    """``path: what the system said; what to do`` for an OSError, with the path cut short."""
    where = shorten(error.filename, 160, keep_end=True) + ": " if error.filename else ""
    hint = OS_HINTS.get(error.errno, "")
    return f"{where}{error.strerror or error}" + (f"; {hint}" if hint else "")


def add_plugin_commands(group):
    """Ask every plugin for commands; one that raises is recorded against its plugin."""
    group.commands = dict(group.builtin_commands)  # start clean: plugins may have changed
    with warnings.catch_warnings(record=True) as caught:  # a clean line, not a Python warning
        warnings.simplefilter("always", RuntimeWarning)
        plugins.host().call_each("tinytorch_register_commands", cli=group)
    for warning in caught:
        click.echo(f"warning: {warning.message}", err=True)
    for name, command in group.builtin_commands.items():
        if group.commands.get(name) is not command:
            click.echo(f"warning: a plugin tried to replace the built-in command {name!r}; ignored", err=True)
            group.commands[name] = command


@click.group(cls=TTGroup)
@click.option("--debug", is_flag=True, help="show the traceback of an error (also TINYTORCH_DEBUG=1)")
def main(debug):
    """TinyTorch: train, optimize and measure models from YAML experiment configs."""


SET_HELP = "override a config key, e.g. --set train.optimizer.lr=0.01 (repeatable)"


@main.command()
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help=SET_HELP)
@click.option("--backend", help="compute backend; beats the config's backend: and TINYTORCH_BACKEND")
@click.option("--out", type=click.Path(file_okay=False), help="run directory [default: runs/<name>-<time>/]")
@click.option("--resume", type=click.Path(dir_okay=False, exists=True),
              help="continue a stopped run from its checkpoint.npz (use with the same --out)")
@click.option("--overwrite", is_flag=True, help="replace the run already in --out")
def run(config, overrides, backend, out, resume, overwrite):
    """Train and evaluate the experiment in CONFIG and write its run directory."""
    if backend is not None and backend not in plugins.registry("backends"):
        installed = list(plugins.registry("backends"))
        raise click.BadParameter(f"unknown backend {shorten(repr(backend))}; installed: {', '.join(installed)}"
                                 f"{did_you_mean(backend, installed)}", param_hint="--backend")
    # SIGTERM (a scheduler, `kill`) stops a run exactly as Ctrl-C does: a message, the resume command.
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        runner.run(config, overrides, backend=backend, out=out, resume=resume, console=Console(),
                   overwrite=overwrite)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@main.group("config")
def config_group():
    """Check experiment configs."""


@config_group.command("validate")
@click.argument("config", type=click.Path(dir_okay=False))
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help=SET_HELP)
@click.option("--show", is_flag=True, help="print the resolved config, every default filled in")
def validate(config, overrides, show):
    """Check CONFIG (and any --set) without running anything."""
    resolved = resolve_config(config, overrides)
    if resolved["passes"]:  # a pass checks its options against the model, so build it
        prepare(resolved)
    if show:
        click.echo(dump_config(resolved), nl=False)
    click.echo(f"{config}: OK (name {resolved['name']!r}, config hash {config_hash(resolved)[:12]})")


@main.command("plugins")
def list_plugins():
    """List installed plugins: what each registers, and whether it loaded."""
    host = plugins.host()
    for kind in plugins.kinds():
        host.registry(kind)  # collecting a kind is what fills in each plugin's `registers`
    table = Table(title="tinytorch plugins")
    for heading in ("distribution", "version", "entry point", "registers", "status"):
        table.add_column(heading, overflow="fold")
    for info in sorted(host.plugins.values(), key=lambda info: (info.dist, info.name)):
        module = getattr(info.module, "__name__", None)
        table.add_row(
            info.dist,
            info.version,
            f"{info.name} = {module}" if module else info.name,
            "\n".join(f"{kind}: {', '.join(names)}" for kind, names in info.registers.items()) or "-",
            f"[red]BROKEN[/red]: {info.error}" if info.error else "[green]OK[/green]",
        )
    console = Console()
    console.print(table)
    for kind in plugins.kinds():
        for name, dists in host.conflicts(kind).items():
            console.print(
                f"[red]conflict:[/red] {plugins.kinds()[kind]} {name!r} is registered by "
                f"{' and '.join(map(repr, dists))}; uninstall one, or choose with TINYTORCH_PLUGINS"
            )


@main.command("profile")
@click.argument("target", type=click.Path(exists=True))
@click.option("--set", "overrides", multiple=True, metavar="KEY.PATH=VALUE", help=SET_HELP)
def profile_command(target, overrides):
    """Per-layer parameters, bytes, FLOPs and time of a model.

    TARGET is a run directory (the models it measured: baseline and optimized, for an
    Olympics run) or a config (its model with the cached baseline's weights, if any).
    """
    console = Console()
    path = Path(target)
    if path.is_dir() and (path / "metrics.json").is_file():
        try:
            metrics = leaderboard.read_metrics(path / "metrics.json")
        except ValueError as error:
            raise runner.RunError(f"{path / 'metrics.json'}: {error}") from None
        if "optimized" in metrics:
            for section in ("baseline", "optimized"):
                console.print(profiler.layer_table(metrics[section], f"{path.name}: {section}"))
            return
        config_path = path / "config.yaml"
    elif path.is_dir():
        raise click.UsageError(f"{target} is a directory without metrics.json; give a run directory or a config")
    else:
        config_path = path
    prepared = prepare(config_path, overrides)
    config, data, model = prepared.config, prepared.data, prepared.model
    if path.is_dir():
        try:
            nn.load(path / "model.npz", model)
        except (ValueError, RuntimeError) as error:  # truncated, or another model's weights
            raise runner.RunError(f"cannot load the run's weights: {error}") from None
        weights = f"weights from {path / 'model.npz'}"
    elif load_baseline(config_hash(config), model) is not None:
        weights = "weights of the cached baseline"
    else:
        weights = "untrained weights (no cached baseline yet: tt run trains one)"
    loader = DataLoader(data.test, batch_size=runner.EVAL_BATCH_SIZE)
    bench = config["benchmark"]
    with use_backend(config["backend"]):
        measured = profiler.benchmark(model, loader, bench["warmup"], bench["runs"], bench["batch_size"],
                                      config["data"]["batch_size"])
    console.print(profiler.layer_table(measured, f"{config['name']}: {weights}"))


@main.command("events")
def events_command():
    """The TorchPerf Olympics events: metric, accuracy constraint and score formula of each."""
    console = Console()
    for name, registration in plugins.registry("events").items():
        event = registration.obj
        console.print(f"[bold]{event.title}[/bold]  ({name}, from {registration.dist})")
        console.print("  " + event.rules.replace("\n", "\n  "), markup=False, highlight=False)
        console.print()


@main.command("generate")
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--prompt", default="\n", show_default="a newline", help="the text to continue",
              callback=lambda ctx, param, value: _non_empty(value))
@click.option("--tokens", default=200, show_default=True, type=click.IntRange(min=0), help="new tokens to generate")
@click.option("--temperature", default=0.8, show_default=True, type=float,
              callback=lambda ctx, param, value: _finite(value),
              help="below 1 sharper, above 1 wilder; <= 0 is greedy (always the likeliest token)")
@click.option("--top-k", type=click.IntRange(min=1), help="sample only from the k likeliest tokens")
@click.option("--seed", type=int, help="make the sample repeatable")
def generate_command(run_dir, prompt, tokens, temperature, top_k, seed):
    """Continue PROMPT with the text model trained in RUN_DIR (a `tt run --out` directory)."""
    click.echo(sample.sample(run_dir, prompt, tokens, temperature, top_k, seed))


def _non_empty(prompt):
    if not prompt:
        raise click.BadParameter("expected at least one character to continue, found an empty prompt")
    return prompt


def _finite(number):
    if not math.isfinite(number):
        raise click.BadParameter(f"expected a finite number, found {number}")
    return number


TTGroup.builtin_commands = dict(main.commands)
