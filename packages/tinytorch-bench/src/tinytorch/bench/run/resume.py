"""Honest resume: a checkpoint continues only the experiment that wrote it.

Every checkpoint the runner writes carries the resolved config of its run (the Trainer
saves it under ``meta/config``). ``check`` compares it with the config of the run that
wants to resume, key by key, over everything that decides the trained weights
(``config.BASELINE_KEYS``). Three keys may differ, because changing them is what
resuming is for; every other difference is refused with the key and both values:

- ``train.epochs``: train on to a new total, never below the epochs already done;
- ``train.optimizer.lr``: the divergence message advises resuming with a lower rate,
  so the new rate is applied from the next step (also to a schedule's base rate);
- ``train.clip_grad_norm``: the other cure it suggests.

``apply`` puts the new learning rate into the optimizer after the checkpoint is loaded
(loading restores the old one). A model resumed with any change was not produced by
its config alone, so the runner does not store it as that config's cached baseline.

Read next: ``runner.py``'s ``train_baseline``, which calls both.
"""

import json

import tinytorch.nn as nn
from tinytorch.core.files import shorten

from .config import BASELINE_KEYS

MAY_DIFFER = ("train.epochs", "train.optimizer.lr", "train.clip_grad_norm")


class ResumeError(Exception):
    """The checkpoint cannot continue this config; the message says which keys disagree."""

    exit_code = 1


def check(checkpoint, config):
    """``{key: (checkpoint's value, config's value)}`` for the keys that may differ and do.

    Raises ``ResumeError`` for an unreadable checkpoint, one without its config, one whose
    config differs in any other key, or one already past ``train.epochs``.
    """
    try:
        state = nn.load(checkpoint)
        saved = json.loads(str(state["meta/config"]))
        epoch = int(state["trainer/epoch"])
    except (OSError, ValueError) as error:
        raise ResumeError(f"--resume {checkpoint}: {error}") from None
    except KeyError:
        raise ResumeError(
            f"--resume {checkpoint}: expected a checkpoint written by tt run (with its config "
            f"inside), found none; it cannot be checked against this config") from None
    mine = json.loads(json.dumps(config, default=str))  # the same JSON view the checkpoint holds
    differ = _differences(saved, mine, BASELINE_KEYS)
    refused = [key for key in differ if key not in MAY_DIFFER]
    if refused:
        lines = "; ".join(f"{key}: checkpoint {shorten(json.dumps(differ[key][0]), 40)}, "
                          f"config {shorten(json.dumps(differ[key][1]), 40)}" for key in refused)
        raise ResumeError(
            f"--resume {checkpoint}: the checkpoint was written by another config ({lines}); "
            f"only {', '.join(MAY_DIFFER)} may change on resume")
    if config["train"]["epochs"] < epoch:
        raise ResumeError(
            f"--resume {checkpoint}: train.epochs: expected at least {epoch} (the checkpoint has "
            f"finished {epoch} epochs), found {config['train']['epochs']}")
    return differ


def _differences(old, new, keys, prefix=""):
    """``{dotted.key: (old, new)}`` for leaves that differ under ``keys`` of two mappings."""
    found = {}
    for key in keys:
        path = prefix + str(key)
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            found.update(_differences(a, b, sorted(a.keys() | b.keys()), path + "."))
        elif a != b:
            found[path] = (a, b)
    return found


def apply(trainer, changes):
    """Put a changed learning rate into the resumed optimizer (and its schedule's base)."""
    if "train.optimizer.lr" not in changes:
        return
    lr = changes["train.optimizer.lr"][1]
    for group in trainer.optimizer.param_groups:
        group["lr"] = lr
    if trainer.scheduler is not None:
        trainer.scheduler.base_lrs = [lr] * len(trainer.optimizer.param_groups)


def meta(config):
    """What the runner asks the Trainer to keep in each checkpoint (``checkpoint_meta=``)."""
    return {"config": json.dumps(config, default=str)}
