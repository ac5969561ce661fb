"""A run owns its directory: one run at a time, no silent reuse, nothing deleted that it did not make.

``claim`` is how a run gets its directory, and a ``with`` block is how long it keeps it:

    with rundir.claim(name, out="runs/x") as out_dir:
        ...  # train, write the results into out_dir

Three rules, each fixing a way results were lost:

1. **A lock.** ``claim`` takes an exclusive ``flock`` on ``<dir>/.tt-run.lock``; a second
   ``tt run --out`` on the same directory fails at once, naming it. The kernel drops the
   lock when the process ends however it ends (even ``kill -9``), so a crash never leaves
   a directory locked for good.
2. **No silent reuse.** An ``--out`` that already holds files is refused unless the run
   was asked to continue it (``--resume``) or to replace it (``--overwrite``, which first
   deletes the files a run writes, so no old ``checkpoint.npz`` survives into the new run).
3. **Only our litter.** A run that fails removes its directory only if it created it and
   left nothing in it; a directory the user made is never deleted. Temporaries a killed
   run left (``.model.npz.<hex>.tmp``) are removed once the lock is ours.

The result files themselves are committed as one set by ``outputs.write_run_files``
(``metrics.json`` last, as the marker).

Read next: ``outputs.py``, which writes the files into the directory claimed here.
"""

import contextlib
import fcntl
import os
import time
from pathlib import Path

from tinytorch.core.files import is_temporary, shorten

RUNS_DIR = "runs"
LOCK = ".tt-run.lock"
# Everything a run writes; --overwrite deletes exactly these, and nothing a person added.
RUN_FILES = ("metrics.json", "config.yaml", "model.npz", "report.md", "checkpoint.npz",
             "tokenizer.json", "curves.png", "pareto.png")


class RunDirError(Exception):
    """The run directory cannot be used; the message says why and what to do instead."""

    exit_code = 1


@contextlib.contextmanager
def claim(name, out=None, resume=None, overwrite=False):
    """Own ``out`` (default: a fresh ``runs/<name>-<time>/``) for the ``with`` block; yield its path."""
    path, created = _make(name, out)
    lock = _lock(path)
    for stale in [p for p in path.iterdir() if is_temporary(p.name)]:
        stale.unlink()  # a killed run's file in progress; with the lock held, no one is writing it
    try:
        if out is not None and not created:
            _check_reuse(path, resume, overwrite)
        yield path
    except BaseException:
        if created and not [p for p in path.iterdir() if p.name != LOCK]:
            _unlock(path, lock)
            lock = None
            path.rmdir()  # nothing in it but our lock: leave no litter
        raise
    finally:
        if lock is not None:
            _unlock(path, lock)


def _make(name, out):
    """(path, whether we created it)."""
    if out is not None:
        path = Path(out)
        try:
            path.mkdir(parents=True)
            return path, True
        except FileExistsError:
            if not path.is_dir():
                raise RunDirError(f"--out {shorten(out)}: expected a directory, found a file") from None
            return path, False
        except OSError as error:
            raise RunDirError(f"--out {shorten(out)}: cannot create the run directory: {error.strerror}") from None
    stem = Path(RUNS_DIR) / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    for suffix in ("", *(f"-{i}" for i in range(2, 1000))):
        try:
            (path := Path(f"{stem}{suffix}")).mkdir(parents=True)
            return path, True
        except FileExistsError:  # two runs in the same second: never share a directory
            continue
        except OSError as error:
            raise RunDirError(f"{shorten(stem)}: cannot create the run directory: {error.strerror}") from None
    raise RunDirError(f"{shorten(stem)}: too many runs with this name in one second")


def _lock(path):
    """An open descriptor holding the exclusive lock on ``path``'s lock file."""
    lock_path = path / LOCK
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise RunDirError(f"--out {shorten(path)}: cannot write in the run directory: {error.strerror}") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # The previous owner unlinks the file as it lets go; if it did so after we opened
        # it, we locked a file nobody else will ever see: that directory is still in use.
        if os.fstat(fd).st_ino != os.stat(lock_path).st_ino:
            raise BlockingIOError
    except (BlockingIOError, FileNotFoundError):
        os.close(fd)
        raise RunDirError(
            f"--out {shorten(path)}: another tt run is using this directory right now; "
            f"wait for it to finish or choose another --out") from None
    return fd


def _unlock(path, fd):
    (path / LOCK).unlink(missing_ok=True)  # before letting go, so no one locks an orphan
    os.close(fd)


def _check_reuse(path, resume, overwrite):
    """Refuse an ``--out`` that holds files unless resuming or overwriting; clear it for the latter."""
    held = sorted(p.name for p in path.iterdir() if p.name != LOCK)
    if not held or resume is not None:
        return
    if not overwrite:
        listed = ", ".join(held[:5]) + (", ..." if len(held) > 5 else "")
        raise RunDirError(
            f"--out {shorten(path)}: expected an empty or new directory, found {listed}; "
            f"continue that run with --resume {shorten(path / 'checkpoint.npz')}, replace it "
            f"with --overwrite, or choose another --out")
    for name in RUN_FILES:
        (path / name).unlink(missing_ok=True)
