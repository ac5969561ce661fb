"""Testing helpers for plugin authors: run an optimization pass the way ``tt run`` does.

    from tinytorch.bench.testing import check_pass

    def test_my_pass():
        result = check_pass(MyPass, {"threshold": 0.05})
        assert result.accuracy_after > 0.9 * result.accuracy_before

``check_pass`` builds a small model from a config section through the same prepare
step as ``tt run`` (``run/prepare.py``), trains it briefly on real data, and then
follows the runner's steps and the pass contract
(``tinytorch_register_passes``): ``validate`` on the untrained model, ``apply`` on a copy
of the trained one, with the same ``PassContext`` (loaders, info, config, ``finetune``)
``tt run`` gives. On the way it checks what a config author relies on:

* ``validate`` refuses an option the pass does not know, so a typo fails before training;
* ``apply`` returns a module that still maps a batch to one finite score per class;
* what the pass put in ``context.report`` can be written to ``metrics.json``.

A broken contract raises AssertionError saying what to fix; a ValueError from
``validate`` propagates as it is, so a test can check the pass's own option errors.
Backends have their helper in core: ``tinytorch.core.testing``.

``plugin_installed(module)`` makes TinyTorch see a hook module as if pip had installed
it, for the length of a ``with`` block: a plugin's tests can run before it is packaged.

Read next: ``docs/plugins.md`` at the repository root, the guide to writing plugins.
"""

import contextlib
import copy
import json
from dataclasses import dataclass

import numpy as np
from rich.console import Console

from tinytorch import nn
from tinytorch.bench.olympics import profiler
from tinytorch.bench.run import runner
from tinytorch.bench.run.prepare import prepare
from tinytorch.core import Tensor, no_grad, plugins
from tinytorch.core.data import DataLoader
from tinytorch.optim.passes import PassContext

UNKNOWN_OPTION = "no_such_option"


@dataclass
class PassCheck:
    """What ``check_pass`` saw: the optimized model, its report, and before/after numbers."""

    model: nn.Module
    report: dict
    accuracy_before: float
    accuracy_after: float
    parameters_before: int
    parameters_after: int


def check_pass(pass_cls, options, model=None, data=None, epochs=2, seed=0):
    """Validate and apply ``pass_cls`` with ``options`` on a small trained model; return a ``PassCheck``.

    ``model`` and ``data`` are config sections (default: an ``mlp`` with 32 hidden units
    on ``digits``); ``epochs`` trains the baseline first, so the pass sees real weights.
    """
    prepared = prepare({
        "name": "check-pass",
        "seed": seed,
        "data": data or {"name": "digits", "batch_size": 64},
        "model": model or {"name": "mlp", "hidden": [32]},
        "train": {"epochs": epochs, "optimizer": {"name": "adam", "lr": 0.01}},
    })
    config, splits, baseline = prepared.config, prepared.data, prepared.model

    pass_cls().validate(dict(options), baseline, splits.info)
    try:
        pass_cls().validate({**options, UNKNOWN_OPTION: 1}, baseline, splits.info)
    except ValueError as error:
        assert UNKNOWN_OPTION in str(error), (
            f"{pass_cls.__name__}.validate refused an unknown option but did not name it: {error}"
        )
    else:
        raise AssertionError(
            f"{pass_cls.__name__}.validate accepted the unknown option {UNKNOWN_OPTION!r}; "
            f"raise ValueError naming it, so a misspelt option fails before training"
        )

    train_loader = DataLoader(splits.train, batch_size=config["data"]["batch_size"], shuffle=True, seed=seed)
    test_loader = DataLoader(splits.test, batch_size=runner.EVAL_BATCH_SIZE)
    finetune = runner.make_finetune(config, train_loader, Console(quiet=True), [])
    finetune(baseline, epochs)

    context = PassContext(train_loader, test_loader, splits.info, finetune, config)
    optimized = pass_cls().apply(copy.deepcopy(baseline), dict(options), context)
    assert isinstance(optimized, nn.Module), (
        f"{pass_cls.__name__}.apply returned {type(optimized).__name__}; return the optimized model"
    )
    _check_still_runs(pass_cls, optimized, splits)
    try:
        json.dumps(context.report)
    except TypeError as error:
        raise AssertionError(
            f"{pass_cls.__name__}.apply put a value in context.report that metrics.json cannot "
            f"hold ({error}); use plain numbers, strings, lists and dicts"
        ) from None
    return PassCheck(
        optimized, context.report,
        profiler.accuracy(baseline, test_loader)[0], profiler.accuracy(optimized, test_loader)[0],
        baseline.num_parameters(), optimized.num_parameters(),
    )


def _check_still_runs(pass_cls, model, splits):
    x, _ = next(iter(DataLoader(splits.test, batch_size=8)))
    model.eval()
    with no_grad():
        out = model(x)
    expected = (8, splits.info["num_classes"])
    scores = out.data if isinstance(out, Tensor) else np.asarray(out)
    assert scores.shape == expected, (
        f"after {pass_cls.__name__} the model maps a batch of 8 to shape {scores.shape}, expected {expected}"
    )
    assert np.isfinite(scores).all(), f"after {pass_cls.__name__} the model outputs NaN or infinity"


@contextlib.contextmanager
def plugin_installed(module, dist=None, name=None):
    """Within the block, plugins see ``module`` as installed by distribution ``dist``.

    Every installed plugin stays visible; the previous plugin host comes back afterwards.
    """
    previous = plugins.host()
    host = plugins.PluginHost()
    host.register(module, dist=dist or module.__name__, name=name or module.__name__)
    plugins.reset(host)
    try:
        yield host
    finally:
        plugins.reset(previous)
