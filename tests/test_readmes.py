"""Every README's Python examples run as written (so they cannot rot)."""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
READMES = sorted(p for p in [*ROOT.glob("packages/*/README.md"), *ROOT.glob("plugins/*/README.md")])


@pytest.mark.parametrize("readme", READMES, ids=lambda p: str(p.relative_to(ROOT)))
def test_readme_examples_run(readme, tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", readme.read_text(), re.S)
    assert blocks, f"{readme} has no runnable example"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))  # never the user's cache
    namespace = {}
    for block in blocks:
        exec(compile(block, str(readme), "exec"), namespace)
