import os
import stat

import pytest

from tinytorch.core.files import atomic_write, write_text


def test_write_text_replaces_whole_file_with_usual_permissions(tmp_path):
    target = tmp_path / "out.txt"
    write_text(target, "old")
    write_text(target, "new")
    assert target.read_text() == "new"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
    assert os.listdir(tmp_path) == ["out.txt"]


def test_failure_mid_write_keeps_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "model.npz"
    target.write_bytes(b"good")
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_write(target, "wb") as f:
            f.write(b"half")
            raise RuntimeError("disk full")
    assert target.read_bytes() == b"good"
    assert os.listdir(tmp_path) == ["model.npz"]
