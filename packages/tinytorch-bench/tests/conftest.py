"""Shared fixtures: a private cache per test, the repo's tiny config, and fake plugins."""

import types
from pathlib import Path

import pytest

from tinytorch.core import hookimpl, plugins

CONFIGS = Path(__file__).resolve().parents[3] / "configs"


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Each test gets its own baseline cache and the default backend choice."""
    monkeypatch.setenv("TINYTORCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("TINYTORCH_BACKEND", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich tables wide enough not to wrap names
    yield
    plugins.reset()  # forget any fake plugins a test installed


@pytest.fixture
def tiny():
    """A small MLP on the 8x8 digits for two epochs: well under a second."""
    return CONFIGS / "test" / "tiny_mlp.yaml"


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


class FakePlugins:
    """Make plugin modules and install them beside the real entry points."""

    entry_point = FakeEntryPoint

    @staticmethod
    def module(name, **hooks):
        """A module of hook implementations, like the one a plugin's entry point names."""
        module = types.ModuleType(name)
        for hook, function in hooks.items():
            setattr(module, hook, hookimpl(function))
        return module

    @staticmethod
    def install(*entry_points):
        host = plugins.PluginHost(plugins.installed_entry_points() + list(entry_points))
        plugins.reset(host)
        return host


@pytest.fixture
def fake_plugins():
    return FakePlugins
