"""A disk that fills up at each write of a run in turn: one clear line, and only whole files.

A real small file system (tmpfs) needs root to mount, so the disk is simulated where every
file TinyTorch writes passes: ``atomic_write`` ends each file with ``os.fsync``, and here
the k-th fsync fails with ENOSPC, for k = 1, 2, ... until a run writes no more files.
"""

import errno
import os

from click.testing import CliRunner

from tinytorch.bench.run.cli import main
from tinytorch.core import files


def run_with_a_disk_full_after(writes, tiny, out, monkeypatch):
    """Run the tiny config with the disk full after ``writes`` files; return (result, files attempted)."""
    attempted = []

    def fsync(fd):
        attempted.append(fd)
        if len(attempted) > writes:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(files.os, "fsync", fsync)
    result = CliRunner().invoke(main, ["run", str(tiny), "--out", str(out)])
    monkeypatch.undo()
    return result, len(attempted)


def test_a_disk_full_at_each_write_in_turn(tmp_path, monkeypatch, tiny, whole):
    writes = 0
    while True:
        cache = tmp_path / f"cache{writes}"
        monkeypatch.setenv("TINYTORCH_CACHE", str(cache))
        out = tmp_path / f"run{writes}"
        result, attempted = run_with_a_disk_full_after(writes, tiny, out, monkeypatch)
        whole(out, cache)
        if attempted <= writes:  # this run wrote everything: the disk never filled up
            assert result.exit_code == 0, result.output
            break
        assert result.exit_code == 1, result.output
        errors = [line for line in result.output.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1 and str(tmp_path) in errors[0], result.output  # names the file
        assert errors[0].endswith(": No space left on device; the disk is full; free some space or choose another --out")
        assert "Traceback" not in result.output
        writes += 1
    assert writes >= 6  # checkpoints, the cache entry and the four result files were each hit
