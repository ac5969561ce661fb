"""Shared fixtures: a private cache per test, the repo's tiny config, a run trained once per
module, and fake plugins."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from tinytorch.core import plugins
from tinytorch.core.testing import FakeEntryPoint, hook_module

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


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """``trained_run(name, config_text) -> (run_dir, output)``: ``tt run`` the config once,
    with a cache of its own and the default backend, for a module's tests to share."""

    def train(name, config_text):
        from tinytorch.bench.run.cli import main

        root = tmp_path_factory.mktemp(name)
        (root / f"{name}.yaml").write_text(config_text)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("TINYTORCH_CACHE", str(root / "cache"))
            patch.delenv("TINYTORCH_BACKEND", raising=False)
            result = CliRunner().invoke(main, ["run", str(root / f"{name}.yaml"), "--out", str(root / "run")],
                                        catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return root / "run", result.output

    return train


class FakePlugins:
    """Make plugin modules and install them beside the real entry points."""

    entry_point = FakeEntryPoint

    module = staticmethod(hook_module)

    @staticmethod
    def install(*entry_points):
        host = plugins.PluginHost(plugins.installed_entry_points() + list(entry_points))
        plugins.reset(host)
        return host


@pytest.fixture
def fake_plugins():
    return FakePlugins
