"""Atomic file writes: a file is either the old one or the whole new one, never half.

Every file TinyTorch writes (checkpoints, run results, tokenizers, downloads, plots) goes
through ``atomic_write``: the data goes to a temporary file beside the target, which is
renamed over it only once complete (``os.replace`` is atomic on one file system). A
crash or Ctrl-C mid-write leaves the previous file untouched and no temporary behind.

Read next: ``tinytorch.nn.serialization`` (checkpoints) or ``data/sources.py`` (downloads).
"""

import contextlib
import os
import uuid
from pathlib import Path


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
    finally:
        tmp.unlink(missing_ok=True)


def write_text(path, text):
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_write(path, "w") as f:
        f.write(text)
