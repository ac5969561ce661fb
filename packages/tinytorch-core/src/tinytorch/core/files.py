"""Atomic file writes and bounded reads: a file is old or whole new, and read with a limit.

Every file TinyTorch writes (checkpoints, run results, tokenizers, downloads, plots) goes
through ``atomic_write``: the data goes to a temporary file beside the target, which is
renamed over it only once complete (``os.replace`` is atomic on one file system). A
crash or Ctrl-C mid-write leaves the previous file untouched and no temporary behind.

Every file TinyTorch reads that a person or another program could have put there
(configs, ``metrics.json``) goes through ``read_limited``: it reads at most a stated
number of bytes and only from a regular file, so a 50 MB config, a symlink to
``/dev/zero`` or a named pipe is a clear error instead of a hang or a full memory.

Read next: ``tinytorch.nn.serialization`` (checkpoints) or ``data/sources.py`` (downloads).
"""

import contextlib
import os
import re
import uuid
from pathlib import Path

TEMPORARY = re.compile(r"^\..+\.[0-9a-f]{32}\.tmp$")  # the name atomic_write gives a file in progress


def is_temporary(name):
    """Whether ``name`` is an ``atomic_write`` temporary: only ``kill -9`` leaves one behind."""
    return bool(TEMPORARY.match(name))


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file for ``mode`` ("w" text or "wb" binary); rename it to ``path``
    when the block ends without an error. ``f.name`` is the temporary's path."""
    path = Path(path)
    # A fresh name opened with "x" rather than mkstemp, whose files are private to their
    # owner, so the result gets the usual permissions.
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    text = "b" not in mode
    try:
        with open(tmp, mode.replace("w", "x"), encoding="utf-8" if text else None) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as error:
        if error.filename is None:  # a full disk fails a write or fsync, which names no file
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path, text):
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_write(path, "w") as f:
        f.write(text)


class FileTooLargeError(ValueError):
    """A file is larger than its reader allows, or is not a regular file at all."""


def read_limited(path, limit, what="file"):
    """The bytes of the regular file ``path``; ``FileTooLargeError`` if it holds more than
    ``limit`` bytes. ``what`` names the file in the message ("config", "metrics.json"), which
    leaves the path to the caller, who knows how to name it."""
    path = Path(path)
    # is_file() follows symlinks: a device or a pipe would block or never end.
    if path.exists() and not path.is_file():
        raise FileTooLargeError(f"expected a regular {what} file, found a directory, device or pipe")
    with open(path, "rb") as f:
        data = f.read(limit + 1)  # one byte more than allowed tells "too large" from "exactly full"
    if len(data) > limit:
        raise FileTooLargeError(f"expected a {what} of at most {limit:,} bytes, found more")
    return data


def shorten(value, limit=80, keep_end=False):
    """``str(value)``, cut to ``limit`` characters with an ellipsis: any value that goes into a
    message passes here, so a message stays one readable line however large the value.
    ``keep_end`` cuts the start instead, for paths, whose file name is at the end."""
    text = str(value)
    if len(text) <= limit:
        return text
    return "\u2026" + text[1 - limit:] if keep_end else text[: limit - 1] + "\u2026"
