"""Hook specifications: core's part of the contract between TinyTorch and its plugins.

Every plugin, built-in or third party, is a module listed under the ``tinytorch``
entry-point group. Its functions decorated with ``@hookimpl`` answer the hooks below.
Registration hooks receive a ``register`` callable (the llm/pytest style) instead of
returning values, so one hook call can register many things and we always know which
plugin registered what.

Core specifies what core defines: backends and datasets. Each higher layer adds the
hooks for its own ideas with ``plugins.add_hookspecs``: ``tinytorch.nn.hookspecs``
(models), ``tinytorch.optim.hookspecs`` (passes, the end of an epoch) and
``tinytorch.bench.hookspecs`` (Olympics events, ``tt`` commands, the run hooks).

Read next: ``plugins.py``, which finds the entry points and calls these hooks.
"""

import pluggy

hookspec = pluggy.HookspecMarker("tinytorch")
hookimpl = pluggy.HookimplMarker("tinytorch")

# The registration kinds these hooks define, and the singular used in messages.
KINDS = {"backends": "backend", "datasets": "dataset"}


@hookspec
def tinytorch_register_backends(register):
    """Register compute backends.

    Called once, the first time a backend is looked up (by ``use_backend``, the first
    tensor op, or ``tt plugins``). ``register(name, backend)`` takes a unique name and a
    ``tinytorch.core.backend.Backend`` subclass (instantiated on first use) or instance.
    """


@hookspec
def tinytorch_register_datasets(register):
    """Register dataset factories selected by a config's ``data.name``.

    Called once, the first time a dataset is looked up. ``register(name, factory)``
    takes a unique name and ``factory(**options) -> DatasetSplits``.
    """
