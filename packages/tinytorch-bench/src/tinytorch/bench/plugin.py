"""tinytorch-bench's own plugin: registers the built-in models through the public hooks.

The entry point ``bench = "tinytorch.bench.plugin"`` in this package's pyproject.toml
points here, so the built-ins load exactly the way a third-party plugin does.

Read next: ``models.py`` for the models themselves.
"""

from tinytorch.core import hookimpl

from . import models


@hookimpl
def tinytorch_register_models(register):
    register("perceptron", models.perceptron)
    register("mlp", models.mlp)
    register("lenet", models.lenet)
