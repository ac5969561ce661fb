"""One prepare step: from a config to its data and its model, every check done.

Every command that needs a model starts here, so they all resolve, check and build the
same way: ``tt run`` (``runner.py``), ``tt config validate`` and ``tt profile``
(``cli.py``), ``tt generate`` (``sample.py``) and ``check_pass`` (``../testing.py``).

    prepared = prepare("configs/milestones/1986_mlp_digits.yaml", ["train.epochs=1"])
    prepared.config["train"]["epochs"], prepared.data.info, prepared.model

``prepare`` reads top to bottom:

1. resolve the config (``resolve_config``): a file goes through ``load_config``
   (``extends:``, ``--set``, and the one validation that checks everything a config
   holds, plugin options included); ``--backend`` beats the config's ``backend:``,
   which beats ``TINYTORCH_BACKEND``, else ``vectorized``;
2. seed every random generator, so the model starts from the same weights each time;
3. on the config's backend, load the data and build the model; a factory that refuses
   an option's value is a ``ConfigError`` blamed on the file and line (or ``--set``)
   that set it; a missing dataset file is a ``RunError`` saying where to put it;
4. check each pass's options against that model, before anything trains.

Read next: ``runner.py``, which trains what this returns.
"""

from dataclasses import dataclass

import numpy as np

import tinytorch.nn as nn
from tinytorch.core import plugins, use_backend
from tinytorch.core.backend import environment_backend
from tinytorch.core.data import ChecksumError, DatasetNotFoundError, DatasetSplits, load_dataset
from tinytorch.optim.passes import validate_passes

from .config import Config, ConfigError, load_config, validate


class RunError(Exception):
    """A run that cannot go on; the message says why and what to do. ``tt`` exits 1."""

    exit_code = 1


@dataclass
class Prepared:
    """A checked config, its dataset's splits and the (untrained, seeded) model it names."""

    config: Config
    data: DatasetSplits
    model: nn.Module


def prepare(config, overrides=(), backend=None):
    """Resolve and check ``config`` (a path, a ``Config`` or a plain dict), load its data, build its model."""
    config = resolve_config(config, overrides, backend)
    seed_everything(config["seed"])
    with use_backend(config["backend"]):
        data = load_data(config)
        model = build_model(config, data.info)
        check_passes(config, model, data.info)
    return Prepared(config, data, model)


def resolve_config(config, overrides=(), backend=None):
    """The checked ``Config``: a file with its ``overrides``, a dict as it is; a ``Config`` passes through."""
    if isinstance(config, Config):
        return config
    env = environment_backend()  # core reads TINYTORCH_BACKEND, in one place
    if isinstance(config, dict):  # a config written in code, as check_pass does
        values = {**config, "backend": backend or config.get("backend") or env or "vectorized"}
        return Config(validate(values, source="<config>"), source="<config>")
    overrides = list(overrides) + ([f"backend={backend}"] if backend else [])
    defaults = {"backend": (env, "TINYTORCH_BACKEND")} if env else None
    return load_config(config, overrides, defaults=defaults)


def seed_everything(seed):
    """Seed NumPy's global generator and tinytorch.nn's (initialisation, dropout)."""
    np.random.seed(seed)
    nn.manual_seed(seed)


def load_data(config):
    """The dataset's ``DatasetSplits``; a bad option value is a ConfigError at ``data``."""
    name = config["data"]["name"]
    options = {k: v for k, v in config["data"].items() if k not in ("name", "batch_size")}
    try:
        return load_dataset(name, **options)
    except (DatasetNotFoundError, ChecksumError) as error:
        raise RunError(str(error)) from None
    except ValueError as error:
        raise _rejected(error, "data", options, f"dataset {name!r}", config) from None


def build_model(config, info):
    """The model the config names, sized for the dataset; a bad option is a ConfigError."""
    name = config["model"]["name"]
    options = {k: v for k, v in config["model"].items() if k != "name"}
    try:
        return plugins.lookup("models", name)(info, **options)
    except ValueError as error:
        raise _rejected(error, "model", options, f"model {name!r}", config) from None


def check_passes(config, model, info):
    """Each pass's options against the model the config builds, before training; a ConfigError."""
    try:
        validate_passes(config["passes"], model, info)
    except ValueError as error:
        where = str(error).partition(":")[0]  # "passes.1"
        raise ConfigError([config.problem(where, str(error))]) from None


def _rejected(error, where, options, what, config):
    """A factory's ValueError as a ConfigError; ``"hidden: expected..."`` blames ``model.hidden``."""
    key, sep, rest = str(error).partition(": ")
    path = f"{where}.{key}" if sep and key in options else where
    message = f"{path}: {rest if path != where else error} ({what})"
    return ConfigError([config.problem(path, message)])
