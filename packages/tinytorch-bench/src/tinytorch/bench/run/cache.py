"""The baseline cache: train a config once, reuse the trained model on every rerun.

Two runs whose configs agree on everything that decides the trained weights (seed,
backend, data, model, train: see ``config.BASELINE_KEYS``) have the same
``config_hash``, so the second can load the first one's weights instead of training
again. That is what makes iterating on what happens *after* training (the TorchPerf
Olympics' passes and events) fast.

An entry is two files under ``$TINYTORCH_CACHE/baselines/`` (default
``~/.cache/tinytorch/baselines/``): ``<hash>.npz``, the weights, and ``<hash>.json``, the
training history. The ``.json`` is written last, so an entry without it (a run stopped
between the two writes) is a miss, never half a hit. Both writes are atomic, and the
record holds the sha256 of the weights it goes with, so two runs storing the same entry
at once can never pair one run's weights with the other's record unnoticed.

Only a baseline the config really produced is stored: the runner does not store one
resumed from a checkpoint whose config differed (another learning rate, say).

Read next: ``runner.py``, which asks here before training and stores here after.
"""

import hashlib
import json

import tinytorch.nn as nn
from tinytorch.core.data.sources import cache_dir
from tinytorch.core.files import read_limited, write_text

MAX_RECORD_BYTES = 10_000_000
MAX_WEIGHTS_BYTES = 2**31  # far above any model here; stops a symlink to /dev/zero


def baseline_paths(config_hash):
    """(weights, record) paths of the entry for ``config_hash``."""
    root = cache_dir() / "baselines"
    return root / f"{config_hash}.npz", root / f"{config_hash}.json"


def load_baseline(config_hash, model):
    """Load cached weights into ``model`` and return the training record, or None on a miss.

    Raises ``ValueError`` (damaged file) or ``RuntimeError`` (names or shapes do not fit
    the model, e.g. the model's code changed since) with the reason; the model is then
    unchanged.
    """
    weights, record = baseline_paths(config_hash)
    if not (weights.is_file() and record.is_file()):
        return None
    try:
        saved = json.loads(read_limited(record, MAX_RECORD_BYTES, "training record").decode("utf-8"))
        digest = saved["weights_sha256"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ValueError(f"{record} is not a readable training record ({error!r})") from None
    data = read_limited(weights, MAX_WEIGHTS_BYTES, "baseline")
    if hashlib.sha256(data).hexdigest() != digest:
        raise ValueError(f"{weights} is not the file its record {record.name} describes (sha256 differs)")
    nn.load(weights, model)
    return saved


def store_baseline(config_hash, model, record):
    """Save ``model``'s weights and the JSON-able ``record`` as the entry for ``config_hash``."""
    weights, record_path = baseline_paths(config_hash)
    weights.parent.mkdir(parents=True, exist_ok=True)
    nn.save(model, weights)
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    write_text(record_path, json.dumps({**record, "weights_sha256": digest}, indent=2) + "\n")
