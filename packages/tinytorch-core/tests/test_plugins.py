"""The plugin manager, driven by fake distributions (no installs needed)."""

import types

import pytest

from tinytorch.core import hookimpl, plugins
from tinytorch.core.backend import Backend
from tinytorch.core.testing import FakeEntryPoint


def backend_plugin(*names):
    module = types.ModuleType("fake_backends")

    @hookimpl
    def tinytorch_register_backends(register):
        for name in names:
            register(name, Backend)

    module.tinytorch_register_backends = tinytorch_register_backends
    return module


def test_collision_names_both_distributions():
    host = plugins.PluginHost([FakeEntryPoint("alpha", "a", backend_plugin("fast")),
                               FakeEntryPoint("beta", "b", backend_plugin("fast", "other"))])
    assert list(host.registry("backends")) == ["other"]
    with pytest.raises(plugins.PluginConflictError, match="backend 'fast' is registered by both 'alpha' and 'beta'"):
        host.lookup("backends", "fast")
    assert host.lookup("backends", "other") is Backend


def test_import_error_is_recorded_and_isolated():
    host = plugins.PluginHost([FakeEntryPoint("broken-dist", "oops", error=ImportError("no module named zzz")),
                               FakeEntryPoint("good", "g", backend_plugin("good"))])
    assert [(b.dist, b.error) for b in host.broken()] == [("broken-dist", "ImportError: no module named zzz")]
    assert host.lookup("backends", "good") is Backend
    with pytest.raises(plugins.UnknownNameError) as error:
        host.lookup("backends", "oops")
    assert "plugin 'oops' from 'broken-dist' is broken: ImportError: no module named zzz" in str(error.value)


def test_hook_that_raises_marks_only_its_plugin():
    module = types.ModuleType("raising")

    @hookimpl
    def tinytorch_register_backends(register):
        raise RuntimeError("boom")

    module.tinytorch_register_backends = tinytorch_register_backends
    host = plugins.PluginHost([FakeEntryPoint("bad", "bad", module), FakeEntryPoint("good", "g", backend_plugin("ok"))])
    assert list(host.registry("backends")) == ["ok"]
    assert host.plugins["bad:bad"].error == "tinytorch_register_backends raised RuntimeError: boom"


def test_restricted_loading(monkeypatch):
    points = [FakeEntryPoint("tinytorch-core", "core", backend_plugin("builtin")),
              FakeEntryPoint("third-party", "t", backend_plugin("extra")),
              FakeEntryPoint("another", "x", backend_plugin("more"))]
    monkeypatch.setenv("TINYTORCH_PLUGINS", "")
    assert list(plugins.PluginHost(points).registry("backends")) == ["builtin"]
    monkeypatch.setenv("TINYTORCH_PLUGINS", "Third_Party")
    assert list(plugins.PluginHost(points).registry("backends")) == ["builtin", "extra"]
    monkeypatch.delenv("TINYTORCH_PLUGINS")
    assert list(plugins.PluginHost(points).registry("backends")) == ["builtin", "extra", "more"]


def test_registrations_are_attributed_to_their_distribution():
    host = plugins.PluginHost([FakeEntryPoint("alpha", "a", backend_plugin("x", "y"))])
    assert host.registry("backends")["x"].dist == "alpha"
    assert host.plugins["alpha:a"].registers == {"backends": ["x", "y"]}


def test_unknown_kind_and_unknown_name():
    host = plugins.PluginHost([])
    with pytest.raises(ValueError, match="unknown plugin kind 'widgets'"):
        host.registry("widgets")
    with pytest.raises(plugins.UnknownNameError, match=r"installed backends: \(none\)"):
        host.lookup("backends", "x")


def test_real_entry_points_provide_the_builtins():
    assert "vectorized" in plugins.registry("backends")
    assert plugins.registry("backends")["vectorized"].dist == "tinytorch-core"
    assert {"digits", "mnist", "perceptron", "xor"} <= set(plugins.registry("datasets"))


def test_hookspecs_are_documented():
    from tinytorch.core import hookspecs

    for name in dir(hookspecs):
        if name.startswith("tinytorch_"):
            doc = getattr(hookspecs, name).__doc__
            assert doc and "Called" in doc, f"{name} must say when it is called"



def test_a_layer_adds_its_own_hookspecs_and_kinds_to_every_host(monkeypatch):
    # As tinytorch.bench does for "events": the spec module declares its kind, and a host
    # made before the declaration sees the hook as well as one made after.
    from tinytorch.core import hookspec

    before = plugins.PluginHost([])
    specs = types.ModuleType("widget_specs")

    @hookspec
    def tinytorch_register_widgets(register):
        """Register widgets. Called once, the first time a widget is looked up."""

    specs.tinytorch_register_widgets = tinytorch_register_widgets
    provider = types.ModuleType("widget_plugin")
    provider.tinytorch_register_widgets = hookimpl(specname="tinytorch_register_widgets")(
        lambda register: register("gear", object))
    monkeypatch.setattr(plugins, "_SPECS", dict(plugins._SPECS))  # other tests see no widgets

    with pytest.raises(ValueError, match="unknown plugin kind 'widgets'"):
        before.registry("widgets")
    plugins.add_hookspecs(specs, {"widgets": "widget"})
    assert plugins.kinds()["widgets"] == "widget"
    after = plugins.PluginHost([FakeEntryPoint("widget-dist", "w", provider)])
    assert list(after.registry("widgets")) == ["gear"]
    assert list(before.registry("widgets")) == []  # the older host got the spec too
    with pytest.raises(plugins.UnknownNameError, match="unknown widget 'cog'; installed widgets: gear"):
        after.lookup("widgets", "cog")


def test_a_kind_needs_its_registration_hookspec():
    with pytest.raises(ValueError, match="has no tinytorch_register_gadgets hookspec"):
        plugins.add_hookspecs(types.ModuleType("empty_specs"), {"gadgets": "gadget"})
