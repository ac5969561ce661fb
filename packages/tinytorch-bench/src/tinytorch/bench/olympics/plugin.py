"""tinytorch-bench's Olympics plugin: registers the built-in events.

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
