"""docs/plugins.md quotes every hook's docstring as it is in the hookspecs modules, and its examples run."""

import inspect
import pathlib
import re
import sys
import textwrap

import pytest

from tinytorch.bench import hookspecs as bench_hookspecs
from tinytorch.core import hookspecs as core_hookspecs
from tinytorch.nn import hookspecs as nn_hookspecs
from tinytorch.optim import hookspecs as optim_hookspecs

ROOT = pathlib.Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "plugins.md"
# Each layer declares its own hooks; the guide documents them all.
SPECS = {name: getattr(module, name)
         for module in (core_hookspecs, nn_hookspecs, optim_hookspecs, bench_hookspecs)
         for name in dir(module) if name.startswith("tinytorch_")}
HOOKS = sorted(SPECS)


def words(text):
    return " ".join(text.split())


@pytest.mark.parametrize("hook", HOOKS)
def test_the_guide_quotes_the_hookspec(hook):
    guide = GUIDE.read_text()
    doc = inspect.getdoc(SPECS[hook])
    assert f"### `{hook}(" in guide, f"docs/plugins.md has no '### `{hook}(...)`' heading in its hooks reference"
    assert doc.splitlines()[0] in guide, f"docs/plugins.md lacks the first line of {hook}'s docstring: {doc.splitlines()[0]!r}"
    assert words(doc) in words(guide), (
        f"docs/plugins.md no longer quotes {hook}'s docstring; paste it under its heading:\n\n{doc}"
    )


def test_the_guide_documents_no_hook_that_does_not_exist():
    documented = re.findall(r"^### `(tinytorch_\w+)\(", GUIDE.read_text(), re.M)
    assert sorted(documented) == HOOKS


def test_the_guide_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    namespace = {}
    try:
        for _, block in re.findall(r"^( *)```python\n(.*?)^\1```", GUIDE.read_text(), re.S | re.M):
            exec(compile(textwrap.dedent(block), str(GUIDE), "exec"), namespace)
    finally:
        # Forget the scaffolded plugin the example imported, and only it: restoring all of
        # sys.modules would also drop libraries first imported here (rich's), and a later
        # test would import them twice and mix the two copies' classes.
        for name, module in list(sys.modules.items()):
            if str(tmp_path) in str(getattr(module, "__file__", None) or ""):
                del sys.modules[name]
