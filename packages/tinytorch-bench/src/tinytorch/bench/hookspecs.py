"""Hook specifications tinytorch-bench adds to the plugin manager: what ``tt`` calls.

The TorchPerf Olympics events, the ``tt`` subcommands and the hooks that observe a run
are bench's ideas, so bench declares them (and the ``events`` kind) here rather than in
core: importing this module adds them to every plugin host
(``tinytorch.core.plugins.add_hookspecs``, pluggy's ``add_hookspecs`` underneath). Every
bench module that calls these hooks or lists the kinds imports it.

Read next: ``run/runner.py``, which calls the run hooks, and ``olympics/plugin.py``,
which registers the built-in events.
"""

import sys

from tinytorch.core import hookspec, plugins

KINDS = {"events": "event"}


@hookspec
def tinytorch_register_events(register):
    """Register TorchPerf Olympics events selected by a config's ``event.name``.

    Called once, the first time an event is looked up. ``register(name, event)`` takes
    a unique name and an object with ``title``, ``rules`` (text for ``tt events``),
    ``validate(options)`` (called before any work; raise ValueError on bad options) and
    ``score(baseline, optimized, options) -> dict``. ``baseline`` and ``optimized`` are
    what ``tinytorch.bench.olympics.profiler.benchmark`` measured in the same run (``accuracy``,
    ``latency_ms``, ``model_bytes``, ...); the result has ``name``, ``score``,
    ``qualified`` and, when not qualified, ``reason``.
    """


@hookspec
def tinytorch_register_commands(cli):
    """Add subcommands to the ``tt`` command.

    Called once when ``tt`` starts. ``cli`` is the root ``click.Group``; call
    ``cli.add_command(command)`` or decorate with ``@cli.command()``.
    """


@hookspec
def tinytorch_run_start(run):
    """Observe the start of a run.

    Called by ``tt run`` once the config is checked, the data loaded and the model
    built, before training starts. ``run`` has ``name``, ``config`` (the resolved dict,
    which also answers ``config.origin("train.epochs")``), ``out_dir`` and
    ``config_hash``. Return value ignored.
    """


@hookspec
def tinytorch_run_end(run, metrics):
    """Observe the end of a run.

    Called by ``tt run`` after ``metrics.json`` and the report are written. ``metrics``
    is the dict written to ``metrics.json``. Return value ignored.
    """


plugins.add_hookspecs(sys.modules[__name__], KINDS)
