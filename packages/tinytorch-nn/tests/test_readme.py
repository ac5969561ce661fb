"""The README's example runs as written."""

import re
from pathlib import Path


def test_readme_example_runs(capsys):
    readme = Path(__file__).parents[1] / "README.md"
    code = re.search(r"```python\n(.*?)```", readme.read_text(), re.S).group(1)
    exec(compile(code, str(readme), "exec"), {})
    assert "predictions [0, 1, 1, 0]" in capsys.readouterr().out
