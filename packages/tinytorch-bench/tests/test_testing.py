"""`check_pass` catches each way a pass can break its contract, and `plugin_installed` cleans up."""

import types

import numpy as np
import pytest

from tinytorch import nn
from tinytorch.bench.testing import check_pass, plugin_installed
from tinytorch.core import hookimpl, plugins


class Strict:
    """Does nothing, correctly: refuses unknown options, returns the model, reports a number."""

    def validate(self, options, model, info):
        for key in options:
            if key != "scale":
                raise ValueError(f"unknown option {key!r}")

    def apply(self, model, options, context):
        context.report["layers"] = sum(1 for _ in model.modules())
        return model


def test_a_correct_pass_passes_and_reports_its_numbers():
    result = check_pass(Strict, {}, epochs=1)
    assert result.report == {"layers": 5}  # Sequential, Flatten, Linear, ReLU, Linear
    assert result.accuracy_after == result.accuracy_before > 0.5
    assert result.parameters_after == result.parameters_before == 64 * 32 + 32 + 32 * 10 + 10


class Lax(Strict):
    def validate(self, options, model, info):
        pass


class ReturnsNothing(Strict):
    def apply(self, model, options, context):
        super().apply(model, options, context)


class ChopsTheHead(Strict):
    def apply(self, model, options, context):
        return nn.Sequential(*list(model)[:-1])  # scores per hidden unit, not per class


class BlowsUp(Strict):
    def apply(self, model, options, context):
        for p in model.parameters():
            p.data[...] = np.inf
        return model


class ReportsAnArray(Strict):
    def apply(self, model, options, context):
        context.report["weights"] = np.zeros(3)
        return model


@pytest.mark.parametrize("pass_cls, message", [
    (Lax, "Lax.validate accepted the unknown option 'no_such_option'"),
    (ReturnsNothing, "ReturnsNothing.apply returned NoneType; return the optimized model"),
    (ChopsTheHead, r"after ChopsTheHead the model maps a batch of 8 to shape \(8, 32\), expected \(8, 10\)"),
    (BlowsUp, "after BlowsUp the model outputs NaN or infinity"),
    (ReportsAnArray, "put a value in context.report that metrics.json cannot hold"),
])
def test_each_broken_contract_says_what_to_fix(pass_cls, message):
    with pytest.raises(AssertionError, match=message), np.errstate(all="ignore"):
        check_pass(pass_cls, {}, epochs=1)


def test_validate_errors_reach_the_caller():
    with pytest.raises(ValueError, match="unknown option 'sacle'"):
        check_pass(Strict, {"sacle": 2}, epochs=1)


def test_plugin_installed_shows_the_module_then_restores_the_host():
    module = types.ModuleType("strict_plugin")
    module.tinytorch_register_passes = hookimpl(lambda register: register("strict", Strict))
    before = plugins.host()
    with plugin_installed(module, dist="tinytorch-strict") as host:
        assert plugins.lookup("passes", "strict") is Strict
        assert host.registry("passes")["strict"].dist == "tinytorch-strict"
        assert "quantize" in plugins.registry("passes")  # the installed plugins are still there
    assert plugins.host() is before
    assert "strict" not in plugins.registry("passes")
