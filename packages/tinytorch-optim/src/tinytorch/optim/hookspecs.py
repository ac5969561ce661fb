"""Hook specifications tinytorch-optim adds to the plugin manager: passes and epochs.

Optimization passes and the training loop are optim's ideas, so optim declares their
hooks (and the ``passes`` kind) here rather than in core. Importing ``tinytorch.optim``
adds them to every plugin host (``tinytorch.core.plugins.add_hookspecs``).

Read next: ``passes/__init__.py``, which registers the built-in passes through this
hook, and ``trainer.py``, which calls ``tinytorch_epoch_end``.
"""

import sys

from tinytorch.core import hookspec, plugins

KINDS = {"passes": "pass"}


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
def tinytorch_epoch_end(run, epoch, metrics):
    """Observe the end of each training epoch.

    Called by the ``Trainer`` after each epoch's evaluation and checkpoint, when it was
    given a ``run`` (``tt run`` passes its run object: ``name``, ``config``, ``out_dir``);
    ``epoch`` counts from 1; ``metrics`` is a dict such as ``{"train_loss": 0.31,
    "val_accuracy": 0.95}``. Return value ignored.
    """


plugins.add_hookspecs(sys.modules[__name__], KINDS)
