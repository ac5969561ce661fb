"""docs/tutorial.md runs as written: every ```python block, in order, in one namespace."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "tutorial.md"


def python_blocks(text):
    """``(line number of the first code line, code)`` for each ```python block."""
    for match in re.finditer(r"^```python\n(.*?)^```", text, re.S | re.M):
        yield text.count("\n", 0, match.start(1)) + 1, match.group(1)


def test_every_tutorial_block_runs_in_order(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the Olympics entry writes its config and run here
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYTORCH_BACKEND", raising=False)
    blocks = list(python_blocks(TUTORIAL.read_text()))
    assert len(blocks) >= 11, "the tutorial lost its steps"
    namespace = {"__name__": "tutorial"}
    for line, code in blocks:
        # Padding with blank lines makes a traceback point at the line in tutorial.md.
        exec(compile("\n" * (line - 1) + code, str(TUTORIAL), "exec"), namespace)
