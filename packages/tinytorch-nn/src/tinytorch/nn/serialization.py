"""Saving and loading models: a state dict written as a NumPy ``.npz`` archive.

A checkpoint holds only named arrays, never Python objects. That is a safety property:
PyTorch's ``torch.load`` unpickles, and unpickling a file can run any code in it. Here
the archive is read with ``allow_pickle=False``, so loading a file can at worst fail.

``save`` writes to a temporary file in the same directory and renames it over the target
(``os.replace`` is atomic), so a crash mid-write never leaves a half-written checkpoint
where a good one was.

Loading into a model also checks that every array is real and finite: weights with NaN,
complex or string values are refused, not loaded silently.

Read next: ``module.py``'s ``load_state_dict``, which checks names and shapes.
"""

import os
import zipfile
import zlib

import numpy as np

from tinytorch.core import Tensor
from tinytorch.core.files import atomic_write

from .module import Module


def save(obj, path):
    """Write a module's state dict (or a dict of arrays) to ``path`` as ``.npz``, atomically."""
    state = obj.state_dict() if isinstance(obj, Module) else obj
    arrays = {}
    for name, value in state.items():
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.dtype.kind == "O":
            raise ValueError(f"cannot save {name!r}: it is an object array, which only pickle can store")
        arrays[name] = array
    with atomic_write(path, "wb") as f:
        np.savez(f, **arrays)


def load(path, model=None):
    """Read a ``.npz`` state dict; with ``model``, load it strictly into the model and return the model."""
    state = _read(os.fspath(path))
    if model is None:
        return state
    for name, array in state.items():
        _check_weight(path, name, array)
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise RuntimeError(f"{path}: {error}") from None
    return model


WEIGHT_KINDS = {"b": "bool", "i": "int", "u": "unsigned int", "f": "float"}


def _check_weight(path, name, array):
    """Weights are real numbers, all finite: a NaN, complex or string array would load
    without a word and poison every prediction, so it is refused before the model changes."""
    if array.dtype.kind not in WEIGHT_KINDS:
        raise ValueError(
            f"{path}: {name!r} has dtype {array.dtype}; expected real numbers "
            f"({', '.join(WEIGHT_KINDS.values())}); the file was not written by tinytorch.nn.save from a model"
        )
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = int(array.size - np.isfinite(array).sum())
        raise ValueError(f"{path}: {name!r} holds {bad} NaN or infinite values; expected finite weights")


def _read(path):
    with open(path, "rb") as f:
        magic = f.read(2)
    if magic != b"PK":  # every zip archive, so every .npz, starts with these two bytes
        raise ValueError(f"{path} is not a .npz archive (no zip header); expected a file written by tinytorch.nn.save")
    try:
        with np.load(path, allow_pickle=False) as archive:
            state = {name: archive[name] for name in archive.files}
    except ValueError as error:
        if "pickle" in str(error):
            raise ValueError(
                f"{path} holds an object array, which can only be read by unpickling, and "
                f"unpickling can run code from the file; it was not loaded. Save plain numeric arrays instead"
            ) from None
        raise ValueError(f"{path} is not a readable .npz archive: {error}") from None
    except (OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as error:
        raise ValueError(f"{path} is truncated or corrupt ({type(error).__name__}: {error}); save it again") from None
    for name, value in state.items():
        if not isinstance(value, np.ndarray):  # np.load hands back raw bytes for a non-.npy member
            raise ValueError(
                f"{path}: member {name!r} is not a NumPy array; expected a file written by tinytorch.nn.save"
            )
    return state
