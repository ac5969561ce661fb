"""``tt plugin new``: write a ready-to-install plugin package from a template.

    tt plugin new mypass --kind pass        # ./mypass/, a pass named "mypass"
    pip install -e mypass && pytest mypass  # its tests pass before you change a line
    tt plugins                              # lists it

A plugin is an ordinary Python distribution whose ``pyproject.toml`` names one module in
the ``tinytorch`` entry-point group; that module answers one registration hook. The
templates in ``templates/`` are that, one directory per kind, with ``$name``-style
placeholders that ``string.Template`` fills in: ``pyproject.toml`` (shared by every
kind), ``README.md``, ``plugin.py`` (becomes ``src/<module>/__init__.py``) and
``test_plugin.py`` (becomes ``tests/test_<module>.py``).

The package is written to a temporary directory beside the target and renamed into place
at the end, so a failure leaves nothing behind and an existing directory is never touched.

This module is itself a plugin of tinytorch-bench: ``tinytorch_register_commands`` at the
bottom adds ``tt plugin``, through the same hook a third party uses.

Read next: ``testing.py``, the helper a generated pass's tests call; then
``docs/plugins.md`` at the repository root.
"""

import importlib.metadata
import importlib.util
import keyword
import os
import pathlib
import re
import shutil
import string
import tempfile
from importlib import resources

import click

from tinytorch.core import hookimpl, plugins

# kind -> (the registry it adds to, or None for commands; a one-line description;
#          the distributions it needs to run; the extra ones its tests need)
KINDS = {
    "pass": ("passes", "an optimization pass", ["tinytorch-core", "tinytorch-nn", "numpy"], ["tinytorch-bench"]),
    "backend": ("backends", "a compute backend", ["tinytorch-core", "numpy"], []),
    "dataset": ("datasets", "a dataset", ["tinytorch-core", "numpy"], []),
    "model": ("models", "a model", ["tinytorch-core", "tinytorch-nn"], []),
    "event": ("events", "a TorchPerf Olympics event", ["tinytorch-core", "tinytorch-bench"], []),
    "command": (None, "a `tt` subcommand", ["tinytorch-core", "tinytorch-bench", "click"], []),
}

NAME = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*\Z")


def names_for(name):
    """The spellings a plugin called ``name`` needs, as template placeholders.

    ``tinytorch-lowrank`` -> distribution ``tinytorch-lowrank``, module
    ``tinytorch_lowrank``, registered name ``lowrank``, class ``Lowrank``.
    """
    registered = name.removeprefix("tinytorch-").removeprefix("tinytorch_")
    module = name.replace("-", "_")
    return {
        "dist": name,
        "module": module,
        "name": registered,
        "function": registered.replace("-", "_"),
        "cls": "".join(part.capitalize() for part in re.split(r"[-_]", registered)),
    }


def check_name(name, kind, target):
    """Raise ValueError saying what is wrong with making plugin ``name`` at ``target``."""
    if kind not in KINDS:
        raise ValueError(f"unknown plugin kind {kind!r}; expected one of {', '.join(KINDS)}")
    if not NAME.match(name):
        raise ValueError(
            f"plugin name {name!r} is not valid: expected lowercase letters and digits, "
            f"starting with a letter, words joined by '-' or '_' (for example 'my-pass')"
        )
    names = names_for(name)
    if not names["function"].isidentifier() or keyword.iskeyword(names["function"]):
        raise ValueError(f"plugin name {name!r} does not make a Python name; choose another name")
    if target.exists():
        raise ValueError(f"{target} already exists; choose another name or --dir (nothing was written)")
    if _installed(name):
        raise ValueError(
            f"a distribution named {name!r} is already installed; installing the new plugin "
            f"would replace it, so choose another name"
        )
    spec = importlib.util.find_spec(names["module"])
    if spec is not None:
        raise ValueError(
            f"a module named {names['module']!r} is already importable "
            f"({spec.origin or 'a namespace package'}); choose another name so the plugin "
            f"does not shadow it"
        )
    registry = KINDS[kind][0]
    # Imported here, not at the top: every process that looks up any plugin imports this
    # module, and it should not pay for loading the whole `tt` command to do so.
    from tinytorch.bench.run.cli import main as tt

    if registry is None and names["name"] in tt.commands:
        raise ValueError(f"`tt {names['name']}` is already a command; choose another name")
    if registry and names["name"] in plugins.registry(registry):
        owner = plugins.registry(registry)[names["name"]].dist
        raise ValueError(
            f"{KINDS[kind][1]} named {names['name']!r} is already registered by {owner!r}; "
            f"two plugins with one name would conflict, so choose another name"
        )


def new_plugin(name, kind="pass", directory="."):
    """Write the package for plugin ``name`` of ``kind`` to ``directory/name``; return its path."""
    target = pathlib.Path(directory) / name
    check_name(name, kind, target)
    _, description, requires, test_requires = KINDS[kind]
    names = names_for(name)
    values = {
        **names,
        "description": f"TinyTorch plugin: {description}, {names['name']!r}",
        "dependencies": _toml_list(requires),
        "test_dependencies": _toml_list(["pytest>=7", *test_requires]),
    }
    templates = resources.files("tinytorch.bench.scaffold") / "templates"
    module = names["module"]
    files = {
        "pyproject.toml": templates / "pyproject.toml.tmpl",
        "README.md": templates / kind / "README.md.tmpl",
        f"src/{module}/__init__.py": templates / kind / "plugin.py.tmpl",
        f"tests/test_{module}.py": templates / kind / "test_plugin.py.tmpl",
    }
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{name}-", dir=target.parent))
    try:
        package = staging / name  # made by mkdir, so it gets the usual permissions
        for relative, template in files.items():
            path = package / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(string.Template(template.read_text("utf-8")).substitute(values), "utf-8")
        os.rename(package, target)  # one step: the package appears whole or not at all
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _installed(dist):
    try:
        importlib.metadata.distribution(dist)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def _toml_list(items):
    return ", ".join(f'"{item}"' for item in items)


@click.group("plugin")
def plugin_group():
    """Write new plugins."""


@plugin_group.command("new")
@click.argument("name")
@click.option("--kind", type=click.Choice(list(KINDS)), default="pass", show_default=True,
              help="what the plugin registers")
@click.option("--dir", "directory", type=click.Path(file_okay=False), default=".",
              show_default=True, help="where to create the NAME directory")
def new_command(name, kind, directory):
    """Create NAME/, a plugin package ready for `pip install -e NAME`."""
    try:
        target = new_plugin(name, kind, directory)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"created {kind} plugin {names_for(name)['name']!r} in {target}/")
    click.echo(f"next: pip install -e {target}  then  pytest {target}  and  tt plugins")


@hookimpl
def tinytorch_register_commands(cli):
    cli.add_command(plugin_group)
