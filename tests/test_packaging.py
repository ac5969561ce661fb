"""Each package declares its real sibling dependencies, and tox's isolated envs match them."""

import configparser
import importlib.metadata
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = sorted(p.name for p in (ROOT / "packages").iterdir() if (p / "pyproject.toml").exists())


def siblings(dist):
    """Sibling distributions ``dist`` requires, as installed (extras' requirements aside)."""
    requires = importlib.metadata.requires(dist) or []
    names = {re.split(r"[ ;<>=!~\[]", r, maxsplit=1)[0] for r in requires if "extra ==" not in r}
    return {n for n in names if n.startswith("tinytorch-")}


def closure(dist):
    found, todo = set(), [dist]
    while todo:
        for dep in siblings(todo.pop()) - found:
            found.add(dep)
            todo.append(dep)
    return found


@pytest.mark.parametrize("dist", PACKAGES)
def test_isolated_env_installs_exactly_the_declared_dependencies(dist):
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(ROOT / "tox.ini")
    env = f"testenv:isolated-{dist.removeprefix('tinytorch-')}"
    assert env in tox, f"tox.ini has no [{env}]"
    installed = {line.strip().removeprefix("-e packages/") for line in tox[env]["deps"].splitlines()
                 if line.strip().startswith("-e packages/")}
    assert installed == closure(dist) | {dist}


@pytest.mark.parametrize("dist", PACKAGES)
def test_no_distribution_owns_the_namespace(dist):
    assert not (ROOT / "packages" / dist / "src" / "tinytorch" / "__init__.py").exists()
