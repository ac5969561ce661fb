"""Shared fixtures: a private cache per test, fake plugins, and the repo's test configs."""

import types
from pathlib import Path

import pytest

from tinytorch.core import hookimpl, plugins

CONFIGS = Path(__file__).resolve().parents[3] / "configs"
TINY = CONFIGS / "test" / "tiny_mlp.yaml"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test gets its own baseline cache and the default backend choice."""
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYTORCH_BACKEND", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables wide enough not to wrap names
    yield
    plugins.reset()  # forget any fake plugins a test installed


class FakeDist:
    def __init__(self, name, version="1.0"):
        self.name, self.version = name, version


class FakeEntryPoint:
    """An entry point of a made-up distribution: loads ``module``, or raises ``error``."""

    def __init__(self, dist, name, module=None, error=None):
        self.dist, self.name, self._module, self._error = FakeDist(dist), name, module, error

    def load(self):
        if self._error:
            raise self._error
        return self._module


def plugin_module(name, **hooks):
    """A module of hook implementations, as a plugin's entry point would name."""
    module = types.ModuleType(name)
    for hook, function in hooks.items():
        setattr(module, hook, hookimpl(function))
    return module


@pytest.fixture
def install_plugins():
    """Install fake entry points next to the real ones: ``install_plugins(FakeEntryPoint(...))``."""

    def install(*fakes):
        host = plugins.PluginHost(plugins.installed_entry_points() + list(fakes))
        plugins.reset(host)
        return host

    return install
