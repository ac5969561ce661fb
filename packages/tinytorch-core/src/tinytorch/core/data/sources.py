"""Where data files come from: look locally, download if we must, and trust nothing unchecked.

A dataset names the files it needs as `DataFile`s: a path relative to a data root
(``mnist/train-images-idx3-ubyte.gz``), the URL it is published at, and a checksum.
`fetch` looks for each file in this order:

1. ``$TINYTORCH_DATA/<path>``, a directory you fill by hand (offline machines, CI);
2. ``$TINYTORCH_CACHE/<path>``, by default ``~/.cache/tinytorch/<path>``;
3. the URL, downloaded into the cache with a short timeout.

Every file is checked against its checksum before use, reading a chunk at a time (a
gzip file is decompressed only up to ``MAX_GUNZIPPED_BYTES``, so a "gzip bomb" placed
where a dataset file belongs is stopped, not swallowed); a download is checked before it
is moved into place (temp file + ``os.replace``), so the cache never holds half a file.
When a file cannot be found or fetched, `DatasetNotFoundError` says which files to put
where, and where to get them.

Also here: `read_idx`, the reader for the IDX format MNIST is published in.

Read next: `datasets.py`, which describes MNIST and friends as `DataFile`s.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..files import atomic_write

DOWNLOAD_TIMEOUT = 10  # seconds; offline machines should fail fast, not hang
MAX_GUNZIPPED_BYTES = 256 * 2**20  # MNIST's largest file is 47 MB decompressed
CHUNK_BYTES = 2**20


class DatasetNotFoundError(FileNotFoundError):
    """A data file is neither on disk nor downloadable. `.missing` lists the DataFiles."""

    def __init__(self, message: str, missing: list[DataFile] = ()):
        super().__init__(message)
        self.missing = list(missing)


class ChecksumError(ValueError):
    """A data file exists but its content is not the published one."""


@dataclass(frozen=True)
class DataFile:
    """One file a dataset needs.

    `digest` is the expected hex digest under `algorithm`. With ``gunzipped=True`` it is
    the digest of the *decompressed* bytes: gzip wrappers differ between mirrors (header
    timestamps, file names) while the content is what was published.
    """

    path: str  # relative to a data root, e.g. "mnist/t10k-labels-idx1-ubyte.gz"
    url: str
    digest: str
    algorithm: str = "sha256"
    gunzipped: bool = False

    def describe_digest(self) -> str:
        return self.algorithm + (" of the uncompressed bytes" if self.gunzipped else "")


# --- where to look --------------------------------------------------------------------


def data_dir() -> Path | None:
    """The hand-filled data directory, ``$TINYTORCH_DATA``, or None when unset."""
    value = os.environ.get("TINYTORCH_DATA")
    return Path(value).expanduser() if value else None


def cache_dir() -> Path:
    """Where downloads go: ``$TINYTORCH_CACHE``, else ``~/.cache/tinytorch``."""
    value = os.environ.get("TINYTORCH_CACHE")
    return Path(value).expanduser() if value else Path.home() / ".cache" / "tinytorch"


def locate(file: DataFile) -> Path | None:
    """The first existing copy of `file` in the search order, unchecked; None if none."""
    for root in (data_dir(), cache_dir()):
        if root is not None and (root / file.path).is_file():
            return root / file.path
    return None


# --- checking ---------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _digest(path: str, size: int, mtime_ns: int, algorithm: str, gunzipped: bool) -> str:
    # Keyed on size and mtime so an unchanged file is hashed once per process (MNIST's
    # train images take a quarter of a second to gunzip) but an edited one is re-checked.
    digest = hashlib.new(algorithm)
    try:
        for chunk in gunzip_chunks(path) if gunzipped else _chunks(path):
            digest.update(chunk)
    except OSError as err:  # BadGzipFile is an OSError
        return f"<not a readable gzip file: {err}>"
    except EOFError:
        return "<a truncated gzip file>"
    except GzipBombError as err:
        return f"<{err}>"
    return digest.hexdigest()


class GzipBombError(ValueError):
    """A gzip file that decompresses to more than ``MAX_GUNZIPPED_BYTES``."""


def _chunks(path):
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            yield chunk


def gunzip_chunks(path):
    """The decompressed bytes of the gzip file ``path``, a chunk at a time, stopping with
    ``GzipBombError`` past ``MAX_GUNZIPPED_BYTES``: a few kB of gzip can expand to
    gigabytes, so we never decompress more than a real dataset file holds."""
    total = 0
    with gzip.open(path, "rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            total += len(chunk)
            if total > MAX_GUNZIPPED_BYTES:
                raise GzipBombError(f"more than {MAX_GUNZIPPED_BYTES:,} bytes once decompressed; stopped reading")
            yield chunk


def verify(path: Path, file: DataFile) -> Path:
    """Return `path` if its checksum matches `file.digest`, else raise ChecksumError."""
    stat = path.stat()
    found = _digest(str(path), stat.st_size, stat.st_mtime_ns, file.algorithm, file.gunzipped)
    if found != file.digest:
        raise ChecksumError(
            f"checksum mismatch for {path}: expected {file.describe_digest()} "
            f"{file.digest}, found {found}. The file is corrupt or a different version; "
            f"delete it and fetch it again from {file.url}"
        )
    return path


def check_bytes(data: bytes, expected: str, name: str, algorithm: str = "sha256",
                package: str = "tinytorch-core", alternative: str = "") -> bytes:
    """Return `data` if its digest is `expected`; for files shipped inside a package."""
    found = hashlib.new(algorithm, data).hexdigest()
    if found != expected:
        raise ChecksumError(
            f"checksum mismatch for {name}: expected {algorithm} {expected}, found {found}. "
            f"The installed package is damaged; reinstall {package}{alternative}."
        )
    return data


# --- fetching ---------------------------------------------------------------------------


def download(file: DataFile, root: Path) -> Path:
    """Download `file` into `root`, check it, and only then move it into place."""
    dest = root / file.path
    with urllib.request.urlopen(file.url, timeout=DOWNLOAD_TIMEOUT) as response:
        dest.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(dest, "wb") as out:
            shutil.copyfileobj(response, out)
            out.flush()
            verify(Path(out.name), file)  # a bad download never reaches the cache
    return dest


def fetch(files: list[DataFile], hint: str = "") -> list[Path]:
    """Paths to checked local copies of `files`, downloading the missing ones.

    Raises DatasetNotFoundError naming every file still missing (with `hint`, if given,
    appended to the message), or ChecksumError if a copy is corrupt.
    """
    paths, missing, failure = [], [], None
    for file in files:
        path = locate(file)
        if path is None and failure is None:
            try:
                path = download(file, cache_dir())
            except ChecksumError:
                raise
            except Exception as err:  # URLError, timeouts, HTTP errors, a read-only disk
                # One failure means we are most likely offline: do not wait out a timeout
                # for every remaining file.
                failure = f"{type(err).__name__}: {err}"
        if path is None:
            missing.append(file)
        else:
            paths.append(verify(path, file))
    if missing:
        raise DatasetNotFoundError(_not_found_message(missing, failure, hint), missing)
    return paths


def _not_found_message(missing: list[DataFile], failure: str | None, hint: str) -> str:
    root = data_dir()
    lines = ["data files not found:"]
    for file in missing:
        lines.append(f"  {file.path}  (published at {file.url})")
    searched = f"TINYTORCH_DATA={root}" if root else "TINYTORCH_DATA (not set)"
    lines.append(f"searched {searched} and the cache {cache_dir()}")
    if failure:
        lines.append(f"downloading failed: {failure}")
    target = root if root else cache_dir()
    lines.append("To fix: download the files and put them at")
    lines.extend(f"  {target / file.path}" for file in missing)
    if not root:
        lines.append("or set TINYTORCH_DATA to a directory that holds them under those names.")
    if hint:
        lines.append(hint)
    return "\n".join(lines)


# --- the IDX format ---------------------------------------------------------------------


def read_idx(path: Path) -> np.ndarray:
    """Read a gzipped IDX file (MNIST's format) into a uint8 array.

    Layout: a big-endian uint32 magic ``0x000008NN`` (0x08 = unsigned bytes, NN = number
    of dimensions: 0x803 for N x 28 x 28 images, 0x801 for N labels), one big-endian
    uint32 per dimension, then the values in C order.
    """
    raw = b"".join(gunzip_chunks(path))
    magic = int.from_bytes(raw[:4], "big")
    if magic >> 8 != 0x08:
        raise ValueError(
            f"{path}: not an unsigned-byte IDX file (expected magic 0x00000801 or "
            f"0x00000803, found {magic:#010x})"
        )
    ndim = magic & 0xFF
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    if len(raw) - offset != int(np.prod(shape)):
        raise ValueError(
            f"{path}: header says shape {shape} ({int(np.prod(shape))} bytes of data), "
            f"found {len(raw) - offset} bytes"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)
