"""``torch.save``/``torch.load`` as ``.npz`` archives: named arrays, never pickle.

PyTorch pickles whatever it is given, and unpickling a file can run any code in it.
TinyTorch writes only arrays (``tinytorch.nn.save``, read back with
``allow_pickle=False``), which covers what training scripts save: a state dict, or a dict
of them with a few numbers (``{"model": ..., "optimizer": ..., "epoch": 3}``). Nested
dicts are flattened to ``"model/fc.weight"`` keys and rebuilt by ``load``; numbers come
back as 0-d arrays (``int(ckpt["epoch"])``). A file written by PyTorch itself (a pickle,
or a zip holding ``data.pkl``) is refused with a message that says how to convert it.

Read next: ``tinytorch.nn.serialization``, which does the writing and reading.
"""

import os
import zipfile

import numpy as np

import tinytorch.nn as nn
from tinytorch.core import Tensor, device

_SEP = "/"


def _flatten(obj, prefix=""):
    if isinstance(obj, nn.Module):
        obj = obj.state_dict()
    if not isinstance(obj, dict):
        raise TypeError(
            f"save stores a Module, a state dict or a dict of those and numbers, found a {type(obj).__name__}"
            + (f" at {prefix.rstrip(_SEP)!r}" if prefix else "") + "; TinyTorch saves arrays only, never pickle"
        )
    flat = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if _SEP in str(key):
            raise ValueError(f"save: key {name!r} contains {_SEP!r}, which marks nesting in the archive")
        if isinstance(value, (dict, nn.Module)):
            flat.update(_flatten(value, name + _SEP))
        else:
            flat[name] = value.data if isinstance(value, Tensor) else np.asarray(value)
    return flat


def save(obj, f):
    """Write ``obj`` to the path ``f`` as ``.npz`` (atomically)."""
    nn.save(_flatten(obj), f)


def _refuse_pytorch_files(path):
    with open(path, "rb") as file:
        head = file.read(2)
    pickled = head[:1] == b"\x80"  # the protocol byte every pickle since protocol 2 starts with
    if head == b"PK":
        with zipfile.ZipFile(path) as archive:
            pickled = any(name.endswith("data.pkl") for name in archive.namelist())
    if pickled:
        raise ValueError(
            f"{path} was written by PyTorch's torch.save (a pickle); TinyTorch never unpickles, since "
            "loading a pickle can run code from the file. Convert it once in PyTorch: "
            "numpy.savez(path, **{k: v.numpy() for k, v in torch.load(path).items()})"
        )


def load(f, map_location=None, weights_only=True):
    """Read what ``save`` wrote: a dict of arrays (nested dicts rebuilt). ``map_location``
    may only name the CPU; ``weights_only`` is always true here."""
    if map_location is not None and not callable(map_location):
        device(map_location)  # the CPU is fine, any other device raises
    path = os.fspath(f)
    _refuse_pytorch_files(path)
    state = {}
    for key, value in nn.load(path).items():
        *sections, leaf = key.split(_SEP)
        place = state
        for section in sections:
            place = place.setdefault(section, {})
        place[leaf] = value
    return state
