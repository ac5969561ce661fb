"""Hook specifications tinytorch-nn adds to the plugin manager: model factories.

A model is an nn idea, so nn declares the hook that registers models (and the
``models`` kind) here rather than in core. Importing ``tinytorch.nn`` adds it to
every plugin host (``tinytorch.core.plugins.add_hookspecs``).

Read next: ``plugin.py``, nn's own implementation of this hook, and ``models.py``.
"""

import sys

from tinytorch.core import hookspec, plugins

KINDS = {"models": "model"}


@hookspec
def tinytorch_register_models(register):
    """Register model factories selected by a config's ``model.name``.

    Called once, the first time a model is looked up. ``register(name, factory)`` takes
    a unique name and ``factory(info, **options) -> nn.Module``, where ``info`` is the
    dataset's info dict (``input_shape``, ``num_classes``, ...).
    """


plugins.add_hookspecs(sys.modules[__name__], KINDS)
