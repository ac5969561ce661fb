"""tinytorch-bench's Olympics plugin: registers the built-in events and ``tt verify``.

The entry point ``olympics = "tinytorch.bench.olympics.plugin"`` in this package's
pyproject.toml points here, so the built-in events load exactly the way a third-party
event does.

Read next: ``events.py`` for the events and how they score.
"""

from tinytorch.core import hookimpl

from . import events


@hookimpl
def tinytorch_register_events(register):
    for event in events.EVENTS:
        register(event.name, event())


@hookimpl
def tinytorch_register_commands(cli):
    from .verify import verify_command  # imports the runner: only when tt starts, not for every event lookup

    cli.add_command(verify_command)
