"""Hook specifications: the contract between TinyTorch and its plugins.

Every plugin, built-in or third party, is a module listed under the ``tinytorch``
entry-point group. Its functions decorated with ``@hookimpl`` answer the hooks below.
Registration hooks receive a ``register`` callable (the llm/pytest style) instead of
returning values, so one hook call can register many things and we always know which
plugin registered what.

Read next: ``plugins.py``, which finds the entry points and calls these hooks.
"""

import pluggy

hookspec = pluggy.HookspecMarker("tinytorch")
hookimpl = pluggy.HookimplMarker("tinytorch")


@hookspec
def tinytorch_register_backends(register):
    """Register compute backends.

    Called once, the first time a backend is looked up (by ``use_backend``, the first
    tensor op, or ``tt plugins``). ``register(name, backend)`` takes a unique name and a
    ``tinytorch.core.backend.Backend`` subclass (instantiated on first use) or instance.
    """


@hookspec
def tinytorch_register_passes(register):
    """Register optimization passes (quantize, prune, ...).

    Called once, the first time a pass is looked up. ``register(name, pass_cls)`` takes a
    unique name and a class (instantiated with no arguments) with two methods:

    - ``validate(options, model, info) -> None``, called before training with the
      entry's options (the ``passes:`` entry without ``name``), the model the config
      builds (untrained) and the dataset's info dict; raise ValueError saying what is
      wrong (an unknown option, a value out of range, a model the pass cannot handle),
      the message starting with the pass's name (``"prune: sparsity must be ..."``);
    - ``apply(model, options, context) -> model``, called after training, in list order;
      return the optimized model (changed in place or new). ``context`` is a
      ``tinytorch.optim.passes.PassContext``: ``train_loader``, ``test_loader``,
      ``info``, ``config``, ``finetune(model, epochs, loss_fn=None, train_loader=None)``
      (trains with the config's optimizer and schedule) and ``report``, a dict for what
      the pass measured (it goes into the run's ``metrics.json``).
    """


@hookspec
def tinytorch_register_models(register):
    """Register model factories selected by a config's ``model.name``.

    Called once, the first time a model is looked up. ``register(name, factory)`` takes
    a unique name and ``factory(info, **options) -> nn.Module``, where ``info`` is the
    dataset's info dict (``input_shape``, ``num_classes``, ...).
    """


@hookspec
def tinytorch_register_datasets(register):
    """Register dataset factories selected by a config's ``data.name``.

    Called once, the first time a dataset is looked up. ``register(name, factory)``
    takes a unique name and ``factory(**options) -> DatasetSplits``.
    """


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

    Called by ``tt run`` once the config is resolved and validated, before data loads
    and training starts. ``run`` has ``name``, ``config`` (the resolved dict) and ``out_dir``. Return value
    ignored.
    """


@hookspec
def tinytorch_epoch_end(run, epoch, metrics):
    """Observe the end of each training epoch.

    Called by the ``Trainer`` after each epoch's evaluation and checkpoint. ``run`` is
    the run object (as for ``tinytorch_run_start``); ``epoch`` counts from 1; ``metrics`` is a dict such as ``{"train_loss": 0.31,
    "val_accuracy": 0.95}``. Return value ignored.
    """


@hookspec
def tinytorch_run_end(run, metrics):
    """Observe the end of a run.

    Called by ``tt run`` after ``metrics.json`` and the report are written. ``metrics``
    is the dict written to ``metrics.json``. Return value ignored.
    """
