"""What the plugin host reports: every failing hook of a plugin, and a TINYTORCH_PLUGINS typo."""

import warnings

import pytest

from tinytorch.core import plugins
from tinytorch.core.testing import FakeEntryPoint, hook_module


def raising(message):
    def hook(**kwargs):
        raise RuntimeError(message)

    return hook


def test_a_plugin_with_two_raising_hooks_reports_each():
    module = hook_module("twice", tinytorch_register_backends=raising("no backends"),
                         tinytorch_register_datasets=raising("no datasets"))
    host = plugins.PluginHost([FakeEntryPoint("twice", "twice", module)])
    host.registry("backends")
    host.registry("datasets")
    error = host.plugins["twice:twice"].error
    assert "tinytorch_register_backends raised RuntimeError: no backends" in error
    assert "tinytorch_register_datasets raised RuntimeError: no datasets" in error


def test_a_hook_failing_every_call_is_warned_about_once_per_hook():
    module = hook_module("noisy", tinytorch_register_commands=raising("again"))
    host = plugins.PluginHost([FakeEntryPoint("noisy", "noisy", module)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            host.call_each("tinytorch_register_commands", cli=None)
    assert len(caught) == 1 and "again" in str(caught[0].message)


def test_tinytorch_plugins_naming_a_missing_distribution_warns_with_the_nearest(monkeypatch):
    monkeypatch.setenv("TINYTORCH_PLUGINS", "third-prty,tinytorch-naive")
    points = [FakeEntryPoint("third-party", "t", hook_module("t")), FakeEntryPoint("tinytorch-naive", "n", hook_module("n"))]
    with pytest.warns(RuntimeWarning) as caught:
        plugins.PluginHost(points)
    (warning,) = caught
    assert "TINYTORCH_PLUGINS names 'third-prty', which is not an installed tinytorch plugin" in str(warning.message)
    assert "did you mean 'third-party'?" in str(warning.message)
