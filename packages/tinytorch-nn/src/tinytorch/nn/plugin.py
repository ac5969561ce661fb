"""tinytorch-nn's plugin: registers the built-in models ``perceptron``, ``mlp`` and ``lenet``.

Registered through the ``tinytorch`` entry point in this package's pyproject.toml,
exactly as a third-party plugin would be, so a config can say
``model: {name: mlp, hidden: [128]}``.

Read next: ``models.py`` for the models.
"""

from tinytorch.core.hookspecs import hookimpl
from tinytorch.nn import models


@hookimpl
def tinytorch_register_models(register):
    register("perceptron", models.perceptron)
    register("mlp", models.mlp)
    register("lenet", models.lenet)
