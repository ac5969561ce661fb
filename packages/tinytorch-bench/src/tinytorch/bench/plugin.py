"""tinytorch-bench's own plugin: registers the built-in models and Olympics events.

The entry point ``bench = "tinytorch.bench.plugin"`` in this package's pyproject.toml
points here, so the built-ins load exactly the way a third-party plugin does.

Read next: ``models.py`` for the models, ``olympics.py`` for the events.
"""

from tinytorch.core import hookimpl

from . import models, olympics


@hookimpl
def tinytorch_register_models(register):
    register("perceptron", models.perceptron)
    register("mlp", models.mlp)
    register("lenet", models.lenet)


@hookimpl
def tinytorch_register_events(register):
    for event in olympics.EVENTS:
        register(event.name, event())
