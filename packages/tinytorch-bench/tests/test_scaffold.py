"""`tt plugin new`: every kind renders a package whose own tests pass, and bad input writes nothing.

The generated tests run in this process, against the rendered source, with the plugin
made visible by ``plugin_installed`` instead of ``pip install`` (the walk-through in
docs/plugins.md does the real install).
"""

import importlib
import sys

import pytest
from click.testing import CliRunner

from tinytorch.bench import scaffold
from tinytorch.bench.run.cli import main as tt
from tinytorch.bench.testing import plugin_installed


@pytest.fixture
def rendered(tmp_path, monkeypatch):
    """``render(kind)`` -> (package dir, hook module), importable until the test ends."""
    modules = []

    def render(kind):
        name = f"demo-{kind}"
        target = scaffold.new_plugin(name, kind, tmp_path)
        monkeypatch.syspath_prepend(str(target / "src"))
        module = importlib.import_module(scaffold.names_for(name)["module"])
        modules.append(module.__name__)
        return target, module

    yield render
    for name in modules:
        sys.modules.pop(name, None)
        sys.modules.pop(f"test_{name}", None)


@pytest.mark.parametrize("kind", list(scaffold.KINDS))
def test_generated_tests_pass(kind, rendered):
    target, module = rendered(kind)
    with plugin_installed(module, dist=target.name, name=target.name):
        exit_code = pytest.main([str(target / "tests"), "-q", "-p", "no:cacheprovider"])
    assert exit_code == 0, f"the generated tests of a {kind} plugin failed (output above)"


@pytest.mark.parametrize("kind", list(scaffold.KINDS))
def test_tt_plugins_lists_the_new_plugin(kind, rendered):
    target, module = rendered(kind)
    with plugin_installed(module, dist=target.name, name=target.name):
        result = CliRunner().invoke(tt, ["plugins"], env={"COLUMNS": "300"})  # one row per line
    assert result.exit_code == 0, result.output
    row = next(line for line in result.output.splitlines() if line.startswith(f"│ {target.name} "))
    assert "OK" in row
    if scaffold.KINDS[kind][0]:
        assert f"{scaffold.KINDS[kind][0]}: {target.name}" in row


def test_the_package_declares_its_entry_point_and_dependencies(tmp_path):
    tomllib = pytest.importorskip("tomllib")
    target = scaffold.new_plugin("tinytorch-shrink", "pass", tmp_path)
    project = tomllib.loads((target / "pyproject.toml").read_text())
    assert project["project"]["name"] == "tinytorch-shrink"
    assert project["project"]["entry-points"]["tinytorch"] == {"shrink": "tinytorch_shrink"}
    assert "tinytorch-core" in project["project"]["dependencies"]
    assert "tinytorch-bench" in project["project"]["optional-dependencies"]["test"]
    assert project["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/tinytorch_shrink"]
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        "README.md", "pyproject.toml", "src/tinytorch_shrink/__init__.py", "tests/test_tinytorch_shrink.py",
    ]
    assert "class Shrink:" in (target / "src/tinytorch_shrink/__init__.py").read_text()


def new(tmp_path, *args):
    return CliRunner().invoke(tt, ["plugin", "new", *args, "--dir", str(tmp_path)])


def test_cli_writes_the_package_and_says_what_next(tmp_path):
    result = new(tmp_path, "mypass")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "mypass" / "src" / "mypass" / "__init__.py").exists()
    assert f"pip install -e {tmp_path / 'mypass'}" in result.output


@pytest.mark.parametrize("args, message", [
    (["My Pass"], "plugin name 'My Pass' is not valid: expected lowercase letters and digits"),
    (["2fast"], "plugin name '2fast' is not valid"),
    (["my--pass"], "plugin name 'my--pass' is not valid"),
    (["tinytorch"], "a module named 'tinytorch' is already importable (a namespace package)"),
    (["tinytorch-2x"], "plugin name 'tinytorch-2x' does not make a Python name"),
    (["import"], "plugin name 'import' does not make a Python name"),
    (["tinytorch-core"], "a distribution named 'tinytorch-core' is already installed"),
    (["json"], "a module named 'json' is already importable"),
    (["vectorized", "--kind", "backend"], "a compute backend named 'vectorized' is already registered by 'tinytorch-core'"),
    (["run", "--kind", "command"], "`tt run` is already a command"),
    (["x", "--kind", "widget"], "'widget' is not one of"),
])
def test_bad_input_is_a_usage_error_and_writes_nothing(tmp_path, args, message):
    result = new(tmp_path, *args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert list(tmp_path.iterdir()) == []


def test_an_existing_directory_is_never_touched(tmp_path):
    (tmp_path / "mypass").mkdir()
    (tmp_path / "mypass" / "notes.txt").write_text("mine")
    result = new(tmp_path, "mypass")
    assert result.exit_code == 2
    assert "already exists; choose another name or --dir (nothing was written)" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["mypass"]
    assert [p.name for p in (tmp_path / "mypass").iterdir()] == ["notes.txt"]
    assert (tmp_path / "mypass" / "notes.txt").read_text() == "mine"


def test_a_failed_render_leaves_nothing(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(scaffold.string.Template, "substitute", broken)
    with pytest.raises(OSError, match="disk full"):
        scaffold.new_plugin("mypass", "pass", tmp_path)
    assert list(tmp_path.iterdir()) == []
